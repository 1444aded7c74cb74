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

/// 64-day words covering every day of the index and the day after the last (`before(DAYS)`).
const WORDS: usize = DAYS / 64 + 1;

/// Precomputed working days of one calendar.
#[derive(Clone)]
pub struct WorkingDayIndex {
    /// Working days before each 64-day word.
    counts: Box<[u32]>,
    /// Working days before each day within its word (`DAYS + 1` entries).
    within: Box<[u8]>,
    nth: Box<[NaiveDate]>,
}

impl std::fmt::Debug for WorkingDayIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkingDayIndex")
            .field("days", &DAYS)
            .field("working_days", &self.nth.len())
            .finish()
    }
}

/// Day number of `date` within the index, or `None` outside it.
#[inline]
pub fn offset(date: NaiveDate) -> Option<usize> {
    let i = date.num_days_from_ce() - FIRST_DAY;
    (0..DAYS as i32).contains(&i).then_some(i as usize)
}

impl WorkingDayIndex {
    /// Builds the index from the offsets (see [`offset`]) of the weekdays that are nonetheless
    /// not working days (bank holidays, closures), in ascending order; an offset may repeat.
    /// Weekends are added here.
    pub fn build(days_off: impl IntoIterator<Item = usize>) -> Self {
        let mut days_off = days_off.into_iter().peekable();
        let mut counts = Vec::with_capacity(WORDS);
        let mut within = Vec::with_capacity(DAYS + 1);
        let mut nth = Vec::with_capacity(DAYS * 5 / 7 + 1);
        let mut date = FIRST_DATE;
        for i in 0..=DAYS {
            if i % 64 == 0 {
                counts.push(nth.len() as u32);
            }
            within.push((nth.len() as u32 - counts[i / 64]) as u8);
            if i == DAYS {
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
            counts: counts.into_boxed_slice(),
            within: within.into_boxed_slice(),
            nth: nth.into_boxed_slice(),
        }
    }

    /// Working days strictly before day `i`, for `i` in `0..=DAYS`.
    #[inline]
    fn before(&self, i: usize) -> u32 {
        self.counts[i / 64] + u32::from(self.within[i])
    }

    /// Whether `date` is a working day; `None` outside the index.
    #[inline]
    pub fn is_working_day(&self, date: NaiveDate) -> Option<bool> {
        let i = offset(date)?;
        Some(self.before(i + 1) != self.before(i))
    }

    /// The first working day on or after `date`.
    #[inline]
    pub fn on_or_after(&self, date: NaiveDate) -> Option<NaiveDate> {
        let i = offset(date)?;
        self.nth.get(self.before(i) as usize).copied()
    }

    /// The last working day on or before `date`.
    #[inline]
    pub fn on_or_before(&self, date: NaiveDate) -> Option<NaiveDate> {
        let i = offset(date)?;
        let k = self.before(i + 1).checked_sub(1)?;
        Some(self.nth[k as usize])
    }

    /// `n` working days after the first working day on or after `date` (which is day 0).
    #[inline]
    pub fn add(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        let i = offset(date)?;
        let k = (self.before(i) as usize).checked_add(n as usize)?;
        self.nth.get(k).copied()
    }

    /// `n` working days after `date`, where day 1 is the first working day strictly after `date`
    /// whatever `date` is; `n = 0` gives `date` itself.
    #[inline]
    pub fn add_as_is(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        let i = offset(date)?;
        if n == 0 {
            return Some(date);
        }
        let k = (self.before(i + 1) as usize).checked_add(n as usize - 1)?;
        self.nth.get(k).copied()
    }

    /// `n` working days before the last working day on or before `date` (which is day 0).
    #[inline]
    pub fn sub(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        let i = offset(date)?;
        let k = (self.before(i + 1) as usize)
            .checked_sub(1)?
            .checked_sub(n as usize)?;
        Some(self.nth[k])
    }

    /// Working days in `(a, b]`, negative when `b` is before `a`.
    #[inline]
    pub fn between(&self, a: NaiveDate, b: NaiveDate) -> Option<i64> {
        let (i, j) = (offset(a)?, offset(b)?);
        Some(self.before(j + 1) as i64 - self.before(i + 1) as i64)
    }

    /// Working days in `[a, b)` with both ends first moved to the next working day: the
    /// convention of `bdays::HolidayCalendar::bdays`.
    #[inline]
    pub fn bdays_between(&self, a: NaiveDate, b: NaiveDate) -> Option<i64> {
        let (i, j) = (offset(a)?, offset(b)?);
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
        let index = WorkingDayIndex::build(off);
        let mut n = 0_u32;
        for i in 0..=DAYS {
            assert_eq!(index.before(i), n, "day {i}");
            if i < DAYS && i % 7 < 5 && !off.contains(&i) {
                n += 1;
            }
        }
        assert_eq!(index.nth.len(), n as usize);
    }
}
