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
        /// The message (boxed: it is most of the enum's size).
        message: Box<Message>,
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
    /// Whether the escalation `row` needs no bringing up to date: its successor is planned
    /// and not yet due. Not when there is no successor to work out (a single escalation, an
    /// unreadable key): then the complaint is re-derived, as every escalation once was.
    async fn up_to_date(
        &self,
        row: &NotificationRow,
        procedure: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, LifecycleError> {
        let (Some(addressing), Ok(p)) = (self.addressing(), self.procedure(procedure)) else {
            return Ok(false);
        };
        let calendars = self.calendars();
        let Some((next, occurrence)) = addressing.next_escalation(
            procedure,
            &row.deadline,
            &row.occurrence,
            calendars.get(p.region),
            p.time_zone,
        ) else {
            return Ok(false);
        };
        Ok(next > now
            && self
                .store()
                .is_planned(row.complaint_id, &row.deadline, &row.kind, &occurrence)
                .await?)
    }

    /// Whether the due notification `row` still applies as of now, and what it says. A
    /// complaint changed less than `settle` ago is asked about again when it has settled.
    pub async fn notice(
        &self,
        row: &NotificationRow,
        settle: chrono::Duration,
        link_template: Option<&str>,
    ) -> Result<Notice, LifecycleError> {
        // Planned only after its own time (a complaint entered after the fact, a back-dated
        // event): a reminder then is no reminder, whatever the complaint now says. Decided
        // before anything is read, so a caseload entered late drains at the store's write speed.
        let planned_late = row.created_at > row.planned_at + chrono::Duration::seconds(60);
        if planned_late && (row.kind.starts_with("reminder") || row.kind == "due-today") {
            return Ok(Notice::Drop("planned after its time"));
        }
        let store = self.store();
        let complaint = store.complaint_by_id(row.complaint_id).await?;
        let now = self.clock().now();
        if complaint.updated_at + settle > now {
            return Ok(Notice::Later(complaint.updated_at + settle));
        }
        // Escalations brought up to date first: the next one planned, and after an outage an
        // older one superseded by the latest (and cancelled), so only one goes. One whose
        // successor is planned and not yet due is up to date already and is sent as it is: a
        // caseload entered at once is then not thousands of re-derivations queueing on the
        // same rows.
        if row.kind == "escalation" && !self.up_to_date(row, &complaint.procedure, now).await? {
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
        // An alert planned after its time for a deadline entered when it was already due or
        // past (a complaint entered after the fact, a back-dated event: it started past due)
        // goes in one "entered after the due date" notice per recipient, not as a fresh breach.
        // Any other alert planned late (a recipient newly configured, a service started after
        // the due date) is a real breach nobody has heard of yet, and goes as one.
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
            link_template.map(|t| crate::complaint::reference::in_link(t, &complaint.reference)),
        );
        Ok(Notice::Send {
            message: Box::new(message),
            reference: complaint.reference,
            procedure: complaint.procedure,
        })
    }
}
