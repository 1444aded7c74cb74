//! The service as a real process: killed with SIGKILL in the middle of 1,000 deliveries and
//! restarted, it delivers every notification, with duplicates only within what was in flight; a
//! second instance on the same SQLite file refuses to start; two on one PostgreSQL database
//! share the work (`instances.rs`).

#[path = "../support/backends.rs"]
#[allow(dead_code)]
mod backends;
#[path = "../support/fixtures.rs"]
mod fixtures;
mod instances;
#[path = "../delivery/smtp.rs"]
#[allow(dead_code)]
mod smtp;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use timescales::calendar::Calendars;
use timescales::clock::FixedClock;
use timescales::lifecycle::Lifecycle;
use timescales::procedure::Procedures;
use timescales::store::Store;
use wiremock::{MockServer, ResponseTemplate};

const NOW: &str = "2027-01-05T10:00:00Z";

fn config(dir: &Path, receiver: &str) -> String {
    format!(
        r#"[store]
state_dir = {state:?}

[api]
listen = "127.0.0.1:0"

[notify]
# Short, so the restart after a kill takes what the dead worker held soon: at least twice the
# webhook's timeout plus 5 s.
lease_seconds = 7
procedures = ["durham"]

[notify.policy]
remind_working_days_before = []
remind_on_due_day = false
breach_alert = true
escalate_after_working_days = 0
window_closed_notice = false

[notify.roles.chair]
chat = ["team"]

[notify.roles.resolution-lead]
chat = ["team"]

[notify.roles.panel-chair]
chat = ["team"]

[[notify.chat]]
name = "team"
kind = "webhook"
url = "{receiver}/team"
secret = "a-shared-secret-for-hmac"
timeout_seconds = 1
"#,
        state = dir.join("state").display().to_string()
    )
}

/// 500 Durham complaints, each with two obligations long overdue: 1,000 breach alerts to send.
async fn seed(dir: &Path) {
    let store = state_store(dir).await;
    let l = Lifecycle::new(
        store.clone(),
        Arc::new(Procedures::load(None).unwrap()),
        Arc::new(Calendars::embedded()),
        // Recorded in time: the breaches come due later, one by one.
        Arc::new(FixedClock::at_noon(
            fixtures::RECORDED_IN_TIME.parse::<NaiveDate>().unwrap(),
        )),
        2,
    );
    l.import(&fixtures::overdue_durham(500)).await.unwrap();
    store.close().await;
}

/// The service's SQLite store in `dir/state`.
async fn state_store(dir: &Path) -> Store {
    Store::connect(&format!(
        "sqlite://{}",
        dir.join("state").join("timescales.db").display()
    ))
    .await
    .unwrap()
}

/// A config with local procedures in `local` and a read-only API token
/// (`test-token-0123456789`).
fn write_config_with_local_procedures(dir: &Path, local: &Path) {
    std::fs::write(
        dir.join("timescales.toml"),
        format!(
            "[store]\nstate_dir = {:?}\n[procedures]\nlocal_dir = {:?}\n[api]\nlisten = \"127.0.0.1:0\"\n[[api.tokens]]\nname = \"test\"\ntoken = \"test-token-0123456789\"\nscopes = [\"read\"]\n",
            dir.join("state").display().to_string(),
            local.display().to_string()
        ),
    )
    .unwrap();
}

/// `timescales serve` on `dir/timescales.toml`, telling systemd's notifications to a socket the
/// test listens on.
fn serve_notified(
    dir: &Path,
    log: &str,
    stderr: Stdio,
) -> (Child, std::os::unix::net::UnixDatagram) {
    let socket_path = dir.join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_timescales"))
        .arg("--config")
        .arg(dir.join("timescales.toml"))
        .arg("serve")
        .env("NOTIFY_SOCKET", &socket_path)
        .env("TIMESCALES_LOG", log)
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    (child, socket)
}

/// The next READY=1 the service sends (skipping keep-alives and the like).
fn next_ready(socket: &std::os::unix::net::UnixDatagram) -> String {
    next_message(socket, "READY=1")
}

/// The next message from the service that starts with `start`.
fn next_message(socket: &std::os::unix::net::UnixDatagram, start: &str) -> String {
    let mut buf = [0u8; 512];
    loop {
        let n = socket.recv(&mut buf).expect("a message from the service");
        let m = String::from_utf8_lossy(&buf[..n]).into_owned();
        if m.starts_with(start) {
            return m;
        }
    }
}

/// The address in READY's "STATUS=serving on ADDR".
fn listening_on(ready: &str) -> String {
    ready.rsplit(' ').next().unwrap().trim().to_string()
}

