//! Spawns the API on a random port over a fresh store, with a fixed clock.

use std::sync::Arc;

use chrono::NaiveDate;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use timescales::api::{router, ApiState, Token};
use timescales::calendar::Calendars;
use timescales::clock::FixedClock;
use timescales::config::Scope;
use timescales::lifecycle::Lifecycle;
use timescales::procedure::Procedures;
use timescales::store::Store;

pub const WRITER: &str = "writer-token-0123456789";
pub const READER: &str = "reader-token-0123456789";

pub struct App {
    pub base: String,
    pub client: Client,
}

impl App {
    /// The API over `store`, today being `today`, with a body limit of 4 KiB.
    pub async fn spawn(store: Store, today: &str) -> App {
        let today: NaiveDate = today.parse().unwrap();
        let lifecycle = Lifecycle::new(
            store,
            Arc::new(Procedures::load(None).unwrap()),
            Arc::new(Calendars::embedded()),
            Arc::new(FixedClock::at_noon(today)),
            2,
        );
        let tokens = vec![
            Token::new("case-system", WRITER, vec![Scope::Read, Scope::Write]),
            Token::new("dashboard", READER, vec![Scope::Read]),
        ];
        let app = router(ApiState::new(lifecycle, tokens), 4096);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        App {
            base,
            client: Client::new(),
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

    /// The complaint and its audit, to show a refused request changed nothing.
    pub async fn snapshot(&self, reference: &str) -> (Value, Value) {
        let c: Value = self
            .get(&format!("/api/v1/complaints/{reference}"))
            .await
            .json()
            .await
            .unwrap();
        let a: Value = self
            .get(&format!("/api/v1/complaints/{reference}/audit"))
            .await
            .json()
            .await
            .unwrap();
        (c, a)
    }
}

/// The due date of deadline `id` in a complaint's JSON.
pub fn due(v: &Value, id: &str) -> String {
    v["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .unwrap_or_else(|| panic!("no deadline {id} in {v}"))["due"]
        .as_str()
        .unwrap()
        .to_string()
}

pub async fn error(r: Response) -> (StatusCode, Value) {
    let s = r.status();
    let v: Value = r.json().await.unwrap();
    (s, v["error"].clone())
}
