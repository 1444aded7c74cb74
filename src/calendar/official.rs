//! GOV.UK's official bank-holiday data (`bank-holidays.json`): parsing and validation.
//!
//! The official data wins for every year it covers. The shipped files are embedded in the binary so
//! that the program works with no files at all; a newer GOV.UK file dropped in the configured
//! holidays folder replaces the years it covers from the next start, with no rebuild.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

use super::{CalendarError, Division};

/// The shipped official files, oldest first: later files win for the years they cover.
pub const EMBEDDED: [(&str, &str); 2] = [
    (
        "bank-holidays-2012-2018.json (embedded)",
        include_str!("../../holidays/bank-holidays-2012-2018.json"),
    ),
    (
        "bank-holidays.json (embedded)",
        include_str!("../../holidays/bank-holidays.json"),
    ),
];

/// One event of a shipped file: division, year, month, day, title, notes.
type EmbeddedEvent = (Division, i32, u32, u32, &'static str, &'static str);

include!(concat!(env!("OUT_DIR"), "/embedded_holidays.rs"));

/// The most holidays one division may have in one year. The most any has had is 12 (Northern
/// Ireland in 2022: its ten, the Platinum Jubilee and the Queen's funeral); a file with many more
/// would make weeks of working days vanish, so it is refused as not GOV.UK's.
pub const MAX_A_YEAR: usize = 15;

/// The longest title or notes accepted (GOV.UK's longest title is under 60 characters): a name
/// ends up in messages and on the command line.
pub const MAX_TEXT: usize = 100;

/// One official bank holiday.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficialHoliday {
    /// The day off.
    pub date: NaiveDate,
    /// GOV.UK's title, e.g. `Boxing Day`: borrowed from the binary for the embedded files
    /// (every command builds them; a copy of each of their titles was a quarter of the
    /// allocations of `timescales deadline`), owned for a file read at run time.
    pub title: Cow<'static, str>,
    /// GOV.UK's notes, e.g. `Substitute day`; empty when none.
    pub notes: Cow<'static, str>,
}

impl OfficialHoliday {
    /// The name shown to people: the title, with the notes in brackets, lower-cased
    /// (`Boxing Day (substitute day)`).
    pub fn display_name(&self) -> Cow<'static, str> {
        if self.notes.is_empty() {
            self.title.clone()
        } else {
            format!("{} ({})", self.title, self.notes.to_lowercase()).into()
        }
    }
}

/// One parsed and validated official file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficialData {
    /// Where it came from, for messages.
    pub source: String,
    /// Holidays per division, by year.
    pub divisions: BTreeMap<Division, BTreeMap<i32, Vec<OfficialHoliday>>>,
}

#[derive(Deserialize)]
struct RawDivision<'a> {
    division: Option<String>,
    #[serde(borrow)]
    events: Vec<RawEvent<'a>>,
}

/// One event as GOV.UK writes it. The date is borrowed from the file (it is parsed, not kept):
/// every command reads the embedded data, so its parse is part of `timescales deadline`'s time.
#[derive(Deserialize)]
struct RawEvent<'a> {
    title: String,
    #[serde(borrow)]
    date: Cow<'a, str>,
    #[serde(default)]
    notes: String,
}

