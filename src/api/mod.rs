//! The HTTP API (`/api/v1/...`): the complaint commands as JSON in and out, for case-management
//! systems to integrate. A thin face over [`crate::lifecycle`].
//!
//! - Bearer tokens with scopes (`read`, `write`), from config, a tokens file or systemd
//!   credentials, compared in constant time. `/healthz` and the OpenAPI document need none.
//! - Every error is RFC 9457 problem details ([`error`]), with the status that fits: 400
//!   malformed JSON, query or `If-Match`, 401 no or wrong token, 403 token without the scope, 404
//!   unknown complaint or route, 405 wrong method, 409 conflict or duplicate reference, 412 a
//!   stale `If-Match`, 413 body too large, 415 a body that is not JSON, 422 a value the procedure
//!   refuses (a control character in any text among them). Bad input is never a 500; a 500
//!   means the store failed, and its detail goes to the log, not the client.
//! - A complaint carries its version as `ETag`; a write with `If-Match` is refused when the
//!   complaint moved on, inside the write's own transaction ([`Lifecycle::if_match`]).
//! - The OpenAPI document (`/api/v1/openapi.json`) is generated from these handlers and their
//!   types ([`doc`]); `docs/openapi.json` is a copy a test keeps current.

mod auth;
mod doc;
mod error;
mod metrics;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;

use crate::config::Scope;
use crate::lifecycle::{
    AcceptLate, Applicability, ComplaintView, Correct, Decision, Extend, Lifecycle, ListPage,
    ListQuery, OpenComplaint, Record,
};
use crate::store::AuditRow;

pub use auth::{load_tokens, Token, TokenSet};
pub use error::{ApiError, CODES};

/// The OpenAPI document served at `/api/v1/openapi.json`, generated ([`doc`]).
pub fn openapi_json() -> &'static str {
    doc::json()
}

/// What every handler needs.
#[derive(Clone)]
pub struct ApiState {
    /// The complaint service.
    pub lifecycle: Lifecycle,
    /// The tokens that may call the API (replaced on reload).
    pub tokens: Arc<TokenSet>,
    /// What the delivery worker has done, for `/metrics`.
    pub stats: Arc<crate::outbox::DeliveryStats>,
}

impl ApiState {
    /// The API over `lifecycle` for these tokens, with no deliveries counted yet.
    pub fn new(lifecycle: Lifecycle, tokens: Vec<Token>) -> Self {
        ApiState {
            lifecycle,
            tokens: Arc::new(TokenSet::new(tokens)),
            stats: Arc::default(),
        }
    }
}

/// The API's routes, with a body limit of `max_body_bytes`.
pub fn router(state: ApiState, max_body_bytes: usize) -> Router {
    service(state, max_body_bytes, Router::new())
}

/// The API's routes and `pages` (the staff pages, [`crate::web::router`], or none), with a
/// body limit of `max_body_bytes` and the headers every answer carries.
pub fn service(state: ApiState, max_body_bytes: usize, pages: Router) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/calendar/{file}", get(calendar_feed))
        .route("/api/v1/procedures", get(procedures))
        .route("/api/v1/procedures/{id}", get(procedure))
        .route("/api/v1/complaints", get(list).post(open))
        .route("/api/v1/complaints/{reference}", get(show))
        .route("/api/v1/complaints/{reference}/audit", get(audit))
        .route("/api/v1/complaints/{reference}/events", post(event))
        .route("/api/v1/complaints/{reference}/outcomes", post(outcome))
        .route("/api/v1/complaints/{reference}/extensions", post(extend))
        .route(
            "/api/v1/complaints/{reference}/late-acceptances",
            post(accept_late),
        )
        .route(
            "/api/v1/complaints/{reference}/not-applicable",
            post(not_applicable),
        )
        .route(
            "/api/v1/complaints/{reference}/applicable",
            post(applicable),
        )
        .route("/api/v1/complaints/{reference}/corrections", post(correct))
        .route("/api/v1/complaints/{reference}/close", post(close))
        .route("/api/v1/complaints/{reference}/reopen", post(reopen))
        .route("/api/v1/complaints/{reference}/erasure", post(erase))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "no-such-route",
                "no such route: see /api/v1/openapi.json",
                None,
            )
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "this route does not take that method: see /api/v1/openapi.json",
                None,
            )
        })
        .with_state(state)
        .merge(pages)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(axum::middleware::map_response(hardened))
}

