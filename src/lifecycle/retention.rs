//! Retention and erasure (UK GDPR storage limitation and the right to erasure): a complaint's
//! free text is replaced, while what reports count stays.
//!
//! - **Retention**: `[retention] after_close = "6 years"`. A complaint closed (or referred) and
//!   unchanged for that long is anonymised by the service's hourly upkeep, or by `timescales
//!   retention run`. An open complaint is never touched.
//! - **Erasure**: `timescales complaint erase REF --reason ...` (or the API, with the admin
//!   scope) anonymises one complaint at once, whatever its state, and removes its reminders.
//!
//! Anonymising ([`crate::store::Store::anonymise`]) replaces the reference with `ANON-ID`, who
//! recorded each entry and its note, who made each audited change and its detail, and deletes
//! the complaint's notifications (staff addresses, delivery errors). The procedure, track,
//! complainant role (a role, not a person), conference date, stages, outcome, every entry's
//! kind, name and dates, and every deadline with its due date and whether it was met stay: the
//! compliance figures count the same. One audit line records what was done, when and by which
//! rule or request.

use std::str::FromStr;

use chrono::{DateTime, Months, Utc};
use serde::Serialize;

use super::{invalid, plain, Decision, Lifecycle, LifecycleError};

/// How long: whole years, months or days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    months: u32,
    days: u64,
    /// As written, for audit lines and messages.
    count: u32,
    unit: &'static str,
}

impl FromStr for Period {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "'{}' is not a period: write a whole number and years, months or days, such as \"6 years\"",
                crate::text::quoted(s)
            )
        };
        let mut words = s.split_whitespace();
        let (Some(n), Some(unit), None) = (words.next(), words.next(), words.next()) else {
            return Err(bad());
        };
        let n: u32 = n.parse().map_err(|_| bad())?;
        if n == 0 {
            return Err(format!(
                "'{s}': a period of nothing would anonymise a complaint as it closes"
            ));
        }
        let (months, days, unit) = match unit {
            "year" | "years" => (n.checked_mul(12).ok_or_else(bad)?, 0, "years"),
            "month" | "months" => (n, 0, "months"),
            "day" | "days" => (0, u64::from(n), "days"),
            _ => return Err(bad()),
        };
        Ok(Period {
            months,
            days,
            count: n,
            unit,
        })
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.count, self.unit)
    }
}

impl Period {
    /// The instant `self` before `now`: calendar months and days, so "6 years" before 29
    /// February 2032 is 28 February 2026.
    pub fn before(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.checked_sub_months(Months::new(self.months))
            .and_then(|t| t.checked_sub_days(chrono::Days::new(self.days)))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

/// What a retention run did, or would do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RetentionRun {
    /// The rule applied.
    pub rule: String,
    /// Complaints closed before this instant and unchanged since were due.
    pub closed_before: DateTime<Utc>,
    /// Each complaint due: its reference before, and after (`None` on a dry run).
    pub anonymised: Vec<(String, Option<String>)>,
}

/// How many a run takes at a time: each is its own transaction, so a long backlog (the first
/// run on years of closed complaints) never holds the write lock for long.
const BATCH: i64 = 200;

impl Lifecycle {
    /// Anonymises every closed or referred complaint unchanged for `period`; with `dry_run`,
    /// only lists them.
    pub async fn run_retention(
        &self,
        period: Period,
        dry_run: bool,
    ) -> Result<RetentionRun, LifecycleError> {
        let now = self.now();
        let before = period.before(now);
        let rule = format!("retention.after_close = {period}");
        let mut run = RetentionRun {
            rule: rule.clone(),
            closed_before: before,
            anonymised: Vec::new(),
        };
        if dry_run {
            let due = self.store().retention_due(before, i64::MAX).await?;
            run.anonymised = due.into_iter().map(|r| (r, None)).collect();
            return Ok(run);
        }
        loop {
            let due = self.store().retention_due(before, BATCH).await?;
            if due.is_empty() {
                return Ok(run);
            }
            for reference in due {
                let detail = format!(
                    "closed and unchanged since before {}: {rule}",
                    before.format("%Y-%m-%d")
                );
                let done = self
                    .store()
                    .anonymise(&reference, Some(before), "retention", &detail, self.now())
                    .await?;
                // None: it changed (reopened) since it was listed; it is left alone.
                if let Some(new) = done {
                    run.anonymised.push((reference, Some(new)));
                }
            }
        }
    }

    /// Erases the complaint `reference` on request at once: anonymised whatever its state, its
    /// reminders removed. `cmd.reason` goes into the audit line: a request's number, never a
    /// name. The complaint's new reference.
    pub async fn erase(&self, reference: &str, cmd: Decision) -> Result<String, LifecycleError> {
        plain(&cmd)?;
        super::looked_up(reference)?;
        super::check_recorded_by(&cmd.recorded_by)?;
        super::check_text("reason", &cmd.reason, super::MAX_NOTE)?;
        if cmd.reason.contains('@') {
            return Err(invalid(
                "reason",
                "reason holds an email address: give the request's number or a short reason, never a name or address",
            ));
        }
        let detail = format!("erased on request: {}", cmd.reason);
        self.store()
            .anonymise(reference, None, &cmd.recorded_by, &detail, self.now())
            .await?
            .ok_or_else(|| LifecycleError::NotFound(reference.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn periods_count_calendar_years_months_and_days() {
        let p: Period = "6 years".parse().unwrap();
        assert_eq!(p.to_string(), "6 years");
        assert_eq!(
            p.before(at("2032-02-29T12:00:00Z")),
            at("2026-02-28T12:00:00Z")
        );
        assert_eq!(
            "1 month"
                .parse::<Period>()
                .unwrap()
                .before(at("2027-03-31T00:00:00Z")),
            at("2027-02-28T00:00:00Z")
        );
        assert_eq!(
            "90 days"
                .parse::<Period>()
                .unwrap()
                .before(at("2027-04-01T09:00:00Z")),
            at("2027-01-01T09:00:00Z")
        );
        for bad in ["6", "six years", "6 weeks", "6 years ago", "", "-1 years"] {
            assert!(
                bad.parse::<Period>()
                    .unwrap_err()
                    .contains("is not a period"),
                "{bad}"
            );
        }
        assert!("0 days"
            .parse::<Period>()
            .unwrap_err()
            .contains("a period of nothing"));
    }
}
