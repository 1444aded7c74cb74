//! Dates and holidays only: which days are working days in each UK division, and constant-time
//! arithmetic over them.
//!
//! A [`Calendar`] is one division's working days: Monday to Friday, less that division's bank
//! holidays, less the organisation's own closures. Bank holidays come from GOV.UK's official data
//! for every year it covers ([`official`]) and from the standing rules for every other year
//! ([`rules`]), so a count that crosses into an uncovered year still answers, and says that it
//! relied on computed years. [`Calendars`] holds all three divisions, built when first needed.
//!
//! This module knows nothing of procedures, databases or networks.

mod closure;
mod division;
pub mod official;
pub mod refresh;
pub mod rules;
mod working_days;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

pub use closure::{Closure, ClosureSpec};
pub use division::Division;
pub use official::{OfficialData, OfficialHoliday};
pub use working_days::{is_weekend, Span, FIRST_DATE, LAST_DATE};
use working_days::{offset, WorkingDayIndex};

/// What can go wrong with dates and holiday data. Every message names the bad value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A division name that is not one of GOV.UK's three keys.
    #[error("unknown region '{}': expected one of england-and-wales, scotland, northern-ireland", crate::text::quoted(.0))]
    UnknownDivision(String),
    /// A date the index does not cover.
    #[error("date {0} is outside the supported range {FIRST_DATE} to {LAST_DATE}")]
    OutOfRange(NaiveDate),
    /// A count whose result would fall outside the index.
    #[error(
        "{count} {unit} from {from} falls outside the supported range {FIRST_DATE} to {LAST_DATE}"
    )]
    ResultOutOfRange {
        /// The starting date.
        from: NaiveDate,
        /// The count asked for.
        count: i64,
        /// `working days`, `calendar days` or `months`.
        unit: &'static str,
    },
    /// An official holiday file that cannot be used.
    #[error("holiday data {file}: {message}")]
    HolidayData {
        /// The file.
        file: String,
        /// What is wrong with it.
        message: String,
    },
    /// A configured closure that cannot be used.
    #[error("closure '{name}': {message}")]
    Closure {
        /// The closure's name.
        name: String,
        /// What is wrong with it.
        message: String,
    },
}

/// Where a year's bank holidays come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum YearSource {
    /// GOV.UK's published list.
    Official,
    /// The standing rules: one-off holidays of that year cannot be known.
    Computed,
}

/// Why a weekday is not a working day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DayOffKind {
    /// A bank holiday from GOV.UK's data.
    Official,
    /// A bank holiday computed from the standing rules.
    Computed,
    /// An organisation's own closure or one-off holiday from config.
    Configured,
}

/// A named non-working weekday.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DayOff {
    /// The date.
    pub date: NaiveDate,
    /// Its name as staff would say it, e.g. `Boxing Day (substitute day)`. Borrowed where the
    /// standing rules give it (most days off of 1900-2200), so building a calendar allocates a
    /// name only for official holidays, substitutes and closures.
    pub name: Cow<'static, str>,
    /// Where it comes from.
    pub kind: DayOffKind,
}

/// Whether a count starts on its trigger date or on the next working day: the per-rule `trigger`
/// option of a working-day deadline.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// The trigger date is day 0; when it is not a working day, day 0 is the next working day (a
    /// letter arriving on a Saturday is logged as received on Monday). The default.
    #[default]
    NextWorkingDay,
    /// Day 1 is the first working day after the trigger date, whatever day the trigger is.
    AsIs,
}

/// Moving a date that is not a working day onto one.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Roll {
    /// Leave the date where it falls. The default.
    #[default]
    None,
    /// To the next working day.
    Forward,
    /// To the previous working day.
    Backward,
}

impl std::str::FromStr for Roll {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "none" => Ok(Roll::None),
            "forward" => Ok(Roll::Forward),
            "backward" => Ok(Roll::Backward),
            other => Err(format!(
                "unknown roll '{}': expected none, forward or backward",
                crate::text::quoted(other)
            )),
        }
    }
}

/// The set of years covered by official data, as a bitset over the index's years.
#[derive(Clone, Debug, Default)]
struct YearSet([u64; 5]);

impl YearSet {
    fn insert(&mut self, year: i32) {
        if let Some(i) = year_bit(year) {
            self.0[i / 64] |= 1 << (i % 64);
        }
    }
    fn contains(&self, year: i32) -> bool {
        year_bit(year).is_some_and(|i| self.0[i / 64] & (1 << (i % 64)) != 0)
    }
}

fn year_bit(year: i32) -> Option<usize> {
    (FIRST_DATE.year()..=LAST_DATE.year())
        .contains(&year)
        .then(|| (year - FIRST_DATE.year()) as usize)
}

