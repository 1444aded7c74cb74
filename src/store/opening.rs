//! Opening a complaint on PostgreSQL in one statement.
//!
//! A new complaint writes five tables: its row, its first log entries, its deadlines, its
//! planned notifications and its audit line. Written as five statements inside `BEGIN` and
//! `COMMIT` that is seven round trips, and on a busy server each costs CPU on both sides
//! whatever it carries (docs/benchmarks.md, "where a write's cost goes"). Here the four child
//! inserts are data-modifying `WITH` clauses reading the complaint's new id from the first, each
//! table's rows passed as one array a column (`unnest`), so the statement's text never changes
//! (one prepared statement, whatever the number of rows) and the whole write is one round trip,
//! committed on its own: all of it or none of it, as the transaction was.
//!
//! SQLite keeps the statements of `queries.rs`: its statements cost no round trip, and it has
//! neither arrays to bind nor data-modifying `WITH` clauses.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use super::{Change, ComplaintRow, NewComplaint, StoreError};

/// The statement. Parameters: the complaint's twelve columns ($1-$12, `opened_at` doubling as
/// every row's time), then each child table's columns as arrays. Entry ids come back in the
/// order the entries were given: identity values are drawn as the ordered rows are inserted.
const OPEN: &str = concat!(
    "WITH c AS (",
    insert_complaint!(),
    "), \
 e AS (\
    INSERT INTO entries (complaint_id, kind, name, effective_date, new_date, corrects, recorded_at, recorded_by, note) \
    SELECT c.id, u.kind, u.name, u.effective_date, u.new_date, u.corrects, c.opened_at, u.recorded_by, u.note \
    FROM c, unnest($13::text[], $14::text[], $15::date[], $16::date[], $17::int8[], $18::text[], $19::text[]) \
    WITH ORDINALITY AS u(kind, name, effective_date, new_date, corrects, recorded_by, note, n) \
    ORDER BY u.n RETURNING id), \
 d AS (\
    INSERT INTO deadlines (complaint_id, deadline, kind, stage, owner_role, from_date, due_date, due_at, met_on, state) \
    SELECT c.id, u.* FROM c, unnest($20::text[], $21::text[], $22::text[], $23::text[], $24::date[], \
    $25::date[], $26::timestamptz[], $27::date[], $28::text[]) AS u), \
 n AS (\
    INSERT INTO notifications (complaint_id, deadline, kind, occurrence, destination, role, \
    planned_at, state, attempts, next_attempt_at, created_at) \
    SELECT c.id, u.deadline, u.kind, u.occurrence, u.destination, u.role, u.planned_at, 'planned', 0, \
    u.planned_at, c.opened_at \
    FROM c, unnest($29::text[], $30::text[], $31::text[], $32::text[], $33::text[], $34::timestamptz[]) \
    AS u(deadline, kind, occurrence, destination, role, planned_at)), \
 a AS (\
    INSERT INTO audit (complaint_id, at, actor, action, detail) \
    SELECT c.id, c.opened_at, u.* FROM c, unnest($35::text[], $36::text[], $37::text[]) AS u) \
 SELECT c.*, ARRAY(SELECT id FROM e ORDER BY id) AS entry_ids FROM c"
);

#[derive(sqlx::FromRow)]
struct Opened {
    #[sqlx(flatten)]
    row: ComplaintRow,
    entry_ids: Vec<i64>,
}

/// One column of `items` as an array to bind.
fn column<'a, T, V>(items: &'a [T], pick: impl Fn(&'a T) -> V) -> Vec<V> {
    items.iter().map(pick).collect()
}

/// Opens `new` with `change` in one statement: the complaint as written and its new entries'
/// ids, in the order of `change.entries`.
pub(super) async fn open(
    pool: &PgPool,
    new: &NewComplaint,
    change: &Change,
    now: DateTime<Utc>,
) -> Result<(ComplaintRow, Vec<i64>), StoreError> {
    let entries = &change.entries;
    let deadlines = &change.deadlines;
    let planned = super::once_each(change.notifications.as_deref().unwrap_or_default(), |n| {
        (0, n)
    });
    let audit = &change.audit;
    let opened: Opened = bind_complaint!(sqlx::query_as(OPEN), new, change, now)
        .bind(column(entries, |e| e.kind.as_str()))
        .bind(column(entries, |e| e.name.as_str()))
        .bind(column(entries, |e| e.effective_date))
        .bind(column(entries, |e| e.new_date))
        .bind(column(entries, |e| e.corrects))
        .bind(column(entries, |e| e.recorded_by.as_str()))
        .bind(column(entries, |e| e.note.as_str()))
        .bind(column(deadlines, |d| d.deadline.as_str()))
        .bind(column(deadlines, |d| d.kind.as_str()))
        .bind(column(deadlines, |d| d.stage.as_str()))
        .bind(column(deadlines, |d| d.owner_role.as_str()))
        .bind(column(deadlines, |d| d.from_date))
        .bind(column(deadlines, |d| d.due_date))
        .bind(column(deadlines, |d| d.due_at))
        .bind(column::<_, Option<NaiveDate>>(deadlines, |d| d.met_on))
        .bind(column(deadlines, |d| d.state.as_str()))
        .bind(column(&planned, |n| n.deadline.as_str()))
        .bind(column(&planned, |n| n.kind.as_str()))
        .bind(column(&planned, |n| n.occurrence.as_str()))
        .bind(column(&planned, |n| n.destination.as_str()))
        .bind(column(&planned, |n| n.role.as_str()))
        .bind(column(&planned, |n| n.planned_at))
        .bind(column(audit, |a| a.actor.as_str()))
        .bind(column(audit, |a| a.action.as_str()))
        .bind(column(audit, |a| a.detail.as_str()))
        .fetch_one(pool)
        .await
        .map_err(|e| super::opening_error(e, &new.reference))?;
    Ok((opened.row, opened.entry_ids))
}
