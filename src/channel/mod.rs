//! Channels: email and team-chat webhooks. A channel knows a message and an address, never a
//! complaint or the database.
//!
//! Every delivery error says whether it is transient (retry: timeouts, connection failures, 5xx,
//! 429 with its Retry-After, SMTP 4xx) or permanent (stop: other 4xx, SMTP 5xx, a bad address).

mod email;
mod webhook;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use email::{Email, SmtpSecurity, SmtpSettings};
pub use webhook::{retry_after, sign, signing_keys, ChatKind, ChatSettings, Webhook, USER_AGENT};

/// A notification's content. It carries a complaint reference, never a person's name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Message {
    /// Stable per notification: the email Message-ID and the webhook idempotency key, so a
    /// receiver can drop the second copy of a message resent after a crash.
    pub key: String,
    /// One line: `CP-1001: acknowledge due 2026-12-30 (overdue by 3 working days)`.
    pub subject: String,
    /// Label and value pairs: reference, procedure, stage, what is due, due date, status.
    pub facts: Vec<(String, String)>,
    /// A link to the case record, when a template is configured.
    pub link: Option<String>,
    /// How loud: alerts go to chat with emphasis.
    pub severity: Severity,
    /// The conversation the message belongs to, if any: an opaque key, the same for every
    /// message about one subject (a complaint) and carrying nothing personal, such as
    /// `complaint-3f2a9c0e5b7d1a48`. Email names it in `In-Reply-To` and `References`, so mail
    /// clients group the messages.
    pub thread: Option<String>,
    /// Rows, for a message that lists many things (the digest); `None` for one notification.
    pub table: Option<Table>,
    /// What a message about one deadline is about, as fields a program reads (the generic
    /// webhook's `data`); `None` for a summary, the digest or an operator's alert.
    pub about: Option<About>,
}

/// The machine-readable side of a notification about one deadline. References and ids only:
/// nothing here names a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct About {
    /// What happened: `reminder-N` (N working days before), `due-today`, `breach`,
    /// `escalation` or `window-closed`.
    pub event: String,
    /// The complaint's reference.
    pub reference: String,
    /// The procedure's id.
    pub procedure: String,
    /// The deadline's id in the procedure.
    pub deadline: String,
    /// The due date, `YYYY-MM-DD`.
    pub due_date: chrono::NaiveDate,
    /// The instant it falls due: the end of the due day in the procedure's time zone, in UTC.
    pub due_at: DateTime<Utc>,
    /// Where the deadline stands: `open`, `overdue`, `met`, `closed`, ... (as `complaint show`).
    pub status: String,
}

/// Rows of a message, in titled groups (the digest's overdue, due today, due soon): rendered as
/// an HTML table, and in plain text as one line a row, for mail clients that show only text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Table {
    /// The column headings.
    pub columns: Vec<String>,
    /// Titled groups of rows, in order; an empty group is left out. A title says how many rows
    /// its group has (the digest's: and how many of them are listed).
    pub groups: Vec<(String, Vec<TableRow>)>,
}

/// One row of a [`Table`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TableRow {
    /// One cell a column.
    pub cells: Vec<String>,
    /// Where the first cell links to (the case record), when a link template is configured.
    pub link: Option<String>,
}

/// How urgent a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// A reminder ahead of time.
    Reminder,
    /// Something was missed or needs a decision.
    Alert,
}

impl Message {
    /// Plain text: the subject, each fact on a line, the link.
    pub fn text(&self) -> String {
        let mut s = format!("{}\n\n", self.subject);
        for (k, v) in &self.facts {
            s.push_str(&format!("{k}: {v}\n"));
        }
        if let Some(t) = &self.table {
            for (title, rows) in t.groups.iter().filter(|(_, r)| !r.is_empty()) {
                s.push_str(&format!("\n{title}\n"));
                for r in rows {
                    s.push_str(&format!("- {}\n", r.cells.join(" | ")));
                    if let Some(l) = &r.link {
                        s.push_str(&format!("  {l}\n"));
                    }
                }
            }
        }
        if let Some(l) = &self.link {
            s.push_str(&format!("\nCase record: {l}\n"));
        }
        s.push_str("\nSent by timescales. Do not reply to this automated message.\n");
        s
    }

