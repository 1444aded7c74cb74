//! Two `timescales serve` processes on one PostgreSQL database, as behind a load balancer, over a
//! day of simulated time: each process runs on an offset clock (`TIMESCALES_NOW`), both started
//! at one instant a few seconds before the 09:00 digest, on Tuesday and again on Wednesday. Both
//! serve the API; one leads, and the digest, the holiday-data alert and the closures proposed
//! happen once. On Wednesday the leader is killed with SIGKILL before the digest, and the other
//! takes the lead over and sends it, once.
//!
//! September 2028: the shipped GOV.UK data ends with 2028, so the operator is told each day
//! that it runs out within six months.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use timescales::calendar::Calendars;
use timescales::clock::FixedClock;
use timescales::lifecycle::Lifecycle;
use timescales::procedure::Procedures;
use timescales::store::{Store, LEADER};

use super::{backends, exit_within, fixtures, listening_on, next_ready, smtp, terminate};

/// The lease is short so that a takeover comes within seconds: the SMTP timeout is 1 s, and the
/// lease must be at least twice that plus 5 s.
fn config(dir: &Path, database_url: &str, smtp_port: u16) -> String {
    format!(
        r#"[store]
state_dir = {state:?}
database_url = "{database_url}"

[api]
listen = "127.0.0.1:0"

[notify]
lease_seconds = 7
procedures = ["kent", "bedford-central-beds"]
admin = ["email:it@council.example"]
fallback = {{ email = ["unit@council.example"] }}

# Only the digest and the operator's alerts: the outbox is another test's subject.
[notify.policy]
remind_working_days_before = []
remind_on_due_day = false
breach_alert = false
escalate_after_working_days = 0
window_closed_notice = false

[notify.digest]
cron = "0 9 * * *"

[notify.roles."kent/conference-chair"]
email = ["chairs@council.example"]

[notify.roles."bedford-central-beds/team-manager"]
email = ["managers@council.example"]

[notify.smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
from = "timescales <timescales@council.example>"
timeout_seconds = 1
"#,
        state = dir.join("state").display().to_string()
    )
}

/// The family's windows, opened on Tue 29 Aug 2028 (Mon 28 Aug is the summer bank holiday):
/// Kent's representation window is 10 working days from the conference, Bedford's letter to
/// the Team Manager 28 calendar days.
///
/// - KT-1, conference Fri 18 Aug: the window closes Mon 4 Sep, proposed for closure on Tuesday.
/// - KT-2, conference Mon 21 Aug: closes Tue 5 Sep, proposed on Wednesday.
/// - KT-3, conference Fri 25 Aug: closes Mon 11 Sep; in both days' digests to the chairs.
/// - BC-1, conference Fri 11 Aug: closes Fri 8 Sep; in both days' digests to the managers.
async fn seed(url: &str) {
    let store = Store::connect(url).await.unwrap();
    let l = Lifecycle::new(
        store.clone(),
        Arc::new(Procedures::load(None).unwrap()),
        Arc::new(Calendars::embedded()),
        Arc::new(FixedClock::at_noon(
            NaiveDate::from_ymd_opt(2028, 8, 29).unwrap(),
        )),
        2,
    );
    for (reference, conference) in [
        ("KT-1", "2028-08-18"),
        ("KT-2", "2028-08-21"),
        ("KT-3", "2028-08-25"),
    ] {
        let mut k = fixtures::open(reference, "kent", conference);
        k.track = Some("representation".into());
        l.open(k).await.unwrap();
    }
    l.open(fixtures::open("BC-1", "bedford-central-beds", "2028-08-11"))
        .await
        .unwrap();
    store.close().await;
}

/// One `timescales serve` on the shared config, its clock reading `now` as it starts.
struct Instance {
    child: Child,
    socket: std::os::unix::net::UnixDatagram,
    log: PathBuf,
}

impl Instance {
    fn start(dir: &Path, name: &str, now: &str) -> Instance {
        let socket_path = dir.join(format!("notify-{name}.sock"));
        let _ = std::fs::remove_file(&socket_path);
        let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let log = dir.join(format!("{name}-{now}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_timescales"))
            .arg("--config")
            .arg(dir.join("timescales.toml"))
            .args(["--log-format", "human", "serve"])
            .env("TIMESCALES_NOW", now)
            .env("NOTIFY_SOCKET", &socket_path)
            .env("TIMESCALES_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Instance { child, socket, log }
    }

    /// Waits for READY=1; where the API answers.
    fn ready(&self) -> String {
        listening_on(&next_ready(&self.socket))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// (recipient, subject) -> how many times it arrived.
fn received(smtp: &smtp::SmtpServer) -> BTreeMap<(String, String), usize> {
    let mut seen = BTreeMap::new();
    for raw in smtp.messages() {
        let headers = smtp::headers(&raw);
        let field = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        *seen.entry((field("To"), field("Subject"))).or_insert(0) += 1;
    }
    seen
}

/// Waits (at most a minute) until `n` messages in all have arrived.
async fn wait_for_mail(smtp: &smtp::SmtpServer, n: usize) -> usize {
    let started = Instant::now();
    loop {
        let count = smtp.messages().len();
        if count >= n || started.elapsed() > Duration::from_secs(60) {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The process id in the lead's holder (host:pid:start), if anyone holds it.
async fn leader_pid(store: &Store) -> Option<u32> {
    store
        .lease(LEADER)
        .await
        .unwrap()
        .and_then(|l| l.holder.split(':').nth(1).and_then(|p| p.parse().ok()))
}

async fn closures_proposed(store: &Store, reference: &str) -> usize {
    store
        .audit(reference)
        .await
        .unwrap()
        .iter()
        .filter(|a| a.action == "propose-closure")
        .count()
}

const ALERT: &str = "timescales: official bank-holiday data runs out within six months";

/// What one day brings, each once: the digest to the chairs (the three Kent windows, a closed
/// one listed as overdue until staff close its complaint) and to the managers (Bedford's
/// window), and the operator's alert.
fn each_once(date: &str) -> BTreeMap<(String, String), usize> {
    [
        (
            "chairs@council.example",
            format!(
                "timescales digest for {date}: 3 deadlines overdue or due within 5 working days"
            ),
        ),
        ("it@council.example", ALERT.to_string()),
        (
            "managers@council.example",
            format!(
                "timescales digest for {date}: 1 deadline overdue or due within 5 working days"
            ),
        ),
    ]
    .into_iter()
    .map(|(to, subject)| ((to.to_string(), subject), 1))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_send_each_digest_and_alert_once_and_one_takes_over_from_a_killed_leader(
) {
    let Some(db) = backends::TestDatabase::create("two instances on one database").await else {
        return;
    };
    let url = db.url.clone();
    let smtp = smtp::SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("timescales.toml"),
        config(dir.path(), &url, smtp.port),
    )
    .unwrap();
    seed(&url).await;
    let store = Store::connect(&url).await.unwrap();

    // Tuesday 5 September 2028, ten seconds before the 09:00 digest (08:00 UTC, BST).
    let started = Instant::now();
    let mut a = Instance::start(dir.path(), "a", "2028-09-05T07:59:50Z");
    let mut b = Instance::start(dir.path(), "b", "2028-09-05T07:59:50Z");
    let http = reqwest::Client::new();
    for instance in [&a, &b] {
        let addr = instance.ready();
        let ready = http
            .get(format!("http://{addr}/readyz"))
            .send()
            .await
            .unwrap();
        assert_eq!(ready.status(), 200, "both instances serve");
    }
    let arrived = wait_for_mail(&smtp, 3).await;
    assert!(
        arrived >= 3,
        "{:?}\nA: {}\nB: {}",
        received(&smtp),
        a.log(),
        b.log()
    );
    // Both clocks past 09:00:05: had the other instance sent anything too, it would be here.
    tokio::time::sleep(Duration::from_secs(15).saturating_sub(started.elapsed())).await;
    let tuesday_leader = leader_pid(&store).await;
    assert!(
        tuesday_leader == Some(a.child.id()) || tuesday_leader == Some(b.child.id()),
        "one of them leads: {tuesday_leader:?}"
    );
    for instance in [&mut a, &mut b] {
        terminate(&instance.child);
        assert_eq!(
            exit_within(&mut instance.child, Duration::from_secs(30)).0,
            Some(0)
        );
    }
    assert_eq!(
        store.lease(LEADER).await.unwrap(),
        None,
        "the leader gives the lead back on stop"
    );
    let tuesday = received(&smtp);
    assert_eq!(
        tuesday,
        each_once("Tue 5 Sep 2028"),
        "each once\nA: {}\nB: {}",
        a.log(),
        b.log()
    );
    assert_eq!(closures_proposed(&store, "KT-1").await, 1);
    assert_eq!(closures_proposed(&store, "KT-2").await, 0);

    // Wednesday 6 September, thirty seconds before the digest.
    let started = Instant::now();
    let a = Instance::start(dir.path(), "a", "2028-09-06T07:59:30Z");
    let b = Instance::start(dir.path(), "b", "2028-09-06T07:59:30Z");
    a.ready();
    b.ready();
    // The leader's upkeep tells the operator as it takes the lead.
    assert_eq!(wait_for_mail(&smtp, 4).await, 4, "{:?}", received(&smtp));
    let leader = leader_pid(&store).await.expect("someone leads");
    let (mut dead, mut survivor) = if leader == a.child.id() {
        (a, b)
    } else {
        (b, a)
    };
    dead.child.kill().unwrap();
    dead.child.wait().unwrap();
    assert_eq!(
        smtp.messages().len(),
        4,
        "killed before Wednesday's digest: the survivor sends it"
    );
    let arrived = wait_for_mail(&smtp, 6).await;
    assert_eq!(arrived, 6, "{:?}\n{}", received(&smtp), survivor.log());
    tokio::time::sleep(Duration::from_secs(40).saturating_sub(started.elapsed())).await;
    assert_eq!(
        leader_pid(&store).await,
        Some(survivor.child.id()),
        "the survivor took the lead over"
    );
    terminate(&survivor.child);
    assert_eq!(
        exit_within(&mut survivor.child, Duration::from_secs(30)).0,
        Some(0)
    );
    let mut wednesday = received(&smtp);
    for (key, n) in &tuesday {
        let left = wednesday.get_mut(key).unwrap();
        *left -= n;
        if *left == 0 {
            wednesday.remove(key);
        }
    }
    assert_eq!(
        wednesday,
        each_once("Wed 6 Sep 2028"),
        "each once\nsurvivor: {}",
        survivor.log()
    );
    assert!(
        survivor
            .log()
            .contains("leading: this instance runs the digest and the upkeep"),
        "{}",
        survivor.log()
    );
    assert_eq!(closures_proposed(&store, "KT-1").await, 1);
    assert_eq!(closures_proposed(&store, "KT-2").await, 1);
    assert_eq!(closures_proposed(&store, "KT-3").await, 0);
    drop(dead);

    store.close().await;
    db.drop().await;
}
