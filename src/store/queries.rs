// The store's queries, compiled once per backend: `mod sqlite` and `mod postgres` in
// `store/mod.rs` include this file with their own `Db`. The SQL is shared text.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{Pool, QueryBuilder, Transaction};

use super::list::{self, Arg, FEW};
use super::{
    AuditRow, Change, ComplaintRow, Counts, DeadlineRow, EntryRow, ListFilter, Listed,
    FeedRow, NewComplaint, NotificationRow, PendingCount, PendingRow, ReportRow, Snapshot, StoreError, UpdateError,
};

/// A notification planned again revives its cancelled row (never one sent or failed), keeping
/// the later of its deferred and new attempt instants: nothing is ever planned twice.
macro_rules! upsert_planned {
    () => {
        " ON CONFLICT (complaint_id, deadline, kind, occurrence, destination) DO UPDATE \
     SET state = 'planned', planned_at = excluded.planned_at, \
     next_attempt_at = CASE WHEN notifications.next_attempt_at > excluded.next_attempt_at \
     THEN notifications.next_attempt_at ELSE excluded.next_attempt_at END \
     WHERE notifications.state = 'cancelled'"
    };
}

pub(super) async fn insert(
    pool: &Pool<Db>,
    new: &NewComplaint,
    change: &Change,
    now: DateTime<Utc>,
) -> Result<Snapshot, StoreError> {
    // Each store's own way: see `open` in store/mod.rs.
    let (row, ids) = open(pool, new, change, now).await?;
    Ok(written(row, Vec::new(), change.clone(), ids, now))
}

