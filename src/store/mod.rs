//! The durable complaint store: embedded SQLite by default, PostgreSQL when the database URL says
//! `postgres://`.
//!
//! sqlx's `Any` driver does not carry chrono types, and its compile-time-checked macros check
//! against one database, so each backend has its own pool, its own migrations
//! (`migrations/sqlite`, `migrations/postgres`) and its own compiled copy of the same queries
//! (`queries.rs`, included once per backend with that backend's types). The queries use `$N`
//! placeholders, which both databases accept, so the text is shared and cannot drift.
//!
//! Every write is one transaction whose first statement updates the complaint's row: in
//! PostgreSQL that takes the row lock, in SQLite the database write lock, so two writers on one
//! complaint run one after the other and each sees the other's work. The rule deciding what to
//! write runs inside that transaction, on what it has just read.
//!
//! This module stores what it is given; the rules of the domain live in [`crate::complaint`].

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// Inserting a complaint's row, its twelve columns `$1`-`$12`: the transaction's first
/// statement (`queries.rs`) and the first clause of PostgreSQL's one statement (`opening.rs`).
macro_rules! insert_complaint {
    () => {
        "INSERT INTO complaints (reference, procedure, track, complainant_role, conference_date, \
         conference_type, stage, status, outcome, referred_to, opened_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *"
    };
}

/// Binds [`insert_complaint!`]'s twelve columns to `$query`, in order.
macro_rules! bind_complaint {
    ($query:expr, $new:expr, $change:expr, $now:expr) => {
        $query
            .bind(&$new.reference)
            .bind(&$new.procedure)
            .bind(&$new.track)
            .bind(&$new.complainant_role)
            .bind($new.conference_date)
            .bind(&$new.conference_type)
            .bind(&$change.state.stage)
            .bind(&$change.state.status)
            .bind(&$change.state.outcome)
            .bind(&$change.state.referred_to)
            .bind($now)
            .bind($now)
    };
}

/// An opening's error: a taken reference is a duplicate, anything else the database's.
/// PostgreSQL names the constraint: only the reference's is a duplicate (its one statement
/// writes other tables' keys too); SQLite names none, and only its complaint insert is mapped.
fn opening_error(e: sqlx::Error, reference: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(d)
            if d.is_unique_violation()
                && d.constraint()
                    .is_none_or(|c| c == "complaints_reference_key") =>
        {
            StoreError::Duplicate(reference.to_string())
        }
        _ => StoreError::Database(e),
    }
}

pub mod backup;
mod lease;
pub mod list;
mod opening;

pub use lease::{Lease, LEADER};
pub use list::ListFilter;

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No complaint has that reference.
    #[error("no complaint has reference '{0}'")]
    NotFound(String),
    /// A complaint with that reference already exists.
    #[error("a complaint with reference '{0}' already exists")]
    Duplicate(String),
    /// The database URL is not one this program can use.
    #[error("database url: {0}")]
    Url(String),
    /// The database failed; the detail is logged, not shown to API clients.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A write refused by the rule inside its transaction, or failed by the store.
#[derive(Debug)]
pub enum UpdateError<E> {
    /// The rule refused: nothing was written.
    Rejected(E),
    /// The store failed: nothing was written.
    Store(StoreError),
}

impl<E> From<StoreError> for UpdateError<E> {
    fn from(e: StoreError) -> Self {
        UpdateError::Store(e)
    }
}

impl<E> From<sqlx::Error> for UpdateError<E> {
    fn from(e: sqlx::Error) -> Self {
        UpdateError::Store(StoreError::Database(e))
    }
}

/// A complaint's row. Read from JSON too: a list's page comes as one JSON document on SQLite.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ComplaintRow {
    #[serde(skip_serializing)]
    pub id: i64,
    pub reference: String,
    pub procedure: String,
    pub track: String,
    pub complainant_role: String,
    pub conference_date: NaiveDate,
    pub conference_type: String,
    pub stage: Option<String>,
    pub status: String,
    pub outcome: Option<String>,
    pub referred_to: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Raised by every change written: the API's `ETag`, and what its `If-Match` names.
    #[serde(skip)]
    pub version: i64,
}

/// What a complaint's row says besides its identity: written on open and on every change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintState {
    pub stage: Option<String>,
    pub status: String,
    pub outcome: Option<String>,
    pub referred_to: Option<String>,
}

/// A new complaint's identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewComplaint {
    pub reference: String,
    pub procedure: String,
    pub track: String,
    pub complainant_role: String,
    pub conference_date: NaiveDate,
    pub conference_type: String,
}

/// One entry of the append-only log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EntryRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub effective_date: NaiveDate,
    pub new_date: Option<NaiveDate>,
    pub corrects: Option<i64>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub note: String,
}

/// An entry to append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEntry {
    pub kind: String,
    pub name: String,
    pub effective_date: NaiveDate,
    pub new_date: Option<NaiveDate>,
    pub corrects: Option<i64>,
    pub recorded_by: String,
    pub note: String,
}

/// A derived deadline as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DeadlineRow {
    pub deadline: String,
    pub kind: String,
    pub stage: String,
    pub owner_role: String,
    pub from_date: NaiveDate,
    pub due_date: NaiveDate,
    pub due_at: DateTime<Utc>,
    pub met_on: Option<NaiveDate>,
    pub state: String,
}

/// One deadline as the compliance report reads it ([`hot::REPORT_DEADLINES`]).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, Deserialize)]
pub struct ReportRow {
    pub complaint_id: i64,
    pub procedure: String,
    pub status: String,
    pub outcome: Option<String>,
    pub stage: String,
    pub deadline: String,
    pub kind: String,
    pub due_date: NaiveDate,
    pub met_on: Option<NaiveDate>,
    pub state: String,
    /// An extension was recorded for it.
    pub extended: bool,
}

/// One deadline as a calendar feed reads it ([`hot::FEED_DEADLINES`]).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct FeedRow {
    pub complaint_id: i64,
    pub reference: String,
    pub procedure: String,
    pub version: i64,
    pub deadline: String,
    pub owner_role: String,
    pub due_date: NaiveDate,
    pub state: String,
}

/// One audit line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditRow {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// An audit line to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAudit {
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// Everything one write changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub entries: Vec<NewEntry>,
    pub state: ComplaintState,
    /// The complete set of derived deadlines, replacing the stored set.
    pub deadlines: Vec<DeadlineRow>,
    pub audit: Vec<NewAudit>,
    /// The complete set of notifications the complaint now calls for: planned ones not in it are
    /// cancelled, new ones planned, sent ones left alone. `None` leaves the outbox as it is.
    pub notifications: Option<Vec<NewNotification>>,
}