/// One division's working days.
#[derive(Debug)]
pub struct Calendar {
    division: Division,
    index: WorkingDayIndex,
    /// Every named non-working weekday, in date order; two reasons for one date (a closure on a
    /// bank holiday) in the order they were added. One sorted list rather than a map of lists:
    /// building it is one allocation, which matters to a command that builds a calendar, answers
    /// once and exits.
    days_off: Vec<DayOff>,
    official: YearSet,
    official_sources: BTreeMap<i32, String>,
    warned_computed: AtomicBool,
}

impl Calendar {
    /// Builds one division's calendar over `span`. For each year the last of `official` that
    /// covers it wins; other years come from the standing rules; `closures` are added on top.
    /// The service's span is [`Span::FULL`]; a command that answers one question builds the
    /// years it can reach (see [`Span`]), never fingerprinted: the fingerprints are of the whole
    /// range.
    pub fn build_over(
        span: Span,
        division: Division,
        official: &[OfficialData],
        closures: &[Closure],
    ) -> Self {
        let years_touched = span.years_touched();
        // About eight bank holidays a year, more with closures.
        let mut days_off: Vec<DayOff> = Vec::with_capacity(10 * years_touched.clone().count());
        let mut years = YearSet::default();
        let mut official_sources = BTreeMap::new();
        let mut mark = |date: NaiveDate, name: Cow<'static, str>, kind: DayOffKind| {
            if span.offset(date).is_some() && !is_weekend(date) {
                days_off.push(DayOff { date, name, kind });
            }
        };
        for year in years_touched {
            let file = official.iter().rev().find_map(|f| {
                f.divisions
                    .get(&division)
                    .and_then(|y| y.get(&year))
                    .map(|list| (f, list))
            });
            if let Some((file, list)) = file {
                years.insert(year);
                official_sources.insert(year, file.source.clone());
                for h in list {
                    mark(h.date, h.display_name(), DayOffKind::Official);
                }
            } else {
                for h in rules::holidays(division, year) {
                    let name = if h.substitute {
                        format!("{} (substitute day)", h.title).into()
                    } else {
                        h.title.into()
                    };
                    mark(h.date, name, DayOffKind::Computed);
                }
            }
            for c in closures.iter().filter(|c| c.applies_to(division)) {
                for date in c.dates_in_year(year) {
                    mark(date, c.name.clone().into(), DayOffKind::Configured);
                }
            }
        }
        // Stable: the reasons for one date keep the order they were added in.
        days_off.sort_by_key(|d| d.date);
        Calendar {
            division,
            index: WorkingDayIndex::build(
                span,
                days_off.iter().filter_map(|d| span.offset(d.date)),
            ),
            days_off,
            official: years,
            official_sources,
            warned_computed: AtomicBool::new(false),
        }
    }

    /// The division this calendar is for.
    pub fn division(&self) -> Division {
        self.division
    }

    fn in_range(date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        offset(date)
            .map(|_| date)
            .ok_or(CalendarError::OutOfRange(date))
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        self.index
            .is_working_day(date)
            .ok_or(CalendarError::OutOfRange(date))
    }

    /// `n` working days after `from`, counted as `trigger` says.
    ///
    /// With [`Trigger::NextWorkingDay`] `from` is day 0 (or the next working day is, when `from`
    /// is not one), so the result is always a working day, and `n = 0` gives day 0.
    #[inline]
    pub fn add_working_days(
        &self,
        from: NaiveDate,
        n: u32,
        trigger: Trigger,
    ) -> Result<NaiveDate, CalendarError> {
        let r = match trigger {
            Trigger::NextWorkingDay => self.index.add(from, n),
            Trigger::AsIs => self.index.add_as_is(from, n),
        };
        r.ok_or_else(|| self.range_error(from, n as i64, "working days"))
    }

    /// `n` working days before `date`: day 0 is `date`, or the last working day before it when it
    /// is not one. A reminder "2 working days before" a Friday due date falls on the Wednesday;
    /// before a Sunday, on the Wednesday too (Friday is day 0).
    #[inline]
    pub fn sub_working_days(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        self.index
            .sub(date, n)
            .ok_or_else(|| self.range_error(date, -(n as i64), "working days"))
    }

    /// The working days in `(a, b]`: how many working days `b` is after `a` (negative when
    /// before). A letter due on Wednesday and sent on Friday is 2 working days late.
    #[inline]
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> Result<i64, CalendarError> {
        self.index
            .between(a, b)
            .ok_or_else(|| CalendarError::OutOfRange(if offset(a).is_none() { a } else { b }))
    }

    /// `date` moved onto a working day as `roll` says.
    pub fn roll(&self, date: NaiveDate, roll: Roll) -> Result<NaiveDate, CalendarError> {
        let r = match roll {
            Roll::None => Some(Self::in_range(date)?),
            Roll::Forward => self.index.on_or_after(date),
            Roll::Backward => self.index.on_or_before(date),
        };
        r.ok_or_else(|| self.range_error(date, 0, "working days"))
    }

    fn range_error(&self, from: NaiveDate, count: i64, unit: &'static str) -> CalendarError {
        match offset(from) {
            None => CalendarError::OutOfRange(from),
            Some(_) => CalendarError::ResultOutOfRange { from, count, unit },
        }
    }

    /// The named reasons `date` is not a working day, empty for a working day or a plain weekend.
    pub fn days_off_on(&self, date: NaiveDate) -> &[DayOff] {
        self.days_off_in(date, date)
    }

    /// The named non-working weekdays from `from` to `to` inclusive (none when `to` is before
    /// `from`), as a slice of the sorted list.
    fn days_off_in(&self, from: NaiveDate, to: NaiveDate) -> &[DayOff] {
        let lo = self.days_off.partition_point(|d| d.date < from);
        let hi = self.days_off.partition_point(|d| d.date <= to).max(lo);
        &self.days_off[lo..hi]
    }

    /// Every named non-working weekday from `from` to `to` inclusive.
    pub fn days_off_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = &DayOff> + '_ {
        let from = if from <= to { from } else { to };
        self.days_off_in(from, to).iter()
    }

    /// Where `year`'s bank holidays come from.
    pub fn year_source(&self, year: i32) -> YearSource {
        if self.official.contains(year) {
            YearSource::Official
        } else {
            YearSource::Computed
        }
    }

    /// The official file a year came from, if any.
    pub fn official_source(&self, year: i32) -> Option<&str> {
        self.official_sources.get(&year).map(String::as_str)
    }

    /// The years covered by official data, in order.
    pub fn official_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.official_sources.keys().copied()
    }

    /// Whether any year from `a` to `b` (either order) is computed rather than official. The
    /// first time it is, a warning is logged for this division: one-off holidays of a future year
    /// cannot be known.
    pub fn depends_on_computed(&self, a: NaiveDate, b: NaiveDate) -> bool {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let computed = (lo.year()..=hi.year()).any(|y| !self.official.contains(y));
        if computed && !self.warned_computed.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                division = %self.division,
                from = %lo,
                to = %hi,
                "a date relies on bank holidays computed from the standing rules; one-off holidays of those years cannot be known"
            );
        }
        computed
    }
}

