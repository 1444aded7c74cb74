//! The chat channels against receivers that are not ours: the generic webhook verified by the
//! Standard Webhooks specification's own Python library (`standardwebhooks` from PyPI, which
//! `.ci/run` installs), Google Chat's card and thread as its API takes them, and `Retry-After` in
//! both of its forms, from a wiremock server.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::json;
use timescales::channel::{
    About, ChatKind, ChatSettings, DeliveryError, Message, Severity, Webhook, USER_AGENT,
};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NEW: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OLD: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const UNRELATED: &str = "whsec_ZAaKcSDgrQ31FeyzunWRD/IhpiYyqHqk";

/// An HTTP receiver in Python that verifies each post with `standardwebhooks`: a path names the
/// secret it verifies with (`/new`, `/old`, `/unrelated`); 204 when the signature verifies and
/// the User-Agent is ours, 401 otherwise. Replays of more than five minutes are the library's to
/// refuse, so the posts are signed with the real time.
const RECEIVER: &str = r#"
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from standardwebhooks import Webhook, WebhookVerificationError

SECRETS = {"/new": sys.argv[1], "/old": sys.argv[2], "/unrelated": sys.argv[3]}

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            payload = Webhook(SECRETS[self.path]).verify(body, dict(self.headers))
            ok = self.headers["User-Agent"].startswith("timescales/") and payload["data"]["reference"] == "CP-1"
        except WebhookVerificationError:
            ok = False
        self.send_response(204 if ok else 401)
        self.end_headers()

    def log_message(self, *args):
        pass

server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_port, flush=True)
server.serve_forever()
"#;

struct Receiver {
    child: Child,
    port: u16,
}

