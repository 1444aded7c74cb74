//! The shape of a procedure file, as written: what serde reads before validation turns it into a
//! [`Procedure`](super::Procedure). Positions are kept (`Spanned`) so that every error can name
//! the file, line and column.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::calendar::{Roll, Trigger};
use crate::deadline::Unit;

/// A file's text and name, for positions in messages.
#[derive(Debug)]
pub struct SourceFile {
    /// The path or embedded name shown in messages.
    pub name: String,
    /// The whole text.
    pub text: String,
}

impl SourceFile {
    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let upto = &self.text[..offset.min(self.text.len())];
        let line = upto.matches('\n').count() + 1;
        let col = upto.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

/// One quote or several: `source = "..."` or `source = ["...", "..."]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Quotes {
    /// A single quote.
    One(String),
    /// Several quotes that state the same timescale.
    Many(Vec<String>),
}

impl Quotes {
    /// The quotes as a list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            Quotes::One(s) => vec![s.clone()],
            Quotes::Many(v) => v.clone(),
        }
    }
}

/// A whole procedure file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProcedure {
    pub id: Spanned<String>,
    pub name: String,
    pub authority: String,
    #[serde(default)]
    pub document: Option<String>,
    pub region: Spanned<String>,
    pub time_zone: Spanned<String>,
    pub opening_events: Spanned<Vec<Spanned<String>>>,
    pub eligibility: RawEligibility,
    pub roles: BTreeMap<String, String>,
    pub events: BTreeMap<String, String>,
    #[serde(default)]
    pub outcomes: BTreeMap<String, RawOutcome>,
    pub tracks: Vec<RawTrack>,
    #[serde(default)]
    pub stages: Vec<RawStage>,
    #[serde(default)]
    pub deadlines: Vec<RawDeadline>,
    #[serde(default)]
    pub discretion: Vec<RawDiscretion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEligibility {
    pub complainants: Vec<RawComplainant>,
    #[serde(default)]
    pub out_of_scope: Vec<RawOutOfScope>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawComplainant {
    pub role: Spanned<String>,
    pub as_written: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutOfScope {
    pub id: Spanned<String>,
    pub matter: String,
    pub referred_to: String,
    pub source: Quotes,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutcome {
    pub label: String,
    #[serde(default)]
    pub reopens: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrack {
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub first_stage: Option<Spanned<String>>,
    #[serde(default)]
    pub referred_to: Option<String>,
    #[serde(default)]
    pub source: Option<Quotes>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStage {
    pub id: Spanned<String>,
    pub name: String,
    pub owner: Spanned<String>,
    pub events: Vec<Spanned<String>>,
    #[serde(default)]
    pub outcomes: Vec<Spanned<String>>,
    #[serde(default)]
    pub next: Option<Spanned<BTreeMap<String, String>>>,
}

/// Whose a deadline is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Something the authority must do by the due date.
    Obligation,
    /// A time in which the complainant may act; it closes, it is never "breached".
    Window,
}

/// What happens when a window closes with nobody having acted.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum OnExpiry {
    /// The complaint is proposed for closure, for staff to confirm. The default.
    #[default]
    ProposeClosure,
    /// Nothing changes; the owner is told.
    Notify,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeadline {
    pub id: Spanned<String>,
    pub stage: Spanned<String>,
    pub what: String,
    pub kind: Kind,
    pub owner: Spanned<String>,
    pub count: Spanned<i64>,
    pub unit: Unit,
    #[serde(default)]
    pub roll: Roll,
    #[serde(default)]
    pub trigger: Trigger,
    pub from: Spanned<String>,
    #[serde(default)]
    pub met_by: Option<Spanned<String>>,
    /// The older spelling of `applies_when = { outcome = "..." }`, still read.
    #[serde(default)]
    pub after_outcome: Option<Spanned<String>>,
    #[serde(default)]
    pub applies_when: Option<Spanned<RawCondition>>,
    #[serde(default)]
    pub on_expiry: Option<OnExpiry>,
    pub source: Quotes,
    #[serde(default)]
    pub interpretation: Option<String>,
    /// Set for a local target added by an override file: the file it came from.
    #[serde(skip)]
    pub origin: Option<Arc<SourceFile>>,
}

/// `applies_when = { event = "..." }`, `{ outcome = "..." }` or `{ unless_event = "..." }`:
/// exactly one of the three.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    #[serde(default)]
    pub event: Option<Spanned<String>>,
    #[serde(default)]
    pub outcome: Option<Spanned<String>>,
    #[serde(default)]
    pub unless_event: Option<Spanned<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiscretionKind {
    /// A complainant's late action accepted out of time.
    LateAcceptance,
    /// An authority's deadline extended.
    Extension,
}

impl DiscretionKind {
    /// How a refusal names it: "allows no extension of 'X'".
    pub fn phrase(self) -> &'static str {
        match self {
            DiscretionKind::Extension => "extension of",
            DiscretionKind::LateAcceptance => "late acceptance for",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDiscretion {
    pub kind: DiscretionKind,
    pub deadlines: Vec<Spanned<String>>,
    pub who: Spanned<String>,
    pub source: Quotes,
}

/// A local override file: `extends` a procedure and changes only what it names.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOverride {
    pub extends: Spanned<String>,
    #[serde(default)]
    pub roles: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub deadlines: BTreeMap<String, Spanned<RawDeadlineChange>>,
    #[serde(default)]
    pub targets: Vec<RawDeadline>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeadlineChange {
    #[serde(default)]
    pub count: Option<Spanned<i64>>,
    #[serde(default)]
    pub unit: Option<Unit>,
    #[serde(default)]
    pub roll: Option<Roll>,
    #[serde(default)]
    pub trigger: Option<Trigger>,
}
