//! Every statement on a hot path is answered from an index, on both backends: a full scan of
//! `notifications`, `deadlines`, `entries` or `complaints` fails the test. The statements are the
//! store's own text (`timescales::store::hot`), checked on a store with a few complaints and no
//! statistics gathered (SQLite without `ANALYZE` chose a full walk of the planned notifications
//! once, and start-up grew with the square of the open complaints), and on PostgreSQL with
//! sequential scans switched off, so a plan that still scans has no index to use.

use chrono::{NaiveDate, TimeZone, Utc};
use timescales::store::{hot, list, ListFilter, Store};

use crate::backends::on_both;

/// The tables whose full scan grows with the caseload, with the alias the store's statements
/// give each (SQLite's plan names a table by its alias).
const TABLES: [(&str, &str); 4] = [
    ("notifications", "n"),
    ("deadlines", "d"),
    ("entries", "e"),
    ("complaints", "c"),
];

/// The plan's lines for `sql`, its placeholder bound to a value of the type it compares with.
async fn plan(store: &Store, sql: &str) -> Vec<String> {
    if sql == hot::IS_PLANNED {
        // A complaint's id and a notification's key.
        let key = ["acknowledge", "escalation", "2027-01-04#2"].map(|t| Arg::Text(t.into()));
        let args: Vec<Arg> = std::iter::once(Arg::Id(1)).chain(key).collect();
        return plan_bound(store, sql, &args, None).await;
    }
    if sql == hot::PENDING_DUE_PAGE {
        // Due by Tuesday 12 January 2027, from the start, a page of 2,000.
        let args = [
            Arg::Date(NaiveDate::from_ymd_opt(2027, 1, 12).unwrap()),
            Arg::Date(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()),
            Arg::Id(-1),
            Arg::Text(String::new()),
            Arg::Id(2000),
        ];
        return plan_bound(store, sql, &args, None).await;
    }
    if sql == hot::PENDING_COUNTS {
        // Overdue before Tuesday 5 January 2027, and what is due to Sunday 10 January.
        let args = [
            Arg::Date(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap()),
            Arg::Date(NaiveDate::from_ymd_opt(2027, 1, 10).unwrap()),
        ];
        return plan_bound(store, sql, &args, None).await;
    }
    if sql == hot::FEED_DEADLINES {
        let args = [Arg::Date(NaiveDate::from_ymd_opt(2026, 11, 6).unwrap())];
        return plan_bound(store, sql, &args, None).await;
    }
    if sql == hot::REPORT_DEADLINES {
        // The year to 31 March 2027.
        let args = [
            Arg::Date(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()),
            Arg::Date(NaiveDate::from_ymd_opt(2027, 3, 31).unwrap()),
        ];
        return plan_bound(store, sql, &args, None).await;
    }
    if sql == hot::RETENTION_DUE {
        // Closed before Tuesday 5 January 2027, a batch of 200.
        let args = [
            Arg::Instant(Utc.with_ymd_and_hms(2027, 1, 5, 10, 0, 0).unwrap()),
            Arg::Id(200),
        ];
        return plan_bound(store, sql, &args, None).await;
    }
    if sql == hot::LIVE_REFERENCES_TOUCHING {
        let args = [
            Arg::Text("durham".into()),
            Arg::Date(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
            Arg::Date(NaiveDate::from_ymd_opt(2028, 12, 31).unwrap()),
            Arg::Date(NaiveDate::from_ymd_opt(2028, 12, 31).unwrap()),
        ];
        return plan_bound(store, sql, &args, None).await;
    }
    let arg = if !sql.contains("$1") {
        None
    } else if sql.contains("complaint_id = $1") || sql.contains("complaint_id IN ($1)") {
        Some(Arg::Id(1))
    } else if sql.contains("reference = $1") || sql.contains("reference IN ($1)") {
        Some(Arg::Text("CP-1".into()))
    } else if sql.contains("procedure = $1") {
        Some(Arg::Text("durham".into()))
    } else if sql.contains("claimed_by = $1") {
        Some(Arg::Text("worker-1".into()))
    } else if sql.contains("due_date <= $1") {
        Some(Arg::Date(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap()))
    } else {
        Some(Arg::Instant(
            Utc.with_ymd_and_hms(2027, 1, 5, 10, 0, 0).unwrap(),
        ))
    };
    let args = arg.map(|a| vec![a]).unwrap_or_default();
    plan_bound(store, sql, &args, None).await
}

/// A value for a placeholder: the store's own, and the instants the outbox compares.
enum Arg {
    Id(i64),
    Text(String),
    Date(NaiveDate),
    Instant(chrono::DateTime<Utc>),
}

impl From<&list::Arg> for Arg {
    fn from(a: &list::Arg) -> Self {
        match a {
            list::Arg::Id(i) => Arg::Id(*i),
            list::Arg::Text(t) => Arg::Text(t.clone()),
            list::Arg::Date(d) => Arg::Date(*d),
        }
    }
}

/// The plan's lines for a list's statement, with the values it binds, under the settings of a
/// list's transaction.
async fn plan_of(store: &Store, s: &list::Statement) -> Vec<String> {
    let args: Vec<Arg> = s.args.iter().map(Arg::from).collect();
    plan_bound(store, &s.sql, &args, Some(list::POSTGRES_SETTINGS)).await
}

/// The plan's lines for `sql` with `args` bound in order, on PostgreSQL in a transaction that
/// first runs `settings`.
async fn plan_bound(store: &Store, sql: &str, args: &[Arg], settings: Option<&str>) -> Vec<String> {
    macro_rules! bound {
        ($q:expr) => {{
            let mut q = $q;
            for a in args {
                q = match a {
                    Arg::Id(i) => q.bind(*i),
                    Arg::Text(t) => q.bind(t.as_str()),
                    Arg::Date(d) => q.bind(*d),
                    Arg::Instant(t) => q.bind(*t),
                };
            }
            q
        }};
    }
    match store {
        Store::Sqlite(pool) => {
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let q = bound!(sqlx::query_as::<_, (i64, i64, i64, String)>(&explain));
            q.fetch_all(pool)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.3)
                .collect()
        }
        Store::Postgres(pool) => {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut *tx)
                .await
                .unwrap();
            if let Some(settings) = settings {
                sqlx::query(settings).execute(&mut *tx).await.unwrap();
            }
            let explain = format!("EXPLAIN {sql}");
            let q = bound!(sqlx::query_scalar::<_, String>(&explain));
            let lines = q.fetch_all(&mut *tx).await.unwrap();
            tx.rollback().await.unwrap();
            lines
        }
    }
}

