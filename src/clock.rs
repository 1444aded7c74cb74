//! Time, injected: domain code takes `today` or `now` as an argument, and the faces get them from
//! a [`Clock`], so tests drive a clock instead of waiting for one.

use std::sync::Mutex;

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A source of the current instant.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in `tz`.
    fn today(&self, tz: Tz) -> NaiveDate {
        self.now().with_timezone(&tz).date_naive()
    }
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved: for tests and for `--as-of`.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    /// A clock reading `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        FixedClock(Mutex::new(now))
    }

    /// A clock reading noon UTC on `date`.
    pub fn at_noon(date: NaiveDate) -> Self {
        Self::new(
            date.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN))
                .and_utc(),
        )
    }

    /// Moves the clock to `now`.
    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The system clock moved by a fixed offset: it reads `start` when made, then runs at the real
/// rate. For rehearsals and process-level tests of the service, where leases and sleeps need time
/// to pass.
#[derive(Clone, Copy, Debug)]
pub struct OffsetClock(Duration);

impl OffsetClock {
    /// A clock reading `start` now.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        OffsetClock(start - Utc::now())
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.0
    }
}

/// The instant a wall-clock time on a date happens in `tz`, converted per date so that a clock
/// change never moves it: 09:00 in London is 09:00 GMT in winter and 09:00 BST in summer.
///
/// A time that happens twice (clocks going back) is taken at its first occurrence; a time that
/// does not happen (clocks going forward) is moved forward by the length of the gap, as a person
/// would read it (01:30 on the spring-forward day in London is 02:30 BST).
pub fn local_instant(date: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let local = date.and_time(time);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // Read the local time with the offset in force just before the gap: the result falls
            // after the gap by as much as the time was into it.
            let before = tz.offset_from_utc_datetime(&(local - Duration::days(1)));
            let utc = local - chrono::Offset::fix(&before).local_minus_utc_duration();
            utc.and_utc()
        }
    }
}

trait LocalMinusUtc {
    fn local_minus_utc_duration(&self) -> Duration;
}

impl LocalMinusUtc for chrono::FixedOffset {
    fn local_minus_utc_duration(&self) -> Duration {
        Duration::seconds(self.local_minus_utc().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    fn at(date: &str, h: u32, m: u32) -> DateTime<Utc> {
        local_instant(
            date.parse().unwrap(),
            NaiveTime::from_hms_opt(h, m, 0).unwrap(),
            London,
        )
    }

    #[test]
    fn nine_in_the_morning_in_london_is_nine_gmt_in_winter_and_eight_utc_in_summer() {
        // 2027 clocks go forward on Sunday 28 March and back on Sunday 31 October.
        assert_eq!(
            at("2027-03-26", 9, 0).to_rfc3339(),
            "2027-03-26T09:00:00+00:00"
        );
        assert_eq!(
            at("2027-03-29", 9, 0).to_rfc3339(),
            "2027-03-29T08:00:00+00:00"
        );
        assert_eq!(
            at("2027-10-29", 9, 0).to_rfc3339(),
            "2027-10-29T08:00:00+00:00"
        );
        assert_eq!(
            at("2027-11-01", 9, 0).to_rfc3339(),
            "2027-11-01T09:00:00+00:00"
        );
    }

    #[test]
    fn a_time_in_the_spring_gap_moves_forward_and_a_repeated_time_takes_the_first() {
        assert_eq!(
            at("2027-03-28", 1, 30).to_rfc3339(),
            "2027-03-28T01:30:00+00:00"
        );
        // 01:30 on 31 October 2027 happens at 00:30 UTC (BST) and again at 01:30 UTC (GMT).
        assert_eq!(
            at("2027-10-31", 1, 30).to_rfc3339(),
            "2027-10-31T00:30:00+00:00"
        );
    }

    #[test]
    fn a_fixed_clock_stands_still_until_moved() {
        let c = FixedClock::at_noon("2026-11-24".parse().unwrap());
        assert_eq!(c.today(London).to_string(), "2026-11-24");
        c.advance(Duration::hours(12));
        assert_eq!(c.today(London).to_string(), "2026-11-25");
    }
}