/// A config with only a state folder and an API on any free port: the service with nothing to
/// deliver.
fn write_minimal_config(dir: &Path) {
    std::fs::write(
        dir.join("timescales.toml"),
        format!(
            "[store]\nstate_dir = {:?}\n[api]\nlisten = \"127.0.0.1:0\"\n",
            dir.join("state").display().to_string()
        ),
    )
    .unwrap();
}

fn serve(dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_timescales"))
        .args(["serve"])
        .env("TIMESCALES_CONFIG", dir.join("timescales.toml"))
        .env("TIMESCALES_NOW", NOW)
        .env("TIMESCALES_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Idempotency key -> how many times it arrived.
async fn arrivals(server: &MockServer) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for r in server.received_requests().await.unwrap_or_default() {
        let key = r
            .headers
            .get("idempotency-key")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        *seen.entry(key).or_insert(0) += 1;
    }
    seen
}

async fn wait_for(
    server: &MockServer,
    at_least: usize,
    within: Duration,
) -> BTreeMap<String, usize> {
    let start = Instant::now();
    loop {
        let seen = arrivals(server).await;
        if seen.len() >= at_least || start.elapsed() > within {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_killed_mid_delivery_loses_nothing_and_a_second_on_sqlite_refuses_to_start() {
    let receiver =
        fixtures::receiving(ResponseTemplate::new(200).set_delay(Duration::from_millis(3))).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("timescales.toml"),
        config(dir.path(), &receiver.uri()),
    )
    .unwrap();
    seed(dir.path()).await;

    let mut first = serve(dir.path());
    let seen = wait_for(&receiver, 200, Duration::from_secs(60)).await;
    assert!(
        seen.len() >= 200,
        "the daemon delivered only {} before the kill",
        seen.len()
    );
    assert!(seen.len() < 1000, "the kill should land mid-delivery");

    // A second instance on the same SQLite file refuses, with the reason.
    let second = serve(dir.path()).wait_with_output().unwrap();
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("another timescales is already running"),
        "{err}"
    );

    // SIGKILL: no chance to finish anything.
    first.kill().unwrap();
    first.wait().unwrap();
    let at_kill = arrivals(&receiver).await.len();

    let mut again = serve(dir.path());
    let seen = wait_for(&receiver, 1000, Duration::from_secs(120)).await;
    again.kill().unwrap();
    again.wait().unwrap();
    assert_eq!(
        seen.len(),
        1000,
        "every notification arrives (killed after {at_kill})"
    );
    let duplicates: usize = seen.values().map(|n| n - 1).sum();
    // The worker sends up to 8 at a time: at most those in flight at the kill arrive twice.
    assert!(
        duplicates <= 8,
        "at most the deliveries in flight at the kill arrive twice, got {duplicates}"
    );
}

#[test]
fn the_service_tells_systemd_it_is_ready_and_stops_cleanly_on_sigterm() {
    use std::os::unix::net::UnixDatagram;
    let dir = tempfile::tempdir().unwrap();
    write_minimal_config(dir.path());
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_timescales"))
        .args(["serve"])
        .env("TIMESCALES_CONFIG", dir.path().join("timescales.toml"))
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "2000000")
        .env("TIMESCALES_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Ignore WATCHDOG_PID: it is unset, so any process may send keep-alives.
    let mut buf = [0u8; 512];
    let mut read = || {
        let n = socket.recv(&mut buf).expect("a message from the service");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let first = read();
    assert!(
        first.starts_with("READY=1\nSTATUS=serving on 127.0.0.1:"),
        "{first}"
    );
    // Keep-alives follow, every half of WATCHDOG_USEC.
    assert_eq!(read(), "WATCHDOG=1");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut stopping = read();
    while stopping == "WATCHDOG=1" {
        stopping = read();
    }
    assert_eq!(stopping, "STOPPING=1");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[tokio::test]
async fn sighup_puts_a_valid_config_and_procedures_in_force_and_refuses_a_broken_set() {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("procedures");
    std::fs::create_dir(&local).unwrap();
    let override_file = local.join("durham-local.toml");
    std::fs::write(
        &override_file,
        "extends = \"durham\"\n[deadlines.acknowledge]\ncount = 2\n",
    )
    .unwrap();
    write_config_with_local_procedures(dir.path(), &local);
    let (mut child, socket) = serve_notified(dir.path(), "warn", Stdio::null());
    let next_ready = || next_ready(&socket);
    let addr = listening_on(&next_ready());
    let client = reqwest::Client::new();
    let count = || async {
        let v: serde_json::Value = client
            .get(format!("http://{addr}/api/v1/procedures/durham"))
            .bearer_auth("test-token-0123456789")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == "acknowledge")
            .unwrap()["rule"]["count"]
            .clone()
    };
    assert_eq!(count().await, 2);
    let hup = |pid: u32| {
        Command::new("kill")
            .args(["-HUP", &pid.to_string()])
            .status()
            .unwrap()
    };
    // A broken override: refused, the old set stays.
    std::fs::write(
        &override_file,
        "extends = \"durham\"\n[deadlines.acknowledge]\ncount = 0\n",
    )
    .unwrap();
    // systemd is told the reload began, and when, on its monotonic clock (Type=notify-reload).
    let before = timescales::systemd::monotonic_usec();
    assert!(hup(child.id()).success());
    let reloading = next_message(&socket, "RELOADING=1");
    let at: u64 = reloading
        .strip_prefix("RELOADING=1\nMONOTONIC_USEC=")
        .unwrap_or_else(|| panic!("{reloading:?}"))
        .trim()
        .parse()
        .unwrap();
    assert!(
        before <= at && at <= timescales::systemd::monotonic_usec(),
        "{before} {at}"
    );
    next_ready();
    assert_eq!(count().await, 2);
    // A valid one: in force.
    std::fs::write(
        &override_file,
        "extends = \"durham\"\n[deadlines.acknowledge]\ncount = 4\n",
    )
    .unwrap();
    assert!(hup(child.id()).success());
    next_ready();
    assert_eq!(count().await, 4);

    // The settings, too: a new API token comes into force with a reload...
    let config_file = dir.path().join("timescales.toml");
    let base = std::fs::read_to_string(&config_file).unwrap();
    let status_with = |token: &'static str| {
        let client = client.clone();
        let addr = addr.clone();
        async move {
            client
                .get(format!("http://{addr}/api/v1/procedures"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(status_with("second-token-0123456789").await, 401);
    std::fs::write(
        &config_file,
        format!("{base}[[api.tokens]]\nname = \"second\"\ntoken = \"second-token-0123456789\"\nscopes = [\"read\"]\n"),
    )
    .unwrap();
    assert!(hup(child.id()).success());
    next_ready();
    assert_eq!(status_with("second-token-0123456789").await, 200);
    // ...and a config with a mistake in it is refused whole: the tokens in force stay.
    std::fs::write(&config_file, format!("{base}[notify]\nlease_secs = 5\n")).unwrap();
    assert!(hup(child.id()).success());
    next_ready();
    assert_eq!(status_with("second-token-0123456789").await, 200);
    assert_eq!(status_with("test-token-0123456789").await, 200);
    // ...and so is one that routes Durham's chair and leaves every other deadline's owner
    // reaching nobody: its new token never comes into force.
    std::fs::write(
        &config_file,
        format!(
            "{base}[[api.tokens]]\nname = \"third\"\ntoken = \"third-token-0123456789\"\nscopes = [\"read\"]\n\
             [notify.smtp]\nhost = \"127.0.0.1\"\nsecurity = \"none\"\nfrom = \"timescales <t@council.example>\"\n\
             [notify.roles.chair]\nemail = [\"chairs@council.example\"]\n"
        ),
    )
    .unwrap();
    assert!(hup(child.id()).success());
    next_ready();
    assert_eq!(status_with("third-token-0123456789").await, 401);
    assert_eq!(status_with("test-token-0123456789").await, 200);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Counts the outbox's notifications by state, straight from the SQLite file.
async fn states(dir: &Path) -> BTreeMap<String, i64> {
    let store = state_store(dir).await;
    let counts = store
        .counts(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap())
        .await
        .unwrap();
    let mut by_state = BTreeMap::new();
    for (state, _destination, n) in counts.notifications {
        *by_state.entry(state).or_insert(0) += n;
    }
    store.close().await;
    by_state
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for the child to exit, at most `within`; its exit status and how long it took.
fn exit_within(child: &mut Child, within: Duration) -> (Option<i32>, Duration) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), start.elapsed());
        }
        if start.elapsed() > within {
            child.kill().unwrap();
            panic!("the service did not stop within {within:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_delivery_finishes_what_is_in_flight_exits_0_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A slow chat server: each delivery takes 200 ms, so some are always in flight.
    let receiver =
        fixtures::receiving(ResponseTemplate::new(200).set_delay(Duration::from_millis(200))).await;
    std::fs::write(
        dir.path().join("timescales.toml"),
        config(dir.path(), &receiver.uri()).replace(
            "lease_seconds = 7\n",
            "lease_seconds = 600\nshutdown_grace_seconds = 10\n",
        ),
    )
    .unwrap();
    seed(dir.path()).await;

    let mut first = serve(dir.path());
    let before = wait_for(&receiver, 40, Duration::from_secs(60)).await;
    assert!(before.len() >= 40, "deliveries began: {}", before.len());
    terminate(&first);
    let (code, took) = exit_within(&mut first, Duration::from_secs(15));
    assert_eq!(code, Some(0), "a clean exit on SIGTERM");
    assert!(took < Duration::from_secs(10), "within the grace: {took:?}");
    // Everything that reached the server is recorded as sent; nothing is left leased.
    let arrived = arrivals(&receiver).await;
    let states = states(dir.path()).await;
    assert_eq!(
        states.get("sent").copied().unwrap_or(0),
        arrived.len() as i64
    );
    assert!(
        arrived.len() < 1000,
        "the stop came mid-delivery: {} of 1000 had arrived",
        arrived.len()
    );
    assert_eq!(
        states.values().sum::<i64>(),
        1000,
        "every notification is still in the outbox: {states:?}"
    );

    // The next start delivers the rest, and, since the stop was clean, nothing twice. The
    // leases were 600 s: were any left behind, the rest would not arrive within the wait.
    let mut second = serve(dir.path());
    let all = wait_for(&receiver, 1000, Duration::from_secs(120)).await;
    terminate(&second);
    exit_within(&mut second, Duration::from_secs(15));
    assert_eq!(all.len(), 1000, "every notification arrived");
    let twice: Vec<_> = all.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "nothing arrives twice: {twice:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_abandons_a_stuck_delivery_after_the_grace_and_the_next_start_sends_it() {
    let dir = tempfile::tempdir().unwrap();
    // A server that never answers within the test: every delivery hangs.
    let stuck =
        fixtures::receiving(ResponseTemplate::new(200).set_delay(Duration::from_secs(300))).await;
    let settings = |receiver: &str| {
        // The webhook's own timeout (10 s) outlasts the test: deliveries are still in flight
        // at the stop.
        config(dir.path(), receiver)
            .replace(
                "lease_seconds = 7\n",
                "lease_seconds = 600\nshutdown_grace_seconds = 1\n",
            )
            .replace("timeout_seconds = 1\n", "")
    };
    std::fs::write(dir.path().join("timescales.toml"), settings(&stuck.uri())).unwrap();
    seed(dir.path()).await;
    let mut first = serve(dir.path());
    let hanging = wait_for(&stuck, 8, Duration::from_secs(60)).await;
    assert_eq!(hanging.len(), 8, "eight deliveries in flight at once");
    terminate(&first);
    let (code, took) = exit_within(&mut first, Duration::from_secs(15));
    assert_eq!(code, Some(0));
    assert!(
        took < Duration::from_secs(5),
        "one second of grace: {took:?}"
    );
    let states = states(dir.path()).await;
    assert_eq!(states.get("planned").copied(), Some(1000), "{states:?}");

    // Released, not left leased for 600 s: the next start sends all 1,000 at once.
    let ok = fixtures::receiving(ResponseTemplate::new(200)).await;
    std::fs::write(dir.path().join("timescales.toml"), settings(&ok.uri())).unwrap();
    let mut second = serve(dir.path());
    let all = wait_for(&ok, 1000, Duration::from_secs(120)).await;
    terminate(&second);
    exit_within(&mut second, Duration::from_secs(15));
    assert_eq!(all.len(), 1000, "every notification arrived");
}

/// The fields of one journald native-protocol datagram (`KEY=value` lines; a value with a
/// newline comes as `KEY`, a little-endian length and the bytes).
fn journal_fields(datagram: &[u8]) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    let mut rest = datagram;
    while !rest.is_empty() {
        let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        let line = &rest[..end];
        if let Some(eq) = line.iter().position(|b| *b == b'=') {
            fields.insert(
                String::from_utf8_lossy(&line[..eq]).into_owned(),
                String::from_utf8_lossy(&line[eq + 1..]).into_owned(),
            );
            rest = rest.get(end + 1..).unwrap_or_default();
        } else {
            let key = String::from_utf8_lossy(line).into_owned();
            let body = &rest[end + 1..];
            let len = u64::from_le_bytes(body[..8].try_into().unwrap()) as usize;
            fields.insert(key, String::from_utf8_lossy(&body[8..8 + len]).into_owned());
            rest = body.get(8 + len + 1..).unwrap_or_default();
        }
    }
    fields
}

/// Removes the stand-in journal socket however the test ends.
struct JournalSocket(std::path::PathBuf);

impl Drop for JournalSocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn under_systemd_log_lines_go_to_journald_with_their_fields() {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::net::UnixDatagram;
    // journald listens on a fixed path. Where none runs (this sandbox, CI), the test listens
    // there itself and reads what a real journald would receive.
    let path = Path::new("/run/systemd/journal/socket");
    if path.exists() {
        eprintln!("journald test SKIPPED: a journald owns {}", path.display());
        return;
    }
    if std::fs::create_dir_all(path.parent().unwrap()).is_err() {
        eprintln!("journald test SKIPPED: cannot create /run/systemd/journal");
        return;
    }
    let journal = UnixDatagram::bind(path).unwrap();
    let _cleanup = JournalSocket(path.to_path_buf());
    journal
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_minimal_config(dir.path());
    // systemd connects standard error to the journal and says which stream it is.
    let stream = std::fs::File::create(dir.path().join("stderr")).unwrap();
    let meta = stream.metadata().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_timescales"))
        .args(["serve"])
        .env("TIMESCALES_CONFIG", dir.path().join("timescales.toml"))
        .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
        .env_remove("TIMESCALES_LOG")
        .env_remove("TIMESCALES_LOG_FORMAT")
        .stdout(Stdio::null())
        .stderr(stream)
        .spawn()
        .unwrap();
    let mut buf = vec![0u8; 65536];
    let serving = loop {
        let n = journal
            .recv(&mut buf)
            .expect("a journal entry from the service");
        let fields = journal_fields(&buf[..n]);
        if fields.get("MESSAGE").map(String::as_str) == Some("timescales is serving") {
            break fields;
        }
    };
    terminate(&child);
    let (code, _) = exit_within(&mut child, Duration::from_secs(15));
    assert_eq!(code, Some(0));
    assert_eq!(serving["SYSLOG_IDENTIFIER"], "timescales");
    assert_eq!(serving["PRIORITY"], "5", "info is journald's notice");
    assert_eq!(
        serving["STORE"], "sqlite",
        "fields are journal fields, unprefixed"
    );
    assert!(serving["ADDR"].starts_with("127.0.0.1:"), "{serving:?}");
    let text = std::fs::read_to_string(dir.path().join("stderr")).unwrap();
    assert!(
        text.is_empty(),
        "nothing is written twice to the stream: {text}"
    );
}

#[tokio::test]
async fn a_reload_that_would_orphan_an_open_complaint_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("procedures");
    std::fs::create_dir(&local).unwrap();
    // A local procedure of the authority's own: Durham's, under another id.
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/procedures/durham.toml"
    ))
    .unwrap();
    let own = local.join("durham-east.toml");
    std::fs::write(
        &own,
        shipped.replacen("id = \"durham\"", "id = \"durham-east\"", 1),
    )
    .unwrap();
    write_config_with_local_procedures(dir.path(), &local);
    // One open complaint under it.
    let store = state_store(dir.path()).await;
    let lifecycle = Lifecycle::new(
        store.clone(),
        Arc::new(Procedures::load(Some(&local)).unwrap()),
        Arc::new(Calendars::embedded()),
        Arc::new(FixedClock::at_noon(
            NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
        )),
        2,
    );
    lifecycle
        .open(fixtures::open("DE-1", "durham-east", "2026-12-11"))
        .await
        .unwrap();
    store.close().await;

    let (mut child, socket) = serve_notified(dir.path(), "error", Stdio::piped());
    let addr = listening_on(&next_ready(&socket));
    // The file goes: a reload would leave DE-1 without its procedure, so it is refused.
    std::fs::remove_file(&own).unwrap();
    Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    next_ready(&socket);
    let status = reqwest::Client::new()
        .get(format!("http://{addr}/api/v1/procedures/durham-east"))
        .bearer_auth("test-token-0123456789")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200, "the procedure is still in force");
    terminate(&child);
    exit_within(&mut child, Duration::from_secs(15));
    let mut log = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(
        log.contains("open complaints follow procedures the new set lacks: durham-east"),
        "{log}"
    );
}

/// A complaint opened and moved on with `timescales complaint ...` while the service runs: the
/// command plans the breach alerts in its own transaction, and the service's worker, which no
/// one woke, finds them within seconds and sends them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_with_the_cli_is_delivered_by_the_running_service() {
    let smtp = smtp::SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("timescales.toml"),
        format!(
            "[store]\nstate_dir = {:?}\n[api]\nlisten = \"127.0.0.1:0\"\n\
             [notify.policy]\nremind_working_days_before = []\nremind_on_due_day = false\n\
             escalate_after_working_days = 0\n\
             [notify]\nsettle_seconds = 1\nprocedures = [\"durham\"]\n\
             fallback = {{ email = [\"unit@council.example\"] }}\n\
             [notify.roles.chair]\nemail = [\"chairs@council.example\"]\n\
             [notify.smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\n\
             from = \"timescales <timescales@council.example>\"\n",
            dir.path().join("state").display().to_string(),
            smtp.port
        ),
    )
    .unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut service = Command::new(env!("CARGO_BIN_EXE_timescales"))
        .arg("serve")
        .env("TIMESCALES_CONFIG", dir.path().join("timescales.toml"))
        .env("TIMESCALES_NOW", NOW)
        .env("NOTIFY_SOCKET", &socket_path)
        .env("TIMESCALES_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    next_ready(&socket);
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_timescales"))
            .args(args)
            .env("TIMESCALES_CONFIG", dir.path().join("timescales.toml"))
            .env("TIMESCALES_NOW", NOW)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    cli(&[
        "complaint",
        "open",
        "CLI-1",
        "--procedure",
        "durham",
        "--complainant",
        "parent",
        "--conference",
        "2026-12-11",
    ]);
    // Concerns received Mon 14 Dec: the acknowledgement was due Thu 17 Dec (15, 16, 17), the
    // offer of an appointment Wed 30 Dec (15-18, 21-24, 29, 30): both overdue on Tue 5 Jan.
    cli(&[
        "complaint",
        "event",
        "CLI-1",
        "concerns-received",
        "--date",
        "2026-12-14",
    ]);
    let started = Instant::now();
    let mut mail = Vec::new();
    while started.elapsed() < Duration::from_secs(10) {
        mail = smtp.messages();
        if !mail.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    terminate(&service);
    let _ = service.wait();
    // Entered after both were due: one notice listing them, not two fresh breach alerts.
    assert_eq!(mail.len(), 1, "the notice arrives within 10 s: {mail:?}");
    let m = smtp::decoded(&mail[0]);
    assert!(
        m.contains("Subject: 2 deadlines were already due or past when entered"),
        "{m}"
    );
    assert!(m.contains("To: chairs@council.example"), "{m}");
    assert!(
        m.contains("CLI-1 (Durham): Write back to the complainant: due Thu 17 Dec 2026"),
        "{m}"
    );
    assert!(
        m.contains("CLI-1 (Durham): Offer an appointment to attempt to resolve things: due Wed 30 Dec 2026"),
        "{m}"
    );
}

/// Outside systemd, `serve --credentials DIR` reads `credential:NAME` secrets from DIR as the
/// unit's LoadCredential= would hand them over, a further webhook's from `webhooks/NAME` included;
/// without it, such a config is refused (exit 78) saying what to pass.
#[test]
fn serve_takes_a_credentials_folder_outside_systemd() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("timescales.toml"),
        format!(
            "[store]\nstate_dir = {:?}\n[api]\nlisten = \"127.0.0.1:0\"\n\n\
             [[notify.chat]]\nname = \"team\"\nkind = \"teams\"\nurl = \"credential:webhook-url\"\n\n\
             [[notify.chat]]\nname = \"ops\"\nkind = \"slack\"\nurl = \"credential:webhooks_ops\"\n",
            dir.path().join("state").display().to_string()
        ),
    )
    .unwrap();
    let credentials = dir.path().join("credentials");
    std::fs::create_dir_all(credentials.join("webhooks")).unwrap();
    std::fs::write(credentials.join("webhook-url"), "http://127.0.0.1:9/team\n").unwrap();
    std::fs::write(credentials.join("webhooks/ops"), "http://127.0.0.1:9/ops").unwrap();

    let run = |extra: &[&std::ffi::OsStr]| {
        Command::new(env!("CARGO_BIN_EXE_timescales"))
            .arg("--config")
            .arg(dir.path().join("timescales.toml"))
            .arg("serve")
            .args(extra)
            .env_remove("CREDENTIALS_DIRECTORY")
            .env("TIMESCALES_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let refused = run(&[]).wait_with_output().unwrap();
    assert_eq!(refused.status.code(), Some(78));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("names credential 'webhook-url' but CREDENTIALS_DIRECTORY is not set (outside systemd, pass --credentials DIR)"),
        "{err}"
    );

    let socket_path = dir.path().join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_timescales"))
        .arg("--config")
        .arg(dir.path().join("timescales.toml"))
        .arg("serve")
        .arg("--credentials")
        .arg(&credentials)
        .env_remove("CREDENTIALS_DIRECTORY")
        .env("NOTIFY_SOCKET", &socket_path)
        .env("TIMESCALES_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ready = next_ready(&socket);
    assert!(ready.contains("STATUS=serving on"), "{ready}");
    terminate(&child);
    assert_eq!(exit_within(&mut child, Duration::from_secs(30)).0, Some(0));

    let missing = run(&[
        std::ffi::OsStr::new("--credentials"),
        dir.path().join("nowhere").as_os_str(),
    ])
    .wait_with_output()
    .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("not a folder"));
}

