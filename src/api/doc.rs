//! The OpenAPI document, generated from the handlers (`#[utoipa::path]` in `api/mod.rs`) and the
//! types they take and answer (`#[derive(ToSchema)]` where each is defined), so it cannot drift
//! from the server: a field added to a command is in the document at the next build. Served at
//! `/api/v1/openapi.json`; `docs/openapi.json` is this document, written by
//! `TIMESCALES_UPDATE_OPENAPI=1 cargo test --test api openapi` and checked by the same test.
//!
//! Why utoipa rather than aide: utoipa describes a handler with an attribute beside it and needs
//! nothing from the router, so the handlers and the axum `Router` stay as they are; aide would
//! replace the router's builder (`ApiRouter`) and wrap every handler's extractor types. utoipa is
//! also the more used of the two, and derives schemas from serde's own attributes (`rename_all`,
//! `tag`, `flatten`, `deny_unknown_fields`, `skip`).
//!
//! Two rules the derive cannot see are applied here, once, to every request body
//! ([`Rules`]): the plain-text rule of [`crate::text`] (no control characters) as a `pattern` on
//! each free-text field, and `YYYY-MM-DD` as a `pattern` on each date.

use std::sync::LazyLock;

use utoipa::openapi::schema::{Object, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::{Modify, OpenApi};

/// No control character: the rule of [`crate::text::control_character`], as a JSON Schema
/// pattern (Unicode's Cc category, U+0000-U+001F and U+007F-U+009F).
pub const PLAIN: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// A date as [`crate::text::parse_date`] takes it.
pub const DATE: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// The request bodies, whose text and date fields [`Rules`] constrains.
const REQUESTS: &[&str] = &[
    "OpenComplaint",
    "Earlier",
    "Record",
    "Extend",
    "AcceptLate",
    "Applicability",
    "Correct",
    "Decision",
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "timescales",
        version = "1",
        description = "Complaints about UK Child Protection Conferences and the deadlines their procedures set. Every error is RFC 9457 problem details (application/problem+json): type, title, status, detail, and this API's code and field (the field at fault). Text fields take plain text on one line: a control character anywhere is refused with 422 naming the field. Dates are YYYY-MM-DD exactly. References point to the case record: never send names or other personal data, including in notes."
    ),
    servers((url = "/")),
    paths(
        super::health,
        super::openapi,
        super::procedures,
        super::procedure,
        super::list,
        super::open,
        super::show,
        super::audit,
        super::event,
        super::outcome,
        super::extend,
        super::accept_late,
        super::not_applicable,
        super::applicable,
        super::correct,
        super::close,
        super::reopen,
        super::erase,
        super::readyz,
        super::metrics::metrics,
    ),
    components(schemas(super::error::Problem, super::ListBody)),
    modifiers(&Bearer, &Rules, &IfMatch)
)]
struct ApiDoc;

/// The bearer scheme every operation but the health, readiness, metrics and this document names.
struct Bearer;

impl Modify for Bearer {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token from api.tokens, api.tokens_file or the api-tokens credential, with scopes read and/or write.",
                    ))
                    .build(),
            ),
        );
    }
}

/// `If-Match` on every write to one complaint. Added here rather than beside each handler: an
/// optional header written there is typed "string or null", and a generator then sends the
/// text `null`.
struct IfMatch;

/// What `If-Match` takes: one entity tag as `ETag` gave it, bare digits, or `*`.
pub const IF_MATCH: &str = "^(\\*|\"[0-9]{1,18}\"|[0-9]{1,18})$";

impl Modify for IfMatch {
    fn modify(&self, doc: &mut Document) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::Required;
        for (path, item) in doc.paths.paths.iter_mut() {
            // Every change to one complaint; not an erasure, which no version holds back.
            let change = path.contains("{reference}") && !path.ends_with("/erasure");
            let Some(op) = item.post.as_mut().filter(|_| change) else {
                continue;
            };
            op.parameters.get_or_insert_with(Vec::new).push(
                ParameterBuilder::new()
                    .name("If-Match")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some(
                        "The ETag of the complaint as last read (\"7\"; 7 is taken too), or *: when the complaint has changed since, the write is refused with 412 and nothing is written.",
                    ))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String).pattern(Some(IF_MATCH))))
                    .build(),
            );
        }
    }
}

/// The text and date rules on every request body's fields.
struct Rules;

impl Modify for Rules {
    fn modify(&self, doc: &mut Document) {
        let Some(components) = doc.components.as_mut() else {
            return;
        };
        if let Some(RefOr::T(Schema::Object(problem))) = components.schemas.get_mut("Problem") {
            if let Some(RefOr::T(Schema::Object(code))) = problem.properties.get_mut("code") {
                code.enum_values = Some(
                    super::error::CODES
                        .iter()
                        .map(|(c, _)| serde_json::Value::from(*c))
                        .collect(),
                );
            }
        }
        for name in REQUESTS {
            if let Some(RefOr::T(Schema::Object(o))) = components.schemas.get_mut(*name) {
                constrain(o);
            }
        }
    }
}