impl OfficialData {
    /// Parses and validates a file in GOV.UK's `bank-holidays.json` shape.
    ///
    /// Refused, with a message naming the problem: malformed JSON (with line and column), an
    /// unknown or missing division, a date that is not `YYYY-MM-DD` or is outside 1900 to 2200
    /// (the calendars' range), a date given twice in a division, a date on a Saturday or Sunday
    /// (GOV.UK lists only the substitute weekday, so a weekend date means the file is not what it
    /// claims to be), a title that is empty, a title or notes with a control character or longer
    /// than [`MAX_TEXT`], or more than [`MAX_A_YEAR`] holidays in one division's year. The same
    /// rules for `holidays import`, the daily refresh and the files read at start-up.
    pub fn parse(source: &str, json: &str) -> Result<Self, CalendarError> {
        let bad = |message: String| CalendarError::HolidayData {
            file: source.to_string(),
            message,
        };
        let raw: BTreeMap<String, RawDivision<'_>> =
            serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
        let mut divisions = BTreeMap::new();
        for (key, body) in raw {
            let division: Division = key
                .parse()
                .map_err(|_| bad(format!("unknown division '{}': expected one of england-and-wales, scotland, northern-ireland", crate::text::quoted(&key))))?;
            if let Some(inner) = &body.division {
                if inner != &key {
                    return Err(bad(format!(
                        "division '{key}' says its name is '{}'",
                        crate::text::quoted(inner)
                    )));
                }
            }
            let mut seen = BTreeSet::new();
            let mut years: BTreeMap<i32, Vec<OfficialHoliday>> = BTreeMap::new();
            for (i, event) in body.events.into_iter().enumerate() {
                let date = crate::text::parse_iso_date(&event.date).ok_or_else(|| {
                    bad(format!(
                        "{key}: event {} ('{}') has date '{}', expected YYYY-MM-DD",
                        i + 1,
                        crate::text::quoted(&event.title),
                        crate::text::quoted(&event.date)
                    ))
                })?;
                if !(super::FIRST_DATE..=super::LAST_DATE).contains(&date) {
                    return Err(bad(format!(
                        "{key}: {date} ('{}') is outside the supported range {} to {}",
                        crate::text::quoted(&event.title),
                        super::FIRST_DATE,
                        super::LAST_DATE
                    )));
                }
                for (field, value) in [("title", &event.title), ("notes", &event.notes)] {
                    let problem = crate::text::control_character(field, value).or_else(|| {
                        (value.chars().count() > MAX_TEXT)
                            .then(|| format!("{field} is longer than {MAX_TEXT} characters"))
                    });
                    if let Some(problem) = problem {
                        return Err(bad(format!("{key}: {date}: {problem}")));
                    }
                }
                if event.title.trim().is_empty() {
                    return Err(bad(format!("{key}: {date} has no title")));
                }
                if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                    return Err(bad(format!(
                        "{key}: {date} ('{}') is a {}; GOV.UK lists only weekday (substitute) dates",
                        event.title,
                        date.format("%A")
                    )));
                }
                if !seen.insert(date) {
                    return Err(bad(format!("{key}: {date} is listed twice")));
                }
                years.entry(date.year()).or_default().push(OfficialHoliday {
                    date,
                    title: event.title.into(),
                    notes: event.notes.into(),
                });
            }
            for (year, list) in years.iter_mut() {
                if list.len() > MAX_A_YEAR {
                    return Err(bad(format!(
                        "{key}: {year} lists {} holidays; no year has had more than 12, so more than {MAX_A_YEAR} means the file is not GOV.UK's",
                        list.len()
                    )));
                }
                list.sort_by_key(|h| h.date);
            }
            divisions.insert(division, years);
        }
        for d in Division::ALL {
            if !divisions.contains_key(&d) {
                return Err(bad(format!("division '{d}' is missing")));
            }
        }
        Ok(OfficialData {
            source: source.to_string(),
            divisions,
        })
    }

    /// The embedded official data, oldest first.
    ///
    /// Built from the table `build.rs` makes of the same files rather than parsed at each start:
    /// every command reads them, and the parse was half of `timescales deadline`'s instructions.
    /// A test checks that the table equals what [`OfficialData::parse`] makes of the files.
    pub fn embedded() -> Vec<OfficialData> {
        EMBEDDED
            .iter()
            .zip(EMBEDDED_EVENTS)
            .map(|((name, _), events)| {
                let mut divisions: BTreeMap<Division, BTreeMap<i32, Vec<OfficialHoliday>>> =
                    BTreeMap::new();
                for &(division, year, month, day, title, notes) in events {
                    // Every date is a real one: build.rs read it from a file the test parses.
                    if let Some(date) = NaiveDate::from_ymd_opt(year, month, day) {
                        divisions
                            .entry(division)
                            .or_default()
                            .entry(year)
                            .or_default()
                            .push(OfficialHoliday {
                                date,
                                title: Cow::Borrowed(title),
                                notes: Cow::Borrowed(notes),
                            });
                    }
                }
                OfficialData {
                    source: name.to_string(),
                    divisions,
                }
            })
            .collect()
    }

    /// The years this file covers for `division`, in order.
    pub fn years(&self, division: Division) -> impl Iterator<Item = i32> + '_ {
        self.divisions
            .get(&division)
            .into_iter()
            .flat_map(|y| y.keys().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_is_what_parsing_the_shipped_files_gives() {
        let parsed: Vec<OfficialData> = EMBEDDED
            .iter()
            .map(|(name, json)| OfficialData::parse(name, json).unwrap())
            .collect();
        assert_eq!(OfficialData::embedded(), parsed);
        // Not vacuous: 2019-2028 lists 83 + 94 + 103 events (holidays/SOURCE.md).
        let count = |d: Division| {
            parsed[1].divisions[&d]
                .values()
                .map(Vec::len)
                .sum::<usize>()
        };
        assert_eq!(
            Division::ALL.map(count),
            [83, 94, 103],
            "holidays/SOURCE.md's counts"
        );
    }

    fn err(json: &str) -> String {
        OfficialData::parse("test.json", json)
            .unwrap_err()
            .to_string()
    }

    const OK_REST: &str = r#""scotland":{"division":"scotland","events":[]},"northern-ireland":{"division":"northern-ireland","events":[]}"#;

    #[test]
    fn the_embedded_files_parse_and_cover_2012_to_2028() {
        let data = OfficialData::embedded();
        for d in Division::ALL {
            let years: BTreeSet<i32> = data.iter().flat_map(|f| f.years(d)).collect();
            assert_eq!(years, (2012..=2028).collect::<BTreeSet<_>>(), "{d}");
        }
    }

    #[test]
    fn malformed_files_are_refused_with_the_problem_named() {
        assert!(err("{").starts_with("holiday data test.json: EOF while parsing"));
        assert_eq!(
            err(&format!(r#"{{"england":{{"events":[]}},{OK_REST}}}"#)),
            "holiday data test.json: unknown division 'england': expected one of england-and-wales, scotland, northern-ireland"
        );
        assert_eq!(
            err(&format!(
                r#"{{"england-and-wales":{{"events":[{{"title":"X","date":"25/12/2026"}}]}},{OK_REST}}}"#
            )),
            "holiday data test.json: england-and-wales: event 1 ('X') has date '25/12/2026', expected YYYY-MM-DD"
        );
        assert_eq!(
            err(&format!(
                r#"{{"england-and-wales":{{"events":[{{"title":"X","date":"2026-12-26"}}]}},{OK_REST}}}"#
            )),
            "holiday data test.json: england-and-wales: 2026-12-26 ('X') is a Saturday; GOV.UK lists only weekday (substitute) dates"
        );
        assert_eq!(
            err(&format!(
                r#"{{"england-and-wales":{{"events":[{{"title":"X","date":"2026-12-25"}},{{"title":"Y","date":"2026-12-25"}}]}},{OK_REST}}}"#
            )),
            "holiday data test.json: england-and-wales: 2026-12-25 is listed twice"
        );
        assert_eq!(
            err(r#"{"england-and-wales":{"events":[]}}"#),
            "holiday data test.json: division 'scotland' is missing"
        );
        // Dates outside 1900-2200, titles with a control character or empty, and a year with
        // more holidays than any has had: not GOV.UK's.
        let one = |title: &str, date: &str| {
            err(&format!(
                r#"{{"england-and-wales":{{"events":[{{"title":{},"date":"{date}"}}]}},{OK_REST}}}"#,
                serde_json::to_string(title).unwrap()
            ))
        };
        assert_eq!(
            one("X", "9999-12-31"),
            "holiday data test.json: england-and-wales: 9999-12-31 ('X') is outside the supported range 1900-01-01 to 2200-12-31"
        );
        assert_eq!(
            one("Boxing\u{1b}[31mDay", "2026-12-28"),
            "holiday data test.json: england-and-wales: 2026-12-28: title holds a control character (U+001B at character 7): give plain text on one line"
        );
        assert_eq!(
            one("", "2026-12-28"),
            "holiday data test.json: england-and-wales: 2026-12-28 has no title"
        );
        assert_eq!(
            one(&"x".repeat(101), "2026-12-28"),
            "holiday data test.json: england-and-wales: 2026-12-28: title is longer than 100 characters"
        );
        // Every weekday of March 2027 (23 of them).
        let march: Vec<String> = (1..=31)
            .filter_map(|day| NaiveDate::from_ymd_opt(2027, 3, day))
            .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
            .map(|d| format!(r#"{{"title":"X","date":"{d}"}}"#))
            .collect();
        assert_eq!(
            err(&format!(
                r#"{{"england-and-wales":{{"events":[{}]}},{OK_REST}}}"#,
                march.join(",")
            )),
            "holiday data test.json: england-and-wales: 2027 lists 23 holidays; no year has had more than 12, so more than 15 means the file is not GOV.UK's"
        );
    }
}