/// `bdays`' trait, so the calendar plugs into code written for the crate the design names.
///
/// The trait returns plain values and cannot report an error, so outside 1900-2200 the methods
/// fall back to the standing rules and walk day by day, as `bdays` itself does; inside, they
/// use the index. Conventions are `bdays`' own: `advance_bdays` first moves `date` forward to a
/// working day, in both directions; `bdays(d0, d1)` counts `[d0, d1)` after moving both forward.
impl bdays::HolidayCalendar<NaiveDate> for Calendar {
    fn is_holiday(&self, date: NaiveDate) -> bool {
        match self.index.is_working_day(date) {
            Some(working) => !working && !is_weekend(date),
            None => rules::holidays(self.division, date.year())
                .iter()
                .any(|h| h.date == date),
        }
    }

    fn to_bday(&self, date: NaiveDate, adjust_next: bool) -> NaiveDate {
        let indexed = if adjust_next {
            self.index.on_or_after(date)
        } else {
            self.index.on_or_before(date)
        };
        indexed.unwrap_or_else(|| {
            let mut d = date;
            while !self.is_bday(d) {
                d = if adjust_next {
                    d.succ_opt()
                } else {
                    d.pred_opt()
                }
                .unwrap_or(d);
            }
            d
        })
    }

    fn advance_bdays(&self, date: NaiveDate, bdays_count: i32) -> NaiveDate {
        let start = self.to_bday(date, true);
        let indexed = if bdays_count >= 0 {
            self.index.add(start, bdays_count as u32)
        } else {
            self.index.sub(start, bdays_count.unsigned_abs())
        };
        indexed.unwrap_or_else(|| {
            let mut d = start;
            for _ in 0..bdays_count.unsigned_abs() {
                let step = |d: NaiveDate| {
                    if bdays_count > 0 {
                        d.succ_opt()
                    } else {
                        d.pred_opt()
                    }
                };
                d = step(d).unwrap_or(d);
                while !self.is_bday(d) {
                    d = step(d).unwrap_or(d);
                }
            }
            d
        })
    }

