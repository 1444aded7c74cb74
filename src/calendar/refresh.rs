//! Replacing the official bank-holiday data in force with a newer GOV.UK file: what it would
//! change, whether that change is believable, and writing it so that no reader ever sees half a
//! file. Used by `timescales holidays import` and `holidays refresh` and by the service's daily
//! refresh; fetching the file is not this module's business (it knows no networks).
//!
//! Why the rules below. GOV.UK adds a year's holidays, and now and then a one-off one (a
//! coronation, a state funeral), months ahead; it never changes a day that has passed. A file
//! that does change the past, or covers fewer years than the data in force, is not a newer
//! GOV.UK file (a truncated download, a proxy's error page that happens to be JSON, a hostile
//! copy): putting it in force would move deadlines already met or missed, or quietly drop years
//! back to the standing rules. So such a file is refused whole and the data in force stays.
//! The comparison is between the calendars in force and those the file would give (embedded
//! data, every file in the holidays folder, the new one in its place), not between two files:
//! GOV.UK's file drops its oldest years as it grows, which changes nothing that is in force.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use super::{Calendars, DayOffKind, Division};

/// The file name new official data is installed under in the holidays folder.
pub const FILE_NAME: &str = "bank-holidays.json";

/// One bank holiday that a new file adds, removes or renames, on or after today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HolidayChange {
    /// The division.
    pub region: Division,
    /// The day.
    pub date: NaiveDate,
    /// Its name in the data in force; `None` when it is not a bank holiday there.
    pub before: Option<String>,
    /// Its name in the new data; `None` when it is no longer a bank holiday.
    pub after: Option<String>,
}

impl fmt::Display for HolidayChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let day = self.date.format("%a %-d %b %Y");
        match (&self.before, &self.after) {
            (None, Some(a)) => write!(f, "{}: new bank holiday {day}, {a}", self.region),
            (Some(b), None) => write!(
                f,
                "{}: {day} ({b}) is no longer a bank holiday",
                self.region
            ),
            (Some(b), Some(a)) => write!(f, "{}: {day} renamed from {b} to {a}", self.region),
            (None, None) => write!(f, "{}: {day} unchanged", self.region),
        }
    }
}

/// What a new file would change in the calendars in force, once found believable.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// Bank holidays added, removed or renamed, from today on, by date.
    pub changes: Vec<HolidayChange>,
    /// Per division whose official coverage grows, the last official year before and after.
    pub extended: Vec<(Division, Option<i32>, i32)>,
    /// Whether the calendars would differ at all (dates, names or sources' years).
    pub differs: bool,
}

impl Assessment {
    /// One line per change, for a log, a command's output or the operator's message.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .extended
            .iter()
            .map(|(d, before, after)| match before {
                Some(b) => format!("{d}: official data now runs to the end of {after} (was {b})"),
                None => format!("{d}: official data now runs to the end of {after}"),
            })
            .collect();
        lines.extend(self.changes.iter().map(ToString::to_string));
        lines
    }
}

/// Why a new file is refused though it is well-formed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// It changes a day before today.
    #[error("{region}: it {what} {date} ({name}), a day that has passed; GOV.UK never changes the past, so the file is refused and the data in force is kept")]
    ChangesThePast {
        /// The division.
        region: Division,
        /// `removes the bank holiday` or `adds a bank holiday on`.
        what: &'static str,
        /// The day.
        date: NaiveDate,
        /// The holiday's name.
        name: String,
    },
    /// It covers fewer years than the data in force.
    #[error("{region}: it would end the official data for {years} (those years would fall back to the standing rules); the file is refused and the data in force is kept")]
    ShrinksCoverage {
        /// The division.
        region: Division,
        /// The years lost, e.g. `2028` or `2027-2028`.
        years: String,
    },
}

