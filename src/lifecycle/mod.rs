//! What staff do to a complaint, written through the store: open it, record events and
//! outcomes, extend a deadline, accept something late, correct a date, close and reopen.
//!
//! Every command is checked against the procedure inside the store's transaction, on the log it
//! has just read, and writes the new log entries, the complaint's new state, its re-derived
//! deadlines and an audit line together, or nothing. Deadlines are never typed in: they come from
//! [`crate::complaint::derive`], the same function as the planner's.

mod export;
pub mod holidays;
mod notice;
mod page;
mod replay;
pub mod retention;

use std::borrow::Cow;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendars;
use crate::clock::Clock;
use crate::complaint::{derive, Derived, Status};
use crate::procedure::{DiscretionKind, Kind, Procedure, Procedures, Refusal, CONFERENCE};
use crate::store::{
    AuditRow, Change, ComplaintRow, ComplaintState, DeadlineRow, EntryRow, ListFilter, NewAudit,
    NewComplaint, NewEntry, NewNotification, PendingRow, Snapshot, Store, StoreError, UpdateError,
};

pub use export::Export;
pub use notice::Notice;
pub use page::{Cursor, ListPage, DEFAULT_PAGE, MAX_PAGE};
pub use replay::{kind, replay, status, Replayed};

/// The longest note accepted. Notes are for a line of context; they must hold no personal data.
pub const MAX_NOTE: usize = 500;

/// Why a command was refused or failed. Each names the field and the bad value.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// A value that cannot be used (unknown procedure or event, a date in the future, ...).
    #[error("{message}")]
    Invalid {
        /// The field at fault, as named in the API (`events[2].date` for one of several).
        field: std::borrow::Cow<'static, str>,
        /// What is wrong and what would be right.
        message: String,
    },
    /// A command the complaint's state does not allow now (closed, nothing to reopen).
    #[error("{0}")]
    Conflict(String),
    /// No complaint has that reference.
    #[error("no complaint has reference '{}'", crate::text::quoted(.0))]
    NotFound(String),
    /// The reference is taken.
    #[error("a complaint with reference '{0}' already exists")]
    Duplicate(String),
    /// The complaint changed since the version the caller expected (`If-Match`).
    #[error("complaint '{reference}' is at version {current}, not {expected}: read it again, then decide")]
    Stale {
        /// The complaint.
        reference: String,
        /// The version the caller had.
        expected: i64,
        /// The version stored now.
        current: i64,
    },
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
    /// Nothing to change: the transaction is rolled back (internal; never reaches a caller).
    #[error("nothing to change")]
    Unchanged,
}

impl From<StoreError> for LifecycleError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(r) => LifecycleError::NotFound(r),
            StoreError::Duplicate(r) => LifecycleError::Duplicate(r),
            other => LifecycleError::Store(other),
        }
    }
}

impl From<UpdateError<LifecycleError>> for LifecycleError {
    fn from(e: UpdateError<LifecycleError>) -> Self {
        match e {
            UpdateError::Rejected(e) => e,
            UpdateError::Store(e) => e.into(),
        }
    }
}

fn invalid(
    field: impl Into<std::borrow::Cow<'static, str>>,
    message: impl Into<String>,
) -> LifecycleError {
    LifecycleError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// `open`: a new complaint.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenComplaint {
    /// The case system's reference: letters, digits, . _ -, starting with a letter or digit;
    /// never a name.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
    )]
    pub reference: String,
    /// The procedure's id.
    pub procedure: String,
    /// The track; default the procedure's first followed track.
    #[serde(default)]
    pub track: Option<String>,
    /// Who complains: child, child-representative, parent or carer.
    pub complainant_role: String,
    /// The date of the conference complained about.
    #[serde(deserialize_with = "crate::text::date::deserialize")]
    pub conference_date: NaiveDate,
    /// initial or review.
    #[serde(default = "default_conference_type")]
    pub conference_type: String,
    /// An out-of-scope matter: the complaint is recorded as referred to where it belongs.
    #[serde(default)]
    pub out_of_scope: Option<String>,
    /// Who records it (a role or job title).
    pub recorded_by: String,
    /// A line of context; no personal data.
    #[serde(default)]
    pub note: String,
    /// Events that happened before the complaint was entered, oldest first: recorded with the
    /// open, in the same transaction, each checked as `event` would check it, so notifications
    /// are planned once, for where the complaint now stands.
    #[serde(default)]
    pub events: Vec<Earlier>,
    /// Outcomes already decided, recorded after `events`, each checked as `outcome` would.
    #[serde(default)]
    pub outcomes: Vec<Earlier>,
}

/// An event or outcome that happened before the complaint was entered, recorded by whoever
/// opens it.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Earlier {
    /// The event or outcome id.
    pub name: String,
    /// When it happened.
    #[serde(deserialize_with = "crate::text::date::deserialize")]
    pub date: NaiveDate,
    /// A line of context; no personal data.
    #[serde(default)]
    pub note: String,
}

fn default_conference_type() -> String {
    "initial".into()
}

/// `event`, `outcome`: something happened on a date.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// The event or outcome id.
    pub name: String,
    /// When it happened.
    #[serde(deserialize_with = "crate::text::date::deserialize")]
    pub date: NaiveDate,
    /// Who records it.
    pub recorded_by: String,
    /// A line of context; no personal data.
    #[serde(default)]
    pub note: String,
}

/// `extend`: a deadline's new due date, where the procedure allows. The discretion is the
/// procedure's named role's (City and Hackney's panel extension is the Head of Safeguarding's);
/// `recorded_by` says who entered it.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Extend {
    /// The deadline's id.
    pub deadline: String,
    /// The new due date.
    #[serde(deserialize_with = "crate::text::date::deserialize")]
    pub to: NaiveDate,
    /// Who records it (a job title or the signed-in person; `agreed_by` is the older name).
    #[serde(alias = "agreed_by")]
    pub recorded_by: String,
    /// Why.
    pub reason: String,
    /// Why it is agreed only after the due date has passed: required then, refused before.
    #[serde(default)]
    pub retrospective: Option<String>,
}

/// `not-applicable` and its undoing: one deadline of one complaint does not apply (or applies
/// again).
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Applicability {
    /// The deadline's id.
    pub deadline: String,
    /// Who decides.
    pub recorded_by: String,
    /// Why.
    pub reason: String,
}

/// `accept-late`: a complainant's late action accepted out of time, where the procedure allows.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptLate {
    /// The window's id.
    pub deadline: String,
    /// Who records it (`accepted_by` is the older name).
    #[serde(alias = "accepted_by")]
    pub recorded_by: String,
    /// Why.
    pub reason: String,
}

/// `correct`: an earlier event's date was wrong.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Correct {
    /// The log entry's id (from `show`).
    pub entry: i64,
    /// The right date.
    #[serde(deserialize_with = "crate::text::date::deserialize")]
    pub date: NaiveDate,
    /// Who corrects it.
    pub recorded_by: String,
    /// Why.
    pub reason: String,
}

/// `close`, `reopen`.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Who decides.
    pub recorded_by: String,
    /// Why.
    pub reason: String,
}

/// Red, amber or green, as staff expect; none for what is met or closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Rag {
    /// Overdue.
    Red,
    /// Due within the configured number of working days.
    Amber,
    /// Open, with time in hand.
    Green,
    /// Met, or a window that closed.
    None,
}

/// A deadline as `show` presents it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeadlineView {
    #[serde(flatten)]
    pub derived: Derived,
    /// Its colour.
    pub rag: Rag,
}

/// A complaint as `show` presents it: the record, the timeline, the deadlines as of today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ComplaintView {
    #[serde(flatten)]
    pub complaint: ComplaintRow,
    /// The date statuses are judged on.
    pub as_of: NaiveDate,
    /// The log, oldest first.
    pub timeline: Vec<EntryRow>,
    /// Every deadline the log has started, in the procedure's order.
    pub deadlines: Vec<DeadlineView>,
}

/// One row of `list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ListItem {
    #[serde(flatten)]
    pub complaint: ComplaintRow,
    /// The earliest pending deadline.
    pub next_due: Option<DeadlineRow>,
    /// Obligations past their due date and not met.
    pub overdue: usize,
}

/// `list` filters and the page wanted, as the CLI and API take them. Serialized back into a
/// query string for the next page's link, leaving out what is not set.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Include closed and referred complaints.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    /// Only those with an overdue obligation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overdue: bool,
    /// Only those with a deadline due within this many working days (or overdue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(maximum = 1000)]
    pub due_within: Option<u32>,
    /// Only this procedure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub procedure: Option<String>,
    /// Only this stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub stage: Option<String>,
    /// Only those with a pending deadline owned by this role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub owner: Option<String>,
    /// The page's size: 1 to [`MAX_PAGE`], [`DEFAULT_PAGE`] when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<u32>,
    /// Where the page starts: the previous page's `next_cursor`; the first page without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub cursor: Option<String>,
}

