//! The staff pages as staff use them: real HTTP to the service's router (API and pages) on a
//! random port, requests carrying the sign-in headers a reverse proxy on 127.0.0.1 would add,
//! forms sent as a browser sends them (their token read from the page), over a fresh store on
//! each backend. Due dates are worked out by hand from the England and Wales calendar.

#[path = "../support/backends.rs"]
mod backends;
mod browser;
#[path = "../support/fixtures.rs"]
mod fixtures;

use std::sync::Arc;

use chrono::NaiveDate;
use reqwest::{Client, StatusCode};
use timescales::api::{service, ApiState};
use timescales::calendar::Calendars;
use timescales::clock::FixedClock;
use timescales::config::{ProxySettings, RoleGroups, Settings, WebSettings};
use timescales::lifecycle::Lifecycle;
use timescales::procedure::Procedures;
use timescales::reminder::{Addressing, RoleTargets};
use timescales::store::Store;
use timescales::web::{FormKey, WebState};

use backends::on_both;

/// Who signs in: a name and the identity provider's groups.
#[derive(Clone, Copy)]
struct Who(&'static str, &'static str);

const VIEWER: Who = Who("Quinn Assurance", "Safeguarding QA");
const CASEWORKER: Who = Who("Casey Worker", "CRS Support, All Staff");
const MANAGER: Who = Who("Morgan Manager", "CRS Managers");

struct Site {
    base: String,
    client: Client,
    store: Store,
    lifecycle: Lifecycle,
}

fn web_settings(proxy: &str) -> WebSettings {
    WebSettings {
        enabled: true,
        proxy: ProxySettings {
            addresses: vec![proxy.parse().unwrap()],
            ..ProxySettings::default()
        },
        roles: RoleGroups {
            viewer: vec!["Safeguarding QA".into()],
            caseworker: vec!["CRS Support".into()],
            manager: vec!["CRS Managers".into()],
            admin: vec![],
        },
        secret_file: None,
    }
}

impl Site {
    /// The service over `store`, today being `today`, believing sign-ins from `proxy`; Durham's
    /// chairs and managers get email.
    async fn spawn_behind(store: Store, today: &str, proxy: &str) -> Site {
        let today: NaiveDate = today.parse().unwrap();
        let mut roles = std::collections::BTreeMap::new();
        for role in ["chair", "manager"] {
            roles.insert(
                role.to_string(),
                RoleTargets {
                    email: vec![format!("{role}@council.example")],
                    chat: vec![],
                },
            );
        }
        let lifecycle = Lifecycle::new(
            store.clone(),
            Arc::new(Procedures::load(None).unwrap()),
            Arc::new(Calendars::embedded()),
            Arc::new(FixedClock::at_noon(today)),
            2,
        )
        .with_notifications(
            Addressing {
                roles,
                ..Addressing::default()
            },
            Arc::new(tokio::sync::Notify::new()),
        );
        let pages = timescales::web::router(WebState::new(
            lifecycle.clone(),
            &web_settings(proxy),
            Arc::new(FormKey::from_bytes([42; 32])),
        ));
        let app = service(ApiState::new(lifecycle.clone(), Vec::new()), 65_536, pages);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap()
        });
        Site {
            base,
            // A browser follows redirects; the tests look at each one.
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            store,
            lifecycle,
        }
    }

    async fn spawn(store: Store, today: &str) -> Site {
        Self::spawn_behind(store, today, "127.0.0.1").await
    }

    fn request(&self, who: Who, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .header("X-Forwarded-User", who.0)
            .header("X-Forwarded-Groups", who.1)
    }

    /// A page: its status, headers and HTML.
    async fn page(&self, who: Who, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
        let r = self
            .request(who, reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        let (status, headers) = (r.status(), r.headers().clone());
        (status, headers, r.text().await.unwrap())
    }

    /// The HTML of a page that must answer 200.
    async fn html(&self, who: Who, path: &str) -> String {
        let (status, _, html) = self.page(who, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        html
    }

    /// A form sent as a browser sends it: the status, where it redirects, and the HTML.
    async fn send(
        &self,
        who: Who,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let r = self
            .request(who, reqwest::Method::POST, path)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).unwrap())
            .send()
            .await
            .unwrap();
        let status = r.status();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, location, r.text().await.unwrap())
    }

    async fn version(&self, reference: &str) -> i64 {
        self.store.get(reference).await.unwrap().complaint.version
    }
}

