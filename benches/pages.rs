//! The staff pages over 10,000 open complaints on SQLite (goal, issue 14: the home page in
//! under 100 ms), over HTTP as a browser gets them through the signing-in proxy: the home page
//! (its counts by owner over every overdue and due deadline, and the first page of 100), a page
//! in the middle of the list, the overdue filter, and one complaint's page.
//!
//! The data: 10,000 Durham complaints, conference 2 November 2026, concerns received 10
//! November, judged on 17 December 2026: every one open with two duties overdue, so the home
//! page's counts read 20,000 overdue deadlines (more than a real authority has).
//!
//! Run: `cargo bench --bench pages`. The SQLite file is kept in target/tmp and reused while
//! complete. Percentiles go to standard error, criterion's estimates as usual.

#[path = "../tests/support/fixtures.rs"]
mod fixtures;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use timescales::api::{service, ApiState};
use timescales::calendar::Calendars;
use timescales::clock::FixedClock;
use timescales::config::{ProxySettings, RoleGroups, WebSettings};
use timescales::lifecycle::{Cursor, Lifecycle};
use timescales::procedure::Procedures;
use timescales::store::Store;
use timescales::web::{FormKey, WebState};

const COMPLAINTS: usize = 10_000;

fn lifecycle(store: Store, today: NaiveDate) -> Lifecycle {
    Lifecycle::new(
        store,
        Arc::new(Procedures::load(None).unwrap()),
        Arc::new(Calendars::embedded()),
        Arc::new(FixedClock::at_noon(today)),
        2,
    )
}

/// The SQLite store with the 10,000 complaints, seeded unless a complete one is there.
async fn seeded(today: NaiveDate) -> Lifecycle {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-pages-10k.db");
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect(&url).await.unwrap();
    if store.count().await.ok() != Some(COMPLAINTS as i64) {
        store.close().await;
        for f in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{f}", path.display()));
        }
        let started = Instant::now();
        let l = lifecycle(Store::connect(&url).await.unwrap(), today);
        l.import(&fixtures::overdue_durham(COMPLAINTS))
            .await
            .unwrap();
        eprintln!("seeded in {:.1} s", started.elapsed().as_secs_f64());
        l.store().close().await;
    }
    let store = Store::connect(&url).await.unwrap();
    store.optimize().await.unwrap();
    lifecycle(store, today)
}

/// The service (API and pages) over `l` on a random port, believing sign-ins from 127.0.0.1.
async fn serve(l: Lifecycle) -> String {
    let settings = WebSettings {
        enabled: true,
        proxy: ProxySettings {
            addresses: vec!["127.0.0.1".parse().unwrap()],
            ..ProxySettings::default()
        },
        roles: RoleGroups {
            manager: vec!["CRS Managers".into()],
            ..RoleGroups::default()
        },
        secret_file: None,
    };
    let pages = timescales::web::router(WebState::new(
        l.clone(),
        &settings,
        Arc::new(FormKey::from_bytes([1; 32])),
    ));
    let app = service(ApiState::new(l, Vec::new()), 65_536, pages);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap()
    });
    base
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let today: NaiveDate = "2026-12-17".parse().unwrap();
    let l = rt.block_on(seeded(today));
    let base = rt.block_on(serve(l));
    let client = reqwest::Client::new();
    let get = |path: &str| -> usize {
        let r = rt
            .block_on(
                client
                    .get(format!("{base}{path}"))
                    .header("X-Forwarded-User", "Bench Manager")
                    .header("X-Forwarded-Groups", "CRS Managers")
                    .send(),
            )
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        rt.block_on(r.bytes()).unwrap().len()
    };
    let middle = format!("/?cursor={}", Cursor::after("CP-04999").encode());
    let pages = [
        ("home: counts and the first page", "/".to_string()),
        ("home: the 51st page", middle),
        ("home: overdue only", "/?overdue=true".to_string()),
        ("a complaint", "/complaints/CP-05000".to_string()),
    ];
    eprintln!("\nSQLite, {COMPLAINTS} open complaints, GET over HTTP (ms; bytes of HTML):\n| page | bytes | p50 | p99 | max |\n|---|---:|---:|---:|---:|");
    for (name, path) in &pages {
        for _ in 0..10 {
            get(path);
        }
        let mut times = Vec::with_capacity(200);
        let mut bytes = 0;
        for _ in 0..200 {
            let t = Instant::now();
            bytes = get(path);
            times.push(t.elapsed());
        }
        times.sort();
        eprintln!(
            "| {name} | {bytes} | {:.2} | {:.2} | {:.2} |",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            percentile(&times, 1.0)
        );
    }
    let mut group = c.benchmark_group("pages_sqlite_10k");
    group.sample_size(20);
    for (name, path) in &pages {
        group.bench_function(*name, |b| b.iter(|| get(path)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
