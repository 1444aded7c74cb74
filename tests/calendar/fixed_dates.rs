//! Due dates worked out by hand from the published calendars (GOV.UK's lists and a wall calendar),
//! never from this code's own output. Each comment shows the count.

use chrono::NaiveDate;
use timescales::calendar::{Calendars, ClosureSpec, Division, Roll, Trigger};
use timescales::deadline::Rule;

use Division::{EnglandAndWales as EW, NorthernIreland as NI, Scotland as SC};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn cals() -> Calendars {
    Calendars::embedded()
}

fn due(region: Division, from: &str, rule: Rule) -> String {
    rule.due(cals().get(region), d(from)).unwrap().to_string()
}

#[test]
fn ten_working_days_across_christmas_2026() {
    // Fri 18 Dec is day 0. 21,22,23,24 (1-4); 25 Christmas; 26-27 weekend; 28 Boxing Day
    // (substitute); 29,30,31 (5-7); 1 Jan New Year; 2-3 weekend; 4,5,6 (8-10).
    assert_eq!(due(EW, "2026-12-18", Rule::working_days(10)), "2027-01-06");
    // Scotland also has 2 January, a Saturday in 2027, so Monday 4 January is a holiday: 5,6,7.
    assert_eq!(due(SC, "2026-12-18", Rule::working_days(10)), "2027-01-07");
    assert_eq!(due(NI, "2026-12-18", Rule::working_days(10)), "2027-01-06");
}

#[test]
fn three_working_days_from_christmas_eve() {
    // Thu 24 is day 0; 25 and 28 are holidays; 29, 30, 31.
    assert_eq!(due(EW, "2026-12-24", Rule::working_days(3)), "2026-12-31");
}

#[test]
fn a_letter_received_on_a_saturday_counts_from_monday_unless_as_is() {
    // Sat 19 Dec: day 0 is Mon 21; 22, 23, 24.
    assert_eq!(due(EW, "2026-12-19", Rule::working_days(3)), "2026-12-24");
    // As is: day 1 is Mon 21; 22, 23.
    let as_is = Rule::working_days(3).triggered(Trigger::AsIs);
    assert_eq!(due(EW, "2026-12-19", as_is), "2026-12-23");
    // On a working day the two agree.
    assert_eq!(
        due(EW, "2026-12-18", as_is),
        due(EW, "2026-12-18", Rule::working_days(3))
    );
}

#[test]
fn zero_working_days_is_day_zero() {
    assert_eq!(due(EW, "2026-12-18", Rule::working_days(0)), "2026-12-18");
    assert_eq!(due(EW, "2026-12-25", Rule::working_days(0)), "2026-12-29");
}

#[test]
fn easter_2027_differs_in_scotland() {
    // Good Friday 26 March 2027, Easter Monday 29 March (not a Scottish bank holiday).
    assert_eq!(due(EW, "2027-03-25", Rule::working_days(1)), "2027-03-30");
    assert_eq!(due(SC, "2027-03-25", Rule::working_days(1)), "2027-03-29");
    assert_eq!(due(NI, "2027-03-25", Rule::working_days(1)), "2027-03-30");
}

#[test]
fn one_off_holidays_are_skipped() {
    // Monday 19 September 2022: the State Funeral of Queen Elizabeth II.
    assert_eq!(due(EW, "2022-09-16", Rule::working_days(1)), "2022-09-20");
    // Early May (1 May) and the coronation (8 May 2023): Tue 2 - Fri 5 are 1-4, Tue 9 is 5.
    assert_eq!(due(EW, "2023-04-28", Rule::working_days(5)), "2023-05-09");
    // Monday 15 June 2026: the World Cup bank holiday, in Scotland only.
    assert_eq!(due(SC, "2026-06-12", Rule::working_days(1)), "2026-06-16");
    assert_eq!(due(EW, "2026-06-12", Rule::working_days(1)), "2026-06-15");
}

