//! The staff pages, served by `timescales serve` beside the API when `[web] enabled = true`:
//! what is overdue and due this week, each complaint with its deadlines (and how each date was
//! worked out), its reminders and audit trail, forms for everything staff record, the
//! procedures, the holidays in use and the compliance report.
//!
//! - Server-rendered HTML ([`pages`], askama templates) in the GOV.UK Design System's look
//!   ([`assets`]); every page works without JavaScript, and the pages allow no inline script
//!   (`Content-Security-Policy: default-src 'self'`).
//! - Staff are signed in by the council's reverse proxy ([`identity`]); every change is
//!   recorded under the signed-in person's name, and only roles that may make it see its form.
//! - Every form carries a token only this service's pages know ([`form_token`]) and the
//!   complaint's version: a forged post is refused, and so is a change to a complaint someone
//!   else changed since the page was opened. Nothing is changed by a refused form.
//! - A thin face over [`Lifecycle`], as the API is: the same commands, the same checks.

mod assets;
mod form_token;
mod identity;
mod pages;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, Path, RawQuery, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use chrono::{Datelike, Duration, NaiveDate};
use serde::de::DeserializeOwned;

use crate::config::WebSettings;
use crate::html::Table;
use crate::lifecycle::{
    AcceptLate, Applicability, ComplaintView, Correct, Decision, Extend, Lifecycle, LifecycleError,
    ListQuery, OpenComplaint, Rag, Record,
};
use crate::procedure::{Kind, Procedure};
use pages::{
    Choice, Chrome, ComplaintPage, DeadlineRow, Field, Form, FormError, HolidaysPage, Home,
    ListRow, OpenPage, OwnerRow, ProblemPage, ProcedurePage, ProceduresPage, RefusedPage,
    ReportPage,
};

pub use assets::GOVUK_FRONTEND;
pub use form_token::FormKey;
pub use identity::{Person, Refusal, Role, SignIn};

/// The error summary's heading on a form that changes something.
const UNCHANGED: &str = "Nothing was changed";
/// The error summary's heading on a form that only asks (the report's period).
const PROBLEM: &str = "There is a problem";

/// What every page needs.
#[derive(Clone)]
pub struct WebState {
    /// The complaint service.
    pub lifecycle: Lifecycle,
    /// Who requests are from.
    pub sign_in: Arc<SignIn>,
    /// Signs the forms' tokens.
    pub key: Arc<FormKey>,
}

impl WebState {
    /// The pages over `lifecycle`, believing sign-ins as `settings` say, signing forms with
    /// `key` (loaded with the rest of the service's setup, so that a bad key file stops the
    /// start: [`FormKey::load`]).
    pub fn new(lifecycle: Lifecycle, settings: &WebSettings, key: Arc<FormKey>) -> Self {
        WebState {
            lifecycle,
            sign_in: Arc::new(SignIn::new(settings)),
            key,
        }
    }
}

/// The pages' routes. Merged into the API's router, whose body limit and headers apply too;
/// the pages' own policy ([`page_headers`]) is set first and kept.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/open", get(open_form).post(open))
        .route("/complaints.csv", get(complaints_csv))
        .route("/complaints/{reference}", get(complaint))
        .route("/complaints/{reference}/{action}", axum::routing::post(act))
        .route("/procedures", get(procedures))
        .route("/procedures/{id}", get(procedure))
        .route("/holidays", get(holidays))
        .route("/report", get(report))
        .route("/report.csv", get(report_csv))
        .route("/assets/{file}", get(assets::serve))
        .layer(axum::middleware::map_response(page_headers))
        .with_state(state)
}

/// The pages' policy: their own files only (styles and the one script), forms posted only
/// here, never in a frame, no `<base>`.
async fn page_headers(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
        ),
    );
    response
}

/// The signed-in person, or the page saying why there is none.
struct Signed(Person);

impl FromRequestParts<WebState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &WebState) -> Result<Self, Response> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        s.sign_in
            .person(peer, &parts.headers)
            .map(Signed)
            .map_err(|refusal| {
                tracing::warn!(peer = ?peer, %refusal, "a page was asked for without a sign-in it could believe");
                render(
                    StatusCode::FORBIDDEN,
                    RefusedPage {
                        title: "You cannot use this service".into(),
                        detail: refusal.to_string(),
                    },
                )
            })
    }
}

/// A page as HTML with `status`.
fn render(status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be shown",
            )
                .into_response()
        }
    }
}

fn chrome(person: Person, current: &'static str) -> Chrome {
    Chrome {
        person,
        current,
        version: env!("CARGO_PKG_VERSION"),
    }
}

/// A page saying what went wrong.
fn problem(person: Person, status: StatusCode, title: &str, detail: String) -> Response {
    render(
        status,
        ProblemPage {
            chrome: chrome(person, ""),
            title: title.into(),
            detail,
        },
    )
}

/// A lifecycle error as a status, what to tell the person, and the field at fault.
fn failure(e: LifecycleError) -> (StatusCode, String, Option<String>) {
    match e {
        LifecycleError::Invalid { field, message } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            message,
            Some(field.to_string()),
        ),
        LifecycleError::Conflict(m) => (StatusCode::CONFLICT, m, None),
        e @ LifecycleError::NotFound(_) => (StatusCode::NOT_FOUND, e.to_string(), None),
        e @ LifecycleError::Duplicate(_) => {
            (StatusCode::CONFLICT, e.to_string(), Some("reference".into()))
        }
        LifecycleError::Stale { .. } => (
            StatusCode::CONFLICT,
            "Someone changed this complaint after this page was opened, so nothing was changed. The page now shows it as it is: check it, then send the form again.".into(),
            None,
        ),
        LifecycleError::Unchanged => (StatusCode::CONFLICT, "There was nothing to change.".into(), None),
        LifecycleError::Store(e) => {
            tracing::error!(error = %e, "store failure answering a page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The service could not reach its database. Nothing was changed: try again in a minute.".into(),
                None,
            )
        }
    }
}