/// The headers every answer carries. The API serves JSON, a calendar feed and metrics: nothing a
/// browser should run, load into a frame or sniff into a page (`nosniff`, a policy allowing
/// nothing, no frames; the staff pages set their own policy first, which is kept), no address to pass on as a referrer (a feed's address holds its token),
/// and complaint data no cache should keep (`no-store`, unless the answer says otherwise: the
/// feed allows its subscriber five minutes).
async fn hardened(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'",
        ));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "service", operation_id = "health", summary = "Liveness; needs no token",
    responses((status = 200, description = "ok", body = Object, example = json!({"status": "ok"}))))]
async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// A calendar feed, `/calendar/TOKEN.ics` ([`crate::feed`]): the token (with the calendar
/// scope) in the address, because a calendar program subscribing to it cannot send a header.
/// Any other address, a revoked token or one without the scope: the same 404, so the answer
/// says nothing about which tokens exist. Not in the OpenAPI document: it is not JSON and not
/// for machines.
async fn calendar_feed(State(s): State<ApiState>, Path(file): Path<String>) -> Response {
    let token = file
        .strip_suffix(".ics")
        .and_then(|t| auth::calendar_token(&s.tokens, t));
    let Some(token) = token else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "no-such-route",
            "no calendar feed at this address",
            None,
        )
        .into_response();
    };
    let l = &s.lifecycle;
    let rows = match l
        .store()
        .feed_rows(crate::feed::since(l.today_default()))
        .await
    {
        Ok(rows) => rows,
        Err(e) => return ApiError::from(crate::lifecycle::LifecycleError::from(e)).into_response(),
    };
    let body = crate::feed::ics(
        &token.name,
        &rows,
        &token.calendar_roles,
        &l.procedures(),
        l.clock().now(),
    );
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// Ready when the store answers; 503 otherwise (a load balancer stops sending requests).
#[utoipa::path(get, path = "/readyz", tag = "service", operation_id = "ready", summary = "Readiness: the store answers; needs no token",
    responses(
        (status = 200, description = "ready", body = Object, example = json!({"status": "ready"})),
        (status = 503, description = "the store does not answer", body = Object, example = json!({"status": "store unavailable"})),
    ))]
async fn readyz(State(s): State<ApiState>) -> Response {
    match s.lifecycle.store().next_notification_at().await {
        Ok(_) => Json(serde_json::json!({"status": "ready"})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "readiness check: the store did not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "store unavailable"})),
            )
                .into_response()
        }
    }
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "service", operation_id = "openapi", summary = "This document; needs no token",
    responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        doc::json(),
    )
        .into_response()
}

/// A JSON body of type `T`; a syntax error is a 400, a wrong or missing field a 422 naming it.
fn body<T: DeserializeOwned>(bytes: Body) -> Result<T, ApiError> {
    let bytes = bytes.map_err(ApiError::from_body_rejection)?;
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed-json",
                format!("the body is not valid JSON: {inner}"),
                None,
            )
        } else {
            let message = inner.to_string();
            // serde names a missing field only in its message: `missing field `reference``.
            let missing = message
                .strip_prefix("missing field `")
                .and_then(|m| m.split('`').next())
                .map(str::to_string);
            let field = missing.or_else(|| (path != ".").then_some(path));
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-field",
                message,
                field,
            )
        }
    })?;
    de.end().map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            format!("the body is not valid JSON: {e}"),
            None,
        )
    })?;
    Ok(value)
}

type Answer = Result<Response, ApiError>;

/// A request body, or why it could not be read.
type Body = Result<Bytes, axum::extract::rejection::BytesRejection>;

/// A write command whose author is recorded: the token's holder is added to who did it.
trait Attributed {
    fn attribute(&mut self, token: &Token);
}

macro_rules! attributed {
    ($($ty:ty => $field:ident),* $(,)?) => {
        $(impl Attributed for $ty {
            fn attribute(&mut self, token: &Token) {
                self.$field = token.attribute(&self.$field);
            }
        })*
    };
}

attributed!(
    OpenComplaint => recorded_by,
    Record => recorded_by,
    Extend => recorded_by,
    AcceptLate => recorded_by,
    Applicability => recorded_by,
    Correct => recorded_by,
    Decision => recorded_by,
);

/// The command in a write request: the token must hold the write scope, the body must be JSON
/// (415 otherwise) and parse, and the command is attributed to the token's holder for the
/// audit log.
fn command<T: DeserializeOwned + Attributed>(
    s: &ApiState,
    h: &HeaderMap,
    b: Body,
) -> Result<T, ApiError> {
    command_as(Scope::Write, s, h, b)
}

