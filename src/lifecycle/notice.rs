//! What the delivery worker asks before it sends a notification: whether it still applies, and
//! what it says. The worker knows the outbox and the channels; the complaint's state, the rules
//! of relevance and the wording stay here and in [`crate::reminder::message`].

use chrono::{DateTime, Utc};

use super::{status, Lifecycle, LifecycleError};
use crate::channel::Message;
use crate::reminder::message::{self, Summary};
use crate::store::NotificationRow;

/// What to do with one due notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Send this, about the complaint with this reference under this procedure (for the
    /// worker's log and its retry timing, without reading the complaint again).
    Send {
        /// The message.
        message: Message,
        /// The complaint's reference.
        reference: String,
        /// Its procedure's id.
        procedure: String,
    },
    /// It no longer applies (met, marked not applicable, moved, closed, superseded); why.
    Drop(&'static str),
    /// The complaint changed moments ago: ask again at this instant, when the change has
    /// settled (history entered one event at a time raises no alarm between the calls).
    Later(DateTime<Utc>),
    /// Goes as one line of a summary to its destination.
    InSummary(Summary, String),
}

impl Lifecycle {
    /// Whether the due notification `row` still applies as of now, and what it says. A
    /// complaint changed less than `settle` ago is asked about again when it has settled.
    pub async fn notice(
        &self,
        row: &NotificationRow,
        settle: chrono::Duration,
        link_template: Option<&str>,
    ) -> Result<Notice, LifecycleError> {
        let store = self.store();
        let complaint = store.complaint_by_id(row.complaint_id).await?;
        let now = self.clock().now();
        if complaint.updated_at + settle > now {
            return Ok(Notice::Later(complaint.updated_at + settle));
        }
        if row.kind == "escalation" {
            // Escalations brought up to date first: after an outage an older one is superseded
            // by the latest (and cancelled), so only one goes.
            if let Err(e) = self.refresh(&complaint.reference).await {
                tracing::warn!(reference = %complaint.reference, error = %e, "could not bring escalations up to date");
            }
            if store.notification(row.id).await?.state != "planned" {
                return Ok(Notice::Drop("superseded by a later escalation"));
            }
        }
        let view = self.show(&complaint.reference).await?;
        let live = view.complaint.status == status::OPEN
            || view.complaint.status == status::PROPOSED_FOR_CLOSURE;
        let Some(d) = view
            .deadlines
            .iter()
            .map(|d| &d.derived)
            .find(|d| d.id == row.deadline)
        else {
            return Ok(Notice::Drop("no longer applies: the deadline went"));
        };
        // Met, marked not applicable, no longer needed, or moved: nothing more to say about it.
        if !live || !row.occurrence.starts_with(&d.due.to_string()) || d.state() != "pending" {
            return Ok(Notice::Drop(
                "no longer applies: met, not applicable, moved or closed",
            ));
        }
        let today = view.as_of;
        // Planned only after its own time. A reminder then is no reminder. An alert for a
        // deadline entered when it was already due or past (a complaint entered after the fact,
        // a back-dated event: it started past due) goes in one "entered after the due date"
        // notice per recipient, not as a fresh breach. Any other alert planned late (a recipient
        // newly configured, a service started after the due date) is a real breach nobody has
        // heard of yet, and goes as one.
        let planned_late = row.created_at > row.planned_at + chrono::Duration::seconds(60);
        if planned_late && (row.kind.starts_with("reminder") || row.kind == "due-today") {
            return Ok(Notice::Drop("planned after its time"));
        }
        if planned_late && d.started_past_due {
            return Ok(Notice::InSummary(
                Summary::EnteredLate,
                message::line(&view.complaint, d, today),
            ));
        }
        // A reminder for a due day already past was missed while the service was not running:
        // it goes in one summary, not on its own.
        if (row.kind.starts_with("reminder") || row.kind == "due-today") && d.due < today {
            return Ok(Notice::InSummary(
                Summary::Missed,
                format!(
                    "{} ({})",
                    message::line(&view.complaint, d, today),
                    row.kind
                ),
            ));
        }
        let procedures = self.procedures();
        let key = format!(
            "n{}-{}",
            row.id,
            crate::folder::short_hash(&format!(
                "{}/{}/{}/{}",
                complaint.reference, row.deadline, row.kind, row.occurrence
            ))
        );
        let message = message::compose(
            &row.kind,
            key,
            &view.complaint,
            procedures.get(&complaint.procedure).map(|p| p.as_ref()),
            d,
            today,
            link_template.map(|t| t.replace("{reference}", &complaint.reference)),
        );
        Ok(Notice::Send {
            message,
            reference: complaint.reference,
            procedure: complaint.procedure,
        })
    }
}
