//! The pages' static files, embedded in the binary (`src/web/assets/README.md` says where each
//! comes from and what was changed): nothing is read from disk, so the package installs no web
//! folder and a page never meets a file from another version.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// The GOV.UK Frontend release the CSS and JavaScript are from.
pub const GOVUK_FRONTEND: &str = "6.6.0";

/// Name, media type, contents.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "govuk-frontend.min.css",
        "text/css; charset=utf-8",
        include_bytes!("assets/govuk-frontend.min.css"),
    ),
    (
        "govuk-frontend.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/govuk-frontend.min.js"),
    ),
    (
        "init.mjs",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/init.mjs"),
    ),
    (
        "timescales.css",
        "text/css; charset=utf-8",
        include_bytes!("assets/timescales.css"),
    ),
    (
        "LICENSE-govuk-frontend.txt",
        "text/plain; charset=utf-8",
        include_bytes!("assets/LICENSE-govuk-frontend.txt"),
    ),
];

/// `/assets/{file}`: one of the files above, which browsers may keep for an hour (they change
/// only with the program); 404 for any other name.
pub async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, kind, body)) => (
            [
                (header::CONTENT_TYPE, *kind),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}
