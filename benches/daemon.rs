//! Measures of the service (results in docs/benchmarks.md):
//! 1. 10,000 notifications due at once, to a real SMTP server (aiosmtpd) and a webhook receiver
//!    (wiremock): throughput, and the delay from planned instant to delivery.
//! 2. The same 10,000 planned over ten seconds: how close to its planned instant each goes out.
//!    Then the burst again with the chat webhook hanging a minute on every post: the emails'
//!    rate, which a slow channel must not hold up.
//! 3. An idle daemon (`timescales serve`, release build) with 10,000 open complaints: resident
//!    memory, and CPU over a minute.
//! 4. Start-up and reload as the open complaints grow (1,000, 10,000, 100,000 by default;
//!    `TIMESCALES_STARTUP_SIZES=1000,10000` to choose): the first start on a database the
//!    service has not derived (every complaint re-derived and planned), a restart that changed
//!    nothing, and a SIGHUP that changed nothing; each to systemd's READY=1, with peak memory.
//!    On SQLite, or with `TIMESCALES_STARTUP_STORE=postgres` on a throwaway PostgreSQL database.
//!
//! The delivery measures run the service as `serve` does (`timescales::daemon::Daemon`, in
//! process), on the real clock.
//!
//! Run: `cargo bench --bench daemon` (needs python3 with aiosmtpd: `python3 -m pip install aiosmtpd`);
//! `TIMESCALES_BENCH=startup` (or delivery, idle) runs one part.

#[path = "../tests/support/fixtures.rs"]
mod fixtures;
#[path = "../tests/delivery/smtp.rs"]
mod smtp;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use timescales::calendar::Calendars;
use timescales::clock::{FixedClock, SystemClock};
use timescales::daemon::{Control, Daemon};
use timescales::lifecycle::Lifecycle;
use timescales::procedure::Procedures;
use timescales::store::Store;
use wiremock::ResponseTemplate;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn delays(pool: &sqlx::SqlitePool) -> Vec<f64> {
    let rows: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT planned_at, sent_at FROM notifications WHERE state = 'sent'")
            .fetch_all(pool)
            .await
            .unwrap();
    let mut d: Vec<f64> = rows
        .into_iter()
        .filter_map(|(p, s)| s.map(|s| (s - p).num_milliseconds() as f64))
        .collect();
    d.sort_by(|a, b| a.partial_cmp(b).unwrap());
    d
}

/// The service's config for the delivery measures: breach alerts only, the chair by email and
/// in the `team` chat (a webhook at `chat`, answering within `chat_timeout` seconds), the other
/// Durham roles by email; `settle_seconds = 0` (nothing held back).
fn delivery_settings(
    dir: &std::path::Path,
    smtp_port: u16,
    chat: &str,
    chat_timeout: u64,
) -> timescales::config::Settings {
    let path = dir.join(format!("delivery-{chat_timeout}.toml"));
    std::fs::write(
        &path,
        format!(
            "[store]\nstate_dir = {state:?}\n[api]\nlisten = \"127.0.0.1:0\"\n\
             [notify]\nsettle_seconds = 0\nprocedures = [\"durham\"]\n\
             lease_seconds = {lease}\nshutdown_grace_seconds = 1\n\
             [notify.digest]\ncron = \"\"\n\
             [notify.policy]\nremind_working_days_before = []\nremind_on_due_day = false\n\
             escalate_after_working_days = 0\nwindow_closed_notice = false\n\
             [notify.roles.chair]\nemail = [\"chairs@council.example\"]\nchat = [\"team\"]\n\
             [notify.roles.resolution-lead]\nemail = [\"leads@council.example\"]\n\
             [notify.roles.panel-chair]\nemail = [\"panel@council.example\"]\n\
             [notify.roles.manager]\nemail = [\"managers@council.example\"]\n\
             [notify.smtp]\nhost = \"127.0.0.1\"\nport = {smtp_port}\nsecurity = \"none\"\n\
             from = \"timescales <t@council.example>\"\ntimeout_seconds = 10\n\
             [[notify.chat]]\nname = \"team\"\nkind = \"slack\"\nurl = \"{chat}/team\"\n\
             timeout_seconds = {chat_timeout}\n",
            state = dir.join("state").display().to_string(),
            lease = (2 * chat_timeout + 10).max(120),
        ),
    )
    .unwrap();
    timescales::config::Settings::load_from(Some(&path), Vec::<(String, String)>::new()).unwrap()
}