/// The service: the store, the procedures and calendars in force, and the clock.
#[derive(Clone)]
pub struct Lifecycle {
    store: Store,
    /// Swapped whole by [`Lifecycle::reload`]: every clone sees the new set at once.
    procedures: Arc<RwLock<Arc<Procedures>>>,
    calendars: Arc<RwLock<Arc<Calendars>>>,
    clock: Arc<dyn Clock>,
    amber_within: i64,
    /// Swapped by [`Lifecycle::set_addressing`] on reload.
    addressing: Arc<RwLock<Option<Arc<crate::reminder::Addressing>>>>,
    planned: Option<Arc<tokio::sync::Notify>>,
    /// The calendar and time zone of questions that name no procedure ("what is due within 5
    /// working days" across all of them): `calendar.default_region` and `calendar.time_zone`.
    region: crate::calendar::Division,
    time_zone: chrono_tz::Tz,
    /// The version a change must find (the API's `If-Match`): see [`Lifecycle::if_match`].
    expected_version: Option<i64>,
}

impl Lifecycle {
    /// The service over `store`.
    pub fn new(
        store: Store,
        procedures: Arc<Procedures>,
        calendars: Arc<Calendars>,
        clock: Arc<dyn Clock>,
        amber_within: i64,
    ) -> Self {
        Lifecycle {
            store,
            procedures: Arc::new(RwLock::new(procedures)),
            calendars: Arc::new(RwLock::new(calendars)),
            clock,
            amber_within,
            addressing: Arc::default(),
            planned: None,
            region: crate::calendar::Division::EnglandAndWales,
            time_zone: chrono_tz::Europe::London,
            expected_version: None,
        }
    }

    /// This service for one change that must find the complaint at `version` (as `show` gave
    /// it, [`ComplaintRow::version`]): when anyone changed it since, the change is refused with
    /// [`LifecycleError::Stale`] and nothing is written. The check is made inside the change's
    /// own transaction, on the locked row, so two systems cannot both pass it.
    pub fn if_match(&self, version: i64) -> Lifecycle {
        Lifecycle {
            expected_version: Some(version),
            ..self.clone()
        }
    }

    /// Answers questions that name no procedure on `region`'s calendar in `time_zone` (the
    /// configured `calendar.default_region` and `calendar.time_zone`; England and Wales and
    /// Europe/London without this). A question about one procedure uses that procedure's own.
    pub fn with_defaults(
        mut self,
        region: crate::calendar::Division,
        time_zone: chrono_tz::Tz,
    ) -> Self {
        self.region = region;
        self.time_zone = time_zone;
        self
    }

    /// The configured default calendar (`calendar.default_region`).
    pub fn region(&self) -> crate::calendar::Division {
        self.region
    }

    /// Today in the configured time zone.
    pub fn today_default(&self) -> NaiveDate {
        self.clock.today(self.time_zone)
    }

    /// Plans notifications with every change, addressed as `addressing` says, and wakes
    /// `planned` when it does (the delivery worker sleeps on it). Without this, the outbox is
    /// left alone.
    pub fn with_notifications(
        mut self,
        addressing: crate::reminder::Addressing,
        planned: Arc<tokio::sync::Notify>,
    ) -> Self {
        self.planned = Some(planned);
        self.set_addressing(addressing);
        self
    }

