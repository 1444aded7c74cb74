use super::*;
use crate::calendar::{Calendars, Division, Roll, Trigger};
use chrono_tz::Europe::London;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn a_deadline_ends_at_local_midnight_whatever_the_season() {
    // GMT in January: midnight is 00:00 UTC.
    assert_eq!(
        due_instant(d("2027-01-06"), London).to_rfc3339(),
        "2027-01-07T00:00:00+00:00"
    );
    // BST in July: midnight is 23:00 UTC the day before.
    assert_eq!(
        due_instant(d("2027-07-13"), London).to_rfc3339(),
        "2027-07-13T23:00:00+00:00"
    );
    // Saturday 27 March 2027 ends at midnight GMT; the clocks go forward at 01:00 on the 28th.
    assert_eq!(
        due_instant(d("2027-03-27"), London).to_rfc3339(),
        "2027-03-28T00:00:00+00:00"
    );
    // Sunday 28 March (23 hours long) ends at midnight BST.
    assert_eq!(
        due_instant(d("2027-03-28"), London).to_rfc3339(),
        "2027-03-28T23:00:00+00:00"
    );
    // Sunday 31 October (25 hours long) ends at midnight GMT.
    assert_eq!(
        due_instant(d("2027-10-31"), London).to_rfc3339(),
        "2027-11-01T00:00:00+00:00"
    );
}

#[test]
fn rules_read_as_a_person_would_say_them() {
    assert_eq!(Rule::working_days(1).to_string(), "1 working day");
    assert_eq!(Rule::working_days(10).to_string(), "10 working days");
    assert_eq!(
        Rule::working_days(3).triggered(Trigger::AsIs).to_string(),
        "3 working days, counted from the trigger as is"
    );
    assert_eq!(Rule::calendar_days(28).to_string(), "28 calendar days");
    assert_eq!(
        Rule::months(3).rolled(Roll::Forward).to_string(),
        "3 months, rolled forward to a working day"
    );
}

#[test]
fn the_explanation_names_day_zero_every_skipped_holiday_and_the_data_used() {
    let cals = Calendars::embedded();
    let e = Rule::working_days(10)
        .explain(cals.get(Division::EnglandAndWales), d("2026-12-18"))
        .unwrap();
    assert_eq!(e.due, d("2027-01-06"));
    assert_eq!(e.day_zero, Some(d("2026-12-18")));
    assert_eq!(e.weekend_days, 6);
    let names: Vec<String> = e
        .skipped
        .iter()
        .map(|s| format!("{} {}", s.date, s.name))
        .collect();
    assert_eq!(
        names,
        [
            "2026-12-25 Christmas Day",
            "2026-12-28 Boxing Day (substitute day)",
            "2027-01-01 New Year’s Day"
        ]
    );
    let text = e.to_text();
    assert!(text.starts_with("2027-01-06\n"), "{text}");
    assert!(
        text.contains("2026-12-28 Boxing Day (substitute day)"),
        "{text}"
    );
    assert!(text.contains("2027:     official GOV.UK data"), "{text}");
}

#[test]
fn the_explanation_of_a_roll_shows_where_the_date_fell() {
    let cals = Calendars::embedded();
    let e = Rule::calendar_days(28)
        .rolled(Roll::Forward)
        .explain(cals.get(Division::EnglandAndWales), d("2026-11-27"))
        .unwrap();
    assert_eq!(e.unrolled, Some(d("2026-12-25")));
    assert_eq!(e.due, d("2026-12-29"));
    let names: Vec<&str> = e.skipped.iter().map(|s| s.name.as_ref()).collect();
    assert_eq!(names, ["Christmas Day", "Boxing Day (substitute day)"]);
    assert!(e
        .to_text()
        .contains("falls on: 2026-12-25 (Friday), not a working day; rolled"));
}