/// The service as tests and benchmarks run it: built in process from its settings by the same
/// `Daemon` that `serve` runs, on an injected clock, told to reload and stop through its control
/// channel. A complaint opened through its API is planned and, once the clock passes the due
/// date, its breach alert reaches a real SMTP server; a reload puts a new token in force; a stop
/// returns cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_runs_in_process_on_an_injected_clock_and_obeys_reload_and_stop() {
    use timescales::daemon::{Control, Daemon};
    let smtp = smtp::SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("timescales.toml");
    let base = format!(
        "[store]\nstate_dir = {:?}\n[api]\nlisten = \"127.0.0.1:0\"\n\
         [[api.tokens]]\nname = \"case-system\"\ntoken = \"writer-token-0123456789\"\nscopes = [\"read\", \"write\"]\n\
         [notify]\nsettle_seconds = 1\nprocedures = [\"durham\"]\n\
         [notify.policy]\nremind_working_days_before = []\nremind_on_due_day = false\n\
         escalate_after_working_days = 0\nwindow_closed_notice = false\n\
         [notify.roles.chair]\nemail = [\"chairs@council.example\"]\n\
         [notify.roles.resolution-lead]\nemail = [\"leads@council.example\"]\n\
         [notify.roles.panel-chair]\nemail = [\"panel@council.example\"]\n\
         [notify.roles.manager]\nemail = [\"managers@council.example\"]\n\
         [notify.smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\n\
         from = \"timescales <timescales@council.example>\"\n",
        dir.path().join("state").display().to_string(),
        smtp.port
    );
    std::fs::write(&path, &base).unwrap();
    let settings =
        timescales::config::Settings::load_from(Some(&path), Vec::<(String, String)>::new())
            .unwrap();
    // Mon 14 Dec 2026, noon: the concerns arrive today.
    let clock = Arc::new(FixedClock::at_noon(
        NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
    ));
    let daemon = Daemon::build(settings, Some(path.clone()), clock.clone())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = format!("http://{}", listener.local_addr().unwrap());
    let (control, controlled) = tokio::sync::mpsc::channel(4);
    let run = tokio::spawn(daemon.run(listener, controlled));

    let http = reqwest::Client::new();
    let opened = http
        .post(format!("{api}/api/v1/complaints"))
        .bearer_auth("writer-token-0123456789")
        .json(&serde_json::json!({
            "reference": "INP-1", "procedure": "durham", "complainant_role": "parent",
            "conference_date": "2026-12-11", "recorded_by": "Team Manager",
            "events": [{"name": "concerns-received", "date": "2026-12-14"}]
        }))
        .send()
        .await
        .unwrap();
    assert!(
        opened.status().is_success(),
        "{}",
        opened.text().await.unwrap()
    );
    // Started after today's digest time (8 am): today's digest is caught up at once. Nothing
    // else is due: the acknowledgement is due Thu 17 Dec (15, 16, 17).
    let arrived = |n: usize| {
        let smtp = &smtp;
        async move {
            let started = Instant::now();
            let mut mail = smtp.messages();
            while started.elapsed() < Duration::from_secs(10) && mail.len() < n {
                tokio::time::sleep(Duration::from_millis(100)).await;
                mail = smtp.messages();
            }
            mail
        }
    };
    let mail = arrived(1).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    let digest = smtp::decoded(&mail[0]);
    assert!(
        digest.contains("Subject: timescales digest for Mon 14 Dec 2026: 1 deadline overdue or due within 5 working days"),
        "{digest}"
    );
    assert!(
        digest.contains("- INP-1 (Durham) | Write back to the complainant | Thu 17 Dec | open: 3 working days left"),
        "{digest}"
    );

    // Fri 18 Dec, 2 pm: the acknowledgement is a day overdue; the offer of an appointment (Wed
    // 30 Dec) is not yet due. The worker looks again within seconds.
    clock.set("2026-12-18T14:00:00Z".parse().unwrap());
    let mail = arrived(2).await;
    assert_eq!(mail.len(), 2, "one breach alert within 10 s: {mail:?}");
    let m = smtp::decoded(&mail[1]);
    assert!(m.contains("To: chairs@council.example"), "{m}");
    assert!(
        m.contains(
            "Subject: INP-1 (Durham): Write back to the complainant: overdue since Thu 17 Dec"
        ),
        "{m}"
    );

    // A reload adds a read-only token: it is accepted once the reload is in force.
    std::fs::write(
        &path,
        format!("{base}[[api.tokens]]\nname = \"dashboard\"\ntoken = \"reader-token-0123456789\"\nscopes = [\"read\"]\n"),
    )
    .unwrap();
    let read = |token: &'static str| {
        let (http, url) = (http.clone(), format!("{api}/api/v1/complaints/INP-1"));
        async move {
            http.get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(read("reader-token-0123456789").await, 401);
    control.send(Control::Reload).await.unwrap();
    let started = Instant::now();
    while read("reader-token-0123456789").await != 200 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "reload not in force"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A broken config is refused and the one in force stays.
    std::fs::write(&path, "[store\n").unwrap();
    control.send(Control::Reload).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(read("reader-token-0123456789").await, 200);

    control.send(Control::Stop).await.unwrap();
    let stopped = tokio::time::timeout(Duration::from_secs(15), run)
        .await
        .expect("stops within 15 s")
        .unwrap();
    assert!(stopped.is_ok(), "{stopped:?}");
    // The reload's new crew caught up Fri 18 Dec's digest (the clock jumped past its time);
    // nothing else was sent: each digest and the breach once.
    let mail = smtp.messages();
    assert_eq!(mail.len(), 3, "{mail:?}");
    let digest = smtp::decoded(&mail[2]);
    assert!(
        digest.contains("Subject: timescales digest for Fri 18 Dec 2026: 1 deadline overdue or due within 5 working days"),
        "{digest}"
    );
}

