//! The working-day index: constant-time working-day arithmetic over 1900-01-01 to 2200-12-31.
//!
//! Two tables answer every question without walking day by day:
//! - how many working days fall strictly before day `i` (day 0 is 1900-01-01), `before(i)`: the
//!   count before `i`'s 64-day word (a `u32` a word) plus the count within the word before `i`
//!   (a byte a day);
//! - `nth[k]`: the `k`-th working day (0-based), stored as the date itself (a `NaiveDate` is four
//!   bytes, like a day number) so that an answer needs no conversion.
//!
//! So the first working day on or after day `i` is `nth[before(i)]`, the last on or before it is
//! `nth[before(i + 1) - 1]`, and the working days in `(a, b]` are `before(b + 1) - before(a + 1)`.
//! Each lookup is a few array reads. The counts take 117 KB a division (a `u32` a day took
//! 440 KB: about 110 fresh pages that every `timescales deadline` paid for at start-up), `nth`
//! 314 KB; built in a fraction of a millisecond. (A bit a day with a population count took
//! 21 KB but tripled the time of an answer: without a `popcnt` target feature the count is a
//! dozen instructions.)

use chrono::{Datelike, NaiveDate};

/// The first date the index covers.
pub const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => panic!("1900-01-01 is a date"),
};
/// The last date the index covers.
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2200, 12, 31) {
    Some(d) => d,
    None => panic!("2200-12-31 is a date"),
};
/// `FIRST_DATE.num_days_from_ce()`; 1900-01-01 was a Monday.
const FIRST_DAY: i32 = 693_596;
/// Days from `FIRST_DATE` to `LAST_DATE` inclusive.
pub const DAYS: usize = 109_938;

/// The days an index covers: `days` days from the day numbered `first` (days from the common
/// era), always a Monday, so that day `i` is a weekday exactly when `i % 7 < 5`.
///
/// The service's calendars span the whole supported range ([`Span::FULL`]). A command that
/// answers one question and exits (`timescales deadline`) builds its calendar over the few years
/// the question can reach ([`Span::reaching`]): the same engine over about a thousand days
/// rather than 110,000, so preparing the answer costs microseconds instead of a millisecond and
/// a hundred fresh pages. Within a span every answer equals the full index's; a question whose
/// answer falls outside it is an out-of-range error, and the caller asks the full calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    first: i32,
    days: usize,
}

impl Span {
    /// 1900-01-01 to 2200-12-31.
    pub const FULL: Span = Span {
        first: FIRST_DAY,
        days: DAYS,
    };

    /// From the Monday on or before 1 January of `from` to 31 December of `to`, within the
    /// supported range.
    pub fn years(from: i32, to: i32) -> Span {
        let (lo, hi) = (FIRST_DATE.year(), LAST_DATE.year());
        let from = from.clamp(lo, hi);
        let to = to.clamp(from, hi);
        let jan1 = NaiveDate::from_ymd_opt(from, 1, 1).unwrap_or(FIRST_DATE);
        // Never before FIRST_DAY: 1 January 1900 was itself a Monday.
        let first = jan1.num_days_from_ce() - jan1.weekday().num_days_from_monday() as i32;
        let last = NaiveDate::from_ymd_opt(to, 12, 31)
            .unwrap_or(LAST_DATE)
            .num_days_from_ce();
        Span {
            first,
            days: (last - first + 1) as usize,
        }
    }

    /// Every year that `count` steps forward from `from` can reach, `per_year` steps to a year
    /// (fewer than a year holds: 200 for working days, 365 for calendar days, 12 for months),
    /// with a year to spare on each side for rolling onto a working day. (Timescales count
    /// forward only: a rule's count is never negative.)
    pub fn reaching(from: NaiveDate, count: u32, per_year: u32) -> Span {
        let ahead = i32::try_from(count / per_year.max(1) + 1).unwrap_or(i32::MAX);
        Span::years(from.year() - 1, from.year().saturating_add(ahead))
    }

    /// Whether this is the whole supported range.
    pub fn is_full(&self) -> bool {
        *self == Span::FULL
    }