    fn bdays(&self, d0: NaiveDate, d1: NaiveDate) -> i32 {
        match self.index.bdays_between(d0, d1) {
            Some(n) => n as i32,
            None => {
                let (mut from, to, sign) = if d0 <= d1 { (d0, d1, 1) } else { (d1, d0, -1) };
                let to = self.to_bday(to, true);
                from = self.to_bday(from, true);
                let mut n = 0;
                while from < to {
                    from = self.advance_bdays(from, 1);
                    n += 1;
                }
                sign * n
            }
        }
    }
}

/// All three divisions' calendars over the same holiday data and closures.
///
/// Each division's calendar is built the first time it is asked for, then kept: a command that
/// counts in one division (`timescales deadline`) builds that one only, a third of the work,
/// while the service, which asks for all three (the fingerprint reads every one), builds each
/// once as before. Every caller goes through [`Calendars::get`], so the command line and the
/// service count on the same [`Calendar`].
#[derive(Debug)]
pub struct Calendars {
    official: Vec<OfficialData>,
    closures: Vec<Closure>,
    calendars: [OnceLock<Calendar>; 3],
    sources: Vec<String>,
    /// The days each calendar covers: all of them, except for a command's [`Calendars::within`].
    span: Span,
}

impl Calendars {
    /// The calendars over `official` (later files win for the years they cover) and `closures`;
    /// each division is built on first use.
    pub fn build(official: &[OfficialData], closures: &[Closure]) -> Self {
        Self::from_parts(official.to_vec(), closures.to_vec())
    }

    fn from_parts(official: Vec<OfficialData>, closures: Vec<Closure>) -> Self {
        Calendars {
            sources: official.iter().map(|f| f.source.clone()).collect(),
            official,
            closures,
            calendars: Default::default(),
            span: Span::FULL,
        }
    }

    /// These calendars over `span` only, for a command that answers one question and exits
    /// (`timescales deadline`): building a division over the few years a question can reach is
    /// a small fraction of building 1900-2200 (see [`Span`]). An answer outside `span` is an
    /// out-of-range error: ask `within(Span::FULL)` then. Not for the service, whose
    /// fingerprints cover every year.
    pub fn within(mut self, span: Span) -> Self {
        self.span = span;
        self.calendars = Default::default();
        self
    }

    /// Whether these calendars cover fewer days than the supported range.
    pub fn is_narrowed(&self) -> bool {
        !self.span.is_full()
    }

    /// The embedded official data, with no closures: what the program uses with no config.
    pub fn embedded() -> Self {
        Self::from_parts(OfficialData::embedded(), Vec::new())
    }

    /// The embedded data, then every `*.json` file in `holidays_dir` (in name order) when it is
    /// given and exists, plus the closures. A file there that is not valid GOV.UK data is an
    /// error naming the file: it is never silently ignored.
    pub fn load(
        holidays_dir: Option<&Path>,
        closures: &[ClosureSpec],
    ) -> Result<Self, CalendarError> {
        Self::load_replacing(holidays_dir, closures, None)
    }

