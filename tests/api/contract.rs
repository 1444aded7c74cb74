//! The contract an integrator relies on (issue 13): every bad input gets a precise 4xx, never a
//! 500, identically on both stores, and leaves the store as it was; creation answers 201 with
//! `Location`; `ETag` and `If-Match` keep two systems from overwriting each other unknowingly.

use reqwest::StatusCode as S;
use serde_json::{json, Value};

use crate::backends::on_both;
use crate::helpers::{error, App, FEED, WRITER};

/// A request, sent as the case system would send it.
async fn send(
    app: &App,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> reqwest::Response {
    let mut r = app
        .client
        .request(method.parse().unwrap(), format!("{}{path}", app.base))
        .bearer_auth(WRITER)
        .body(body.to_string());
    if let Some(t) = content_type {
        r = r.header("content-type", t);
    }
    r.send().await.unwrap()
}

/// (what, method, path, content type, body, status, code, field, start of the detail)
type Case<'a> = (
    &'a str,
    &'a str,
    String,
    Option<&'a str>,
    String,
    S,
    &'a str,
    Option<&'a str>,
    String,
);

/// Everything a refused request could have touched: the one complaint, its audit, and the
/// list of all complaints.
async fn everything(app: &App) -> (Value, Value, Value) {
    let (c, a) = app.snapshot("CP-1").await;
    (c, a, app.read("/api/v1/complaints?all=true").await)
}

