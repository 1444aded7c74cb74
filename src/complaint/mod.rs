//! A complaint's facts (the events recorded, outcomes, extensions, late acceptances) and the
//! deadlines they give under a procedure.
//!
//! A deadline is a pure function of the facts, the procedure and the calendar: [`derive`] is that
//! function, and the what-if planner, the store and the daemon all call it.

mod derive;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

pub use derive::{derive, stages_reached, Derived, FactsError, Plan, Status};

/// An extension of a deadline, as the procedure's discretion allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Extension {
    /// The new due date.
    pub to: NaiveDate,
    /// Who agreed it (a role or a person's job title, never a family member's name).
    pub who: String,
    /// Why.
    pub why: String,
}

/// A complainant's late action accepted out of time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LateAcceptance {
    /// Who accepted it.
    pub who: String,
    /// Why.
    pub why: String,
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
}

impl Facts {
    /// Records `event` on `date`.
    pub fn record(&mut self, event: &str, date: NaiveDate) {
        let dates = self.events.entry(event.to_string()).or_default();
        dates.push(date);
        dates.sort();
    }
}
