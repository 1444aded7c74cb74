//! A complaint's log replayed into its current state: facts for the deadline function, the stage,
//! the status. Pure: the same log, procedure and calendar always give the same state.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::complaint::{Extension, Facts, LateAcceptance};
use crate::procedure::{Procedure, CLOSED};
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
}

/// Replays `entries` (in id order) for `complaint` under `procedure`.
pub fn replay(procedure: &Procedure, complaint: &ComplaintRow, entries: &[EntryRow]) -> Replayed {
    let mut dates: BTreeMap<i64, NaiveDate> =
        entries.iter().map(|e| (e.id, e.effective_date)).collect();
    for e in entries.iter().filter(|e| e.kind == kind::CORRECTION) {
        if let (Some(target), Some(date)) = (e.corrects, e.new_date) {
            dates.insert(target, date);
        }
    }
    let track = procedure.track(&complaint.track);
    let mut r = Replayed {
        facts: Facts {
            track: Some(complaint.track.clone()),
            ..Facts::default()
        },
        stage: track.and_then(|t| t.first_stage.clone()),
        last_stage: None,
        status: status::OPEN,
        outcome: None,
        referred_to: track.and_then(|t| t.referred_to.clone()),
        dates: BTreeMap::new(),
    };
    r.last_stage = r.stage.clone();
    if r.referred_to.is_some() {
        r.status = status::REFERRED;
        r.stage = None;
    }
    for e in entries {
        let date = dates[&e.id];
        match e.kind.as_str() {
            kind::EVENT => {
                r.facts.record(&e.name, date);
                r.dates.insert(e.id, date);
                if r.status == status::PROPOSED_FOR_CLOSURE {
                    r.status = status::OPEN;
                }
                let next = r
                    .stage
                    .as_deref()
                    .and_then(|s| procedure.stage(s))
                    .and_then(|s| s.next.get(&e.name))
                    .cloned();
                match next.as_deref() {
                    Some(CLOSED) => {
                        r.stage = None;
                        r.status = status::CLOSED;
                    }
                    Some(to) => {
                        r.stage = Some(to.to_string());
                        r.last_stage = r.stage.clone();
                    }
                    None => {}
                }
            }
            kind::OUTCOME => {
                r.facts.outcomes.insert(e.name.clone());
                r.outcome = Some(e.name.clone());
            }
            kind::EXTENSION => {
                if let Some(to) = e.new_date {
                    let ext = Extension {
                        to,
                        who: e.recorded_by.clone(),
                        why: e.note.clone(),
                    };
                    r.facts.extensions.insert(e.name.clone(), ext);
                }
            }
            kind::LATE_ACCEPTANCE => {
                let late = LateAcceptance {
                    who: e.recorded_by.clone(),
                    why: e.note.clone(),
                };
                r.facts.late_accepted.insert(e.name.clone(), late);
            }
            kind::CLOSE => {
                r.stage = None;
                r.status = status::CLOSED;
            }
            kind::REOPEN => {
                let to = r
                    .outcome
                    .as_ref()
                    .and_then(|o| procedure.outcomes.get(o))
                    .and_then(|o| o.reopens.clone())
                    .or_else(|| r.last_stage.clone());
                r.stage = to;
                r.last_stage = r.stage.clone();
                r.status = status::OPEN;
            }
            kind::PROPOSED_CLOSURE => r.status = status::PROPOSED_FOR_CLOSURE,
            kind::REFERRED => {
                r.stage = None;
                r.status = status::REFERRED;
                r.referred_to = Some(e.note.clone());
            }
            _ => {}
        }
    }
    r
}
