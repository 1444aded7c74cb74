//! Facts + procedure + calendar -> deadlines.
//!
//! The conventions (docs/procedures.md):
//! - A deadline starts when its anchor event has happened, the complaint has reached its stage
//!   ([`super::walk`]), and, for a conditional deadline, when its condition (an event or outcome)
//!   has been recorded. It counts from the **latest** occurrence of the anchor: a panel that meets
//!   again restarts the letter that follows it.
//! - It is met by the **first** occurrence of its `met_by` event on or after the anchor. An action
//!   after the due date is late, whatever the day of the week.
//! - An extension replaces the due date; the original is kept alongside.
//! - Staff may mark a deadline not applicable to one complaint; it then counts for nothing.
//! - Once the complaint is closed, a deadline not met is judged as of the closing day: not needed
//!   when it was not yet due, not met when it was already overdue. It never shows overdue again.
//! - As of a date: met (on time, or late), open (N working days left, 0 on the due day), overdue
//!   by N working days (an obligation), or closed N working days ago (a window nobody acted in).
//! - A deadline whose due date had passed on the day it first applied (its anchor, stage or
//!   condition came, or became known, after it) **started past due**.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{walk, Extension, Facts, LateAcceptance, NotApplicable, StepKind};
use crate::calendar::{CalendarError, Calendars, DayOff};
use crate::deadline::{due_instant, Rule};
use crate::procedure::{Condition, DiscretionKind, Kind, OnExpiry, Procedure, Refusal, CONFERENCE};

/// Where a deadline stands on a given day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Status {
    /// Done, on time or late.
    Met {
        /// The day it was met.
        on: NaiveDate,
        /// Working days after the due date; 0 when on time or done on a non-working day just
        /// after it.
        working_days_late: i64,
        /// Done after the due date, whatever the day of the week.
        late: bool,
    },
    /// Not yet due.
    Open {
        /// Working days from the as-of date to the due date; 0 on the due day.
        working_days_left: i64,
    },
    /// An obligation past its due date, not met.
    Overdue {
        /// Working days since the due date (0 on a non-working day just after it).
        working_days_overdue: i64,
    },
    /// A window that closed with nobody acting.
    Closed {
        /// Working days since it closed.
        working_days_since: i64,
        /// What its closing does.
        on_expiry: OnExpiry,
    },
    /// Staff marked it not applicable to this complaint.
    NotApplicable {
        /// Why.
        why: String,
    },
    /// The complaint closed before it was due.
    NotNeeded {
        /// The day the complaint closed.
        closed_on: NaiveDate,
    },
    /// The complaint closed while this obligation was overdue.
    Unmet {
        /// The day the complaint closed.
        closed_on: NaiveDate,
        /// Working days it was overdue on that day.
        working_days_overdue: i64,
    },
}

/// One deadline the facts have started.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Derived {
    /// The deadline's id in the procedure.
    pub id: String,
    /// What must happen.
    pub what: String,
    /// Obligation or window.
    pub kind: Kind,
    /// The stage it belongs to.
    pub stage: String,
    /// The owning role's id.
    pub owner_role: String,
    /// The owning role's name.
    pub owner: String,
    /// The rule.
    pub rule: Rule,
    /// The anchor event.
    pub from_event: String,
    /// The anchor's date.
    pub from_date: NaiveDate,
    /// The day it first applied: the latest of its anchor, the day its stage was reached and
    /// the day its condition was recorded.
    pub started_on: NaiveDate,
    /// True when its due date had already passed, unmet, on the day it first applied or became
    /// known (a late representation accepted, a complaint entered after the fact).
    pub started_past_due: bool,
    /// The due date by the rule.
    pub rule_due: NaiveDate,
    /// The due date in force (the extended one, when extended).
    pub due: NaiveDate,
    /// The end of the due day, in UTC.
    pub due_instant: DateTime<Utc>,
    /// An extension in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<Extension>,
    /// The day it was met, when it has been.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met_on: Option<NaiveDate>,
    /// A late acceptance in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub late_acceptance: Option<LateAcceptance>,
    /// Staff's decision that it does not apply to this complaint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<NotApplicable>,
    /// The day the complaint closed, while it is closed: an unmet deadline counts no further.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<NaiveDate>,
    /// Named non-working days the count passed over (working-day rules), or the roll passed over.
    pub skipped: Vec<DayOff>,
    /// True when a year on the way was computed from the standing rules, not official data.
    pub uses_computed_years: bool,
    /// Where it stands as of the plan's date; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The status in words, the same in every face ([`Status::verdict`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// A local target, not in the published document.
    pub local: bool,
    /// The document's words.
    pub source: Vec<String>,
}

