//! `timescales doctor` against real peers: an SMTP server that requires a login (aiosmtpd) and
//! chat webhooks (wiremock), with the password in a credential file as systemd would pass it.

use std::path::Path;
use std::process::Command;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::smtp::SmtpServer;

fn doctor(config: &Path, credentials: &Path, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_timescales"))
        .arg("--config")
        .arg(config)
        .args(["doctor", "--json", "--credentials"])
        .arg(credentials)
        .args(extra)
        .env_remove("CREDENTIALS_DIRECTORY")
        .env_remove("TIMESCALES_LOG")
        .output()
        .unwrap();
    let findings = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "doctor --json printed no JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), findings)
}

/// The finding of `check`: its verdict and detail.
fn finding(findings: &serde_json::Value, check: &str) -> (String, String) {
    let f = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check)
        .unwrap_or_else(|| panic!("no {check} finding in {findings:#}"));
    (
        f["verdict"].as_str().unwrap().to_string(),
        f["detail"].as_str().unwrap().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_smtp_login_each_webhook_and_the_database_and_says_what_failed() {
    let smtp = SmtpServer::start_with_login("timescales", "right-password");
    let chat = MockServer::start().await;
    // Chat services answer a GET of a webhook with 405: reachable. A deleted webhook is a 404.
    Mock::given(method("GET"))
        .and(path("/team"))
        .respond_with(ResponseTemplate::new(405))
        .mount(&chat)
        .await;
    Mock::given(method("GET"))
        .and(path("/gone"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&chat)
        .await;
    Mock::given(method("POST"))
        .and(path("/team"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&chat)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("credentials");
    std::fs::create_dir(&credentials).unwrap();
    std::fs::write(credentials.join("smtp-password"), "wrong-password\n").unwrap();
    let config = dir.path().join("timescales.toml");
    let write_config = |chats: &str| {
        std::fs::write(
            &config,
            format!(
                r#"[store]
state_dir = {state:?}

[[api.tokens]]
name = "case-system"
token = "a-long-enough-token-0123456789"
scopes = ["read"]

[notify]
admin = ["chat:team"]
procedures = ["durham"]

[notify.smtp]
host = "127.0.0.1"
port = {port}
security = "none"
username = "timescales"
password = "credential:smtp-password"
from = "timescales <timescales@council.example>"

[notify.roles.chair]
email = ["chairs@council.example"]
chat = ["team"]

[notify.roles.resolution-lead]
email = ["resolution@council.example"]

[notify.roles.panel-chair]
email = ["panels@council.example"]

[notify.roles.manager]
email = ["managers@council.example"]
{chats}"#,
                state = dir.path().join("state").display().to_string(),
                port = smtp.port,
            ),
        )
        .unwrap()
    };
    let team = format!(
        "[[notify.chat]]\nname = \"team\"\nkind = \"teams\"\nurl = \"{}/team\"\n",
        chat.uri()
    );
    let gone = format!(
        "[[notify.chat]]\nname = \"gone\"\nkind = \"slack\"\nurl = \"{}/gone\"\n",
        chat.uri()
    );
    write_config(&format!("{team}{gone}"));

    // A wrong password and a deleted webhook: two failures, exit 1, and nothing else wrong.
    let (code, findings) = doctor(&config, &credentials, &[]);
    assert_eq!(code, Some(1), "{findings:#}");
    let (verdict, detail) = finding(&findings, "smtp");
    assert_eq!(verdict, "fail");
    assert_eq!(
        detail,
        format!("127.0.0.1:{}: authentication refused (535)", smtp.port)
    );
    assert_eq!(
        finding(&findings, "holiday refresh"),
        (
            "ok".into(),
            "off: the holiday data changes only by `timescales holidays import`".into()
        )
    );
    let host = chat.uri();
    assert_eq!(
        finding(&findings, "chat team"),
        (
            "ok".into(),
            format!("reachable: {host} answered HTTP 405 Method Not Allowed")
        )
    );
    let (verdict, detail) = finding(&findings, "chat gone");
    assert_eq!(verdict, "fail");
    assert!(
        detail.ends_with(
            "answered HTTP 404 Not Found: the webhook URL is wrong or the webhook was deleted"
        ),
        "{detail}"
    );
    assert_eq!(
        finding(&findings, "database"),
        (
            "ok".into(),
            format!(
                "sqlite://{}/state/timescales.db does not exist yet: the service creates it at its first start",
                dir.path().display()
            )
        )
    );
    assert!(
        !dir.path().join("state").exists(),
        "the doctor creates nothing"
    );
    assert_eq!(finding(&findings, "api").0, "ok");
    assert_eq!(finding(&findings, "procedures").0, "ok");
    assert_eq!(
        finding(&findings, "routing"),
        (
            "ok".into(),
            "1 procedure in use (durham): each of their 4 roles reaches a destination of its own"
                .into()
        )
    );

    // Fixed: the right password, the dead webhook removed. A test message reaches the team.
    std::fs::write(credentials.join("smtp-password"), "right-password\n").unwrap();
    write_config(&team);
    let (code, findings) = doctor(&config, &credentials, &["--send-test"]);
    assert_eq!(code, Some(0), "{findings:#}");
    assert_eq!(
        finding(&findings, "smtp"),
        (
            "ok".into(),
            format!("127.0.0.1:{}: connected and accepted", smtp.port)
        )
    );
    assert_eq!(
        finding(&findings, "test chat:team"),
        ("ok".into(), "sent: look for it".into())
    );
    let posts: Vec<serde_json::Value> = chat
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(posts.len(), 1);
    assert!(
        posts[0]
            .to_string()
            .contains("a test message from `timescales doctor`"),
        "{}",
        posts[0]
    );

    // A credential that cannot be read fails the SMTP check alone: the webhook is still checked.
    std::fs::remove_file(credentials.join("smtp-password")).unwrap();
    let (code, findings) = doctor(&config, &credentials, &[]);
    assert_eq!(code, Some(1));
    let (verdict, detail) = finding(&findings, "smtp");
    assert_eq!(verdict, "fail");
    assert!(
        detail.starts_with("notify.smtp.password: credential 'smtp-password': "),
        "{detail}"
    );
    assert_eq!(finding(&findings, "chat team").0, "ok");
    std::fs::write(credentials.join("smtp-password"), "right-password\n").unwrap();

    // A database in use: counted without being changed (no journal files appear beside it).
    let url = format!("sqlite://{}/state/timescales.db", dir.path().display());
    let store = timescales::store::Store::connect(&url).await.unwrap();
    let lifecycle = timescales::lifecycle::Lifecycle::new(
        store.clone(),
        std::sync::Arc::new(timescales::procedure::Procedures::load(None).unwrap()),
        std::sync::Arc::new(timescales::calendar::Calendars::embedded()),
        std::sync::Arc::new(timescales::clock::FixedClock::at_noon(
            "2026-12-14".parse().unwrap(),
        )),
        2,
    );
    for reference in ["CP-1", "CP-2", "CP-3"] {
        lifecycle
            .open(crate::worker::open(reference))
            .await
            .unwrap();
    }
    // Everything into the database file itself: the doctor opens it immutable, which reads no
    // write-ahead log, and the last connection's own checkpoint at close comes on a thread of
    // its own, sometimes seconds later on a loaded machine.
    if let timescales::store::Store::Sqlite(pool) = &store {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(pool)
            .await
            .unwrap();
    }
    store.close().await;
    // sqlx finishes closing SQLite connections on their own threads: the last one removes the
    // (now empty) write-ahead log a moment after close() returns.
    let wal = dir.path().join("state/timescales.db-wal");
    for _ in 0..100 {
        if !wal.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let before: Vec<_> = std::fs::read_dir(dir.path().join("state"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let (_, findings) = doctor(&config, &credentials, &[]);
    assert_eq!(
        finding(&findings, "database"),
        (
            "ok".into(),
            format!("{url}: 3 complaints, schema up to date")
        )
    );
    let after: Vec<_> = std::fs::read_dir(dir.path().join("state"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after);

    // A database that cannot be reached is a failure that says where to look.
    std::fs::write(
        &config,
        "[store]\ndatabase_url = \"postgres://timescales:hunter2@127.0.0.1:1/timescales\"\n",
    )
    .unwrap();
    let (code, findings) = doctor(&config, &credentials, &[]);
    assert_eq!(code, Some(1));
    let f = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "database")
        .unwrap();
    assert_eq!(f["verdict"], "fail");
    let detail = f["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("postgres://timescales:***@127.0.0.1:1/timescales: "),
        "{detail}"
    );
    assert!(
        !findings.to_string().contains("hunter2"),
        "no password shown"
    );
    assert!(f["fix"].as_str().unwrap().contains("store.database_url"));
}

#[test]
fn doctor_reports_a_broken_config_as_its_finding_and_exits_78() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("timescales.toml");
    std::fs::write(&config, "[notify]\nadmin = [\"chat:teams\"]\n").unwrap();
    let (code, findings) = doctor(&config, dir.path(), &[]);
    assert_eq!(code, Some(78));
    let (verdict, detail) = finding(&findings, "config");
    assert_eq!(verdict, "fail");
    assert!(
        detail.ends_with("notify.admin: no chat channel named `teams`: add a [[notify.chat]] entry with that name"),
        "{detail}"
    );
}

/// The doctor's routing finding for `config`, run with an empty credentials folder.
fn routing(dir: &Path, config: &str) -> (Option<i32>, (String, String), serde_json::Value) {
    let file = dir.join("timescales.toml");
    std::fs::write(&file, config).unwrap();
    let (code, findings) = doctor(&file, dir, &[]);
    let f = finding(&findings, "routing");
    let fix = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "routing")
        .unwrap()["fix"]
        .clone();
    (code, f, fix)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_fails_a_role_that_reaches_nobody_warns_of_roles_on_the_fallback_and_of_notifications_off(
) {
    let smtp = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let base = format!(
        "[store]\nstate_dir = {state:?}\n[[api.tokens]]\nname = \"case-system\"\ntoken = \"a-long-enough-token-0123456789\"\nscopes = [\"read\"]\n\
         [notify]\nadmin = [\"email:it@council.example\"]\nprocedures = [\"kent\"]\n{{fallback}}\
         [notify.smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nfrom = \"timescales <timescales@council.example>\"\n\
         [notify.roles.chairs-manager]\nemail = [\"cm@council.example\"]\n\
         [notify.roles.customer-care-manager]\nemail = [\"care@council.example\"]\n\
         [notify.roles.review-panel-chair]\nemail = [\"panels@council.example\"]\n\
         [notify.roles.manager]\nemail = [\"managers@council.example\"]\n",
        state = dir.path().join("state").display().to_string(),
        port = smtp.port,
    );

    // Kent's conference chair reaches nobody: a failure naming procedure, role and deadline.
    let (code, (verdict, detail), fix) = routing(dir.path(), &base.replace("{fallback}", ""));
    assert_eq!(code, Some(1));
    assert_eq!(verdict, "fail");
    assert!(
        detail.contains(
            "- procedure `kent`, role `conference-chair`: owns deadline `immediate-resolution`"
        ),
        "{detail}"
    );
    assert!(
        fix.as_str().unwrap().contains("[notify.roles.ROLE]"),
        "{fix}"
    );

    // A fallback catches it: a warning naming the role, and nothing fails.
    let (code, (verdict, detail), _) = routing(
        dir.path(),
        &base.replace(
            "{fallback}",
            "fallback = { email = [\"safeguarding-unit@council.example\"] }\n",
        ),
    );
    assert_eq!((code, verdict.as_str()), (Some(0), "warn"), "{detail}");
    assert_eq!(
        detail,
        "1 procedure in use (kent): 1 role with no destination of its own goes to notify.fallback: kent/conference-chair"
    );

    // Routed: ok.
    let (code, (verdict, detail), _) = routing(
        dir.path(),
        &format!(
            "{}[notify.roles.conference-chair]\nemail = [\"chairs@council.example\"]\n",
            base.replace("{fallback}", "")
        ),
    );
    assert_eq!((code, verdict.as_str()), (Some(0), "ok"), "{detail}");
    assert_eq!(
        detail,
        "1 procedure in use (kent): each of their 5 roles reaches a destination of its own"
    );

    // Nobody routed at all: notifications are off, and the doctor says so.
    let (_, (verdict, detail), _) = routing(dir.path(), "[store]\nstate_dir = \"/nonexistent\"\n");
    assert_eq!(verdict, "warn");
    assert!(detail.starts_with("notifications are off"), "{detail}");
}