/// A notification to plan. Its key is (complaint, deadline, kind, occurrence, destination).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotification {
    pub deadline: String,
    pub kind: String,
    pub occurrence: String,
    pub destination: String,
    pub role: String,
    pub planned_at: DateTime<Utc>,
}

/// A notification in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub complaint_id: i64,
    pub deadline: String,
    pub kind: String,
    pub occurrence: String,
    pub destination: String,
    pub role: String,
    pub planned_at: DateTime<Utc>,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub claimed_by: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was first planned: a reminder planned after its own time is not sent.
    pub created_at: DateTime<Utc>,
}

/// A complaint with its log and deadlines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    #[serde(flatten)]
    pub complaint: ComplaintRow,
    pub entries: Vec<EntryRow>,
    pub deadlines: Vec<DeadlineRow>,
}

/// A complaint on a list's page, with its pending deadlines (its next due date and overdue
/// count), read in the same statement.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Listed {
    pub complaint: ComplaintRow,
    /// In no order.
    pub pending: Vec<DeadlineRow>,
}

/// A pending deadline with its complaint: what a due-and-overdue listing shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PendingRow {
    /// Where the row sorts in a page of them (with the due date and deadline).
    #[serde(default)]
    pub complaint_id: i64,
    pub reference: String,
    pub procedure: String,
    pub stage: Option<String>,
    pub deadline: String,
    pub kind: String,
    pub owner_role: String,
    pub due_date: NaiveDate,
}

/// The home page's counts for one procedure and owning role ([`Store::pending_counts`]).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingCount {
    pub procedure: String,
    pub owner_role: String,
    /// Pending duties past their due date.
    pub overdue: i64,
    /// Pending deadlines due from today to the end of the week.
    pub this_week: i64,
}

/// Counts for `/metrics`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// (procedure, stage, open complaints).
    pub open: Vec<(String, String, i64)>,
    /// (deadline state, count).
    pub deadlines: Vec<(String, i64)>,
    /// Pending obligations past their due date.
    pub overdue: i64,
    /// Met deadlines: (procedure, the deadline's stage, kind, `on-time` or `late`, count). Late
    /// means met after the due date, whatever the day of the week, a late acceptance or not.
    pub met: Vec<(String, String, String, String, i64)>,
    /// (notification state, destination, count).
    pub notifications: Vec<(String, String, i64)>,
}

/// The store: one pool, of whichever backend the URL names.
#[derive(Clone, Debug)]
pub enum Store {
    /// Embedded SQLite.
    Sqlite(SqlitePool),
    /// A PostgreSQL server.
    Postgres(PgPool),
}

// The only SQL that differs: what is due, as one JSON array built by the database. Decoding
// thousands of rows one by one through sqlx costs several microseconds a row; one string parsed by
// serde_json costs a fraction of that (docs/benchmarks.md).
/// The statements on the hot paths (every write, every delivery, every list), as text shared by
/// both backends' queries and by the test that checks each is answered from an index
/// (`tests/store/query_plans.rs`, with `EXPLAIN QUERY PLAN` and PostgreSQL's `EXPLAIN`).
/// Which due notifications a claim takes. Email and chat are claimed apart, each from an index
/// of its own (migration 0006), so that a backlog of one never lengthens the other's claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim<'a> {
    /// Email: one SMTP server carries every address.
    Email,
    /// Chat posts, but for these channels (`chat:NAME`), whose queues are full.
    Chat {
        /// The channels left out.
        except: &'a [String],
    },
}