/// The daily bank-holiday refresh, as the service runs it: at start the address answers 503 and
/// the operator hears that the refresh failed (the data in force kept); after a reload (which
/// restarts the crew, and so the refresh) it serves a file with a new one-off holiday, which is
/// installed and put in force, and the operator hears what changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_refreshes_the_bank_holidays_and_tells_the_operator() {
    use timescales::daemon::{Control, Daemon};
    use wiremock::matchers::path;
    let chat = fixtures::receiving(ResponseTemplate::new(200)).await;
    let govuk = MockServer::start().await;
    wiremock::Mock::given(path("/bank-holidays.json"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&govuk)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let holidays = dir.path().join("holidays");
    let path_ = dir.path().join("timescales.toml");
    std::fs::write(
        &path_,
        format!(
            "[calendar]\nholidays_dir = {:?}\nholidays_url = \"{}/bank-holidays.json\"\n\
             [store]\nstate_dir = {:?}\n[api]\nlisten = \"127.0.0.1:0\"\n\
             [notify]\nadmin = [\"chat:ops\"]\n[notify.fallback]\nchat = [\"ops\"]\n\
             [[notify.chat]]\nname = \"ops\"\nkind = \"slack\"\nurl = \"{}/ops\"\n",
            holidays.display().to_string(),
            govuk.uri(),
            dir.path().join("state").display().to_string(),
            chat.uri()
        ),
    )
    .unwrap();
    let settings =
        timescales::config::Settings::load_from(Some(&path_), Vec::<(String, String)>::new())
            .unwrap();
    let clock = Arc::new(FixedClock::at_noon(
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
    ));
    let daemon = Daemon::build(settings, Some(path_.clone()), clock)
        .await
        .unwrap();
    let lifecycle = daemon.lifecycle().clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (control, controlled) = tokio::sync::mpsc::channel(4);
    let run = tokio::spawn(daemon.run(listener, controlled));
    let posts = |n: usize| {
        let chat = &chat;
        async move {
            let started = Instant::now();
            loop {
                let got: Vec<String> = chat
                    .received_requests()
                    .await
                    .unwrap_or_default()
                    .iter()
                    .map(|r| String::from_utf8_lossy(&r.body).into_owned())
                    .collect();
                if got.len() >= n || started.elapsed() > Duration::from_secs(10) {
                    return got;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let got = posts(1).await;
    assert_eq!(got.len(), 1, "{got:?}");
    for needle in [
        "timescales: the bank-holiday refresh failed",
        "the server answered 503 Service Unavailable",
    ] {
        assert!(got[0].contains(needle), "{needle}: {}", got[0]);
    }
    assert!(!holidays.exists());

    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../../holidays/bank-holidays.json")).unwrap();
    v["england-and-wales"]["events"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"title": "Imaginary one-off holiday", "date": "2027-06-07", "notes": ""}));
    govuk.reset().await;
    wiremock::Mock::given(path("/bank-holidays.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(v.to_string()))
        .mount(&govuk)
        .await;
    control.send(Control::Reload).await.unwrap();
    let got = posts(2).await;
    assert_eq!(got.len(), 2, "{got:?}");
    for needle in [
        "timescales: new bank-holiday data installed",
        "england-and-wales: new bank holiday Mon 7 Jun 2027, Imaginary one-off holiday",
    ] {
        assert!(got[1].contains(needle), "{needle}: {}", got[1]);
    }
    assert!(holidays.join("bank-holidays.json").is_file());
    assert!(!lifecycle
        .calendars()
        .get(timescales::calendar::Division::EnglandAndWales)
        .is_working_day(NaiveDate::from_ymd_opt(2027, 6, 7).unwrap())
        .unwrap());

    control.send(Control::Stop).await.unwrap();
    let stopped = tokio::time::timeout(Duration::from_secs(15), run)
        .await
        .expect("stops within 15 s")
        .unwrap();
    assert!(stopped.is_ok(), "{stopped:?}");
}