/// [`command`] for a request that needs `scope` rather than the write scope (an erasure).
fn command_as<T: DeserializeOwned + Attributed>(
    scope: Scope,
    s: &ApiState,
    h: &HeaderMap,
    b: Body,
) -> Result<T, ApiError> {
    let token = auth::require(h, &s.tokens, scope)?;
    json_body(h)?;
    let mut cmd: T = body(b)?;
    cmd.attribute(&token);
    Ok(cmd)
}

/// A body declared `application/json` (with any parameters, `; charset=utf-8`): anything else
/// is refused with 415 before it is read, so a form post or a text body is never guessed at.
fn json_body(h: &HeaderMap) -> Result<(), ApiError> {
    let given = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = given.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/json") {
        return Ok(());
    }
    let said = match given {
        "" => "no Content-Type".to_string(),
        g => format!("Content-Type '{}'", crate::text::quoted(g)),
    };
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
        format!("the body must be JSON, sent as Content-Type: application/json; this request has {said}"),
        None,
    ))
}

/// The version a write must find, from `If-Match`: one strong entity tag as `ETag` gave it
/// (`"7"`, or bare: `7`), or `*` (any version). None without the header.
fn if_match(h: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(v) = h.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let bad = |why: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-precondition",
            format!("If-Match {why}: give the ETag of GET /api/v1/complaints/REFERENCE as it came (\"7\"), or *"),
            None,
        )
    };
    let v = v.to_str().map_err(|_| bad("is not text"))?.trim();
    if v == "*" {
        return Ok(None);
    }
    // The tag as ETag gave it ("7"); also bare (7), as some clients and tools send it.
    let bare = v
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(v);
    Some(bare)
        .filter(|t| (1..=18).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| {
            bad(&format!(
                "'{}' is not one of this API's entity tags",
                crate::text::quoted(v)
            ))
        })
}

/// The service for a write: held to the version `If-Match` names, when it names one.
fn for_write(s: &ApiState, h: &HeaderMap) -> Result<Lifecycle, ApiError> {
    Ok(match if_match(h)? {
        Some(v) => s.lifecycle.if_match(v),
        None => s.lifecycle.clone(),
    })
}

fn ok<T: serde::Serialize>(status: StatusCode, value: T) -> Answer {
    Ok((status, Json(value)).into_response())
}

/// A complaint as JSON, with its version as a strong `ETag` for a later `If-Match`.
fn complaint(status: StatusCode, view: ComplaintView) -> Answer {
    let tag = HeaderValue::from_str(&format!("\"{}\"", view.complaint.version)).map_err(|e| {
        tracing::error!(error = %e, "a version is not a header value");
        ApiError::internal()
    })?;
    let mut r = (status, Json(view)).into_response();
    r.headers_mut().insert(header::ETAG, tag);
    Ok(r)
}

#[utoipa::path(get, path = "/api/v1/procedures", tag = "procedures", operation_id = "listProcedures", summary = "The procedures in force", description = "Needs a token with the read scope.", security(("bearer" = [])),
    responses((status = 200, description = "Procedures", body = Vec<Object>), doc::Reading))]
async fn procedures(State(s): State<ApiState>, h: HeaderMap) -> Answer {
    auth::require(&h, &s.tokens, Scope::Read)?;
    let all: Vec<_> = s
        .lifecycle
        .procedures()
        .iter()
        .map(|p| p.as_ref().clone())
        .collect();
    ok(StatusCode::OK, all)
}

#[utoipa::path(get, path = "/api/v1/procedures/{id}", tag = "procedures", operation_id = "getProcedure", summary = "One procedure", description = "Needs a token with the read scope.", security(("bearer" = [])),
    params(("id" = String, Path, description = "The procedure's id")),
    responses((status = 200, description = "Procedure", body = Object), doc::ReadingOne))]
async fn procedure(State(s): State<ApiState>, h: HeaderMap, Path(id): Path<String>) -> Answer {
    auth::require(&h, &s.tokens, Scope::Read)?;
    match s.lifecycle.procedures().get(&id) {
        Some(p) => ok(StatusCode::OK, p.as_ref()),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("unknown procedure '{}'", crate::text::quoted(&id)),
            None,
        )),
    }
}

