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

use chrono::{Datelike, NaiveDate};
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
    /// It lists fewer bank holidays for a coming year than the standing rules give, less one:
    /// GOV.UK adds one-off holidays and never drops a regular one, so a thin year means a
    /// damaged or hostile file (with Christmas gone, every deadline across it moves).
    #[error("{region}: it lists {listed} bank holiday{} for {year} where the standing rules give {expected}; the file is refused and the data in force is kept", if *.listed == 1 { "" } else { "s" })]
    TooFew {
        /// The division.
        region: Division,
        /// The year.
        year: i32,
        /// How many the file lists.
        listed: usize,
        /// How many the standing rules give.
        expected: usize,
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
/// what it changes from tomorrow on, listed whether or not it is refused, and the first reason
/// to refuse it. Refused when it changes today or a day before it (adds or removes a bank
/// holiday there: a deadline due today that rolls back would move into the past), takes away a
/// year of official data, or lists fewer holidays for a year after this one than the standing
/// rules give, less one. `holidays import --force` installs a refused file and shows what it
/// changes all the same: that is when the operator most needs the list. Closures are the same
/// on both sides and are left out.
pub fn compare(
    current: &Calendars,
    next: &Calendars,
    today: NaiveDate,
) -> (Assessment, Option<Refusal>) {
    let mut out = Assessment {
        differs: current.fingerprint() != next.fingerprint(),
        ..Default::default()
    };
    let mut refusal = None;
    for region in Division::ALL {
        let (now, new) = (current.get(region), next.get(region));
        let lost: Vec<i32> = now
            .official_years()
            .filter(|y| next.get(region).year_source(*y) != super::YearSource::Official)
            .collect();
        if let (Some(first), Some(last)) = (lost.first(), lost.last()) {
            refusal.get_or_insert(Refusal::ShrinksCoverage {
                region,
                years: if first == last {
                    first.to_string()
                } else {
                    format!("{first}-{last}")
                },
            });
        }
        for year in new.official_years().filter(|y| *y > today.year()) {
            let listed = new
                .days_off_between(first_of(year), last_of(year))
                .filter(|d| d.kind == DayOffKind::Official)
                .count();
            let expected = super::rules::holidays(region, year).len();
            if listed + 1 < expected {
                refusal.get_or_insert(Refusal::TooFew {
                    region,
                    year,
                    listed,
                    expected,
                });
            }
        }
        let holidays = |cal: &super::Calendar, before: bool| -> BTreeMap<NaiveDate, String> {
            cal.days_off
                .iter()
                .filter(|d| d.kind != DayOffKind::Configured && (d.date <= today) == before)
                .map(|d| (d.date, d.name.to_string()))
                .collect()
        };
        let (was, will) = (holidays(now, true), holidays(new, true));
        if let Some((date, name)) = was.iter().find(|(d, _)| !will.contains_key(d)) {
            refusal.get_or_insert(Refusal::ChangesThePast {
                region,
                what: "removes the bank holiday",
                date: *date,
                name: name.clone(),
            });
        }
        if let Some((date, name)) = will.iter().find(|(d, _)| !was.contains_key(d)) {
            refusal.get_or_insert(Refusal::ChangesThePast {
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
    (out, refusal)
}

/// Gives `path` the owner and group of `like`, where this process may (as root); otherwise
/// leaves it as it is.
fn same_owner(path: &Path, like: &Path) {
    use std::os::unix::fs::MetadataExt;
    if let Ok(m) = std::fs::metadata(like) {
        let _ = std::os::unix::fs::chown(path, Some(m.uid()), Some(m.gid()));
    }
}

/// January 1 and December 31 of `year` (clamped to the calendars' range).
fn first_of(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(super::FIRST_DATE)
}

fn last_of(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(super::LAST_DATE)
}

/// Writes `json` as `dir/bank-holidays.json`, creating the folder: written to a new hidden file
/// beside it (a name of its own, created only if nothing is there: two installs at once never
/// share one, and a link planted under the name is not followed), flushed to disk, then
/// renamed over the old one, so a reader (a start, a reload) sees the old file or the new one
/// and never a part, and a crash leaves one of the two.
///
/// Owned as what it replaces is (or as the folder is, or for a new folder, as its parent is):
/// `sudo timescales holidays import` runs as root, and the service's own user must go on
/// replacing the file at its daily refresh.
pub fn install(dir: &Path, json: &str) -> std::io::Result<PathBuf> {
    if !dir.exists() {
        std::fs::create_dir_all(dir)?;
        if let Some(parent) = dir.parent() {
            same_owner(dir, parent);
        }
    }
    let target = dir.join(FILE_NAME);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let tmp = dir.join(format!(
        ".{FILE_NAME}.{}.{nanos:x}.installing",
        std::process::id()
    ));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(json.as_bytes())?;
        f.sync_all()?;
        same_owner(&tmp, if target.exists() { &target } else { dir });
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

    /// [`compare`] as a verdict: the list, or the first refusal.
    fn assess(
        current: &Calendars,
        next: &Calendars,
        today: NaiveDate,
    ) -> Result<Assessment, Refusal> {
        match compare(current, next, today) {
            (_, Some(refusal)) => Err(refusal),
            (assessment, None) => Ok(assessment),
        }
    }

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
        // Nor today: a deadline due today that rolls back to the working day before would
        // move into the past. Tomorrow, Fri 4 Dec, may change.
        let next = with(|v| add(v, "england-and-wales", TODAY, "Invented"));
        assert!(assess(&Calendars::embedded(), &next, d(TODAY)).is_err());
        let next = with(|v| add(v, "england-and-wales", "2026-12-04", "Invented"));
        assert_eq!(
            assess(&Calendars::embedded(), &next, d(TODAY))
                .unwrap()
                .lines(),
            ["england-and-wales: new bank holiday Fri 4 Dec 2026, Invented"]
        );
    }

    #[test]
    fn coverage_that_grows_is_reported_and_coverage_that_shrinks_or_thins_is_refused() {
        // 2029 as the standing rules give it, for every division.
        let year_2029 = |v: &mut serde_json::Value| {
            for r in Division::ALL {
                for h in crate::calendar::rules::holidays(r, 2029) {
                    events(v, r.key()).push(serde_json::json!({
                        "title": h.title,
                        "date": h.date.to_string(),
                        "notes": if h.substitute { "Substitute day" } else { "" }
                    }));
                }
            }
        };
        let longer = with(year_2029);
        let a = assess(&Calendars::embedded(), &longer, d(TODAY)).unwrap();
        assert_eq!(
            a.lines(),
            [
                "england-and-wales: official data now runs to the end of 2029 (was 2028)",
                "scotland: official data now runs to the end of 2029 (was 2028)",
                "northern-ireland: official data now runs to the end of 2029 (was 2028)",
            ],
            "the same days, now official"
        );
        // Back to the shipped file from one that covered 2029: 2029 would be computed again.
        assert_eq!(
            assess(&longer, &with(|_| {}), d(TODAY)).unwrap_err().to_string(),
            "england-and-wales: it would end the official data for 2029 (those years would fall back to the standing rules); the file is refused and the data in force is kept"
        );
        // 2029 with New Year's Day alone, where the rules give England and Wales 8.
        let thin = with(|v| {
            for r in ["england-and-wales", "scotland", "northern-ireland"] {
                add(v, r, "2029-01-01", "New Year’s Day");
            }
        });
        assert_eq!(
            assess(&Calendars::embedded(), &thin, d(TODAY)).unwrap_err().to_string(),
            "england-and-wales: it lists 1 bank holiday for 2029 where the standing rules give 8; the file is refused and the data in force is kept"
        );
        // Christmas Day's substitute in 2027 gone: 7 of 8, one fewer than the rules, is still
        // believable (a regular holiday moved for a one-off, as in 2020), and named as a change.
        let moved = with(|v| events(v, "england-and-wales").retain(|e| e["date"] != "2027-12-27"));
        assert_eq!(
            assess(&Calendars::embedded(), &moved, d(TODAY)).unwrap().lines(),
            ["england-and-wales: Mon 27 Dec 2027 (Christmas Day (substitute day)) is no longer a bank holiday"]
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
        // A link planted where a temporary file might go is never written through: each
        // install makes a file of its own.
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "untouched").unwrap();
        std::os::unix::fs::symlink(&victim, holidays.join(".bank-holidays.json.installing"))
            .unwrap();
        install(&holidays, "three").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
    }

    #[test]
    fn run_as_root_an_install_leaves_the_folder_and_file_to_the_owner_of_what_holds_them() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        // The service's state folder, owned by its user (nobody, here).
        let state = dir.path().join("state");
        std::fs::create_dir(&state).unwrap();
        if std::os::unix::fs::chown(&state, Some(65534), Some(65534)).is_err() {
            return; // not root: nothing to give away, and nothing this test can show
        }
        let holidays = state.join("holidays");
        let file = install(&holidays, "{}").unwrap();
        for path in [&holidays, &file] {
            let m = std::fs::metadata(path).unwrap();
            assert_eq!((m.uid(), m.gid()), (65534, 65534), "{}", path.display());
        }
        // Replaced, it stays the service's.
        install(&holidays, "{ }").unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().uid(), 65534);
    }
}