/// A lifecycle error on a page that only reads.
fn failed(person: Person, e: LifecycleError) -> Response {
    let (status, detail, _) = failure(e);
    let title = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::INTERNAL_SERVER_ERROR => "Sorry, there is a problem with the service",
        _ => "That cannot be shown",
    };
    problem(person, status, title, detail)
}

/// A query string or form body as name-value pairs, leaving out empty values (a field left
/// blank is a field not given).
fn filled(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect()
}

fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

// ---------------------------------------------------------------------------------------------
// Home

/// The list's filters from a query string, blank fields left out; or the page saying they
/// cannot be read (given the person once known).
fn list_query(q: Option<&str>) -> Result<ListQuery, impl FnOnce(Person) -> Response> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(q.unwrap_or(""))
        .map(filled)
        .map_err(|e| e.to_string())
        .and_then(|p| serde_urlencoded::to_string(p).map_err(|e| e.to_string()))
        .and_then(|q| serde_urlencoded::from_str(&q).map_err(|e| e.to_string()))
        .map_err(|e| {
            move |person| {
                problem(
                    person,
                    StatusCode::BAD_REQUEST,
                    "The filters cannot be read",
                    format!("{e}. Clear the filters and choose them again."),
                )
            }
        })
}

/// `/complaints.csv`: every complaint the filters match (not one page), a row each, for a
/// spreadsheet: read a page of 1,000 at a time.
async fn complaints_csv(
    State(s): State<WebState>,
    Signed(person): Signed,
    RawQuery(q): RawQuery,
) -> Response {
    let mut query = match list_query(q.as_deref()) {
        Ok(q) => q,
        Err(r) => return r(person),
    };
    query.limit = Some(crate::lifecycle::MAX_PAGE);
    query.cursor = None;
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "reference",
        "procedure",
        "track",
        "stage",
        "status",
        "conference_date",
        "next_deadline",
        "next_due",
        "overdue",
    ];
    let mut written = w.write_record(header);
    loop {
        let page = match s.lifecycle.list(&query).await {
            Ok(p) => p,
            Err(e) => return failed(person, e),
        };
        for item in &page.complaints {
            let c = &item.complaint;
            let next = item.next_due.as_ref();
            written = written.and_then(|_| {
                w.write_record([
                    c.reference.as_str(),
                    &c.procedure,
                    &c.track,
                    c.stage.as_deref().unwrap_or(""),
                    &c.status,
                    &c.conference_date.to_string(),
                    next.map_or("", |d| d.deadline.as_str()),
                    &next.map(|d| d.due_date.to_string()).unwrap_or_default(),
                    &item.overdue.to_string(),
                ])
            });
        }
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => break,
        }
    }
    match written.and_then(|_| w.into_inner().map_err(|e| e.into_error().into())) {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"timescales-complaints-{}.csv\"",
                        s.lifecycle.today_default()
                    ),
                ),
            ],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "the complaints' CSV could not be written");
            problem(
                person,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sorry, there is a problem with the service",
                "The CSV could not be written.".into(),
            )
        }
    }
}