pub mod hot {
    /// Re-planning one complaint: its planned notifications cancelled before the new plan.
    pub const CANCEL_PLANNED: &str =
        "UPDATE notifications SET state = 'cancelled' WHERE complaint_id = $1 AND state = 'planned'";
    /// A complaint's log, in order.
    pub const ENTRIES_OF: &str = "SELECT * FROM entries WHERE complaint_id = $1 ORDER BY id";
    /// A complaint's derived deadlines.
    pub const DEADLINES_OF: &str =
        "SELECT * FROM deadlines WHERE complaint_id = $1 ORDER BY due_date, deadline";
    /// A complaint's deadlines replaced on every write.
    pub const DELETE_DEADLINES: &str = "DELETE FROM deadlines WHERE complaint_id = $1";
    /// A complaint by its reference.
    pub const COMPLAINT_BY_REFERENCE: &str = "SELECT * FROM complaints WHERE reference = $1";
    /// The worker's next wake-up (and its poll for work another process planned): the earlier
    /// of the first email and the first chat post, each the first row of its own partial index
    /// (the statements' literal `LIKE`s are the indexes' own); NULL when nothing is planned.
    pub const NEXT_PLANNED: &str = "SELECT MIN(first.at) FROM (\
        SELECT (SELECT next_attempt_at FROM notifications WHERE state = 'planned' \
        AND destination LIKE 'email:%' ORDER BY next_attempt_at, id LIMIT 1) AS at \
        UNION ALL SELECT (SELECT next_attempt_at FROM notifications WHERE state = 'planned' \
        AND destination LIKE 'chat:%' ORDER BY next_attempt_at, id LIMIT 1)) AS first";
    /// What the worker claims for email: planned, due and not leased elsewhere, earliest
    /// first, from the email rows' own index (the literal `LIKE` is what lets both stores use
    /// that partial index).
    pub const DUE_EMAIL_TO_CLAIM: &str = "SELECT id FROM notifications WHERE state = 'planned' \
        AND destination LIKE 'email:%' AND next_attempt_at <= $1 \
        AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY next_attempt_at, id LIMIT 50";
    /// Whether a notification's key has been planned (an escalation's successor).
    pub const IS_PLANNED: &str = "SELECT id FROM notifications WHERE complaint_id = $1 \
        AND deadline = $2 AND kind = $3 AND occurrence = $4 AND state = 'planned' LIMIT 1";
    /// The same for chat posts (a claim leaves out the channels whose queues are full).
    pub const DUE_CHAT_TO_CLAIM: &str = "SELECT id FROM notifications WHERE state = 'planned' \
        AND destination LIKE 'chat:%' AND next_attempt_at <= $1 \
        AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY next_attempt_at, id LIMIT 50";
    /// A worker's leases given back (at shutdown, and after a delivery step failed): found
    /// through the email and chat indexes, which hold every planned row, rather than by a walk
    /// of every notification ever planned (the outbox keeps them all).
    pub const RELEASE_CLAIMS: &str = "UPDATE notifications SET claimed_until = NULL, \
        claimed_by = NULL, next_attempt_at = planned_at \
        WHERE claimed_by = $1 AND claimed_until IS NOT NULL AND state = 'planned' AND id IN (\
        SELECT id FROM notifications WHERE state = 'planned' AND destination LIKE 'email:%' \
        AND claimed_by = $1 UNION ALL \
        SELECT id FROM notifications WHERE state = 'planned' AND destination LIKE 'chat:%' \
        AND claimed_by = $1)";
    /// What is due soon or overdue (the digest, the lists' filters, proposing closures), a page
    /// at a time from just after the last row of the page before, in the index's order.
    pub const PENDING_DUE_PAGE: &str = "SELECT d.complaint_id, c.reference, c.procedure, \
        c.stage, d.deadline, d.kind, d.owner_role, d.due_date \
        FROM deadlines d JOIN complaints c ON c.id = d.complaint_id \
        WHERE d.state = 'pending' AND d.due_date <= $1 \
        AND (d.due_date, d.complaint_id, d.deadline) > ($2, $3, $4) \
        ORDER BY d.due_date, d.complaint_id, d.deadline LIMIT $5";
    /// The live complaints of one procedure with a deadline running through any day between
    /// two dates ($2, $3), or pending and due by $4 (an overdue one's next escalation is
    /// counted in working days from its due date): re-derivation after the holidays of a few
    /// years changed.
    pub const LIVE_REFERENCES_TOUCHING: &str = "SELECT c.reference FROM complaints c \
        WHERE c.status IN ('open', 'proposed-for-closure') AND c.procedure = $1 \
        AND EXISTS (SELECT 1 FROM deadlines d WHERE d.complaint_id = c.id \
        AND ((d.from_date <= $3 AND d.due_date >= $2) OR (d.state = 'pending' AND d.due_date <= $4))) \
        ORDER BY c.reference";
    /// The live complaints of one procedure (re-derivation after a change to it).
    pub const LIVE_REFERENCES_OF: &str = "SELECT reference FROM complaints \
        WHERE status IN ('open', 'proposed-for-closure') AND procedure = $1 ORDER BY reference";
    /// A batch re-derivation's statements, shown for one complaint: the batch puts its few
    /// hundred ids (or references) in the list.
    pub const COMPLAINTS_BY_REFERENCES: &str =
        "SELECT * FROM complaints WHERE reference IN ($1) ORDER BY id";
    /// The logs of a batch.
    pub const ENTRIES_OF_MANY: &str =
        "SELECT * FROM entries WHERE complaint_id IN ($1) ORDER BY complaint_id, id";
    /// The deadlines of a batch.
    pub const DEADLINES_OF_MANY: &str = "SELECT * FROM deadlines WHERE complaint_id IN ($1)";
    /// The planned notifications of a batch.
    pub const PLANNED_OF_MANY: &str = "SELECT complaint_id, deadline, kind, occurrence, \
        destination, role, planned_at FROM notifications WHERE complaint_id IN ($1) \
        AND state = 'planned'";
    /// The planned notifications of a batch on PostgreSQL: the ids as one array, each probed
    /// in `notifications_complaint_state`. With an `IN` list and no statistics (a database
    /// whose autovacuum has not yet run), PostgreSQL chose an index on `state` (`notifications_due`,
    /// since dropped) and walked every planned notification for each batch: 1.5 s a batch of 250 at 400,000
    /// planned, growing with the square of the caseload. A join on the array was planned the
    /// same way; a lateral subquery, kept apart by `OFFSET 0` (the planner would otherwise
    /// flatten it into that join), is run once an id with both columns of the index bound.
    pub const PLANNED_OF_MANY_ARRAY: &str = "SELECT c.id AS complaint_id, n.deadline, n.kind, \
        n.occurrence, n.destination, n.role, n.planned_at FROM unnest($1::bigint[]) AS c(id) \
        CROSS JOIN LATERAL (SELECT deadline, kind, occurrence, destination, role, planned_at \
        FROM notifications WHERE complaint_id = c.id AND state = 'planned' OFFSET 0) n";
    /// A batch's planned notifications cancelled before its new plans (PostgreSQL): found as
    /// above, then updated by their keys, each still planned (the condition on the row
    /// updated is checked again against a delivery that committed meanwhile: a row sent,
    /// failed or skipped is never cancelled, so never planned again). The condition is written
    /// so that no index on `state` can answer it (`state` is never null): otherwise, on a
    /// database without statistics, the planner drove the update from such an index.
    pub const CANCEL_PLANNED_OF_MANY_ARRAY: &str = "UPDATE notifications SET state = 'cancelled' \
        WHERE coalesce(state, '') = 'planned' AND id IN (SELECT n.id FROM unnest($1::bigint[]) AS c(id) CROSS JOIN LATERAL \
        (SELECT id FROM notifications WHERE complaint_id = c.id AND state = 'planned' OFFSET 0) n)";
    /// The same on SQLite, whose planner takes `notifications_complaint_state` for the list.
    pub const CANCEL_PLANNED_OF_MANY: &str = "UPDATE notifications SET state = 'cancelled' \
        WHERE complaint_id IN ($1) AND state = 'planned'";
    /// The hourly retention run: closed or referred complaints not yet anonymised, unchanged
    /// since an instant, oldest first, a batch at a time (the partial index of migration 0008).
    pub const RETENTION_DUE: &str = "SELECT reference FROM complaints \
        WHERE status IN ('closed', 'referred') AND anonymised_at IS NULL AND updated_at < $1 \
        ORDER BY updated_at, id LIMIT $2";
    /// The compliance report: every deadline of every complaint with a deadline due in a
    /// period (`$1` to `$2` inclusive), with its complaint's procedure, status and outcome, and
    /// whether it was extended. The period's complaints are found from `deadlines_state_due`
    /// (every state named, so each is a range of the index); their deadlines and extensions
    /// from the complaint's own.
    pub const REPORT_DEADLINES: &str = "SELECT d.complaint_id, c.procedure, c.status, c.outcome, \
        d.stage, d.deadline, d.kind, d.due_date, d.met_on, d.state, \
        EXISTS (SELECT 1 FROM entries e WHERE e.complaint_id = d.complaint_id \
        AND e.kind = 'extension' AND e.name = d.deadline) AS extended \
        FROM deadlines d JOIN complaints c ON c.id = d.complaint_id \
        WHERE d.complaint_id IN (SELECT p.complaint_id FROM deadlines p \
        WHERE p.state IN ('met', 'pending', 'not-applicable', 'unmet', 'not-needed') \
        AND p.due_date >= $1 AND p.due_date <= $2) \
        ORDER BY d.complaint_id";
    /// The calendar feeds: every deadline due on or after `$1`, with its complaint's reference,
    /// procedure and version (the events' SEQUENCE), by due date.
    pub const FEED_DEADLINES: &str = "SELECT d.complaint_id, c.reference, c.procedure, c.version, \
        d.deadline, d.owner_role, d.due_date, d.state \
        FROM deadlines d JOIN complaints c ON c.id = d.complaint_id \
        WHERE d.state IN ('met', 'pending', 'not-applicable', 'unmet', 'not-needed') \
        AND d.due_date >= $1 ORDER BY d.due_date, d.complaint_id, d.deadline";
    /// The staff home page's counts: per procedure and owning role, the pending duties due
    /// before $1 (overdue) and the pending deadlines due from $1 to $2 (this week), from the
    /// same index range as [`PENDING_DUE_PAGE`], counted by the database.
    pub const PENDING_COUNTS: &str = "SELECT c.procedure, d.owner_role, \
        SUM(CASE WHEN d.due_date < $1 AND d.kind = 'obligation' THEN 1 ELSE 0 END) AS overdue, \
        SUM(CASE WHEN d.due_date >= $1 THEN 1 ELSE 0 END) AS this_week \
        FROM deadlines d JOIN complaints c ON c.id = d.complaint_id \
        WHERE d.state = 'pending' AND d.due_date <= $2 \
        GROUP BY c.procedure, d.owner_role ORDER BY c.procedure, d.owner_role";
    /// Every hot statement, with a name for messages and a value for each placeholder (a
    /// date, an id or a text, as the statement binds it).
    pub const ALL: [(&str, &str); 22] = [
        ("cancel planned notifications", CANCEL_PLANNED),
        ("a complaint's entries", ENTRIES_OF),
        ("a complaint's deadlines", DEADLINES_OF),
        ("delete a complaint's deadlines", DELETE_DEADLINES),
        ("a complaint by reference", COMPLAINT_BY_REFERENCE),
        ("the next planned instant", NEXT_PLANNED),
        ("what email is due to claim", DUE_EMAIL_TO_CLAIM),
        ("what chat is due to claim", DUE_CHAT_TO_CLAIM),
        ("a worker's leases given back", RELEASE_CLAIMS),
        ("whether a key is planned", IS_PLANNED),
        ("pending deadlines due by a date, a page", PENDING_DUE_PAGE),
        ("live complaints of a procedure", LIVE_REFERENCES_OF),
        (
            "live complaints of a procedure with deadlines in some years",
            LIVE_REFERENCES_TOUCHING,
        ),
        ("a batch's complaints", COMPLAINTS_BY_REFERENCES),
        ("a batch's entries", ENTRIES_OF_MANY),
        ("a batch's deadlines", DEADLINES_OF_MANY),
        ("a batch's planned notifications", PLANNED_OF_MANY),
        ("a batch's plans cancelled", CANCEL_PLANNED_OF_MANY),
        ("closed complaints due for anonymising", RETENTION_DUE),
        ("the compliance report's deadlines", REPORT_DEADLINES),
        ("the calendar feeds' deadlines", FEED_DEADLINES),
        ("the home page's counts", PENDING_COUNTS),
    ];
}

