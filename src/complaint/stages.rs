//! The one stage machine: where a complaint stands in its procedure, given what has happened.
//!
//! The planner (`timescales plan`) and the stored log (`lifecycle::replay`) both walk a
//! complaint's [`Step`]s through this function, so a stage can never be one thing in the plan and
//! another on the complaint. The rules (docs/procedures.md):
//!
//! - Steps are taken in **date order**; steps on the same day in the order they were recorded.
//! - An event moves the complaint on when its current stage's `next` names it.
//! - An event may be recorded in the stage that lists it, or at any time when it is an opening
//!   event, or when it meets (or is the condition of) an obligation of a stage already reached:
//!   staff can always record that an earlier stage's duty was done, late, after the complaint has
//!   moved on, so its escalations end.
//! - Any other event is refused, naming the stage it needs ([`StageRefusal`]). Both faces word
//!   the refusal the same way.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{Step, StepKind};
use crate::procedure::{Condition, Kind, Procedure, CLOSED};

/// Where a complaint stands after its steps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Walk {
    /// The current stage; `None` once closed or referred.
    pub stage: Option<String>,
    /// The last stage it was in (kept when closed, for reopening).
    pub last_stage: Option<String>,
    /// Each stage reached: the day it was reached and the day that became known.
    pub reached: BTreeMap<String, (NaiveDate, NaiveDate)>,
    /// The day it was closed (by staff, by an event that closes it, or by a referral), while
    /// closed.
    pub closed_on: Option<NaiveDate>,
    /// Where it was referred, when referred.
    pub referred_to: Option<String>,
    /// The latest outcome.
    pub outcome: Option<String>,
    /// The steps (indices into the input) that moved the stage or closed the complaint, in the
    /// order taken.
    pub transitions: Vec<usize>,
    /// Steps the procedure does not allow where they fall, with why; they are passed over.
    pub refused: Vec<(usize, StageRefusal)>,
}

/// An event the complaint's stage on that day does not take.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct StageRefusal {
    /// The event.
    pub event: String,
    /// Why, naming the stage it needs.
    pub message: String,
}

/// Walks `steps` from the track's `first` stage (`None` for a referred track).
pub fn walk(procedure: &Procedure, first: Option<&str>, steps: &[Step]) -> Walk {
    let mut order: Vec<usize> = (0..steps.len()).collect();
    order.sort_by_key(|&i| steps[i].date);
    let mut w = Walk {
        stage: first.map(str::to_string),
        last_stage: first.map(str::to_string),
        ..Walk::default()
    };
    if let (Some(f), Some(&i)) = (first, order.first()) {
        w.reached
            .insert(f.to_string(), (steps[i].date, steps[i].known));
    }
    for i in order {
        let step = &steps[i];
        match &step.what {
            StepKind::Event(name) => {
                if let Err(refusal) = allowed(procedure, &w, name, step.date) {
                    w.refused.push((i, refusal));
                    continue;
                }
                let next = w
                    .stage
                    .as_deref()
                    .and_then(|s| procedure.stage(s))
                    .and_then(|s| s.next.get(name));
                match next.map(String::as_str) {
                    Some(CLOSED) => {
                        w.stage = None;
                        w.closed_on = Some(step.date);
                        w.transitions.push(i);
                    }
                    Some(to) => {
                        w.stage = Some(to.to_string());
                        w.last_stage = w.stage.clone();
                        w.reached
                            .entry(to.to_string())
                            .or_insert((step.date, step.known));
                        w.transitions.push(i);
                    }
                    None => {}
                }
            }
            StepKind::Outcome(o) => w.outcome = Some(o.clone()),
            StepKind::Close => {
                if w.closed_on.is_none() {
                    w.stage = None;
                    w.closed_on = Some(step.date);
                    w.transitions.push(i);
                }
            }
            StepKind::Reopen => {
                let to = w
                    .outcome
                    .as_ref()
                    .and_then(|o| procedure.outcomes.get(o))
                    .and_then(|o| o.reopens.clone())
                    .or_else(|| w.last_stage.clone());
                if let Some(to) = &to {
                    w.reached
                        .entry(to.clone())
                        .or_insert((step.date, step.known));
                }
                w.stage = to;
                w.last_stage = w.stage.clone();
                w.closed_on = None;
                w.transitions.push(i);
            }
            StepKind::Refer(to) => {
                w.stage = None;
                w.referred_to = Some(to.clone());
                w.closed_on = Some(step.date);
                w.transitions.push(i);
            }
        }
    }
    w
}

/// Whether `event` may be recorded on `date`, where the walk stands.
fn allowed(
    procedure: &Procedure,
    w: &Walk,
    event: &str,
    date: NaiveDate,
) -> Result<(), StageRefusal> {
    if procedure.opening_events.iter().any(|e| e == event) {
        return Ok(());
    }
    let refuse = |message: String| StageRefusal {
        event: event.to_string(),
        message,
    };
    let Some(stage) = w.stage.as_deref().and_then(|s| procedure.stage(s)) else {
        return Err(refuse(match (&w.referred_to, w.closed_on) {
            (Some(to), _) => format!(
                "event '{event}' on {date} cannot be recorded: the complaint was referred to {to}"
            ),
            (None, Some(on)) => format!(
                "event '{event}' on {date} cannot be recorded: the complaint was closed on {on}"
            ),
            (None, None) => {
                format!("event '{event}' cannot be recorded: the complaint has no stage")
            }
        }));
    };
    if stage.events.iter().any(|e| e == event) {
        return Ok(());
    }
    // A duty of a stage already reached stays recordable after the complaint moves on.
    let earlier_duty = procedure.deadlines.iter().any(|d| {
        w.reached.contains_key(&d.stage)
            && d.kind == Kind::Obligation
            && (d.met_by.as_deref() == Some(event)
                || matches!(&d.applies_when, Some(Condition::Event(e) | Condition::UnlessEvent(e)) if e == event))
    });
    if earlier_duty {
        return Ok(());
    }
    let needs: Vec<String> = procedure
        .stages
        .iter()
        .filter(|s| s.events.iter().any(|e| e == event))
        .map(|s| format!("{} ('{}')", s.id, s.name))
        .collect();
    let needs = if needs.is_empty() {
        "no stage records it".to_string()
    } else {
        format!("it needs {}", needs.join(" or "))
    };
    Err(refuse(format!(
        "event '{event}' on {date} cannot be recorded in {} ('{}'), the complaint's stage on that date: {needs}; {} records {}",
        stage.id,
        stage.name,
        stage.id,
        stage.events.join(", ")
    )))
}
