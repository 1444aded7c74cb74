//! The OpenAPI document matches the implementation: every documented route answers (no route
//! or method is missing), every documented required field is required, and the documented
//! response fields are present. The document is generated (src/api/doc.rs); `docs/openapi.json`
//! is a copy kept current by `TIMESCALES_UPDATE_OPENAPI=1 cargo test --test api openapi`.

use serde_json::{json, Value};
use timescales::lifecycle::ListQuery;

use crate::backends::on_both;
use crate::helpers::{error, App};

fn doc() -> Value {
    serde_json::from_str(timescales::api::openapi_json()).unwrap()
}

/// A schema's required fields and properties, its `allOf` parts (serde's `flatten`) merged.
fn fields(doc: &Value, schema: &Value) -> (Vec<String>, serde_json::Map<String, Value>) {
    let schema = resolve(doc, schema);
    let mut required: Vec<String> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let mut properties = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        let (r, p) = fields(doc, part);
        required.extend(r);
        properties.extend(p);
    }
    (required, properties)
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

#[tokio::test]
async fn the_openapi_document_matches_the_routes_and_schemas() {
    on_both("openapi", |store| async move {
        let app = App::spawn(store, "2027-01-05").await;
        let d = doc();
        // The served document is this one.
        let served: Value = app.client.get(format!("{}/api/v1/openapi.json", app.base)).send().await.unwrap().json().await.unwrap();
        assert_eq!(served, d);
        app.ok("/api/v1/complaints", json!({"reference": "CP-1", "procedure": "durham", "complainant_role": "parent", "conference_date": "2026-12-11", "recorded_by": "Team Manager"})).await;
        let mut routes = 0;
        for (path, ops) in d["paths"].as_object().unwrap() {
            let concrete = path.replace("{reference}", "CP-1").replace("{id}", "durham");
            for (method, op) in ops.as_object().unwrap() {
                routes += 1;
                match method.as_str() {
                    "get" => {
                        let r = app.get(&concrete).await;
                        assert_eq!(r.status(), 200, "GET {path}");
                    }
                    "post" => {
                        // An empty object: the first required field is named in a 422.
                        let schema = resolve(&d, &op["requestBody"]["content"]["application/json"]["schema"]);
                        let required: Vec<&str> = schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
                        // An erasure needs the admin scope; every other write the write scope.
                        let token = if path.ends_with("/erasure") { crate::helpers::ADMIN } else { crate::helpers::WRITER };
                        let post = |body: Value| app.post_raw(&concrete, body.to_string(), Some(token));
                        let (status, err) = error(post(json!({})).await).await;
                        assert_eq!(status, 422, "POST {path}: {err}");
                        assert!(required.contains(&err["field"].as_str().unwrap()), "POST {path}: {err} names a field not documented as required: {required:?}");
                        // And every documented property is accepted (no unknown-field error).
                        let props: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
                        for p in props {
                            let (_, err) = error(post(json!({ p.as_str(): null })).await).await;
                            assert!(!err["message"].as_str().unwrap().contains("unknown field"), "POST {path}: documented property {p} is refused: {err}");
                        }
                    }
                    other => panic!("undocumented method {other}"),
                }
            }
        }
        assert_eq!(routes, 20);
        // The list takes exactly the documented parameters, each of the documented type.
        let list = &d["paths"]["/api/v1/complaints"]["get"];
        let params: Vec<&str> = list["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(params.len(), 8);
        let every = ListQuery { all: true, overdue: true, due_within: Some(1), procedure: Some("x".into()), stage: Some("x".into()), owner: Some("x".into()), limit: Some(1), cursor: Some("x".into()) };
        let taken: Vec<(String, String)> = serde_urlencoded::from_str(&serde_urlencoded::to_string(&every).unwrap()).unwrap();
        assert_eq!(taken.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), params);
        // The bounds the document gives are the ones the server keeps.
        let max = |name: &str| list["parameters"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap()["schema"]["maximum"].as_u64().unwrap();
        assert_eq!(max("limit"), u64::from(timescales::lifecycle::MAX_PAGE));
        assert_eq!(max("due_within"), u64::from(timescales::lifecycle::MAX_DUE_WITHIN));
        for p in list["parameters"].as_array().unwrap() {
            let name = p["name"].as_str().unwrap();
            // 3.1 writes an optional parameter's type as ["integer", "null"].
            let ty = match &p["schema"]["type"] {
                Value::Array(types) => types.iter().find(|t| *t != "null").unwrap().as_str().unwrap(),
                t => t.as_str().unwrap(),
            };
            let value = match ty {
                "boolean" => "true".to_string(),
                "integer" => p["schema"]["minimum"].to_string(),
                _ => "x".to_string(),
            };
            let r = app.get(&format!("/api/v1/complaints?{name}={value}")).await;
            assert_ne!(r.status(), 400, "{name}={value} is documented but refused: {}", r.text().await.unwrap());
        }
        // A page carries what the document says, and nothing it does not.
        app.ok("/api/v1/complaints", json!({"reference": "CP-2", "procedure": "durham", "complainant_role": "parent", "conference_date": "2026-12-11", "recorded_by": "Team Manager"})).await;
        let page: Value = app.get("/api/v1/complaints?limit=1").await.json().await.unwrap();
        let (required, properties) = fields(&d, &d["components"]["schemas"]["ComplaintPage"]);
        for f in &required {
            assert!(page.get(f).is_some(), "a page lacks documented field {f}");
        }
        for (k, _) in page.as_object().unwrap() {
            assert!(properties.contains_key(k), "page field {k} is not documented");
        }
        assert!(page.get("next").is_some() && page.get("next_cursor").is_some(), "{page}");
        // A complaint carries every field the document says it must, and so does each deadline.
        let mut v: Value = app.get("/api/v1/complaints/CP-1").await.json().await.unwrap();
        let (required, complaint) = fields(&d, &d["components"]["schemas"]["ComplaintView"]);
        for f in &required {
            assert!(v.get(f).is_some(), "complaint lacks documented field {f}");
        }
        let (required, deadline) = fields(&d, &d["components"]["schemas"]["DeadlineView"]);
        let first = v["deadlines"].as_array_mut().unwrap().remove(0);
        for f in &required {
            assert!(first.get(f).is_some(), "deadline lacks documented field {f}");
        }
        for (k, _) in first.as_object().unwrap() {
            assert!(deadline.contains_key(k), "deadline field {k} is not documented");
        }
        for (k, _) in v.as_object().unwrap() {
            assert!(complaint.contains_key(k), "complaint field {k} is not documented");
        }
    })
    .await;
}

#[test]
fn errors_are_documented_once_as_problem_details_and_security_is_valid_openapi() {
    let d = doc();
    let codes: Vec<&str> = d["components"]["schemas"]["Problem"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let served: Vec<&str> = timescales::api::CODES.iter().map(|(c, _)| *c).collect();
    assert_eq!(codes, served, "the document's codes are the server's");
    for (path, ops) in d["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            // An http scheme takes no scopes (OpenAPI 3.0.3, Security Requirement Object).
            for s in op["security"].as_array().into_iter().flatten() {
                assert_eq!(s["bearer"], json!([]), "{method} {path}");
            }
            for (status, r) in op["responses"].as_object().unwrap() {
                // The API's own answers; /metrics and /readyz answer monitors in their formats.
                if path.starts_with("/api/") && (status.starts_with('4') || status.starts_with('5'))
                {
                    let content = r["content"].as_object().unwrap();
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        ["application/problem+json"],
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}

#[test]
fn docs_openapi_json_is_the_generated_document() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");
    let generated = timescales::api::openapi_json();
    if std::env::var_os("TIMESCALES_UPDATE_OPENAPI").is_some() {
        std::fs::write(path, generated).unwrap();
    }
    let written = std::fs::read_to_string(path).unwrap();
    assert!(
        written == generated,
        "docs/openapi.json is not the document the server generates: run \
         `TIMESCALES_UPDATE_OPENAPI=1 cargo test --test api openapi` and commit the result"
    );
}