    /// [`Calendars::load`] as it would be once `replacing`'s file (a path in `holidays_dir`)
    /// held its data: what installing a new file would put in force, judged before it is
    /// written.
    pub fn load_replacing(
        holidays_dir: Option<&Path>,
        closures: &[ClosureSpec],
        replacing: Option<(&Path, &OfficialData)>,
    ) -> Result<Self, CalendarError> {
        let mut official = OfficialData::embedded();
        if let Some(dir) = holidays_dir {
            let mut files = holiday_files(dir)?;
            if let Some((path, _)) = replacing {
                if !files.iter().any(|f| f == path) {
                    files.push(path.to_path_buf());
                    files.sort();
                }
            }
            for path in files {
                let source = path.display().to_string();
                if let Some((_, data)) = replacing.filter(|(p, _)| *p == path) {
                    official.push(OfficialData {
                        source,
                        divisions: data.divisions.clone(),
                    });
                    continue;
                }
                let json =
                    std::fs::read_to_string(&path).map_err(|e| CalendarError::HolidayData {
                        file: source.clone(),
                        message: e.to_string(),
                    })?;
                official.push(OfficialData::parse(&source, &json)?);
            }
        }
        let closures = closures
            .iter()
            .map(Closure::from_spec)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::from_parts(official, closures))
    }

    /// One division's calendar, built now if this is the first time it is asked for.
    pub fn get(&self, division: Division) -> &Calendar {
        self.calendars[division.index()].get_or_init(|| {
            Calendar::build_over(self.span, division, &self.official, &self.closures)
        })
    }

    /// A fingerprint of every non-working day of every division (date, name, kind): it changes
    /// when holiday data or closures change, so stored deadlines know to be recomputed.
    pub fn fingerprint(&self) -> u64 {
        debug_assert!(!self.is_narrowed(), "a fingerprint is of every year");
        let mut h = crate::folder::Fnv::default();
        for cal in Division::ALL.map(|d| self.get(d)) {
            h.write(cal.division.key().as_bytes());
            // Each date once, then every reason for it: the bytes the fingerprint has always
            // hashed, so stored deadlines are not recomputed for a change of layout.
            let mut last = None;
            for d in &cal.days_off {
                if last != Some(d.date) {
                    h.write(d.date.to_string().as_bytes());
                    last = Some(d.date);
                }
                h.write(d.name.as_bytes());
                h.write(&[d.kind as u8]);
            }
        }
        h.finish()
    }

    /// One fingerprint a year, 1900 to 2200, of one division's days off (dates, names and
    /// kinds, closures included): comparing two sets tells which years a change of holiday
    /// data or closures touched, so that only the complaints with deadlines in or next to
    /// those years are re-derived.
    pub fn year_fingerprints(&self, division: Division) -> Vec<u64> {
        debug_assert!(!self.is_narrowed(), "a fingerprint is of every year");
        let cal = self.get(division);
        let first = working_days::FIRST_DATE.year();
        let mut years = vec![
            crate::folder::Fnv::default();
            (working_days::LAST_DATE.year() - first + 1) as usize
        ];
        for d in &cal.days_off {
            let h = &mut years[(d.date.year() - first) as usize];
            h.write(d.date.to_string().as_bytes());
            h.write(d.name.as_bytes());
            h.write(&[d.kind as u8]);
        }
        years.into_iter().map(|h| h.finish()).collect()
    }

    /// The official files in force, oldest first.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }
}

/// The `*.json` files in `dir`, sorted by name; none when `dir` does not exist.
pub fn holiday_files(dir: &Path) -> Result<Vec<PathBuf>, CalendarError> {
    crate::folder::files_with_extension(dir, "json").map_err(|e| CalendarError::HolidayData {
        file: dir.display().to_string(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_closure_on_a_bank_holiday_is_named_after_it_and_each_division_is_built_on_first_use() {
        let spec = ClosureSpec {
            name: "Office closure".into(),
            from: "2026-12-24".into(),
            to: Some("2026-12-29".into()),
            regions: vec![Division::Scotland],
        };
        let calendars = Calendars::load(None, &[spec]).unwrap();
        assert!(calendars.calendars.iter().all(|c| c.get().is_none()));
        let scotland = calendars.get(Division::Scotland);
        assert!(calendars.calendars[Division::Scotland.index()]
            .get()
            .is_some());
        assert!(calendars.calendars[Division::EnglandAndWales.index()]
            .get()
            .is_none());
        let named = |from: &str, to: &str| -> Vec<String> {
            scotland
                .days_off_between(d(from), d(to))
                .map(|o| format!("{} {} {:?}", o.date, o.name, o.kind))
                .collect()
        };
        // Thu 24 Dec 2026 to Tue 29 Dec: Christmas Day (Friday) and Boxing Day's substitute
        // (Monday 28) are bank holidays and closure days; Saturday and Sunday are neither.
        assert_eq!(
            named("2026-12-24", "2026-12-29"),
            [
                "2026-12-24 Office closure Configured",
                "2026-12-25 Christmas Day Official",
                "2026-12-25 Office closure Configured",
                "2026-12-28 Boxing Day (substitute day) Official",
                "2026-12-28 Office closure Configured",
                "2026-12-29 Office closure Configured",
            ]
        );
        assert_eq!(scotland.days_off_on(d("2026-12-25")).len(), 2);
        assert!(scotland.days_off_on(d("2026-12-26")).is_empty());
        // Backwards, only the end date's own.
        assert_eq!(
            named("2026-12-29", "2026-12-25"),
            [
                "2026-12-25 Christmas Day Official",
                "2026-12-25 Office closure Configured"
            ]
        );
        // 2034 is computed: 25 December 2034 is a Monday.
        assert_eq!(
            named("2034-12-25", "2034-12-25"),
            ["2034-12-25 Christmas Day Computed"]
        );
        // In England and Wales the closure does not apply.
        assert_eq!(
            calendars
                .get(Division::EnglandAndWales)
                .days_off_on(d("2026-12-29"))
                .len(),
            0
        );
    }
}