    /// Addresses notifications planned from now on as `addressing` says, for every clone of
    /// this service at once (a reload).
    pub fn set_addressing(&self, addressing: crate::reminder::Addressing) {
        *self.addressing.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(addressing));
    }

    fn addressing(&self) -> Option<Arc<crate::reminder::Addressing>> {
        self.addressing
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The first instant at or after `t` inside the send window for a complaint under
    /// `procedure`: where retries and late sends go.
    pub fn next_send_instant(&self, t: DateTime<Utc>, procedure: &str) -> DateTime<Utc> {
        let procedures = self.procedures();
        let (Some(a), Some(p)) = (self.addressing(), procedures.get(procedure)) else {
            return t;
        };
        a.window
            .next_open(t, self.calendars().get(p.region), p.time_zone)
            .max(t)
    }

    /// The calendars in force.
    pub fn calendars(&self) -> Arc<Calendars> {
        self.calendars
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Puts new procedures and calendars in force for every clone of this service at once (a
    /// reload). Stored deadlines are re-derived by the next [`Lifecycle::recompute_if_changed`].
    pub fn reload(&self, procedures: Procedures, calendars: Calendars) {
        *self.procedures.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(procedures);
        self.set_calendars(calendars);
    }

    /// Puts new calendars in force for every clone of this service at once (a holiday
    /// refresh); the procedures stay. Stored deadlines are re-derived by the next
    /// [`Lifecycle::recompute_if_changed`].
    pub fn set_calendars(&self, calendars: Calendars) {
        *self.calendars.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(calendars);
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    fn wake_worker(&self) {
        if let Some(n) = &self.planned {
            n.notify_one();
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The procedures in force.
    pub fn procedures(&self) -> Arc<Procedures> {
        self.procedures
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The instant a change is recorded at, to the microsecond: what both stores keep
    /// (PostgreSQL's timestamps hold no more), so the complaint a write answers with is the one
    /// a later read gives.
    fn now(&self) -> DateTime<Utc> {
        chrono::SubsecRound::trunc_subsecs(self.clock.now(), 6)
    }

    fn today(&self, procedure: &Procedure) -> NaiveDate {
        self.clock.today(procedure.time_zone)
    }

    fn procedure(&self, id: &str) -> Result<Arc<Procedure>, LifecycleError> {
        self.procedures().get(id).cloned().ok_or_else(|| {
            invalid(
                "procedure",
                format!(
                    "unknown procedure '{id}': use one of {}",
                    self.procedures().ids().join(", ")
                ),
            )
        })
    }

    /// Opens a complaint, with eligibility checked. An out-of-scope matter, or a track handled by
    /// another procedure, is recorded and at once referred.
    pub async fn open(&self, cmd: OpenComplaint) -> Result<ComplaintView, LifecycleError> {
        let now = self.now();
        let (new, change, seen) = self.prepare_open(&cmd, &[], now)?;
        let written = self.store.insert(&new, &change, now).await?;
        self.wake_worker();
        Ok(self.view(written, seen))
    }

    /// Opens many complaints, each with the events that have already happened, in one
    /// transaction: moving a spreadsheet's open complaints in. Each is checked exactly as `open`
    /// and `event` would check it; one refusal refuses them all, naming which.
    pub async fn import(
        &self,
        items: &[(OpenComplaint, Vec<Record>)],
    ) -> Result<usize, LifecycleError> {
        let now = self.now();
        let mut prepared = Vec::with_capacity(items.len());
        for (cmd, events) in items {
            let (new, change, _) = self.prepare_open(cmd, events, now).map_err(|e| match e {
                LifecycleError::Invalid { field, message } => {
                    invalid(field, format!("{}: {message}", cmd.reference))
                }
                other => other,
            })?;
            prepared.push((new, change));
        }
        self.store.insert_many(&prepared, now).await?;
        self.wake_worker();
        Ok(prepared.len())
    }

    /// What opening a complaint (with events that have already happened) writes, checked but
    /// not yet written, and its deadlines as of today.
    fn prepare_open(
        &self,
        cmd: &OpenComplaint,
        events: &[Record],
        now: DateTime<Utc>,
    ) -> Result<(NewComplaint, Change, Judged), LifecycleError> {
        plain(cmd)?;
        for (i, e) in events.iter().enumerate() {
            plain(e).map_err(|e| match e {
                LifecycleError::Invalid { field, message } => {
                    invalid(format!("events[{i}].{field}"), message)
                }
                other => other,
            })?;
        }
        crate::complaint::reference::check(&cmd.reference).map_err(|m| invalid("reference", m))?;
        let p_in_force = self.procedure(&cmd.procedure)?;
        let p = p_in_force.as_ref();
        // Only the procedures in use have their roles routed: a complaint under another would
        // have nobody told of its deadlines.
        if let Some(a) = self.addressing().filter(|a| a.is_on()) {
            if !a.in_use(&p.id) {
                return Err(invalid(
                    "procedure",
                    format!(
                        "procedure '{}' is not among those in use (notify.procedures: {}): nobody is routed to its deadlines; add it to notify.procedures, with destinations for its roles, to open complaints under it",
                        p.id,
                        a.procedures.as_deref().unwrap_or_default().join(", ")
                    ),
                ));
            }
        }
        check_recorded_by(&cmd.recorded_by)?;
        check_note(&cmd.note)?;
        let track = match &cmd.track {
            Some(t) => p.track(t).ok_or_else(|| {
                invalid(
                    "track",
                    format!(
                        "procedure '{}' has no track '{t}': use one of {}",
                        p.id,
                        ids(p.tracks.iter().map(|t| &t.id))
                    ),
                )
            })?,
            None => p
                .tracks
                .iter()
                .find(|t| t.first_stage.is_some())
                .unwrap_or(&p.tracks[0]),
        };
        let role = cmd
            .complainant_role
            .parse::<crate::procedure::ComplainantRole>()
            .map_err(|m| invalid("complainant_role", m))?;
        if !p.complainants.iter().any(|c| c.role == role) {
            return Err(invalid(
                "complainant_role",
                format!(
                    "procedure '{}' does not take complaints from a {}: it names {}",
                    p.id,
                    role.key(),
                    ids(p.complainants.iter().map(|c| c.role.key()))
                ),
            ));
        }
        if !["initial", "review"].contains(&cmd.conference_type.as_str()) {
            return Err(invalid(
                "conference_type",
                format!(
                    "conference type '{}': expected initial or review",
                    cmd.conference_type
                ),
            ));
        }
        let today = self.today(p);
        if cmd.conference_date > today {
            return Err(invalid(
                "conference_date",
                format!(
                    "conference date {} is in the future (today is {today})",
                    cmd.conference_date
                ),
            ));
        }
        let referral = match &cmd.out_of_scope {
            Some(o) => Some(
                p.out_of_scope
                    .iter()
                    .find(|x| &x.id == o)
                    .map(|x| x.referred_to.clone())
                    .ok_or_else(|| {
                        invalid(
                            "out_of_scope",
                            format!(
                                "procedure '{}' has no out-of-scope matter '{o}': use one of {}",
                                p.id,
                                ids(p.out_of_scope.iter().map(|x| &x.id))
                            ),
                        )
                    })?,
            ),
            None => None,
        };
        let new = NewComplaint {
            reference: cmd.reference.clone(),
            procedure: p.id.clone(),
            track: track.id.clone(),
            complainant_role: role.key().to_string(),
            conference_date: cmd.conference_date,
            conference_type: cmd.conference_type.clone(),
        };
        let mut entries = vec![NewEntry {
            kind: kind::EVENT.into(),
            name: CONFERENCE.into(),
            effective_date: cmd.conference_date,
            new_date: None,
            corrects: None,
            recorded_by: cmd.recorded_by.clone(),
            note: cmd.note.clone(),
        }];
        if let Some(to) = &referral {
            entries.push(NewEntry {
                kind: kind::REFERRED.into(),
                name: cmd.out_of_scope.clone().unwrap_or_default(),
                effective_date: today,
                new_date: None,
                corrects: None,
                recorded_by: cmd.recorded_by.clone(),
                note: to.clone(),
            });
        }
        let row = provisional_row(&new, now);
        // The history: the command's own events, then any given beside it (an import), then its
        // outcomes. Each is checked on the log before it, exactly as `event` or `outcome` would
        // check it a call at a time, and a refusal names it.
        let recorded = |e: &Earlier| Record {
            name: e.name.clone(),
            date: e.date,
            recorded_by: cmd.recorded_by.clone(),
            note: e.note.clone(),
        };
        let history: Vec<(Past, usize, Record)> = cmd
            .events
            .iter()
            .map(recorded)
            .chain(events.iter().cloned())
            .enumerate()
            .map(|(i, r)| (Past::Event, i, r))
            .chain(
                cmd.outcomes
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (Past::Outcome, i, recorded(e))),
            )
            .collect();
        let mut rows = as_rows(&entries, now);
        for (past, i, e) in &history {
            let named = |err| past.names(*i, e, err);
            let r = replay(p, &row, &rows);
            let (more, _) = match past {
                Past::Event => event_rule(p, &row, &r, today, e),
                Past::Outcome => outcome_rule(p, &row, &r, today, e),
            }
            .map_err(named)?;
            entries.extend(more);
            rows = as_rows(&entries, now);
            check_walk(None, &replay(p, &row, &rows), &rows).map_err(named)?;
        }
        let r = replay(p, &row, &rows);
        check_walk(None, &r, &rows)?;
        let (state, seen) = self.evaluate(p, &r, Some(today))?;
        let audit = vec![NewAudit {
            actor: cmd.recorded_by.clone(),
            action: "open".into(),
            detail: format!(
                "opened under {} ({}), conference {}{}{}",
                p.id,
                track.id,
                cmd.conference_date,
                referral
                    .as_ref()
                    .map(|r| format!("; referred to {r}"))
                    .unwrap_or_default(),
                history_line(&history)
            ),
        }];
        Ok((
            new,
            Change {
                entries,
                state: state.0,
                deadlines: state.1,
                audit,
                notifications: state.2,
            },
            seen,
        ))
    }

    /// Records an event the current stage allows.
    pub async fn record_event(
        &self,
        reference: &str,
        cmd: Record,
    ) -> Result<ComplaintView, LifecycleError> {
        plain(&cmd)?;
        self.change(reference, move |p, row, r, today| {
            event_rule(p, row, r, today, &cmd)
        })
        .await
    }

    /// Records an outcome the current stage can end with.
    pub async fn record_outcome(
        &self,
        reference: &str,
        cmd: Record,
    ) -> Result<ComplaintView, LifecycleError> {
        plain(&cmd)?;
        self.change(reference, move |p, row, r, today| {
            outcome_rule(p, row, r, today, &cmd)
        })
        .await
    }

    /// Extends an obligation where the procedure's discretion allows.
    pub async fn extend(
        &self,
        reference: &str,
        cmd: Extend,
    ) -> Result<ComplaintView, LifecycleError> {
        plain(&cmd)?;
        let calendars = self.calendars();
        self.change(reference, move |p, row, r, today| {
            check_writable(row, r)?;
            check_recorded_by(&cmd.recorded_by)?;
            check_text("reason", &cmd.reason, MAX_NOTE)?;
            let def = discretionary(p, &cmd.deadline, DiscretionKind::Extension)?;
            if def.kind != Kind::Obligation {
                return Err(refused(p, DiscretionKind::Extension, &def.id));
            }
            let plan = derive(p, &r.facts, &calendars, Some(today))
                .map_err(|e| invalid("deadline", e.to_string()))?;
            let current = plan
                .deadlines
                .iter()
                .find(|d| d.id == def.id)
                .ok_or_else(|| {
                    LifecycleError::Conflict(format!(
                        "deadline '{}' has not started on complaint '{}'",
                        def.id, row.reference
                    ))
                })?;
            if cmd.to <= current.due {
                return Err(invalid(
                    "to",
                    format!(
                        "the new date {} is not after the current due date {}",
                        cmd.to, current.due
                    ),
                ));
            }
            let note = match (&cmd.retrospective, today > current.due) {
                (None, true) => {
                    return Err(invalid(
                        "retrospective",
                        format!(
                            "'{}' was due on {}, before today ({today}): an extension agreed after the due date needs a retrospective reason (--retrospective, or \"retrospective\" in the API)",
                            def.id, current.due
                        ),
                    ))
                }
                (Some(_), false) => {
                    return Err(invalid(
                        "retrospective",
                        format!(
                            "'{}' is not yet past its due date {}: this extension is not retrospective",
                            def.id, current.due
                        ),
                    ))
                }
                (Some(why), true) => {
                    check_text("retrospective", why, MAX_NOTE)?;
                    format!("{} (retrospective: {why})", cmd.reason)
                }
                (None, false) => cmd.reason.clone(),
            };
            let holder = p.discretion_holder(DiscretionKind::Extension, &def.id);
            Ok(recorded(
                entry(
                    kind::EXTENSION,
                    &def.id,
                    today,
                    Some(cmd.to),
                    None,
                    &cmd.recorded_by,
                    &note,
                ),
                "extend",
                format!(
                    "{} extended from {} to {} at the discretion of the {holder}: {note}",
                    def.id, current.due, cmd.to
                ),
            ))
        })
        .await
    }

    /// Accepts a complainant's late action on a window where the procedure allows.
    pub async fn accept_late(
        &self,
        reference: &str,
        cmd: AcceptLate,
    ) -> Result<ComplaintView, LifecycleError> {
        plain(&cmd)?;
        self.change(reference, move |p, row, r, today| {
            check_writable(row, r)?;
            check_recorded_by(&cmd.recorded_by)?;
            check_text("reason", &cmd.reason, MAX_NOTE)?;
            let def = discretionary(p, &cmd.deadline, DiscretionKind::LateAcceptance)?;
            let holder = p.discretion_holder(DiscretionKind::LateAcceptance, &def.id);
            Ok(recorded(
                entry(
                    kind::LATE_ACCEPTANCE,
                    &def.id,
                    today,
                    None,
                    None,
                    &cmd.recorded_by,
                    &cmd.reason,
                ),
                "accept-late",
                format!(
                    "{} accepted out of time at the discretion of the {holder}: {}",
                    def.id, cmd.reason
                ),
            ))
        })
        .await
    }

    /// Marks one deadline not applicable to this complaint (a duty whose circumstances do not
    /// arise here): it leaves every list, report and alert, and shows as not applicable. Undone
    /// by [`Lifecycle::mark_applicable`].
    pub async fn mark_not_applicable(
        &self,
        reference: &str,
        cmd: Applicability,
    ) -> Result<ComplaintView, LifecycleError> {
        plain(&cmd)?;
        self.applicability(reference, cmd, true).await
    }

    /// Undoes [`Lifecycle::mark_not_applicable`]: the deadline counts again.
    pub async fn mark_applicable(
        &self,
        reference: &str,
        cmd: Applicability,
    ) -> Result<ComplaintView, LifecycleError> {
        plain(&cmd)?;
        self.applicability(reference, cmd, false).await
    }

    async fn applicability(
        &self,
        reference: &str,
        cmd: Applicability,
        not_applicable: bool,
    ) -> Result<ComplaintView, LifecycleError> {
        self.change(reference, move |p, row, r, today| {
            check_writable(row, r)?;
            check_recorded_by(&cmd.recorded_by)?;
            check_text("reason", &cmd.reason, MAX_NOTE)?;
            let def = p.deadline(&cmd.deadline).ok_or_else(|| {
                invalid(
                    "deadline",
                    format!(
                        "procedure '{}' has no deadline '{}': use one of {}",
                        p.id,
                        cmd.deadline,
                        ids(p.deadlines.iter().map(|d| &d.id))
                    ),
                )
            })?;
            let marked = r.facts.not_applicable.contains_key(&def.id);
            if marked == not_applicable {
                return Err(LifecycleError::Conflict(format!(
                    "deadline '{}' of complaint '{}' is {} marked not applicable",
                    def.id,
                    row.reference,
                    if marked { "already" } else { "not" }
                )));
            }
            let (kind, action, detail) = if not_applicable {
                (
                    kind::NOT_APPLICABLE,
                    "not-applicable",
                    format!("{} marked not applicable: {}", def.id, cmd.reason),
                )
            } else {
                (
                    kind::APPLICABLE,
                    "applicable",
                    format!("{} applies again: {}", def.id, cmd.reason),
                )
            };
            Ok(recorded(
                entry(
                    kind,
                    &def.id,
                    today,
                    None,
                    None,
                    &cmd.recorded_by,
                    &cmd.reason,
                ),
                action,
                detail,
            ))
        })
        .await
    }

    /// Corrects the date of an earlier event; every deadline is re-derived.
    pub async fn correct(
        &self,
        reference: &str,
        cmd: Correct,
    ) -> Result<ComplaintView, LifecycleError> {
        plain(&cmd)?;
        self.change(reference, move |_p, row, r, today| {
            check_recorded_by(&cmd.recorded_by)?;
            check_text("reason", &cmd.reason, MAX_NOTE)?;
            let Some(old) = r.dates.get(&cmd.entry).copied() else {
                return Err(invalid(
                    "entry",
                    format!(
                        "complaint '{}' has no event entry {}",
                        row.reference, cmd.entry
                    ),
                ));
            };
            check_date("date", cmd.date, row.conference_date, today)?;
            Ok(recorded(
                entry(
                    kind::CORRECTION,
                    "date",
                    today,
                    Some(cmd.date),
                    Some(cmd.entry),
                    &cmd.recorded_by,
                    &cmd.reason,
                ),
                "correct",
                format!(
                    "entry {} date {} corrected to {}: {}",
                    cmd.entry, old, cmd.date, cmd.reason
                ),
            ))
        })
        .await
    }

    /// Closes the complaint.
    pub async fn close(
        &self,
        reference: &str,
        cmd: Decision,
    ) -> Result<ComplaintView, LifecycleError> {
        plain(&cmd)?;
        self.change(reference, move |_p, row, r, today| {
            if r.status == status::CLOSED || r.status == status::REFERRED {
                return Err(LifecycleError::Conflict(format!(
                    "complaint '{}' is already {}",
                    row.reference, r.status
                )));
            }
            check_recorded_by(&cmd.recorded_by)?;
            check_text("reason", &cmd.reason, MAX_NOTE)?;
            Ok(recorded(
                entry(
                    kind::CLOSE,
                    "close",
                    today,
                    None,
                    None,
                    &cmd.recorded_by,
                    &cmd.reason,
                ),
                "close",
                cmd.reason.clone(),
            ))
        })
        .await
    }

    /// Reopens a closed complaint where its latest outcome allows (a panel with insufficient
    /// information meets again).
    pub async fn reopen(
        &self,
        reference: &str,
        cmd: Decision,
    ) -> Result<ComplaintView, LifecycleError> {
        plain(&cmd)?;
        self.change(reference, move |p, row, r, today| {
            let reopens = r.outcome.as_ref().and_then(|o| p.outcomes.get(o)).and_then(|o| o.reopens.clone());
            let Some(stage) = reopens else {
                return Err(LifecycleError::Conflict(format!(
                    "procedure '{}' allows reopening only after an outcome that sends the complaint back ({}); complaint '{}' has {}",
                    p.id,
                    ids(p.outcomes.iter().filter(|(_, o)| o.reopens.is_some()).map(|(k, _)| k)),
                    row.reference,
                    r.outcome.as_deref().map(|o| format!("outcome '{o}'")).unwrap_or_else(|| "no outcome".into())
                )));
            };
            if r.status == status::OPEN && r.stage.as_deref() == Some(stage.as_str()) {
                return Err(LifecycleError::Conflict(format!("complaint '{}' is already open at {stage}", row.reference)));
            }
            check_recorded_by(&cmd.recorded_by)?;
            check_text("reason", &cmd.reason, MAX_NOTE)?;
            Ok(recorded(entry(kind::REOPEN, &stage, today, None, None, &cmd.recorded_by, &cmd.reason), "reopen", format!("reopened at {stage}: {}", cmd.reason)))
        })
        .await
    }

    /// The common path of every change: in one transaction, replay the log, let `rule` check the
    /// command and say what to append, replay again with it, re-derive the deadlines, and write
    /// it all with the audit line (naming every deadline that moved).
    async fn change(
        &self,
        reference: &str,
        rule: impl FnOnce(
            &Procedure,
            &ComplaintRow,
            &Replayed,
            NaiveDate,
        ) -> Result<(Vec<NewEntry>, NewAudit), LifecycleError>,
    ) -> Result<ComplaintView, LifecycleError> {
        looked_up(reference)?;
        let now = self.now();
        let procedures = self.procedures();
        let this = self.clone();
        let done = self
            .store
            .update(reference, now, move |row, entries, stored| {
                let p = procedures
                    .get(&row.procedure)
                    .map(|p| p.as_ref())
                    .ok_or_else(|| {
                        LifecycleError::Conflict(format!(
                            "complaint '{}' is under procedure '{}', which is no longer in force",
                            row.reference, row.procedure
                        ))
                    })?;
                // The row's version was raised by the statement that locked it.
                if let Some(expected) = this.expected_version.filter(|v| *v != row.version - 1) {
                    return Err(LifecycleError::Stale {
                        reference: row.reference.clone(),
                        expected,
                        current: row.version - 1,
                    });
                }
                let today = this.today(p);
                let before = replay(p, row, entries);
                let (new_entries, mut audit) = rule(p, row, &before, today)?;
                let mut all = entries.to_vec();
                all.extend(as_rows(&new_entries, now));
                let after = replay(p, row, &all);
                check_walk(Some(&before), &after, &all)?;
                let ((state, deadlines, notifications), seen) =
                    this.evaluate(p, &after, Some(today))?;
                let moved = moves(stored, &deadlines);
                if !moved.is_empty() {
                    audit.detail = format!("{}; deadlines: {moved}", audit.detail);
                }
                Ok((
                    Change {
                        entries: new_entries,
                        state,
                        deadlines,
                        audit: vec![audit],
                        notifications,
                    },
                    seen,
                ))
            })
            .await?;
        self.wake_worker();
        // The answer is what the transaction read and wrote, derived once with the write.
        let (seen, written) = done;
        Ok(self.view(written, seen))
    }

    /// The state, stored deadlines and planned notifications a replayed log gives, and its
    /// deadlines judged as of `as_of` when given (what a write answers with: derived once).
    fn evaluate(
        &self,
        p: &Procedure,
        r: &Replayed,
        as_of: Option<NaiveDate>,
    ) -> Result<(Evaluated, Judged), LifecycleError> {
        let plan = derive(p, &r.facts, &self.calendars(), as_of)
            .map_err(|e| invalid("date", e.to_string()))?;
        let live = r.status == status::OPEN || r.status == status::PROPOSED_FOR_CLOSURE;
        let deadlines = plan
            .deadlines
            .iter()
            .map(|d| DeadlineRow {
                deadline: d.id.clone(),
                kind: match d.kind {
                    Kind::Obligation => "obligation".into(),
                    Kind::Window => "window".into(),
                },
                stage: d.stage.clone(),
                owner_role: d.owner_role.clone(),
                from_date: d.from_date,
                due_date: d.due,
                due_at: d.due_instant,
                met_on: d.met_on,
                state: d.state().into(),
            })
            .collect();
        // Only what is still pending calls for reminders and alerts: a deadline marked not
        // applicable, or one the complaint's closing made unneeded, plans nothing.
        let pending: Vec<Derived> = plan
            .deadlines
            .iter()
            .filter(|d| d.state() == "pending")
            .cloned()
            .collect();
        // The notifications the complaint now calls for: none once it is closed or referred (the
        // planned ones are cancelled), and none planned at all without addressing configured.
        let addressing = self.addressing();
        let notifications = addressing.as_ref().map(|a| {
            // Closed or referred: nothing more. Proposed for closure is still live until staff
            // confirm: its alerts and escalations go on.
            if !live {
                return Vec::new();
            }
            let calendars = self.calendars();
            let calendar = calendars.get(p.region);
            a.plan_at(&p.id, &pending, calendar, p.time_zone, self.clock.now())
                .iter()
                .flat_map(|n| {
                    a.destinations(&p.id, n)
                        .into_iter()
                        .map(move |dest| NewNotification {
                            deadline: n.deadline.clone(),
                            kind: n.kind.key(),
                            occurrence: n.occurrence.clone(),
                            destination: dest,
                            role: n.role.clone(),
                            planned_at: n.at,
                        })
                })
                .collect()
        });
        let judged = Judged {
            closed: r.status == status::CLOSED || r.status == status::REFERRED,
            as_of: as_of.unwrap_or_default(),
            deadlines: plan.deadlines,
        };
        Ok((
            (
                ComplaintState {
                    stage: r.stage.clone(),
                    status: r.status.to_string(),
                    outcome: r.outcome.clone(),
                    referred_to: r.referred_to.clone(),
                },
                deadlines,
                notifications,
            ),
            judged,
        ))
    }

    /// A complaint with its timeline and its deadlines as of today.
    pub async fn show(&self, reference: &str) -> Result<ComplaintView, LifecycleError> {
        looked_up(reference)?;
        let snap = self.store.get(reference).await?;
        let p_in_force = self.procedure(&snap.complaint.procedure)?;
        let p = p_in_force.as_ref();
        let today = self.today(p);
        let r = replay(p, &snap.complaint, &snap.entries);
        let plan = derive(p, &r.facts, &self.calendars(), Some(today))
            .map_err(|e| invalid("date", e.to_string()))?;
        Ok(self.view(
            snap,
            Judged {
                closed: r.status == status::CLOSED || r.status == status::REFERRED,
                as_of: today,
                deadlines: plan.deadlines,
            },
        ))
    }

    /// A complaint as staff see it: its row, its log, and each deadline with its
    /// red/amber/green as of the day it was judged on.
    fn view(&self, snap: Snapshot, judged: Judged) -> ComplaintView {
        let deadlines = judged
            .deadlines
            .into_iter()
            .map(|d| {
                let rag = match (&d.status, judged.closed) {
                    (_, true) => Rag::None,
                    (Some(Status::Overdue { .. }), _) => Rag::Red,
                    (Some(Status::Open { working_days_left }), _) => {
                        self.rag_of_open(*working_days_left)
                    }
                    _ => Rag::None,
                };
                DeadlineView { derived: d, rag }
            })
            .collect();
        ComplaintView {
            complaint: snap.complaint,
            as_of: judged.as_of,
            timeline: snap.entries,
            deadlines,
        }
    }

    /// The colour of an open deadline `working_days_left` working days from its due date:
    /// amber within the configured number (`[display] amber_within_working_days`), green
    /// beyond.
    pub fn rag_of_open(&self, working_days_left: i64) -> Rag {
        if working_days_left <= self.amber_within {
            Rag::Amber
        } else {
            Rag::Green
        }
    }

    /// A complaint's audit log.
    pub async fn audit(&self, reference: &str) -> Result<Vec<AuditRow>, LifecycleError> {
        looked_up(reference)?;
        Ok(self.store.audit(reference).await?)
    }

    /// A page of the complaints matching the query, in reference order, each with its next
    /// pending deadline and overdue count, and the cursor of the next page when there is one.
    pub async fn list(&self, q: &ListQuery) -> Result<ListPage, LifecycleError> {
        for (field, value) in [
            ("procedure", &q.procedure),
            ("stage", &q.stage),
            ("owner", &q.owner),
            ("cursor", &q.cursor),
        ] {
            if let Some(m) = value
                .as_deref()
                .and_then(|v| crate::text::control_character(field, v))
            {
                return Err(invalid(field, m));
            }
        }
        let limit = q.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(invalid(
                "limit",
                format!(
                    "limit {limit} is not a page size: give 1 to {MAX_PAGE} (default \
                     {DEFAULT_PAGE}) and follow next_cursor for the rest"
                ),
            ));
        }
        let after = q
            .cursor
            .as_deref()
            .map(Cursor::decode)
            .transpose()
            .map_err(|e| invalid("cursor", e))?;
        let region = q
            .procedure
            .as_deref()
            .map(|id| self.procedure(id).map(|p| (p.region, p.time_zone)))
            .transpose()?
            .unwrap_or((self.region, self.time_zone));
        let today = self.clock.today(region.1);
        let due_by = match q.due_within {
            Some(n) if n > MAX_DUE_WITHIN => {
                return Err(invalid(
                    "due_within",
                    format!("due_within {n} is more working days than a list looks ahead: give 0 to {MAX_DUE_WITHIN}"),
                ))
            }
            Some(n) => Some(
                self.calendars()
                    .get(region.0)
                    .add_working_days(today, n, crate::calendar::Trigger::NextWorkingDay)
                    .map_err(|e| invalid("due_within", e.to_string()))?,
            ),
            None => None,
        };
        // Only a live complaint has pending deadlines (a closed or referred one's count no
        // further: `Derived::state`), so a filter on them looks at the live complaints alone,
        // whatever `all` says: a page then walks the live ones, not every complaint ever opened.
        let on_pending = q.overdue || q.due_within.is_some() || q.owner.is_some();
        let filter = ListFilter {
            open_only: !q.all || on_pending,
            overdue_before: q.overdue.then_some(today),
            due_by,
            procedure: q.procedure.clone(),
            stage: q.stage.clone(),
            owner_role: q.owner.clone(),
            after: after.map(|c| c.reference().to_string()),
            // One more than the page: whether another page follows, without counting.
            limit: i64::from(limit) + 1,
        };
        let mut rows = self.store.list(&filter).await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = more
            .then(|| rows.last())
            .flatten()
            .map(|l| Cursor::after(&l.complaint.reference).encode());
        let complaints = rows
            .into_iter()
            .map(|l| {
                let overdue = l
                    .pending
                    .iter()
                    .filter(|d| d.kind == "obligation" && d.due_date < today)
                    .count();
                let next_due = l
                    .pending
                    .into_iter()
                    .min_by(|a, b| (a.due_date, &a.deadline).cmp(&(b.due_date, &b.deadline)));
                ListItem {
                    complaint: l.complaint,
                    next_due,
                    overdue,
                }
            })
            .collect();
        Ok(ListPage {
            complaints,
            next_cursor,
        })
    }

    /// The compliance report over the deadlines due from `from` to `to` inclusive (only
    /// `procedure`'s, when given), judged as of today ([`crate::report`]).
    pub async fn report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        procedure: Option<&str>,
    ) -> Result<crate::report::Report, LifecycleError> {
        if to < from {
            return Err(invalid(
                "to",
                format!("the period ends ({to}) before it starts ({from})"),
            ));
        }
        if let Some(p) = procedure {
            self.procedure(p)?;
        }
        let rows = self.store.report_rows(from, to).await?;
        Ok(crate::report::Report::build(
            &rows,
            &self.procedures(),
            &self.calendars(),
            (from, to),
            self.today_default(),
            procedure,
        ))
    }

    /// Every pending deadline due within `working_days` working days of today, or overdue,
    /// earliest first, on the configured default calendar and time zone.
    pub async fn due_and_overdue(
        &self,
        working_days: u32,
    ) -> Result<Vec<PendingRow>, LifecycleError> {
        Ok(self
            .store
            .pending_due_by(self.due_by(working_days)?)
            .await?)
    }

    /// The last due date that is within `working_days` working days of today, on the
    /// configured default calendar and time zone.
    pub fn due_by(&self, working_days: u32) -> Result<NaiveDate, LifecycleError> {
        self.calendars()
            .get(self.region)
            .add_working_days(
                self.today_default(),
                working_days,
                crate::calendar::Trigger::NextWorkingDay,
            )
            .map_err(|e| invalid("working_days", e.to_string()))
    }

    /// Re-derives the live complaints whose stored deadlines or planned notifications were
    /// derived from something other than what is now in force: per procedure, a fingerprint of
    /// the procedure and the holiday data (the deadlines) and of the notification settings (the
    /// plans). A start or reload that changed nothing touches no complaint; a changed procedure
    /// or notification settings re-derive that procedure's complaints; a change to the holidays
    /// or closures of some years (a year's fingerprint of the division's days off) re-derives
    /// only the complaints with a deadline in or next to those years. Each moved deadline is
    /// written to the audit log.
    pub async fn recompute_if_changed(&self) -> Result<Rederived, LifecycleError> {
        let procedures = self.procedures();
        let calendars_in_force = self.calendars();
        let calendars = calendars_in_force.fingerprint();
        let addressing = self.addressing().map(|a| format!("{a:?}"));
        let mut done = Rederived::default();
        for id in self.store.live_procedures().await? {
            // A complaint under a procedure no longer in force keeps what it has (a reload that
            // would orphan one is refused before it gets here).
            let Some(p) = procedures.get(&id) else {
                continue;
            };
            let mut h = crate::folder::Fnv::default();
            h.write(
                serde_json::to_string(p.as_ref())
                    .unwrap_or_default()
                    .as_bytes(),
            );
            let procedure = format!("{:016x}", h.finish());
            h.write(&calendars.to_le_bytes());
            let deadlines = format!("{:016x}", h.finish());
            let plans = addressing.as_ref().map(|a| {
                h.write(a.as_bytes());
                format!("{:016x}", h.finish())
            });
            let years = years_key(&calendars_in_force, p.region);
            // The notification settings alone: the plans' fingerprint above also moves with the
            // holidays, which may have been all that changed.
            let settings = addressing.as_ref().map(|a| {
                let mut h = crate::folder::Fnv::default();
                h.write(a.as_bytes());
                format!("{:016x}", h.finish())
            });
            let deadlines_key = format!("deadlines:{id}");
            let plans_key = format!("plans:{id}");
            let procedure_key = format!("procedure:{id}");
            let settings_key = format!("notify:{id}");
            let years_key = years_meta(&id);
            let stale_deadlines =
                self.store.meta(&deadlines_key).await?.as_deref() != Some(deadlines.as_str());
            let stale_plans = match &plans {
                Some(f) => self.store.meta(&plans_key).await?.as_deref() != Some(f.as_str()),
                None => false,
            };
            if !stale_deadlines && !stale_plans {
                continue;
            }
            // Which complaints the change can move: all of them, unless only the holiday data
            // or closures changed and the years they changed are known.
            let settings_same = match &settings {
                Some(f) => self.store.meta(&settings_key).await?.as_deref() == Some(f.as_str()),
                None => !stale_plans,
            };
            let touched = if !settings_same
                || self.store.meta(&procedure_key).await?.as_deref() != Some(&procedure)
            {
                None
            } else {
                self.store
                    .meta(&years_key)
                    .await?
                    .and_then(|before| changed_years(&before, &years))
            };
            let references = match touched {
                None => self.store.live_references_of(&id).await?,
                Some(None) => Vec::new(),
                Some(Some(years)) => self.live_touching(&id, p, years).await?,
            };
            let (n, failed) = self.rederive_listed(&id, &references).await?;
            done.examined += references.len();
            done.moved += n;
            if failed > 0 {
                continue;
            }
            self.store.set_meta(&deadlines_key, &deadlines).await?;
            self.store.set_meta(&procedure_key, &procedure).await?;
            self.store.set_meta(&years_key, &years).await?;
            if let Some(f) = &settings {
                self.store.set_meta(&settings_key, f).await?;
            }
            // Re-derived without notification settings, the plans may now be out of step:
            // whoever next runs with them re-plans.
            self.store
                .set_meta(&plans_key, plans.as_deref().unwrap_or("re-plan"))
                .await?;
            if n > 0 {
                tracing::info!(
                    procedure = %id,
                    complaints = n,
                    "procedures or holiday data changed: deadlines re-derived"
                );
            }
            tracing::debug!(procedure = %id, complaints = references.len(), "re-derived");
        }
        Ok(done)
    }

    /// After a holiday refresh: re-derives, under the calendars in force, every live complaint
    /// with a deadline in or next to a year whose holidays differ between `before` and the
    /// calendars in force. Where the store still notes the old data,
    /// [`Lifecycle::recompute_if_changed`] does that (and updates the notes); where it notes the
    /// new data already (another instance installed it first, while this one still derived with
    /// the old), it would do nothing, so those complaints are re-derived here. Complaints whose
    /// deadlines moved.
    pub async fn rederive_changed_years(
        &self,
        before: &Calendars,
    ) -> Result<usize, LifecycleError> {
        let procedures = self.procedures();
        let now = self.calendars();
        let mut moved = 0;
        for id in self.store.live_procedures().await? {
            let Some(p) = procedures.get(&id) else {
                continue;
            };
            let now_key = years_key(&now, p.region);
            let noted = self.store.meta(&years_meta(&id)).await?;
            if noted.as_deref() != Some(now_key.as_str()) {
                continue;
            }
            let changed = changed_years(&years_key(before, p.region), &now_key);
            let Some(Some(years)) = changed else {
                continue;
            };
            let references = self.live_touching(&id, p, years).await?;
            moved += self.rederive_listed(&id, &references).await?.0;
        }
        Ok(moved + self.recompute_if_changed().await?.moved)
    }

    /// The live complaints of procedure `id` whose deadlines a change to the holidays of the
    /// years `first` to `last` can move. A deadline's count can cross into the next year (or
    /// start in the one before), and its reminders run a few weeks either side: a year's
    /// margin covers them. An overdue one's next escalation is counted in working days from its
    /// due date, however long ago: when the range begins by today, every pending deadline due
    /// by its end is included too.
    async fn live_touching(
        &self,
        id: &str,
        p: &Procedure,
        (first, last): (i32, i32),
    ) -> Result<Vec<String>, LifecycleError> {
        let from = NaiveDate::from_ymd_opt(first - 1, 1, 1).unwrap_or(NaiveDate::MIN);
        let to = NaiveDate::from_ymd_opt(last + 1, 12, 31).unwrap_or(NaiveDate::MAX);
        let overdue_by = if from <= self.today(p) {
            to
        } else {
            NaiveDate::from_ymd_opt(1899, 12, 31).unwrap_or(NaiveDate::MIN)
        };
        Ok(self
            .store
            .live_references_touching(id, from, to, overdue_by)
            .await?)
    }

    /// Re-derives `references` (of procedure `id`), a thousand at a time (what each gave is
    /// held for one part, not for them all): how many moved, and how many could not be
    /// derived. One complaint the procedures in force cannot derive (a deadline it names was
    /// renamed, say) keeps what it has and is named in the log; the others go on, and the next
    /// start or reload tries again.
    async fn rederive_listed(
        &self,
        id: &str,
        references: &[String],
    ) -> Result<(usize, usize), LifecycleError> {
        let (mut moved, mut failed) = (0, 0);
        for part in references.chunks(1000) {
            for (reference, outcome) in self.rederive_many(part).await? {
                match outcome {
                    Ok(m) => moved += usize::from(m),
                    Err(e) => {
                        failed += 1;
                        tracing::error!(reference = %reference, procedure = %id, error = %e, "could not re-derive this complaint under the procedures in force; it keeps its stored deadlines");
                    }
                }
            }
        }
        Ok((moved, failed))
    }

    /// Re-derives a complaint's deadlines and notifications as of now, recording nothing new:
    /// after an escalation is sent, this plans the next one.
    pub async fn refresh(&self, reference: &str) -> Result<(), LifecycleError> {
        self.rederive(reference).await.map(|_| ())
    }

    /// One complaint re-derived in one transaction, with an audit line when deadlines moved;
    /// whether they did.
    async fn rederive(&self, reference: &str) -> Result<bool, LifecycleError> {
        let now = self.now();
        let this = self.clone();
        Ok(self
            .store
            .update(reference, now, move |row, entries, stored| {
                this.rederivation(row, entries, stored)
            })
            .await?
            .0)
    }

    /// Many complaints re-derived as [`Lifecycle::rederive`] does one, in transactions of a few
    /// hundred that write only what changed: start-up and reload over every live complaint.
    /// Each reference with whether its deadlines moved, or why it could not be re-derived.
    async fn rederive_many(
        &self,
        references: &[String],
    ) -> Result<Vec<(String, Result<bool, LifecycleError>)>, LifecycleError> {
        Ok(self
            .store
            .update_many(references, self.now(), |row, entries, stored| {
                self.rederivation(row, entries, stored)
            })
            .await?)
    }

    /// What re-deriving a stored complaint under what is in force writes: its state,
    /// deadlines and plan, and an audit line naming the deadlines that moved.
    fn rederivation(
        &self,
        row: &ComplaintRow,
        entries: &[EntryRow],
        stored: &[DeadlineRow],
    ) -> Result<(Change, bool), LifecycleError> {
        let p_in_force = self.procedure(&row.procedure)?;
        let p = p_in_force.as_ref();
        let r = replay(p, row, entries);
        let ((state, deadlines, notifications), _) = self.evaluate(p, &r, None)?;
        let m = moves(stored, &deadlines);
        let audit = if m.is_empty() {
            vec![]
        } else {
            vec![NewAudit {
                actor: "timescales".into(),
                action: "recompute".into(),
                detail: format!("procedures or holidays changed; deadlines: {m}"),
            }]
        };
        let moved = !m.is_empty();
        Ok((
            Change {
                entries: vec![],
                state,
                deadlines,
                audit,
                notifications,
            },
            moved,
        ))
    }

    /// Proposes for closure every open complaint with a window that closed before today with
    /// nobody acting, where the procedure says its closing proposes closure. Staff then confirm
    /// (close) or record what happened. Returns the references proposed.
    pub async fn propose_closures(&self) -> Result<Vec<String>, LifecycleError> {
        // A first cut by the default time zone's yesterday; each complaint is then judged on
        // its own procedure's today.
        let yesterday = self.today_default().pred_opt().unwrap_or_default();
        let mut refs: Vec<String> = self
            .store
            .pending_due_by(yesterday)
            .await?
            .into_iter()
            .filter(|r| r.kind == "window")
            .map(|r| r.reference)
            .collect();
        refs.dedup();
        let mut proposed = Vec::new();
        for reference in refs {
            let now = self.now();
            let this = self.clone();
            let done = self
                .store
                .update(&reference, now, move |row, entries, _stored| {
                    let p_in_force = this.procedure(&row.procedure)?;
                    let p = p_in_force.as_ref();
                    let today = this.today(p);
                    let r = replay(p, row, entries);
                    let plan = derive(p, &r.facts, &this.calendars(), Some(today))
                        .map_err(|e| invalid("date", e.to_string()))?;
                    let closed: Vec<&Derived> = plan
                        .deadlines
                        .iter()
                        .filter(|d| {
                            matches!(
                                d.status,
                                Some(Status::Closed {
                                    on_expiry: crate::procedure::OnExpiry::ProposeClosure,
                                    ..
                                })
                            )
                        })
                        // A window that had closed before the complaint was opened is known to
                        // whoever opened it: only one closing afterwards proposes closure.
                        .filter(|d| d.due >= row.opened_at.with_timezone(&p.time_zone).date_naive())
                        .collect();
                    if r.status != status::OPEN || closed.is_empty() {
                        // Nothing to write: roll back rather than rewrite the row.
                        return Err(LifecycleError::Unchanged);
                    }
                    let names: Vec<&str> = closed.iter().map(|d| d.id.as_str()).collect();
                    let note = format!("{} closed with no action", names.join(", "));
                    let new = vec![entry(
                        kind::PROPOSED_CLOSURE,
                        names[0],
                        today,
                        None,
                        None,
                        "timescales",
                        &note,
                    )];
                    let mut all = entries.to_vec();
                    all.extend(as_rows(&new, now));
                    let after = replay(p, row, &all);
                    let ((state, deadlines, notifications), _) = this.evaluate(p, &after, None)?;
                    let audit = vec![NewAudit {
                        actor: "timescales".into(),
                        action: "propose-closure".into(),
                        detail: note,
                    }];
                    Ok((
                        Change {
                            entries: new,
                            state,
                            deadlines,
                            audit,
                            notifications,
                        },
                        true,
                    ))
                })
                .await;
            let done = match done {
                Ok((d, _)) => d,
                Err(UpdateError::Rejected(LifecycleError::Unchanged)) => false,
                Err(e) => return Err(e.into()),
            };
            if done {
                proposed.push(reference);
            }
        }
        Ok(proposed)
    }
}

/// The stage a complaint that may still be written to is in.
fn current_stage<'p>(
    p: &'p Procedure,
    row: &ComplaintRow,
    r: &Replayed,
) -> Result<&'p crate::procedure::Stage, LifecycleError> {
    check_writable(row, r)?;
    r.stage.as_deref().and_then(|s| p.stage(s)).ok_or_else(|| {
        LifecycleError::Conflict(format!(
            "complaint '{}' has no current stage",
            row.reference
        ))
    })
}

/// An event or outcome `cmd` on a valid date, with who and a note: the entry of `kind` to
/// append, and its audit line (`action`).
fn dated(
    kind: &str,
    action: &str,
    row: &ComplaintRow,
    today: NaiveDate,
    cmd: &Record,
) -> Result<(Vec<NewEntry>, NewAudit), LifecycleError> {
    check_date("date", cmd.date, row.conference_date, today)?;
    check_recorded_by(&cmd.recorded_by)?;
    check_note(&cmd.note)?;
    Ok(recorded(
        entry(
            kind,
            &cmd.name,
            cmd.date,
            None,
            None,
            &cmd.recorded_by,
            &cmd.note,
        ),
        action,
        format!("{} on {}", cmd.name, cmd.date),
    ))
}

/// An event the procedure names, on a valid date: what to append, and the audit line. Whether
/// the complaint's stage on the event's date takes it is the stage machine's to say
/// (check_walk), the same check as the planner's.
fn event_rule(
    p: &Procedure,
    row: &ComplaintRow,
    r: &Replayed,
    today: NaiveDate,
    cmd: &Record,
) -> Result<(Vec<NewEntry>, NewAudit), LifecycleError> {
    let stage = current_stage(p, row, r)?;
    if !p.events.contains_key(&cmd.name) {
        return Err(invalid(
            "name",
            format!(
                "procedure '{}' has no event '{}': this stage records {}",
                p.id,
                cmd.name,
                ids(stage.events.iter())
            ),
        ));
    }
    dated(kind::EVENT, "event", row, today, cmd)
}

/// An outcome the current stage can end with, on a valid date: what to append, and the audit
/// line.
fn outcome_rule(
    p: &Procedure,
    row: &ComplaintRow,
    r: &Replayed,
    today: NaiveDate,
    cmd: &Record,
) -> Result<(Vec<NewEntry>, NewAudit), LifecycleError> {
    let stage = current_stage(p, row, r)?;
    if !stage.outcomes.iter().any(|o| o == &cmd.name) {
        return Err(invalid(
            "name",
            format!(
                "outcome '{}' is not one {} can end with: use one of {}",
                cmd.name,
                stage.id,
                ids(stage.outcomes.iter())
            ),
        ));
    }
    dated(kind::OUTCOME, "outcome", row, today, cmd)
}

/// Which list of an open's history an entry came from.
#[derive(Clone, Copy)]
enum Past {
    Event,
    Outcome,
}

impl Past {
    fn list(self) -> &'static str {
        match self {
            Past::Event => "events",
            Past::Outcome => "outcomes",
        }
    }

    /// A refusal of the `i`-th entry of this list, naming it: the field is its place in the
    /// request (`events[2].date`), and the message names the event and its date.
    fn names(self, i: usize, e: &Record, err: LifecycleError) -> LifecycleError {
        let (field, message) = match err {
            LifecycleError::Invalid { field, message } => {
                (format!("{}[{i}].{field}", self.list()), message)
            }
            // Nothing more can be recorded (an out-of-scope complaint is referred at once): the
            // request, not the complaint's state, is at fault.
            LifecycleError::Conflict(message) => (format!("{}[{i}]", self.list()), message),
            other => return other,
        };
        let what = match self {
            Past::Event => "event",
            Past::Outcome => "outcome",
        };
        let message = if message.contains(&format!("'{}'", e.name)) {
            message
        } else {
            format!("{what} '{}' on {}: {message}", e.name, e.date)
        };
        invalid(field, message)
    }
}

