//! Spawns the API on a random port over a fresh store, with a fixed clock.

use std::sync::Arc;

use chrono::NaiveDate;
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use timescales::api::{router, ApiState, Token};
use timescales::calendar::Calendars;
use timescales::clock::FixedClock;
use timescales::config::Scope;
use timescales::lifecycle::Lifecycle;
use timescales::procedure::Procedures;
use timescales::reminder::Addressing;
use timescales::store::Store;

pub const WRITER: &str = "writer-token-0123456789";
pub const READER: &str = "reader-token-0123456789";
pub const ADMIN: &str = "admin-token-01234567890";
/// A calendar feed's token: the deadlines of conference chairs and heads of safeguarding.
pub const FEED: &str = "feed-token-0123456789abcdef";

pub struct App {
    pub base: String,
    pub client: Client,
    /// The store behind it, to look at what the API wrote (the outbox).
    pub store: Store,
}

impl App {
    /// The API over `store`, today being `today`, with a body limit of 4 KiB.
    pub async fn spawn(store: Store, today: &str) -> App {
        Self::spawn_with(store, today, None).await
    }

    /// The API as [`App::spawn`] makes it, planning notifications as `addressing` says (the
    /// service's way) when it is given.
    pub async fn spawn_with(store: Store, today: &str, addressing: Option<Addressing>) -> App {
        let today: NaiveDate = today.parse().unwrap();
        let mut lifecycle = Lifecycle::new(
            store.clone(),
            Arc::new(Procedures::load(None).unwrap()),
            Arc::new(Calendars::embedded()),
            Arc::new(FixedClock::at_noon(today)),
            2,
        );
        if let Some(a) = addressing {
            lifecycle = lifecycle.with_notifications(a, Arc::new(tokio::sync::Notify::new()));
        }
        let tokens = vec![
            Token::new("case-system", WRITER, vec![Scope::Read, Scope::Write]),
            Token::new("dashboard", READER, vec![Scope::Read]),
            Token::new("ig-officer", ADMIN, vec![Scope::Admin]),
            Token::calendar("safeguarding", FEED, &["chair", "head-of-safeguarding"]),
        ];
        let app = router(ApiState::new(lifecycle, tokens), 4096);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        App {
            base,
            client: Client::new(),
            store,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(WRITER)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.post_raw(path, body.to_string(), Some(WRITER)).await
    }

    pub async fn post_raw(&self, path: &str, body: String, token: Option<&str>) -> Response {
        let mut r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.unwrap()
    }

    /// POSTs and expects success, returning the JSON.
    pub async fn ok(&self, path: &str, body: Value) -> Value {
        let r = self.post(path, body).await;
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    }

    /// POSTs and expects a refusal, returning its status and error.
    pub async fn refused(&self, path: &str, body: Value) -> (StatusCode, Value) {
        error(self.post(path, body).await).await
    }

    /// GETs `path` and reads its JSON.
    pub async fn read(&self, path: &str) -> Value {
        self.get(path).await.json().await.unwrap()
    }

    /// The complaint and its audit, to show a refused request changed nothing.
    pub async fn snapshot(&self, reference: &str) -> (Value, Value) {
        let c = self.read(&format!("/api/v1/complaints/{reference}")).await;
        let a = self
            .read(&format!("/api/v1/complaints/{reference}/audit"))
            .await;
        (c, a)
    }
}

/// A parent's complaint about a conference on `conference`, on `track` where given, as the Team
/// Manager opens it.
pub fn open(reference: &str, procedure: &str, conference: &str, track: Option<&str>) -> Value {
    let mut v = json!({"reference": reference, "procedure": procedure, "complainant_role": "parent",
                       "conference_date": conference, "recorded_by": "Team Manager"});
    if let Some(t) = track {
        v["track"] = json!(t);
    }
    v
}

/// An event on `date`, as the chair records it.
pub fn ev(name: &str, date: &str) -> Value {
    json!({"name": name, "date": date, "recorded_by": "Conference Chair"})
}

/// Deadline `id` in a complaint's JSON.
pub fn deadline<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .unwrap_or_else(|| panic!("no deadline {id} in {v}"))
}

/// The due date of deadline `id` in a complaint's JSON.
pub fn due(v: &Value, id: &str) -> String {
    deadline(v, id)["due"].as_str().unwrap().to_string()
}

/// A refusal's status, and its problem details (RFC 9457) as `code`, `field` and `message` (the
/// `detail`), after checking the media type and the members every problem carries.
pub async fn error(r: Response) -> (StatusCode, Value) {
    let s = r.status();
    assert_eq!(
        r.headers()["content-type"],
        "application/problem+json",
        "{s}"
    );
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], s.as_u16(), "{v}");
    let code = v["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code in {v}"));
    assert_eq!(
        v["type"],
        format!("tag:timescales,2026:problem:{code}"),
        "{v}"
    );
    assert!(!v["title"].as_str().unwrap().is_empty(), "{v}");
    (
        s,
        json!({"code": v["code"], "field": v["field"], "message": v["detail"]}),
    )
}
