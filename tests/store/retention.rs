//! Retention and erasure on both stores: after a complaint is anonymised, none of its original
//! text survives anywhere in the database (every text column of every table searched), what
//! the figures count is unchanged, an open complaint is never touched by retention, and an
//! erasure removes the reminders too.

use timescales::lifecycle::retention::Period;
use timescales::lifecycle::{Decision, Earlier, Lifecycle};
use timescales::store::Store;

use crate::backends::on_both;
use crate::fixtures::open;
use crate::helpers::{chairs_by_email, service, set_today};

/// Every text-valued column of every table, as `(table, column)`.
async fn text_columns(store: &Store) -> Vec<(String, String)> {
    match store {
        Store::Sqlite(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            let mut out = Vec::new();
            for t in tables {
                let cols: Vec<(String, String)> =
                    sqlx::query_as(&format!("SELECT name, type FROM pragma_table_info('{t}')"))
                        .fetch_all(pool)
                        .await
                        .unwrap();
                // Dates and instants are TEXT in SQLite too: all are searched.
                out.extend(
                    cols.into_iter()
                        .filter(|(_, ty)| ty.eq_ignore_ascii_case("TEXT"))
                        .map(|(c, _)| (t.clone(), c)),
                );
            }
            out
        }
        Store::Postgres(pool) => sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND data_type IN ('text', 'character varying')",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    }
}

/// Where `needle` is found, as `table.column`.
async fn found(store: &Store, needle: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (t, c) in text_columns(store).await {
        let sql = format!("SELECT COUNT(*) FROM {t} WHERE {c} LIKE '%' || $1 || '%'");
        let n: i64 = match store {
            Store::Sqlite(pool) => sqlx::query_scalar(&sql)
                .bind(needle)
                .fetch_one(pool)
                .await
                .unwrap(),
            Store::Postgres(pool) => sqlx::query_scalar(&sql)
                .bind(needle)
                .fetch_one(pool)
                .await
                .unwrap(),
        };
        if n > 0 {
            out.push(format!("{t}.{c}"));
        }
    }
    out
}

/// Everything the figures count: every deadline row (due dates, met dates, states), every
/// complaint's procedure, stage, status and outcome, every entry's kind, name and dates.
async fn figures(store: &Store) -> Vec<String> {
    let queries = [
        "SELECT complaint_id || '|' || deadline || '|' || kind || '|' || stage || '|' || due_date || '|' || COALESCE(CAST(met_on AS TEXT), '-') || '|' || state FROM deadlines ORDER BY 1",
        "SELECT id || '|' || procedure || '|' || track || '|' || complainant_role || '|' || CAST(conference_date AS TEXT) || '|' || COALESCE(stage, '-') || '|' || status || '|' || COALESCE(outcome, '-') FROM complaints ORDER BY id",
        "SELECT complaint_id || '|' || kind || '|' || name || '|' || CAST(effective_date AS TEXT) || '|' || COALESCE(CAST(new_date AS TEXT), '-') FROM entries ORDER BY id",
    ];
    let mut out = Vec::new();
    for q in queries {
        let rows: Vec<String> = match store {
            Store::Sqlite(pool) => sqlx::query_scalar(q).fetch_all(pool).await.unwrap(),
            Store::Postgres(pool) => sqlx::query_scalar(q).fetch_all(pool).await.unwrap(),
        };
        out.extend(rows);
    }
    out
}

/// A Durham complaint with personal-looking text everywhere a person can type: its reference,
/// who recorded each thing, its notes, and a close reason.
async fn with_text(l: &Lifecycle, reference: &str, tag: &str, close: bool) {
    let mut c = open(reference, "durham", "2026-12-11");
    c.recorded_by = format!("Jo Bloggs {tag}");
    c.note = format!("phoned mother {tag}");
    c.events = vec![Earlier {
        name: "concerns-received".into(),
        date: "2027-01-04".parse().unwrap(),
        note: format!("letter from grandparent {tag}"),
    }];
    l.open(c).await.unwrap();
    if close {
        l.close(
            reference,
            Decision {
                recorded_by: format!("Sam Smith {tag}"),
                reason: format!("family moved away {tag}"),
            },
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn retention_anonymises_closed_complaints_past_it_leaving_the_figures_and_open_ones() {
    on_both("retention", |store| async move {
        let (l, clock) = service(&store, "2027-01-05");
        l.set_addressing(chairs_by_email());
        with_text(&l, "ZEBRA-1", "xyzzy1", true).await;
        with_text(&l, "ZEBRA-2", "xyzzy2", false).await;
        // Open, with reminders planned to the chairs.
        assert!(!store.notifications_of("ZEBRA-2").await.unwrap().is_empty());
        let before = figures(&store).await;

        // Six years and a day after the first was closed.
        set_today(&clock, "2033-01-06");
        let period: Period = "6 years".parse().unwrap();
        let dry = l.run_retention(period, true).await.unwrap();
        assert_eq!(dry.anonymised, vec![("ZEBRA-1".to_string(), None)]);
        assert!(
            !found(&store, "xyzzy1").await.is_empty(),
            "a dry run changes nothing"
        );
        let run = l.run_retention(period, false).await.unwrap();
        assert_eq!(run.anonymised.len(), 1);
        let (old, new) = &run.anonymised[0];
        assert_eq!(old, "ZEBRA-1");
        let new = new.clone().unwrap();
        assert!(new.starts_with("ANON-"), "{new}");

        // Nothing of its text survives anywhere; the open one keeps all of its own.
        for needle in ["xyzzy1", "ZEBRA-1", "Jo Bloggs xyzzy1", "family moved away"] {
            assert_eq!(
                found(&store, needle).await,
                Vec::<String>::new(),
                "{needle} survives ({})",
                store.backend()
            );
        }
        assert!(
            found(&store, "xyzzy2").await.len() >= 3,
            "{:?}",
            found(&store, "xyzzy2").await
        );
        assert_eq!(
            figures(&store).await,
            before,
            "the figures moved ({})",
            store.backend()
        );
        // The audit says what was done and by which rule, and no more.
        let audit = store.audit(&new).await.unwrap();
        let last = audit.last().unwrap();
        assert_eq!(
            (last.actor.as_str(), last.action.as_str()),
            ("retention", "anonymised")
        );
        assert_eq!(
            last.detail,
            "closed and unchanged since before 2027-01-06: retention.after_close = 6 years"
        );
        assert!(audit[..audit.len() - 1]
            .iter()
            .all(|a| a.actor == "anonymised" && a.detail.is_empty()));
        // A second run finds nothing more.
        assert!(l
            .run_retention(period, false)
            .await
            .unwrap()
            .anonymised
            .is_empty());

        // Erasure on request: the open one, at once, its reminders gone.
        let erased = l
            .erase(
                "ZEBRA-2",
                Decision {
                    recorded_by: "IG Officer".into(),
                    reason: "erasure request DPA-2033-7".into(),
                },
            )
            .await
            .unwrap();
        assert!(erased.starts_with("ANON-"));
        for needle in ["xyzzy2", "ZEBRA-2", "chairs@council.example"] {
            assert_eq!(
                found(&store, needle).await,
                Vec::<String>::new(),
                "{needle} survives ({})",
                store.backend()
            );
        }
        assert!(store.notifications_of(&erased).await.unwrap().is_empty());
        assert_eq!(
            figures(&store).await,
            before,
            "the figures moved ({})",
            store.backend()
        );
        let last = store.audit(&erased).await.unwrap().pop().unwrap();
        assert_eq!(
            (last.actor.as_str(), last.detail.as_str()),
            (
                "IG Officer",
                "erased on request: erasure request DPA-2033-7"
            )
        );
        // A reason with an address in it is refused; an unknown reference is not found.
        let e = l
            .erase(
                "ZEBRA-9",
                Decision {
                    recorded_by: "IG".into(),
                    reason: "x".into(),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), "no complaint has reference 'ZEBRA-9'");
        let e = l
            .erase(
                &erased,
                Decision {
                    recorded_by: "IG".into(),
                    reason: "from jo@example.com".into(),
                },
            )
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("reason holds an email address"),
            "{e}"
        );
    })
    .await;
}
