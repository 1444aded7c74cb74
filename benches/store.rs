//! What is due in the next 5 working days, and what is overdue, over 100,000 complaints on
//! SQLite: the listing staff and the daemon ask for all day. Goal: under 50 ms.
//!
//! The data: 100,000 Durham and City and Hackney complaints, conferences spread over the two years
//! to 2027-03-01, each with its events. Those whose conference is more than 45 days old have been
//! resolved (closed, their deadlines met or cancelled); the recent ones are open with their
//! pending deadlines, as in a real authority where most complaints are long finished.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, NaiveDate};
use criterion::{criterion_group, criterion_main, Criterion};
use rand::{rngs::StdRng, Rng, SeedableRng};
use timescales::calendar::Calendars;
use timescales::clock::FixedClock;
use timescales::lifecycle::{Lifecycle, ListQuery, OpenComplaint, Record};
use timescales::procedure::Procedures;
use timescales::store::Store;

const COMPLAINTS: usize = 100_000;

fn rec(name: &str, date: NaiveDate) -> Record {
    Record {
        name: name.into(),
        date,
        recorded_by: "Team Manager".into(),
        note: String::new(),
    }
}

fn items(today: NaiveDate) -> Vec<(OpenComplaint, Vec<Record>)> {
    let mut rng = StdRng::seed_from_u64(2026);
    (0..COMPLAINTS)
        .map(|i| {
            let conference = today - Duration::days(rng.gen_range(1..730));
            let age = (today - conference).num_days();
            let (procedure, received, ack, resolved) = if i % 2 == 0 {
                (
                    "durham",
                    "concerns-received",
                    "concerns-acknowledged",
                    "resolved",
                )
            } else {
                (
                    "city-and-hackney",
                    "complaint-received",
                    "complaint-acknowledged",
                    "resolved",
                )
            };
            let mut events = Vec::new();
            let got = conference + Duration::days(rng.gen_range(1..=age.min(10)));
            if got <= today {
                events.push(rec(received, got));
                let acked = got + Duration::days(rng.gen_range(0..5));
                if acked <= today && rng.gen_bool(0.8) {
                    events.push(rec(ack, acked));
                }
                if age > 45 {
                    events.push(rec(resolved, (got + Duration::days(30)).min(today)));
                }
            }
            let cmd = OpenComplaint {
                reference: format!("CP-{i:06}"),
                procedure: procedure.into(),
                track: None,
                complainant_role: "parent".into(),
                conference_date: conference,
                conference_type: "initial".into(),
                out_of_scope: None,
                recorded_by: "Team Manager".into(),
                note: String::new(),
                events: vec![],
                outcomes: vec![],
            };
            (cmd, events)
        })
        .collect()
}

async fn store_is_seeded(l: &Lifecycle) -> bool {
    l.store()
        .count()
        .await
        .map(|n| n == COMPLAINTS as i64)
        .unwrap_or(false)
}

async fn finish(l: Lifecycle, started: Instant) -> Lifecycle {
    let open = l.store().live_references().await.unwrap().len();
    let due = l.due_and_overdue(5).await.unwrap().len();
    eprintln!(
        "{COMPLAINTS} complaints ready in {:.1} s: {open} open, {due} deadlines due within 5 working days or overdue",
        started.elapsed().as_secs_f64()
    );
    l
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let today: NaiveDate = "2027-03-01".parse().unwrap();
    // Seeding takes a minute or two: the database is kept in target/ and reused when complete.
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-store-100k.db");
    let lifecycle = rt.block_on(async {
        let store = Store::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let l = Lifecycle::new(
            store,
            Arc::new(Procedures::load(None).unwrap()),
            Arc::new(Calendars::embedded()),
            Arc::new(FixedClock::at_noon(today)),
            2,
        );
        let started = Instant::now();
        if store_is_seeded(&l).await {
            eprintln!("reusing {}", path.display());
        } else {
            l.store().close().await;
            for f in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{f}", path.display()));
            }
            let store = Store::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            let fresh = Lifecycle::new(
                store,
                Arc::new(Procedures::load(None).unwrap()),
                Arc::new(Calendars::embedded()),
                Arc::new(FixedClock::at_noon(today)),
                2,
            );
            for chunk in items(today).chunks(10_000) {
                fresh.import(chunk).await.unwrap();
            }
            return finish(fresh, started).await;
        }
        finish(l, started).await
    });

    let mut group = c.benchmark_group("store_sqlite_100k");
    group.sample_size(20);
    group.bench_function("due_within_5_working_days_and_overdue", |b| {
        b.iter(|| rt.block_on(lifecycle.due_and_overdue(5)).unwrap())
    });
    group.bench_function("list_overdue_complaints_first_page", |b| {
        let q = ListQuery {
            overdue: true,
            ..Default::default()
        };
        b.iter(|| rt.block_on(lifecycle.list(&q)).unwrap().complaints)
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
