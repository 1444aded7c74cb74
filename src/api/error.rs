//! The one place API errors become HTTP: RFC 9457 problem details
//! (`application/problem+json`), with a stable code and the field at fault.
//!
//! ```json
//! {"type": "tag:timescales,2026:problem:invalid-field", "title": "A field's value is refused",
//!  "status": 422, "detail": "reference 'CP/1' may hold ...", "code": "invalid-field",
//!  "field": "reference"}
//! ```
//!
//! `type` is a `tag:` URI (RFC 4151), which RFC 9457 suggests for types that are identifiers
//! rather than pages: one per `code`, the same across versions. `title` is fixed per code;
//! `detail` says what is wrong with this request and what would be right. `code` and `field`
//! are this API's extension members, so a client can branch on the code and point at the field.

use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::lifecycle::LifecycleError;

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    field: Option<String>,
}

/// RFC 9457 problem details. `type` is one URI per `code`: tag:timescales,2026:problem:CODE.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct Problem {
    /// The problem type: `tag:timescales,2026:problem:CODE`.
    #[serde(rename = "type")]
    #[schema(example = "tag:timescales,2026:problem:invalid-field")]
    kind: String,
    /// What kind of problem: the same for every request with this code.
    title: &'static str,
    /// The HTTP status.
    status: u16,
    /// What is wrong with this request, and what would be right.
    detail: String,
    /// The stable code to branch on.
    code: &'static str,
    /// The field or parameter at fault, as named here (`events[1].note` for one of several).
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

/// Each code's title: what kind of problem it is, the same for every request.
pub const CODES: &[(&str, &str)] = &[
    ("malformed-json", "The body is not valid JSON"),
    ("unsupported-media-type", "The body is not application/json"),
    ("invalid-query", "The query string cannot be read"),
    ("invalid-field", "A field's value is refused"),
    ("unreadable-body", "The body cannot be read"),
    ("unauthorized", "No valid token"),
    ("forbidden", "The token lacks the scope"),
    ("not-found", "No such complaint or procedure"),
    ("no-such-route", "No such route"),
    ("method-not-allowed", "The route does not take that method"),
    ("conflict", "The complaint's state does not allow it"),
    ("duplicate-reference", "The reference is taken"),
    (
        "stale-version",
        "The complaint changed since the version given in If-Match",
    ),
    ("invalid-precondition", "If-Match cannot be read"),
    ("body-too-large", "The body is larger than the limit"),
    ("internal", "Internal error"),
];

fn title(code: &str) -> &'static str {
    CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("Error", |(_, t)| *t)
}

/// The problem type URI of `code`.
pub fn problem_type(code: &str) -> String {
    format!("tag:timescales,2026:problem:{code}")
}

impl ApiError {
    /// An error with its status, a stable code (one of [`CODES`]), a message for people and the
    /// field at fault.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        field: Option<String>,
    ) -> Self {
        ApiError {
            status,
            code,
            detail: message.into(),
            field,
        }
    }

    pub(super) fn from_body_rejection(r: BytesRejection) -> Self {
        let status = r.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                status,
                "body-too-large",
                "the request body is larger than the configured limit (api.max_body_bytes)",
                None,
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "unreadable-body",
                r.body_text(),
                None,
            )
        }
    }

    /// A failure of ours, its detail already logged: the client is told only that.
    pub(super) fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error: see the service log",
            None,
        )
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<LifecycleError> for ApiError {
    fn from(e: LifecycleError) -> Self {
        match e {
            LifecycleError::Invalid { field, message } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-field",
                message,
                Some(field.to_string()),
            ),
            LifecycleError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m, None),
            e @ LifecycleError::NotFound(_) => {
                ApiError::new(StatusCode::NOT_FOUND, "not-found", e.to_string(), None)
            }
            e @ LifecycleError::Duplicate(_) => ApiError::new(
                StatusCode::CONFLICT,
                "duplicate-reference",
                e.to_string(),
                Some("reference".into()),
            ),
            e @ LifecycleError::Stale { .. } => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "stale-version",
                e.to_string(),
                None,
            ),
            LifecycleError::Unchanged => {
                ApiError::new(StatusCode::CONFLICT, "conflict", "nothing to change", None)
            }
            LifecycleError::Store(e) => {
                tracing::error!(error = %e, "store failure answering an API request");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            kind: problem_type(self.code),
            title: title(self.code),
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code,
            field: self.field,
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut r = (self.status, json).into_response();
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_title() {
        for (i, (code, _)) in CODES.iter().enumerate() {
            assert!(!CODES[..i].iter().any(|(c, _)| c == code), "{code} twice");
        }
    }
}