/// How many complaints a batch re-derivation reads and writes in one transaction: big enough
/// that commits are a small part of the cost, small enough that a transaction holds the write
/// lock for a fraction of a second and the memory for a few hundred complaints.
const REDERIVE_CHUNK: usize = 250;

/// Which parts of a complaint a change would leave as stored: its row's state, its deadlines
/// and its planned notifications (each compared in any order).
#[derive(Clone, Copy, Debug)]
struct Same {
    state: bool,
    deadlines: bool,
    plan: bool,
    /// Whether it has planned notifications stored (a re-plan has something to cancel).
    planned_before: bool,
}

impl Same {
    fn compare(
        row: &ComplaintRow,
        stored: &[DeadlineRow],
        planned: &[NewNotification],
        change: &Change,
    ) -> Same {
        fn sorted<T: Clone>(v: &[T], key: impl Fn(&T, &T) -> std::cmp::Ordering) -> Vec<T> {
            let mut v = v.to_vec();
            v.sort_by(key);
            v
        }
        let by_deadline = |a: &DeadlineRow, b: &DeadlineRow| {
            (a.due_date, &a.deadline, &a.kind, a.from_date).cmp(&(
                b.due_date,
                &b.deadline,
                &b.kind,
                b.from_date,
            ))
        };
        let by_key = |a: &NewNotification, b: &NewNotification| {
            (&a.deadline, &a.kind, &a.occurrence, &a.destination).cmp(&(
                &b.deadline,
                &b.kind,
                &b.occurrence,
                &b.destination,
            ))
        };
        Same {
            state: change.entries.is_empty()
                && change.audit.is_empty()
                && row.stage == change.state.stage
                && row.status == change.state.status
                && row.outcome == change.state.outcome
                && row.referred_to == change.state.referred_to,
            deadlines: stored.len() == change.deadlines.len()
                && sorted(stored, by_deadline) == sorted(&change.deadlines, by_deadline),
            plan: change.notifications.as_ref().is_none_or(|n| {
                n.len() == planned.len() && sorted(n, by_key) == sorted(planned, by_key)
            }),
            planned_before: !planned.is_empty(),
        }
    }

    fn all(self) -> bool {
        self.state && self.deadlines && self.plan
    }
}

/// A batch statement on the planned notifications of many complaints, which each store words
/// its own way.
#[derive(Clone, Copy)]
enum Batch {
    Planned,
    CancelPlanned,
}