pub(super) async fn insert_many(
    pool: &Pool<Db>,
    items: &[(NewComplaint, Change)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    for (new, change) in items {
        insert_in(&mut tx, new, change, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn insert_in(
    tx: &mut Transaction<'_, Db>,
    new: &NewComplaint,
    change: &Change,
    now: DateTime<Utc>,
) -> Result<(ComplaintRow, Vec<i64>), StoreError> {
    let row: ComplaintRow = bind_complaint!(sqlx::query_as(insert_complaint!()), new, change, now)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| super::opening_error(e, &new.reference))?;
    // A new complaint: no row to update, no deadlines or plan to replace.
    let ids = write_change(tx, row.id, change, now, true).await?;
    Ok((row, ids))
}

pub(super) async fn update<T, E>(
    pool: &Pool<Db>,
    reference: &str,
    now: DateTime<Utc>,
    rule: impl FnOnce(&ComplaintRow, &[EntryRow], &[DeadlineRow]) -> Result<(Change, T), E>,
) -> Result<(T, Snapshot), UpdateError<E>> {
    let mut tx = pool.begin().await?;
    // A write first: it takes the lock before anything is read.
    let row: Option<ComplaintRow> =
        sqlx::query_as("UPDATE complaints SET version = version + 1 WHERE reference = $1 RETURNING *")
            .bind(reference)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(row) = row else {
        return Err(UpdateError::Store(StoreError::NotFound(reference.to_string())));
    };
    let entries: Vec<EntryRow> = sqlx::query_as(super::hot::ENTRIES_OF)
        .bind(row.id)
        .fetch_all(&mut *tx)
        .await?;
    let deadlines: Vec<DeadlineRow> =
        sqlx::query_as(super::hot::DEADLINES_OF)
            .bind(row.id)
            .fetch_all(&mut *tx)
            .await?;
    match rule(&row, &entries, &deadlines) {
        Err(e) => {
            tx.rollback().await?;
            Err(UpdateError::Rejected(e))
        }
        Ok((change, out)) => {
            let ids = write_change(&mut tx, row.id, &change, now, false).await?;
            tx.commit().await?;
            Ok((out, written(row, entries, change, ids, now)))
        }
    }
}

/// A complaint as a change left it, from what was read and written in its transaction
/// rather than read again: what the API answers a write with.
fn written(mut complaint: ComplaintRow, mut entries: Vec<EntryRow>, change: Change, ids: Vec<i64>, now: DateTime<Utc>) -> Snapshot {
    complaint.stage = change.state.stage;
    complaint.status = change.state.status;
    complaint.outcome = change.state.outcome;
    complaint.referred_to = change.state.referred_to;
    complaint.updated_at = now;
    entries.extend(change.entries.into_iter().zip(ids).map(|(e, id)| EntryRow {
        id,
        kind: e.kind,
        name: e.name,
        effective_date: e.effective_date,
        new_date: e.new_date,
        corrects: e.corrects,
        recorded_at: now,
        recorded_by: e.recorded_by,
        note: e.note,
    }));
    Snapshot { complaint, entries, deadlines: change.deadlines }
}

/// Re-derives many complaints, a few hundred to a transaction: each chunk's rows, logs,
/// deadlines and planned notifications read in four statements, `rule` run on each complaint,
/// and only a complaint whose state, deadlines or plan differ from what is stored written (as
/// [`update`] writes it). A restart that changes nothing costs reads and no writes; one that
/// changes everything costs one commit per chunk, not one (with its fsync) per complaint.
pub(super) async fn update_many<T, E>(
    pool: &Pool<Db>,
    references: &[String],
    now: DateTime<Utc>,
    mut rule: impl FnMut(&ComplaintRow, &[EntryRow], &[DeadlineRow]) -> Result<(Change, T), E>,
) -> Result<Vec<(String, Result<T, E>)>, StoreError> {
    // One connection for the whole run, with a larger page cache while it runs (SQLite).
    let mut conn = pool.acquire().await?;
    if let Some((bulk, _)) = BULK_CACHE {
        sqlx::query(bulk).execute(&mut *conn).await?;
    }
    let done = rederive_on(&mut conn, references, now, &mut rule).await;
    if let Some((_, usual)) = BULK_CACHE {
        // A connection left with the larger cache would keep it while idle.
        if sqlx::query(usual).execute(&mut *conn).await.is_err() {
            conn.close_on_drop();
        }
    }
    done
}

async fn rederive_on<T, E>(
    conn: &mut sqlx::pool::PoolConnection<Db>,
    references: &[String],
    now: DateTime<Utc>,
    rule: &mut impl FnMut(&ComplaintRow, &[EntryRow], &[DeadlineRow]) -> Result<(Change, T), E>,
) -> Result<Vec<(String, Result<T, E>)>, StoreError> {
    use sqlx::Connection;
    let mut out = Vec::with_capacity(references.len());
    // Where the time goes (reading, the rule, writing, committing), logged at debug level.
    let mut spent = [std::time::Duration::ZERO; 4];
    for chunk in references.chunks(super::REDERIVE_CHUNK) {
        let t = std::time::Instant::now();
        // The write lock (SQLite) or the rows' locks (PostgreSQL, in id order so that two
        // instances re-deriving at once cannot deadlock) before anything is read.
        let mut tx = (**conn).begin_with(BEGIN_WRITE).await?;
        let mut q = in_list(super::hot::COMPLAINTS_BY_REFERENCES, chunk.iter().map(String::as_str));
        q.push(LOCK_ROWS);
        let rows: Vec<ComplaintRow> = q.build_query_as().fetch_all(&mut *tx).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        if ids.is_empty() {
            // None of them stored any longer (an empty IN list is not SQL everywhere).
            tx.commit().await?;
            continue;
        }
        let mut entries = grouped(
            in_list(super::hot::ENTRIES_OF_MANY, ids.iter().copied()).build_query_as::<EntryWithId>().fetch_all(&mut *tx).await?,
            |e| (e.complaint_id, e.row),
        );
        let mut deadlines = grouped(
            in_list(super::hot::DEADLINES_OF_MANY, ids.iter().copied()).build_query_as::<DeadlineWithId>().fetch_all(&mut *tx).await?,
            |d| (d.complaint_id, d.row),
        );
        let mut planned = grouped(
            by_complaints(super::Batch::Planned, &ids).build_query_as::<PlannedWithId>().fetch_all(&mut *tx).await?,
            |n| (n.complaint_id, super::NewNotification { deadline: n.deadline, kind: n.kind, occurrence: n.occurrence, destination: n.destination, role: n.role, planned_at: n.planned_at }),
        );
        let mut changed = Vec::new();
        spent[0] += t.elapsed();
        let t = std::time::Instant::now();
        for row in rows {
            let entries = entries.remove(&row.id).unwrap_or_default();
            let stored = deadlines.remove(&row.id).unwrap_or_default();
            let plan = planned.remove(&row.id).unwrap_or_default();
            match rule(&row, &entries, &stored) {
                Err(e) => out.push((row.reference, Err(e))),
                Ok((change, t)) => {
                    let same = super::Same::compare(&row, &stored, &plan, &change);
                    if !same.all() {
                        changed.push((row.id, change, same));
                    }
                    out.push((row.reference, Ok(t)));
                }
            }
        }
        spent[1] += t.elapsed();
        let t = std::time::Instant::now();
        write_changes(&mut tx, &changed, now).await?;
        spent[2] += t.elapsed();
        let t = std::time::Instant::now();
        tx.commit().await?;
        spent[3] += t.elapsed();
    }
    let [read, rule, write, commit] = spent.map(|d| d.as_millis());
    tracing::debug!(complaints = references.len(), read, rule, write, commit, "re-derived a part (milliseconds)");
    Ok(out)
}

/// The changes of a batch, each complaint's written only where it differs from what is
/// stored, in a handful of statements for the whole batch (one statement costs tens of
/// microseconds through the driver, whatever it does).
async fn write_changes(
    tx: &mut Transaction<'_, Db>,
    changed: &[(i64, Change, super::Same)],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if changed.is_empty() {
        return Ok(());
    }
    let ids = |pick: &dyn Fn(&super::Same) -> bool| -> Vec<i64> {
        changed.iter().filter(|(_, _, s)| pick(s)).map(|(id, _, _)| *id).collect()
    };
    let mut bump: QueryBuilder<Db> = QueryBuilder::new("UPDATE complaints SET version = version + 1, updated_at = ");
    bump.push_bind(now).push(" WHERE id IN ");
    push_list(&mut bump, ids(&|_| true));
    bump.build().execute(&mut **tx).await?;
    for (id, change, same) in changed {
        if !same.state || !change.entries.is_empty() || !change.audit.is_empty() {
            // Rare in a re-derivation: one complaint at a time.
            write_row(tx, *id, change, now, false).await?;
            write_audit(tx, *id, change, now).await?;
        }
    }
    let moved = ids(&|s| !s.deadlines);
    if !moved.is_empty() {
        in_list("DELETE FROM deadlines WHERE complaint_id IN ($1)", moved).build().execute(&mut **tx).await?;
        let rows: Vec<(i64, &DeadlineRow)> = changed
            .iter()
            .filter(|(_, _, s)| !s.deadlines)
            .flat_map(|(id, c, _)| c.deadlines.iter().map(move |d| (*id, d)))
            .collect();
        insert_deadlines(tx, &rows).await?;
    }
    let replanned = ids(&|s| !s.plan);
    if !replanned.is_empty() {
        // Only those with a plan stored have anything to cancel (none, the first time).
        let cancelled = ids(&|s| !s.plan && s.planned_before);
        if !cancelled.is_empty() {
            by_complaints(super::Batch::CancelPlanned, &cancelled).build().execute(&mut **tx).await?;
        }
        let rows: Vec<(i64, &super::NewNotification)> = changed
            .iter()
            .filter(|(_, _, s)| !s.plan)
            .flat_map(|(id, c, _)| c.notifications.iter().flatten().map(move |n| (*id, n)))
            .collect();
        plan_notifications(tx, &rows, now).await?;
    }
    Ok(())
}

/// Writes deadlines, a thousand rows to a statement: one statement costs tens of microseconds
/// through the driver (a round trip on PostgreSQL), whatever it carries.
async fn insert_deadlines(tx: &mut Transaction<'_, Db>, rows: &[(i64, &DeadlineRow)]) -> Result<(), sqlx::Error> {
    for part in rows.chunks(1000) {
        let mut q: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO deadlines (complaint_id, deadline, kind, stage, owner_role, from_date, due_date, due_at, met_on, state) ",
        );
        q.push_values(part, |mut b, (id, d)| {
            b.push_bind(*id).push_bind(&d.deadline).push_bind(&d.kind).push_bind(&d.stage).push_bind(&d.owner_role)
                .push_bind(d.from_date).push_bind(d.due_date).push_bind(d.due_at).push_bind(d.met_on).push_bind(&d.state);
        });
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Plans notifications (or revives cancelled ones), a thousand rows to a statement: the
/// unique key means nothing is ever planned twice, and what was sent or failed is never
/// touched.
async fn plan_notifications(
    tx: &mut Transaction<'_, Db>,
    rows: &[(i64, &super::NewNotification)],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let rows = super::once_each(rows, |(id, n)| (*id, *n));
    for part in rows.chunks(1000) {
        let mut q: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO notifications (complaint_id, deadline, kind, occurrence, destination, role, \
             planned_at, state, attempts, next_attempt_at, created_at) ",
        );
        q.push_values(part, |mut b, (id, n)| {
            b.push_bind(*id).push_bind(&n.deadline).push_bind(&n.kind).push_bind(&n.occurrence).push_bind(&n.destination)
                .push_bind(&n.role).push_bind(n.planned_at).push_bind("planned").push_bind(0_i32).push_bind(n.planned_at).push_bind(now);
        });
        q.push(upsert_planned!());
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EntryWithId {
    complaint_id: i64,
    #[sqlx(flatten)]
    row: EntryRow,
}

#[derive(sqlx::FromRow)]
struct PlannedWithId {
    complaint_id: i64,
    deadline: String,
    kind: String,
    occurrence: String,
    destination: String,
    role: String,
    planned_at: DateTime<Utc>,
}

/// `template` (a statement with one `IN ($1)`) with its list holding every value of `values`,
/// each bound: the batch's form of a statement the query-plan test checks for one value.
fn in_list<'a, V>(template: &str, values: impl IntoIterator<Item = V>) -> QueryBuilder<'a, Db>
where
    V: 'a + sqlx::Encode<'a, Db> + sqlx::Type<Db> + Send,
{
    let (head, tail) = template.split_once("($1)").unwrap_or((template, ""));
    let mut q: QueryBuilder<Db> = QueryBuilder::new(head);
    push_list(&mut q, values);
    q.push(tail);
    q
}

/// `(v1, v2, ...)`, each value bound: a batch's list, a few hundred at most (the batch size).
fn push_list<'a, V>(q: &mut QueryBuilder<'a, Db>, values: impl IntoIterator<Item = V>)
where
    V: 'a + sqlx::Encode<'a, Db> + sqlx::Type<Db> + Send,
{
    q.push("(");
    let mut sep = q.separated(", ");
    for v in values {
        sep.push_bind(v);
    }
    q.push(")");
}

/// Rows grouped by complaint id, in the order read.
fn grouped<R, V>(rows: Vec<R>, split: impl Fn(R) -> (i64, V)) -> std::collections::HashMap<i64, Vec<V>> {
    let mut by: std::collections::HashMap<i64, Vec<V>> = std::collections::HashMap::new();
    for r in rows {
        let (id, v) = split(r);
        by.entry(id).or_default().push(v);
    }
    by
}

/// Writes one complaint's change: its new entries and state, its deadlines and plan replaced
/// (`fresh`: a complaint just inserted, with none to replace), its audit lines; the new
/// entries' ids. A few statements whatever the change's size: each costs a round trip.
async fn write_change(
    tx: &mut Transaction<'_, Db>,
    complaint_id: i64,
    change: &Change,
    now: DateTime<Utc>,
    fresh: bool,
) -> Result<Vec<i64>, sqlx::Error> {
    let ids = write_row(tx, complaint_id, change, now, fresh).await?;
    if !fresh {
        sqlx::query(super::hot::DELETE_DEADLINES)
            .bind(complaint_id)
            .execute(&mut **tx)
            .await?;
    }
    let deadlines: Vec<(i64, &DeadlineRow)> = change.deadlines.iter().map(|d| (complaint_id, d)).collect();
    insert_deadlines(tx, &deadlines).await?;
    if let Some(planned) = &change.notifications {
        // Everything still planned is cancelled, then what the complaint calls for now is
        // planned or revived.
        if !fresh {
            sqlx::query(super::hot::CANCEL_PLANNED)
                .bind(complaint_id)
                .execute(&mut **tx)
                .await?;
        }
        let rows: Vec<(i64, &super::NewNotification)> = planned.iter().map(|n| (complaint_id, n)).collect();
        plan_notifications(tx, &rows, now).await?;
    }
    write_audit(tx, complaint_id, change, now).await?;
    Ok(ids)
}

/// A change's new log entries and the complaint's row (state, time of the change); the new
/// entries' ids, in order.
async fn write_row(
    tx: &mut Transaction<'_, Db>,
    complaint_id: i64,
    change: &Change,
    now: DateTime<Utc>,
    fresh: bool,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut ids = Vec::with_capacity(change.entries.len());
    if !change.entries.is_empty() {
        let mut q: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO entries (complaint_id, kind, name, effective_date, new_date, corrects, recorded_at, recorded_by, note) ",
        );
        q.push_values(&change.entries, |mut b, e| {
            b.push_bind(complaint_id).push_bind(&e.kind).push_bind(&e.name).push_bind(e.effective_date).push_bind(e.new_date)
                .push_bind(e.corrects).push_bind(now).push_bind(&e.recorded_by).push_bind(&e.note);
        });
        q.push(" RETURNING id");
        ids = q.build_query_scalar::<i64>().fetch_all(&mut **tx).await?;
        // One statement numbers its rows in the order of its values; RETURNING may list them
        // in another.
        ids.sort_unstable();
    }
    if fresh {
        // Just inserted with this state.
        return Ok(ids);
    }
    sqlx::query(
        "UPDATE complaints SET stage = $1, status = $2, outcome = $3, referred_to = $4, updated_at = $5 \
         WHERE id = $6",
    )
    .bind(&change.state.stage)
    .bind(&change.state.status)
    .bind(&change.state.outcome)
    .bind(&change.state.referred_to)
    .bind(now)
    .bind(complaint_id)
    .execute(&mut **tx)
    .await?;
    Ok(ids)
}

/// A change's audit lines.
async fn write_audit(
    tx: &mut Transaction<'_, Db>,
    complaint_id: i64,
    change: &Change,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    for a in &change.audit {
        sqlx::query("INSERT INTO audit (complaint_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)")
            .bind(complaint_id)
            .bind(now)
            .bind(&a.actor)
            .bind(&a.action)
            .bind(&a.detail)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub(super) async fn get(pool: &Pool<Db>, reference: &str) -> Result<Snapshot, StoreError> {
    let mut conn = pool.acquire().await?;
    let complaint: ComplaintRow = sqlx::query_as(super::hot::COMPLAINT_BY_REFERENCE)
        .bind(reference)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(reference.to_string()))?;
    let entries = sqlx::query_as(super::hot::ENTRIES_OF)
        .bind(complaint.id)
        .fetch_all(&mut *conn)
        .await?;
    let deadlines = sqlx::query_as(super::hot::DEADLINES_OF)
        .bind(complaint.id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(Snapshot {
        complaint,
        entries,
        deadlines,
    })
}

pub(super) async fn audit(pool: &Pool<Db>, reference: &str) -> Result<Vec<AuditRow>, StoreError> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM complaints WHERE reference = $1")
        .bind(reference)
        .fetch_optional(pool)
        .await?;
    let id = id.ok_or_else(|| StoreError::NotFound(reference.to_string()))?;
    Ok(sqlx::query_as("SELECT at, actor, action, detail FROM audit WHERE complaint_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(pool)
        .await?)
}

/// A query with a [`list::Statement`]'s values bound, in order.
macro_rules! bound {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for arg in $args {
            q = match arg {
                Arg::Text(t) => q.bind(t.as_str()),
                Arg::Date(d) => q.bind(*d),
                Arg::Id(i) => q.bind(*i),
            };
        }
        q
    }};
}

pub(super) async fn list(pool: &Pool<Db>, f: &ListFilter) -> Result<Vec<Listed>, StoreError> {
    let mut tx = pool.begin().await?;
    for setting in LIST_SETTINGS {
        sqlx::query(setting).execute(&mut *tx).await?;
    }
    // The plan: among the few complaints holding deadlines in the date filter's range, or a
    // walk in reference order (`store::list` says why).
    let mut among = None;
    if let Some(before) = f.pending_before() {
        let count = ListFilter::count_statement(before);
        let few: i64 = bound!(sqlx::query_scalar(&count.sql), &count.args)
            .fetch_one(&mut *tx)
            .await?;
        if few < FEW {
            let candidates = ListFilter::candidates_statement(before);
            let ids: Vec<i64> = bound!(sqlx::query_scalar(&candidates.sql), &candidates.args)
                .fetch_all(&mut *tx)
                .await?;
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            among = Some(ids);
        }
    }
    let page = f.page_statement(among.as_deref());
    let listed = if PAGE_AS_JSON {
        let page = page.as_sqlite_json();
        let json: String = bound!(sqlx::query_scalar(&page.sql), &page.args)
            .fetch_one(&mut *tx)
            .await?;
        from_json(&json)?
    } else {
        let complaints: Vec<ComplaintRow> = bound!(sqlx::query_as(&page.sql), &page.args)
            .fetch_all(&mut *tx)
            .await?;
        let ids: Vec<i64> = complaints.iter().map(|c| c.id).collect();
        let at: std::collections::HashMap<i64, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut listed: Vec<Listed> = complaints
            .into_iter()
            .map(|complaint| Listed { complaint, pending: Vec::new() })
            .collect();
        if !ids.is_empty() {
            let of = list::pending_of(&ids);
            let rows: Vec<DeadlineWithId> = bound!(sqlx::query_as(&of.sql), &of.args)
                .fetch_all(&mut *tx)
                .await?;
            for r in rows {
                if let Some(&i) = at.get(&r.complaint_id) {
                    listed[i].pending.push(r.row);
                }
            }
        }
        listed
    };
    tx.commit().await?;
    Ok(listed)
}

#[derive(sqlx::FromRow)]
struct DeadlineWithId {
    complaint_id: i64,
    #[sqlx(flatten)]
    row: DeadlineRow,
}

/// Rows the database built as one JSON document.
fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
}

pub(super) async fn pending_due_page(
    pool: &Pool<Db>,
    by: NaiveDate,
    due: NaiveDate,
    complaint: i64,
    deadline: &str,
    limit: i64,
) -> Result<Vec<PendingRow>, StoreError> {
    let json: String = sqlx::query_scalar(&format!("{PENDING_JSON} FROM ({}) p", super::hot::PENDING_DUE_PAGE))
        .bind(by)
        .bind(due)
        .bind(complaint)
        .bind(deadline)
        .bind(limit)
        .fetch_one(pool)
        .await?;
    // In the database's own order (the aggregate says so): the next page starts after the last
    // row as the database compares it (PostgreSQL's text collation is not byte order).
    from_json(&json)
}

pub(super) async fn count(pool: &Pool<Db>) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM complaints").fetch_one(pool).await?)
}

pub(super) async fn live_references(pool: &Pool<Db>) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT reference FROM complaints WHERE status IN ('open', 'proposed-for-closure') ORDER BY reference",
    )
    .fetch_all(pool)
    .await?)
}