    fn first_date(&self) -> NaiveDate {
        NaiveDate::from_num_days_from_ce_opt(self.first).unwrap_or(FIRST_DATE)
    }

    /// The years the span touches, its first partial week included.
    pub fn years_touched(&self) -> std::ops::RangeInclusive<i32> {
        let last = NaiveDate::from_num_days_from_ce_opt(self.first + self.days as i32 - 1)
            .unwrap_or(LAST_DATE);
        self.first_date().year()..=last.year()
    }

    /// Day number of `date` within the span, or `None` outside it.
    #[inline]
    pub fn offset(&self, date: NaiveDate) -> Option<usize> {
        let i = date.num_days_from_ce() - self.first;
        (0..self.days as i32).contains(&i).then_some(i as usize)
    }
}

/// Precomputed working days of one calendar.
#[derive(Clone)]
pub struct WorkingDayIndex {
    span: Span,
    /// Working days before each 64-day word.
    counts: Box<[u32]>,
    /// Working days before each day within its word (`span.days + 1` entries).
    within: Box<[u8]>,
    nth: Box<[NaiveDate]>,
}

impl std::fmt::Debug for WorkingDayIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkingDayIndex")
            .field("span", &self.span)
            .field("working_days", &self.nth.len())
            .finish()
    }
}

/// Day number of `date` within the full index, or `None` outside 1900-2200.
#[inline]
pub fn offset(date: NaiveDate) -> Option<usize> {
    Span::FULL.offset(date)
}

impl WorkingDayIndex {
    /// Builds the index over `span` from the offsets (see [`Span::offset`]) of the weekdays that are nonetheless
    /// not working days (bank holidays, closures), in ascending order; an offset may repeat.
    /// Weekends are added here.
    pub fn build(span: Span, days_off: impl IntoIterator<Item = usize>) -> Self {
        let days = span.days;
        let mut days_off = days_off.into_iter().peekable();
        let mut counts = Vec::with_capacity(days / 64 + 1);
        let mut within = Vec::with_capacity(days + 1);
        let mut nth = Vec::with_capacity(days * 5 / 7 + 1);
        let mut date = span.first_date();
        for i in 0..=days {
            if i % 64 == 0 {
                counts.push(nth.len() as u32);
            }
            within.push((nth.len() as u32 - counts[i / 64]) as u8);
            if i == days {
                break;
            }
            let mut off = false;
            while days_off.next_if(|&d| d <= i).is_some() {
                off = true;
            }
            // Day 0 is a Monday: i % 7 of 5 and 6 are Saturday and Sunday.
            if i % 7 < 5 && !off {
                nth.push(date);
            }
            date = date.succ_opt().unwrap_or(date);
        }
        debug_assert!(days_off.next().is_none(), "an offset outside the index");
        WorkingDayIndex {
            span,
            counts: counts.into_boxed_slice(),
            within: within.into_boxed_slice(),
            nth: nth.into_boxed_slice(),
        }
    }

    /// Working days strictly before day `i`, for `i` in `0..=span.days`.
    #[inline]
    fn before(&self, i: usize) -> u32 {
        self.counts[i / 64] + u32::from(self.within[i])
    }

    /// Whether `date` is a working day; `None` outside the index.
    #[inline]
    pub fn is_working_day(&self, date: NaiveDate) -> Option<bool> {
        let i = self.span.offset(date)?;
        Some(self.before(i + 1) != self.before(i))
    }

    /// The first working day on or after `date`.
    #[inline]
    pub fn on_or_after(&self, date: NaiveDate) -> Option<NaiveDate> {
        let i = self.span.offset(date)?;
        self.nth.get(self.before(i) as usize).copied()
    }

    /// The last working day on or before `date`.
    #[inline]
    pub fn on_or_before(&self, date: NaiveDate) -> Option<NaiveDate> {
        let i = self.span.offset(date)?;
        let k = self.before(i + 1).checked_sub(1)?;
        Some(self.nth[k as usize])
    }