async fn home(
    State(s): State<WebState>,
    Signed(person): Signed,
    RawQuery(q): RawQuery,
) -> Response {
    let query = match list_query(q.as_deref()) {
        Ok(q) => q,
        Err(r) => return r(person),
    };
    let l = &s.lifecycle;
    let page = match l.list(&query).await {
        Ok(p) => p,
        Err(e) => return failed(person, e),
    };
    let today = l.today_default();
    let week_end = today + Duration::days(6 - i64::from(today.weekday().num_days_from_monday()));
    let counts = match l.store().pending_counts(today, week_end).await {
        Ok(c) => c,
        Err(e) => return failed(person, e.into()),
    };
    let procedures = l.procedures();
    let calendars = l.calendars();
    let overdue: i64 = counts.iter().map(|c| c.overdue).sum();
    let due_this_week: i64 = counts.iter().map(|c| c.this_week).sum();
    let by_owner = counts
        .into_iter()
        .map(|c| {
            let p = procedures.get(&c.procedure);
            let link = serde_urlencoded::to_string([
                ("procedure", c.procedure.as_str()),
                ("owner", c.owner_role.as_str()),
            ])
            .unwrap_or_default();
            OwnerRow {
                owner: p.map_or(c.owner_role.clone(), |p| {
                    p.role_name(&c.owner_role).to_string()
                }),
                procedure: p.map_or(c.procedure.clone(), |p| p.name.clone()),
                link: format!("/?{link}"),
                overdue: c.overdue,
                due_this_week: c.this_week,
            }
        })
        .collect();

    let rows = page
        .complaints
        .iter()
        .map(|item| {
            let c = &item.complaint;
            let p = procedures.get(&c.procedure);
            let stage = c
                .stage
                .as_deref()
                .map(|id| p.and_then(|p| p.stage(id)).map_or(id, |s| s.name.as_str()))
                .unwrap_or("");
            let (mut rag, mut left) = (Rag::None, c.status.replace('-', " "));
            let (mut next_what, mut next_due) = (String::new(), String::new());
            if let (Some(d), Some(p)) = (&item.next_due, p) {
                next_what = p
                    .deadline(&d.deadline)
                    .map_or(d.deadline.clone(), |def| def.what.clone());
                next_due = pages::short_date(d.due_date);
                let cal = calendars.get(p.region);
                (rag, left) = if d.due_date < today {
                    let late = cal.working_days_between(d.due_date, today).unwrap_or(0);
                    match d.kind.as_str() {
                        "obligation" => (Rag::Red, format!("{} overdue", working_days(late))),
                        _ => (Rag::None, "the family's window has closed".into()),
                    }
                } else {
                    let n = cal.working_days_between(today, d.due_date).unwrap_or(0);
                    let text = if n == 0 {
                        "due today".to_string()
                    } else {
                        format!("{} left", working_days(n))
                    };
                    (l.rag_of_open(n), text)
                };
            }
            let (rag, rag_class) = pages::rag(rag);
            ListRow {
                reference: c.reference.clone(),
                link: crate::complaint::reference::in_link("/complaints/{reference}", &c.reference),
                procedure: p.map_or(c.procedure.clone(), |p| p.name.clone()),
                stage: stage.to_string(),
                next_what,
                next_due,
                rag,
                rag_class,
                left,
                overdue: item.overdue,
            }
        })
        .collect();
    let link = |q: &ListQuery| format!("/?{}", serde_urlencoded::to_string(q).unwrap_or_default());
    let next = page.next_cursor.as_ref().map(|c| {
        link(&ListQuery {
            cursor: Some(c.clone()),
            ..query.clone()
        })
    });
    let first = query.cursor.as_ref().map(|_| {
        link(&ListQuery {
            cursor: None,
            ..query.clone()
        })
    });
    let mut roles: BTreeMap<&str, &str> = BTreeMap::new();
    for p in procedures.iter() {
        for (id, name) in &p.roles {
            roles.entry(id).or_insert(name);
        }
    }
    render(
        StatusCode::OK,
        Home {
            chrome: chrome(person, "/"),
            as_of: pages::long_date(today),
            week_end: pages::long_date(week_end),
            overdue,
            due_this_week,
            by_owner,
            procedures: procedure_choices(&procedures, query.procedure.as_deref()),
            owners: roles
                .into_iter()
                .map(|(id, name)| Choice::new(id, name, query.owner.as_deref()))
                .collect(),
            csv: link(&ListQuery {
                cursor: None,
                limit: None,
                ..query.clone()
            })
            .replacen("/?", "/complaints.csv?", 1),
            due_within: query.due_within.map(|d| d.to_string()).unwrap_or_default(),
            overdue_only: query.overdue,
            all: query.all,
            rows,
            next,
            first,
        },
    )
}

fn procedure_choices(
    procedures: &crate::procedure::Procedures,
    chosen: Option<&str>,
) -> Vec<Choice> {
    procedures
        .iter()
        .map(|p| Choice::new(&p.id, &p.name, chosen))
        .collect()
}

/// `1 working day`, `3 working days`.
fn working_days(n: i64) -> String {
    format!("{n} working day{}", if n == 1 { "" } else { "s" })
}

// ---------------------------------------------------------------------------------------------
// A complaint

async fn complaint(
    State(s): State<WebState>,
    Signed(person): Signed,
    Path(reference): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let done = serde_urlencoded::from_str::<Vec<(String, String)>>(q.as_deref().unwrap_or(""))
        .ok()
        .and_then(|p| value(&p, "done").and_then(done_message));
    complaint_page(&s, person, &reference, done, None, StatusCode::OK).await
}

/// A form that came back refused: which, what was sent, and why.
struct Refused {
    action: &'static str,
    sent: Vec<(String, String)>,
    error: FormError,
}

/// Each command a complaint's page posts: its name in the address, the role it needs, and what
/// the banner says once it is done. One list for the route, the role check and the banner.
const ACTIONS: &[(&str, Role, &str)] = &[
    ("events", Role::Caseworker, "The event is recorded"),
    ("outcomes", Role::Caseworker, "The outcome is recorded"),
    ("extensions", Role::Manager, "The deadline is extended"),
    (
        "late-acceptances",
        Role::Manager,
        "The late action is accepted",
    ),
    (
        "not-applicable",
        Role::Manager,
        "The deadline is marked as not applying",
    ),
    ("applicable", Role::Manager, "The deadline applies again"),
    ("corrections", Role::Manager, "The date is corrected"),
    ("close", Role::Manager, "The complaint is closed"),
    ("reopen", Role::Manager, "The complaint is reopened"),
];

/// What a command did, for the banner after it (`open` is the opening page's).
fn done_message(action: &str) -> Option<String> {
    let m = match action {
        "open" => "The complaint is opened",
        _ => ACTIONS.iter().find(|(a, _, _)| *a == action)?.2,
    };
    Some(format!(
        "{m}. The deadlines below and the reminders planned are as they now stand."
    ))
}

