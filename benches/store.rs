//! Complaint lists over 100,000 complaints, on SQLite and on PostgreSQL: a page of what is due
//! in the next 5 working days, and of what is overdue, first and middle pages, through
//! `Lifecycle::list` and over HTTP. Goal (issue 16): p99 under 20 ms a page of 100. Also what
//! the digest asks for all day, every pending deadline due within 5 working days or overdue
//! (goal: under 50 ms).
//!
//! The data: 100,000 Durham and City and Hackney complaints, conferences spread over the two years
//! to 2027-03-01, each with its events. Those whose conference is more than 45 days old have been
//! resolved (closed, their deadlines met or cancelled); the recent ones are open with their
//! pending deadlines, as in a real authority where most complaints are long finished.
//!
//! The compliance report over the same complaints (goal, issue 14: a year's report over 100,000
//! complaints under 1 s): the financial year 2025-26, and the whole two years (every one of the
//! 100,000), through `Lifecycle::report`, ten runs each. `TIMESCALES_BENCH=report` runs that
//! alone.
//!
//! Run: `cargo bench --bench store`; with `TIMESCALES_TEST_DATABASE_URL` set (a PostgreSQL server
//! it may create a database on), PostgreSQL too. Seeding takes minutes: the SQLite file is kept in
//! target/tmp, the PostgreSQL database `timescales_bench_store` on that server, and both are
//! reused while complete. Percentiles go to standard error, criterion's estimates as usual.

#[allow(dead_code)]
#[path = "../tests/support/backends.rs"]
mod backends;

use std::sync::Arc;
use std::time::{Duration as Elapsed, Instant};

use chrono::{Duration, NaiveDate};
use criterion::{criterion_group, criterion_main, Criterion};
use rand::{rngs::StdRng, Rng, SeedableRng};
use timescales::api::{router, ApiState, Token};
use timescales::calendar::Calendars;
use timescales::clock::FixedClock;
use timescales::config::Scope;
use timescales::lifecycle::{Cursor, Lifecycle, ListQuery, OpenComplaint, Record};
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

/// The lifecycle over `store`, today being `today`.
fn lifecycle(store: Store, today: NaiveDate) -> Lifecycle {
    Lifecycle::new(
        store,
        Arc::new(Procedures::load(None).unwrap()),
        Arc::new(Calendars::embedded()),
        Arc::new(FixedClock::at_noon(today)),
        2,
    )
}

/// The store at `url` holding the 100,000 complaints: reused when complete, else emptied by
/// `reset` and seeded through the lifecycle's import, ten thousand a transaction.
async fn seeded<F, Fut>(url: &str, today: NaiveDate, reset: F) -> Lifecycle
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    let store = Store::connect(url).await.unwrap();
    if store.count().await.ok() == Some(COMPLAINTS as i64) {
        eprintln!("reusing the {} store", store.backend());
    } else {
        store.close().await;
        reset().await;
        let l = lifecycle(Store::connect(url).await.unwrap(), today);
        for chunk in items(today).chunks(10_000) {
            l.import(chunk).await.unwrap();
        }
        eprintln!(
            "{} store seeded in {:.1} s",
            l.store().backend(),
            started.elapsed().as_secs_f64()
        );
    }
    let store = Store::connect(url).await.unwrap();
    // Statistics as the service has them: SQLite's `PRAGMA optimize` at start and hourly,
    // PostgreSQL's autovacuum (run here at once rather than waited for: its vacuum also marks
    // the pages all-visible that an index-only scan then need not read).
    match &store {
        Store::Sqlite(_) => store.optimize().await.unwrap(),
        Store::Postgres(pool) => {
            sqlx::query("VACUUM (ANALYZE)").execute(pool).await.unwrap();
        }
    }
    lifecycle(store, today)
}

async fn seeded_sqlite(today: NaiveDate) -> Lifecycle {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-store-100k.db");
    let url = format!("sqlite://{}", path.display());
    seeded(&url, today, || async {
        for f in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{f}", path.display()));
        }
    })
    .await
}

async fn seeded_postgres(admin_url: &str, today: NaiveDate) -> Lifecycle {
    const DB: &str = "timescales_bench_store";
    let admin = sqlx::PgPool::connect(admin_url).await.unwrap();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(DB)
            .fetch_one(&admin)
            .await
            .unwrap();
    if !exists {
        sqlx::query(&format!("CREATE DATABASE {DB}"))
            .execute(&admin)
            .await
            .unwrap();
    }
    let url = backends::with_database(admin_url, DB);
    seeded(&url, today, || async {
        sqlx::query(&format!("DROP DATABASE {DB} WITH (FORCE)"))
            .execute(&admin)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE {DB}"))
            .execute(&admin)
            .await
            .unwrap();
    })
    .await
}

