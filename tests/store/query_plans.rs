//! Every statement on a hot path is answered from an index, on both backends: a full scan of
//! `notifications`, `deadlines`, `entries` or `complaints` fails the test. The statements are the
//! store's own text (`timescales::store::hot`), checked on a store with a few complaints and no
//! statistics gathered (SQLite without `ANALYZE` chose a full walk of the planned notifications
//! once, and start-up grew with the square of the open complaints), and on PostgreSQL with
//! sequential scans switched off, so a plan that still scans has no index to use.

use chrono::{NaiveDate, TimeZone, Utc};
use timescales::store::{hot, Store};

use crate::backends::on_both;

/// The tables whose full scan grows with the caseload.
const TABLES: [&str; 4] = ["notifications", "deadlines", "entries", "complaints"];

/// The plan's lines for `sql`, its placeholder bound to a value of the type it compares with.
async fn plan(store: &Store, sql: &str) -> Vec<String> {
    macro_rules! bound {
        ($q:expr) => {{
            let q = $q;
            if sql.contains("complaint_id = $1") || sql.contains("complaint_id IN ($1)") {
                q.bind(1_i64)
            } else if sql.contains("reference = $1") || sql.contains("reference IN ($1)") {
                q.bind("CP-1")
            } else if sql.contains("procedure = $1") {
                q.bind("durham")
            } else if sql.contains("due_date <= $1") {
                q.bind(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap())
            } else {
                q.bind(Utc.with_ymd_and_hms(2027, 1, 5, 10, 0, 0).unwrap())
            }
        }};
    }
    match store {
        Store::Sqlite(pool) => {
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let q = sqlx::query_as::<_, (i64, i64, i64, String)>(&explain);
            let q = if sql.contains("$1") { bound!(q) } else { q };
            q.fetch_all(pool)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.3)
                .collect()
        }
        Store::Postgres(pool) => {
            let mut conn = pool.acquire().await.unwrap();
            sqlx::query("SET enable_seqscan = off")
                .execute(&mut *conn)
                .await
                .unwrap();
            let explain = format!("EXPLAIN {sql}");
            let q = sqlx::query_scalar::<_, String>(&explain);
            let q = if sql.contains("$1") { bound!(q) } else { q };
            let lines = q.fetch_all(&mut *conn).await.unwrap();
            sqlx::query("RESET enable_seqscan")
                .execute(&mut *conn)
                .await
                .unwrap();
            lines
        }
    }
}

/// Whether a plan line is a full scan of one of [`TABLES`].
fn full_scan(line: &str) -> Option<&'static str> {
    let line = line.trim();
    TABLES.into_iter().find(|t| {
        // SQLite: "SCAN notifications" (an index scan says "USING ... INDEX").
        let sqlite = line == format!("SCAN {t}")
            || (line.starts_with(&format!("SCAN {t} ")) && !line.contains("INDEX"));
        // PostgreSQL: "Seq Scan on notifications".
        let postgres = line.contains(&format!("Seq Scan on {t}"));
        sqlite || postgres
    })
}

#[tokio::test]
async fn every_hot_statement_is_answered_from_an_index() {
    on_both("query plans", |store| async move {
        // A few complaints, with deadlines, entries and planned notifications.
        let (l, _) = crate::helpers::service(&store, "2027-01-05");
        l.set_addressing(timescales::reminder::Addressing {
            roles: [(
                "chair".to_string(),
                timescales::reminder::RoleTargets {
                    email: vec!["chairs@council.example".into()],
                    chat: vec![],
                },
            )]
            .into_iter()
            .collect(),
            ..Default::default()
        });
        for r in ["CP-1", "CP-2", "CP-3"] {
            l.open(crate::fixtures::open(r, "durham", "2026-12-11"))
                .await
                .unwrap();
            l.record_event(r, crate::fixtures::rec("concerns-received", "2026-12-23"))
                .await
                .unwrap();
        }
        for (name, sql) in hot::ALL {
            let lines = plan(&store, sql).await;
            assert!(!lines.is_empty(), "{name}: no plan");
            for line in &lines {
                assert!(
                    full_scan(line).is_none(),
                    "{name} ({}): a full scan: {line}\n{}",
                    store.backend(),
                    lines.join("\n")
                );
            }
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
