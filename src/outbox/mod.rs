//! The delivery worker: takes planned notifications whose time has come from the outbox, sends
//! each through its channel, and records what happened.
//!
//! - **Claims with leases.** A worker leases what it takes; if it dies mid-send the lease runs
//!   out and the notification is taken again, so nothing is lost and at most the messages in
//!   flight at the moment of the crash arrive twice (each carries a stable key for receivers to
//!   drop the copy). On PostgreSQL, `FOR UPDATE SKIP LOCKED` keeps two daemons off each other's
//!   claims.
//! - **Retries.** A transient failure is tried again with exponential backoff and jitter (or
//!   after the server's Retry-After), up to a limit; then, like a permanent failure, the
//!   notification is marked failed and the operator is told (admin destinations and the log).
//! - **Still relevant.** Just before sending, the complaint is read again: a deadline met,
//!   extended or closed meanwhile cancels the notification. After downtime, reminders whose due
//!   day has passed are not sent one by one: they collapse into one "missed while the service was
//!   down" summary per recipient.
//! - **On time, without polling.** [`Worker::run`] sleeps until the next planned instant or until
//!   new work is planned, and [`Worker::step`] is the unit that tests drive with their own clock.

mod digest;
mod stats;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::{watch, Notify};

use crate::channel::{Channels, DeliveryError, Message, Severity};
use crate::lifecycle::{status, Lifecycle};
use crate::store::{NotificationRow, StoreError};

pub use digest::{holiday_data_alert, send_digests, DigestSchedule};
pub use stats::{channel_of, ChannelCounts, DelayHistogram, DeliveryStats, Outcome, DELAY_BUCKETS};