    /// HTML, every value escaped.
    pub fn html(&self) -> String {
        let mut s = format!("<p><strong>{}</strong></p>\n", escape(&self.subject));
        if !self.facts.is_empty() {
            s.push_str("<table>\n");
            for (k, v) in &self.facts {
                s.push_str(&format!(
                    "<tr><th align=\"left\">{}</th><td>{}</td></tr>\n",
                    escape(k),
                    escape(v)
                ));
            }
            s.push_str("</table>\n");
        }
        if let Some(t) = &self.table {
            s.push_str("<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">\n<tr>");
            for c in &t.columns {
                s.push_str(&format!("<th align=\"left\">{}</th>", escape(c)));
            }
            s.push_str("</tr>\n");
            for (title, rows) in t.groups.iter().filter(|(_, r)| !r.is_empty()) {
                s.push_str(&format!(
                    "<tr><th align=\"left\" colspan=\"{}\">{}</th></tr>\n",
                    t.columns.len().max(1),
                    escape(title),
                ));
                for r in rows {
                    s.push_str("<tr>");
                    for (i, c) in r.cells.iter().enumerate() {
                        match (&r.link, i) {
                            (Some(l), 0) => s.push_str(&format!(
                                "<td><a href=\"{}\">{}</a></td>",
                                escape(l),
                                escape(c)
                            )),
                            _ => s.push_str(&format!("<td>{}</td>", escape(c))),
                        }
                    }
                    s.push_str("</tr>\n");
                }
            }
            s.push_str("</table>\n");
        }
        if let Some(l) = &self.link {
            s.push_str(&format!(
                "<p><a href=\"{}\">Case record</a></p>\n",
                escape(l)
            ));
        }
        s.push_str(
            "<p><small>Sent by timescales. Do not reply to this automated message.</small></p>\n",
        );
        s
    }
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Why a delivery failed, and whether trying again can help.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Try again later (no sooner than `retry_after` when the server said so).
    #[error("{message}")]
    Transient {
        /// What happened, without secrets.
        message: String,
        /// The server's Retry-After, if it gave one.
        retry_after: Option<Duration>,
    },
    /// Trying again will not help.
    #[error("{0}")]
    Permanent(String),
}

impl DeliveryError {
    /// A transient error with no Retry-After.
    pub fn transient(message: impl Into<String>) -> Self {
        DeliveryError::Transient {
            message: message.into(),
            retry_after: None,
        }
    }
}

/// Every channel configured: email, and the chat webhooks by name.
#[derive(Clone, Default)]
pub struct Channels {
    email: Option<Email>,
    chats: BTreeMap<String, Webhook>,
}

impl Channels {
    /// The channels.
    pub fn new(email: Option<Email>, chats: Vec<Webhook>) -> Self {
        Channels {
            email,
            chats: chats
                .into_iter()
                .map(|w| (w.name().to_string(), w))
                .collect(),
        }
    }

    /// The email channel, if an SMTP server is configured.
    pub fn email(&self) -> Option<&Email> {
        self.email.as_ref()
    }

    /// The chat webhooks, by name.
    pub fn chats(&self) -> impl Iterator<Item = &Webhook> {
        self.chats.values()
    }

    /// Sends `message` to `destination` (`email:ADDRESS` or `chat:NAME`).
    pub async fn deliver(
        &self,
        destination: &str,
        message: &Message,
        now: DateTime<Utc>,
    ) -> Result<(), DeliveryError> {
        match destination.split_once(':') {
            Some(("email", to)) => match &self.email {
                Some(e) => e.send(to, message).await,
                None => Err(DeliveryError::Permanent(
                    "no SMTP server is configured (notify.smtp)".into(),
                )),
            },
            Some(("chat", name)) => match self.chats.get(name) {
                Some(w) => w.send(message, now).await,
                None => Err(DeliveryError::Permanent(format!(
                    "no chat channel named '{name}' is configured (notify.chat)"
                ))),
            },
            _ => Err(DeliveryError::Permanent(format!(
                "unknown destination '{destination}'"
            ))),
        }
    }
}
