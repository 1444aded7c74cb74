//! The pages in a real browser: Debian's Chromium driven through ChromeDriver's W3C WebDriver
//! protocol (plain HTTP, spoken here with reqwest rather than a client crate: a dozen calls),
//! signing in as the proxy would (the two headers, set through the DevTools protocol), opening a
//! complaint, recording an event and seeing its deadlines and reminders change; axe-core (the
//! npm package, injected into each page) finds no serious or critical WCAG 2.2 A/AA violation on
//! any page. Screenshots go to `target/tmp/screenshots/`.
//!
//! `.ci/run` installs `chromium` and `chromium-driver` (apt) and axe-core (npm) when missing;
//! without them the test says it is skipped (and fails under CI).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

use crate::{Site, Who, CASEWORKER, MANAGER};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// WebDriver's key for an element's id.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// ChromeDriver, killed when dropped.
struct Driver {
    child: Child,
    base: String,
    http: reqwest::Client,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..100 {
            let ready = http.get(format!("{base}/status")).send().await;
            if let Ok(r) = ready {
                let v: Value = r.json().await.unwrap();
                if v["value"]["ready"] == true {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut d = Driver {
            child,
            base,
            http,
            session: String::new(),
        };
        let v = d
            .call(
                reqwest::Method::POST,
                "/session",
                json!({"capabilities": {"alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": CHROMIUM,
                        "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                 "--disable-dev-shm-usage", "--window-size=1280,1800"],
                    },
                }}}),
            )
            .await;
        d.session = v["sessionId"].as_str().unwrap().to_string();
        d.cdp("Network.enable", json!({})).await;
        d
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let r = match method {
            reqwest::Method::GET => self.http.get(url).send().await,
            m => self.http.request(m, url).json(&body).send().await,
        }
        .unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {v}");
        v["value"].clone()
    }

    async fn session(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.call(method, &path, body).await
    }