#[test]
fn northern_ireland_keeps_the_twelfth_of_july() {
    // Monday 12 July 2027.
    assert_eq!(due(NI, "2027-07-09", Rule::working_days(1)), "2027-07-13");
    assert_eq!(due(EW, "2027-07-09", Rule::working_days(1)), "2027-07-12");
    // 12 July 2026 is a Sunday: the substitute is Monday 13.
    assert_eq!(due(NI, "2026-07-10", Rule::working_days(1)), "2026-07-14");
    // St Patrick's Day, Wednesday 17 March 2027.
    assert_eq!(due(NI, "2027-03-16", Rule::working_days(1)), "2027-03-18");
}

#[test]
fn new_year_2028_falls_on_a_saturday() {
    // E&W: Mon 3 January 2028 is the substitute; Tue 4 is working day 1.
    assert_eq!(due(EW, "2027-12-31", Rule::working_days(1)), "2028-01-04");
    // Scotland: Mon 3 and Tue 4 are substitutes for 1 and 2 January.
    assert_eq!(due(SC, "2027-12-31", Rule::working_days(1)), "2028-01-05");
}

#[test]
fn months_clamp_to_the_end_of_a_shorter_month() {
    assert_eq!(due(EW, "2027-01-31", Rule::months(1)), "2027-02-28");
    assert_eq!(due(EW, "2028-01-31", Rule::months(1)), "2028-02-29");
    assert_eq!(due(EW, "2027-03-31", Rule::months(1)), "2027-04-30");
    assert_eq!(due(EW, "2026-11-30", Rule::months(3)), "2027-02-28");
    assert_eq!(due(EW, "2026-12-11", Rule::months(3)), "2027-03-11");
}

#[test]
fn calendar_days_count_every_day_and_roll_only_when_asked() {
    assert_eq!(due(EW, "2026-12-18", Rule::calendar_days(28)), "2027-01-15");
    // 27 Nov + 28 days is Christmas Day 2026.
    assert_eq!(due(EW, "2026-11-27", Rule::calendar_days(28)), "2026-12-25");
    assert_eq!(
        due(
            EW,
            "2026-11-27",
            Rule::calendar_days(28).rolled(Roll::Forward)
        ),
        "2026-12-29"
    );
    assert_eq!(
        due(
            EW,
            "2026-11-27",
            Rule::calendar_days(28).rolled(Roll::Backward)
        ),
        "2026-12-24"
    );
    // 28 Feb 2027 is a Sunday: forward to Mon 1 March.
    assert_eq!(
        due(EW, "2027-01-31", Rule::months(1).rolled(Roll::Forward)),
        "2027-03-01"
    );
}

#[test]
fn counting_back_from_a_due_date() {
    let ew = cals();
    let sub =
        |r: Division, from: &str, n| ew.get(r).sub_working_days(d(from), n).unwrap().to_string();
    // Two working days before Wed 6 January 2027: Tue 5, Mon 4.
    assert_eq!(sub(EW, "2027-01-06", 2), "2027-01-04");
    // In Scotland Monday 4 January is a holiday: Tue 5, then Thu 31 December.
    assert_eq!(sub(SC, "2027-01-06", 2), "2026-12-31");
    // Before Sunday 10 January: Friday 8 is day 0; Thu 7, Wed 6.
    assert_eq!(sub(EW, "2027-01-10", 2), "2027-01-06");
}

#[test]
fn counting_working_days_between_two_dates() {
    let c = cals();
    let cal = c.get(EW);
    let between = |a: &str, b: &str| cal.working_days_between(d(a), d(b)).unwrap();
    // Due Wed 6 January, done Fri 8: 2 working days late.
    assert_eq!(between("2027-01-06", "2027-01-08"), 2);
    assert_eq!(between("2027-01-06", "2027-01-06"), 0);
    // Due Thu 24 December, done Tue 29: 25 and 28 are holidays, so 1 working day late.
    assert_eq!(between("2026-12-24", "2026-12-29"), 1);
    // Done early: negative.
    assert_eq!(between("2027-01-08", "2027-01-06"), -2);
    assert_eq!(between("2026-12-18", "2027-01-06"), 10);
}

#[test]
fn a_computed_year_still_answers_and_says_so() {
    let c = cals();
    let cal = c.get(EW);
    // 2031 is past the official data. Christmas Thursday, Boxing Day Friday.
    let rule = Rule::working_days(1);
    assert_eq!(
        rule.due(cal, d("2031-12-24")).unwrap().to_string(),
        "2031-12-29"
    );
    let e = rule.explain(cal, d("2031-12-24")).unwrap();
    assert!(e.uses_computed_years);
    assert!(e
        .to_text()
        .contains("2031:     computed from the standing rules"));
    let e = rule.explain(cal, d("2026-12-24")).unwrap();
    assert!(!e.uses_computed_years);
}