/// Each string property of `o` gets the plain-text pattern, or the date pattern when it is a
/// date (one that has a pattern of its own, the reference, keeps it), and the lengths the
/// lifecycle checks: `recorded_by` 1 to [`MAX_RECORDED_BY`], a note or a reason at most
/// [`MAX_NOTE`], names and reasons not empty.
fn constrain(o: &mut Object) {
    use crate::lifecycle::{MAX_NOTE, MAX_RECORDED_BY};
    use utoipa::openapi::schema::{KnownFormat, SchemaFormat, SchemaType, Type};
    for (name, prop) in o.properties.iter_mut() {
        let RefOr::T(Schema::Object(p)) = prop else {
            continue;
        };
        let (min, max) = match name.as_str() {
            "recorded_by" => (Some(1), Some(MAX_RECORDED_BY)),
            "reason" | "retrospective" => (Some(1), Some(MAX_NOTE)),
            "note" => (None, Some(MAX_NOTE)),
            "name" | "deadline" | "procedure" => (Some(1), None),
            _ => (None, None),
        };
        p.min_length = p.min_length.or(min);
        p.max_length = p.max_length.or(max);
        let is_string = matches!(&p.schema_type, SchemaType::Type(Type::String))
            || matches!(&p.schema_type, SchemaType::Array(t) if t.contains(&Type::String));
        if !is_string || p.pattern.is_some() || p.enum_values.is_some() {
            continue;
        }
        p.pattern = Some(
            match p.format {
                Some(SchemaFormat::KnownFormat(KnownFormat::Date)) => DATE,
                _ => PLAIN,
            }
            .to_string(),
        );
    }
}

/// The problem answers operations share, each as `application/problem+json`.
macro_rules! problems {
    ($($(#[$doc:meta])* $name:ident { $($variant:ident = $status:literal, $what:literal;)* })*) => {
        $(
            $(#[$doc])*
            #[derive(utoipa::IntoResponses)]
            #[allow(dead_code)]
            pub(super) enum $name {
                $(
                    #[response(status = $status, description = $what, content_type = "application/problem+json")]
                    $variant(super::error::Problem),
                )*
            }
        )*
    };
}

problems! {
    /// A read of everything of a kind.
    Reading {
        Unauthorized = 401, "No token, or not a valid one";
        Forbidden = 403, "The token lacks the read scope";
    }
    /// A read of one thing by its name.
    ReadingOne {
        Unauthorized = 401, "No token, or not a valid one";
        Forbidden = 403, "The token lacks the read scope";
        NotFound = 404, "No such complaint or procedure";
        Invalid = 422, "A reference holding a control character; `field` is reference";
    }
    /// A page of a list.
    Listing {
        BadRequest = 400, "A query that cannot be read (a word where a number goes)";
        Unauthorized = 401, "No token, or not a valid one";
        Forbidden = 403, "The token lacks the read scope";
        Invalid = 422, "A filter holding a control character, a page size out of range or a cursor this service did not give; `field` names it";
    }
    /// Opening a complaint.
    Opening {
        BadRequest = 400, "Malformed JSON";
        Unauthorized = 401, "No token, or not a valid one";
        Forbidden = 403, "The token lacks the write scope";
        Conflict = 409, "The reference is taken";
        TooLarge = 413, "Body larger than api.max_body_bytes";
        NotJson = 415, "The body is not sent as Content-Type: application/json";
        Invalid = 422, "A value the procedure refuses; `field` names it";
    }
    /// A change to one complaint.
    Writing {
        BadRequest = 400, "Malformed JSON, or an If-Match this API did not give";
        Unauthorized = 401, "No token, or not a valid one";
        Forbidden = 403, "The token lacks the write scope";
        NotFound = 404, "No such complaint";
        Conflict = 409, "The complaint's state does not allow it (closed, referred, nothing to change)";
        Stale = 412, "If-Match names a version the complaint is no longer at: nothing was written";
        TooLarge = 413, "Body larger than api.max_body_bytes";
        NotJson = 415, "The body is not sent as Content-Type: application/json";
        Invalid = 422, "A value the procedure refuses; `field` names it";
    }
}

/// The document as JSON, as served and as `docs/openapi.json` holds it.
pub fn json() -> &'static str {
    static JSON: LazyLock<String> = LazyLock::new(|| {
        let mut s = ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"the OpenAPI document: {e}\"}}"));
        s.push('\n');
        s
    });
    &JSON
}