/// A page of complaints: the body carries the next page's cursor and link, and so does a
/// `Link: <...>; rel="next"` header (RFC 8288); neither is there on the last page.
#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints", operation_id = "listComplaints", summary = "Complaints, filtered (default: the open ones), a page at a time in reference order", description = "A page of up to `limit` complaints (default 100, at most 1000) in reference order. When more follow, the body's `next_cursor` and `next` and a `Link: <...>; rel=\"next\"` header (RFC 8288) give the next page; on the last page they are absent. Needs a token with the read scope.", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, description = "A page of complaints", body = ListBody, headers(("Link" = String, description = "The next page, when there is one"))), doc::Listing))]
async fn list(State(s): State<ApiState>, h: HeaderMap, RawQuery(q): RawQuery) -> Answer {
    auth::require(&h, &s.tokens, Scope::Read)?;
    let query: ListQuery = serde_urlencoded::from_str(q.as_deref().unwrap_or("")).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-query",
            format!("query: {e}"),
            None,
        )
    })?;
    let page = s.lifecycle.list(&query).await?;
    // The same query with the next cursor: the link a client follows, filters and size kept.
    let next = match &page.next_cursor {
        Some(cursor) => {
            let q = ListQuery {
                cursor: Some(cursor.clone()),
                ..query
            };
            let q = serde_urlencoded::to_string(&q).map_err(|e| {
                tracing::error!(error = %e, "could not write the next page's link");
                ApiError::internal()
            })?;
            Some(format!("/api/v1/complaints?{q}"))
        }
        None => None,
    };
    let link = next
        .as_ref()
        .map(|n| HeaderValue::from_str(&format!("<{n}>; rel=\"next\"")))
        .transpose()
        .map_err(|e| {
            tracing::error!(error = %e, "the next page's link is not a header value");
            ApiError::internal()
        })?;
    let mut r = (StatusCode::OK, Json(ListBody { page, next })).into_response();
    if let Some(link) = link {
        r.headers_mut().insert(header::LINK, link);
    }
    Ok(r)
}

/// The body of a list: the page, and the link to the next one.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = ComplaintPage)]
struct ListBody {
    #[serde(flatten)]
    page: ListPage,
    /// The next page's URL (path and query), as in the `Link` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
}

/// 201 with the complaint, its `Location` and its `ETag`.
#[utoipa::path(post, path = "/api/v1/complaints", tag = "complaints", operation_id = "openComplaint", summary = "Open a complaint (eligibility checked), with its history so far in the same call", description = "Needs a token with the write scope.", security(("bearer" = [])),
    request_body = OpenComplaint,
    responses((status = 201, description = "The complaint: record, timeline, deadlines with status and colour", body = ComplaintView, headers(("ETag" = String, description = "The complaint's version, for If-Match on a later write"), ("Location" = String, description = "The complaint's URL"))), doc::Opening))]
async fn open(State(s): State<ApiState>, h: HeaderMap, b: Body) -> Answer {
    let cmd: OpenComplaint = command(&s, &h, b)?;
    let view = s.lifecycle.open(cmd).await?;
    let location = HeaderValue::from_str(&crate::complaint::reference::in_link(
        "/api/v1/complaints/{reference}",
        &view.complaint.reference,
    ))
    .map_err(|e| {
        tracing::error!(error = %e, "a reference is not a header value");
        ApiError::internal()
    })?;
    let mut r = complaint(StatusCode::CREATED, view)?;
    r.headers_mut().insert(header::LOCATION, location);
    Ok(r)
}

#[utoipa::path(get, path = "/api/v1/complaints/{reference}", tag = "complaints", operation_id = "showComplaint", summary = "The timeline and every deadline with its status and colour", description = "Needs a token with the read scope.", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The complaint's reference in the case system", min_length = 1)),
    responses((status = 200, description = "The complaint: record, timeline, deadlines with status and colour", body = ComplaintView, headers(("ETag" = String, description = "The complaint's version, for If-Match on a later write"))), doc::ReadingOne))]
async fn show(State(s): State<ApiState>, h: HeaderMap, Path(reference): Path<String>) -> Answer {
    auth::require(&h, &s.tokens, Scope::Read)?;
    complaint(StatusCode::OK, s.lifecycle.show(&reference).await?)
}

#[utoipa::path(get, path = "/api/v1/complaints/{reference}/audit", tag = "complaints", operation_id = "auditComplaint", summary = "Every change: who, when, what, and which deadlines moved", description = "Needs a token with the read scope.", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The complaint's reference in the case system", min_length = 1)),
    responses((status = 200, description = "Audit log", body = Vec<AuditRow>), doc::ReadingOne))]
