//! Lists a page at a time over HTTP: the next page's cursor and link in the body and in a
//! `Link` header, filters kept in the link, the last page without them, and bad sizes and
//! cursors refused naming the parameter.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::backends::on_both;
use crate::helpers::{error, open, App};

/// The page at `path`, with its `Link` header.
async fn page(app: &App, path: &str) -> (Value, Option<String>) {
    let r = app.get(path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let link = r
        .headers()
        .get("link")
        .map(|v| v.to_str().unwrap().to_string());
    (r.json().await.unwrap(), link)
}

fn references(page: &Value) -> Vec<&str> {
    page["complaints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reference"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_client_follows_next_links_to_the_last_page() {
    on_both("api pages", |store| async move {
        let app = App::spawn(store, "2027-01-05").await;
        // Five Durham complaints with concerns received 10 Nov 2026: all overdue by January;
        // one more just opened, overdue in nothing.
        for r in ["R-1", "R-2", "R-3", "R-4", "R-5"] {
            let mut body = open(r, "durham", "2026-11-02", None);
            body["events"] = json!([{"name": "concerns-received", "date": "2026-11-10"}]);
            app.ok("/api/v1/complaints", body).await;
        }
        app.ok(
            "/api/v1/complaints",
            open("R-3a", "durham", "2027-01-04", None),
        )
        .await;

        let first = "/api/v1/complaints?overdue=true&procedure=durham&limit=2";
        let (p, link) = page(&app, first).await;
        assert_eq!(references(&p), ["R-1", "R-2"]);
        let cursor = p["next_cursor"].as_str().unwrap();
        let next =
            format!("/api/v1/complaints?overdue=true&procedure=durham&limit=2&cursor={cursor}");
        assert_eq!(p["next"], next.as_str());
        assert_eq!(
            link.as_deref(),
            Some(format!("<{next}>; rel=\"next\"").as_str())
        );
        // Each item as before paging.
        assert_eq!(p["complaints"][0]["overdue"], 2);
        assert_eq!(p["complaints"][0]["next_due"]["deadline"], "acknowledge");
        assert_eq!(p["complaints"][0]["next_due"]["due_date"], "2026-11-13");

        let (p, link) = page(&app, &next).await;
        assert_eq!(references(&p), ["R-3", "R-4"]);
        let next = p["next"].as_str().unwrap().to_string();
        assert_eq!(
            link.as_deref(),
            Some(format!("<{next}>; rel=\"next\"").as_str())
        );
        let (p, link) = page(&app, &next).await;
        assert_eq!(references(&p), ["R-5"]);
        // The last page: no cursor, no link, in the body or the headers.
        assert_eq!(link, None);
        assert_eq!(
            p.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["complaints"]
        );

        // Without a limit, a page of 100: all six at once.
        let (p, link) = page(&app, "/api/v1/complaints").await;
        assert_eq!(references(&p), ["R-1", "R-2", "R-3", "R-3a", "R-4", "R-5"]);
        assert_eq!(link, None);
        // The cursor alone, with other filters: the place holds, the filters are the new ones.
        let (p, _) = page(&app, &format!("/api/v1/complaints?cursor={cursor}&limit=3")).await;
        assert_eq!(references(&p), ["R-3", "R-3a", "R-4"]);
    })
    .await;
}

#[tokio::test]
async fn bad_page_sizes_and_cursors_name_the_parameter() {
    on_both("api page bounds", |store| async move {
        let app = App::spawn(store, "2027-01-05").await;
        app.ok("/api/v1/complaints", open("R-1", "durham", "2026-12-11", None))
            .await;
        for (query, status, code, field, message) in [
            ("limit=0", StatusCode::UNPROCESSABLE_ENTITY, "invalid-field", Some("limit"), "limit 0 is not a page size: give 1 to 1000 (default 100) and follow next_cursor for the rest"),
            ("limit=1001", StatusCode::UNPROCESSABLE_ENTITY, "invalid-field", Some("limit"), "limit 1001 is not a page size: give 1 to 1000 (default 100) and follow next_cursor for the rest"),
            ("limit=many", StatusCode::BAD_REQUEST, "invalid-query", None, "query: invalid digit found in string"),
            ("cursor=R-1", StatusCode::UNPROCESSABLE_ENTITY, "invalid-field", Some("cursor"), "cursor 'R-1' is not one this service gave: pass the previous page's next_cursor as it is, or leave cursor out for the first page"),
            ("page=2", StatusCode::BAD_REQUEST, "invalid-query", None, "query: unknown field `page`"),
            ("due_within=1001", StatusCode::UNPROCESSABLE_ENTITY, "invalid-field", Some("due_within"), "due_within 1001 is more working days than a list looks ahead: give 0 to 1000"),
        ] {
            let (s, err) = error(app.get(&format!("/api/v1/complaints?{query}")).await).await;
            assert_eq!(s, status, "{query}: {err}");
            assert_eq!(err["code"], code, "{query}: {err}");
            assert_eq!(err["field"].as_str(), field, "{query}: {err}");
            assert!(err["message"].as_str().unwrap().starts_with(message), "{query}: {err}");
        }
        let (p, link) = page(&app, "/api/v1/complaints?limit=1000").await;
        assert_eq!(references(&p), ["R-1"]);
        assert_eq!(link, None);
    })
    .await;
}
