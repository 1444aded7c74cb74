//! The one wording of a deadline's status. The planner, `complaint show`, the API (`verdict`)
//! and every message use it, so the same dates read the same everywhere.

use super::derive::Status;
use crate::procedure::OnExpiry;

/// "1 working day", "3 working days".
pub fn working_days(n: i64) -> String {
    format!("{n} working day{}", if n == 1 { "" } else { "s" })
}

impl Status {
    /// The status in words: `met on 2027-01-09, late (on a non-working day after the due date)`,
    /// `overdue by 3 working days`, `not needed (closed on 2027-02-01)`.
    pub fn verdict(&self, accepted_late: bool, started_past_due: bool) -> String {
        let mut s = match self {
            Status::Met {
                on, late: false, ..
            } => format!("met on {on}, on time"),
            Status::Met {
                on,
                working_days_late: 0,
                ..
            } => format!("met on {on}, late (on a non-working day after the due date)"),
            Status::Met {
                on,
                working_days_late,
                ..
            } => format!("met on {on}, {} late", working_days(*working_days_late)),
            Status::Open {
                working_days_left: 0,
            } => "open: due today".into(),
            Status::Open { working_days_left } => {
                format!("open: {} left", working_days(*working_days_left))
            }
            Status::Overdue {
                working_days_overdue: 0,
            } => "overdue (on a non-working day after the due date)".into(),
            Status::Overdue {
                working_days_overdue,
            } => format!("overdue by {}", working_days(*working_days_overdue)),
            Status::Closed {
                working_days_since,
                on_expiry,
            } => {
                let then = match on_expiry {
                    OnExpiry::ProposeClosure => "the complaint is proposed for closure",
                    OnExpiry::Notify => "the owner is told",
                };
                format!(
                    "closed {} ago with no action: {then}",
                    working_days(*working_days_since)
                )
            }
            Status::NotApplicable { why } => format!("not applicable: {why}"),
            Status::NotNeeded { closed_on } => format!("not needed (closed on {closed_on})"),
            Status::Unmet {
                closed_on,
                working_days_overdue,
            } => format!(
                "not met: overdue by {} when the complaint closed on {closed_on}",
                working_days(*working_days_overdue)
            ),
        };
        if accepted_late && matches!(self, Status::Met { late: true, .. }) {
            s.push_str(", accepted out of time");
        }
        if started_past_due && !matches!(self, Status::NotApplicable { .. }) {
            s.push_str(" (started past due)");
        }
        s
    }
}