async fn complaint_page(
    s: &WebState,
    person: Person,
    reference: &str,
    done: Option<String>,
    refused: Option<Refused>,
    status: StatusCode,
) -> Response {
    let l = &s.lifecycle;
    let view = match l.show(reference).await {
        Ok(v) => v,
        Err(e) => return failed(person, e),
    };
    let audit = match l.audit(reference).await {
        Ok(a) => a,
        Err(e) => return failed(person, e),
    };
    let notifications = match l.store().notifications_of(reference).await {
        Ok(n) => n,
        Err(e) => return failed(person, e.into()),
    };
    let procedures = l.procedures();
    let Some(p) = procedures.get(&view.complaint.procedure) else {
        return problem(
            person,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sorry, there is a problem with the service",
            format!(
                "This complaint follows the procedure '{}', which is no longer loaded.",
                view.complaint.procedure
            ),
        );
    };
    let calendar = l.calendars();
    let calendar = calendar.get(p.region);
    let c = &view.complaint;

    let mut summary = vec![
        ("Procedure", format!("{} ({})", p.name, p.authority)),
        (
            "Track",
            p.track(&c.track)
                .map_or(c.track.clone(), |t| t.name.clone()),
        ),
        ("Status", c.status.replace('-', " ")),
    ];
    if let Some(stage) = &c.stage {
        summary.push((
            "Stage",
            p.stage(stage).map_or(stage.clone(), |s| s.name.clone()),
        ));
    }
    if let Some(o) = &c.outcome {
        summary.push((
            "Outcome",
            p.outcomes.get(o).map_or(o.clone(), |o| o.label.clone()),
        ));
    }
    if let Some(r) = &c.referred_to {
        summary.push(("Referred to", r.clone()));
    }
    summary.extend([
        (
            "Conference",
            format!(
                "{} ({})",
                pages::long_date(c.conference_date),
                c.conference_type
            ),
        ),
        ("Complainant", c.complainant_role.replace('-', " ")),
        (
            "Opened",
            pages::long_date(c.opened_at.with_timezone(&p.time_zone).date_naive()),
        ),
    ]);

    let deadlines = view
        .deadlines
        .iter()
        .map(|d| {
            let x = &d.derived;
            let (rag, rag_class) = pages::rag(d.rag);
            let explanation = match x.rule.explain(calendar, x.from_date) {
                Ok(e) => {
                    let mut text = format!(
                        "Counted from {} ({}).\n{}",
                        p.events
                            .get(&x.from_event)
                            .map_or(x.from_event.as_str(), |e| e.as_str()),
                        x.from_date,
                        e.to_text()
                    );
                    if x.extension.is_some() {
                        text.push_str(&format!("\nExtended from {} to {}.", x.rule_due, x.due));
                    }
                    text
                }
                Err(e) => e.to_string(),
            };
            DeadlineRow {
                what: x.what.clone(),
                owner: x.owner.clone(),
                due: pages::short_date(x.due),
                rag,
                rag_class,
                status: x.verdict.clone().unwrap_or_default(),
                explanation,
            }
        })
        .collect();

    let timeline = view
        .timeline
        .iter()
        .map(|e| {
            let what = p
                .events
                .get(&e.name)
                .cloned()
                .or_else(|| p.outcomes.get(&e.name).map(|o| o.label.clone()))
                .unwrap_or_else(|| e.name.clone());
            let extra = match (e.new_date, e.corrects) {
                (Some(d), Some(c)) => format!(" (entry {c} corrected to {d})"),
                (Some(d), None) => format!(" (to {d})"),
                _ => String::new(),
            };
            vec![
                e.id.to_string(),
                e.effective_date.to_string(),
                format!("{}: {what}{extra}", e.kind.replace('-', " ")),
                e.note.clone(),
                e.recorded_by.clone(),
            ]
        })
        .collect();
    let reminders = notifications
        .iter()
        .map(|n| {
            let what = p
                .deadline(&n.deadline)
                .map_or(n.deadline.clone(), |d| d.what.clone());
            let state = match (&n.sent_at, &n.last_error) {
                (Some(at), _) => format!(
                    "sent {}",
                    at.with_timezone(&p.time_zone).format("%-d %b %Y %H:%M")
                ),
                (None, Some(err)) if n.state != "planned" => format!("{} ({err})", n.state),
                _ => n.state.clone(),
            };
            vec![
                what,
                format!("{} ({})", n.kind.replace('-', " "), n.occurrence),
                format!("{} by {}", p.role_name(&n.role), n.destination),
                n.planned_at
                    .with_timezone(&p.time_zone)
                    .format("%a %-d %b %Y %H:%M")
                    .to_string(),
                state,
            ]
        })
        .collect();
    let audit = audit
        .iter()
        .map(|a| {
            vec![
                a.at.with_timezone(&p.time_zone)
                    .format("%-d %b %Y %H:%M:%S")
                    .to_string(),
                a.actor.clone(),
                format!("{}: {}", a.action, a.detail),
            ]
        })
        .collect();

    let mut forms = forms_for(p, &view, &person, l.today_default());
    let error = refused.map(|r| {
        if let Some(f) = forms.iter_mut().find(|f| f.action == r.action) {
            f.refill(&r.sent);
        }
        r.error
    });
    render(
        status,
        ComplaintPage {
            csrf: s.key.token(&person.name),
            chrome: chrome(person, ""),
            reference: c.reference.clone(),
            procedure: p.name.clone(),
            summary,
            as_of: pages::long_date(view.as_of),
            deadlines,
            forms,
            tables: vec![
                Table {
                    heading: Some("Timeline".into()),
                    caption: "Every entry, oldest first".into(),
                    head: vec!["Entry", "Date", "What", "Note", "Recorded by"],
                    rows: timeline,
                    empty: "No entry.",
                },
                Table {
                    heading: Some("Reminders and alerts".into()),
                    caption: "Every message planned for this complaint, with where it stands".into(),
                    head: vec!["Deadline", "Kind", "To", "Planned for", "State"],
                    rows: reminders,
                    empty: "None planned: no recipient is configured for the roles that own its deadlines.",
                },
                Table {
                    heading: Some("Audit".into()),
                    caption: "Every change, who made it and what it moved".into(),
                    head: vec!["When", "Who", "What"],
                    rows: audit,
                    empty: "No change recorded.",
                },
            ],
            done,
            error,
        },
    )
}