mod sqlite {
    type Db = sqlx::Sqlite;
    /// A batch's transaction takes the one write lock at once: a deferred one that read first
    /// could fail to upgrade when another connection wrote meanwhile.
    const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
    /// A batch's planned notifications, read and cancelled by an `IN` list of its ids.
    fn by_complaints<'a>(statement: super::Batch, ids: &[i64]) -> sqlx::QueryBuilder<'a, Db> {
        let template = match statement {
            super::Batch::Planned => super::hot::PLANNED_OF_MANY,
            super::Batch::CancelPlanned => super::hot::CANCEL_PLANNED_OF_MANY,
        };
        in_list(template, ids.iter().copied())
    }
    /// A batch re-derivation's page cache, then the usual one: 8 MiB while it writes the
    /// plans of thousands of complaints into indexes larger than the usual 1 MiB (a page
    /// evicted is read again from the file for the next row), given back when it ends.
    const BULK_CACHE: Option<(&str, &str)> =
        Some(("PRAGMA cache_size = -8192", "PRAGMA cache_size = -1024"));
    /// The write lock already keeps other writers out.
    const LOCK_ROWS: &str = "";
    /// The claim's closing words: plain on SQLite, whose one writer at a time keeps two
    /// workers apart.
    const CLAIM_LOCK: &str = "";
    /// Set for a list's transaction: nothing on SQLite.
    const LIST_SETTINGS: &[&str] = &[];
    /// A list's page as one JSON document (`list::Statement::as_sqlite_json`).
    const PAGE_AS_JSON: bool = true;
    /// A page of [`hot::PENDING_DUE_PAGE`] as one JSON document: one value to decode rather
    /// than a row at a time through the driver.
    const PENDING_JSON: &str = "SELECT COALESCE(json_group_array(json_object(\
        'complaint_id', p.complaint_id, 'reference', p.reference, 'procedure', p.procedure, \
        'stage', p.stage, 'deadline', p.deadline, 'kind', p.kind, 'owner_role', p.owner_role, \
        'due_date', p.due_date) ORDER BY p.due_date, p.complaint_id, p.deadline), '[]')";
    /// The report's rows as one JSON array, for the same reason as [`PENDING_JSON`]: a row at a
    /// time from SQLite's worker thread cost more than the query (a year of 50,000 complaints:
    /// 3.3 s as rows, 1.2 s as one array).
    const REPORT_JSON: Option<&str> = Some(
        "SELECT COALESCE(json_group_array(json_object(\
        'complaint_id', r.complaint_id, 'procedure', r.procedure, 'status', r.status, \
        'outcome', r.outcome, 'stage', r.stage, 'deadline', r.deadline, 'kind', r.kind, \
        'due_date', r.due_date, 'met_on', r.met_on, 'state', r.state, \
        'extended', json(CASE WHEN r.extended THEN 'true' ELSE 'false' END)) \
        ORDER BY r.complaint_id), '[]')",
    );
    /// Opens a complaint: its statements in one transaction (they cost no round trip here).
    async fn open(
        pool: &sqlx::Pool<Db>,
        new: &super::NewComplaint,
        change: &super::Change,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(super::ComplaintRow, Vec<i64>), super::StoreError> {
        let mut tx = pool.begin().await?;
        let opened = insert_in(&mut tx, new, change, now).await?;
        tx.commit().await?;
        Ok(opened)
    }
    include!("queries.rs");
}

mod postgres {
    type Db = sqlx::Postgres;
    const BEGIN_WRITE: &str = "BEGIN";
    /// A batch's planned notifications, read and cancelled by an array of its ids (see
    /// [`super::hot::PLANNED_OF_MANY_ARRAY`]).
    fn by_complaints<'a>(statement: super::Batch, ids: &[i64]) -> sqlx::QueryBuilder<'a, Db> {
        let template = match statement {
            super::Batch::Planned => super::hot::PLANNED_OF_MANY_ARRAY,
            super::Batch::CancelPlanned => super::hot::CANCEL_PLANNED_OF_MANY_ARRAY,
        };
        let (head, tail) = template.split_once("$1").unwrap_or((template, ""));
        let mut q = sqlx::QueryBuilder::new(head);
        q.push_bind(ids.to_vec()).push(tail);
        q
    }
    /// The server's own cache serves every connection.
    const BULK_CACHE: Option<(&str, &str)> = None;
    /// A batch locks the rows it re-derives (an API write to one of them waits, then sees the
    /// result), in id order.
    const LOCK_ROWS: &str = " FOR UPDATE";
    // SKIP LOCKED: two daemons on one database never claim the same notification.
    const CLAIM_LOCK: &str = " FOR UPDATE SKIP LOCKED";
    /// Walks and lookups only, no parallel workers: the plan the store chose for the page.
    const LIST_SETTINGS: &[&str] = &[super::list::POSTGRES_SETTINGS];
    /// A list's page as rows: cheaper here than building JSON.
    const PAGE_AS_JSON: bool = false;
    /// A page of [`hot::PENDING_DUE_PAGE`] as one JSON document.
    const PENDING_JSON: &str = "SELECT COALESCE(json_agg(json_build_object(\
        'complaint_id', p.complaint_id, 'reference', p.reference, 'procedure', p.procedure, \
        'stage', p.stage, 'deadline', p.deadline, 'kind', p.kind, 'owner_role', p.owner_role, \
        'due_date', p.due_date) ORDER BY p.due_date, p.complaint_id, p.deadline), '[]')::text";
    /// The report's rows as rows: PostgreSQL sends them over its socket without SQLite's
    /// hand-over between threads, and `json_agg` made its report slower (a year of 50,000
    /// complaints: 1.3 s as rows, 2.1 s as one JSON array).
    const REPORT_JSON: Option<&str> = None;
    /// Opens a complaint in one statement, one round trip (`store/opening.rs`).
    use super::opening::open;
    include!("queries.rs");
}

/// Each planned notification once by its key (complaint, deadline, kind, occurrence,
/// destination), the first kept: PostgreSQL refuses an upsert that meets the same key twice,
/// and a new complaint's insert would break the unique key.
fn once_each<'a, T>(
    rows: &'a [T],
    notice: impl Fn(&'a T) -> (i64, &'a NewNotification),
) -> Vec<&'a T> {
    let mut seen = std::collections::HashSet::new();
    rows.iter()
        .filter(|row| {
            let (id, n) = notice(row);
            seen.insert((
                id,
                n.deadline.as_str(),
                n.kind.as_str(),
                n.occurrence.as_str(),
                n.destination.as_str(),
            ))
        })
        .collect()
}