#[test]
fn an_organisation_closure_counts_like_a_bank_holiday() {
    let closure = ClosureSpec {
        name: "Office closure".into(),
        from: "12-29".into(),
        to: Some("12-31".into()),
        regions: vec![],
    };
    let c = Calendars::load(None, &[closure]).unwrap();
    // 21-24 (1-4); 25, 28 holidays; 29-31 closed; 1 Jan holiday; 4-8 (5-9); 11 (10).
    let rule = Rule::working_days(10);
    assert_eq!(
        rule.due(c.get(EW), d("2026-12-18")).unwrap().to_string(),
        "2027-01-11"
    );
    let text = rule.explain(c.get(EW), d("2026-12-18")).unwrap().to_text();
    assert!(
        text.contains("2026-12-29 Office closure [organisation closure]"),
        "{text}"
    );
}

#[test]
fn dates_and_results_outside_the_range_are_errors_not_panics() {
    let c = cals();
    let cal = c.get(EW);
    assert_eq!(
        Rule::working_days(3)
            .due(cal, d("1899-12-29"))
            .unwrap_err()
            .to_string(),
        "date 1899-12-29 is outside the supported range 1900-01-01 to 2200-12-31"
    );
    assert_eq!(
        Rule::working_days(u32::MAX).due(cal, d("2026-12-18")).unwrap_err().to_string(),
        "4294967295 working days from 2026-12-18 falls outside the supported range 1900-01-01 to 2200-12-31"
    );
    assert!(Rule::months(3000).due(cal, d("2026-12-18")).is_err());
    assert!(Rule::calendar_days(u32::MAX)
        .due(cal, d("2026-12-18"))
        .is_err());
    assert!(cal.sub_working_days(d("1900-01-02"), 5).is_err());
    assert!(cal
        .working_days_between(d("2026-01-01"), d("2201-01-01"))
        .is_err());
    assert_eq!(
        Rule::parse(-3, timescales::deadline::Unit::WorkingDays).unwrap_err(),
        "count -3 is negative: a timescale counts forward from its trigger"
    );
}

#[test]
fn a_backward_roll_never_reaches_the_trigger_date() {
    let back = |n| Rule::calendar_days(n).rolled(Roll::Backward);
    // Thu 25 Mar 2027 + 3 = Sun 28; back over Sat 27 and Good Friday 26 would reach Thu 25, the
    // trigger: forward instead over Easter Monday 29 to Tue 30 Mar.
    assert_eq!(due(EW, "2027-03-25", back(3)), "2027-03-30");
    // In Scotland Easter Monday is a working day: forward to Mon 29 Mar.
    assert_eq!(due(SC, "2027-03-25", back(3)), "2027-03-29");
    // Thu 24 Dec 2026 + 3 = Sun 27; back over Sat 26 and Christmas Day would reach Thu 24:
    // forward over Mon 28 (Boxing Day substitute) to Tue 29 Dec.
    assert_eq!(due(EW, "2026-12-24", back(3)), "2026-12-29");
    // Fri 24 Dec 2027 + 3 = Mon 27 (Christmas Day substitute); back over Sun 26 and Sat 25 would
    // reach Fri 24: forward over Tue 28 (Boxing Day substitute) to Wed 29 Dec 2027.
    assert_eq!(due(EW, "2027-12-24", back(3)), "2027-12-29");
    // Wed 23 Dec 2026 + 3 = Sat 26; back over Christmas Day to Thu 24, after the trigger: it
    // stands.
    assert_eq!(due(EW, "2026-12-23", back(3)), "2026-12-24");
    // A forward roll is unchanged: Thu 25 Mar 2027 + 3 = Sun 28, forward to Tue 30 Mar.
    assert_eq!(
        due(
            EW,
            "2027-03-25",
            Rule::calendar_days(3).rolled(Roll::Forward)
        ),
        "2027-03-30"
    );
}