/// The forms `person` may use on this complaint as it stands.
fn forms_for(p: &Procedure, view: &ComplaintView, person: &Person, today: NaiveDate) -> Vec<Form> {
    let c = &view.complaint;
    let path = |action: &str| {
        crate::complaint::reference::in_link(
            &format!("/complaints/{{reference}}/{action}"),
            &c.reference,
        )
    };
    let form = |action: &'static str, title: &str, button: &'static str, fields: Vec<Field>| Form {
        action,
        path: path(action),
        title: title.into(),
        button,
        fields,
        version: Some(c.version),
        open: false,
    };
    let reason = || Field::text("reason", "Why", "A line of context. Never a name.");
    let note = || {
        Field::text(
            "note",
            "Note (optional)",
            "A line of context. Never a name.",
        )
    };
    let deadline_choices = |keep: &dyn Fn(&crate::complaint::Derived) -> bool| -> Vec<Choice> {
        view.deadlines
            .iter()
            .map(|d| &d.derived)
            .filter(|d| keep(d))
            .map(|d| Choice::new(&d.id, &format!("{} (due {})", d.what, d.due), None))
            .collect()
    };
    let live = c.status != "closed" && c.status != "referred";
    let mut forms = Vec::new();
    if live && person.may(Role::Caseworker) {
        let events: Vec<Choice> = p
            .events
            .iter()
            .map(|(id, what)| Choice::new(id, what, None))
            .collect();
        forms.push(form(
            "events",
            "Record an event",
            "Record the event",
            vec![
                Field::select("name", "Event", events),
                Field::date("date", "Date it happened", Some(today)),
                note(),
            ],
        ));
        let outcomes: Vec<Choice> = p
            .outcomes
            .iter()
            .map(|(id, o)| Choice::new(id, &o.label, None))
            .collect();
        if !outcomes.is_empty() {
            forms.push(form(
                "outcomes",
                "Record an outcome",
                "Record the outcome",
                vec![
                    Field::select("name", "Outcome", outcomes),
                    Field::date("date", "Date decided", Some(today)),
                    note(),
                ],
            ));
        }
    }
    if live && person.may(Role::Manager) {
        let pending =
            |d: &crate::complaint::Derived| d.met_on.is_none() && d.not_applicable.is_none();
        let extendable = deadline_choices(&|d| pending(d) && d.kind == Kind::Obligation);
        if !extendable.is_empty() {
            forms.push(form(
                "extensions",
                "Extend a deadline",
                "Extend the deadline",
                vec![
                    Field::select("deadline", "Deadline", extendable),
                    Field::date("to", "New due date", None),
                    reason(),
                    Field::text(
                        "retrospective",
                        "Why it was agreed only after the due date (only then)",
                        "Leave blank when agreed before the due date.",
                    ),
                ],
            ));
        }
        // A window the family missed: one still open needs no acceptance.
        let windows =
            deadline_choices(&|d| d.kind == Kind::Window && d.met_on.is_none() && d.due < today);
        if !windows.is_empty() {
            forms.push(form(
                "late-acceptances",
                "Accept a late action by the family",
                "Accept it late",
                vec![Field::select("deadline", "Window", windows), reason()],
            ));
        }
        let applying = deadline_choices(&pending);
        if !applying.is_empty() {
            forms.push(form(
                "not-applicable",
                "Mark a deadline as not applying",
                "Mark as not applying",
                vec![Field::select("deadline", "Deadline", applying), reason()],
            ));
        }
        let not_applying = deadline_choices(&|d| d.not_applicable.is_some());
        if !not_applying.is_empty() {
            forms.push(form(
                "applicable",
                "Make a deadline apply again",
                "Make it apply again",
                vec![
                    Field::select("deadline", "Deadline", not_applying),
                    reason(),
                ],
            ));
        }
        let entries: Vec<Choice> = view
            .timeline
            .iter()
            .map(|e| {
                Choice::new(
                    &e.id.to_string(),
                    &format!("{}: {} on {}", e.id, e.name, e.effective_date),
                    None,
                )
            })
            .collect();
        forms.push(form(
            "corrections",
            "Correct a date",
            "Correct the date",
            vec![
                Field::select("entry", "Entry", entries),
                Field::date("date", "The right date", None),
                reason(),
            ],
        ));
        forms.push(form(
            "close",
            "Close the complaint",
            "Close it",
            vec![reason()],
        ));
    }
    if !live && person.may(Role::Manager) {
        forms.push(form(
            "reopen",
            "Reopen the complaint",
            "Reopen it",
            vec![reason()],
        ));
    }
    forms
}

/// The command named in an address, and the role it needs.
fn needs(action: &str) -> Option<(&'static str, Role)> {
    ACTIONS
        .iter()
        .find(|(a, _, _)| *a == action)
        .map(|(a, role, _)| (*a, *role))
}

