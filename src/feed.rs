//! Calendar feeds: the deadlines some roles own, as an iCalendar file (RFC 5545) that Outlook,
//! Google Calendar or a phone subscribes to at `/calendar/TOKEN.ics`.
//!
//! Each open deadline is an all-day event on its due date, with an alarm 15 hours before the
//! due day begins: 09:00 the day before (a calendar program knows nothing of working days, so
//! before a Monday it is Sunday's). Its UID is the complaint's
//! internal id and the deadline's id, so it stays the same when the due date moves or the
//! reference is anonymised; its SEQUENCE is the complaint's version, which grows with every
//! change, so a moved date replaces the old one. A deadline met, not needed, not applicable or
//! left unmet at closure stays in the feed for 60 days after its due date as STATUS:CANCELLED,
//! so that a subscribed calendar removes it rather than keeping a stale copy.
//!
//! No personal data: the summary is the reference, the procedure and what must be done.

use chrono::{DateTime, NaiveDate, Utc};

use crate::procedure::Procedures;
use crate::store::FeedRow;

/// How long a finished deadline stays in a feed, cancelled, after its due date.
pub const KEEP_FINISHED_DAYS: u64 = 60;

/// The first due date a feed built on `today` carries.
pub fn since(today: NaiveDate) -> NaiveDate {
    today
        .checked_sub_days(chrono::Days::new(KEEP_FINISHED_DAYS))
        .unwrap_or(today)
}

/// The feed named `name` of the deadlines among `rows` that `roles` own: open ones, and those
/// finished since [`since`] as cancelled.
pub fn ics(
    name: &str,
    rows: &[FeedRow],
    roles: &[String],
    procedures: &Procedures,
    now: DateTime<Utc>,
) -> String {
    let mut out = String::new();
    let mut line = |text: &str| fold(&mut out, text);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//timescales//calendar feed//EN");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!(
        "X-WR-CALNAME:{}",
        escape(&format!("timescales: {name}"))
    ));
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    for r in rows.iter().filter(|r| roles.contains(&r.owner_role)) {
        let procedure = procedures.get(&r.procedure);
        let what = procedure
            .and_then(|p| p.deadlines.iter().find(|d| d.id == r.deadline))
            .map_or_else(|| r.deadline.clone(), |d| d.what.clone());
        let short = crate::reminder::message::short_name(&r.procedure);
        let summary = format!("{} ({short}): {what}", r.reference);
        let next = r.due_date.succ_opt().unwrap_or(r.due_date);
        line("BEGIN:VEVENT");
        line(&format!("UID:{}-{}@timescales", r.complaint_id, r.deadline));
        line(&format!("DTSTAMP:{stamp}"));
        line(&format!(
            "DTSTART;VALUE=DATE:{}",
            r.due_date.format("%Y%m%d")
        ));
        line(&format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")));
        line(&format!("SEQUENCE:{}", r.version.max(0)));
        line(&format!("SUMMARY:{}", escape(&summary)));
        line(&format!(
            "DESCRIPTION:{}",
            escape(&format!(
                "Due {}: {what}. Complaint {}, {}, deadline {}.",
                r.due_date.format("%a %-d %b %Y"),
                r.reference,
                procedure.map_or_else(|| r.procedure.clone(), |p| p.name.clone()),
                r.deadline
            ))
        ));
        line(&format!(
            "STATUS:{}",
            if r.state == "pending" {
                "CONFIRMED"
            } else {
                "CANCELLED"
            }
        ));
        line("TRANSP:TRANSPARENT");
        if r.state == "pending" {
            line("BEGIN:VALARM");
            line("ACTION:DISPLAY");
            line(&format!(
                "DESCRIPTION:{}",
                escape(&format!("Due tomorrow: {summary}"))
            ));
            line("TRIGGER;RELATED=START:-PT15H");
            line("END:VALARM");
        }
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// A TEXT value escaped as RFC 5545 section 3.3.11 says: backslash, semicolon, comma and line
/// breaks.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `text` as a content line: folded so that no line is longer than 75 octets (a
/// continuation starts with a space), never inside a character, and ended with CRLF.
fn fold(out: &mut String, text: &str) {
    let mut width = 0;
    for c in text.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_long_lines_fold_at_75_octets_between_characters() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(40));
        fold(&mut out, &long);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:?}");
        assert_eq!(lines[1].chars().next(), Some(' '));
        assert_eq!(out.replace("\r\n ", ""), format!("{long}\r\n"));
    }
}
