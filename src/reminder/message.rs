//! What a notification says. Every subject and fact line is worded here, on the reminder side,
//! in the procedure's own words: its deadlines' `what`, its stages' names, its roles' names, and
//! the one wording of a status ([`crate::complaint::Status::verdict`]). The delivery worker only
//! carries the result to a channel.
//!
//! Subjects start with the reference and the procedure, so a mailbox sorted by subject groups a
//! complaint's messages: `CP-1002 (Kent): Meet the appellant: overdue since Mon 11 Jan`.

use chrono::NaiveDate;

use crate::channel::{About, Message, Severity};
use crate::complaint::{verdict::working_days, Derived};
use crate::procedure::Procedure;
use crate::store::ComplaintRow;

/// A procedure's short name for subjects: its id in words (`city-and-hackney` -> `City and
/// Hackney`).
pub fn short_name(procedure_id: &str) -> String {
    procedure_id
        .split('-')
        .map(|w| match w {
            "and" | "of" | "the" => w.to_string(),
            _ => {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `Mon 11 Jan`, or with the year when it is not `this_year`.
pub fn day(d: NaiveDate, this_year: i32) -> String {
    use chrono::Datelike;
    if d.year() == this_year {
        d.format("%a %-d %b").to_string()
    } else {
        d.format("%a %-d %b %Y").to_string()
    }
}

/// The stage's name in the procedure's words.
fn stage_name(procedure: Option<&Procedure>, stage: &str) -> String {
    procedure
        .and_then(|p| p.stage(stage))
        .map(|s| s.name.clone())
        .unwrap_or_else(|| stage.to_string())
}

/// The subject of a notification of `kind` (`reminder-5`, `due-today`, `breach`, `escalation`,
/// `window-closed`) about deadline `d` of `complaint`, judged on `today`.
pub fn subject(kind: &str, complaint: &ComplaintRow, d: &Derived, today: NaiveDate) -> String {
    use chrono::Datelike;
    let head = format!(
        "{} ({})",
        complaint.reference,
        short_name(&complaint.procedure)
    );
    let due = day(d.due, today.year());
    match kind {
        "due-today" => format!("{head}: {}: due today", d.what),
        "breach" => format!("{head}: {}: overdue since {due}", d.what),
        "escalation" => format!(
            "Escalation: {head}: {}: {}",
            d.what,
            d.verdict.clone().unwrap_or_default()
        ),
        "window-closed" => format!(
            "{head}: the time for the family to {} ended on {due}: decide the next step",
            lower_first(&d.what)
        ),
        _ => {
            let left = match &d.status {
                Some(crate::complaint::Status::Open { working_days_left }) => {
                    format!(" ({} left)", working_days(*working_days_left))
                }
                _ => String::new(),
            };
            format!("{head}: {}: due {due}{left}", d.what)
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// The whole message for one notification.
pub fn compose(
    kind: &str,
    key: String,
    complaint: &ComplaintRow,
    procedure: Option<&Procedure>,
    d: &Derived,
    today: NaiveDate,
    link: Option<String>,
) -> Message {
    Message {
        key,
        subject: subject(kind, complaint, d, today),
        facts: vec![
            ("Reference".into(), complaint.reference.clone()),
            (
                "Procedure".into(),
                procedure
                    .map(|p| format!("{} ({})", p.name, p.authority))
                    .unwrap_or_else(|| complaint.procedure.clone()),
            ),
            ("Stage".into(), stage_name(procedure, &d.stage)),
            ("What is due".into(), d.what.clone()),
            ("Due".into(), d.due.format("%A %-d %B %Y").to_string()),
            ("Status".into(), d.verdict.clone().unwrap_or_default()),
            ("Whose".into(), d.owner.clone()),
        ],
        link,
        severity: if matches!(kind, "breach" | "escalation" | "window-closed") {
            Severity::Alert
        } else {
            Severity::Reminder
        },
        // One conversation per complaint in mail clients that thread by headers.
        thread: Some(super::complaint_thread(&complaint.reference)),
        table: None,
        about: Some(About {
            event: kind.to_string(),
            reference: complaint.reference.clone(),
            procedure: complaint.procedure.clone(),
            deadline: d.id.clone(),
            due_date: d.due,
            due_at: d.due_instant,
            status: standing(d),
        }),
    }
}

/// Where `d` stands, in one word: its status's `state` as `complaint show` gives it (`open`,
/// `overdue`, `met`, `closed`, ...), or, with no status worked out, its state (`pending`).
fn standing(d: &Derived) -> String {
    d.status
        .as_ref()
        .and_then(|s| serde_json::to_value(s).ok())
        .and_then(|v| v["state"].as_str().map(str::to_string))
        .unwrap_or_else(|| d.state().to_string())
}

/// One line of a summary: `CP-1002 (Kent): Meet the appellant: due Mon 11 Jan: overdue by 3
/// working days`.
pub fn line(complaint: &ComplaintRow, d: &Derived, today: NaiveDate) -> String {
    use chrono::Datelike;
    format!(
        "{} ({}): {}: due {}: {}",
        complaint.reference,
        short_name(&complaint.procedure),
        d.what,
        day(d.due, today.year()),
        d.verdict.clone().unwrap_or_default()
    )
}

/// Why several notifications go as one message to a recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Summary {
    /// Reminders whose day passed while the service was not running.
    Missed,
    /// Alerts for deadlines that were already due or past when they were entered (a complaint
    /// entered after the fact, a back-dated event).
    EnteredLate,
}

/// The most lines one summary lists. A caseload entered after the fact can put thousands of
/// deadlines in one summary; a message that long is read by nobody, and a Teams card over about
/// 28 KB is refused outright. The rest are counted, and staff are pointed to where they already
/// look: the morning digest and `timescales complaint list --overdue` show what is still overdue.
pub const SUMMARY_LINES: usize = 20;

/// One message for `lines` of a [`Summary`]: the first [`SUMMARY_LINES`] of them in reference
/// order, then how many more there are and where to see them.
pub fn summary(kind: Summary, key: String, mut lines: Vec<String>) -> Message {
    // In reference order, as every list staff see: gathered in delivery order, they would be
    // in no order a reader can follow.
    lines.sort();
    let n = lines.len();
    let (subject, label) = match kind {
        Summary::Missed => (
            format!(
                "{n} reminder{} missed while the service was not running",
                if n == 1 { " was" } else { "s were" }
            ),
            "Missed",
        ),
        Summary::EnteredLate => (
            format!(
                "{n} deadline{} already due or past when entered",
                if n == 1 { " was" } else { "s were" }
            ),
            "Entered after the due date",
        ),
    };
    Message {
        key,
        subject,
        facts: lines
            .into_iter()
            .take(SUMMARY_LINES)
            .map(|l| (label.to_string(), l))
            .chain((n > SUMMARY_LINES).then(|| {
                (
                    "And".to_string(),
                    format!(
                        "{} more: the morning digest and \
                         `timescales complaint list --overdue` show what is still overdue",
                        n - SUMMARY_LINES
                    ),
                )
            }))
            .collect(),
        link: None,
        severity: Severity::Alert,
        thread: None,
        table: None,
        about: None,
    }
}
