//! Text that comes from outside (an API body or query, the command line, a batch file): what is
//! refused in it, and how it is quoted back in a message.
//!
//! One rule for every text field, on both stores: no control characters. PostgreSQL refuses a
//! NUL byte in `text` (the request failed with a 500) while SQLite stored it as given, so the
//! same request meant different things on the two; a tab, a newline or an escape sequence in a
//! reference or a note would also reach a reminder's subject line, a chat card or a terminal.
//! Everything here is a line of plain text, so nothing legitimate is refused.
//!
//! Quoting cuts what it echoes: a message that names a bad value should help the person who sent
//! it, not repeat 50 MB of it into a log or a terminal.

use chrono::NaiveDate;

/// How many characters of a value a message repeats before cutting it short.
pub const QUOTED_CHARS: usize = 60;

/// Why `value`, given for `field`, is not plain text: it holds a control character (the first is
/// named by its code point and position). `None` when it is plain.
pub fn control_character(field: &str, value: &str) -> Option<String> {
    let (at, c) = value.chars().enumerate().find(|(_, c)| c.is_control())?;
    Some(format!(
        "{field} holds a control character (U+{:04X} at character {}): give plain text on one line",
        u32::from(c),
        at + 1
    ))
}

/// `value` for a message: control characters escaped, and at most [`QUOTED_CHARS`] characters of
/// it, followed by how long it was when it is longer.
pub fn quoted(value: &str) -> String {
    let mut out = String::new();
    for (shown, c) in value.chars().enumerate() {
        if shown == QUOTED_CHARS {
            out.push_str(&format!(
                "... ({} characters in all)",
                value.chars().count()
            ));
            return out;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A calendar date written as `YYYY-MM-DD`, and only so: `2026-1-1`, `+2026-01-01` or a date
/// with a time are refused, so that a date a person misreads (`2026-1-11` or `2026-11-1`?) never
/// becomes a deadline. chrono's own parser takes the shorter forms. The one date parser of the
/// API's bodies, the command line and batch files.
pub fn parse_date(value: &str) -> Result<NaiveDate, String> {
    parse_iso_date(value).ok_or_else(|| {
        format!(
            "'{}' is not a date: expected YYYY-MM-DD, e.g. 2026-12-18",
            quoted(value)
        )
    })
}

/// [`parse_date`] without building a message: for the batch path, a million rows a second.
#[inline]
pub fn parse_iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32)
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// Serde's side of [`parse_date`], for the date fields of the API's bodies.
pub mod date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer};

    /// A `YYYY-MM-DD` date.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::parse_date(&s).map_err(serde::de::Error::custom)
    }

    /// An optional `YYYY-MM-DD` date.
    pub mod option {
        use chrono::NaiveDate;
        use serde::{Deserialize, Deserializer};

        /// `null` or a `YYYY-MM-DD` date.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
            match <Option<std::borrow::Cow<'de, str>>>::deserialize(d)? {
                Some(s) => super::super::parse_date(&s)
                    .map(Some)
                    .map_err(serde::de::Error::custom),
                None => Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_named_with_their_place() {
        assert_eq!(
            control_character("note", "fine text, with 'quotes' & é"),
            None
        );
        assert_eq!(
            control_character("owner", "x\0y").as_deref(),
            Some("owner holds a control character (U+0000 at character 2): give plain text on one line")
        );
        assert!(control_character("note", "line\nbreak").is_some());
        assert!(control_character("note", "tab\there").is_some());
        assert!(control_character("note", "\u{1b}[31m").is_some());
        assert!(control_character("note", "del\u{7f}").is_some());
    }

    #[test]
    fn quotes_are_cut_and_escaped() {
        assert_eq!(quoted("CP-1"), "CP-1");
        assert_eq!(quoted("a\0b\n"), "a\\u{0}b\\n");
        let long = "x".repeat(50_000_000);
        let q = quoted(&long);
        assert_eq!(
            q,
            format!("{}... (50000000 characters in all)", "x".repeat(60))
        );
        assert_eq!(quoted(&"y".repeat(60)), "y".repeat(60));
    }

    #[test]
    fn dates_only_as_yyyy_mm_dd() {
        assert_eq!(
            parse_date("2026-01-01"),
            Ok(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
        );
        assert_eq!(
            parse_date("2028-02-29"),
            Ok(NaiveDate::from_ymd_opt(2028, 2, 29).unwrap())
        );
        for bad in [
            "2026-1-1",
            "2026-01-1",
            "+2026-01-01",
            "2026-01-01T00:00",
            "26-01-01",
            "2026/01/01",
            "",
            "２０２６-01-01",
            "2027-02-29",
            "2026-13-01",
            "2026-12-1x",
        ] {
            assert_eq!(
                parse_date(bad).unwrap_err(),
                format!("'{bad}' is not a date: expected YYYY-MM-DD, e.g. 2026-12-18")
            );
        }
        assert_eq!(
            parse_date(&"9".repeat(100)).unwrap_err(),
            format!("'{}... (100 characters in all)' is not a date: expected YYYY-MM-DD, e.g. 2026-12-18", "9".repeat(60))
        );
    }
}