/// A form's body, once it is known to come from this service's page: refused (the answer to
/// give) when it cannot be read, carries no or a wrong token, or comes from another site.
fn checked_form(
    s: &WebState,
    person: &Person,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Vec<(String, String)>, Box<Response>> {
    let forbidden = |detail: &str| {
        problem(
            person.clone(),
            StatusCode::FORBIDDEN,
            "The form was not accepted",
            detail.to_string(),
        )
    };
    // Browsers say where a request comes from; a post from another site is never a form of ours.
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return Err(Box::new(forbidden(
            "The form was sent from another site. Nothing was changed.",
        )));
    }
    let sent: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|e| {
        Box::new(problem(
            person.clone(),
            StatusCode::BAD_REQUEST,
            "The form cannot be read",
            format!("{e}. Nothing was changed: open the page again and send the form from there."),
        ))
    })?;
    if !s
        .key
        .verify(&person.name, value(&sent, "csrf").unwrap_or(""))
    {
        return Err(Box::new(forbidden(
            "The form did not come from this service's page, or the service was restarted with a new key since the page was opened. Nothing was changed: open the page again and send the form from there.",
        )));
    }
    Ok(sent)
}

/// The command a form carries, as the API would take it: the form's fields (blank ones left
/// out) and the signed-in person as who recorded it. A form cannot name someone else.
fn command<T: DeserializeOwned>(
    sent: &[(String, String)],
    person: &Person,
    action: &str,
) -> Result<T, FormError> {
    let mut pairs: Vec<(String, String)> = filled(sent.to_vec())
        .into_iter()
        .filter(|(k, _)| k != "csrf" && k != "version")
        .collect();
    if value(&pairs, "recorded_by").is_some() {
        return Err(FormError {
            title: UNCHANGED,
            anchor: action.to_string(),
            message: "A change is recorded under the signed-in person's name: the form cannot give another.".into(),
        });
    }
    pairs.push(("recorded_by".into(), person.recorded_by()));
    let text = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    serde_urlencoded::from_str(&text).map_err(|e| {
        let message = e.to_string();
        match message
            .strip_prefix("missing field `")
            .and_then(|m| m.split('`').next())
        {
            Some(field) => FormError {
                title: UNCHANGED,
                anchor: format!("{action}-{field}"),
                message: format!("Give the {}", field.replace('_', " ")),
            },
            None => FormError {
                title: UNCHANGED,
                anchor: action.to_string(),
                message,
            },
        }
    })
}