/// Writers wait here before they take a connection, a few at a time, so that a queue of writers
/// (50 API clients at once) never holds all of the pool's connections: reads, which neither
/// store makes wait for a write, then find a connection at once instead of queueing behind every
/// write. Measured with benches/writes.rs (docs/benchmarks.md): on SQLite, reads' p99 went from
/// 108 ms to under 2 ms and writes from 421 to 514 a second. SQLite takes one writer at a time:
/// two here let one prepare while the other commits, and two of its four connections stay for
/// reads. PostgreSQL's pool has 8: 6 for writers leaves 2 for reads. One gate for the process:
/// a service serves one database (tests with several only share the wait).
static SQLITE_WRITERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
/// See [`SQLITE_WRITERS`].
static POSTGRES_WRITERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(6);

/// A write: through the writers' gate.
macro_rules! dispatch {
    ($self:ident, $f:ident ( $($arg:expr),* )) => {
        match $self {
            Store::Sqlite(pool) => {
                let _writer = SQLITE_WRITERS.acquire().await;
                sqlite::$f(pool, $($arg),*).await
            }
            Store::Postgres(pool) => {
                let _writer = POSTGRES_WRITERS.acquire().await;
                postgres::$f(pool, $($arg),*).await
            }
        }
    };
}

/// A read: never waits for writers.
macro_rules! dispatch_read {
    ($self:ident, $f:ident ( $($arg:expr),* )) => {
        match $self {
            Store::Sqlite(pool) => sqlite::$f(pool, $($arg),*).await,
            Store::Postgres(pool) => postgres::$f(pool, $($arg),*).await,
        }
    };
}

/// What [`Store::inspect`] found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Inspection {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// Whether the database exists yet (a SQLite file is created at the first start).
    pub exists: bool,
    /// Schema migrations it has.
    pub migrations_applied: usize,
    /// Schema migrations this build carries: more than applied means the next start upgrades.
    pub migrations_embedded: usize,
    /// Complaints it holds.
    pub complaints: i64,
}

