//! A complaint's log replayed into its current state: facts for the deadline function, the stage,
//! the status. Pure: the same log, procedure and calendar always give the same state.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::complaint::{
    walk, Extension, Facts, LateAcceptance, NotApplicable, StageRefusal, Step, StepKind,
};
use crate::procedure::Procedure;
use crate::store::{ComplaintRow, EntryRow};

/// Entry kinds in the log.
pub mod kind {
    /// Something the procedure names happened (`name` is the event id).
    pub const EVENT: &str = "event";
    /// An outcome was recorded (`name` is the outcome id).
    pub const OUTCOME: &str = "outcome";
    /// A deadline was extended (`name` the deadline, `new_date` the new due date).
    pub const EXTENSION: &str = "extension";
    /// A complainant's late action was accepted (`name` the window deadline).
    pub const LATE_ACCEPTANCE: &str = "late-acceptance";
    /// An earlier entry's date was corrected (`corrects` the entry, `new_date` the right date).
    pub const CORRECTION: &str = "correction";
    /// Staff closed the complaint.
    pub const CLOSE: &str = "close";
    /// Staff reopened it where an outcome allows.
    pub const REOPEN: &str = "reopen";
    /// A window closed with nobody acting: proposed for closure, for staff to confirm.
    pub const PROPOSED_CLOSURE: &str = "proposed-closure";
    /// Opened and at once referred elsewhere (out of scope, or a referred track).
    pub const REFERRED: &str = "referred";
    /// Staff marked a deadline not applicable to this complaint (`name` the deadline, `note`
    /// why).
    pub const NOT_APPLICABLE: &str = "not-applicable";
    /// Staff undid a not-applicable mark (`name` the deadline).
    pub const APPLICABLE: &str = "applicable";
}

/// Complaint statuses.
pub mod status {
    /// Being handled.
    pub const OPEN: &str = "open";
    /// A window closed with nobody acting; staff confirm closure or record what happened.
    pub const PROPOSED_FOR_CLOSURE: &str = "proposed-for-closure";
    /// Finished.
    pub const CLOSED: &str = "closed";
    /// Handled by another procedure.
    pub const REFERRED: &str = "referred";
}

/// What the log adds up to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replayed {
    /// For the deadline function.
    pub facts: Facts,
    /// The current stage; `None` once closed or referred.
    pub stage: Option<String>,
    /// The last stage the complaint was in (kept when closed, for reopening).
    pub last_stage: Option<String>,
    /// One of [`status`].
    pub status: &'static str,
    /// The latest outcome.
    pub outcome: Option<String>,
    /// Where it was referred, when referred.
    pub referred_to: Option<String>,
    /// Each event entry's effective date after corrections, by entry id.
    pub dates: BTreeMap<i64, NaiveDate>,
    /// The entries (by id) that moved the stage or closed the complaint, in the order the stage
    /// machine took them.
    pub transitions: Vec<i64>,
    /// Event entries the stage machine does not take where their date puts them, with why.
    /// Commands refuse to add one; an older log that has one keeps it, passed over.
    pub refused: Vec<(i64, StageRefusal)>,
}

/// Replays `entries` (in id order) for `complaint` under `procedure`: the corrections applied,
/// the facts gathered, and the stage found by the one stage machine ([`walk`]), the same the
/// planner uses.
pub fn replay(procedure: &Procedure, complaint: &ComplaintRow, entries: &[EntryRow]) -> Replayed {
    let mut dates: BTreeMap<i64, NaiveDate> =
        entries.iter().map(|e| (e.id, e.effective_date)).collect();
    for e in entries.iter().filter(|e| e.kind == kind::CORRECTION) {
        if let (Some(target), Some(date)) = (e.corrects, e.new_date) {
            dates.insert(target, date);
        }
    }
    let tz = procedure.time_zone;
    let track = procedure.track(&complaint.track);
    let mut facts = Facts {
        track: Some(complaint.track.clone()),
        ..Facts::default()
    };
    // Step index -> entry id, for what the walk says about steps.
    let mut step_entry: Vec<i64> = Vec::new();
    let mut event_dates = BTreeMap::new();
    // Proposed for closure until an event is recorded after the proposal.
    let mut proposed = false;
    for e in entries {
        let date = dates[&e.id];
        let known = e.recorded_at.with_timezone(&tz).date_naive();
        let step = |what| Step { date, known, what };
        match e.kind.as_str() {
            kind::EVENT => {
                facts.steps.push(step(StepKind::Event(e.name.clone())));
                step_entry.push(e.id);
                event_dates.insert(e.id, date);
                proposed = false;
            }
            kind::OUTCOME => {
                facts.outcomes.insert(e.name.clone());
                facts.steps.push(step(StepKind::Outcome(e.name.clone())));
                step_entry.push(e.id);
            }
            kind::CLOSE => {
                facts.steps.push(step(StepKind::Close));
                step_entry.push(e.id);
            }
            kind::REOPEN => {
                facts.steps.push(step(StepKind::Reopen));
                step_entry.push(e.id);
                proposed = false;
            }
            kind::REFERRED => {
                facts.steps.push(step(StepKind::Refer(e.note.clone())));
                step_entry.push(e.id);
            }
            kind::EXTENSION => {
                if let Some(to) = e.new_date {
                    let ext = Extension {
                        to,
                        who: String::new(),
                        recorded_by: e.recorded_by.clone(),
                        why: e.note.clone(),
                    };
                    facts.extensions.insert(e.name.clone(), ext);
                }
            }
            kind::LATE_ACCEPTANCE => {
                let late = LateAcceptance {
                    who: String::new(),
                    recorded_by: e.recorded_by.clone(),
                    why: e.note.clone(),
                };
                facts.late_accepted.insert(e.name.clone(), late);
            }
            kind::NOT_APPLICABLE => {
                let n = NotApplicable {
                    recorded_by: e.recorded_by.clone(),
                    why: e.note.clone(),
                    on: date,
                };
                facts.not_applicable.insert(e.name.clone(), n);
            }
            kind::APPLICABLE => {
                facts.not_applicable.remove(&e.name);
            }
            kind::PROPOSED_CLOSURE => proposed = true,
            _ => {}
        }
    }
    let first = track.and_then(|t| t.first_stage.as_deref());
    let walked = walk(procedure, first, &facts.steps);
    // A refused event (an older log's) is passed over by the stage machine; its date still
    // counts for the deadlines it meets.
    for s in &facts.steps {
        if let StepKind::Event(name) = &s.what {
            let dates = facts.events.entry(name.clone()).or_default();
            dates.push(s.date);
            dates.sort();
        }
    }
    let mut index = 0usize;
    facts.steps.retain(|_| {
        index += 1;
        !walked.refused.iter().any(|(i, _)| *i == index - 1)
    });
    let referred_to = walked
        .referred_to
        .clone()
        .or_else(|| track.and_then(|t| t.referred_to.clone()));
    let status = if referred_to.is_some() {
        status::REFERRED
    } else if walked.closed_on.is_some() || (walked.stage.is_none() && first.is_some()) {
        status::CLOSED
    } else if proposed {
        status::PROPOSED_FOR_CLOSURE
    } else {
        status::OPEN
    };
    Replayed {
        facts,
        stage: walked.stage.clone(),
        last_stage: walked.last_stage.clone(),
        status,
        outcome: walked.outcome.clone(),
        referred_to,
        dates: event_dates,
        transitions: walked.transitions.iter().map(|&i| step_entry[i]).collect(),
        refused: walked
            .refused
            .into_iter()
            .map(|(i, r)| (step_entry[i], r))
            .collect(),
    }
}