async fn audit(State(s): State<ApiState>, h: HeaderMap, Path(reference): Path<String>) -> Answer {
    auth::require(&h, &s.tokens, Scope::Read)?;
    ok(StatusCode::OK, s.lifecycle.audit(&reference).await?)
}

#[utoipa::path(post, path = "/api/v1/complaints/{reference}/events", tag = "complaints", operation_id = "recordEvent", summary = "Record an event the current stage allows", description = "Needs a token with the write scope.", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The complaint's reference in the case system", min_length = 1)),
    request_body = Record,
    responses((status = 200, description = "The complaint: record, timeline, deadlines with status and colour", body = ComplaintView, headers(("ETag" = String, description = "The complaint's version, for If-Match on a later write"))), doc::Writing))]
async fn event(State(s): State<ApiState>, h: HeaderMap, Path(r): Path<String>, b: Body) -> Answer {
    let cmd: Record = command(&s, &h, b)?;
    complaint(
        StatusCode::OK,
        for_write(&s, &h)?.record_event(&r, cmd).await?,
    )
}

#[utoipa::path(post, path = "/api/v1/complaints/{reference}/outcomes", tag = "complaints", operation_id = "recordOutcome", summary = "Record an outcome the current stage can end with", description = "Needs a token with the write scope.", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The complaint's reference in the case system", min_length = 1)),
    request_body = Record,
    responses((status = 200, description = "The complaint: record, timeline, deadlines with status and colour", body = ComplaintView, headers(("ETag" = String, description = "The complaint's version, for If-Match on a later write"))), doc::Writing))]
async fn outcome(
    State(s): State<ApiState>,
    h: HeaderMap,
    Path(r): Path<String>,
    b: Body,
) -> Answer {
    let cmd: Record = command(&s, &h, b)?;
    complaint(
        StatusCode::OK,
        for_write(&s, &h)?.record_outcome(&r, cmd).await?,
    )
}

#[utoipa::path(post, path = "/api/v1/complaints/{reference}/extensions", tag = "complaints", operation_id = "extendDeadline", summary = "Extend an obligation where the procedure allows", description = "Needs a token with the write scope.", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The complaint's reference in the case system", min_length = 1)),
    request_body = Extend,
    responses((status = 200, description = "The complaint: record, timeline, deadlines with status and colour", body = ComplaintView, headers(("ETag" = String, description = "The complaint's version, for If-Match on a later write"))), doc::Writing))]
async fn extend(State(s): State<ApiState>, h: HeaderMap, Path(r): Path<String>, b: Body) -> Answer {
    let cmd: Extend = command(&s, &h, b)?;
    complaint(StatusCode::OK, for_write(&s, &h)?.extend(&r, cmd).await?)
}

#[utoipa::path(post, path = "/api/v1/complaints/{reference}/late-acceptances", tag = "complaints", operation_id = "acceptLate", summary = "Accept a complainant's late action where the procedure allows", description = "Needs a token with the write scope.", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The complaint's reference in the case system", min_length = 1)),
    request_body = AcceptLate,
    responses((status = 200, description = "The complaint: record, timeline, deadlines with status and colour", body = ComplaintView, headers(("ETag" = String, description = "The complaint's version, for If-Match on a later write"))), doc::Writing))]
async fn accept_late(
    State(s): State<ApiState>,
    h: HeaderMap,
    Path(r): Path<String>,
    b: Body,
) -> Answer {
    let cmd: AcceptLate = command(&s, &h, b)?;
    complaint(
        StatusCode::OK,
        for_write(&s, &h)?.accept_late(&r, cmd).await?,
    )
}

#[utoipa::path(post, path = "/api/v1/complaints/{reference}/not-applicable", tag = "complaints", operation_id = "markNotApplicable", summary = "Mark one deadline not applicable to this complaint: it leaves every list and alert", description = "Needs a token with the write scope.", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The complaint's reference in the case system", min_length = 1)),
    request_body = Applicability,
    responses((status = 200, description = "The complaint: record, timeline, deadlines with status and colour", body = ComplaintView, headers(("ETag" = String, description = "The complaint's version, for If-Match on a later write"))), doc::Writing))]
async fn not_applicable(
    State(s): State<ApiState>,
    h: HeaderMap,
    Path(r): Path<String>,
    b: Body,
) -> Answer {
    let cmd: Applicability = command(&s, &h, b)?;
    complaint(
        StatusCode::OK,
        for_write(&s, &h)?.mark_not_applicable(&r, cmd).await?,
    )
}