impl Derived {
    /// What the store keeps as its state: `met`, `pending` (live and not met), `not-applicable`,
    /// or, once the complaint has closed, `not-needed` (it was not yet due) or `unmet` (it was
    /// past due).
    pub fn state(&self) -> &'static str {
        match (self.met_on, &self.not_applicable, self.closed_on) {
            (Some(_), _, _) => "met",
            (None, Some(_), _) => "not-applicable",
            (None, None, None) => "pending",
            (None, None, Some(c)) if self.due >= c => "not-needed",
            (None, None, Some(_)) => "unmet",
        }
    }
}

/// Every deadline the facts start, with the procedure and the as-of date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The procedure's id.
    pub procedure: String,
    /// The track followed.
    pub track: String,
    /// Set when the track is handled by another procedure: where the complaint goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referred_to: Option<String>,
    /// The calendar.
    pub region: crate::calendar::Division,
    /// The date statuses are judged on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<NaiveDate>,
    /// The stage the facts leave the complaint in; absent once closed or referred.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// The deadlines, in the procedure's order.
    pub deadlines: Vec<Derived>,
}

/// Why facts cannot be planned. Each message names the bad value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactsError {
    /// An event, outcome, track or deadline the procedure does not have.
    #[error("{0}")]
    Unknown(String),
    /// A date that cannot be (before the conference, after the as-of date, an extension earlier
    /// than the due date).
    #[error("{0}")]
    Date(String),
    /// Discretion the procedure does not allow.
    #[error("{0}")]
    NotAllowed(String),
    /// An event the complaint's stage on its date does not take.
    #[error(transparent)]
    Stage(#[from] super::StageRefusal),
    /// A calendar error (out of range).
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

fn list(names: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    names
        .into_iter()
        .map(|s| s.as_ref().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The latest day an event happened and the day that became known, over its recorded steps.
fn latest(facts: &Facts, event: &str) -> Option<(NaiveDate, NaiveDate)> {
    facts
        .steps
        .iter()
        .filter(|s| matches!(&s.what, StepKind::Event(e) if e == event))
        .map(|s| (s.date, s.known))
        .max()
}

/// The day a condition was first met and the day that became known; `None` while unmet.
fn condition_met(
    facts: &Facts,
    c: &Condition,
    from_date: NaiveDate,
    from_known: NaiveDate,
) -> Option<(Option<NaiveDate>, Option<NaiveDate>)> {
    let (name, is_event) = match c {
        Condition::Event(e) => (e, true),
        Condition::Outcome(o) => (o, false),
        Condition::UnlessEvent(e) => {
            // Dated on or before the anchor, and known by the time the anchor was: recorded
            // later, it does not undo a duty already begun.
            let before = facts.steps.iter().any(|s| {
                matches!(&s.what, StepKind::Event(x) if x == e)
                    && s.date <= from_date
                    && s.known <= from_known.max(from_date)
            });
            return (!before).then_some((None, None));
        }
    };
    let step = facts.steps.iter().filter(|s| match &s.what {
        StepKind::Event(e) => is_event && e == name,
        StepKind::Outcome(o) => !is_event && o == name,
        _ => false,
    });
    match step.min_by_key(|s| s.date) {
        Some(s) => Some((Some(s.date), Some(s.known))),
        // An outcome given without a date (the planner's --outcome NAME): met, day unknown.
        None if !is_event && facts.outcomes.contains(name) => Some((None, None)),
        None if is_event && facts.events.contains_key(name) => {
            Some((facts.events[name].first().copied(), None))
        }
        None => None,
    }
}

/// The deadlines the facts start under the procedure, judged as of `as_of` when given.
pub fn derive(
    procedure: &Procedure,
    facts: &Facts,
    calendars: &Calendars,
    as_of: Option<NaiveDate>,
) -> Result<Plan, FactsError> {
    check(procedure, facts, as_of)?;
    let track = match &facts.track {
        Some(t) => procedure.track(t).expect("checked"),
        None => procedure
            .tracks
            .iter()
            .find(|t| t.first_stage.is_some())
            .unwrap_or(&procedure.tracks[0]),
    };
    let calendar = calendars.get(procedure.region);
    let walked = walk(procedure, track.first_stage.as_deref(), &facts.steps);
    if let Some((_, refusal)) = walked.refused.first() {
        return Err(refusal.clone().into());
    }
    let mut plan = Plan {
        procedure: procedure.id.clone(),
        track: track.id.clone(),
        referred_to: track.referred_to.clone(),
        region: procedure.region,
        as_of,
        stage: walked.stage.clone(),
        deadlines: Vec::new(),
    };
    if track.first_stage.is_none() {
        return Ok(plan);
    }
    for def in &procedure.deadlines {
        let Some(&(reached_on, reached_known)) = walked.reached.get(&def.stage) else {
            continue;
        };
        let Some(&from_date) = facts.events.get(&def.from).and_then(|d| d.last()) else {
            continue;
        };
        let from_known = latest(facts, &def.from).map_or(from_date, |(_, k)| k);
        let (cond_on, cond_known) = match &def.applies_when {
            None => (None, None),
            Some(c) => match condition_met(facts, c, from_date, from_known) {
                Some(x) => x,
                None => continue,
            },
        };
        let started_on = [Some(from_date), Some(reached_on), cond_on]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(from_date);
        let known_on = [Some(from_known), Some(reached_known), cond_known]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(from_date)
            .max(started_on);
        let explanation = def.rule.explain(calendar, from_date)?;
        let rule_due = explanation.due;
        let extension = facts.extensions.get(&def.id).cloned().map(|mut e| {
            e.who = procedure.discretion_holder(DiscretionKind::Extension, &def.id);
            e
        });
        if let Some(e) = extension.as_ref().filter(|e| e.to < rule_due) {
            return Err(FactsError::Date(format!(
                "an extension of '{}' to {} is before its due date {rule_due}",
                def.id, e.to
            )));
        }
        let due = extension.as_ref().map_or(rule_due, |e| e.to);
        let met_on = def
            .met_by
            .as_ref()
            .and_then(|m| facts.events.get(m))
            .and_then(|dates| dates.iter().find(|d| **d >= from_date).copied());
        let not_applicable = facts.not_applicable.get(&def.id).cloned();
        // Past due when it first applied or became known, and not already met by then (an
        // action met late before the complaint was entered is history, not a fresh duty).
        let started_past_due = due < known_on && met_on.is_none_or(|m| m >= known_on);
        let status = match as_of {
            Some(today) => Some(judge(
                calendar,
                def.kind,
                def.on_expiry,
                due,
                met_on,
                not_applicable.as_ref(),
                walked.closed_on,
                today,
            )?),
            None => None,
        };
        let late_acceptance = facts.late_accepted.get(&def.id).cloned().map(|mut l| {
            l.who = procedure.discretion_holder(DiscretionKind::LateAcceptance, &def.id);
            l
        });
        let verdict = status
            .as_ref()
            .map(|s| s.verdict(late_acceptance.is_some(), started_past_due));
        plan.deadlines.push(Derived {
            id: def.id.clone(),
            what: def.what.clone(),
            kind: def.kind,
            stage: def.stage.clone(),
            owner_role: def.owner.clone(),
            owner: procedure.role_name(&def.owner).to_string(),
            rule: def.rule,
            from_event: def.from.clone(),
            from_date,
            started_on,
            started_past_due,
            rule_due,
            due,
            due_instant: due_instant(due, procedure.time_zone),
            extension,
            met_on,
            late_acceptance,
            not_applicable,
            closed_on: walked.closed_on,
            skipped: explanation.skipped,
            uses_computed_years: explanation.uses_computed_years,
            status,
            verdict,
            local: def.local,
            source: def.source.clone(),
        });
    }
    Ok(plan)
}

/// Where one deadline stands on `today`: the one verdict for a set of dates.
#[allow(clippy::too_many_arguments)]
fn judge(
    calendar: &crate::calendar::Calendar,
    kind: Kind,
    on_expiry: OnExpiry,
    due: NaiveDate,
    met_on: Option<NaiveDate>,
    not_applicable: Option<&NotApplicable>,
    closed_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Status, CalendarError> {
    if let Some(on) = met_on {
        return Ok(Status::Met {
            on,
            working_days_late: calendar.working_days_between(due, on)?.max(0),
            late: on > due,
        });
    }
    if let Some(n) = not_applicable {
        return Ok(Status::NotApplicable { why: n.why.clone() });
    }
    // A closed complaint's deadlines are judged on the day it closed, and no later.
    let day = closed_on.map_or(today, |c| c.min(today));
    if day <= due {
        return Ok(match closed_on {
            Some(closed_on) => Status::NotNeeded { closed_on },
            None => Status::Open {
                working_days_left: calendar.working_days_between(day, due)?,
            },
        });
    }
    let since = calendar.working_days_between(due, day)?;
    Ok(match (kind, closed_on) {
        (Kind::Obligation, None) => Status::Overdue {
            working_days_overdue: since,
        },
        (Kind::Obligation, Some(closed_on)) => Status::Unmet {
            closed_on,
            working_days_overdue: since,
        },
        (Kind::Window, _) => Status::Closed {
            working_days_since: since,
            on_expiry,
        },
    })
}

/// Refuses facts the procedure cannot have: unknown names, impossible dates, discretion it
/// does not allow.
fn check(procedure: &Procedure, facts: &Facts, as_of: Option<NaiveDate>) -> Result<(), FactsError> {
    if let Some(t) = &facts.track {
        if procedure.track(t).is_none() {
            return Err(FactsError::Unknown(format!(
                "procedure '{}' has no track '{t}': use one of {}",
                procedure.id,
                list(procedure.tracks.iter().map(|t| &t.id))
            )));
        }
    }
    for name in facts.events.keys() {
        if !procedure.events.contains_key(name) {
            return Err(FactsError::Unknown(format!(
                "procedure '{}' has no event '{name}': use one of {}",
                procedure.id,
                list(procedure.events.keys())
            )));
        }
    }
    for o in &facts.outcomes {
        if !procedure.outcomes.contains_key(o) {
            return Err(FactsError::Unknown(format!(
                "procedure '{}' has no outcome '{o}': use one of {}",
                procedure.id,
                list(procedure.outcomes.keys())
            )));
        }
    }
    let conference = facts
        .events
        .get(CONFERENCE)
        .and_then(|d| d.first())
        .copied();
    let dates: BTreeMap<&String, &Vec<NaiveDate>> = facts.events.iter().collect();
    for (name, ds) in dates {
        for d in ds {
            if let Some(c) = conference {
                if *d < c {
                    return Err(FactsError::Date(format!(
                        "event '{name}' on {d} is before the conference on {c}"
                    )));
                }
            }
            if let Some(today) = as_of {
                if *d > today {
                    return Err(FactsError::Date(format!(
                        "event '{name}' on {d} is after the as-of date {today}: it has not happened yet"
                    )));
                }
            }
        }
    }
    for (id, ext) in &facts.extensions {
        check_discretion(
            procedure,
            DiscretionKind::Extension,
            id,
            &ext.recorded_by,
            &ext.why,
        )?;
    }
    for id in facts.not_applicable.keys() {
        if procedure.deadline(id).is_none() {
            return Err(FactsError::Unknown(format!(
                "procedure '{}' has no deadline '{id}': use one of {}",
                procedure.id,
                list(procedure.deadlines.iter().map(|d| &d.id))
            )));
        }
    }
    for (id, late) in &facts.late_accepted {
        check_discretion(
            procedure,
            DiscretionKind::LateAcceptance,
            id,
            &late.recorded_by,
            &late.why,
        )?;
    }
    Ok(())
}

/// Discretion of `kind` on deadline `id` must be one the procedure allows, with who and why.
fn check_discretion(
    procedure: &Procedure,
    kind: DiscretionKind,
    id: &str,
    who: &str,
    why: &str,
) -> Result<(), FactsError> {
    let what = kind.phrase();
    match procedure.discretionary(kind, id) {
        Ok(_) => {}
        Err(Refusal::NoSuchDeadline) => {
            return Err(FactsError::Unknown(format!(
                "procedure '{}' has no deadline '{id}': use one of {}",
                procedure.id,
                list(procedure.deadlines.iter().map(|d| &d.id))
            )))
        }
        Err(Refusal::NotAllowed) => {
            return Err(FactsError::NotAllowed(format!(
                "procedure '{}' allows no {what} '{id}'{}",
                procedure.id,
                allowed(procedure, kind)
            )))
        }
    }
    if who.trim().is_empty() || why.trim().is_empty() {
        return Err(FactsError::NotAllowed(format!(
            "the {what} '{id}' needs who decided it and why"
        )));
    }
    Ok(())
}

fn allowed(procedure: &Procedure, kind: DiscretionKind) -> String {
    let ids: Vec<&String> = procedure
        .discretion
        .iter()
        .filter(|d| d.kind == kind)
        .flat_map(|d| d.deadlines.iter())
        .collect();
    if ids.is_empty() {
        " (it allows none)".into()
    } else {
        format!(" (it allows: {})", list(ids))
    }
}