impl Receiver {
    fn start() -> Receiver {
        let present = Command::new("python3")
            .args(["-c", "import standardwebhooks"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            present,
            "this test needs the standardwebhooks package: `python3 -m pip install standardwebhooks` (.ci/run does it)"
        );
        let mut child = Command::new("python3")
            .args(["-c", RECEIVER, NEW, OLD, UNRELATED])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Receiver {
            port: line.trim().parse().unwrap(),
            child,
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn webhook(kind: ChatKind, url: String, secret: Option<&str>) -> Webhook {
    Webhook::new(&ChatSettings {
        name: "receiver".into(),
        kind,
        url: SecretString::from(url),
        secret: secret.map(|s| SecretString::from(s.to_string())),
        timeout_seconds: 5,
    })
    .unwrap()
}

/// The breach of CP-1's acknowledgement, due Wed 30 Dec 2026.
fn breach() -> Message {
    Message {
        key: "n7-4b1c9d".into(),
        subject: "CP-1 (Durham): acknowledge was due Wed 30 Dec and is not done".into(),
        facts: vec![("Reference".into(), "CP-1".into())],
        link: Some("https://case.example.gov.uk/complaints/CP-1".into()),
        severity: Severity::Alert,
        thread: Some("complaint-bf9c2da9f67aa200".into()),
        table: None,
        about: Some(About {
            event: "breach".into(),
            reference: "CP-1".into(),
            procedure: "durham".into(),
            deadline: "acknowledge".into(),
            due_date: "2026-12-30".parse().unwrap(),
            due_at: "2026-12-31T00:00:00Z".parse().unwrap(),
            status: "overdue".into(),
        }),
    }
}

#[tokio::test]
async fn the_generic_webhook_verifies_with_the_standard_webhooks_library_under_either_secret() {
    let receiver = Receiver::start();
    let base = format!("http://127.0.0.1:{}", receiver.port);
    // Two secrets while the old one is rotated out: a receiver holding either verifies.
    let both = format!("{NEW} {OLD}");
    let now = Utc::now();
    for (path, secret) in [
        ("/new", both.as_str()),
        ("/old", both.as_str()),
        ("/new", NEW),
    ] {
        let w = webhook(ChatKind::Webhook, format!("{base}{path}"), Some(secret));
        w.send(&breach(), now)
            .await
            .unwrap_or_else(|e| panic!("{path} with {secret}: {e}"));
    }
    // A receiver with another secret, or with the old one after it is retired, refuses.
    for (path, secret) in [("/unrelated", both.as_str()), ("/old", NEW)] {
        let w = webhook(ChatKind::Webhook, format!("{base}{path}"), Some(secret));
        match w.send(&breach(), now).await {
            Err(DeliveryError::Permanent(m)) => {
                assert_eq!(m, "chat 'receiver': HTTP 401 Unauthorized")
            }
            other => panic!("{path}: {other:?}"),
        }
    }
    // A signature made an hour ago is a replay to the library.
    let w = webhook(ChatKind::Webhook, format!("{base}/new"), Some(NEW));
    assert!(w
        .send(&breach(), now - chrono::Duration::hours(1))
        .await
        .is_err());
}

#[tokio::test]
async fn the_generic_webhooks_body_carries_the_machine_fields() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let w = webhook(
        ChatKind::Webhook,
        format!("{}/hook", server.uri()),
        Some(NEW),
    );
    w.send(&breach(), Utc::now()).await.unwrap();
    let post = server.received_requests().await.unwrap().pop().unwrap();
    let body: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(body["type"], "deadline.breach");
    assert_eq!(
        body["data"],
        json!({"event": "breach", "reference": "CP-1", "procedure": "durham", "deadline": "acknowledge",
               "due_date": "2026-12-30", "due_at": "2026-12-31T00:00:00Z", "status": "overdue"})
    );
    assert_eq!(post.headers["user-agent"], USER_AGENT);
    assert!(USER_AGENT.starts_with("timescales/0."), "{USER_AGENT}");
}

#[tokio::test]
async fn google_chat_gets_a_card_with_a_button_threaded_per_complaint() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/spaces/AAA/messages"))
        .and(query_param("key", "k"))
        .and(query_param(
            "messageReplyOption",
            "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD",
        ))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let w = webhook(
        ChatKind::GoogleChat,
        format!("{}/v1/spaces/AAA/messages?key=k&token=t", server.uri()),
        None,
    );
    w.send(&breach(), Utc::now()).await.unwrap();
    let post = server.received_requests().await.unwrap().pop().unwrap();
    assert_eq!(post.headers["user-agent"], USER_AGENT);
    let body: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(
        body["thread"],
        json!({"threadKey": "complaint-bf9c2da9f67aa200"})
    );
    let card = &body["cardsV2"][0];
    assert_eq!(card["cardId"], "n7-4b1c9d");
    assert_eq!(
        card["card"]["header"]["title"],
        "CP-1 (Durham): acknowledge was due Wed 30 Dec and is not done"
    );
    let widgets = card["card"]["sections"][0]["widgets"].as_array().unwrap();
    assert_eq!(
        widgets[0],
        json!({"decoratedText": {"topLabel": "Reference", "text": "CP-1", "wrapText": true}})
    );
    assert_eq!(
        widgets[1]["buttonList"]["buttons"][0],
        json!({"text": "Case record", "onClick": {"openLink": {"url": "https://case.example.gov.uk/complaints/CP-1"}}})
    );
}

#[tokio::test]
async fn retry_after_is_honoured_as_seconds_and_as_an_http_date() {
    let now: DateTime<Utc> = "2026-12-02T10:00:00Z".parse().unwrap();
    for (given, wait) in [("120", 120), ("Wed, 02 Dec 2026 10:01:30 GMT", 90)] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(503).insert_header("retry-after", given))
            .mount(&server)
            .await;
        let w = webhook(ChatKind::Slack, format!("{}/hook", server.uri()), None);
        match w.send(&breach(), now).await {
            Err(DeliveryError::Transient { retry_after, .. }) => {
                assert_eq!(retry_after, Some(Duration::from_secs(wait)), "{given}")
            }
            other => panic!("{given}: {other:?}"),
        }
    }
}