/// Compares the calendars in force with `next`, those a new file would give, as of `today`:
/// refused when it changes a day before today (adds or removes a bank holiday there) or takes
/// away a year of official data; otherwise what it changes from today on. Closures are the
/// same on both sides and are left out.
pub fn assess(
    current: &Calendars,
    next: &Calendars,
    today: NaiveDate,
) -> Result<Assessment, Refusal> {
    let mut out = Assessment {
        differs: current.fingerprint() != next.fingerprint(),
        ..Default::default()
    };
    for region in Division::ALL {
        let (now, new) = (current.get(region), next.get(region));
        let lost: Vec<i32> = now
            .official_years()
            .filter(|y| next.get(region).year_source(*y) != super::YearSource::Official)
            .collect();
        if let (Some(first), Some(last)) = (lost.first(), lost.last()) {
            return Err(Refusal::ShrinksCoverage {
                region,
                years: if first == last {
                    first.to_string()
                } else {
                    format!("{first}-{last}")
                },
            });
        }
        let holidays = |cal: &super::Calendar, before: bool| -> BTreeMap<NaiveDate, String> {
            cal.days_off
                .iter()
                .filter(|d| d.kind != DayOffKind::Configured && (d.date < today) == before)
                .map(|d| (d.date, d.name.to_string()))
                .collect()
        };
        let (was, will) = (holidays(now, true), holidays(new, true));
        if let Some((date, name)) = was.iter().find(|(d, _)| !will.contains_key(d)) {
            return Err(Refusal::ChangesThePast {
                region,
                what: "removes the bank holiday",
                date: *date,
                name: name.clone(),
            });
        }
        if let Some((date, name)) = will.iter().find(|(d, _)| !was.contains_key(d)) {
            return Err(Refusal::ChangesThePast {
                region,
                what: "adds a bank holiday on",
                date: *date,
                name: name.clone(),
            });
        }
        let (was, will) = (holidays(now, false), holidays(new, false));
        let mut dates: Vec<&NaiveDate> = was.keys().chain(will.keys()).collect();
        dates.sort();
        dates.dedup();
        for date in dates {
            let (before, after) = (was.get(date), will.get(date));
            if before != after {
                out.changes.push(HolidayChange {
                    region,
                    date: *date,
                    before: before.cloned(),
                    after: after.cloned(),
                });
            }
        }
        let (before, after) = (now.official_years().last(), new.official_years().last());
        if let Some(after) = after.filter(|a| before.is_none_or(|b| *a > b)) {
            out.extended.push((region, before, after));
        }
    }
    out.changes
        .sort_by_key(|c| (c.date, Division::ALL.iter().position(|d| *d == c.region)));
    Ok(out)
}