/// The history an open recorded, for its audit line: "; earlier events: a on D, b on D".
fn history_line(history: &[(Past, usize, Record)]) -> String {
    let mut out = String::new();
    for past in [Past::Event, Past::Outcome] {
        let these: Vec<String> = history
            .iter()
            .filter(|(p, _, _)| p.list() == past.list())
            .map(|(_, _, e)| format!("{} on {}", e.name, e.date))
            .collect();
        if !these.is_empty() {
            let label = match past {
                Past::Event => "earlier events",
                Past::Outcome => "outcomes",
            };
            out.push_str(&format!("; {label}: {}", these.join(", ")));
        }
    }
    out
}

/// Refuses a change that leaves an event where the stage machine does not take it, or that
/// reorders the stage transitions already made (a correction moving a stage-moving event past a
/// later one): the same stage machine as the planner's, so a command is refused exactly when
/// `timescales plan` would refuse the same events.
fn check_walk(
    before: Option<&Replayed>,
    after: &Replayed,
    rows: &[EntryRow],
) -> Result<(), LifecycleError> {
    let was_refused = |id: i64| before.is_some_and(|b| b.refused.iter().any(|(x, _)| *x == id));
    if let Some((id, refusal)) = after.refused.iter().find(|(id, _)| !was_refused(*id)) {
        let describe = |id: i64| {
            rows.iter()
                .find(|e| e.id == id)
                .map(|e| {
                    format!(
                        "{} on {}",
                        e.name,
                        after.dates.get(&id).copied().unwrap_or(e.effective_date)
                    )
                })
                .unwrap_or_default()
        };
        let is_new = before
            .is_none_or(|b| !b.dates.contains_key(id) && !b.transitions.contains(id))
            && *id
                > rows
                    .iter()
                    .map(|e| e.id)
                    .filter(|x| *x < i64::MAX / 2)
                    .max()
                    .unwrap_or(0);
        let message = if is_new {
            refusal.message.clone()
        } else {
            format!(
                "this change would leave entry {id} ({}) out of order: {}",
                describe(*id),
                refusal.message
            )
        };
        return Err(invalid(if is_new { "name" } else { "date" }, message));
    }
    if let Some(b) = before {
        let kept: Vec<i64> = after
            .transitions
            .iter()
            .copied()
            .filter(|id| b.transitions.contains(id))
            .collect();
        let was: Vec<i64> = b
            .transitions
            .iter()
            .copied()
            .filter(|id| kept.contains(id))
            .collect();
        if kept != was {
            return Err(invalid(
                "date",
                format!(
                    "this change would reorder the complaint's stage transitions (entries {} would be taken as {}): correct the later entry first, or record the events in the order they happened",
                    ids(was.iter().map(i64::to_string)),
                    ids(kept.iter().map(i64::to_string))
                ),
            ));
        }
    }
    Ok(())
}