impl Store {
    /// Connects to `url` (`sqlite://PATH` or `postgres://...`), creating a SQLite file and its
    /// folder on first run, and runs the embedded migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Store::Postgres(pool)
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            Self::sqlite_pool(Path::new(path)).await?
        } else {
            return Err(StoreError::Url(format!(
                "'{}' is neither sqlite://PATH nor postgres://...",
                redact_url(url)
            )));
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn sqlite_pool(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Url(format!("cannot create {}: {e}", dir.display())))?;
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .map_err(|e| StoreError::Url(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // 1 MiB of page cache per connection rather than SQLite's 2 MiB default: the
            // indexes keep the working set small, and the idle daemon stays small.
            .pragma("cache_size", "-1024");
        // SQLite writes one at a time anyway (writers queue at SQLITE_WRITERS, two at most
        // here); four connections leave two for reads beside the writes.
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        Ok(Store::Sqlite(pool))
    }

    /// Looks at the store at `url` without changing anything, for `timescales doctor`: whether
    /// it exists, how many of the embedded migrations it has, and how many complaints it holds.
    ///
    /// A SQLite file is opened immutable: no journal files are created beside it, so a doctor
    /// run as root cannot leave root-owned files that the service's own user could not write.
    /// (The count then ignores writes still in the write-ahead log: it is for a report.)
    pub async fn inspect(url: &str) -> Result<Inspection, StoreError> {
        use sqlx::ConnectOptions;
        let (backend, embedded) = if url.starts_with("sqlite://") {
            (
                "sqlite",
                sqlx::migrate!("./migrations/sqlite").iter().count(),
            )
        } else {
            (
                "postgres",
                sqlx::migrate!("./migrations/postgres").iter().count(),
            )
        };
        let mut inspection = Inspection {
            backend,
            exists: false,
            migrations_applied: 0,
            migrations_embedded: embedded,
            complaints: 0,
        };
        macro_rules! look {
            ($conn:expr) => {{
                let mut conn = $conn;
                inspection.exists = true;
                let applied: Result<i64, _> =
                    sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                        .fetch_one(&mut conn)
                        .await;
                // No migrations table: an empty database the service has not started on yet.
                inspection.migrations_applied = applied.map_or(0, |n| n as usize);
                if inspection.migrations_applied > 0 {
                    inspection.complaints = sqlx::query_scalar("SELECT COUNT(*) FROM complaints")
                        .fetch_one(&mut conn)
                        .await?;
                }
            }};
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            // Not `exists()`: a folder we may not enter must not read as "no database yet".
            match Path::new(path).try_exists() {
                Ok(false) => return Ok(inspection),
                Ok(true) => {}
                Err(e) => {
                    return Err(StoreError::Url(format!(
                        "cannot look at {path}: {e} (run as root or as the service's user)"
                    )))
                }
            }
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::Url(e.to_string()))?
                .read_only(true)
                .immutable(true);
            look!(options.connect().await?);
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = sqlx::postgres::PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::Url(e.to_string()))?;
            look!(options.connect().await?);
        } else {
            return Err(StoreError::Url(format!(
                "'{}' is neither sqlite://PATH nor postgres://...",
                redact_url(url)
            )));
        }
        Ok(inspection)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
            Store::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Gives SQLite's query planner the statistics it needs, as its documentation recommends for
    /// long-lived connections: `PRAGMA optimize` with a bounded analysis, run by the service at
    /// start and from its hourly upkeep (never by a command that only reads). Cheap when nothing changed much; without any statistics the planner
    /// guesses, and once chose a full walk of planned notifications for a one-complaint update.
    /// PostgreSQL's autovacuum keeps its own statistics.
    pub async fn optimize(&self) -> Result<(), StoreError> {
        if let Store::Sqlite(pool) = self {
            // Both on one connection: analysis_limit is the connection's own setting.
            let mut conn = pool.acquire().await?;
            sqlx::query("PRAGMA analysis_limit = 1000")
                .execute(&mut *conn)
                .await?;
            sqlx::query("PRAGMA optimize = 0x10002")
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// Which backend, for messages.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Opens a complaint with its first entries, deadlines, planned notifications and audit,
    /// all or nothing (one transaction on SQLite, one statement on PostgreSQL: `opening.rs`);
    /// the complaint as written.
    pub async fn insert(
        &self,
        new: &NewComplaint,
        change: &Change,
        now: DateTime<Utc>,
    ) -> Result<Snapshot, StoreError> {
        dispatch!(self, insert(new, change, now))
    }

    /// Opens many complaints in one transaction: all or none.
    pub async fn insert_many(
        &self,
        items: &[(NewComplaint, Change)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, insert_many(items, now))
    }

    /// Changes one complaint in one transaction: locks it, reads its log and stored deadlines,
    /// asks `rule` what to write, and writes that. When `rule` refuses, nothing is written.
    /// What `rule` gave, and the complaint as written (from the transaction's own reads and
    /// writes: the caller need not read it again).
    pub async fn update<T, E>(
        &self,
        reference: &str,
        now: DateTime<Utc>,
        rule: impl FnOnce(&ComplaintRow, &[EntryRow], &[DeadlineRow]) -> Result<(Change, T), E>,
    ) -> Result<(T, Snapshot), UpdateError<E>> {
        dispatch!(self, update(reference, now, rule))
    }

    /// Re-derives each complaint of `references` with `rule`, as [`Store::update`] does one,
    /// but in transactions of a few hundred, writing only those whose state, deadlines or plan
    /// changed; a complaint `rule` refuses keeps what it has. Each reference comes back with
    /// what `rule` gave (a reference no longer stored is left out).
    pub async fn update_many<T, E>(
        &self,
        references: &[String],
        now: DateTime<Utc>,
        rule: impl FnMut(&ComplaintRow, &[EntryRow], &[DeadlineRow]) -> Result<(Change, T), E>,
    ) -> Result<Vec<(String, Result<T, E>)>, StoreError> {
        dispatch!(self, update_many(references, now, rule))
    }

    /// Replaces the free text held about the complaint `reference`, in one transaction, so that
    /// nothing personal survives while everything reports count stays (UK GDPR: retention and
    /// erasure). The reference becomes `ANON-ID`; each log entry keeps its kind, name and dates
    /// but loses who recorded it and its note; each audit line keeps its action and time but
    /// loses who and the detail; the complaint's notifications are deleted (staff addresses,
    /// delivery errors); its deadlines, stages, outcome and verdicts are untouched. One audit line
    /// says what was done, by `actor`, with `detail` (which must name no one).
    ///
    /// With `closed_before`, only a closed or referred complaint unchanged since then and not
    /// yet anonymised (retention); without, any complaint (erasure on request). The new
    /// reference, or `None` when no complaint matched.
    pub async fn anonymise(
        &self,
        reference: &str,
        closed_before: Option<DateTime<Utc>>,
        actor: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        dispatch!(
            self,
            anonymise(reference, closed_before, actor, detail, now)
        )
    }

    /// Every deadline of every complaint with a deadline due from `from` to `to` inclusive,
    /// by complaint (the compliance report's input).
    pub async fn report_rows(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ReportRow>, StoreError> {
        dispatch_read!(self, report_rows(from, to))
    }

    /// Every deadline due on or after `since`, by due date (the calendar feeds' input).
    pub async fn feed_rows(&self, since: NaiveDate) -> Result<Vec<FeedRow>, StoreError> {
        dispatch_read!(self, feed_rows(since))
    }

    /// Closed or referred complaints not yet anonymised and unchanged since `before`, the
    /// oldest first, at most `limit`.
    pub async fn retention_due(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        dispatch_read!(self, retention_due(before, limit))
    }

    /// A complaint with its log and deadlines.
    pub async fn get(&self, reference: &str) -> Result<Snapshot, StoreError> {
        dispatch_read!(self, get(reference))
    }

    /// A complaint's audit log, oldest first.
    pub async fn audit(&self, reference: &str) -> Result<Vec<AuditRow>, StoreError> {
        dispatch_read!(self, audit(reference))
    }

    /// A page of complaints matching `filter`, in reference order, with their pending
    /// deadlines: read from indexes, at a cost that grows with the page rather than the caseload
    /// (the [`list`](mod@list) module says how).
    pub async fn list(&self, filter: &ListFilter) -> Result<Vec<Listed>, StoreError> {
        dispatch_read!(self, list(filter))
    }

    /// Per procedure and owning role: the pending duties due before `today` (overdue), and the
    /// pending deadlines of either kind due from `today` to `until`; only those with either.
    pub async fn pending_counts(
        &self,
        today: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<PendingCount>, StoreError> {
        let rows: Vec<PendingCount> = dispatch_read!(self, pending_counts(today, until))?;
        Ok(rows
            .into_iter()
            .filter(|r| r.overdue > 0 || r.this_week > 0)
            .collect())
    }

    /// Every pending deadline due on or before `by`, earliest first: what is due soon and what is
    /// overdue, in one indexed range.
    pub async fn pending_due_by(&self, by: NaiveDate) -> Result<Vec<PendingRow>, StoreError> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self.pending_due_page(by, after.as_ref(), 5_000).await?;
            let more = page.len() == 5_000;
            after = page.last().cloned();
            all.extend(page);
            if !more {
                break;
            }
        }
        all.sort_by(|a, b| {
            (a.due_date, &a.reference, &a.deadline).cmp(&(b.due_date, &b.reference, &b.deadline))
        });
        Ok(all)
    }

    /// Up to `limit` pending deadlines due on or before `by`, in the order (due date,
    /// complaint, deadline), from just after `after` (the last row of the page before): the
    /// digest reads a caseload's due deadlines this way, a page in memory at a time, each page
    /// read from `deadlines_state_due` where the last one stopped.
    pub async fn pending_due_page(
        &self,
        by: NaiveDate,
        after: Option<&PendingRow>,
        limit: usize,
    ) -> Result<Vec<PendingRow>, StoreError> {
        // Before every row: no deadline is due before the calendars begin (1900).
        let start = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
        let (due, complaint, deadline) = after.map_or((start, -1, ""), |r| {
            (r.due_date, r.complaint_id, &r.deadline)
        });
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        dispatch_read!(self, pending_due_page(by, due, complaint, deadline, limit))
    }

    /// Claims up to `limit` notifications whose time has come, leasing them to `worker` until
    /// `lease_until`: no other worker takes them meanwhile; if this one dies, the lease runs out
    /// and another (or this one restarted) takes them. Notifications for the channels in
    /// `busy` (`email`, `chat:NAME`: those with every delivery slot taken) are left for later,
    /// so a slow channel's backlog is not leased while it waits.
    pub async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        worker: &str,
        limit: i64,
        claim: Claim<'_>,
    ) -> Result<Vec<NotificationRow>, StoreError> {
        dispatch!(self, claim_due(now, lease_until, worker, limit, claim))
    }

    /// Puts a planned notification off until `until`, without counting an attempt (its
    /// complaint is still changing).
    pub async fn defer(&self, id: i64, until: DateTime<Utc>) -> Result<(), StoreError> {
        dispatch!(self, defer(id, until))
    }

    /// Gives back one lease `worker` holds (a claimed notification it will not deliver now).
    pub async fn release_claim(&self, id: i64, worker: &str) -> Result<(), StoreError> {
        dispatch!(self, release_claim(id, worker))
    }

    /// Gives back every lease `worker` holds on notifications it has not finished (a shutdown
    /// that could not wait for them): the next worker takes them at once rather than when the
    /// leases run out. Returns how many.
    pub async fn release_claims(&self, worker: &str) -> Result<u64, StoreError> {
        dispatch!(self, release_claims(worker))
    }

    /// Records a delivery.
    pub async fn mark_sent(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        dispatch!(self, mark_sent(id, at))
    }

    /// Records a transient failure: tried again at `next`.
    pub async fn mark_retry(
        &self,
        id: i64,
        next: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self, mark_retry(id, next, error))
    }

    /// Records a final failure.
    pub async fn mark_failed(&self, id: i64, error: &str) -> Result<(), StoreError> {
        dispatch!(self, mark_failed(id, error))
    }

    /// Skips a planned notification that no longer applies (met meanwhile, or missed during an
    /// outage): final, unlike a cancellation by re-planning, which a later plan may revive.
    pub async fn mark_cancelled(
        &self,
        id: i64,
        planned_at: DateTime<Utc>,
        why: &str,
    ) -> Result<(), StoreError> {
        dispatch!(self, mark_cancelled(id, planned_at, why))
    }

    /// [`Store::mark_cancelled`] for many at once (the lines of one summary), in one
    /// transaction.
    pub async fn mark_cancelled_many(&self, ids: &[i64], why: &str) -> Result<(), StoreError> {
        dispatch!(self, mark_cancelled_many(ids, why))
    }

    /// Extends `worker`'s lease on one notification to `until`, if it still holds it as of
    /// `now`; whether it did (a row that waited in the worker's queue, about to start).
    pub async fn renew_claim(
        &self,
        id: i64,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, renew_claim(id, worker, now, until))
    }

    /// Extends `worker`'s leases on these notifications to `until` (rows held for a summary
    /// while more of its lines are still coming).
    pub async fn renew_claims(
        &self,
        ids: &[i64],
        worker: &str,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, renew_claims(ids, worker, until))
    }

    /// Whether a notification with this key (to any destination) is planned: whether an
    /// escalation's successor is waiting (one cancelled by a re-plan is not).
    pub async fn is_planned(
        &self,
        complaint_id: i64,
        deadline: &str,
        kind: &str,
        occurrence: &str,
    ) -> Result<bool, StoreError> {
        dispatch_read!(self, is_planned(complaint_id, deadline, kind, occurrence))
    }

    /// When the next planned notification is due, if any.
    pub async fn next_notification_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        dispatch_read!(self, next_notification_at())
    }

    /// A complaint's notifications, in planned order.
    pub async fn notifications_of(
        &self,
        reference: &str,
    ) -> Result<Vec<NotificationRow>, StoreError> {
        dispatch_read!(self, notifications_of(reference))
    }

    /// One notification by id.
    pub async fn notification(&self, id: i64) -> Result<NotificationRow, StoreError> {
        dispatch_read!(self, notification(id))
    }

    /// A complaint's row by id.
    pub async fn complaint_by_id(&self, id: i64) -> Result<ComplaintRow, StoreError> {
        dispatch_read!(self, complaint_by_id(id))
    }

    /// Counts for `/metrics`, overdue judged as of `today`.
    pub async fn counts(&self, today: NaiveDate) -> Result<Counts, StoreError> {
        dispatch_read!(self, counts(today))
    }

    /// How many complaints the store holds.
    pub async fn count(&self) -> Result<i64, StoreError> {
        dispatch_read!(self, count())
    }

    /// The references of the live complaints under one procedure.
    pub async fn live_references_of(&self, procedure: &str) -> Result<Vec<String>, StoreError> {
        dispatch_read!(self, live_references_of(procedure))
    }

    /// The references of the live complaints under one procedure with a stored deadline that
    /// runs through any day from `from` to `to`, or is pending and due by `overdue_by`: those a
    /// change to the holidays of those days can move.
    pub async fn live_references_touching(
        &self,
        procedure: &str,
        from: NaiveDate,
        to: NaiveDate,
        overdue_by: NaiveDate,
    ) -> Result<Vec<String>, StoreError> {
        dispatch_read!(
            self,
            live_references_touching(procedure, from, to, overdue_by)
        )
    }

    /// The procedures that open complaints (and those proposed for closure) follow.
    pub async fn live_procedures(&self) -> Result<Vec<String>, StoreError> {
        dispatch_read!(self, live_procedures())
    }

    /// References of complaints that are not closed or referred: those whose deadlines may move.
    pub async fn live_references(&self) -> Result<Vec<String>, StoreError> {
        dispatch_read!(self, live_references())
    }

    /// A value from the store's own facts.
    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        dispatch_read!(self, meta(key))
    }

    /// Sets a value in the store's own facts.
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        dispatch!(self, set_meta(key, value))
    }

    /// Asks SQLite to free the page cache it can (after start-up work); nothing on PostgreSQL.
    pub async fn shrink_memory(&self) {
        if let Store::Sqlite(pool) = self {
            let _ = sqlx::query("PRAGMA shrink_memory").execute(pool).await;
        }
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        match self {
            Store::Sqlite(p) => p.close().await,
            Store::Postgres(p) => p.close().await,
        }
    }
}

/// A database URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut out = match (base.find("://"), base.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &base[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &base[..s + 3], &base[at..]),
                None => base.to_string(),
            }
        }
        _ => base.to_string(),
    };
    // A password may also come as a parameter: `?password=...` or `?sslpassword=...`.
    if let Some(q) = query {
        let params: Vec<String> = q
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _))
                    if k.eq_ignore_ascii_case("password")
                        || k.eq_ignore_ascii_case("sslpassword") =>
                {
                    format!("{k}=***")
                }
                _ => p.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            super::redact_url("postgres://app:s3cret@db.example:5432/timescales"),
            "postgres://app:***@db.example:5432/timescales"
        );
        assert_eq!(
            super::redact_url("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        assert_eq!(
            super::redact_url(
                "postgres://app@db/x?sslmode=require&password=s3cret&sslpassword=k3y"
            ),
            "postgres://app@db/x?sslmode=require&password=***&sslpassword=***"
        );
    }
}