    async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.session(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            json!({"cmd": cmd, "params": params}),
        )
        .await
    }

    /// Every request from now on carries `who`'s sign-in, as the proxy would add it.
    async fn sign_in(&self, who: Who) {
        self.cdp(
            "Network.setExtraHTTPHeaders",
            json!({"headers": {"X-Forwarded-User": who.0, "X-Forwarded-Groups": who.1}}),
        )
        .await;
    }

    async fn go(&self, url: &str) {
        self.session(reqwest::Method::POST, "/url", json!({ "url": url }))
            .await;
    }

    async fn url(&self) -> String {
        self.session(reqwest::Method::GET, "/url", json!({}))
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .session(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_string()
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.session(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            json!({}),
        )
        .await;
    }

    /// Types `text` into the input `css`, replacing what it held.
    async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.session(
            reqwest::Method::POST,
            &format!("/element/{e}/clear"),
            json!({}),
        )
        .await;
        self.session(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    /// What a person reads on the page.
    async fn text(&self) -> String {
        let v = self
            .session(
                reqwest::Method::POST,
                "/execute/sync",
                json!({"script": "return document.body.innerText;", "args": []}),
            )
            .await;
        v.as_str()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    async fn screenshot(&self, name: &str) {
        let v = self
            .session(reqwest::Method::GET, "/screenshot", json!({}))
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// axe-core's serious and critical WCAG 2.2 A and AA violations on the page.
    async fn violations(&self, axe: &str) -> Vec<Value> {
        self.session(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": format!("{axe}\n;return true;"), "args": []}),
        )
        .await;
        let v = self
            .session(
                reqwest::Method::POST,
                "/execute/async",
                json!({"script": "const done = arguments[arguments.length - 1];
                    axe.run(document, {runOnly: {type: 'tag', values:
                        ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})
                      .then(r => done(JSON.stringify(r.violations)))
                      .catch(e => done(JSON.stringify([{id: 'axe-failed', impact: 'critical', help: String(e)}])));",
                    "args": []}),
            )
            .await;
        let all: Vec<Value> = serde_json::from_str(v.as_str().unwrap()).unwrap();
        all.into_iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect()
    }
}

/// axe-core's script: `TIMESCALES_AXE` names the file, else the copy `.ci/run` installs under
/// `target/browser-tools/`; none when neither is there.
fn axe_source() -> Option<String> {
    let file = match std::env::var_os("TIMESCALES_AXE") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("target/browser-tools/node_modules/axe-core/axe.min.js"),
    };
    std::fs::read_to_string(file).ok()
}

/// What the browser test needs, or why it is skipped: under CI (`CI` set) a missing tool fails
/// the test, naming the command that installs it; a test installs nothing itself.
fn tools() -> Option<String> {
    let missing = if !std::path::Path::new(CHROMEDRIVER).exists() {
        "chromium-driver (apt install chromium chromium-driver)"
    } else if let Some(axe) = axe_source() {
        return Some(axe);
    } else {
        "axe-core (npm install --prefix target/browser-tools axe-core@4.14.1)"
    };
    assert!(
        std::env::var_os("CI").is_none(),
        "{missing} is missing: .ci/run installs it"
    );
    eprintln!("browser test SKIPPED: {missing} is missing");
    None
}

#[tokio::test]
async fn in_a_browser_staff_open_a_complaint_record_an_event_and_every_page_passes_axe() {
    let Some(axe) = tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = timescales::store::Store::connect(&format!(
        "sqlite://{}",
        dir.path().join("t.db").display()
    ))
    .await
    .unwrap();
    let site = Site::spawn(store, "2026-12-17").await;
    let browser = Driver::start().await;
    browser.sign_in(CASEWORKER).await;

    // Open a Durham complaint about the conference of Friday 4 December 2026.
    browser.go(&format!("{}/open", site.base)).await;
    browser.fill("#open-reference", "DU-B1").await;
    browser.click("#open-procedure option[value=durham]").await;
    browser
        .click("#open-complainant_role option[value=parent]")
        .await;
    browser.fill("#open-conference_date", "2026-12-04").await;
    browser.screenshot("open-filled").await;
    browser
        .click("form[action='/open'] button[type=submit]")
        .await;
    assert!(browser.url().await.ends_with("/complaints/DU-B1?done=open"));
    let page = browser.text().await;
    assert!(page.contains("The complaint is opened"), "{page}");
    // The family's window: 10 working days after 4 December, Friday 18 December.
    assert!(page.contains("Fri 18 Dec 2026"), "{page}");
    assert!(!page.contains("Write back to the complainant"), "{page}");

    // Concerns received Thursday 17 December: the chair writes back by Tuesday 22 December
    // (18, 21, 22) and offers an appointment by Tuesday 5 January (past Christmas, the Boxing
    // Day substitute on Monday 28 and New Year's Day); reminders are planned for both.
    browser.click("#events summary").await;
    browser
        .click("#events-name option[value=concerns-received]")
        .await;
    browser.fill("#events-date", "2026-12-17").await;
    browser.fill("#events-note", "by post").await;
    browser.click("#events button[type=submit]").await;
    assert!(browser
        .url()
        .await
        .ends_with("/complaints/DU-B1?done=events"));
    let page = browser.text().await;
    assert!(page.contains("The event is recorded"), "{page}");
    assert!(page.contains("Tue 22 Dec 2026"), "{page}");
    assert!(page.contains("Tue 5 Jan 2027"), "{page}");
    assert!(
        page.contains("Write back to the complainant due today (2026-12-22)"),
        "{page}"
    );
    browser.screenshot("complaint-after-event").await;

    // Every page, as a manager (every form there), has no serious or critical violation.
    browser.sign_in(MANAGER).await;
    let mut found = Vec::new();
    for (name, path) in [
        ("home", "/"),
        ("open", "/open"),
        ("complaint", "/complaints/DU-B1"),
        ("procedures", "/procedures"),
        ("procedure", "/procedures/durham"),
        ("holidays", "/holidays"),
        ("report", "/report?from=2026-04-01&to=2027-03-31"),
        ("refused-form", "/report?from=2026-04-31"),
    ] {
        browser.go(&format!("{}{path}", site.base)).await;
        browser.screenshot(name).await;
        for v in browser.violations(&axe).await {
            let nodes: Vec<String> = v["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| format!("{} {}", n["target"], n["failureSummary"]))
                .collect();
            found.push(format!(
                "{path}: {} ({}) {}: {}",
                v["id"],
                v["impact"],
                v["help"],
                nodes.join("; ")
            ));
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
