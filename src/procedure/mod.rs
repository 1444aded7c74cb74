//! The published complaint procedures as validated data: who may complain, tracks, stages and
//! their owners, the events each stage records, where each event moves the complaint, outcomes,
//! discretion, and every timescale with the sentence it comes from.
//!
//! A procedure file (`config/procedures/*.toml`, schema in `docs/procedures.md`) is read into the
//! raw [`schema`] and then validated into a [`Procedure`]: an unknown event, role, stage or region,
//! a duplicate id, an unreachable stage, a transition to nowhere, a non-positive count, or a
//! deadline counting from an event that cannot have happened by then is an error naming the file,
//! line and column, with what to do. The program refuses to start with an invalid procedure.
//!
//! This module knows the calendar (regions, rules) but not the store.

mod catalog;
pub mod schema;
mod validate;

use std::collections::BTreeMap;

use chrono_tz::Tz;
use serde::Serialize;

use crate::calendar::Division;
use crate::deadline::Rule;

pub use catalog::{Procedures, SHIPPED};
pub use schema::{DiscretionKind, Kind, OnExpiry};

/// Why [`Procedure::discretionary`] refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The procedure has no such deadline.
    NoSuchDeadline,
    /// It has, but allows no such discretion on it.
    NotAllowed,
}

/// The event every procedure starts from: the child protection conference itself.
pub const CONFERENCE: &str = "conference";

/// The stage name a transition uses to close the complaint.
pub const CLOSED: &str = "closed";

/// A procedure problem, located in its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcedureError {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

impl std::fmt::Display for ProcedureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        Ok(())
    }
}

/// Who may complain, in the procedure's vocabulary.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ComplainantRole {
    /// The child who is the subject of the conference, of sufficient age and understanding.
    Child,
    /// Someone acting on behalf of and at the written request of the child.
    ChildRepresentative,
    /// A parent or a person with parental responsibility.
    Parent,
    /// A carer (named by some procedures alongside parents).
    Carer,
}

impl ComplainantRole {
    /// Every role, for messages.
    pub const ALL: [ComplainantRole; 4] = [
        ComplainantRole::Child,
        ComplainantRole::ChildRepresentative,
        ComplainantRole::Parent,
        ComplainantRole::Carer,
    ];

    /// The role's name in files.
    pub fn key(self) -> &'static str {
        match self {
            ComplainantRole::Child => "child",
            ComplainantRole::ChildRepresentative => "child-representative",
            ComplainantRole::Parent => "parent",
            ComplainantRole::Carer => "carer",
        }
    }
}

impl std::str::FromStr for ComplainantRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|r| r.key() == s).ok_or_else(|| {
            format!("unknown complainant role '{s}': expected child, child-representative, parent or carer")
        })
    }
}

/// One eligible complainant, with the document's own words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Complainant {
    /// The role.
    pub role: ComplainantRole,
    /// How the document says it.
    pub as_written: String,
}

/// A matter outside the procedure, and where it goes instead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutOfScope {
    /// Its id, recorded when a complaint is redirected.
    pub id: String,
    /// What the matter is.
    pub matter: String,
    /// Where the complainant is directed.
    pub referred_to: String,
    /// The document's words.
    pub source: Vec<String>,
}

/// A way through the procedure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Track {
    /// Id, chosen when a complaint is opened.
    pub id: String,
    /// Name.
    pub name: String,
    /// Where a complaint on this track starts; `None` for a track that is referred elsewhere.
    pub first_stage: Option<String>,
    /// For a track handled by another procedure: which.
    pub referred_to: Option<String>,
    /// The document's words.
    pub source: Vec<String>,
}

/// A stage of the procedure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stage {
    /// Id.
    pub id: String,
    /// Name, as the document says it.
    pub name: String,
    /// The role that owns the stage.
    pub owner: String,
    /// Events that may be recorded in this stage.
    pub events: Vec<String>,
    /// Outcomes this stage can end with.
    pub outcomes: Vec<String>,
    /// Event -> the stage it moves the complaint to ([`CLOSED`] to close it).
    pub next: BTreeMap<String, String>,
}

/// An outcome in the document's words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The document's words.
    pub label: String,
    /// A stage this outcome sends the complaint back to (a panel with insufficient information
    /// meets again).
    pub reopens: Option<String>,
}

/// One timescale of the procedure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeadlineDef {
    /// Id, unique in the procedure.
    pub id: String,
    /// The stage it belongs to.
    pub stage: String,
    /// What must happen.
    pub what: String,
    /// The authority's obligation or the complainant's window.
    pub kind: Kind,
    /// The role that must act (for a window: the role that is told when it closes).
    pub owner: String,
    /// N units, with roll and trigger.
    pub rule: Rule,
    /// The event it counts from (its anchor).
    pub from: String,
    /// The event that meets it.
    pub met_by: Option<String>,
    /// When it applies at all: only once this event or outcome has been recorded (Kent's attempt
    /// at immediate resolution, only where a concern was expressed; its review conference, only
    /// when the panel recommends one). `None`: whenever its anchor and stage are reached.
    pub applies_when: Option<Condition>,
    /// For a window: what its closing does.
    pub on_expiry: OnExpiry,
    /// The document's words.
    pub source: Vec<String>,
    /// How ambiguous wording was read, when it was.
    pub interpretation: Option<String>,
    /// True for a local target an authority added, not in the published document.
    pub local: bool,
}

