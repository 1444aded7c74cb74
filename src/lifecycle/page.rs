//! Lists come a page at a time: how large a page may be, the cursor that says where the next
//! one starts, and the page itself.
//!
//! A whole list at 100,000 complaints took 0.7 s and 2.9 MB to send; a page of 100 is read from
//! indexes in a few milliseconds however large the caseload (`store::list`, docs/benchmarks.md).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

use super::ListItem;

/// A page's size when the caller names none.
pub const DEFAULT_PAGE: u32 = 100;

/// The largest page: a caller wanting more follows the cursor. A page's deadlines are read in
/// one statement, one value bound per complaint.
pub const MAX_PAGE: u32 = 1000;

/// The version tag inside a cursor: a later change of order can refuse older cursors by name
/// rather than misread them.
const TAG: &str = "v1:";

/// Where the next page starts: after the last reference of this one. Opaque to clients (the
/// base64url of a tagged reference), so the order behind it may change without breaking them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    after: String,
}

impl Cursor {
    /// The cursor of a page whose last complaint is `reference`.
    pub fn after(reference: &str) -> Self {
        Cursor {
            after: reference.to_string(),
        }
    }

    /// The reference the next page starts after.
    pub fn reference(&self) -> &str {
        &self.after
    }

    /// As a client sees it: URL-safe, nothing to escape in a query string.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{TAG}{}", self.after))
    }

    /// A cursor this service gave, or why `text` is not one.
    pub fn decode(text: &str) -> Result<Self, String> {
        let refused = || {
            format!(
                "cursor '{text}' is not one this service gave: pass the previous page's \
                 next_cursor as it is, or leave cursor out for the first page"
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| refused())?;
        let decoded = String::from_utf8(bytes).map_err(|_| refused())?;
        match decoded.strip_prefix(TAG) {
            Some(after) if !after.is_empty() => Ok(Cursor::after(after)),
            _ => Err(refused()),
        }
    }
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ListPage {
    /// In reference order.
    pub complaints: Vec<ListItem>,
    /// Where the next page starts; none on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_the_reference_it_was_made_from() {
        for r in ["CP-1", "CP-000123", "a/b.c_d-e", "Ω-1"] {
            let text = Cursor::after(r).encode();
            assert!(
                text.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{text}"
            );
            assert_eq!(Cursor::decode(&text).unwrap().reference(), r);
        }
        assert_eq!(Cursor::after("CP-1").encode(), "djE6Q1AtMQ");
    }

    #[test]
    fn anything_else_is_refused_naming_what_to_pass() {
        // Not base64url; base64url of untagged text; the tag alone; invalid UTF-8.
        for bad in ["not a cursor!", "Q1AtMQ", "djE6", "_w", ""] {
            let e = Cursor::decode(bad).unwrap_err();
            assert!(e.contains("is not one this service gave"), "{bad}: {e}");
            assert!(e.contains("next_cursor"), "{bad}: {e}");
        }
    }
}
