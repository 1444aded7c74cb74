//! The working behind a due date, as `--explain` and the API show it.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::{Rule, Unit};
use crate::calendar::{is_weekend, Calendar, CalendarError, DayOff, Division, Trigger, YearSource};

/// Where one year's holidays came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct YearNote {
    /// The year.
    pub year: i32,
    /// Official data or the standing rules.
    pub source: YearSource,
    /// The official file, when official.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// A due date and how it was reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The calendar used.
    pub region: Division,
    /// The rule applied.
    pub rule: Rule,
    /// The trigger date.
    pub from: NaiveDate,
    /// For working days: the day counted as day 0 (`None` with the `as-is` trigger on a
    /// non-working day, where day 1 is the first working day after the trigger).
    pub day_zero: Option<NaiveDate>,
    /// For calendar days and months: the date before any roll.
    pub unrolled: Option<NaiveDate>,
    /// The due date.
    pub due: NaiveDate,
    /// Named non-working weekdays passed over: for working days, those from the trigger to the
    /// due date; for a roll, those between the unrolled date and the due date.
    pub skipped: Vec<DayOff>,
    /// Saturdays and Sundays passed over on the same span.
    pub weekend_days: u32,
    /// Each year the answer depends on, and where its holidays came from.
    pub years: Vec<YearNote>,
    /// True when any of those years was computed from the standing rules, so a one-off holiday
    /// announced later could move the answer.
    pub uses_computed_years: bool,
}

impl Explanation {
    pub(super) fn new(rule: &Rule, cal: &Calendar, from: NaiveDate) -> Result<Self, CalendarError> {
        let due = rule.due(cal, from)?;
        let (day_zero, unrolled, span) = match rule.unit {
            Unit::WorkingDays => {
                let zero = match rule.trigger {
                    Trigger::NextWorkingDay => {
                        Some(cal.roll(from, crate::calendar::Roll::Forward)?)
                    }
                    Trigger::AsIs if cal.is_working_day(from)? => Some(from),
                    Trigger::AsIs => None,
                };
                (zero, None, (from, due))
            }
            Unit::CalendarDays | Unit::Months => {
                let plain = Rule {
                    roll: crate::calendar::Roll::None,
                    ..*rule
                };
                let unrolled = plain.due(cal, from)?;
                (None, Some(unrolled), (unrolled.min(due), unrolled.max(due)))
            }
        };
        let skipped: Vec<DayOff> = if span.0 == span.1 && rule.unit != Unit::WorkingDays {
            Vec::new()
        } else {
            cal.days_off_between(span.0, span.1).cloned().collect()
        };
        let weekend_days = if span.0 == span.1 && rule.unit != Unit::WorkingDays {
            0
        } else {
            span.0
                .iter_days()
                .take_while(|d| *d <= span.1)
                .filter(|d| is_weekend(*d))
                .count() as u32
        };
        let (lo, hi) = (from.min(due), from.max(due));
        let years: Vec<YearNote> = (lo.year()..=hi.year())
            .map(|year| YearNote {
                year,
                source: cal.year_source(year),
                file: cal.official_source(year).map(str::to_string),
            })
            .collect();
        let uses_computed_years = cal.depends_on_computed(lo, hi);
        Ok(Explanation {
            region: cal.division(),
            rule: *rule,
            from,
            day_zero,
            unrolled,
            due,
            skipped,
            weekend_days,
            years,
            uses_computed_years,
        })
    }

    /// The working as lines of text, the due date alone on the first.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let day = |d: NaiveDate| format!("{d} ({})", d.format("%A"));
        let mut s = String::new();
        let _ = writeln!(s, "{}", self.due);
        let _ = writeln!(
            s,
            "rule:     {} after {} ({})",
            self.rule, self.from, self.region
        );
        let _ = writeln!(s, "trigger:  {}", day(self.from));
        if self.rule.unit == Unit::WorkingDays {
            match (self.day_zero, self.rule.trigger) {
                (Some(z), _) if z == self.from => {
                    let _ = writeln!(s, "day 0:    {}, the trigger date itself", day(z));
                }
                (Some(z), _) => {
                    let _ = writeln!(
                        s,
                        "day 0:    {}, the next working day after a non-working trigger",
                        day(z)
                    );
                }
                (None, _) => {
                    let _ = writeln!(
                        s,
                        "day 1:    the first working day after the trigger (trigger counted as is)"
                    );
                }
            }
        }
        if let Some(u) = self.unrolled {
            if u == self.due {
                let _ = writeln!(s, "falls on: {}", day(u));
            } else if self.rule.roll == crate::calendar::Roll::Backward && self.due > u {
                let _ = writeln!(
                    s,
                    "falls on: {}, not a working day; rolled forward, because rolling back would reach the trigger date",
                    day(u)
                );
            } else {
                let _ = writeln!(s, "falls on: {}, not a working day; rolled", day(u));
            }
        }
        if self.skipped.is_empty() && self.weekend_days == 0 {
            let _ = writeln!(s, "skipped:  nothing");
        } else {
            let mut first = true;
            for d in &self.skipped {
                let label = if first { "skipped:" } else { "" };
                first = false;
                let kind = match d.kind {
                    crate::calendar::DayOffKind::Official => "",
                    crate::calendar::DayOffKind::Computed => " [computed]",
                    crate::calendar::DayOffKind::Configured => " [organisation closure]",
                };
                let _ = writeln!(s, "{label:<9} {} {}{kind}", d.date, d.name);
            }
            if self.weekend_days > 0 {
                let label = if first { "skipped:" } else { "" };
                let _ = writeln!(
                    s,
                    "{label:<9} {} weekend day{}",
                    self.weekend_days,
                    if self.weekend_days == 1 { "" } else { "s" }
                );
            }
        }
        let _ = writeln!(s, "due:      {}", day(self.due));
        for y in &self.years {
            match (&y.source, &y.file) {
                (YearSource::Official, Some(f)) => {
                    let _ = writeln!(s, "{}:     official GOV.UK data ({f})", y.year);
                }
                _ => {
                    let _ = writeln!(
                        s,
                        "{}:     computed from the standing rules: one-off holidays of this year cannot be known",
                        y.year
                    );
                }
            }
        }
        s
    }
}