/// What [`Lifecycle::recompute_if_changed`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rederived {
    /// Complaints re-derived (read, derived, and written where anything differed).
    pub examined: usize,
    /// Complaints whose deadlines moved (each with an audit line).
    pub moved: usize,
}

/// One division's holidays as one fingerprint a year, 1900 to 2200, comma-separated: what the
/// store notes per procedure (under [`years_meta`]), and what [`changed_years`] compares.
fn years_key(calendars: &Calendars, division: crate::calendar::Division) -> String {
    calendars
        .year_fingerprints(division)
        .iter()
        .map(|y| format!("{y:016x}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The store's note of the holidays procedure `id`'s complaints were last derived from.
fn years_meta(id: &str) -> String {
    format!("holiday-years:{id}")
}

/// The first and last years whose fingerprints differ between two lists of them (as
/// [`Calendars::year_fingerprints`] gives, comma-separated): `Some(None)` when none does,
/// `None` when the lists cannot be compared (another layout).
fn changed_years(before: &str, now: &str) -> Option<Option<(i32, i32)>> {
    let (before, now): (Vec<&str>, Vec<&str>) =
        (before.split(',').collect(), now.split(',').collect());
    if before.len() != now.len() {
        return None;
    }
    let first = chrono::Datelike::year(&crate::calendar::FIRST_DATE);
    let changed: Vec<i32> = before
        .iter()
        .zip(&now)
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, _)| first + i as i32)
        .collect();
    Some(changed.first().map(|&a| (a, *changed.last().unwrap_or(&a))))
}

/// A complaint's deadlines judged as of a day, with whether it is closed (or referred): what
/// [`Lifecycle::view`] shows.
struct Judged {
    closed: bool,
    as_of: NaiveDate,
    deadlines: Vec<Derived>,
}

/// What a log adds up to for the store: the complaint's state, its deadlines, and the
/// notifications it calls for (`None` when notifications are not configured).
type Evaluated = (
    ComplaintState,
    Vec<DeadlineRow>,
    Option<Vec<NewNotification>>,
);

/// One entry to append and its audit line, written by whoever recorded the entry.
fn recorded(e: NewEntry, action: &str, detail: String) -> (Vec<NewEntry>, NewAudit) {
    let audit = NewAudit {
        actor: e.recorded_by.clone(),
        action: action.into(),
        detail,
    };
    (vec![e], audit)
}

/// The deadlines that appeared, moved or went, as one line for the audit log.
fn moves(before: &[DeadlineRow], after: &[DeadlineRow]) -> String {
    let mut out = Vec::new();
    for a in after {
        match before.iter().find(|b| b.deadline == a.deadline) {
            None => out.push(format!("{} due {} (new)", a.deadline, a.due_date)),
            Some(b) if b.due_date != a.due_date => out.push(format!(
                "{} moved {} -> {}",
                a.deadline, b.due_date, a.due_date
            )),
            Some(b) if b.state != a.state => out.push(format!("{} {}", a.deadline, a.state)),
            _ => {}
        }
    }
    for b in before
        .iter()
        .filter(|b| !after.iter().any(|a| a.deadline == b.deadline))
    {
        out.push(format!("{} no longer applies", b.deadline));
    }
    out.join(", ")
}

/// The procedure's deadline `id`, when its discretion of `kind` covers it.
fn discretionary<'p>(
    p: &'p Procedure,
    id: &str,
    kind: DiscretionKind,
) -> Result<&'p crate::procedure::DeadlineDef, LifecycleError> {
    p.discretionary(kind, id).map_err(|why| match why {
        Refusal::NoSuchDeadline => invalid(
            "deadline",
            format!("procedure '{}' has no deadline '{id}'", p.id),
        ),
        Refusal::NotAllowed => refused(p, kind, id),
    })
}

