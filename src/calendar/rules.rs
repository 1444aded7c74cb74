//! The standing rules that fix each division's bank holidays, for years the official data does
//! not cover.
//!
//! The rules are those of the Banking and Financial Dealings Act 1971 and the royal
//! proclamations that have been made every year since, as GOV.UK's data applies them:
//!
//! | holiday | England and Wales | Scotland | Northern Ireland |
//! |---|---|---|---|
//! | New Year's Day, 1 January | yes | yes | yes |
//! | 2 January | | yes | |
//! | St Patrick's Day, 17 March | | | yes |
//! | Good Friday | yes | yes | yes |
//! | Easter Monday | yes | | yes |
//! | Early May bank holiday: first Monday of May | yes | yes | yes |
//! | Spring bank holiday: last Monday of May | yes | yes | yes |
//! | Battle of the Boyne, 12 July | | | yes |
//! | Summer bank holiday | last Monday of August | first Monday of August | last Monday of August |
//! | St Andrew's Day, 30 November | | yes | |
//! | Christmas Day, 25 December; Boxing Day, 26 December | yes | yes | yes |
//!
//! **Substitute days.** A fixed-date holiday that falls on a Saturday or Sunday is replaced by the
//! next weekday that is not already a holiday. The holidays of one group (New Year's Day and
//! 2 January; Christmas Day and Boxing Day) that fall on weekdays are placed first, then the
//! weekend ones take the following free weekdays in date order. So Christmas on a Saturday gives
//! Monday 27 and Tuesday 28 December; Christmas on a Sunday keeps Boxing Day on Monday 26 and
//! moves Christmas to Tuesday 27; in Scotland, 1 January on a Saturday gives Monday 3 and
//! Tuesday 4 January.
//!
//! What rules cannot know: one-off holidays (a jubilee, a state funeral, a coronation, a sporting
//! event) and holidays moved by proclamation (the early May holiday moved to VE day in 2020).
//! A date computed from these rules is therefore flagged as computed wherever it is shown.
//! Years before 1971 are computed with today's rules too; they are not history, only a
//! well-defined calendar for old dates.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::Division;

/// One bank holiday produced by the standing rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleHoliday {
    /// The day off.
    pub date: NaiveDate,
    /// GOV.UK's title for the holiday.
    pub title: &'static str,
    /// True when this is a substitute weekday for a holiday that fell on a weekend.
    pub substitute: bool,
}