pub(super) async fn live_references_touching(pool: &Pool<Db>, procedure: &str, from: NaiveDate, to: NaiveDate, overdue_by: NaiveDate) -> Result<Vec<String>, StoreError> {
    // complaints_live_procedure walks the procedure's live complaints in order; each one's
    // deadlines are probed by its key.
    Ok(sqlx::query_scalar(super::hot::LIVE_REFERENCES_TOUCHING)
        .bind(procedure)
        .bind(from)
        .bind(to)
        .bind(overdue_by)
        .fetch_all(pool)
        .await?)
}

pub(super) async fn live_references_of(pool: &Pool<Db>, procedure: &str) -> Result<Vec<String>, StoreError> {
    // complaints_live_procedure (procedure, reference), live complaints only, answers this.
    Ok(sqlx::query_scalar(
        super::hot::LIVE_REFERENCES_OF,
    )
    .bind(procedure)
    .fetch_all(pool)
    .await?)
}

pub(super) async fn live_procedures(pool: &Pool<Db>) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT procedure FROM complaints WHERE status IN ('open', 'proposed-for-closure') ORDER BY procedure",
    )
    .fetch_all(pool)
    .await?)
}

pub(super) async fn meta(pool: &Pool<Db>, key: &str) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await?)
}

pub(super) async fn set_meta(pool: &Pool<Db>, key: &str, value: &str) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn claim_due(
    pool: &Pool<Db>,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    worker: &str,
    limit: i64,
    claim: super::Claim<'_>,
) -> Result<Vec<NotificationRow>, StoreError> {
    // A leased row is not due again until its lease ends: its next attempt moves there, so
    // later claims (and the worker's sleep) pass over what is in hand, however many rows a
    // summary holds, rather than scanning them each time.
    let mut q: QueryBuilder<Db> = QueryBuilder::new("UPDATE notifications SET claimed_until = ");
    q.push_bind(lease_until)
        .push(", next_attempt_at = ")
        .push_bind(lease_until)
        .push(", claimed_by = ")
        .push_bind(worker.to_string())
        .push(" WHERE id IN (");
    // The statement the query-plan test checks, with the lease-holder's instant bound here.
    let select = match claim {
        super::Claim::Email => super::hot::DUE_EMAIL_TO_CLAIM,
        super::Claim::Chat { .. } => super::hot::DUE_CHAT_TO_CLAIM,
    };
    let (head, tail) = select.split_once("$1").unwrap_or((select, ""));
    let (middle, tail) = tail.split_once("$1").unwrap_or((tail, ""));
    let (conditions, order) = tail.split_once(" ORDER BY").unwrap_or((tail, ""));
    q.push(head).push_bind(now).push(middle).push_bind(now).push(conditions);
    // A chat channel whose queue is full waits where it is, unleased.
    if let super::Claim::Chat { except } = claim {
        for channel in except {
            q.push(" AND destination <> ").push_bind(channel.clone());
        }
    }
    let order = order.rsplit_once(" LIMIT").map_or(order, |(o, _)| o);
    q.push(" ORDER BY")
        .push(order)
        .push(" LIMIT ")
        .push_bind(limit)
        .push(CLAIM_LOCK)
        .push(") RETURNING *");
    let mut rows: Vec<NotificationRow> = q.build_query_as().fetch_all(pool).await?;
    // In the order they fell due (their next attempt is now the lease's end).
    rows.sort_by_key(|r| (r.planned_at, r.id));
    Ok(rows)
}