fn refused(p: &Procedure, kind: DiscretionKind, id: &str) -> LifecycleError {
    invalid(
        "deadline",
        format!("procedure '{}' allows no {} '{id}'", p.id, kind.phrase()),
    )
}

fn check_writable(row: &ComplaintRow, r: &Replayed) -> Result<(), LifecycleError> {
    match r.status {
        status::CLOSED => Err(LifecycleError::Conflict(format!(
            "complaint '{}' is closed: reopen it first, where the procedure allows",
            row.reference
        ))),
        status::REFERRED => Err(LifecycleError::Conflict(format!(
            "complaint '{}' was referred to {}: nothing more is recorded here",
            row.reference,
            r.referred_to.as_deref().unwrap_or("another procedure")
        ))),
        _ => Ok(()),
    }
}

fn check_date(
    field: &'static str,
    date: NaiveDate,
    conference: NaiveDate,
    today: NaiveDate,
) -> Result<(), LifecycleError> {
    if date < conference {
        return Err(invalid(
            field,
            format!("date {date} is before the conference on {conference}"),
        ));
    }
    if date > today {
        return Err(invalid(
            field,
            format!("date {date} is in the future (today is {today})"),
        ));
    }
    Ok(())
}

/// A command's text fields, each named as the API names it, so that [`plain`] can refuse a
/// control character in any of them before anything is looked up or stored.
trait Texts {
    fn texts(&self) -> Vec<(Cow<'static, str>, &str)>;
}

macro_rules! texts {
    ($($ty:ty => [$($field:ident),*] $(opt [$($opt:ident),*])?;)*) => {
        $(impl Texts for $ty {
            fn texts(&self) -> Vec<(Cow<'static, str>, &str)> {
                #[allow(unused_mut)]
                let mut v: Vec<(Cow<'static, str>, &str)> =
                    vec![$((Cow::Borrowed(stringify!($field)), self.$field.as_str())),*];
                $($(if let Some(x) = &self.$opt {
                    v.push((Cow::Borrowed(stringify!($opt)), x.as_str()));
                })*)?
                v
            }
        })*
    };
}

texts!(
    Record => [name, recorded_by, note];
    Earlier => [name, note];
    Extend => [deadline, recorded_by, reason] opt [retrospective];
    Applicability => [deadline, recorded_by, reason];
    AcceptLate => [deadline, recorded_by, reason];
    Correct => [recorded_by, reason];
    Decision => [recorded_by, reason];
);

impl Texts for OpenComplaint {
    fn texts(&self) -> Vec<(Cow<'static, str>, &str)> {
        let mut v: Vec<(Cow<'static, str>, &str)> = vec![
            ("reference".into(), &self.reference),
            ("procedure".into(), &self.procedure),
            ("complainant_role".into(), &self.complainant_role),
            ("conference_type".into(), &self.conference_type),
            ("recorded_by".into(), &self.recorded_by),
            ("note".into(), &self.note),
        ];
        v.extend(self.track.as_deref().map(|t| ("track".into(), t)));
        v.extend(
            self.out_of_scope
                .as_deref()
                .map(|o| ("out_of_scope".into(), o)),
        );
        for (list, items) in [("events", &self.events), ("outcomes", &self.outcomes)] {
            for (i, e) in items.iter().enumerate() {
                v.extend(
                    e.texts()
                        .into_iter()
                        .map(|(f, x)| (format!("{list}[{i}].{f}").into(), x)),
                );
            }
        }
        v
    }
}

/// Refuses a command with a control character in any text field (the [`crate::text`] rule),
/// naming the field: identically on both stores, before either sees it.
fn plain(cmd: &impl Texts) -> Result<(), LifecycleError> {
    for (field, value) in cmd.texts() {
        if let Some(m) = crate::text::control_character(&field, value) {
            return Err(invalid(field, m));
        }
    }
    Ok(())
}

/// A reference to look up: one with a control character cannot be stored, so it is refused
/// (PostgreSQL would fail on a NUL rather than find nothing).
fn looked_up(reference: &str) -> Result<(), LifecycleError> {
    match crate::text::control_character("reference", reference) {
        Some(m) => Err(invalid("reference", m)),
        None => Ok(()),
    }
}

/// The furthest a list looks ahead (`due_within`, working days): about four years, beyond any
/// timescale of the procedures; a larger number is a mistake, refused rather than guessed at.
pub const MAX_DUE_WITHIN: u32 = 1000;

/// The longest `recorded_by` a person or a system may give.
pub const MAX_RECORDED_BY: usize = 100;

/// `recorded_by` as its author gave it: at most [`MAX_RECORDED_BY`] characters. The API then
/// adds ` (via TOKEN)` naming the token that called it; that suffix is the service's, not the
/// client's, so it is not counted (it is only as long as a token's name, which the config
/// bounds).
fn check_recorded_by(value: &str) -> Result<(), LifecycleError> {
    let own = match value.rsplit_once(" (via ") {
        Some((own, via))
            if via.ends_with(')') && via.chars().count() <= crate::config::MAX_TOKEN_NAME + 1 =>
        {
            own
        }
        _ => value,
    };
    check_text("recorded_by", own, MAX_RECORDED_BY)
}

fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), LifecycleError> {
    if let Some(m) = crate::text::control_character(field, value) {
        return Err(invalid(field, m));
    }
    if value.trim().is_empty() {
        return Err(invalid(field, format!("{field} must not be empty")));
    }
    if value.chars().count() > max {
        return Err(invalid(
            field,
            format!("{field} is longer than {max} characters"),
        ));
    }
    Ok(())
}

fn check_note(note: &str) -> Result<(), LifecycleError> {
    if let Some(m) = crate::text::control_character("note", note) {
        return Err(invalid("note", m));
    }
    if note.chars().count() > MAX_NOTE {
        return Err(invalid("note", format!("note is longer than {MAX_NOTE} characters: keep it to a line, and keep personal data out")));
    }
    Ok(())
}

fn ids<'a>(v: impl Iterator<Item = impl AsRef<str> + 'a>) -> String {
    let v: Vec<String> = v.map(|s| s.as_ref().to_string()).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

fn entry(
    kind: &str,
    name: &str,
    date: NaiveDate,
    new_date: Option<NaiveDate>,
    corrects: Option<i64>,
    by: &str,
    note: &str,
) -> NewEntry {
    NewEntry {
        kind: kind.into(),
        name: name.into(),
        effective_date: date,
        new_date,
        corrects,
        recorded_by: by.into(),
        note: note.into(),
    }
}

/// New entries as they will read once stored (ids after the existing ones are not needed: only
/// order matters to the replay, and corrections point at stored entries).
fn as_rows(entries: &[NewEntry], now: DateTime<Utc>) -> Vec<EntryRow> {
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| EntryRow {
            id: i64::MAX - entries.len() as i64 + i as i64,
            kind: e.kind.clone(),
            name: e.name.clone(),
            effective_date: e.effective_date,
            new_date: e.new_date,
            corrects: e.corrects,
            recorded_at: now,
            recorded_by: e.recorded_by.clone(),
            note: e.note.clone(),
        })
        .collect()
}

fn provisional_row(new: &NewComplaint, now: DateTime<Utc>) -> ComplaintRow {
    ComplaintRow {
        id: 0,
        reference: new.reference.clone(),
        procedure: new.procedure.clone(),
        track: new.track.clone(),
        complainant_role: new.complainant_role.clone(),
        conference_date: new.conference_date,
        conference_type: new.conference_type.clone(),
        stage: None,
        status: status::OPEN.into(),
        outcome: None,
        referred_to: None,
        opened_at: now,
        updated_at: now,
        version: 0,
    }
}