/// What a conditional deadline waits for, besides its anchor and stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    /// An event has been recorded (at any date).
    Event(String),
    /// An outcome has been recorded.
    Outcome(String),
    /// The opposite: the deadline applies unless this event was recorded on or before the day
    /// it counts from (Kent's minutes, "if not already available"). A later record does not
    /// undo a duty that had already begun.
    UnlessEvent(String),
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Condition::Event(e) => write!(f, "event {e} is recorded"),
            Condition::Outcome(o) => write!(f, "outcome {o} is recorded"),
            Condition::UnlessEvent(e) => {
                write!(f, "event {e} is not recorded by the day it counts from")
            }
        }
    }
}

/// A discretion the document allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Discretion {
    /// Late acceptance or extension.
    pub kind: DiscretionKind,
    /// The deadlines it applies to.
    pub deadlines: Vec<String>,
    /// Who decides.
    pub who: String,
    /// The document's words.
    pub source: Vec<String>,
}

/// A validated procedure.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Procedure {
    /// Id, e.g. `durham`.
    pub id: String,
    /// Name of the procedure.
    pub name: String,
    /// The safeguarding partnership that publishes it.
    pub authority: String,
    /// The published document it transcribes.
    pub document: Option<String>,
    /// The bank-holiday calendar its working days use.
    pub region: Division,
    /// Its time zone.
    #[serde(serialize_with = "serialize_tz")]
    pub time_zone: Tz,
    /// Events recorded when a complaint is opened (always including the conference).
    pub opening_events: Vec<String>,
    /// Who may complain.
    pub complainants: Vec<Complainant>,
    /// What the procedure does not cover.
    pub out_of_scope: Vec<OutOfScope>,
    /// Role id -> the name the authority uses.
    pub roles: BTreeMap<String, String>,
    /// Event id -> what it means.
    pub events: BTreeMap<String, String>,
    /// Outcome id -> outcome.
    pub outcomes: BTreeMap<String, Outcome>,
    /// Tracks, in order.
    pub tracks: Vec<Track>,
    /// Stages, in order.
    pub stages: Vec<Stage>,
    /// Timescales, in order.
    pub deadlines: Vec<DeadlineDef>,
    /// Discretion the document allows.
    pub discretion: Vec<Discretion>,
    /// The file it was read from, and any override files applied.
    pub files: Vec<String>,
}

fn serialize_tz<S: serde::Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

impl Procedure {
    /// A stage by id.
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// A track by id.
    pub fn track(&self, id: &str) -> Option<&Track> {
        self.tracks.iter().find(|t| t.id == id)
    }

    /// A deadline by id.
    pub fn deadline(&self, id: &str) -> Option<&DeadlineDef> {
        self.deadlines.iter().find(|d| d.id == id)
    }

    /// The name the authority uses for a role.
    pub fn role_name<'a>(&'a self, role: &'a str) -> &'a str {
        self.roles.get(role).map(String::as_str).unwrap_or(role)
    }

    /// The deadline `id`, when the document allows `kind` of discretion on it: the one check
    /// behind the planner's facts and the lifecycle's commands, each of which words its refusal.
    pub fn discretionary(&self, kind: DiscretionKind, id: &str) -> Result<&DeadlineDef, Refusal> {
        let def = self.deadline(id).ok_or(Refusal::NoSuchDeadline)?;
        self.discretion_for(kind, id)
            .map(|_| def)
            .ok_or(Refusal::NotAllowed)
    }

    /// The name the authority uses for the role holding `kind` of discretion on `deadline`
    /// (empty when there is none): who decides an extension, whoever records it.
    pub fn discretion_holder(&self, kind: DiscretionKind, deadline: &str) -> String {
        self.discretion_for(kind, deadline)
            .map(|d| self.role_name(&d.who).to_string())
            .unwrap_or_default()
    }

    /// Whether the document allows `kind` of discretion on `deadline`, and who decides.
    pub fn discretion_for(&self, kind: DiscretionKind, deadline: &str) -> Option<&Discretion> {
        self.discretion
            .iter()
            .find(|d| d.kind == kind && d.deadlines.iter().any(|x| x == deadline))
    }
}

/// Procedure errors as one message, one per paragraph, with how many there are: what the
/// command line prints and the service logs when a procedure file cannot be used.
pub fn summary(errors: &[ProcedureError]) -> String {
    let mut s = format!(
        "{} problem{} in the procedure files:",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    for e in errors {
        s.push('\n');
        s.push_str(&e.to_string());
    }
    s
}