/// The value of the first hidden input `name` on a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// The page's text with tags removed and white space collapsed, to assert on what a person
/// reads.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Durham complaint `reference` about a conference on Friday 4 December 2026, opened through
/// the form by the caseworker.
async fn open_on_the_page(site: &Site, reference: &str) {
    let form = site.html(CASEWORKER, "/open").await;
    let csrf = hidden(&form, "csrf");
    let (status, location, body) = site
        .send(
            CASEWORKER,
            "/open",
            &[
                ("csrf", &csrf),
                ("reference", reference),
                ("procedure", "durham"),
                ("complainant_role", "parent"),
                ("conference_date", "2026-12-04"),
                ("conference_type", "initial"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location, format!("/complaints/{reference}?done=open"));
}

#[tokio::test]
async fn a_caseworker_opens_a_complaint_records_an_event_and_sees_deadlines_and_reminders_move() {
    on_both("web forms", |store| async move {
        let site = Site::spawn(store, "2026-12-17").await;
        open_on_the_page(&site, "DU-W1").await;

        let page = text(&site.html(CASEWORKER, "/complaints/DU-W1?done=open").await);
        assert!(page.contains("The complaint is opened"), "{page}");
        // The family's window to raise concerns: 10 working days after Friday 4 December is
        // Friday 18 December (7-11 and 14-18 December; no holiday).
        assert!(
            page.contains("Write to the chairperson with the issue"),
            "{page}"
        );
        assert!(page.contains("Fri 18 Dec 2026"), "{page}");
        assert!(!page.contains("Write back to the complainant"), "{page}");
        assert!(page.contains("Signed in as Casey Worker (caseworker)"), "{page}");
        let planned_before = site.store.notifications_of("DU-W1").await.unwrap().len();

        // Concerns received Thursday 17 December. Acknowledge within 3 working days: 18, 21,
        // 22 December, so Tuesday 22 December. Offer an appointment within 10: 18, 21, 22, 23,
        // 24 December, then past Christmas Day (Fri 25), the Boxing Day substitute (Mon 28),
        // 29, 30, 31 December, past New Year's Day (Fri 1), 4 and 5 January: Tuesday 5 January.
        let html = site.html(CASEWORKER, "/complaints/DU-W1").await;
        let (csrf, version) = (hidden(&html, "csrf"), hidden(&html, "version"));
        let (status, location, body) = site
            .send(
                CASEWORKER,
                "/complaints/DU-W1/events",
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("name", "concerns-received"),
                    ("date", "2026-12-17"),
                    ("note", "Letter by post"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert_eq!(location, "/complaints/DU-W1?done=events");
        let html = site.html(CASEWORKER, &location).await;
        let page = text(&html);
        assert!(page.contains("The event is recorded"), "{page}");
        assert!(page.contains("Write back to the complainant"), "{page}");
        assert!(page.contains("Tue 22 Dec 2026"), "{page}");
        assert!(page.contains("Offer an appointment to attempt to resolve things"), "{page}");
        assert!(page.contains("Tue 5 Jan 2027"), "{page}");
        // How the date was reached: the days off the count passed over.
        for day in ["Christmas Day", "Boxing Day", "New Year"] {
            assert!(page.contains(day), "{day}: {page}");
        }
        // The timeline and the audit name the person, as the web's.
        assert!(page.contains("Letter by post"), "{page}");
        let audit = site.lifecycle.audit("DU-W1").await.unwrap();
        assert!(audit.len() >= 2, "{audit:?}");
        assert!(
            audit.iter().all(|a| a.actor == "Casey Worker (web)"),
            "{audit:?}"
        );
        // Reminders were planned for the new duties, and the page lists every one stored.
        let planned = site.store.notifications_of("DU-W1").await.unwrap();
        assert!(planned.len() > planned_before, "{planned:?}");
        assert!(
            planned.iter().any(|n| n.deadline == "acknowledge" && n.state == "planned"),
            "{planned:?}"
        );
        let rows = html.matches("<tr class=\"govuk-table__row\">").count();
        assert!(rows >= planned.len(), "{rows} rows for {} reminders", planned.len());
        assert!(
            page.contains(
                "Chairperson of the conference (Independent Reviewing Officer) by email:chair@council.example"
            ),
            "{page}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_forged_or_cross_site_or_stale_form_changes_nothing() {
    on_both("web refusals", |store| async move {
        let site = Site::spawn(store, "2026-12-17").await;
        open_on_the_page(&site, "DU-W2").await;
        let html = site.html(MANAGER, "/complaints/DU-W2").await;
        let (csrf, version) = (hidden(&html, "csrf"), hidden(&html, "version"));
        let before = (
            site.version("DU-W2").await,
            site.lifecycle.audit("DU-W2").await.unwrap(),
        );
        let event = |csrf: &'static str| -> Vec<(&'static str, &'static str)> {
            vec![
                ("csrf", csrf),
                ("name", "concerns-received"),
                ("date", "2026-12-17"),
            ]
        };
        // No token, and another person's token (the caseworker's page gave it).
        let (status, _, body) = site
            .send(MANAGER, "/complaints/DU-W2/events", &event(""))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(text(&body).contains("Nothing was changed"), "{body}");
        let theirs = hidden(&site.html(CASEWORKER, "/complaints/DU-W2").await, "csrf");
        assert_ne!(theirs, csrf);
        let theirs: &'static str = Box::leak(theirs.into_boxed_str());
        let (status, _, _) = site
            .send(MANAGER, "/complaints/DU-W2/events", &event(theirs))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // The right token, from another site.
        let mine: &'static str = Box::leak(csrf.clone().into_boxed_str());
        let r = site
            .request(MANAGER, reqwest::Method::POST, "/complaints/DU-W2/events")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Sec-Fetch-Site", "cross-site")
            .body(serde_urlencoded::to_string(event(mine)).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            (
                site.version("DU-W2").await,
                site.lifecycle.audit("DU-W2").await.unwrap()
            ),
            before,
            "nothing changed"
        );

        // Someone else changes it after the page was opened: the page's form is refused, says
        // why, and the complaint keeps the other change only.
        let (status, _, _) = site
            .send(
                CASEWORKER,
                "/complaints/DU-W2/events",
                &[
                    ("csrf", theirs),
                    ("name", "concerns-received"),
                    ("date", "2026-12-16"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let moved = site.version("DU-W2").await;
        let (status, _, body) = site
            .send(
                MANAGER,
                "/complaints/DU-W2/close",
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("reason", "resolved"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let page = text(&body);
        assert!(page.contains("Nothing was changed"), "{page}");
        assert!(page.contains("Someone changed this complaint"), "{page}");
        assert_eq!(site.version("DU-W2").await, moved);
        assert_eq!(
            site.store.get("DU-W2").await.unwrap().complaint.status,
            "open"
        );
    })
    .await;
}

#[tokio::test]
async fn roles_decide_which_forms_a_person_sees_and_may_send() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    let site = Site::spawn(store, "2026-12-17").await;
    open_on_the_page(&site, "DU-W3").await;

    let viewer = site.html(VIEWER, "/complaints/DU-W3").await;
    assert!(!viewer.contains("Record an event"), "{viewer}");
    assert!(
        !viewer.contains("href=\"/open\""),
        "the menu offers no opening: {viewer}"
    );
    let caseworker = site.html(CASEWORKER, "/complaints/DU-W3").await;
    assert!(caseworker.contains("Record an event"));
    assert!(!caseworker.contains("Close the complaint"));
    let manager = site.html(MANAGER, "/complaints/DU-W3").await;
    // The family's window is still open (due 18 December): nothing to accept late yet, and
    // no duty yet to extend.
    assert!(!manager.contains("Accept a late action") && !manager.contains("Extend a deadline"));
    for form in [
        "Record an event",
        "Mark a deadline as not applying",
        "Correct a date",
        "Close the complaint",
    ] {
        assert!(manager.contains(form), "{form}");
    }

    // A viewer's page has no form, so no token; with a valid one made by hand they still
    // cannot send a caseworker's form, nor open a complaint.
    assert!(!viewer.contains("name=\"csrf\""));
    let csrf = FormKey::from_bytes([42; 32]).token(VIEWER.0);
    let (status, _, body) = site
        .send(
            VIEWER,
            "/complaints/DU-W3/events",
            &[
                ("csrf", &csrf),
                ("name", "concerns-received"),
                ("date", "2026-12-17"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(text(&body).contains("You are signed in as a viewer; this needs a caseworker"));
    let (status, _, _) = site.page(VIEWER, "/open").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A caseworker cannot close.
    let csrf = hidden(&caseworker, "csrf");
    let (status, _, _) = site
        .send(
            CASEWORKER,
            "/complaints/DU-W3/close",
            &[("csrf", &csrf), ("reason", "done")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The manager can, and the page then offers to reopen instead.
    let csrf = hidden(&manager, "csrf");
    let (status, location, _) = site
        .send(
            MANAGER,
            "/complaints/DU-W3/close",
            &[("csrf", &csrf), ("reason", "resolved at stage 1")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let page = site.html(MANAGER, &location).await;
    assert!(page.contains("Reopen the complaint") && !page.contains("Record an event"));
    let audit = site.lifecycle.audit("DU-W3").await.unwrap();
    let last = audit.last().unwrap();
    assert_eq!(last.actor, "Morgan Manager (web)");
    assert!(last.detail.contains("resolved at stage 1"), "{last:?}");
}

#[tokio::test]
async fn sign_in_headers_are_believed_from_the_proxy_only_and_need_a_role() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    // The proxy is elsewhere: these requests come from 127.0.0.1 with the headers written by
    // hand, as anyone on the network could.
    let site = Site::spawn_behind(store.clone(), "2026-12-17", "10.20.30.40").await;
    for path in ["/", "/complaints/X-1", "/report", "/procedures"] {
        let (status, _, body) = site.page(MANAGER, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            text(&body).contains("the request did not come from it"),
            "{body}"
        );
        assert!(
            !body.contains("Morgan"),
            "the page does not echo the claimed name"
        );
    }
    let site = Site::spawn(store, "2026-12-17").await;
    let (status, _, body) = site.page(Who("Pat Finance", "Finance"), "/").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        text(&body).contains("none of your groups is given a role"),
        "{body}"
    );
    let r = site
        .client
        .get(format!("{}/", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no name at all");
}

#[tokio::test]
async fn a_refused_value_is_named_and_kept_and_what_staff_type_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    let site = Site::spawn(store, "2026-12-17").await;
    open_on_the_page(&site, "DU-W4").await;
    let html = site.html(CASEWORKER, "/complaints/DU-W4").await;
    let csrf = hidden(&html, "csrf");
    let version = site.version("DU-W4").await;

    // No date: the summary names it and links to the field; the note typed is kept.
    let (status, _, body) = site
        .send(
            CASEWORKER,
            "/complaints/DU-W4/events",
            &[
                ("csrf", &csrf),
                ("name", "concerns-received"),
                ("note", "kept <b>as typed</b>"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("href=\"#events-date\""), "{body}");
    assert!(text(&body).contains("Give the date"), "{body}");
    assert!(
        body.contains("value=\"kept &#60;b&#62;as typed&#60;/b&#62;\"")
            || body.contains("value=\"kept &lt;b&gt;as typed&lt;/b&gt;\""),
        "{body}"
    );
    // A date that is not one, and an event the procedure refuses, each named.
    let (status, _, body) = site
        .send(
            CASEWORKER,
            "/complaints/DU-W4/events",
            &[
                ("csrf", &csrf),
                ("name", "concerns-received"),
                ("date", "2026-13-45"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&body).contains("2026-13-45"), "{body}");
    let (status, _, body) = site
        .send(
            CASEWORKER,
            "/complaints/DU-W4/events",
            &[
                ("csrf", &csrf),
                ("name", "panel-held"),
                ("date", "2026-12-17"),
            ],
        )
        .await;
    assert_eq!(status.as_u16() / 100, 4, "{body}");
    // A version that is not one is not taken as no version.
    let (status, _, _) = site
        .send(
            CASEWORKER,
            "/complaints/DU-W4/events",
            &[
                ("csrf", &csrf),
                ("version", "abc"),
                ("name", "concerns-received"),
                ("date", "2026-12-17"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(site.version("DU-W4").await, version, "nothing changed");

    // A note with markup is shown as text on every page it reaches.
    let (status, _, _) = site
        .send(
            CASEWORKER,
            "/complaints/DU-W4/events",
            &[
                ("csrf", &csrf),
                ("name", "concerns-received"),
                ("date", "2026-12-17"),
                ("note", "<script>alert('x')</script>"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let html = site.html(CASEWORKER, "/complaints/DU-W4").await;
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(
        html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
        "{html}"
    );
}

/// Every `<script>` loads a file (the policy allows no inline script) and no element carries
/// a `style` attribute (nor inline style).
fn no_inline_code(path: &str, html: &str) {
    for (i, _) in html.match_indices("<script") {
        let tag = &html[i..i + html[i..].find('>').unwrap()];
        assert!(tag.contains(" src=\""), "{path}: inline script {tag}");
    }
    assert!(!html.contains(" style=\""), "{path}: a style attribute");
    assert!(!html.contains("<style"), "{path}: a style element");
}

#[tokio::test]
async fn every_page_carries_its_policy_and_the_styles_are_served_from_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    let site = Site::spawn(store, "2026-12-17").await;
    open_on_the_page(&site, "DU-W5").await;
    for path in [
        "/",
        "/open",
        "/complaints/DU-W5",
        "/procedures",
        "/procedures/durham",
        "/holidays",
        "/report?from=2026-04-01&to=2027-03-31",
    ] {
        let (status, headers, html) = site.page(MANAGER, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.starts_with("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["cache-control"], "no-store", "{path}");
        assert!(html.starts_with("<!DOCTYPE html>"), "{path}");
        assert!(html.contains("<html lang=\"en-GB\""), "{path}");
        no_inline_code(path, &html);
    }
    // The API keeps its own policy.
    let r = site
        .client
        .get(format!("{}/healthz", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );

    let r = site
        .client
        .get(format!("{}/assets/govuk-frontend.min.css", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/css; charset=utf-8");
    let css = r.text().await.unwrap();
    assert!(css.contains("--govuk-frontend-version:\"6.6.0\""));
    assert!(
        !css.contains("@font-face"),
        "GDS Transport is for GOV.UK only"
    );
    assert_eq!(timescales::web::GOVUK_FRONTEND, "6.6.0");
    for file in [
        "govuk-frontend.min.js",
        "init.mjs",
        "LICENSE-govuk-frontend.txt",
    ] {
        let r = site
            .client
            .get(format!("{}/assets/{file}", site.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{file}");
    }
    let r = site
        .client
        .get(format!("{}/assets/../Cargo.toml", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_home_page_counts_filters_and_pages_through_the_complaints() {
    on_both("web home", |store| async move {
        let site = Site::spawn(store, "2026-12-17").await;
        // 105 Durham complaints (conference 2 November, concerns received 10 November): by
        // 17 December each has two duties overdue (acknowledge by 13 November, offer an
        // appointment by 24 November); their window to ask for Stage 2 closed 8 December.
        site.lifecycle
            .import(&fixtures::overdue_durham(105))
            .await
            .unwrap();
        let html = site.html(VIEWER, "/").await;
        let page = text(&html);
        assert!(page.contains("As of Thursday 17 December 2026"), "{page}");
        assert!(page.contains("Overdue: 210"), "{page}");
        assert!(page.contains("Due this week: 0"), "{page}");
        assert!(page.contains("Due from today to Sunday 20 December 2026"), "{page}");
        // By owner: Durham's chair owns both duties.
        assert!(
            page.contains(
                "Chairperson of the conference (Independent Reviewing Officer) Complaint Resolution Procedure: The Child Protection Conference Process 210 0"
            ),
            "{page}"
        );
        assert_eq!(html.matches("govuk-tag--red").count(), 100, "a page of 100, each red");
        assert!(page.contains("CP-00000") && page.contains("CP-00099") && !page.contains("CP-00100"));
        // The first of each complaint's overdue duties: acknowledge, due Friday 13 November,
        // 24 working days before 17 December.
        assert!(page.contains("Write back to the complainant Fri 13 Nov 2026 Overdue 24 working days overdue 2"), "{page}");
        let next = html
            .split("rel=\"next\"")
            .next()
            .and_then(|h| h.rsplit("href=\"").next())
            .map(|h| h.split('"').next().unwrap().replace("&#38;", "&").replace("&amp;", "&"))
            .unwrap();
        assert!(next.starts_with("/?cursor="), "{next}");
        let page2 = text(&site.html(VIEWER, &next).await);
        assert!(page2.contains("CP-00100") && page2.contains("CP-00104"), "{page2}");
        assert!(page2.contains("5 complaints on this page") && page2.contains("First page"), "{page2}");

        // Every match as CSV, not one page: the header and 105 rows.
        assert!(html.contains("href=\"/complaints.csv?\""), "the link keeps the filters");
        let r = site
            .request(VIEWER, reqwest::Method::GET, "/complaints.csv?procedure=durham&owner=")
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
        let csv = r.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 106, "{csv}");
        assert_eq!(
            lines[0],
            "reference,procedure,track,stage,status,conference_date,next_deadline,next_due,overdue"
        );
        assert_eq!(
            lines[1],
            "CP-00000,durham,conference,stage-1,open,2026-11-02,acknowledge,2026-11-13,2"
        );

        // Filters: another procedure has none; blank fields are no filter.
        let none = text(&site.html(VIEWER, "/?procedure=kent&owner=&due_within=").await);
        assert!(none.contains("No complaint matches"), "{none}");
        let (status, _, body) = site.page(VIEWER, "/?due_within=soon").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(text(&body).contains("The filters cannot be read"), "{body}");
    })
    .await;
}

#[tokio::test]
async fn the_report_procedures_and_holidays_pages_show_the_same_figures_as_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    let site = Site::spawn(store, "2026-12-17").await;
    site.lifecycle
        .import(&fixtures::overdue_durham(3))
        .await
        .unwrap();

    let report = site
        .lifecycle
        .report(
            "2026-04-01".parse().unwrap(),
            "2027-03-31".parse().unwrap(),
            None,
        )
        .await
        .unwrap();
    let html = site
        .html(VIEWER, "/report?from=2026-04-01&to=2027-03-31&procedure=")
        .await;
    let page = text(&html);
    assert!(
        page.contains("Compliance report: deadlines due 1 April 2026 to 31 March 2027"),
        "{page}"
    );
    assert!(html.contains("<svg"), "the chart");
    for t in report.tables() {
        assert!(page.contains(&t.caption));
        for row in &t.rows {
            let cells: Vec<&str> = row
                .iter()
                .map(String::as_str)
                .filter(|c| !c.is_empty())
                .collect();
            assert!(page.contains(&cells.join(" ")), "{row:?} in {page}");
        }
    }
    // The CSV is the command's.
    let r = site
        .request(
            VIEWER,
            reqwest::Method::GET,
            "/report.csv?from=2026-04-01&to=2027-03-31",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let mut want = Vec::new();
    report.write_csv(&mut want).unwrap();
    assert_eq!(r.bytes().await.unwrap().to_vec(), want);
    let (status, _, body) = site.page(VIEWER, "/report?from=2026-04-31").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#from\""), "{body}");
    let (status, _, body) = site
        .page(VIEWER, "/report?from=1900-01-01&to=2026-03-31")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text(&body).contains("a report covers at most ten years"),
        "{body}"
    );

    let procedures = text(&site.html(VIEWER, "/procedures").await);
    for p in Procedures::load(None).unwrap().iter() {
        assert!(procedures.contains(&p.name), "{}", p.name);
    }
    let durham = text(&site.html(VIEWER, "/procedures/durham").await);
    assert!(
        durham.contains("no later than 3 working days after we receive your concerns"),
        "{durham}"
    );
    let (status, _, _) = site.page(VIEWER, "/procedures/nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // 2026: Boxing Day is a Saturday, so Monday 28 December is its substitute in England
    // and Wales; Scotland has St Andrew's Day on Monday 30 November.
    let holidays = text(&site.html(VIEWER, "/holidays").await);
    assert!(
        holidays.contains("Mon 28 Dec 2026 Boxing Day (substitute day) GOV.UK bank holidays"),
        "{holidays}"
    );
    assert!(
        holidays.contains("Mon 30 Nov 2026 St Andrew’s Day")
            || holidays.contains("Mon 30 Nov 2026 St Andrew's Day"),
        "{holidays}"
    );
}

#[test]
fn the_pages_need_a_proxy_and_a_group_to_be_enabled() {
    let mut s = Settings::default();
    s.web.enabled = true;
    let e = s.validate().unwrap_err().to_string();
    assert!(e.contains("web.proxy.addresses"), "{e}");
    s.web.proxy.addresses = vec!["127.0.0.1".parse().unwrap()];
    let e = s.validate().unwrap_err().to_string();
    assert!(e.contains("[web.roles]"), "{e}");
    s.web.roles.viewer = vec!["QA".into()];
    s.validate().unwrap();
    s.web.proxy.user_header = "X User".into();
    let e = s.validate().unwrap_err().to_string();
    assert!(
        e.contains("web.proxy.user_header") && e.contains("not an HTTP header name"),
        "{e}"
    );
}
