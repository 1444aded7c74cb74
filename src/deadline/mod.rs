//! A timescale rule and the due date it gives: "within 10 working days", "within 28 days",
//! "within 3 months", counted from a trigger date on one division's calendar.
//!
//! Every rule is spelt out, with worked examples, in `docs/deadlines.md`. In short:
//! - **working days**: the trigger date is day 0, or the next working day is when the trigger is
//!   not a working day; the due date is working day N. With the `as-is` trigger, day 1 is the first
//!   working day after the trigger, whatever day that is.
//! - **calendar days**: trigger + N.
//! - **months**: the same day N months later, clamped to the end of a shorter month.
//! - calendar days and months may then be rolled onto a working day (`forward` or `backward`);
//!   a working-day result is always a working day already, so roll does not apply to it. A
//!   backward roll that would land on or before the trigger date rolls forward instead.
//! - the deadline is the end of the due day in the organisation's time zone: [`due_instant`].

mod explain;

use std::fmt;

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError, Roll, Span, Trigger};
use crate::clock::local_instant;

pub use explain::{Explanation, YearNote};

/// What a count counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// Monday to Friday, less bank holidays and closures.
    WorkingDays,
    /// Every day.
    CalendarDays,
    /// Calendar months.
    Months,
}

impl Unit {
    /// The unit's name in files and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Unit::WorkingDays => "working-days",
            Unit::CalendarDays => "calendar-days",
            Unit::Months => "months",
        }
    }

    fn words(self, count: u32) -> &'static str {
        match (self, count == 1) {
            (Unit::WorkingDays, true) => "working day",
            (Unit::WorkingDays, false) => "working days",
            (Unit::CalendarDays, true) => "calendar day",
            (Unit::CalendarDays, false) => "calendar days",
            (Unit::Months, true) => "month",
            (Unit::Months, false) => "months",
        }
    }
}

impl std::str::FromStr for Unit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "working-days" => Ok(Unit::WorkingDays),
            "calendar-days" => Ok(Unit::CalendarDays),
            "months" => Ok(Unit::Months),
            other => Err(format!(
                "unknown unit '{}': expected working-days, calendar-days or months",
                crate::text::quoted(other)
            )),
        }
    }
}

/// A timescale: N units after a trigger date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rule {
    /// N.
    pub count: u32,
    /// What is counted.
    pub unit: Unit,
    /// For calendar days and months, where a due date on a non-working day moves.
    #[serde(default)]
    pub roll: Roll,
    /// For working days, whether a trigger on a non-working day counts from the next working day.
    #[serde(default)]
    pub trigger: Trigger,
}

impl Rule {
    /// N working days, with the default trigger.
    pub const fn working_days(count: u32) -> Self {
        Rule {
            count,
            unit: Unit::WorkingDays,
            roll: Roll::None,
            trigger: Trigger::NextWorkingDay,
        }
    }

    /// N calendar days, not rolled.
    pub const fn calendar_days(count: u32) -> Self {
        Rule {
            count,
            unit: Unit::CalendarDays,
            roll: Roll::None,
            trigger: Trigger::NextWorkingDay,
        }
    }

    /// N calendar months, not rolled.
    pub const fn months(count: u32) -> Self {
        Rule {
            count,
            unit: Unit::Months,
            roll: Roll::None,
            trigger: Trigger::NextWorkingDay,
        }
    }

    /// The same rule with `roll`.
    pub const fn rolled(mut self, roll: Roll) -> Self {
        self.roll = roll;
        self
    }

    /// The same rule with `trigger`.
    pub const fn triggered(mut self, trigger: Trigger) -> Self {
        self.trigger = trigger;
        self
    }

    /// The days an answer from `from` can reach, for building a calendar over those years only
    /// (see [`Span`]). Counted at 200 working days, 365 calendar days or 12 months to a year
    /// (a year holds at least 247 working days before closures), with a year to spare each side
    /// for rolling onto a working day. An answer that still falls beyond is an out-of-range error
    /// of the narrowed calendar, never a different date.
    pub fn reach(&self, from: NaiveDate) -> Span {
        let per_year = match self.unit {
            Unit::WorkingDays => 200,
            Unit::CalendarDays => 365,
            Unit::Months => 12,
        };
        Span::reaching(from, self.count, per_year)
    }

    /// A rule from untrusted parts: a count that is negative or too large is an error naming it.
    pub fn parse(count: i64, unit: Unit) -> Result<Self, String> {
        let count = u32::try_from(count).map_err(|_| {
            if count < 0 {
                format!("count {count} is negative: a timescale counts forward from its trigger")
            } else {
                format!("count {count} is too large")
            }
        })?;
        Ok(Rule {
            count,
            unit,
            roll: Roll::None,
            trigger: Trigger::NextWorkingDay,
        })
    }

    /// The due date of this rule counted from `from` on `calendar`.
    #[inline]
    pub fn due(&self, calendar: &Calendar, from: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let unrolled = match self.unit {
            Unit::WorkingDays => return calendar.add_working_days(from, self.count, self.trigger),
            Unit::CalendarDays => from.checked_add_signed(Duration::days(self.count.into())),
            Unit::Months => from.checked_add_months(Months::new(self.count)),
        };
        let out_of_range = || CalendarError::ResultOutOfRange {
            from,
            count: self.count.into(),
            unit: self.unit.words(2),
        };
        let unrolled = unrolled.ok_or_else(out_of_range)?;
        calendar.is_working_day(from)?;
        let rolled = calendar
            .roll(unrolled, self.roll)
            .map_err(|_| out_of_range())?;
        if self.roll == Roll::Backward && rolled <= from && rolled != unrolled {
            // A backward roll never reaches the trigger: "within 3 days" of a Thursday conference
            // before Easter would otherwise be due on the conference day itself
            // (docs/deadlines.md). Then the due date moves forward instead.
            return calendar
                .roll(unrolled, Roll::Forward)
                .map_err(|_| out_of_range());
        }
        Ok(rolled)
    }

    /// The due date with its working shown: see [`Explanation`].
    pub fn explain(
        &self,
        calendar: &Calendar,
        from: NaiveDate,
    ) -> Result<Explanation, CalendarError> {
        Explanation::new(self, calendar, from)
    }
}

impl Rule {
    /// How the due date is moved or counted, beyond "N units": empty for the plain cases.
    fn qualifier(&self) -> &'static str {
        match (self.unit, self.roll, self.trigger) {
            (Unit::WorkingDays, _, Trigger::AsIs) => ", counted from the trigger as is",
            (Unit::WorkingDays, _, _) => "",
            (_, Roll::Forward, _) => ", rolled forward to a working day",
            (_, Roll::Backward, _) => ", rolled back to a working day",
            (_, Roll::None, _) => "",
        }
    }

    /// The rule read as a sentence from its anchor: `28 calendar days after the conference,
    /// rolled forward to a working day`.
    pub fn after(&self, anchor: impl fmt::Display) -> String {
        format!(
            "{} {} after {anchor}{}",
            self.count,
            self.unit.words(self.count),
            self.qualifier()
        )
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}{}",
            self.count,
            self.unit.words(self.count),
            self.qualifier()
        )
    }
}

/// The instant a deadline ends: the end of its due day in `tz`, which is the first instant of the
/// next local day. Something done before this instant is on time; at or after it, late. Computed
/// per date, so a due day of 23 or 25 hours (a clock change) still ends at local midnight.
pub fn due_instant(due: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let next = due.succ_opt().unwrap_or(due);
    local_instant(next, chrono::NaiveTime::MIN, tz)
}

#[cfg(test)]
mod tests;
