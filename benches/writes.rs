//! API writes under load, with reads at the same time (issue 16's goal: a write derives once;
//! from 50 concurrent clients at least 300 writes a second on SQLite with `synchronous = FULL`
//! and 1,000 on PostgreSQL, with reads' p99 under 50 ms meanwhile).
//!
//! The API over HTTP on a random port, as the service serves it, with notifications planned
//! (two roles with mailboxes, so each write plans its reminders and alerts in its transaction).
//! 1,000 Durham complaints are opened first for the readers. Then, for 10 s, 50 clients each
//! open complaint after complaint with its history in one call (`POST /api/v1/complaints` with
//! `events`, as a case system's import does), while 4 clients read complaints
//! (`GET /api/v1/complaints/{reference}`), each one every 10 ms. Printed: writes a second, and
//! p50/p99 of writes and of reads.
//!
//! Run: `cargo bench --bench writes`; with `TIMESCALES_TEST_DATABASE_URL` set (a PostgreSQL
//! server it may create a database on, dropped afterwards), PostgreSQL too.
//! `TIMESCALES_WRITERS` sets the number of writing clients (50).

#[allow(dead_code)]
#[path = "../tests/support/backends.rs"]
mod backends;
#[path = "../tests/support/fixtures.rs"]
mod fixtures;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use timescales::api::{router, ApiState, Token};
use timescales::calendar::Calendars;
use timescales::clock::FixedClock;
use timescales::config::Scope;
use timescales::lifecycle::Lifecycle;
use timescales::procedure::Procedures;
use timescales::reminder::{Addressing, RoleTargets};
use timescales::store::Store;

const TOKEN: &str = "bench-token-0123456789";
const READERS: usize = 4;
const RUN: Duration = Duration::from_secs(10);
const READ_EVERY: Duration = Duration::from_millis(10);

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// The lifecycle over `store` on 5 January 2027, planning notifications for Durham's roles.
fn lifecycle(store: Store) -> Lifecycle {
    let roles = ["chair", "resolution-lead", "panel-chair", "manager"]
        .into_iter()
        .map(|r| {
            (
                r.to_string(),
                RoleTargets {
                    email: vec![format!("{r}@council.example")],
                    chat: vec![],
                },
            )
        })
        .collect();
    Lifecycle::new(
        store,
        Arc::new(Procedures::load(None).unwrap()),
        Arc::new(Calendars::embedded()),
        Arc::new(FixedClock::at_noon("2027-01-05".parse().unwrap())),
        2,
    )
    .with_notifications(
        Addressing {
            roles,
            ..Addressing::default()
        },
        Arc::new(tokio::sync::Notify::new()),
    )
}

/// One complaint opened with its history, as `POST /api/v1/complaints` takes it.
fn body(reference: &str) -> serde_json::Value {
    serde_json::json!({
        "reference": reference,
        "procedure": "durham",
        "complainant_role": "parent",
        "conference_date": "2026-12-11",
        "conference_type": "initial",
        "recorded_by": "Team Manager",
        "events": [{"name": "concerns-received", "date": "2026-12-14"}],
    })
}

async fn measure(store: Store, writers: usize) {
    let backend = store.backend();
    let l = lifecycle(store);
    l.import(&fixtures::overdue_durham(1_000)).await.unwrap();
    let state = ApiState::new(
        l,
        vec![Token::new("bench", TOKEN, vec![Scope::Read, Scope::Write])],
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server =
        tokio::spawn(async move { axum::serve(listener, router(state, 65_536)).await.unwrap() });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(writers + READERS)
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..writers {
        let (client, base, next) = (client.clone(), base.clone(), next.clone());
        tasks.spawn(async move {
            let mut took = Vec::new();
            let mut refused = 0;
            while started.elapsed() < RUN {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                let status = client
                    .post(format!("{base}/api/v1/complaints"))
                    .bearer_auth(TOKEN)
                    .json(&body(&format!("W-{n:06}")))
                    .send()
                    .await
                    .unwrap()
                    .status();
                if status.as_u16() == 201 {
                    took.push(t.elapsed());
                } else {
                    refused += 1;
                }
            }
            (true, took, refused)
        });
    }
    for r in 0..READERS {
        let (client, base) = (client.clone(), base.clone());
        tasks.spawn(async move {
            let mut took = Vec::new();
            let mut i = r;
            // Paced, as staff pages are: a read every 10 ms from each reader (400 a second in
            // all), so that fast reads do not take the writers' CPU and slow reads show.
            let mut every = tokio::time::interval(READ_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while started.elapsed() < RUN {
                every.tick().await;
                let t = Instant::now();
                let status = client
                    .get(format!("{base}/api/v1/complaints/CP-{:05}", i % 1_000))
                    .bearer_auth(TOKEN)
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status.as_u16(), 200);
                took.push(t.elapsed());
                i += READERS;
            }
            (false, took, 0)
        });
    }
    let (mut writes, mut reads, mut refused) = (Vec::new(), Vec::new(), 0);
    while let Some(done) = tasks.join_next().await {
        let (writer, took, r) = done.unwrap();
        refused += r;
        if writer {
            writes.extend(took);
        } else {
            reads.extend(took);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    writes.sort();
    reads.sort();
    println!(
        "writes ({backend}, {writers} clients): {} in {elapsed:.1} s = {:.0} a second \
         (p50 {:.1} ms, p99 {:.1} ms; {refused} refused); reads meanwhile ({READERS} clients): \
         {} (p50 {:.1} ms, p99 {:.1} ms)",
        writes.len(),
        writes.len() as f64 / elapsed,
        percentile(&writes, 0.5),
        percentile(&writes, 0.99),
        reads.len(),
        percentile(&reads, 0.5),
        percentile(&reads, 0.99),
    );
    server.abort();
}

fn main() {
    let writers = std::env::var("TIMESCALES_WRITERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(50);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("writes.db").display());
        measure(Store::connect(&url).await.unwrap(), writers).await;
        if let Some(db) = backends::TestDatabase::create("the PostgreSQL writes").await {
            measure(Store::connect(&db.url).await.unwrap(), writers).await;
            db.drop().await;
        }
    });
}
