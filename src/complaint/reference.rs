//! A complaint's reference: the case system's own identifier, and the only way a complaint is
//! named anywhere (API paths, reminders, chat cards, logs), so never a person's name.
//!
//! One rule, checked wherever a complaint is opened (the API and the command line both go
//! through [`crate::lifecycle::Lifecycle::open`]): 1 to 64 characters, ASCII letters, digits,
//! `.`, `_` and `-`, starting with a letter or a digit. So a reference is one URL path segment
//! as it stands (no `/`, and never `.` or `..`, which a client or a proxy would resolve), cannot
//! be mistaken for a command-line option (`-x`), and needs no quoting in a file name or a mail
//! header. The OpenAPI document states the same pattern: [`PATTERN`].
//!
//! A reference stored before this rule (one with a `/`, say) is still found and shown; it is
//! percent-encoded wherever it is put into a URL ([`in_link`]).

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The longest reference.
pub const MAX_CHARS: usize = 64;

/// The rule as a regular expression, for the OpenAPI document.
pub const PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

/// Why `value` cannot be a reference, or `Ok`.
pub fn check(value: &str) -> Result<(), String> {
    let q = crate::text::quoted(value);
    let mut chars = value.chars();
    match chars.next() {
        None => return Err("reference must not be empty".into()),
        Some(c) if !c.is_ascii_alphanumeric() => {
            return Err(format!(
                "reference '{q}' must start with a letter or a digit: it is the case system's reference, never a name"
            ))
        }
        Some(_) => {}
    }
    if !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err(format!(
            "reference '{q}' may hold letters, digits and . _ - only: it is the case system's reference, never a name"
        ));
    }
    if value.len() > MAX_CHARS {
        return Err(format!("reference is longer than {MAX_CHARS} characters"));
    }
    Ok(())
}

/// What is left as it is in a URL path segment: RFC 3986's unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `template` (`notify.link_template`) with `{reference}` replaced by the reference,
/// percent-encoded: a reference stored before today's rule cannot add a path or a query to the
/// link a reminder carries.
pub fn in_link(template: &str, reference: &str) -> String {
    template.replace(
        "{reference}",
        &utf8_percent_encode(reference, SEGMENT).to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_case_systems_references_pass() {
        for ok in ["CP-1", "2026.0142", "cp_7", "A", &"9".repeat(64)] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn paths_options_and_names_are_refused() {
        let cases = [
            ("", "reference must not be empty"),
            (
                "../../admin",
                "reference '../../admin' must start with a letter or a digit",
            ),
            ("..", "reference '..' must start with a letter or a digit"),
            ("-rf", "reference '-rf' must start with a letter or a digit"),
            (
                "CP/2026/1",
                "reference 'CP/2026/1' may hold letters, digits and . _ - only",
            ),
            (
                "a b",
                "reference 'a b' may hold letters, digits and . _ - only",
            ),
            (
                "x\0y",
                "reference 'x\\u{0}y' may hold letters, digits and . _ - only",
            ),
            (
                "Zoë",
                "reference 'Zoë' may hold letters, digits and . _ - only",
            ),
        ];
        for (value, message) in cases {
            let e = check(value).unwrap_err();
            assert!(e.starts_with(message), "{value}: {e}");
        }
        assert_eq!(
            check(&"9".repeat(65)).unwrap_err(),
            "reference is longer than 64 characters"
        );
    }

    #[test]
    fn links_carry_the_reference_encoded() {
        let t = "https://case.example.gov.uk/complaints/{reference}?tab=cp";
        assert_eq!(
            in_link(t, "CP-1.a_b~"),
            "https://case.example.gov.uk/complaints/CP-1.a_b~?tab=cp"
        );
        assert_eq!(
            in_link(t, "../x/y?z#w"),
            "https://case.example.gov.uk/complaints/..%2Fx%2Fy%3Fz%23w?tab=cp"
        );
    }
}
