//! Everything held about one complaint, for a subject access request (UK GDPR Article 15): the
//! complaint's record and timeline, every deadline with how it stands and how it was derived,
//! the audit trail, and every notification planned or sent about it (to whom, when, and what
//! became of it). As JSON for a system, and as one self-contained HTML page a person can read
//! and print: no script, no external style or font, every value escaped.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ComplaintView, Lifecycle, LifecycleError};
use crate::html::{start, table, END};
use crate::store::{AuditRow, NotificationRow};

/// What `complaint export` writes.
#[derive(Clone, Debug, Serialize)]
pub struct Export {
    /// When it was made.
    pub exported_at: DateTime<Utc>,
    /// The complaint as `show` gives it: record, timeline, deadlines.
    pub complaint: ComplaintView,
    /// Every change, oldest first.
    pub audit: Vec<AuditRow>,
    /// Every notification about it, planned, sent, cancelled or failed.
    pub notifications: Vec<NotificationRow>,
}

impl Lifecycle {
    /// Everything held about the complaint `reference`.
    pub async fn export(&self, reference: &str) -> Result<Export, LifecycleError> {
        let complaint = self.show(reference).await?;
        let audit = self.store().audit(reference).await?;
        let notifications = self.store().notifications_of(reference).await?;
        Ok(Export {
            exported_at: self.now(),
            complaint,
            audit,
            notifications,
        })
    }
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(T::to_string).unwrap_or_default()
}

impl Export {
    /// One HTML page: the record, then the timeline, the deadlines, the notifications and the
    /// audit, each a table.
    pub fn html(&self) -> String {
        let c = &self.complaint.complaint;
        let title = format!("Complaint {}: everything held", c.reference);
        let mut page = start(
            &title,
            &format!(
                "Made {} by timescales: every record held about this complaint. \
                 Dates are the days they happened; instants are in UTC.",
                self.exported_at.format("%-d %B %Y at %H:%M UTC")
            ),
        );
        page.push_str(&table(
            "The complaint",
            &["Field", "Value"],
            [
                ("Reference", c.reference.clone()),
                ("Procedure", c.procedure.clone()),
                ("Track", c.track.clone()),
                ("Complainant", c.complainant_role.clone()),
                ("Conference", c.conference_date.to_string()),
                ("Conference type", c.conference_type.clone()),
                ("Stage", opt(&c.stage)),
                ("Status", c.status.clone()),
                ("Outcome", opt(&c.outcome)),
                ("Referred to", opt(&c.referred_to)),
                ("Opened", c.opened_at.to_rfc3339()),
                ("Last changed", c.updated_at.to_rfc3339()),
            ]
            .into_iter()
            .map(|(k, v)| vec![k.to_string(), v]),
        ));
        page.push_str(&table(
            "Timeline",
            &[
                "Entry", "Kind", "What", "Date", "New date", "Corrects", "Recorded", "By", "Note",
            ],
            self.complaint.timeline.iter().map(|e| {
                vec![
                    e.id.to_string(),
                    e.kind.clone(),
                    e.name.clone(),
                    e.effective_date.to_string(),
                    opt(&e.new_date),
                    opt(&e.corrects),
                    e.recorded_at.to_rfc3339(),
                    e.recorded_by.clone(),
                    e.note.clone(),
                ]
            }),
        ));
        page.push_str(&table(
            &format!("Deadlines as of {}", self.complaint.as_of),
            &[
                "Deadline",
                "What",
                "Whose",
                "Counted from",
                "Due",
                "Met",
                "Where it stands",
            ],
            self.complaint.deadlines.iter().map(|d| {
                let d = &d.derived;
                vec![
                    d.id.clone(),
                    d.what.clone(),
                    d.owner.clone(),
                    format!("{} ({})", d.from_event, d.from_date),
                    d.due.to_string(),
                    opt(&d.met_on),
                    d.verdict.clone().unwrap_or_else(|| d.state().to_string()),
                ]
            }),
        ));
        page.push_str(&table(
            "Reminders and alerts",
            &[
                "Deadline",
                "Kind",
                "To",
                "Planned for",
                "State",
                "Sent",
                "Attempts",
                "Last error",
            ],
            self.notifications.iter().map(|n| {
                vec![
                    n.deadline.clone(),
                    n.kind.clone(),
                    n.destination.clone(),
                    n.planned_at.to_rfc3339(),
                    n.state.clone(),
                    n.sent_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                    n.attempts.to_string(),
                    opt(&n.last_error),
                ]
            }),
        ));
        page.push_str(&table(
            "Audit",
            &["When", "Who", "Action", "Detail"],
            self.audit.iter().map(|a| {
                vec![
                    a.at.to_rfc3339(),
                    a.actor.clone(),
                    a.action.clone(),
                    a.detail.clone(),
                ]
            }),
        ));
        page.push_str(END);
        page
    }
}