/// Whether a plan line is a full scan of one of [`TABLES`].
fn full_scan(line: &str) -> Option<&'static str> {
    let line = line.trim();
    TABLES
        .into_iter()
        .find(|(t, alias)| {
            // SQLite: "SCAN notifications", or "SCAN n" by its alias (an index scan says
            // "USING ... INDEX").
            let sqlite = [t, alias].into_iter().any(|name| {
                line == format!("SCAN {name}")
                    || (line.starts_with(&format!("SCAN {name} ")) && !line.contains("INDEX"))
            });
            // PostgreSQL: "Seq Scan on notifications".
            let postgres = line.contains(&format!("Seq Scan on {t}"));
            sqlite || postgres
        })
        .map(|(t, _)| t)
}

/// Fails on a full scan in `lines`, the plan of `name`.
fn assert_indexed(store: &Store, name: &str, lines: &[String]) {
    assert!(!lines.is_empty(), "{name}: no plan");
    for line in lines {
        assert!(
            full_scan(line).is_none(),
            "{name} ({}): a full scan: {line}\n{}",
            store.backend(),
            lines.join("\n")
        );
    }
}

/// Three Durham complaints with their concerns received: deadlines, entries and (where `l`
/// plans them) notifications.
async fn three_complaints(l: &timescales::lifecycle::Lifecycle) {
    for r in ["CP-1", "CP-2", "CP-3"] {
        l.open(crate::fixtures::open(r, "durham", "2026-12-11"))
            .await
            .unwrap();
        l.record_event(r, crate::fixtures::rec("concerns-received", "2026-12-23"))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn every_hot_statement_is_answered_from_an_index() {
    on_both("query plans", |store| async move {
        // A few complaints, with deadlines, entries and planned notifications.
        let (l, _) = crate::helpers::service(&store, "2027-01-05");
        l.set_addressing(crate::helpers::chairs_by_email());
        three_complaints(&l).await;
        for (name, sql) in hot::ALL {
            assert_indexed(&store, name, &plan(&store, sql).await);
        }
        // The check sees a full scan where there is one.
        let unindexed = plan(
            &store,
            "SELECT id FROM notifications WHERE last_error IS NULL",
        )
        .await;
        assert!(
            unindexed
                .iter()
                .any(|l| full_scan(l) == Some("notifications")),
            "{}: {unindexed:?}",
            store.backend()
        );
        // Email and chat are each claimed from an index of their own, in the claim's order:
        // neither walks the other's backlog, and neither sorts the due rows.
        for (sql, index) in [
            (hot::DUE_EMAIL_TO_CLAIM, "notifications_due_email"),
            (hot::DUE_CHAT_TO_CLAIM, "notifications_due_chat"),
        ] {
            let claim = plan(&store, sql).await.join("\n");
            assert!(claim.contains(index), "{}: {claim}", store.backend());
            assert!(
                !claim.contains("TEMP B-TREE") && !claim.contains("Sort"),
                "{}: {claim}",
                store.backend()
            );
        }
        // The worker's wake-up reads the first row of each channel's index, and there is no
        // index of every notification by time to keep up on each write (migration 0009).
        let wake = plan(&store, hot::NEXT_PLANNED).await.join("\n");
        for index in ["notifications_due_email", "notifications_due_chat"] {
            assert!(wake.contains(index), "{}: {wake}", store.backend());
        }
        assert!(!wake.contains("TEMP B-TREE") && !wake.contains("Sort"), "{}: {wake}", store.backend());
        let indexes: Vec<String> = match &store {
            Store::Sqlite(pool) => sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'notifications' ORDER BY name").fetch_all(pool).await.unwrap(),
            Store::Postgres(pool) => sqlx::query_scalar("SELECT indexname::text FROM pg_indexes WHERE tablename = 'notifications' ORDER BY indexname").fetch_all(pool).await.unwrap(),
        };
        assert!(!indexes.iter().any(|i| i == "notifications_due"), "{}: {indexes:?}", store.backend());
        // The digest's pages are read in the index's order, each from where the last stopped:
        // nothing is sorted.
        let page = plan(&store, hot::PENDING_DUE_PAGE).await.join("\n");
        assert!(
            page.contains("deadlines_state_due"),
            "{}: {page}",
            store.backend()
        );
        assert!(
            !page.contains("TEMP B-TREE") && !page.contains("Sort"),
            "{}: {page}",
            store.backend()
        );
        // PostgreSQL reads and cancels a batch's plans through an array of ids, each probed in
        // the index by complaint: never a walk of every planned notification.
        if matches!(store, Store::Postgres(_)) {
            for sql in [
                hot::PLANNED_OF_MANY_ARRAY,
                hot::CANCEL_PLANNED_OF_MANY_ARRAY,
            ] {
                let sql = sql.replace("$1::bigint[]", "ARRAY[1, 2, 3]::bigint[]");
                let lines = plan(&store, &sql).await;
                assert_indexed(&store, &sql, &lines);
                let text = lines.join("\n");
                assert!(text.contains("notifications_complaint_state"), "{text}");
                assert!(!text.contains("notifications_due"), "{text}");
            }
        }
        // The statement behind the quadratic start-up uses the index made for it.
        let cancel = plan(&store, hot::CANCEL_PLANNED).await.join("\n");
        assert!(
            cancel.contains("notifications_complaint_state"),
            "{}: {cancel}",
            store.backend()
        );
    })
    .await;
}

#[tokio::test]
async fn every_list_page_is_read_from_indexes() {
    on_both("list query plans", |store| async move {
        let (l, _) = crate::helpers::service(&store, "2027-01-05");
        three_complaints(&l).await;
        let today = NaiveDate::from_ymd_opt(2027, 1, 5).unwrap();
        let due_by = NaiveDate::from_ymd_opt(2027, 1, 12).unwrap();
        let page = |f: ListFilter| ListFilter { limit: 101, ..f };
        let live = || ListFilter {
            open_only: true,
            ..Default::default()
        };
        let after = || Some("CP-1".to_string());
        let filters = [
            ("the live complaints", page(live())),
            (
                "the live complaints after a cursor",
                page(ListFilter {
                    after: after(),
                    ..live()
                }),
            ),
            (
                "every complaint after a cursor",
                page(ListFilter {
                    after: after(),
                    ..Default::default()
                }),
            ),
            (
                "due within N working days",
                page(ListFilter {
                    due_by: Some(due_by),
                    after: after(),
                    ..live()
                }),
            ),
            (
                "overdue",
                page(ListFilter {
                    overdue_before: Some(today),
                    after: after(),
                    ..live()
                }),
            ),
            (
                "overdue, closed ones too",
                page(ListFilter {
                    overdue_before: Some(today),
                    after: after(),
                    ..Default::default()
                }),
            ),
            (
                "one procedure's, due",
                page(ListFilter {
                    procedure: Some("durham".into()),
                    due_by: Some(due_by),
                    after: after(),
                    ..live()
                }),
            ),
            (
                "a stage's, owned by a role",
                page(ListFilter {
                    stage: Some("stage-1".into()),
                    owner_role: Some("chair".into()),
                    after: after(),
                    ..live()
                }),
            ),
            (
                "every filter",
                page(ListFilter {
                    overdue_before: Some(today),
                    due_by: Some(due_by),
                    procedure: Some("durham".into()),
                    stage: Some("stage-1".into()),
                    owner_role: Some("chair".into()),
                    after: after(),
                    ..live()
                }),
            ),
        ];
        // The page as each backend reads it: one JSON document on SQLite, rows and their
        // pending deadlines on PostgreSQL.
        let as_run = |s: list::Statement| match store {
            Store::Sqlite(_) => s.as_sqlite_json(),
            Store::Postgres(_) => s,
        };
        for (name, f) in &filters {
            let walk = plan_of(&store, &as_run(f.page_statement(None))).await;
            assert_indexed(&store, &format!("{name}, walked"), &walk);
            let among = plan_of(&store, &as_run(f.page_statement(Some(&[1, 2, 3])))).await;
            assert_indexed(&store, &format!("{name}, among a few"), &among);
            if let Store::Sqlite(_) = store {
                // Walked in reference order to the end of the page, never gathered and sorted
                // (the page alone is, into its JSON array); each deadline filter a probe of the
                // complaint's own deadlines.
                let walk = walk.join("\n");
                assert!(!walk.contains("TEMP B-TREE FOR ORDER BY"), "{name}: {walk}");
                if f.open_only && f.procedure.is_none() {
                    assert!(walk.contains("complaints_live_reference"), "{name}: {walk}");
                }
                if f.pending_before().is_some() || f.owner_role.is_some() {
                    assert!(
                        walk.contains("deadlines_complaint_state_due"),
                        "{name}: {walk}"
                    );
                }
                // Among a few: each fetched by its id, and only those sorted.
                let among = among.join("\n");
                assert!(
                    among.contains("SEARCH c USING INTEGER PRIMARY KEY (rowid=?)"),
                    "{name}: {among}"
                );
            }
            if let Some(before) = f.pending_before() {
                for s in [
                    ListFilter::count_statement(before),
                    ListFilter::candidates_statement(before),
                ] {
                    assert_indexed(
                        &store,
                        &format!("{name}: {}", s.sql),
                        &plan_of(&store, &s).await,
                    );
                }
            }
        }
        let pending = plan_of(&store, &list::pending_of(&[1, 2, 3])).await;
        assert_indexed(&store, "a page's pending deadlines", &pending);
    })
    .await;
}