pub(super) async fn defer(pool: &Pool<Db>, id: i64, until: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE notifications SET next_attempt_at = $2, claimed_until = NULL, claimed_by = NULL \
         WHERE id = $1 AND state = 'planned'",
    )
    .bind(id)
    .bind(until)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn release_claim(pool: &Pool<Db>, id: i64, worker: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE notifications SET claimed_until = NULL, claimed_by = NULL, \
         next_attempt_at = planned_at \
         WHERE id = $1 AND claimed_by = $2 AND state = 'planned'",
    )
    .bind(id)
    .bind(worker)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn release_claims(pool: &Pool<Db>, worker: &str) -> Result<u64, StoreError> {
    let done = sqlx::query(super::hot::RELEASE_CLAIMS)
    .bind(worker)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

pub(super) async fn mark_sent(pool: &Pool<Db>, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE notifications SET state = 'sent', sent_at = $2, attempts = attempts + 1, \
         claimed_until = NULL, last_error = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn mark_retry(pool: &Pool<Db>, id: i64, next: DateTime<Utc>, error: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE notifications SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, \
         claimed_until = NULL WHERE id = $1 AND state = 'planned'",
    )
    .bind(id)
    .bind(next)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn mark_failed(pool: &Pool<Db>, id: i64, error: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE notifications SET state = 'failed', attempts = attempts + 1, last_error = $2, \
         claimed_until = NULL WHERE id = $1 AND state = 'planned'",
    )
    .bind(id)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn mark_cancelled(
    pool: &Pool<Db>,
    id: i64,
    planned_at: DateTime<Utc>,
    why: &str,
) -> Result<(), StoreError> {
    // 'skipped', not 'cancelled': re-planning revives cancelled rows, never skipped ones.
    // Only a row still planned, for the instant the decision was made on: one re-planned
    // meanwhile (revived, or moved to another instant) is not lost.
    sqlx::query(
        "UPDATE notifications SET state = 'skipped', last_error = $2, claimed_until = NULL \
         WHERE id = $1 AND state = 'planned' AND planned_at = $3",
    )
        .bind(id)
        .bind(why)
        .bind(planned_at)
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn mark_cancelled_many(pool: &Pool<Db>, ids: &[i64], why: &str) -> Result<(), StoreError> {
    update_ids(pool, ids, |q| {
        q.push("UPDATE notifications SET state = 'skipped', last_error = ")
            .push_bind(why.to_string())
            .push(", claimed_until = NULL WHERE state = 'planned'");
    })
    .await
}

pub(super) async fn renew_claims(
    pool: &Pool<Db>,
    ids: &[i64],
    worker: &str,
    until: DateTime<Utc>,
) -> Result<(), StoreError> {
    update_ids(pool, ids, |q| {
        q.push("UPDATE notifications SET claimed_until = ")
            .push_bind(until)
            .push(", next_attempt_at = ")
            .push_bind(until)
            .push(" WHERE state = 'planned' AND claimed_by = ")
            .push_bind(worker.to_string());
    })
    .await
}

/// An update of many notifications by id in one transaction, a statement for each few hundred
/// (a summary of thousands of lines is a handful of writes): `head` writes the statement up to
/// its conditions, and `AND id IN (...)` follows.
async fn update_ids(
    pool: &Pool<Db>,
    ids: &[i64],
    head: impl Fn(&mut QueryBuilder<'static, Db>),
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    for part in ids.chunks(500) {
        let mut q: QueryBuilder<Db> = QueryBuilder::new("");
        head(&mut q);
        q.push(" AND id IN ");
        push_list(&mut q, part.to_vec());
        q.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn renew_claim(
    pool: &Pool<Db>,
    id: i64,
    worker: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE notifications SET claimed_until = $4, next_attempt_at = $4 \
         WHERE id = $1 AND claimed_by = $2 AND state = 'planned' AND claimed_until > $3",
    )
    .bind(id)
    .bind(worker)
    .bind(now)
    .bind(until)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn is_planned(
    pool: &Pool<Db>,
    complaint_id: i64,
    deadline: &str,
    kind: &str,
    occurrence: &str,
) -> Result<bool, StoreError> {
    Ok(sqlx::query_scalar::<_, i64>(super::hot::IS_PLANNED)
        .bind(complaint_id)
        .bind(deadline)
        .bind(kind)
        .bind(occurrence)
        .fetch_optional(pool)
        .await?
        .is_some())
}

pub(super) async fn next_notification_at(pool: &Pool<Db>) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(sqlx::query_scalar(super::hot::NEXT_PLANNED).fetch_one(pool).await?)
}

pub(super) async fn notifications_of(pool: &Pool<Db>, reference: &str) -> Result<Vec<NotificationRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT n.* FROM notifications n JOIN complaints c ON c.id = n.complaint_id \
         WHERE c.reference = $1 ORDER BY n.planned_at, n.id",
    )
    .bind(reference)
    .fetch_all(pool)
    .await?)
}

pub(super) async fn complaint_by_id(pool: &Pool<Db>, id: i64) -> Result<ComplaintRow, StoreError> {
    sqlx::query_as("SELECT * FROM complaints WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("#{id}")))
}

pub(super) async fn notification(pool: &Pool<Db>, id: i64) -> Result<NotificationRow, StoreError> {
    sqlx::query_as("SELECT * FROM notifications WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("notification #{id}")))
}

pub(super) async fn counts(pool: &Pool<Db>, today: NaiveDate) -> Result<Counts, StoreError> {
    let open = sqlx::query_as(
        "SELECT procedure, COALESCE(stage, ''), COUNT(*) FROM complaints \
         WHERE status IN ('open', 'proposed-for-closure') GROUP BY procedure, stage ORDER BY procedure, 2",
    )
    .fetch_all(pool)
    .await?;
    let deadlines = sqlx::query_as("SELECT state, COUNT(*) FROM deadlines GROUP BY state ORDER BY state")
        .fetch_all(pool)
        .await?;
    let overdue = sqlx::query_scalar(
        "SELECT COUNT(*) FROM deadlines WHERE state = 'pending' AND kind = 'obligation' AND due_date < $1",
    )
    .bind(today)
    .fetch_one(pool)
    .await?;
    // Met deadlines by procedure, stage, kind and timeliness. The rows come from the index
    // deadlines_state_due (state, due_date), `state = 'met'` its leading column, each joined to
    // its complaint by primary key: one index range and one lookup per met deadline, never a
    // scan of the pending or closed ones (EXPLAIN on 20,000 complaints: SQLite "SEARCH d USING
    // INDEX deadlines_state_due (state=?)"; PostgreSQL a bitmap scan of that index while met
    // deadlines are few, a sequential scan once they are most rows, as it should). A scrape
    // thus costs in proportion to the deadlines ever met: 96,000 of them (20,000 complaints) took
    // about 0.5 s on SQLite with the service's 1 MB page cache and 0.2 s on PostgreSQL, on a busy
    // 2-core machine. A covering index (state, complaint_id, stage, kind, met_on, due_date) cut
    // SQLite's to 0.16 s: not worth a migration until an installation holds tens of thousands
    // of complaints. Dates compare as dates on PostgreSQL and as ISO text on SQLite, which
    // orders the same.
    let met = sqlx::query_as(
        "SELECT c.procedure, d.stage, d.kind, \
         CASE WHEN d.met_on > d.due_date THEN 'late' ELSE 'on-time' END, COUNT(*) \
         FROM deadlines d JOIN complaints c ON c.id = d.complaint_id WHERE d.state = 'met' \
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
    )
    .fetch_all(pool)
    .await?;
    let notifications = sqlx::query_as(
        "SELECT state, destination, COUNT(*) FROM notifications GROUP BY state, destination ORDER BY state, destination",
    )
    .fetch_all(pool)
    .await?;
    Ok(Counts { open, deadlines, overdue, met, notifications })
}

/// Replaces the free text of the complaint `reference` in one transaction (see
/// [`super::Store::anonymise`]); `closed_before` limits it to a closed or referred complaint
/// unchanged since then (retention). The complaint's new reference, or `None` when no
/// complaint matched.
pub(super) async fn anonymise(
    pool: &Pool<Db>,
    reference: &str,
    closed_before: Option<DateTime<Utc>>,
    actor: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let mut tx = pool.begin().await?;
    let condition = match closed_before {
        Some(_) => " AND status IN ('closed', 'referred') AND anonymised_at IS NULL AND updated_at < $3",
        None => "",
    };
    let sql = format!(
        "UPDATE complaints SET version = version + 1, reference = 'ANON-' || id, \
         anonymised_at = $2, updated_at = $2 WHERE reference = $1{condition} RETURNING id, reference"
    );
    let mut q = sqlx::query_as::<_, (i64, String)>(&sql).bind(reference).bind(now);
    if let Some(before) = closed_before {
        q = q.bind(before);
    }
    let Some((id, anonymous)) = q.fetch_optional(&mut *tx).await? else {
        tx.rollback().await?;
        return Ok(None);
    };
    // The log keeps what happened and when (kinds, names, dates: what reports count); who
    // recorded it and the notes go.
    sqlx::query("UPDATE entries SET recorded_by = 'anonymised', note = '' WHERE complaint_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    // The audit keeps each action and when; who and the detail (reasons, references) go.
    sqlx::query("UPDATE audit SET actor = 'anonymised', detail = '' WHERE complaint_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    // The outbox held staff addresses and delivery errors; nothing more is sent about it.
    sqlx::query("DELETE FROM notifications WHERE complaint_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO audit (complaint_id, at, actor, action, detail) VALUES ($1, $2, $3, 'anonymised', $4)")
        .bind(id)
        .bind(now)
        .bind(actor)
        .bind(detail)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(anonymous))
}

/// Closed or referred complaints, not yet anonymised, unchanged since `before`: the oldest
/// `limit` of them.
pub(super) async fn retention_due(
    pool: &Pool<Db>,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(super::hot::RETENTION_DUE)
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

pub(super) async fn report_rows(
    pool: &Pool<Db>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ReportRow>, StoreError> {
    let Some(wrap) = REPORT_JSON else {
        return Ok(sqlx::query_as(super::hot::REPORT_DEADLINES)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?);
    };
    let sql = format!("{wrap} FROM ({}) r", super::hot::REPORT_DEADLINES);
    let json: String = sqlx::query_scalar(&sql)
        .bind(from)
        .bind(to)
        .fetch_one(pool)
        .await?;
    from_json(&json)
}

pub(super) async fn pending_counts(
    pool: &Pool<Db>,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<PendingCount>, StoreError> {
    Ok(sqlx::query_as(super::hot::PENDING_COUNTS)
        .bind(today)
        .bind(until)
        .fetch_all(pool)
        .await?)
}

pub(super) async fn feed_rows(pool: &Pool<Db>, since: NaiveDate) -> Result<Vec<FeedRow>, StoreError> {
    Ok(sqlx::query_as(super::hot::FEED_DEADLINES)
        .bind(since)
        .fetch_all(pool)
        .await?)
}