/// How failed deliveries are retried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts in all before a notification is marked failed.
    pub max_attempts: i32,
    /// The first wait, in seconds; doubled each time.
    pub initial_seconds: u64,
    /// The longest wait, in seconds.
    pub max_seconds: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            initial_seconds: 30,
            max_seconds: 3600,
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempts + 1`: `initial * 2^(attempts - 1)`, capped, plus up to a
    /// quarter again of jitter (from `seed`) so that many failures do not retry in step.
    pub fn backoff(&self, attempts: i32, seed: u64) -> Duration {
        let exp = self
            .initial_seconds
            .saturating_mul(1u64 << attempts.clamp(1, 30).saturating_sub(1));
        let base = exp.min(self.max_seconds).max(1);
        let jitter = seed % (base / 4 + 1);
        Duration::from_secs(base + jitter)
    }
}

/// What one [`Worker::step`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepReport {
    /// Delivered.
    pub sent: usize,
    /// To be tried again.
    pub retried: usize,
    /// Given up on.
    pub failed: usize,
    /// No longer relevant.
    pub cancelled: usize,
    /// Summaries of reminders missed while the service was down.
    pub summaries: usize,
}

impl StepReport {
    fn add(&mut self, o: &StepReport) {
        self.sent += o.sent;
        self.retried += o.retried;
        self.failed += o.failed;
        self.cancelled += o.cancelled;
        self.summaries += o.summaries;
    }

    /// Whether the step did anything.
    pub fn handled(&self) -> usize {
        self.sent + self.retried + self.failed + self.cancelled
    }
}

/// The delivery worker.
#[derive(Clone)]
pub struct Worker {
    lifecycle: Lifecycle,
    channels: Arc<Channels>,
    retry: RetryPolicy,
    id: String,
    link_template: Option<String>,
    admin: Vec<String>,
    wake: Arc<Notify>,
    /// How many notifications one claim takes.
    pub batch: i64,
    /// How long a claim holds a notification.
    pub lease: chrono::Duration,
    /// How many deliveries run at once: also the most that can arrive twice after a crash.
    pub concurrency: usize,
    /// How long a stop waits for the deliveries in flight before giving up on them (their leases
    /// are released, so the next start sends them).
    pub grace: Duration,
    /// What this worker has delivered, for `/metrics`; shared with whoever reports it.
    pub stats: Arc<DeliveryStats>,
    /// Set while [`Worker::run`] runs: once it reads true, no more is claimed.
    stopping: Option<watch::Receiver<bool>>,
}

impl Worker {
    /// A worker named `id` (host and process, for the lease).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        lifecycle: Lifecycle,
        channels: Arc<Channels>,
        retry: RetryPolicy,
        id: String,
        link_template: Option<String>,
        admin: Vec<String>,
        wake: Arc<Notify>,
    ) -> Self {
        Worker {
            lifecycle,
            channels,
            retry,
            id,
            link_template,
            admin,
            wake,
            batch: 50,
            lease: chrono::Duration::seconds(120),
            concurrency: 8,
            grace: Duration::from_secs(20),
            stats: Arc::default(),
            stopping: None,
        }
    }

    /// Delivers everything due now, in batches, and reports what it did.
    pub async fn step(&self) -> Result<StepReport, StoreError> {
        let mut report = StepReport::default();
        let mut missed: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
        loop {
            // Stopping: what is in flight finishes; nothing more is taken.
            if self.stopping.as_ref().is_some_and(|s| *s.borrow()) {
                break;
            }
            let now = self.lifecycle.clock().now();
            let lease = now + self.lease;
            let claimed = self
                .lifecycle
                .store()
                // One group at a time, so the lease always covers the deliveries it guards.
                .claim_due(
                    now,
                    lease,
                    &self.id,
                    self.batch.min(self.concurrency.max(1) as i64),
                )
                .await?;
            if claimed.is_empty() {
                break;
            }
            // Until nothing is due: handling an escalation may plan its up-to-date successor.
            // Up to `concurrency` deliveries at a time: a slow server holds up only its own.
            for chunk in claimed.chunks(self.concurrency.max(1)) {
                let mut tasks = tokio::task::JoinSet::new();
                for row in chunk.iter().cloned() {
                    let worker = self.clone();
                    tasks.spawn(async move {
                        let mut r = StepReport::default();
                        let mut m = BTreeMap::new();
                        worker
                            .handle(row, now, &mut r, &mut m)
                            .await
                            .map(|()| (r, m))
                    });
                }
                while let Some(done) = tasks.join_next().await {
                    let (r, m) =
                        done.map_err(|e| StoreError::Url(format!("delivery task: {e}")))??;
                    report.add(&r);
                    for (dest, lines) in m {
                        missed.entry(dest).or_default().extend(lines);
                    }
                }
            }
        }
        for (destination, rows) in missed {
            let (ids, lines): (Vec<i64>, Vec<String>) = rows.into_iter().unzip();
            let now = self.lifecycle.clock().now();
            let message = Message {
                key: format!(
                    "missed-{}-{}",
                    now.format("%Y%m%d%H%M"),
                    short_hash(&destination)
                ),
                subject: format!(
                    "{} reminders were missed while the service was down",
                    lines.len()
                ),
                facts: lines
                    .into_iter()
                    .map(|l| ("Missed".to_string(), l))
                    .collect(),
                link: None,
                severity: Severity::Alert,
                thread: None,
            };
            match self.channels.deliver(&destination, &message, now).await {
                Ok(()) => {
                    for id in ids {
                        self.lifecycle
                            .store()
                            .mark_cancelled(id, "missed while the service was down: in the summary")
                            .await?;
                    }
                    report.summaries += 1;
                }
                Err(e) => {
                    tracing::error!(destination = %redact(&destination), error = %e, "the missed-reminders summary could not be sent; it will be tried again");
                    let next = now
                        + chrono::Duration::from_std(
                            self.retry.backoff(1, now.timestamp_subsec_nanos().into()),
                        )
                        .unwrap_or(chrono::Duration::seconds(60));
                    for id in ids {
                        self.lifecycle
                            .store()
                            .mark_retry(id, next, &format!("summary: {e}"))
                            .await?;
                    }
                }
            }
        }
        Ok(report)
    }

    async fn handle(
        &self,
        row: NotificationRow,
        now: DateTime<Utc>,
        report: &mut StepReport,
        missed: &mut BTreeMap<String, Vec<(i64, String)>>,
    ) -> Result<(), StoreError> {
        let store = self.lifecycle.store();
        let complaint = store.complaint_by_id(row.complaint_id).await?;
        if row.kind == "escalation" {
            // Brings escalations up to date first: after an outage, an older one is superseded
            // by the latest (and cancelled), so only one goes.
            if let Err(e) = self.lifecycle.refresh(&complaint.reference).await {
                tracing::warn!(reference = %complaint.reference, error = %e, "could not bring escalations up to date");
            }
            if store.notification(row.id).await?.state != "planned" {
                report.cancelled += 1;
                return Ok(());
            }
        }
        let view = match self.lifecycle.show(&complaint.reference).await {
            Ok(v) => v,
            Err(e) => {
                store
                    .mark_cancelled(row.id, &format!("complaint unreadable: {e}"))
                    .await?;
                report.cancelled += 1;
                return Ok(());
            }
        };
        let live = view.complaint.status == status::OPEN
            || view.complaint.status == status::PROPOSED_FOR_CLOSURE;
        let deadline = view.deadlines.iter().find(|d| d.derived.id == row.deadline);
        let due_now = deadline.map(|d| d.derived.due.to_string());
        let same_due = due_now
            .as_deref()
            .is_some_and(|d| row.occurrence.starts_with(d));
        // Met, marked not applicable, or no longer needed: nothing more to say about it.
        let settled = deadline.is_some_and(|d| d.derived.state() != "pending");
        if !live || !same_due || settled {
            store
                .mark_cancelled(
                    row.id,
                    "no longer applies: met, not applicable, moved or closed",
                )
                .await?;
            report.cancelled += 1;
            return Ok(());
        }
        let Some(deadline) = deadline else {
            return Ok(());
        };
        let d = &deadline.derived;
        // A reminder planned only after its own time (the complaint was opened or imported late)
        // is no reminder: skipped quietly. Alerts and the due-day reminder still go.
        let planned_late = row.created_at > row.planned_at + chrono::Duration::seconds(60);
        if row.kind.starts_with("reminder-") && planned_late {
            store
                .mark_cancelled(row.id, "planned after its time")
                .await?;
            report.cancelled += 1;
            return Ok(());
        }
        // A reminder for a due day already past (the service was down) is not sent on its own.
        let stale =
            (row.kind.starts_with("reminder") || row.kind == "due-today") && d.due < view.as_of;
        if stale {
            // Left planned (and leased) until the summary that carries it is sent: if that
            // fails, these come round again and nothing is lost.
            missed.entry(row.destination.clone()).or_default().push((
                row.id,
                format!(
                    "{} {} due {} ({})",
                    complaint.reference, d.id, d.due, row.kind
                ),
            ));
            report.cancelled += 1;
            return Ok(());
        }
        let procedures = self.lifecycle.procedures();
        let procedure = procedures.get(&complaint.procedure);
        // The one wording of a status (complaint::Status::verdict), as `show` and the API say it.
        let status_text = d.verdict.clone().unwrap_or_default();
        let headline = match row.kind.as_str() {
            "breach" => format!(
                "{}: {} was due {} and is not done",
                complaint.reference, d.id, d.due
            ),
            "escalation" => format!(
                "Escalation: {}: {} is {}",
                complaint.reference, d.id, status_text
            ),
            "window-closed" => format!(
                "{}: the window for {} closed on {}: decide the next step",
                complaint.reference, d.id, d.due
            ),
            _ => format!(
                "{}: {} due {} ({status_text})",
                complaint.reference, d.id, d.due
            ),
        };
        let message = Message {
            key: format!(
                "n{}-{}",
                row.id,
                short_hash(&format!(
                    "{}/{}/{}/{}",
                    complaint.reference, row.deadline, row.kind, row.occurrence
                ))
            ),
            subject: headline,
            facts: vec![
                ("Reference".into(), complaint.reference.clone()),
                (
                    "Procedure".into(),
                    procedure
                        .map(|p| p.name.clone())
                        .unwrap_or_else(|| complaint.procedure.clone()),
                ),
                ("Stage".into(), complaint.stage.clone().unwrap_or_default()),
                ("What is due".into(), d.what.clone()),
                ("Due".into(), d.due.format("%A %-d %B %Y").to_string()),
                ("Status".into(), status_text),
                ("Owner".into(), d.owner.clone()),
            ],
            link: self
                .link_template
                .as_ref()
                .map(|t| t.replace("{reference}", &complaint.reference)),
            severity: if matches!(row.kind.as_str(), "breach" | "escalation" | "window-closed") {
                Severity::Alert
            } else {
                Severity::Reminder
            },
            thread: Some(crate::reminder::complaint_thread(&complaint.reference)),
        };
        match self
            .channels
            .deliver(&row.destination, &message, self.lifecycle.clock().now())
            .await
        {
            Ok(()) => {
                let sent_at = self.lifecycle.clock().now();
                store.mark_sent(row.id, sent_at).await?;
                let sent = Outcome::sent(row.planned_at, row.created_at, sent_at);
                self.stats.record(&row.destination, sent);
                report.sent += 1;
                tracing::info!(reference = %complaint.reference, deadline = %row.deadline, kind = %row.kind, "notification sent");
            }
            Err(DeliveryError::Transient {
                message: err,
                retry_after,
            }) if row.attempts + 1 < self.retry.max_attempts => {
                let cap = Duration::from_secs(self.retry.max_seconds.max(1));
                let wait = retry_after
                    .unwrap_or_else(|| {
                        self.retry.backoff(
                            row.attempts + 1,
                            row.id as u64 ^ u64::from(now.timestamp_subsec_nanos()),
                        )
                    })
                    .min(cap);
                let later = chrono::Duration::from_std(wait)
                    .ok()
                    .and_then(|w| now.checked_add_signed(w))
                    .unwrap_or(now);
                // Retries, too, go out only within the send window.
                let next = self
                    .lifecycle
                    .next_send_instant(later, &complaint.procedure);
                store.mark_retry(row.id, next, &err).await?;
                self.stats.record(&row.destination, Outcome::Retried);
                report.retried += 1;
                tracing::warn!(reference = %complaint.reference, error = %err, retry_at = %next, "delivery failed; will retry");
            }
            Err(e) => {
                store.mark_failed(row.id, &e.to_string()).await?;
                self.stats.record(&row.destination, Outcome::Failed);
                report.failed += 1;
                tracing::error!(reference = %complaint.reference, deadline = %row.deadline, error = %e, "delivery failed for good");
                self.tell_operator(&complaint.reference, &row, &e.to_string(), now)
                    .await;
            }
        }
        Ok(())
    }

    async fn tell_operator(
        &self,
        reference: &str,
        row: &NotificationRow,
        error: &str,
        now: DateTime<Utc>,
    ) {
        let message = Message {
            key: format!("failed-{}", row.id),
            subject: format!("timescales could not deliver a notification for {reference}"),
            facts: vec![
                ("Reference".into(), reference.to_string()),
                (
                    "Notification".into(),
                    format!("{} {} ({})", row.deadline, row.kind, row.occurrence),
                ),
                ("To".into(), redact(&row.destination)),
                ("Error".into(), error.to_string()),
            ],
            link: None,
            severity: Severity::Alert,
            thread: None,
        };
        for dest in &self.admin {
            if let Err(e) = self.channels.deliver(dest, &message, now).await {
                tracing::error!(destination = %redact(dest), error = %e, "the operator alert could not be sent either");
            }
        }
    }

    /// Runs until `stop`: a step, then sleep until the next planned instant (at most an hour) or
    /// until new work is planned.
    ///
    /// On `stop` nothing more is claimed, and the deliveries in flight get [`Worker::grace`] to
    /// finish. Any still going then are abandoned and their leases released, so that the next
    /// start takes them at once: nothing is lost, and at most those few arrive twice.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        self.stopping = Some(stop.clone());
        loop {
            // Boxed, so that giving up on it (below) drops it, and with it the delivery tasks,
            // before their leases are released.
            let mut step = Box::pin(self.step());
            let stepped = tokio::select! {
                r = &mut step => r,
                () = stopped(&mut stop) => {
                    match tokio::time::timeout(self.grace, step).await {
                        Ok(Ok(_)) => tracing::info!("deliveries in flight finished"),
                        Ok(Err(e)) => {
                            tracing::error!(error = %e, "the last delivery step failed");
                            self.release("after a failed step").await;
                        }
                        Err(_) => {
                            tracing::warn!(
                                grace_seconds = self.grace.as_secs(),
                                "deliveries still in flight after the grace period were abandoned; the next start sends them"
                            );
                            // Aborted tasks stop at their next await: let them.
                            tokio::task::yield_now().await;
                            self.release("abandoned at stop").await;
                        }
                    }
                    return;
                }
            };
            match stepped {
                Ok(r) if r.handled() > 0 => tracing::debug!(
                    sent = r.sent,
                    retried = r.retried,
                    failed = r.failed,
                    cancelled = r.cancelled,
                    "delivery step"
                ),
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "delivery step failed; retrying shortly");
                    // What the failed step held is taken again at once, not when leases end.
                    self.release("after a failed step").await;
                }
            }
            let now = self.lifecycle.clock().now();
            let wait = match self.lifecycle.store().next_notification_at().await {
                Ok(Some(t)) if t > now => (t - now)
                    .to_std()
                    .unwrap_or(Duration::from_secs(1))
                    .min(Duration::from_secs(3600)),
                // Due but leased to another worker: look again shortly.
                Ok(Some(_)) => Duration::from_secs(1),
                Ok(None) => Duration::from_secs(3600),
                Err(_) => Duration::from_secs(5),
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }
}

/// An email address or chat name, shortened for logs (no full addresses in the journal).
pub fn redact(destination: &str) -> String {
    match destination.split_once(':') {
        Some(("email", addr)) => match addr.split_once('@') {
            Some((_, domain)) => format!("email:***@{domain}"),
            None => "email:***".into(),
        },
        _ => destination.to_string(),
    }
}

fn short_hash(s: &str) -> String {
    let mut h = crate::folder::Fnv::default();
    h.write(s.as_bytes());
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

impl Worker {
    /// Releases this worker's leases (bounded: a store that does not answer leaves them to run
    /// out instead), logging how many or why not.
    async fn release(&self, why: &str) {
        let store = self.lifecycle.store();
        match tokio::time::timeout(Duration::from_secs(5), store.release_claims(&self.id)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(released = n, why, "leases released"),
            Ok(Err(e)) => {
                tracing::error!(error = %e, why, "could not release leases; they run out by themselves")
            }
            Err(_) => tracing::error!(
                why,
                "the store did not answer; leases run out by themselves"
            ),
        }
    }
}

/// Resolves once `stop` reads true (holding no borrow of it across the wait's end).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