/// Runs the service (`Daemon`, as `serve` runs it) with `settings` on the real clock until
/// `done` says so; returns the seconds from the start of serving to then.
async fn serving_until<F, Fut>(settings: timescales::config::Settings, done: F) -> f64
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let daemon = Daemon::build(settings, None, Arc::new(SystemClock))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let started = Instant::now();
    let serving = daemon.start(listener).await.unwrap();
    let (control, controlled) = tokio::sync::mpsc::channel(1);
    let run = tokio::spawn(serving.run(controlled));
    while !done().await && started.elapsed() < Duration::from_secs(600) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    let _ = control.send(Control::Stop).await;
    run.await.unwrap().unwrap();
    secs
}

async fn count(pool: &sqlx::SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn delivery() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = smtp::SmtpServer::start_sink();
    let port = smtp.port;
    let chat = fixtures::receiving(ResponseTemplate::new(200)).await;
    let settings = delivery_settings(dir.path(), port, &chat.uri(), 10);
    // 2,500 complaints x 2 overdue obligations x (email + chat) = 10,000 breach alerts, seeded
    // by the service itself on a clock when they were recorded in time (so each breach goes on
    // its own, not in an "entered late" notice), and started once there so that its
    // fingerprints are written and the next start derives nothing.
    {
        let clock = Arc::new(FixedClock::at_noon(
            fixtures::RECORDED_IN_TIME.parse().unwrap(),
        ));
        let seeding = Daemon::build(settings.clone(), None, clock).await.unwrap();
        for chunk in fixtures::overdue_durham(2_500).chunks(500) {
            seeding.lifecycle().import(chunk).await.unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (_, controlled) = tokio::sync::mpsc::channel(1);
        seeding.run(listener, controlled).await.unwrap();
    }
    let db = dir.path().join("state").join("timescales.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let total = count(&pool, "SELECT COUNT(*) FROM notifications").await;

    // 1. All due now.
    sqlx::query("UPDATE notifications SET planned_at = $1, next_attempt_at = $1")
        .bind(Utc::now())
        .execute(&pool)
        .await
        .unwrap();
    let secs = serving_until(settings.clone(), || async {
        count(
            &pool,
            "SELECT COUNT(*) FROM notifications WHERE state = 'planned'",
        )
        .await
            == 0
    })
    .await;
    let sent = count(
        &pool,
        "SELECT COUNT(*) FROM notifications WHERE state = 'sent'",
    )
    .await;
    let d = delays(&pool).await;
    println!("burst: {total} planned, {sent} sent in {secs:.1} s = {:.0} notifications/s; delay planned->sent p50 {:.0} ms, p99 {:.0} ms", sent as f64 / secs, percentile(&d, 0.5), percentile(&d, 0.99));

    // 2. 1,000 of them again, spread over ten seconds (100 a second), starting in two.
    let start = Utc::now() + chrono::Duration::seconds(2);
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM notifications ORDER BY id LIMIT 1000")
        .fetch_all(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE notifications SET state = 'done-burst' WHERE state = 'sent'")
        .execute(&pool)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    for (i, id) in ids.iter().enumerate() {
        let at = start + chrono::Duration::microseconds((i as i64) * 10_000_000 / ids.len() as i64);
        sqlx::query("UPDATE notifications SET state = 'planned', sent_at = NULL, planned_at = $1, next_attempt_at = $1 WHERE id = $2").bind(at).bind(id).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let until = Instant::now() + Duration::from_secs(16);
    serving_until(settings, || async { Instant::now() >= until }).await;
    let d = delays(&pool).await;
    println!(
        "spread: {} of {} planned over 10 s sent; delay planned->sent p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        d.len(),
        ids.len(),
        percentile(&d, 0.5),
        percentile(&d, 0.99),
        d.last().copied().unwrap_or(f64::NAN)
    );

    // 3. The burst again, with the chat webhook hanging for a minute on every post: the email
    //    half goes at the email rate regardless (deliveries run per channel).
    let stuck =
        fixtures::receiving(ResponseTemplate::new(200).set_delay(Duration::from_secs(60))).await;
    sqlx::query("UPDATE notifications SET state = 'planned', sent_at = NULL, claimed_until = NULL, planned_at = $1, next_attempt_at = $1")
        .bind(Utc::now())
        .execute(&pool)
        .await
        .unwrap();
    let emails = count(
        &pool,
        "SELECT COUNT(*) FROM notifications WHERE destination LIKE 'email:%'",
    )
    .await;
    let secs = serving_until(
        delivery_settings(dir.path(), port, &stuck.uri(), 90),
        || async {
            count(&pool, "SELECT COUNT(*) FROM notifications WHERE destination LIKE 'email:%' AND state = 'planned'").await == 0
        },
    )
    .await;
    // Counted after the stop: the hung posts were abandoned at the grace period, unanswered.
    let chat_sent = count(
        &pool,
        "SELECT COUNT(*) FROM notifications WHERE destination LIKE 'chat:%' AND state = 'sent'",
    )
    .await;
    println!("hanging webhook: {emails} emails of the {total} sent in {secs:.1} s = {:.0} emails/s while every chat post hung ({chat_sent} chat posts answered meanwhile)", emails as f64 / secs);

    drop(smtp);
}

async fn idle() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let store = Store::connect(&format!(
        "sqlite://{}",
        state.join("timescales.db").display()
    ))
    .await
    .unwrap();
    let lifecycle = Lifecycle::new(
        store.clone(),
        Arc::new(Procedures::load(None).unwrap()),
        Arc::new(Calendars::embedded()),
        Arc::new(SystemClock),
        2,
    );
    for chunk in fixtures::overdue_durham(10_000).chunks(2_000) {
        lifecycle.import(chunk).await.unwrap();
    }
    store.close().await;
    std::fs::write(
        dir.path().join("timescales.toml"),
        format!(
            "[store]\nstate_dir = {:?}\n[api]\nlisten = \"127.0.0.1:0\"\n",
            state.display().to_string()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_timescales"))
        .args(["serve"])
        .env("TIMESCALES_CONFIG", dir.path().join("timescales.toml"))
        .env("TIMESCALES_LOG", "warn")
        // As the systemd unit sets it: glibc's per-thread malloc arenas otherwise hold memory
        // the daemon no longer uses.
        .env("MALLOC_ARENA_MAX", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let stat = || -> (u64, u64) {
        let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let f: Vec<&str> = s.rsplit(')').next().unwrap().split_whitespace().collect();
        // Fields after the name: state is [0], utime [11], stime [12] (clock ticks).
        let ticks = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
        let rss_kb = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .unwrap()
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        (ticks, rss_kb)
    };
    // Start-up (migrations, recompute, planning) is over well within 20 s.
    tokio::time::sleep(Duration::from_secs(20)).await;
    let (t0, rss0) = stat();
    tokio::time::sleep(Duration::from_secs(60)).await;
    let (t1, rss1) = stat();
    let cpu = (t1 - t0) as f64 / 100.0 / 60.0 * 100.0;
    println!("idle: 10000 open complaints; resident memory {:.1} MB after start-up, {:.1} MB a minute later; CPU over that minute {cpu:.2} %", rss0 as f64 / 1024.0, rss1 as f64 / 1024.0);
    let _ = child.kill();
    let _ = child.wait();
}

/// Durham complaints opened a week ago with concerns received yesterday: every obligation of
/// Stage 1 is still ahead, so each plans its reminders, breach alerts and escalations.
fn fresh_durham(
    n: usize,
) -> Vec<(
    timescales::lifecycle::OpenComplaint,
    Vec<timescales::lifecycle::Record>,
)> {
    let today = Utc::now().date_naive();
    let conference = (today - chrono::Days::new(7)).to_string();
    let received = (today - chrono::Days::new(1)).to_string();
    (0..n)
        .map(|i| {
            (
                fixtures::open(&format!("SU-{i:06}"), "durham", &conference),
                vec![fixtures::rec("concerns-received", &received)],
            )
        })
        .collect()
}

/// The peak resident memory of a process so far, in MB.
fn peak_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// Starts `timescales serve` on `config`, listening for systemd's notifications on `socket`.
fn serve(config: &std::path::Path, socket: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_timescales"))
        .arg("--config")
        .arg(config)
        .arg("serve")
        .env("NOTIFY_SOCKET", socket)
        .env("TIMESCALES_LOG", "warn")
        .env("MALLOC_ARENA_MAX", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits for the next READY=1 on `socket`.
fn ready(socket: &std::os::unix::net::UnixDatagram) {
    let mut buf = [0u8; 512];
    loop {
        let n = socket.recv(&mut buf).expect("READY=1 from the service");
        if buf[..n].starts_with(b"READY=1") {
            return;
        }
    }
}

fn stop(child: &mut std::process::Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

async fn startup() {
    let sizes: Vec<usize> = std::env::var("TIMESCALES_STARTUP_SIZES")
        .unwrap_or_else(|_| "1000,10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let smtp = smtp::SmtpServer::start_sink();
    let port = smtp.port;
    // (open complaints, first start's milliseconds a complaint), for the check.
    let mut per_complaint: Vec<(usize, f64)> = Vec::new();
    // TIMESCALES_STARTUP_STORE=postgres runs the same on a throwaway PostgreSQL database (on
    // TIMESCALES_TEST_DATABASE_URL's server), created here and dropped afterwards.
    let server = std::env::var("TIMESCALES_STARTUP_STORE")
        .is_ok_and(|s| s == "postgres")
        .then(|| {
            std::env::var("TIMESCALES_TEST_DATABASE_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
        });
    for n in sizes {
        let case = dir.path().join(format!("n{n}"));
        let state = case.join("state");
        std::fs::create_dir_all(&state).unwrap();
        let database = match &server {
            Some(url) => {
                let name = format!("ts_bench_startup_{n}");
                let admin = sqlx::PgPool::connect(url).await.unwrap();
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                    .execute(&admin)
                    .await
                    .unwrap();
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .unwrap();
                admin.close().await;
                let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
                Some((name.clone(), format!("{base}/{name}")))
            }
            None => None,
        };
        let url = database.as_ref().map_or_else(
            || format!("sqlite://{}", state.join("timescales.db").display()),
            |(_, u)| u.clone(),
        );
        let store = Store::connect(&url).await.unwrap();
        let seeded = Instant::now();
        let lifecycle = Lifecycle::new(
            store.clone(),
            Arc::new(Procedures::load(None).unwrap()),
            Arc::new(Calendars::embedded()),
            Arc::new(SystemClock),
            2,
        );
        for chunk in fresh_durham(n).chunks(5_000) {
            lifecycle.import(chunk).await.unwrap();
        }
        store.close().await;
        let seeding = seeded.elapsed();
        // TIMESCALES_STARTUP_KEEP=DIR keeps a copy of the seeded SQLite database there, to
        // start a service on by hand (a profiler attached, say).
        if let (Ok(keep), None) = (std::env::var("TIMESCALES_STARTUP_KEEP"), &database) {
            std::fs::copy(
                state.join("timescales.db"),
                std::path::Path::new(&keep).join(format!("seeded-{n}.db")),
            )
            .unwrap();
        }
        let config = case.join("timescales.toml");
        std::fs::write(
            &config,
            format!(
                "[store]\nstate_dir = {:?}\n{}[api]\nlisten = \"127.0.0.1:0\"\n\
                 [notify]\nprocedures = [\"durham\"]\n\
                 [notify.smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n\
                 from = \"timescales <timescales@council.example>\"\n\
                 [notify.roles.chair]\nemail = [\"chairs@council.example\"]\n\
                 [notify.roles.resolution-lead]\nemail = [\"resolution@council.example\"]\n\
                 [notify.roles.panel-chair]\nemail = [\"panels@council.example\"]\n\
                 [notify.roles.manager]\nemail = [\"managers@council.example\"]\n",
                state.display().to_string(),
                database
                    .as_ref()
                    .map(|(_, u)| format!("database_url = {u:?}\n"))
                    .unwrap_or_default()
            ),
        )
        .unwrap();
        let socket_path = case.join("notify.sock");
        let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(1800)))
            .unwrap();
        // First start: nothing derived under this configuration yet.
        let t = Instant::now();
        let mut child = serve(&config, &socket_path);
        ready(&socket);
        let first = t.elapsed();
        let first_peak = peak_mb(child.id());
        stop(&mut child);
        // A restart with nothing changed.
        let t = Instant::now();
        let mut child = serve(&config, &socket_path);
        ready(&socket);
        let restart = t.elapsed();
        // A reload with nothing changed: SIGHUP until the READY=1 that ends it.
        let t = Instant::now();
        let _ = Command::new("kill")
            .args(["-HUP", &child.id().to_string()])
            .status();
        ready(&socket);
        let reload = t.elapsed();
        let peak = peak_mb(child.id());
        stop(&mut child);
        const PLANNED: &str = "SELECT COUNT(*) FROM notifications WHERE state = 'planned'";
        let planned: i64 = if database.is_some() {
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            let c = sqlx::query_scalar(PLANNED).fetch_one(&pool).await.unwrap();
            pool.close().await;
            c
        } else {
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let c = sqlx::query_scalar(PLANNED).fetch_one(&pool).await.unwrap();
            pool.close().await;
            c
        };
        if let (Some(url), Some((name, _))) = (&server, &database) {
            let admin = sqlx::PgPool::connect(url).await.unwrap();
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&admin)
                .await;
            admin.close().await;
        }
        per_complaint.push((n, first.as_secs_f64() * 1000.0 / n as f64));
        println!(
            "startup: {n} open complaints ({planned} notifications planned; seeded in {:.1} s): first start {:.2} s ({:.3} ms a complaint, peak {first_peak:.1} MB); restart {:.2} s; reload {:.2} s (peak {peak:.1} MB)",
            seeding.as_secs_f64(),
            first.as_secs_f64(),
            first.as_secs_f64() * 1000.0 / n as f64,
            restart.as_secs_f64(),
            reload.as_secs_f64(),
        );
    }
    drop(smtp);
    // The growth check (`TIMESCALES_BENCH_CHECK=1`, run by .ci/run at 1,000 and 10,000): the
    // first start's time a complaint at the largest size may not exceed 3 times that at the
    // smallest. Linear cost keeps the ratio near 1 (below, as fixed costs are amortised);
    // quadratic cost makes it about 10 for a tenfold caseload. 3 leaves room for a noisy machine
    // without letting quadratic growth through.
    if std::env::var_os("TIMESCALES_BENCH_CHECK").is_some() {
        if let (Some(&(small, a)), Some(&(large, b))) =
            (per_complaint.first(), per_complaint.last())
        {
            let ratio = b / a;
            println!("startup check: {b:.3} ms a complaint at {large} against {a:.3} ms at {small}: ratio {ratio:.2} (at most 3)");
            if ratio > 3.0 {
                eprintln!("startup check FAILED: the time a complaint grows with the caseload");
                std::process::exit(1);
            }
        }
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing useful: run only
    // when benchmarking.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // TIMESCALES_BENCH=delivery or =idle runs one part.
    let only = std::env::var("TIMESCALES_BENCH").unwrap_or_default();
    rt.block_on(async {
        if only.is_empty() || only == "delivery" {
            delivery().await;
        }
        if only.is_empty() || only == "idle" {
            idle().await;
        }
        if only.is_empty() || only == "startup" {
            startup().await;
        }
    });
}
