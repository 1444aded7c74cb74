//! A table of bad requests: each gets the right status, code, field and message, and the store is
//! unchanged afterwards.

use reqwest::StatusCode;
use serde_json::json;

use crate::backends::on_both;
use crate::helpers::{error, App, READER, WRITER};

struct Case {
    what: &'static str,
    path: &'static str,
    body: String,
    token: Option<&'static str>,
    status: StatusCode,
    code: &'static str,
    field: Option<&'static str>,
    message: &'static str,
}

fn case(
    what: &'static str,
    path: &'static str,
    body: serde_json::Value,
    status: StatusCode,
    code: &'static str,
    field: Option<&'static str>,
    message: &'static str,
) -> Case {
    Case {
        what,
        path,
        body: body.to_string(),
        token: Some(WRITER),
        status,
        code,
        field,
        message,
    }
}

#[tokio::test]
async fn bad_requests_are_answered_precisely_and_change_nothing() {
    on_both("bad input", |store| async move {
        let app = App::spawn(store, "2027-01-05").await;
        app.ok("/api/v1/complaints", json!({"reference": "CP-1", "procedure": "durham", "complainant_role": "parent", "conference_date": "2026-12-11", "recorded_by": "Team Manager"})).await;
        let before = app.snapshot("CP-1").await;
        let open_body = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = json!({"reference": "CP-2", "procedure": "durham", "complainant_role": "parent", "conference_date": "2026-12-11", "recorded_by": "Team Manager"});
            f(&mut v);
            v
        };
        use StatusCode as S;
        let cases = vec![
            Case { what: "malformed JSON", path: "/api/v1/complaints", body: "{\"reference\": ".into(), token: Some(WRITER), status: S::BAD_REQUEST, code: "malformed-json", field: None, message: "the body is not valid JSON" },
            case("wrong type", "/api/v1/complaints", open_body(&|v| v["reference"] = json!(5)), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("reference"), "invalid type: integer `5`, expected a string"),
            case("missing field", "/api/v1/complaints", open_body(&|v| { v.as_object_mut().unwrap().remove("procedure"); }), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("procedure"), "missing field `procedure`"),
            case("unknown field", "/api/v1/complaints", open_body(&|v| v["child_name"] = json!("x")), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("child_name"), "unknown field `child_name`"),
            case("bad date", "/api/v1/complaints", open_body(&|v| v["conference_date"] = json!("11/12/2026")), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("conference_date"), "'11/12/2026' is not a date: expected YYYY-MM-DD, e.g. 2026-12-18"),
            case("unknown procedure", "/api/v1/complaints", open_body(&|v| v["procedure"] = json!("dunelm")), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("procedure"), "unknown procedure 'dunelm': use one of bedford-central-beds, city-and-hackney, durham, kent, oxfordshire"),
            case("ineligible complainant", "/api/v1/complaints", open_body(&|v| v["complainant_role"] = json!("child")), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("complainant_role"), "procedure 'durham' does not take complaints from a child"),
            case("future conference", "/api/v1/complaints", open_body(&|v| v["conference_date"] = json!("2027-02-01")), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("conference_date"), "conference date 2027-02-01 is in the future"),
            case("duplicate reference", "/api/v1/complaints", open_body(&|v| v["reference"] = json!("CP-1")), S::CONFLICT, "duplicate-reference", Some("reference"), "a complaint with reference 'CP-1' already exists"),
            case("disallowed event", "/api/v1/complaints/CP-1/events", json!({"name": "panel-held", "date": "2027-01-04", "recorded_by": "Chair"}), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("name"), "event 'panel-held' on 2027-01-04 cannot be recorded in stage-1"),
            case("unknown event", "/api/v1/complaints/CP-1/events", json!({"name": "tea-served", "date": "2027-01-04", "recorded_by": "Chair"}), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("name"), "procedure 'durham' has no event 'tea-served'"),
            case("date before the conference", "/api/v1/complaints/CP-1/events", json!({"name": "concerns-received", "date": "2026-12-01", "recorded_by": "Chair"}), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("date"), "date 2026-12-01 is before the conference on 2026-12-11"),
            case("date in the future", "/api/v1/complaints/CP-1/events", json!({"name": "concerns-received", "date": "2027-01-06", "recorded_by": "Chair"}), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("date"), "date 2027-01-06 is in the future"),
            case("unknown reference", "/api/v1/complaints/CP-404/events", json!({"name": "concerns-received", "date": "2027-01-04", "recorded_by": "Chair"}), S::NOT_FOUND, "not-found", None, "no complaint has reference 'CP-404'"),
            case("extension not allowed", "/api/v1/complaints/CP-1/extensions", json!({"deadline": "raise-concerns", "to": "2027-02-01", "agreed_by": "x", "reason": "y"}), S::UNPROCESSABLE_ENTITY, "invalid-field", Some("deadline"), "procedure 'durham' allows no extension of 'raise-concerns'"),
            case("reopen not allowed", "/api/v1/complaints/CP-1/reopen", json!({"recorded_by": "x", "reason": "y"}), S::CONFLICT, "conflict", None, "allows reopening only after an outcome that sends the complaint back"),
            Case { what: "oversized body", path: "/api/v1/complaints/CP-1/events", body: json!({"name": "concerns-received", "date": "2027-01-04", "recorded_by": "Chair", "note": "x".repeat(5000)}).to_string(), token: Some(WRITER), status: S::PAYLOAD_TOO_LARGE, code: "body-too-large", field: None, message: "larger than the configured limit" },
            Case { what: "missing token", path: "/api/v1/complaints/CP-1/events", body: json!({"name": "concerns-received", "date": "2027-01-04", "recorded_by": "Chair"}).to_string(), token: None, status: S::UNAUTHORIZED, code: "unauthorized", field: None, message: "an Authorization: Bearer TOKEN header is required" },
            Case { what: "wrong token", path: "/api/v1/complaints/CP-1/events", body: json!({"name": "concerns-received", "date": "2027-01-04", "recorded_by": "Chair"}).to_string(), token: Some("not-the-token-0000000"), status: S::UNAUTHORIZED, code: "unauthorized", field: None, message: "the token is not valid" },
            Case { what: "read-only token writing", path: "/api/v1/complaints/CP-1/events", body: json!({"name": "concerns-received", "date": "2027-01-04", "recorded_by": "Chair"}).to_string(), token: Some(READER), status: S::FORBIDDEN, code: "forbidden", field: None, message: "the token 'dashboard' lacks the write scope" },
            case("no such route", "/api/v1/complaint", json!({}), S::NOT_FOUND, "no-such-route", None, "no such route"),
        ];
        for c in cases {
            let r = app.post_raw(c.path, c.body.clone(), c.token).await;
            let (status, err) = error(r).await;
            assert_eq!(status, c.status, "{}: {err}", c.what);
            assert_eq!(err["code"], c.code, "{}: {err}", c.what);
            assert_eq!(err["field"].as_str(), c.field, "{}: {err}", c.what);
            assert!(err["message"].as_str().unwrap().contains(c.message), "{}: {err}", c.what);
            assert_eq!(app.snapshot("CP-1").await, before, "{} changed the store", c.what);
        }
        // Nothing was opened by the refused requests either.
        let all: serde_json::Value = app.get("/api/v1/complaints?all=true").await.json().await.unwrap();
        assert_eq!(all["complaints"].as_array().unwrap().len(), 1);
        // A wrong method and a bad query answer in JSON too.
        let r = app.client.delete(format!("{}/api/v1/complaints", app.base)).bearer_auth(WRITER).send().await.unwrap();
        let (status, err) = error(r).await;
        assert_eq!((status, err["code"].as_str()), (S::METHOD_NOT_ALLOWED, Some("method-not-allowed")));
        let (status, err) = error(app.get("/api/v1/complaints?due_within=soon").await).await;
        assert_eq!((status, err["code"].as_str()), (S::BAD_REQUEST, Some("invalid-query")));
        // Health needs no token.
        let r = app.client.get(format!("{}/healthz", app.base)).send().await.unwrap();
        assert_eq!(r.status(), S::OK);
    })
    .await;
}