    /// `n` working days after the first working day on or after `date` (which is day 0).
    #[inline]
    pub fn add(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        let i = self.span.offset(date)?;
        let k = (self.before(i) as usize).checked_add(n as usize)?;
        self.nth.get(k).copied()
    }

    /// `n` working days after `date`, where day 1 is the first working day strictly after `date`
    /// whatever `date` is; `n = 0` gives `date` itself.
    #[inline]
    pub fn add_as_is(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        let i = self.span.offset(date)?;
        if n == 0 {
            return Some(date);
        }
        let k = (self.before(i + 1) as usize).checked_add(n as usize - 1)?;
        self.nth.get(k).copied()
    }

    /// `n` working days before the last working day on or before `date` (which is day 0).
    #[inline]
    pub fn sub(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        let i = self.span.offset(date)?;
        let k = (self.before(i + 1) as usize)
            .checked_sub(1)?
            .checked_sub(n as usize)?;
        Some(self.nth[k])
    }

    /// Working days in `(a, b]`, negative when `b` is before `a`.
    #[inline]
    pub fn between(&self, a: NaiveDate, b: NaiveDate) -> Option<i64> {
        let (i, j) = (self.span.offset(a)?, self.span.offset(b)?);
        Some(self.before(j + 1) as i64 - self.before(i + 1) as i64)
    }

    /// Working days in `[a, b)` with both ends first moved to the next working day: the
    /// convention of `bdays::HolidayCalendar::bdays`.
    #[inline]
    pub fn bdays_between(&self, a: NaiveDate, b: NaiveDate) -> Option<i64> {
        let (i, j) = (self.span.offset(a)?, self.span.offset(b)?);
        Some(self.before(j) as i64 - self.before(i) as i64)
    }
}

/// Whether the date is a Saturday or Sunday.
#[inline]
pub fn is_weekend(date: NaiveDate) -> bool {
    date.weekday().number_from_monday() > 5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_constants_agree_with_chrono() {
        assert_eq!(FIRST_DATE.num_days_from_ce(), FIRST_DAY);
        assert_eq!(FIRST_DATE.weekday(), chrono::Weekday::Mon);
        assert_eq!(offset(LAST_DATE), Some(DAYS - 1));
        assert_eq!(offset(LAST_DATE.succ_opt().unwrap()), None);
        assert_eq!(offset(FIRST_DATE.pred_opt().unwrap()), None);
        assert_eq!(std::mem::size_of::<NaiveDate>(), 4);
    }

    #[test]
    fn the_counts_of_working_days_before_each_day_agree_with_counting_one_by_one() {
        // Days off across word boundaries, twice on one day, and on the last day.
        let off = [0, 63, 64, 64, 65, 127, 128, 50_000, DAYS - 1];
        let index = WorkingDayIndex::build(Span::FULL, off);
        let mut n = 0_u32;
        for i in 0..=DAYS {
            assert_eq!(index.before(i), n, "day {i}");
            if i < DAYS && i % 7 < 5 && !off.contains(&i) {
                n += 1;
            }
        }
        assert_eq!(index.nth.len(), n as usize);
    }

    #[test]
    fn a_span_of_years_starts_on_the_monday_before_its_first_new_year() {
        // 1 January 2026 was a Thursday: the span starts on Monday 29 December 2025.
        let span = Span::years(2026, 2027);
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(span.offset(d("2025-12-28")), None);
        assert_eq!(span.offset(d("2025-12-29")), Some(0));
        // Three days of 2025, 365 of 2026, and 31 December is 2027's 365th day.
        assert_eq!(span.offset(d("2027-12-31")), Some(3 + 365 + 364));
        assert_eq!(span.offset(d("2028-01-01")), None);
        assert_eq!(span.years_touched(), 2025..=2027);
        assert_eq!(Span::years(1800, 2300), Span::FULL);
        // 200 working days a year at most, a year to spare each side.
        assert_eq!(
            Span::reaching(d("2026-12-18"), 10, 200),
            Span::years(2025, 2027)
        );
        assert_eq!(
            Span::reaching(d("2026-12-18"), 450, 200),
            Span::years(2025, 2029)
        );
    }
}