/// The cursor that starts the page in the middle of `q`'s matches, read a page of 1,000 at a
/// time (how long that takes is printed too: a client reading them all).
async fn middle(l: &Lifecycle, q: &ListQuery) -> String {
    let started = Instant::now();
    let mut refs = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = l
            .list(&ListQuery {
                limit: Some(1000),
                cursor,
                ..q.clone()
            })
            .await
            .unwrap();
        pages += 1;
        refs.extend(page.complaints.into_iter().map(|i| i.complaint.reference));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    eprintln!(
        "{}: {} matches for {}, all read in {pages} pages of 1,000 in {:.0} ms",
        l.store().backend(),
        refs.len(),
        serde_urlencoded::to_string(q).unwrap(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Cursor::after(&refs[refs.len() / 2 - 1]).encode()
}

fn percentile(sorted: &[Elapsed], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

/// Times `f` one call at a time, 500 calls after 20 to warm up, and prints p50, p99 and max.
fn percentiles(name: &str, f: impl FnMut() -> usize) {
    timed(name, 20, 500, f)
}

/// Times `f` one call at a time, `runs` calls after `warm` to warm up, and prints p50, p99 and
/// max.
fn timed(name: &str, warm: usize, runs: usize, mut f: impl FnMut() -> usize) {
    for _ in 0..warm {
        f();
    }
    let mut times = Vec::with_capacity(runs);
    let mut rows = 0;
    for _ in 0..runs {
        let t = Instant::now();
        rows = f();
        times.push(t.elapsed());
    }
    times.sort();
    eprintln!(
        "| {name} | {rows} | {:.2} | {:.2} | {:.2} |",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        percentile(&times, 1.0)
    );
}

/// The API over `l` on a random port, and its base URL.
async fn serve(l: Lifecycle) -> String {
    let state = ApiState::new(l, vec![Token::new("bench", TOKEN, vec![Scope::Read])]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = router(state, 65_536);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

const TOKEN: &str = "bench-token-0123456789";

/// The compliance report: a financial year, and both years of the data (all 100,000).
fn bench_report(rt: &tokio::runtime::Runtime, l: &Lifecycle) {
    let backend = l.store().backend();
    eprintln!("\n{backend}, Lifecycle::report (ms; rows: complaints counted):\n| period | complaints | p50 | p99 | max |\n|---|---:|---:|---:|---:|");
    for (name, from, to) in [
        ("2025-04-01 to 2026-03-31", "2025-04-01", "2026-03-31"),
        ("2025-03-01 to 2027-03-31 (all)", "2025-03-01", "2027-03-31"),
    ] {
        let (from, to) = (from.parse().unwrap(), to.parse().unwrap());
        timed(name, 1, 10, || {
            let r = rt.block_on(l.report(from, to, None)).unwrap();
            r.procedures.iter().map(|p| p.complaints).sum()
        });
    }
}

fn bench_backend(c: &mut Criterion, rt: &tokio::runtime::Runtime, l: &Lifecycle) {
    let backend = l.store().backend();
    let open = rt.block_on(l.store().live_references()).unwrap().len();
    let due = rt.block_on(l.due_and_overdue(5)).unwrap().len();
    eprintln!("{backend}: {COMPLAINTS} complaints, {open} open, {due} deadlines due within 5 working days or overdue");
    let due_within_5 = ListQuery {
        due_within: Some(5),
        ..Default::default()
    };
    let overdue = ListQuery {
        overdue: true,
        ..Default::default()
    };
    let all_overdue = ListQuery {
        all: true,
        overdue: true,
        ..Default::default()
    };
    let mut cases = Vec::new();
    for (name, q) in [
        ("?due_within=5", &due_within_5),
        ("?overdue=true", &overdue),
        ("?all=true&overdue=true", &all_overdue),
    ] {
        let cursor = rt.block_on(middle(l, q));
        cases.push((format!("{name}, first page"), q.clone()));
        cases.push((
            format!("{name}, middle page"),
            ListQuery {
                cursor: Some(cursor),
                ..q.clone()
            },
        ));
    }
    eprintln!("\n{backend}, Lifecycle::list, a page of 100 (ms):\n| query | rows | p50 | p99 | max |\n|---|---:|---:|---:|---:|");
    for (name, q) in &cases {
        percentiles(name, || rt.block_on(l.list(q)).unwrap().complaints.len());
    }
    percentiles(
        "every pending deadline due within 5 working days or overdue (digest)",
        || rt.block_on(l.due_and_overdue(5)).unwrap().len(),
    );
    // Over HTTP: the same pages as a client gets them, JSON and all.
    let base = rt.block_on(serve(l.clone()));
    let client = reqwest::Client::new();
    let get = |q: &ListQuery| {
        let url = format!(
            "{base}/api/v1/complaints?{}",
            serde_urlencoded::to_string(q).unwrap()
        );
        let r = rt
            .block_on(client.get(&url).bearer_auth(TOKEN).send())
            .unwrap();
        assert_eq!(r.status(), 200);
        rt.block_on(r.bytes()).unwrap().len()
    };
    eprintln!("\n{backend}, GET /api/v1/complaints, a page of 100 (ms; rows: bytes of JSON):\n| query | bytes | p50 | p99 | max |\n|---|---:|---:|---:|---:|");
    for (name, q) in cases.iter().take(4) {
        percentiles(name, || get(q));
    }

    let mut group = c.benchmark_group(format!("store_{backend}_100k"));
    group.sample_size(20);
    group.bench_function("due_within_5_working_days_and_overdue", |b| {
        b.iter(|| rt.block_on(l.due_and_overdue(5)).unwrap())
    });
    for (name, q) in &cases {
        group.bench_function(format!("page {name}"), |b| {
            b.iter(|| rt.block_on(l.list(q)).unwrap())
        });
    }
    group.finish();
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let today: NaiveDate = "2027-03-01".parse().unwrap();
    let report_only = std::env::var("TIMESCALES_BENCH").as_deref() == Ok("report");
    let mut run = |l: &Lifecycle| {
        if !report_only {
            bench_backend(c, &rt, l);
        }
        bench_report(&rt, l);
    };
    let sqlite = rt.block_on(seeded_sqlite(today));
    run(&sqlite);
    match std::env::var("TIMESCALES_TEST_DATABASE_URL") {
        Ok(admin) => {
            let pg = rt.block_on(seeded_postgres(&admin, today));
            run(&pg);
        }
        Err(_) => eprintln!("PostgreSQL SKIPPED: TIMESCALES_TEST_DATABASE_URL is not set"),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