#[utoipa::path(post, path = "/api/v1/complaints/{reference}/applicable", tag = "complaints", operation_id = "markApplicable", summary = "Undo a not-applicable mark: the deadline applies again", description = "Needs a token with the write scope.", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The complaint's reference in the case system", min_length = 1)),
    request_body = Applicability,
    responses((status = 200, description = "The complaint: record, timeline, deadlines with status and colour", body = ComplaintView, headers(("ETag" = String, description = "The complaint's version, for If-Match on a later write"))), doc::Writing))]
async fn applicable(
    State(s): State<ApiState>,
    h: HeaderMap,
    Path(r): Path<String>,
    b: Body,
) -> Answer {
    let cmd: Applicability = command(&s, &h, b)?;
    complaint(
        StatusCode::OK,
        for_write(&s, &h)?.mark_applicable(&r, cmd).await?,
    )
}

#[utoipa::path(post, path = "/api/v1/complaints/{reference}/corrections", tag = "complaints", operation_id = "correctEntry", summary = "Correct the date of an earlier event", description = "Needs a token with the write scope.", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The complaint's reference in the case system", min_length = 1)),
    request_body = Correct,
    responses((status = 200, description = "The complaint: record, timeline, deadlines with status and colour", body = ComplaintView, headers(("ETag" = String, description = "The complaint's version, for If-Match on a later write"))), doc::Writing))]
async fn correct(
    State(s): State<ApiState>,
    h: HeaderMap,
    Path(r): Path<String>,
    b: Body,
) -> Answer {
    let cmd: Correct = command(&s, &h, b)?;
    complaint(StatusCode::OK, for_write(&s, &h)?.correct(&r, cmd).await?)
}

#[utoipa::path(post, path = "/api/v1/complaints/{reference}/close", tag = "complaints", operation_id = "closeComplaint", summary = "Close the complaint", description = "Needs a token with the write scope.", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The complaint's reference in the case system", min_length = 1)),
    request_body = Decision,
    responses((status = 200, description = "The complaint: record, timeline, deadlines with status and colour", body = ComplaintView, headers(("ETag" = String, description = "The complaint's version, for If-Match on a later write"))), doc::Writing))]
async fn close(State(s): State<ApiState>, h: HeaderMap, Path(r): Path<String>, b: Body) -> Answer {
    let cmd: Decision = command(&s, &h, b)?;
    complaint(StatusCode::OK, for_write(&s, &h)?.close(&r, cmd).await?)
}

#[utoipa::path(post, path = "/api/v1/complaints/{reference}/reopen", tag = "complaints", operation_id = "reopenComplaint", summary = "Reopen where the latest outcome allows", description = "Needs a token with the write scope.", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The complaint's reference in the case system", min_length = 1)),
    request_body = Decision,
    responses((status = 200, description = "The complaint: record, timeline, deadlines with status and colour", body = ComplaintView, headers(("ETag" = String, description = "The complaint's version, for If-Match on a later write"))), doc::Writing))]
async fn reopen(State(s): State<ApiState>, h: HeaderMap, Path(r): Path<String>, b: Body) -> Answer {
    let cmd: Decision = command(&s, &h, b)?;
    complaint(StatusCode::OK, for_write(&s, &h)?.reopen(&r, cmd).await?)
}

/// What an erasure answers.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Erased {
    /// The reference the complaint had.
    erased: String,
    /// Its reference now (`ANON-ID`), under which its dates, stages and deadlines are kept.
    reference: String,
}

#[utoipa::path(post, path = "/api/v1/complaints/{reference}/erasure", tag = "complaints", operation_id = "eraseComplaint", summary = "Erase a complaint on request (UK GDPR): its reference, notes and who recorded what are replaced and its reminders removed; dates, stages, deadlines and verdicts stay for the figures", description = "Needs a token with the admin scope. `reason` goes into the audit: the request's number, never a name.", security(("bearer" = [])),
    params(("reference" = String, Path, description = "The complaint's reference in the case system", min_length = 1)),
    request_body = Decision,
    responses((status = 200, description = "Erased: the complaint's new reference", body = Erased), doc::Writing))]
async fn erase(State(s): State<ApiState>, h: HeaderMap, Path(r): Path<String>, b: Body) -> Answer {
    let cmd: Decision = command_as(Scope::Admin, &s, &h, b)?;
    let reference = s.lifecycle.erase(&r, cmd).await?;
    ok(
        StatusCode::OK,
        Erased {
            erased: r,
            reference,
        },
    )
}
