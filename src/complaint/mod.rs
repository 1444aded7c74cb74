//! A complaint's facts (the events recorded, outcomes, extensions, late acceptances, deadlines
//! marked not applicable) and the deadlines they give under a procedure.
//!
//! A deadline is a pure function of the facts, the procedure and the calendar: [`derive`] is that
//! function, and the what-if planner, the store and the daemon all call it. Where the complaint
//! stands in its procedure comes from one stage machine, [`walk`], which both the planner and the
//! stored log use, so the two can never disagree.

mod derive;
pub mod reference;
mod stages;
pub mod verdict;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

pub use derive::{derive, Derived, FactsError, Plan, Status};
pub use stages::{walk, StageRefusal, Walk};

/// An extension of a deadline, as the procedure's discretion allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Extension {
    /// The new due date.
    pub to: NaiveDate,
    /// Who holds the discretion, as the procedure names the role (City and Hackney's panel
    /// extension is the Head of Safeguarding's); filled in by [`derive`] from the procedure.
    pub who: String,
    /// Who recorded it (a person's job title or a token's name, never a family member's name).
    pub recorded_by: String,
    /// Why.
    pub why: String,
}

/// A complainant's late action accepted out of time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LateAcceptance {
    /// Who holds the discretion, as the procedure names the role; filled in by [`derive`].
    pub who: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// Why.
    pub why: String,
}

/// Staff's decision that one deadline does not apply to this complaint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NotApplicable {
    /// Who decided.
    pub recorded_by: String,
    /// Why.
    pub why: String,
    /// The day it was recorded.
    pub on: NaiveDate,
}

/// One thing that moves a complaint through its procedure: the stage machine's input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The day it happened (an event's date, a close's day).
    pub date: NaiveDate,
    /// The day it became known: recorded in the log (the planner takes it to be `date`). A
    /// deadline due before the day its facts became known started past due.
    pub known: NaiveDate,
    /// What it is.
    pub what: StepKind,
}

/// The kinds of [`Step`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// An event the procedure names.
    Event(String),
    /// An outcome recorded.
    Outcome(String),
    /// Staff closed the complaint.
    Close,
    /// Staff reopened it.
    Reopen,
    /// Referred elsewhere, to the place named.
    Refer(String),
}

/// What has happened on a complaint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// The track followed; `None` for the procedure's first followed track.
    pub track: Option<String>,
    /// Each event's dates, in order. An event may happen more than once (a panel meets again).
    pub events: BTreeMap<String, Vec<NaiveDate>>,
    /// Outcomes recorded.
    pub outcomes: BTreeSet<String>,
    /// Extensions, by deadline id.
    pub extensions: BTreeMap<String, Extension>,
    /// Late acceptances, by deadline id.
    pub late_accepted: BTreeMap<String, LateAcceptance>,
    /// Deadlines marked not applicable to this complaint, by deadline id.
    pub not_applicable: BTreeMap<String, NotApplicable>,
    /// Events, outcomes, closes and reopens in the order they were recorded: what [`walk`]
    /// takes (in date order, ties in this order).
    pub steps: Vec<Step>,
}

impl Facts {
    /// Records `event` on `date`, known on that day.
    pub fn record(&mut self, event: &str, date: NaiveDate) {
        self.record_known(event, date, date);
    }

    /// Records `event` on `date`, which became known on `known`.
    pub fn record_known(&mut self, event: &str, date: NaiveDate, known: NaiveDate) {
        let dates = self.events.entry(event.to_string()).or_default();
        dates.push(date);
        dates.sort();
        self.steps.push(Step {
            date,
            known,
            what: StepKind::Event(event.to_string()),
        });
    }

    /// Records `outcome` on `date`, known on `known`.
    pub fn record_outcome(&mut self, outcome: &str, date: NaiveDate, known: NaiveDate) {
        self.outcomes.insert(outcome.to_string());
        self.steps.push(Step {
            date,
            known,
            what: StepKind::Outcome(outcome.to_string()),
        });
    }
}
