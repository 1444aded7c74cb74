//! Facts + procedure + calendar -> deadlines.
//!
//! The conventions (docs/procedures.md):
//! - A deadline starts when its anchor event has happened (and, for a follow-on deadline, when
//!   its outcome has been recorded). It counts from the **latest** occurrence of the anchor: a
//!   panel that meets again restarts the letter that follows it.
//! - It is met by the **first** occurrence of its `met_by` event on or after the anchor.
//! - An extension replaces the due date; the original is kept alongside.
//! - As of a date: met (on time, or N working days late), open (N working days left, 0 on the
//!   due day), overdue by N working days (an obligation), or closed N working days ago (a window
//!   nobody acted in, which proposes the complaint for closure).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{Extension, Facts, LateAcceptance};
use crate::calendar::{CalendarError, Calendars, DayOff};
use crate::deadline::{due_instant, Rule};
use crate::procedure::{DiscretionKind, Kind, OnExpiry, Procedure, Refusal, CONFERENCE};

/// Where a deadline stands on a given day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Status {
    /// Done, on time (`working_days_late` = 0) or late.
    Met {
        /// The day it was met.
        on: NaiveDate,
        /// Working days after the due date; 0 when on time.
        working_days_late: i64,
    },
    /// Not yet due.
    Open {
        /// Working days from the as-of date to the due date; 0 on the due day.
        working_days_left: i64,
    },
    /// An obligation past its due date, not met.
    Overdue {
        /// Working days since the due date.
        working_days_overdue: i64,
    },
    /// A window that closed with nobody acting.
    Closed {
        /// Working days since it closed.
        working_days_since: i64,
        /// What its closing does.
        on_expiry: OnExpiry,
    },
}

/// One deadline the facts have started.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
    /// Named non-working days the count passed over (working-day rules), or the roll passed over.
    pub skipped: Vec<DayOff>,
    /// True when a year on the way was computed from the standing rules, not official data.
    pub uses_computed_years: bool,
    /// Where it stands as of the plan's date; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// A local target, not in the published document.
    pub local: bool,
    /// The document's words.
    pub source: Vec<String>,
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
    let mut plan = Plan {
        procedure: procedure.id.clone(),
        track: track.id.clone(),
        referred_to: track.referred_to.clone(),
        region: procedure.region,
        as_of,
        deadlines: Vec::new(),
    };
    let Some(first) = &track.first_stage else {
        return Ok(plan);
    };
    let reached = stages_reached(procedure, first, facts);
    for def in procedure
        .deadlines
        .iter()
        .filter(|d| reached.contains(&d.stage))
    {
        let Some(&from_date) = facts.events.get(&def.from).and_then(|d| d.last()) else {
            continue;
        };
        if def
            .after_outcome
            .as_ref()
            .is_some_and(|o| !facts.outcomes.contains(o))
        {
            continue;
        }
        let explanation = def.rule.explain(calendar, from_date)?;
        let rule_due = explanation.due;
        let extension = facts.extensions.get(&def.id).cloned();
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
        let status = match (met_on, as_of) {
            (Some(on), _) => Some(Status::Met {
                on,
                working_days_late: calendar.working_days_between(due, on)?.max(0),
            }),
            (None, Some(today)) if today <= due => Some(Status::Open {
                working_days_left: calendar.working_days_between(today, due)?,
            }),
            (None, Some(today)) => {
                let since = calendar.working_days_between(due, today)?;
                Some(match def.kind {
                    Kind::Obligation => Status::Overdue {
                        working_days_overdue: since,
                    },
                    Kind::Window => Status::Closed {
                        working_days_since: since,
                        on_expiry: def.on_expiry,
                    },
                })
            }
            (None, None) => None,
        };
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
            rule_due,
            due,
            due_instant: due_instant(due, procedure.time_zone),
            extension,
            met_on,
            late_acceptance: facts.late_accepted.get(&def.id).cloned(),
            skipped: explanation.skipped,
            uses_computed_years: explanation.uses_computed_years,
            status,
            local: def.local,
            source: def.source.clone(),
        });
    }
    Ok(plan)
}

/// The stages a complaint on a track starting at `first` has reached, given its events: the
/// first stage, then each stage an event moved it to, taking the events in date order (on one
/// day, in the order of the stages that record them). A deadline of a stage not reached does not
/// apply yet, even when its anchor has happened (Kent's Review Panel counts from the Stage 3
/// letter, but only once the matter is referred to the panel).
pub fn stages_reached(procedure: &Procedure, first: &str, facts: &Facts) -> BTreeSet<String> {
    let stage_index = |event: &str| {
        procedure
            .stages
            .iter()
            .position(|s| s.events.iter().any(|e| e == event))
            .unwrap_or(usize::MAX)
    };
    let mut ordered: Vec<(NaiveDate, usize, &str)> = facts
        .events
        .iter()
        .flat_map(|(name, dates)| dates.iter().map(move |d| (*d, name.as_str())))
        .map(|(d, name)| (d, stage_index(name), name))
        .collect();
    ordered.sort();
    let mut reached = BTreeSet::from([first.to_string()]);
    let mut current = Some(first.to_string());
    for (_, _, event) in ordered {
        let next = current
            .as_deref()
            .and_then(|s| procedure.stage(s))
            .and_then(|s| s.next.get(event));
        if let Some(to) = next {
            if to == crate::procedure::CLOSED {
                current = None;
            } else {
                reached.insert(to.clone());
                current = Some(to.clone());
            }
        }
    }
    reached
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
        check_discretion(procedure, DiscretionKind::Extension, id, &ext.who, &ext.why)?;
    }
    for (id, late) in &facts.late_accepted {
        check_discretion(
            procedure,
            DiscretionKind::LateAcceptance,
            id,
            &late.who,
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
