//! GOV.UK's official bank-holiday data (`bank-holidays.json`): parsing and validation.
//!
//! The official data wins for every year it covers. The shipped files are embedded in the binary so
//! that the program works with no files at all; a newer GOV.UK file dropped in the configured
//! holidays folder replaces the years it covers from the next start, with no rebuild.

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

/// One official bank holiday.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficialHoliday {
    /// The day off.
    pub date: NaiveDate,
    /// GOV.UK's title, e.g. `Boxing Day`.
    pub title: String,
    /// GOV.UK's notes, e.g. `Substitute day`; empty when none.
    pub notes: String,
}

impl OfficialHoliday {
    /// The name shown to people: the title, with the notes in brackets, lower-cased
    /// (`Boxing Day (substitute day)`).
    pub fn display_name(&self) -> String {
        if self.notes.is_empty() {
            self.title.clone()
        } else {
            format!("{} ({})", self.title, self.notes.to_lowercase())
        }
    }
}

/// One parsed and validated official file.
#[derive(Clone, Debug)]
pub struct OfficialData {
    /// Where it came from, for messages.
    pub source: String,
    /// Holidays per division, by year.
    pub divisions: BTreeMap<Division, BTreeMap<i32, Vec<OfficialHoliday>>>,
}

#[derive(Deserialize)]
struct RawDivision {
    division: Option<String>,
    events: Vec<RawEvent>,
}

#[derive(Deserialize)]
struct RawEvent {
    title: String,
    date: String,
    #[serde(default)]
    notes: String,
}

impl OfficialData {
    /// Parses and validates a file in GOV.UK's `bank-holidays.json` shape.
    ///
    /// Refused, with a message naming the problem: malformed JSON (with line and column), an
    /// unknown or missing division, a date that is not `YYYY-MM-DD`, a date given twice in a
    /// division, or a date on a Saturday or Sunday (GOV.UK lists only the substitute weekday, so a
    /// weekend date means the file is not what it claims to be).
    pub fn parse(source: &str, json: &str) -> Result<Self, CalendarError> {
        let bad = |message: String| CalendarError::HolidayData {
            file: source.to_string(),
            message,
        };
        let raw: BTreeMap<String, RawDivision> =
            serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
        let mut divisions = BTreeMap::new();
        for (key, body) in raw {
            let division: Division = key
                .parse()
                .map_err(|_| bad(format!("unknown division '{key}': expected one of england-and-wales, scotland, northern-ireland")))?;
            if let Some(inner) = &body.division {
                if inner != &key {
                    return Err(bad(format!("division '{key}' says its name is '{inner}'")));
                }
            }
            let mut seen = BTreeSet::new();
            let mut years: BTreeMap<i32, Vec<OfficialHoliday>> = BTreeMap::new();
            for (i, event) in body.events.into_iter().enumerate() {
                let date = NaiveDate::parse_from_str(&event.date, "%Y-%m-%d").map_err(|_| {
                    bad(format!(
                        "{key}: event {} ('{}') has date '{}', expected YYYY-MM-DD",
                        i + 1,
                        event.title,
                        event.date
                    ))
                })?;
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
                    title: event.title,
                    notes: event.notes,
                });
            }
            for list in years.values_mut() {
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
    pub fn embedded() -> Vec<OfficialData> {
        EMBEDDED
            .iter()
            .map(|(name, json)| {
                OfficialData::parse(name, json)
                    .expect("the embedded holiday data is validated by tests")
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
    }
}