/// Writes `json` as `dir/bank-holidays.json`, creating the folder: written to a hidden file
/// beside it, flushed to disk, then renamed over the old one, so a reader (a start, a reload)
/// sees the old file or the new one and never a part, and a crash leaves one of the two.
pub fn install(dir: &Path, json: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let target = dir.join(FILE_NAME);
    let tmp = dir.join(format!(".{FILE_NAME}.installing"));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(json.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)?;
        // The rename itself made durable.
        std::fs::File::open(dir)?.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::OfficialData;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The shipped bank-holidays.json (2019-2028), changed by `edit`, as the calendars it
    /// would put in force on top of the embedded data.
    fn with(edit: impl FnOnce(&mut serde_json::Value)) -> Calendars {
        let mut v: serde_json::Value =
            serde_json::from_str(include_str!("../../holidays/bank-holidays.json")).unwrap();
        edit(&mut v);
        let mut files = OfficialData::embedded();
        files.push(OfficialData::parse("new.json", &v.to_string()).unwrap());
        Calendars::build(&files, &[])
    }

    fn events<'a>(v: &'a mut serde_json::Value, region: &str) -> &'a mut Vec<serde_json::Value> {
        v[region]["events"].as_array_mut().unwrap()
    }

    fn add(v: &mut serde_json::Value, region: &str, date: &str, title: &str) {
        events(v, region).push(serde_json::json!({"title": title, "date": date, "notes": ""}));
    }

    fn remove(v: &mut serde_json::Value, region: &str, date: &str) {
        events(v, region).retain(|e| e["date"] != date);
    }

    /// Thu 3 Dec 2026.
    const TODAY: &str = "2026-12-03";

    #[test]
    fn the_same_data_changes_nothing() {
        let a = assess(&Calendars::embedded(), &with(|_| {}), d(TODAY)).unwrap();
        assert_eq!(a, Assessment::default());
        assert!(a.lines().is_empty());
    }

    #[test]
    fn a_new_one_off_holiday_and_a_cancelled_future_one_are_named_with_their_dates() {
        let next = with(|v| {
            add(v, "england-and-wales", "2027-06-07", "Imaginary coronation");
            remove(v, "northern-ireland", "2027-07-12");
        });
        let a = assess(&Calendars::embedded(), &next, d(TODAY)).unwrap();
        assert!(a.differs);
        assert_eq!(
            a.lines(),
            [
                "england-and-wales: new bank holiday Mon 7 Jun 2027, Imaginary coronation",
                "northern-ireland: Mon 12 Jul 2027 (Battle of the Boyne (Orangemen’s Day)) is no longer a bank holiday",
            ]
        );
        // Renaming a future one is a change too.
        let next = with(|v| {
            remove(v, "scotland", "2027-11-30");
            add(v, "scotland", "2027-11-30", "St Andrew's Day");
        });
        assert_eq!(
            assess(&Calendars::embedded(), &next, d(TODAY))
                .unwrap()
                .lines(),
            ["scotland: Tue 30 Nov 2027 renamed from St Andrew’s Day to St Andrew's Day"]
        );
    }

    #[test]
    fn a_file_that_changes_a_day_that_has_passed_is_refused() {
        // Christmas Day 2025 (a Thursday) taken out of Scotland's data.
        let next = with(|v| remove(v, "scotland", "2025-12-25"));
        assert_eq!(
            assess(&Calendars::embedded(), &next, d(TODAY)).unwrap_err().to_string(),
            "scotland: it removes the bank holiday 2025-12-25 (Christmas Day), a day that has passed; GOV.UK never changes the past, so the file is refused and the data in force is kept"
        );
        // Mon 30 Nov 2026, three days ago, made a holiday in England and Wales.
        let next = with(|v| add(v, "england-and-wales", "2026-11-30", "Invented"));
        assert_eq!(
            assess(&Calendars::embedded(), &next, d(TODAY)).unwrap_err(),
            Refusal::ChangesThePast {
                region: Division::EnglandAndWales,
                what: "adds a bank holiday on",
                date: d("2026-11-30"),
                name: "Invented".into()
            }
        );
        // Today itself is not past: a holiday announced for today is accepted.
        let next = with(|v| add(v, "england-and-wales", TODAY, "Invented"));
        assert_eq!(
            assess(&Calendars::embedded(), &next, d(TODAY))
                .unwrap()
                .lines(),
            ["england-and-wales: new bank holiday Thu 3 Dec 2026, Invented"]
        );
    }

    #[test]
    fn coverage_that_grows_is_reported_and_coverage_that_shrinks_is_refused() {
        // 2029: Monday 1 January, for every division.
        let longer = with(|v| {
            for r in ["england-and-wales", "scotland", "northern-ireland"] {
                add(v, r, "2029-01-01", "New Year’s Day");
            }
        });
        let a = assess(&Calendars::embedded(), &longer, d(TODAY)).unwrap();
        assert_eq!(
            a.lines()[0],
            "england-and-wales: official data now runs to the end of 2029 (was 2028)"
        );
        assert_eq!(a.extended.len(), 3);
        // 2029 computed from the rules has more holidays than a file listing only New Year's
        // Day: Good Friday, Fri 30 Mar 2029, is no longer one.
        assert!(a.lines().contains(
            &"england-and-wales: Fri 30 Mar 2029 (Good Friday) is no longer a bank holiday"
                .to_string()
        ));
        // Back to the shipped file from one that covered 2029: 2029 would be computed again.
        assert_eq!(
            assess(&longer, &with(|_| {}), d(TODAY)).unwrap_err().to_string(),
            "england-and-wales: it would end the official data for 2029 (those years would fall back to the standing rules); the file is refused and the data in force is kept"
        );
    }

    #[test]
    fn install_replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let holidays = dir.path().join("holidays");
        assert_eq!(install(&holidays, "one").unwrap(), holidays.join(FILE_NAME));
        install(&holidays, "two").unwrap();
        assert_eq!(
            std::fs::read_to_string(holidays.join(FILE_NAME)).unwrap(),
            "two"
        );
        let names: Vec<_> = std::fs::read_dir(&holidays)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [FILE_NAME]);
    }
}