#[tokio::test]
async fn bad_text_dates_references_and_media_types_are_refused_and_change_nothing() {
    on_both("contract: bad input", |store| async move {
        let app = App::spawn(store, "2027-01-05").await;
        let opened = app
            .ok(
                "/api/v1/complaints",
                json!({"reference": "CP-1", "procedure": "durham", "complainant_role": "parent",
                       "conference_date": "2026-12-11", "recorded_by": "Team Manager"}),
            )
            .await;
        assert_eq!(opened["reference"], "CP-1");
        let before = everything(&app).await;
        let open = |f: &dyn Fn(&mut Value)| {
            let mut v = json!({"reference": "CP-2", "procedure": "durham", "complainant_role": "parent",
                               "conference_date": "2026-12-11", "recorded_by": "Team Manager"});
            f(&mut v);
            v.to_string()
        };
        let event = |f: &dyn Fn(&mut Value)| {
            let mut v = json!({"name": "concerns-received", "date": "2027-01-04", "recorded_by": "Chair"});
            f(&mut v);
            v.to_string()
        };
        let nul = "x\u{0}y";
        let json = Some("application/json");
        let cases: Vec<Case> = vec![
            ("NUL in recorded_by", "POST", "/api/v1/complaints/CP-1/events".into(), json, event(&|v| v["recorded_by"] = json!(nul)), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("recorded_by"), "recorded_by holds a control character (U+0000 at character 2)".into()),
            ("NUL in a note", "POST", "/api/v1/complaints/CP-1/events".into(), json, event(&|v| v["note"] = json!(nul)), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("note"), "note holds a control character (U+0000 at character 2)".into()),
            ("escape in an event's name", "POST", "/api/v1/complaints/CP-1/events".into(), json, event(&|v| v["name"] = json!("\u{1b}[31m")), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("name"), "name holds a control character (U+001B at character 1)".into()),
            ("newline in the close reason", "POST", "/api/v1/complaints/CP-1/close".into(), json, json!({"recorded_by": "Team Manager", "reason": "line one\nline two"}).to_string(), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("reason"), "reason holds a control character (U+000A at character 9)".into()),
            ("NUL in the close reason", "POST", "/api/v1/complaints/CP-1/close".into(), json, json!({"recorded_by": "Team Manager", "reason": nul}).to_string(), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("reason"), "reason holds a control character".into()),
            ("NUL in an earlier event's note", "POST", "/api/v1/complaints".into(), json, open(&|v| v["events"] = json!([{"name": "concerns-received", "date": "2027-01-04"}, {"name": "concerns-acknowledged", "date": "2027-01-05", "note": nul}])), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("events[1].note"), "events[1].note holds a control character".into()),
            ("NUL in the reference", "POST", "/api/v1/complaints".into(), json, open(&|v| v["reference"] = json!(nul)), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("reference"), "reference holds a control character".into()),
            ("NUL in the procedure", "POST", "/api/v1/complaints".into(), json, open(&|v| v["procedure"] = json!(nul)), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("procedure"), "procedure holds a control character".into()),
            ("a path for a reference", "POST", "/api/v1/complaints".into(), json, open(&|v| v["reference"] = json!("../../admin")), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("reference"), "reference '../../admin' must start with a letter or a digit".into()),
            ("a slash in a reference", "POST", "/api/v1/complaints".into(), json, open(&|v| v["reference"] = json!("CP/2026/1")), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("reference"), "reference 'CP/2026/1' may hold letters, digits and . _ - only".into()),
            ("a reference like an option", "POST", "/api/v1/complaints".into(), json, open(&|v| v["reference"] = json!("-CP-2")), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("reference"), "reference '-CP-2' must start with a letter or a digit".into()),
            ("recorded_by of 101 characters", "POST", "/api/v1/complaints".into(), json, open(&|v| v["recorded_by"] = json!("m".repeat(101))), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("recorded_by"), "recorded_by is longer than 100 characters".into()),
            ("a date without its zeros", "POST", "/api/v1/complaints".into(), json, open(&|v| v["conference_date"] = json!("2026-1-1")), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("conference_date"), "'2026-1-1' is not a date: expected YYYY-MM-DD, e.g. 2026-12-18".into()),
            ("an event date without its zeros", "POST", "/api/v1/complaints/CP-1/events".into(), json, event(&|v| v["date"] = json!("2027-1-4")), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("date"), "'2027-1-4' is not a date: expected YYYY-MM-DD".into()),
            ("a date and time", "POST", "/api/v1/complaints/CP-1/extensions".into(), json, json!({"deadline": "raise-concerns", "to": "2027-02-01T00:00:00Z", "recorded_by": "x", "reason": "y"}).to_string(), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("to"), "'2027-02-01T00:00:00Z' is not a date".into()),
            ("a huge bad date is quoted short", "POST", "/api/v1/complaints/CP-1/events".into(), json, event(&|v| v["date"] = json!("9".repeat(3000))), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("date"), format!("'{}... (3000 characters in all)' is not a date", "9".repeat(60))),
            ("a text body", "POST", "/api/v1/complaints/CP-1/events".into(), Some("text/plain"), event(&|_| {}), S::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", None, "the body must be JSON, sent as Content-Type: application/json; this request has Content-Type 'text/plain'".into()),
            ("a form", "POST", "/api/v1/complaints".into(), Some("application/x-www-form-urlencoded"), "reference=CP-2".into(), S::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", None, "the body must be JSON".into()),
            ("no media type", "POST", "/api/v1/complaints/CP-1/close".into(), None, json!({"recorded_by": "x", "reason": "y"}).to_string(), S::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", None, "the body must be JSON, sent as Content-Type: application/json; this request has no Content-Type".into()),
            ("NUL in a query filter", "GET", "/api/v1/complaints?owner=x%00y".into(), None, String::new(), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("owner"), "owner holds a control character (U+0000 at character 2)".into()),
            ("NUL in a stage filter", "GET", "/api/v1/complaints?stage=%00".into(), None, String::new(), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("stage"), "stage holds a control character".into()),
            ("NUL in a path's reference", "GET", "/api/v1/complaints/x%00y".into(), None, String::new(), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("reference"), "reference holds a control character".into()),
            ("NUL in an audit's reference", "GET", "/api/v1/complaints/x%00y/audit".into(), None, String::new(), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("reference"), "reference holds a control character".into()),
            ("NUL in a changed reference", "POST", "/api/v1/complaints/x%00y/events".into(), json, event(&|_| {}), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("reference"), "reference holds a control character".into()),
            ("If-Match of another kind", "POST", "/api/v1/complaints/CP-1/events".into(), json, event(&|_| {}), S::BAD_REQUEST, "invalid-precondition", None, "If-Match 'W/\"1\"' is not one of this API's entity tags".into()),
        ];
        for (what, method, path, content_type, body, status, code, field, detail) in cases {
            let r = if what.starts_with("If-Match") {
                app.client
                    .post(format!("{}{path}", app.base))
                    .bearer_auth(WRITER)
                    .header("content-type", "application/json")
                    .header("if-match", "W/\"1\"")
                    .body(body)
                    .send()
                    .await
                    .unwrap()
            } else {
                send(&app, method, &path, content_type, &body).await
            };
            let (got, err) = error(r).await;
            assert_eq!(got, status, "{what}: {err}");
            assert_eq!(err["code"], code, "{what}: {err}");
            assert_eq!(err["field"].as_str(), field, "{what}: {err}");
            let message = err["message"].as_str().unwrap();
            assert!(message.starts_with(&detail), "{what}: {message}");
            assert!(message.len() < 400, "{what}: a detail of {} bytes", message.len());
            assert_eq!(everything(&app).await, before, "{what} changed the store");
        }

        // What the client sent is what counts: 100 characters of its own, then the API's
        // attribution.
        let hundred = "m".repeat(100);
        let v = app.ok("/api/v1/complaints/CP-1/events", json!({"name": "concerns-received", "date": "2027-01-04", "recorded_by": hundred})).await;
        let last = v["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["recorded_by"], format!("{hundred} (via case-system)"));
        // A media type with parameters is still JSON.
        let r = send(&app, "POST", "/api/v1/complaints/CP-1/events", Some("Application/JSON; charset=utf-8"), &json!({"name": "concerns-acknowledged", "date": "2027-01-05", "recorded_by": "Chair"}).to_string()).await;
        assert_eq!(r.status(), S::OK);
    })
    .await;
}

#[tokio::test]
async fn creation_says_where_and_versions_keep_two_writers_apart() {
    on_both("contract: versions", |store| async move {
        let app = App::spawn(store, "2027-01-05").await;
        let r = send(
            &app,
            "POST",
            "/api/v1/complaints",
            Some("application/json"),
            &json!({"reference": "CP-7.a_b", "procedure": "durham", "complainant_role": "parent",
                    "conference_date": "2026-12-11", "recorded_by": "Team Manager"})
            .to_string(),
        )
        .await;
        assert_eq!(r.status(), S::CREATED);
        assert_eq!(r.headers()["location"], "/api/v1/complaints/CP-7.a_b");
        assert_eq!(r.headers()["etag"], "\"0\"");

        let r = app.get("/api/v1/complaints/CP-7.a_b").await;
        assert_eq!(r.headers()["etag"], "\"0\"");

        let write = |tag: Option<&'static str>, date: &'static str| {
            let mut req = app
                .client
                .post(format!("{}/api/v1/complaints/CP-7.a_b/events", app.base))
                .bearer_auth(WRITER)
                .header("content-type", "application/json")
                .body(
                    json!({"name": "concerns-received", "date": date, "recorded_by": "Chair"})
                        .to_string(),
                );
            if let Some(t) = tag {
                req = req.header("if-match", t);
            }
            req.send()
        };
        // System A writes at version 0: the complaint moves to version 2.
        let r = write(Some("\"0\""), "2027-01-04").await.unwrap();
        assert_eq!(r.status(), S::OK);
        assert_eq!(r.headers()["etag"], "\"1\"");
        let after_a = app.snapshot("CP-7.a_b").await;
        // System B, still holding version 0, is refused and writes nothing.
        let (status, err) = error(write(Some("\"0\""), "2027-01-05").await.unwrap()).await;
        assert_eq!(status, S::PRECONDITION_FAILED, "{err}");
        assert_eq!(err["code"], "stale-version");
        assert_eq!(
            err["message"],
            "complaint 'CP-7.a_b' is at version 1, not 0: read it again, then decide"
        );
        assert_eq!(
            app.snapshot("CP-7.a_b").await,
            after_a,
            "a stale write changed the store"
        );
        // `*` (any version) and no If-Match at all both write.
        let r = write_event(&app, Some("*"), "concerns-acknowledged").await;
        assert_eq!(r.status(), S::OK);
        assert_eq!(r.headers()["etag"], "\"2\"");
        let r = write_event(&app, None, "appointment-offered").await;
        assert_eq!(r.status(), S::OK);
        assert_eq!(r.headers()["etag"], "\"3\"");
        // A refused write does not raise the version.
        let (status, _) = error(write_event(&app, Some("\"3\""), "panel-held").await).await;
        assert_eq!(status, S::UNPROCESSABLE_ENTITY);
        let r = app.get("/api/v1/complaints/CP-7.a_b").await;
        assert_eq!(r.headers()["etag"], "\"3\"");
    })
    .await;
}

/// Records event `name` on 2027-01-05 on CP-7.a_b, with `If-Match: tag` when given.
async fn write_event(app: &App, tag: Option<&str>, name: &str) -> reqwest::Response {
    let mut req = app
        .client
        .post(format!("{}/api/v1/complaints/CP-7.a_b/events", app.base))
        .bearer_auth(WRITER)
        .header("content-type", "application/json")
        .body(json!({"name": name, "date": "2027-01-05", "recorded_by": "Chair"}).to_string());
    if let Some(t) = tag {
        req = req.header("if-match", t);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn erasure_needs_the_admin_scope_and_answers_the_new_reference() {
    on_both("contract: erasure", |store| async move {
        let app = App::spawn(store, "2027-01-05").await;
        app.ok("/api/v1/complaints", json!({"reference": "CP-1", "procedure": "durham", "complainant_role": "parent", "conference_date": "2026-12-11", "recorded_by": "Team Manager"})).await;
        let body = json!({"recorded_by": "IG Officer", "reason": "erasure request DPA-7"}).to_string();
        let (status, err) = error(app.post_raw("/api/v1/complaints/CP-1/erasure", body.clone(), Some(WRITER)).await).await;
        assert_eq!((status, err["message"].as_str().unwrap()), (S::FORBIDDEN, "the token 'case-system' lacks the admin scope"));
        let r = app.post_raw("/api/v1/complaints/CP-1/erasure", body, Some(crate::helpers::ADMIN)).await;
        assert_eq!(r.status(), S::OK);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["erased"], "CP-1");
        let new = v["reference"].as_str().unwrap();
        assert!(new.starts_with("ANON-"), "{v}");
        let shown = app.read(&format!("/api/v1/complaints/{new}")).await;
        assert_eq!(shown["timeline"][0]["recorded_by"], "anonymised");
        let (status, _) = error(app.get("/api/v1/complaints/CP-1").await).await;
        assert_eq!(status, S::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn every_answer_carries_headers_that_keep_browsers_and_caches_out() {
    on_both("contract: security headers", |store| async move {
        let app = App::spawn(store, "2027-01-05").await;
        let get = |path: String, token: Option<&'static str>| {
            let r = app.client.get(format!("{}{path}", app.base));
            async move {
                match token {
                    Some(t) => r.bearer_auth(t),
                    None => r,
                }
                .send()
                .await
                .unwrap()
            }
        };
        let feed = format!("/calendar/{FEED}.ics");
        for (path, token, status, cache) in [
            ("/healthz".to_string(), None, S::OK, "no-store"),
            (
                "/api/v1/complaints".to_string(),
                Some(WRITER),
                S::OK,
                "no-store",
            ),
            (
                "/api/v1/complaints".to_string(),
                None,
                S::UNAUTHORIZED,
                "no-store",
            ),
            (
                "/api/v1/complaints/CP-404".to_string(),
                Some(WRITER),
                S::NOT_FOUND,
                "no-store",
            ),
            ("/no/such/route".to_string(), None, S::NOT_FOUND, "no-store"),
            (feed, None, S::OK, "private, max-age=300"),
        ] {
            let r = get(path.clone(), token).await;
            assert_eq!(r.status(), status, "{path}");
            let h = |name: &str| {
                r.headers()
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_string())
            };
            assert_eq!(
                h("x-content-type-options").as_deref(),
                Some("nosniff"),
                "{path}"
            );
            assert_eq!(
                h("content-security-policy").as_deref(),
                Some("default-src 'none'; frame-ancestors 'none'"),
                "{path}"
            );
            assert_eq!(
                h("referrer-policy").as_deref(),
                Some("no-referrer"),
                "{path}"
            );
            assert_eq!(h("cache-control").as_deref(), Some(cache), "{path}");
        }
    })
    .await;
}