/// The bank holidays of `division` in `year` by the standing rules, sorted by date.
///
/// Returns an empty list for a year chrono cannot represent or before 1583 (no Gregorian Easter).
pub fn holidays(division: Division, year: i32) -> Vec<RuleHoliday> {
    let mut out = Vec::with_capacity(12);
    let (Some(easter), Some(_)) = (
        bdays::easter::easter_naive_date(year).ok(),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return out;
    };
    let mut fixed = |date, title| {
        out.push(RuleHoliday {
            date,
            title,
            substitute: false,
        })
    };
    let ymd =
        |m, d| NaiveDate::from_ymd_opt(year, m, d).expect("a fixed holiday exists every year");

    fixed(easter - Duration::days(2), "Good Friday");
    if division != Division::Scotland {
        fixed(easter + Duration::days(1), "Easter Monday");
    }
    fixed(first_monday(year, 5), "Early May bank holiday");
    fixed(last_monday(year, 5), "Spring bank holiday");
    match division {
        Division::Scotland => fixed(first_monday(year, 8), "Summer bank holiday"),
        _ => fixed(last_monday(year, 8), "Summer bank holiday"),
    }

    // The fixed-date holidays, by group (see the module's note on substitute days), on the
    // stack: this runs for every computed year of every calendar built.
    let new_year = [(ymd(1, 1), "New Year’s Day"), (ymd(1, 2), "2nd January")];
    let st_patrick = [(ymd(3, 17), "St Patrick’s Day")];
    let boyne = [(ymd(7, 12), "Battle of the Boyne (Orangemen’s Day)")];
    let st_andrew = [(ymd(11, 30), "St Andrew’s Day")];
    let christmas = [(ymd(12, 25), "Christmas Day"), (ymd(12, 26), "Boxing Day")];
    let groups: [&[(NaiveDate, &'static str)]; 4] = match division {
        Division::EnglandAndWales => [&new_year[..1], &christmas, &[], &[]],
        Division::Scotland => [&new_year, &st_andrew, &christmas, &[]],
        Division::NorthernIreland => [&new_year[..1], &st_patrick, &boyne, &christmas],
    };

    for group in groups {
        for &(date, title) in group {
            if !is_weekend(date) {
                out.push(RuleHoliday {
                    date,
                    title,
                    substitute: false,
                });
            }
        }
        for &(date, title) in group.iter().filter(|(d, _)| is_weekend(*d)) {
            let mut sub = date + Duration::days(1);
            while is_weekend(sub) || out.iter().any(|h| h.date == sub) {
                sub += Duration::days(1);
            }
            out.push(RuleHoliday {
                date: sub,
                title,
                substitute: true,
            });
        }
    }
    out.sort_by_key(|h| h.date);
    out
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn first_monday(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 1)
        .expect("every month has a first Monday")
}

fn last_monday(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 5)
        .or_else(|| NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 4))
        .expect("every month has a fourth Monday")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn dates(division: Division, year: i32) -> Vec<String> {
        holidays(division, year)
            .into_iter()
            .map(|h| h.date.to_string())
            .collect()
    }

    #[test]
    fn england_and_wales_2031_is_computed_from_the_rules() {
        // 2031: 1 Jan Wednesday; Easter Sunday 13 April; 25 Dec Thursday.
        assert_eq!(
            dates(Division::EnglandAndWales, 2031),
            [
                "2031-01-01",
                "2031-04-11",
                "2031-04-14",
                "2031-05-05",
                "2031-05-26",
                "2031-08-25",
                "2031-12-25",
                "2031-12-26"
            ]
        );
    }

    #[test]
    fn scotland_new_year_on_a_saturday_gives_monday_and_tuesday() {
        // 1 January 2033 is a Saturday, 2 January a Sunday.
        let h = holidays(Division::Scotland, 2033);
        assert_eq!(h[0].date, d("2033-01-03"));
        assert_eq!(h[1].date, d("2033-01-04"));
        assert!(h[0].substitute && h[1].substitute);
    }

    #[test]
    fn christmas_on_a_sunday_keeps_boxing_day_and_moves_christmas_to_tuesday() {
        // 25 December 2033 is a Sunday.
        let h = holidays(Division::EnglandAndWales, 2033);
        let xmas: Vec<_> = h.iter().filter(|h| h.date.month() == 12).collect();
        assert_eq!(xmas[0].date, d("2033-12-26"));
        assert_eq!(xmas[0].title, "Boxing Day");
        assert!(!xmas[0].substitute);
        assert_eq!(xmas[1].date, d("2033-12-27"));
        assert_eq!(xmas[1].title, "Christmas Day");
        assert!(xmas[1].substitute);
    }

    #[test]
    fn northern_ireland_moves_st_patrick_and_the_boyne_off_weekends() {
        // 17 March 2029 is a Saturday; 12 July 2031 is a Saturday.
        assert!(dates(Division::NorthernIreland, 2029).contains(&"2029-03-19".to_string()));
        assert!(dates(Division::NorthernIreland, 2031).contains(&"2031-07-14".to_string()));
    }

    #[test]
    fn scotland_has_no_easter_monday_and_an_early_august_summer_holiday() {
        // 2030: Easter Sunday 21 April; first Monday of August is the 5th; 30 November a Saturday.
        let s = dates(Division::Scotland, 2030);
        assert!(!s.contains(&"2030-04-22".to_string()));
        assert!(s.contains(&"2030-08-05".to_string()));
        assert!(s.contains(&"2030-12-02".to_string()));
    }
}