async fn act(
    State(s): State<WebState>,
    Signed(person): Signed,
    Path((reference, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((action, role)) = needs(&action) else {
        return problem(
            person,
            StatusCode::NOT_FOUND,
            "Not found",
            format!("There is no form '{}'.", crate::text::quoted(&action)),
        );
    };
    if !person.may(role) {
        return problem(
            person.clone(),
            StatusCode::FORBIDDEN,
            "Your role cannot do that",
            format!(
                "You are signed in as a {}; this needs a {} or above. Nothing was changed.",
                person.role.name(),
                role.name()
            ),
        );
    }
    let sent = match checked_form(&s, &person, &headers, &body) {
        Ok(sent) => sent,
        Err(r) => return *r,
    };
    // The page's version: a change made since is refused. A form without one (a script's)
    // is taken as it comes; one that cannot be read is refused.
    let l = match value(&sent, "version").map(str::parse::<i64>) {
        Some(Ok(v)) => s.lifecycle.if_match(v),
        None => s.lifecycle.clone(),
        Some(Err(_)) => {
            return problem(
                person,
                StatusCode::BAD_REQUEST,
                "The form cannot be read",
                "Its version is not a number. Nothing was changed: open the page again and send the form from there.".into(),
            )
        }
    };
    let r = reference.as_str();
    macro_rules! run {
        ($t:ty, $method:ident) => {
            match command::<$t>(&sent, &person, action) {
                Ok(cmd) => l.$method(r, cmd).await.map(drop).map_err(Err),
                Err(e) => Err(Ok(e)),
            }
        };
    }
    let outcome: Result<(), Result<FormError, LifecycleError>> = match action {
        "events" => run!(Record, record_event),
        "outcomes" => run!(Record, record_outcome),
        "extensions" => run!(Extend, extend),
        "late-acceptances" => run!(AcceptLate, accept_late),
        "not-applicable" => run!(Applicability, mark_not_applicable),
        "applicable" => run!(Applicability, mark_applicable),
        "corrections" => run!(Correct, correct),
        "close" => run!(Decision, close),
        _ => run!(Decision, reopen),
    };
    let (status, error) = match outcome {
        Ok(()) => {
            let to = crate::complaint::reference::in_link("/complaints/{reference}", r);
            return Redirect::to(&format!("{to}?done={action}")).into_response();
        }
        Err(Ok(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(Err(e)) => {
            let (status, message, field) = failure(e);
            if status == StatusCode::NOT_FOUND {
                return problem(person, status, "Not found", message);
            }
            let anchor = match field {
                Some(f) if sent.iter().any(|(k, _)| *k == f) => format!("{action}-{f}"),
                _ => action.to_string(),
            };
            (
                status,
                FormError {
                    title: UNCHANGED,
                    anchor,
                    message,
                },
            )
        }
    };
    tracing::info!(action, status = status.as_u16(), "a form was refused");
    complaint_page(
        &s,
        person,
        r,
        None,
        Some(Refused {
            action,
            sent,
            error,
        }),
        status,
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Opening a complaint

fn open_fields(l: &Lifecycle, today: NaiveDate) -> Vec<Field> {
    let procedures = l.procedures();
    let complainants = crate::procedure::ComplainantRole::ALL
        .iter()
        .map(|r| Choice::new(r.key(), &r.key().replace('-', " "), None))
        .collect();
    vec![
        Field {
            short: true,
            ..Field::text(
                "reference",
                "Reference",
                "The case system's reference: letters, digits, dots, dashes and underscores. Never a name.",
            )
        },
        Field::select("procedure", "Procedure", procedure_choices(&procedures, None)),
        Field::select("complainant_role", "Who complains", complainants),
        Field::date("conference_date", "Date of the conference complained about", None),
        Field::select(
            "conference_type",
            "Conference",
            vec![
                Choice::new("initial", "Initial", None),
                Choice::new("review", "Review", None),
            ],
        ),
        Field {
            ..Field::text("note", "Note (optional)", "A line of context. Never a name.")
        },
    ]
    .into_iter()
    .map(|mut f| {
        if f.name == "conference_date" {
            f.hint = format!("For example, {today}");
        }
        f
    })
    .collect()
}

fn open_page(
    s: &WebState,
    person: Person,
    refused: Option<Refused>,
    status: StatusCode,
) -> Response {
    let l = &s.lifecycle;
    let mut f = Form {
        action: "open",
        path: "/open".into(),
        title: "Open a complaint".into(),
        button: "Open the complaint",
        fields: open_fields(l, l.today_default()),
        version: None,
        open: true,
    };
    let error = refused.map(|r| {
        f.refill(&r.sent);
        r.error
    });
    render(
        status,
        OpenPage {
            csrf: s.key.token(&person.name),
            chrome: chrome(person, "/open"),
            f,
            error,
        },
    )
}

async fn open_form(State(s): State<WebState>, Signed(person): Signed) -> Response {
    if !person.may(Role::Caseworker) {
        return problem(
            person,
            StatusCode::FORBIDDEN,
            "Your role cannot do that",
            "Opening a complaint needs a caseworker or above.".into(),
        );
    }
    open_page(&s, person, None, StatusCode::OK)
}

async fn open(
    State(s): State<WebState>,
    Signed(person): Signed,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !person.may(Role::Caseworker) {
        return problem(
            person,
            StatusCode::FORBIDDEN,
            "Your role cannot do that",
            "Opening a complaint needs a caseworker or above. Nothing was changed.".into(),
        );
    }
    let sent = match checked_form(&s, &person, &headers, &body) {
        Ok(sent) => sent,
        Err(r) => return *r,
    };
    let result = match command::<OpenComplaint>(&sent, &person, "open") {
        Ok(cmd) => s.lifecycle.open(cmd).await.map_err(Err),
        Err(e) => Err(Ok(e)),
    };
    let (status, error) = match result {
        Ok(view) => {
            let to = crate::complaint::reference::in_link(
                "/complaints/{reference}",
                &view.complaint.reference,
            );
            return Redirect::to(&format!("{to}?done=open")).into_response();
        }
        Err(Ok(e)) => (StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(Err(e)) => {
            let (status, message, field) = failure(e);
            let anchor = match field {
                Some(f) if sent.iter().any(|(k, _)| *k == f) => format!("open-{f}"),
                _ => "open".to_string(),
            };
            (
                status,
                FormError {
                    title: UNCHANGED,
                    anchor,
                    message,
                },
            )
        }
    };
    open_page(
        &s,
        person,
        Some(Refused {
            action: "open",
            sent,
            error,
        }),
        status,
    )
}

// ---------------------------------------------------------------------------------------------
// Procedures, holidays, the report

async fn procedures(State(s): State<WebState>, Signed(person): Signed) -> Response {
    let procedures = s.lifecycle.procedures();
    render(
        StatusCode::OK,
        ProceduresPage {
            chrome: chrome(person, "/procedures"),
            procedures: procedures
                .iter()
                .map(|p| {
                    (
                        format!("/procedures/{}", p.id),
                        p.name.clone(),
                        p.authority.clone(),
                        p.region.to_string(),
                    )
                })
                .collect(),
        },
    )
}

async fn procedure(
    State(s): State<WebState>,
    Signed(person): Signed,
    Path(id): Path<String>,
) -> Response {
    let procedures = s.lifecycle.procedures();
    let Some(p) = procedures.get(&id) else {
        return problem(
            person,
            StatusCode::NOT_FOUND,
            "Not found",
            format!("There is no procedure '{}'.", crate::text::quoted(&id)),
        );
    };
    let mut summary = vec![
        ("Calendar", p.region.to_string()),
        ("Time zone", p.time_zone.to_string()),
    ];
    if let Some(d) = &p.document {
        summary.push(("Document", d.clone()));
    }
    summary.push((
        "Roles",
        p.roles.values().cloned().collect::<Vec<_>>().join(", "),
    ));
    let deadlines = p
        .deadlines
        .iter()
        .map(|d| {
            let mut words = d.source.join(" … ");
            if let Some(i) = &d.interpretation {
                words.push_str(&format!(" (Read as: {i})"));
            }
            if d.local {
                words.push_str(" (A local target, not in the published document.)");
            }
            vec![
                p.stage(&d.stage)
                    .map_or(d.stage.clone(), |s| s.name.clone()),
                d.what.clone(),
                p.role_name(&d.owner).to_string(),
                format!(
                    "{} from {}",
                    d.rule,
                    p.events
                        .get(&d.from)
                        .map_or(d.from.as_str(), |e| e.as_str())
                ),
                words,
            ]
        })
        .collect();
    render(
        StatusCode::OK,
        ProcedurePage {
            chrome: chrome(person, "/procedures"),
            name: p.name.clone(),
            authority: p.authority.clone(),
            summary,
            tables: vec![Table {
                heading: Some("Timescales".into()),
                caption: "Each timescale, its rule and the document's words".into(),
                head: vec!["Stage", "What", "Owner", "Rule", "The document says"],
                rows: deadlines,
                empty: "None.",
            }],
        },
    )
}

async fn holidays(State(s): State<WebState>, Signed(person): Signed) -> Response {
    let l = &s.lifecycle;
    let today = l.today_default();
    let from = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let to = NaiveDate::from_ymd_opt(today.year() + 1, 12, 31).unwrap_or(today);
    let calendars = l.calendars();
    let tables = crate::calendar::Division::ALL
        .iter()
        .map(|d| {
            let cal = calendars.get(*d);
            let rows = cal
                .days_off_between(from, to)
                .map(|off| {
                    let source = match off.kind {
                        crate::calendar::DayOffKind::Official => "GOV.UK bank holidays",
                        crate::calendar::DayOffKind::Computed => {
                            "computed from the standing rules (no official data yet)"
                        }
                        crate::calendar::DayOffKind::Configured => "the organisation's closure",
                    };
                    vec![
                        pages::short_date(off.date),
                        off.name.to_string(),
                        source.into(),
                    ]
                })
                .collect();
            Table {
                heading: Some(d.to_string()),
                caption: "Bank holidays and closures".into(),
                head: vec!["Date", "Day off", "Source"],
                rows,
                empty: "None.",
            }
        })
        .collect();
    render(
        StatusCode::OK,
        HolidaysPage {
            chrome: chrome(person, "/holidays"),
            from: pages::long_date(from),
            to: pages::long_date(to),
            tables,
        },
    )
}

/// A report's first and last due dates and the procedure it is limited to.
type Period = (NaiveDate, NaiveDate, Option<String>);

/// The report's period and procedure from the query: the financial year today is in by
/// default.
fn report_query(
    l: &Lifecycle,
    q: Option<&str>,
) -> (Vec<(String, String)>, Result<Period, FormError>) {
    let sent = serde_urlencoded::from_str::<Vec<(String, String)>>(q.unwrap_or(""))
        .map(filled)
        .unwrap_or_default();
    let (default_from, default_to) = crate::report::financial_year(l.today_default());
    let date = |name: &str, default: NaiveDate| match value(&sent, name) {
        None => Ok(default),
        Some(v) => crate::text::parse_date(v).map_err(|e| FormError {
            title: PROBLEM,
            anchor: name.to_string(),
            message: format!("{name}: {e}"),
        }),
    };
    // Ten years at most: a period of centuries would be a chart of a thousand months.
    let ten_years = |(from, to, p): Period| match (to - from).num_days() > 3653 {
        true => Err(FormError {
            title: PROBLEM,
            anchor: "to".into(),
            message: "to: a report covers at most ten years".into(),
        }),
        false => Ok((from, to, p)),
    };
    let parsed = date("from", default_from)
        .and_then(|from| {
            date("to", default_to)
                .map(|to| (from, to, value(&sent, "procedure").map(str::to_string)))
        })
        .and_then(ten_years);
    (sent, parsed)
}

async fn report(
    State(s): State<WebState>,
    Signed(person): Signed,
    RawQuery(q): RawQuery,
) -> Response {
    let l = &s.lifecycle;
    let (sent, parsed) = report_query(l, q.as_deref());
    let shown = |name: &str| value(&sent, name).unwrap_or("").to_string();
    let mut page = ReportPage {
        chrome: chrome(person.clone(), "/report"),
        from: shown("from"),
        to: shown("to"),
        procedures: procedure_choices(&l.procedures(), value(&sent, "procedure")),
        csv: format!("/report.csv?{}", q.as_deref().unwrap_or("")),
        intro: None,
        chart: None,
        tables: Vec::new(),
        error: None,
    };
    let (from, to, procedure) = match parsed {
        Ok(p) => p,
        Err(e) => {
            page.error = Some(e);
            return render(StatusCode::UNPROCESSABLE_ENTITY, page);
        }
    };
    if page.from.is_empty() {
        page.from = from.to_string();
    }
    if page.to.is_empty() {
        page.to = to.to_string();
    }
    match l.report(from, to, procedure.as_deref()).await {
        Ok(r) => {
            page.intro = Some(format!("{} {}", r.title(), r.intro()));
            page.chart = Some(r.chart());
            page.tables = r.tables();
            render(StatusCode::OK, page)
        }
        Err(e) => {
            let (status, message, field) = failure(e);
            page.error = Some(FormError {
                title: PROBLEM,
                anchor: field.unwrap_or_else(|| "from".into()),
                message,
            });
            render(status, page)
        }
    }
}

async fn report_csv(
    State(s): State<WebState>,
    Signed(person): Signed,
    RawQuery(q): RawQuery,
) -> Response {
    let l = &s.lifecycle;
    let (from, to, procedure) = match report_query(l, q.as_deref()).1 {
        Ok(p) => p,
        Err(e) => {
            return problem(
                person,
                StatusCode::BAD_REQUEST,
                "The report cannot be made",
                e.message,
            )
        }
    };
    let report = match l.report(from, to, procedure.as_deref()).await {
        Ok(r) => r,
        Err(e) => return failed(person, e),
    };
    let mut out = Vec::new();
    if let Err(e) = report.write_csv(&mut out) {
        tracing::error!(error = %e, "the report's CSV could not be written");
        return problem(
            person,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sorry, there is a problem with the service",
            "The CSV could not be written.".into(),
        );
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"timescales-report-{from}-to-{to}.csv\""),
            ),
        ],
        out,
    )
        .into_response()
}
