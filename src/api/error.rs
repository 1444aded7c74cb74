//! The one place API errors become HTTP: a status and a JSON body with a code, a message and the
//! field at fault.

use axum::extract::rejection::BytesRejection;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::lifecycle::LifecycleError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

#[derive(Debug, Serialize)]
struct ErrorBody {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

impl ApiError {
    /// An error with its status, a stable code, a message for people and the field at fault.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        field: Option<String>,
    ) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                code,
                message: message.into(),
                field,
            },
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
        let mut r = (self.status, Json(serde_json::json!({ "error": self.body }))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        r
    }
}
