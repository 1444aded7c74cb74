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

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::{watch, Notify};

use crate::channel::{Channels, DeliveryError, Message, Severity};
use crate::lifecycle::{Lifecycle, Notice};
use crate::reminder::message::{self, Summary};
use crate::store::{Claim, NotificationRow, StoreError};

pub use digest::{
    holiday_data_alert, send_digests, send_digests_until, tell_operator, DigestSchedule,
    DIGEST_LINES,
};
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

/// Failures on one channel waiting to be told to the operator.
#[derive(Clone, Debug, Default)]
struct OperatorFailures {
    count: usize,
    /// The first few complaint references (never a destination's address).
    references: Vec<String>,
    last_error: String,
}

/// One channel's operator alerts: when the last went, and what has failed since.
#[derive(Clone, Debug, Default)]
struct OperatorAlerts {
    last_sent: Option<DateTime<Utc>>,
    pending: OperatorFailures,
}

impl OperatorAlerts {
    fn record(&mut self, reference: &str, error: &str) {
        self.pending.count += 1;
        if self.pending.references.len() < 10
            && !self.pending.references.iter().any(|r| r == reference)
        {
            self.pending.references.push(reference.to_string());
        }
        self.pending.last_error = error.to_string();
    }

    /// Whether an alert may go now: none went in the last hour.
    fn due(&self, now: DateTime<Utc>) -> bool {
        self.last_sent
            .is_none_or(|t| now - t >= chrono::Duration::hours(1))
    }

    fn take(&mut self, now: DateTime<Utc>) -> OperatorFailures {
        self.last_sent = Some(now);
        std::mem::take(&mut self.pending)
    }
}

/// The longest a summary waits for more lines after its first: a caseload of 10,000 entered at
/// once is gathered within a minute, and a steady trickle still sends one every few minutes.
const SUMMARY_WAIT: Duration = Duration::from_secs(300);

/// How often an idle worker looks for work planned by another process.
const POLL: Duration = Duration::from_secs(3);

/// What one delivery task hands back: its counts and the reminders it left for a summary.
type DeliveryResult = Result<(StepReport, Gathered), StoreError>;

/// Notifications gathered for one message per recipient: (what kind of summary, destination) ->
/// (notification id, line).
type Gathered = BTreeMap<(Summary, String), Vec<(i64, String)>>;

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
    /// The most notifications one claim takes, into the queues of their channels.
    pub batch: i64,
    /// How long a claim holds a notification.
    pub lease: chrono::Duration,
    /// How many deliveries run at once on each channel (the email server, each webhook); at
    /// most that many per channel can arrive twice after a crash.
    pub concurrency: usize,
    /// How long a stop waits for the deliveries in flight before giving up on them (their leases
    /// are released, so the next start sends them).
    pub grace: Duration,
    /// What this worker has delivered, for `/metrics`; shared with whoever reports it.
    pub stats: Arc<DeliveryStats>,
    /// How long a complaint must go unchanged before its alerts go: history entered one call at
    /// a time raises no alarm between the calls. 0 in [`Worker::new`]; the service sets it from
    /// `notify.settle_seconds`.
    pub settle: chrono::Duration,
    /// Operator alerts by channel, grouped per hour.
    operator: Arc<std::sync::Mutex<BTreeMap<String, OperatorAlerts>>>,
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
            settle: chrono::Duration::zero(),
            operator: Arc::default(),
            stopping: None,
        }
    }

    /// Delivers everything due now and reports what it did.
    ///
    /// Deliveries run continuously, up to [`Worker::concurrency`] at once **per channel** (the
    /// email server, each chat webhook): each finished delivery makes room for the next, and
    /// nothing waits on a batch. Claims take up to [`Worker::batch`] due notifications at once
    /// into a queue per channel, and a channel with a full queue is left out of the next claim:
    /// so a webhook that hangs holds up only its own messages, never the email behind them, and
    /// a backlog of one channel costs one claim per batch, not a claim per delivery.
    pub async fn step(&self) -> Result<StepReport, StoreError> {
        let mut report = StepReport::default();
        let mut missed: Gathered = BTreeMap::new();
        let per_channel = self.concurrency.max(1);
        let mut busy: BTreeMap<String, usize> = BTreeMap::new();
        // Claimed, not yet started: each channel's rows in due order, with when they were
        // claimed. One that waited a quarter of its lease has its lease renewed as it starts,
        // so every delivery starts with most of a lease ahead of it, as when it was claimed.
        let mut queued: BTreeMap<String, VecDeque<(NotificationRow, std::time::Instant)>> =
            BTreeMap::new();
        let renew_after = (self.lease / 4).to_std().unwrap_or(Duration::from_secs(30));
        // The ids queued or in flight: a row whose lease ran out while it waited and that a
        // claim took again is not queued twice.
        let mut held: std::collections::HashSet<i64> = std::collections::HashSet::new();
        let mut tasks: tokio::task::JoinSet<(String, i64, DeliveryResult)> =
            tokio::task::JoinSet::new();
        // A channel's queue holds at most a claim's worth; a fuller one is left out of claims.
        let cap = (self.batch.max(1) as usize).max(per_channel);
        let batch = self.batch.max(1);
        // Email and chat are claimed apart, each from its own index ([`Claim`]).
        let mut groups = [Group::new(true), Group::new(false)];
        // Whether every kind was claimed since the last claim that found something.
        let mut swept = false;
        // When the summaries now gathered began, and when their leases were last renewed.
        let mut gathering: Option<(std::time::Instant, std::time::Instant)> = None;
        let renew_every = (self.lease / 3).to_std().unwrap_or(Duration::from_secs(30));
        loop {
            // Stopping: what is in flight finishes; nothing more is taken, and what was claimed
            // but not started goes back to the queue at once.
            let stopping = self.stopping.as_ref().is_some_and(|s| *s.borrow());
            if stopping {
                for (row, _) in std::mem::take(&mut queued).into_values().flatten() {
                    held.remove(&row.id);
                    self.lifecycle
                        .store()
                        .release_claim(row.id, &self.id)
                        .await?;
                }
            }
            let mut claimed_any = false;
            for g in groups.iter_mut().filter(|g| !stopping && !g.done) {
                g.left_out = queued
                    .iter()
                    .filter(|(c, q)| is_email(c) == g.email && q.len() >= cap)
                    .map(|(c, _)| c.clone())
                    .collect();
                let claim = if g.email {
                    if !g.left_out.is_empty() {
                        // The email queue is full: claim when it has room.
                        g.done = true;
                        continue;
                    }
                    Claim::Email
                } else {
                    Claim::Chat {
                        except: &g.left_out,
                    }
                };
                let now = self.lifecycle.clock().now();
                let claimed = self
                    .lifecycle
                    .store()
                    .claim_due(now, now + self.lease, &self.id, batch, claim)
                    .await?;
                claimed_any |= !claimed.is_empty();
                // Less than a full claim: nothing more of this kind is due. Claim it again when
                // a channel left out has room, when work is planned (a wake), or after a quiet
                // second.
                g.more_due = claimed.len() as i64 >= batch;
                g.done = !g.more_due;
                let at = std::time::Instant::now();
                for row in claimed {
                    if held.insert(row.id) {
                        queued
                            .entry(channel_of(&row.destination))
                            .or_default()
                            .push_back((row, at));
                    }
                }
            }
            // Start what each channel has room for.
            for (channel, q) in &mut queued {
                let slots = busy.entry(channel.clone()).or_default();
                while *slots < per_channel {
                    let Some((row, at)) = q.pop_front() else {
                        break;
                    };
                    let now = self.lifecycle.clock().now();
                    if at.elapsed() >= renew_after
                        && !self
                            .lifecycle
                            .store()
                            .renew_claim(row.id, &self.id, now, now + self.lease)
                            .await?
                    {
                        // Its lease ran out while it waited (another instance may have it, or
                        // it went back to the queue): not this worker's to send.
                        held.remove(&row.id);
                        continue;
                    }
                    *slots += 1;
                    let worker = self.clone();
                    let channel = channel.clone();
                    let id = row.id;
                    tasks.spawn(async move {
                        let mut r = StepReport::default();
                        let mut m = BTreeMap::new();
                        let out = worker.handle(row, now, &mut r, &mut m).await;
                        (channel, id, out.map(|()| (r, m)))
                    });
                }
            }
            queued.retain(|_, q| !q.is_empty());
            if claimed_any {
                swept = false;
            }
            if tasks.is_empty() {
                if claimed_any {
                    continue;
                }
                // Before ending, one claim of every kind finds nothing: what handling planned
                // meanwhile (an escalation's successor) goes in this step, not the next.
                if !swept && !stopping {
                    swept = true;
                    groups.iter_mut().for_each(|g| g.done = false);
                    continue;
                }
                break;
            }
            if !stopping
                && groups.iter().any(|g| !g.done)
                && busy
                    .iter()
                    .any(|(c, n)| *n < per_channel && !queued.contains_key(c))
            {
                // A channel has room and nothing queued, and more is due: claim before waiting.
                continue;
            }
            // Rows gathered for a summary stay leased until it goes. While more of its lines keep
            // coming (a caseload entered at once), their leases are renewed every third of a
            // lease, so each recipient gets one summary for the whole caseload. It goes after a
            // quiet second, at the end of the step, or SUMMARY_WAIT after its first line.
            if let Some((since, renewed)) = gathering {
                if since.elapsed() >= SUMMARY_WAIT {
                    self.send_summaries(std::mem::take(&mut missed), &mut report)
                        .await?;
                    gathering = None;
                } else if renewed.elapsed() >= renew_every {
                    let ids: Vec<i64> = missed.values().flatten().map(|(id, _)| *id).collect();
                    let now = self.lifecycle.clock().now();
                    self.lifecycle
                        .store()
                        .renew_claims(&ids, &self.id, now + self.lease)
                        .await?;
                    gathering = Some((since, std::time::Instant::now()));
                }
            }
            // Wait for a delivery to end, or for new work (planned now, or coming due).
            let mut quiet = false;
            let finished = tokio::select! {
                f = tasks.join_next() => f,
                () = self.wake.notified() => { groups.iter_mut().for_each(|g| g.done = false); None }
                () = tokio::time::sleep(Duration::from_secs(1)) => {
                    groups.iter_mut().for_each(|g| g.done = false);
                    quiet = true;
                    None
                }
            };
            // A second with nothing finishing (a hanging webhook): the summaries gathered so far
            // go now rather than after it, one per recipient.
            if quiet && !missed.is_empty() {
                self.send_summaries(std::mem::take(&mut missed), &mut report)
                    .await?;
                gathering = None;
            }
            if let Some(done) = finished {
                let (channel, id, result) =
                    done.map_err(|e| StoreError::Url(format!("delivery task: {e}")))?;
                held.remove(&id);
                if let Some(n) = busy.get_mut(&channel) {
                    *n = n.saturating_sub(1);
                }
                let (r, m) = result?;
                report.add(&r);
                if !m.is_empty() && gathering.is_none() {
                    let now = std::time::Instant::now();
                    gathering = Some((now, now));
                }
                for (dest, lines) in m {
                    missed.entry(dest).or_default().extend(lines);
                }
                // The channel's queue ran low while more is due, or it was left out of the last
                // claim and has room again: claim.
                let queue = queued.get(&channel).map_or(0, VecDeque::len);
                let g = &mut groups[usize::from(!is_email(&channel))];
                if (g.more_due && queue < per_channel)
                    || (g.left_out.contains(&channel) && queue < cap)
                {
                    g.done = false;
                }
            }
        }
        self.send_summaries(std::mem::take(&mut missed), &mut report)
            .await?;
        Ok(report)
    }

    /// One message per recipient and kind of summary: the reminders missed while the service
    /// was not running, the alerts for deadlines entered after their due date. Their rows stay
    /// planned (and leased) until it goes, so a failed summary loses nothing.
    async fn send_summaries(
        &self,
        gathered: Gathered,
        report: &mut StepReport,
    ) -> Result<(), StoreError> {
        for ((kind, destination), mut rows) in gathered {
            rows.sort_unstable_by_key(|(id, _)| *id);
            rows.dedup_by_key(|(id, _)| *id);
            let (ids, lines): (Vec<i64>, Vec<String>) = rows.into_iter().unzip();
            let now = self.lifecycle.clock().now();
            // A whole lease for this one delivery, however long its lines were gathered.
            self.lifecycle
                .store()
                .renew_claims(&ids, &self.id, now + self.lease)
                .await?;
            let key = format!(
                "{}-{}-{}",
                match kind {
                    Summary::Missed => "missed",
                    Summary::EnteredLate => "entered",
                },
                now.format("%Y%m%d%H%M"),
                crate::folder::short_hash(&format!("{destination}/{ids:?}"))
            );
            let message = message::summary(kind, key, lines);
            match self.channels.deliver(&destination, &message, now).await {
                Ok(()) => {
                    let why = match kind {
                        Summary::Missed => "missed while the service was down: in the summary",
                        Summary::EnteredLate => "entered after the due date: in the summary",
                    };
                    self.lifecycle
                        .store()
                        .mark_cancelled_many(&ids, why)
                        .await?;
                    report.summaries += 1;
                }
                Err(e) => {
                    tracing::error!(destination = %redact(&destination), error = %e, "a summary could not be sent; it will be tried again");
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
        Ok(())
    }

    async fn handle(
        &self,
        row: NotificationRow,
        now: DateTime<Utc>,
        report: &mut StepReport,
        gathered: &mut Gathered,
    ) -> Result<(), StoreError> {
        let store = self.lifecycle.store();
        let notice = self
            .lifecycle
            .notice(&row, self.settle, self.link_template.as_deref())
            .await;
        let (message, reference, procedure) = match notice {
            Ok(Notice::Send {
                message,
                reference,
                procedure,
            }) => (*message, reference, procedure),
            Ok(Notice::Drop(why)) => {
                store.mark_cancelled(row.id, row.planned_at, why).await?;
                report.cancelled += 1;
                return Ok(());
            }
            Ok(Notice::Later(at)) => {
                store.defer(row.id, at).await?;
                return Ok(());
            }
            Ok(Notice::InSummary(kind, line)) => {
                // Left planned (and leased) until the summary that carries it is sent: if that
                // fails, these come round again and nothing is lost.
                gathered
                    .entry((kind, row.destination.clone()))
                    .or_default()
                    .push((row.id, line));
                report.cancelled += 1;
                return Ok(());
            }
            Err(crate::lifecycle::LifecycleError::Store(e)) => return Err(e),
            Err(e) => {
                store
                    .mark_cancelled(
                        row.id,
                        row.planned_at,
                        &format!("complaint unreadable: {e}"),
                    )
                    .await?;
                report.cancelled += 1;
                return Ok(());
            }
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
                tracing::info!(reference = %reference, deadline = %row.deadline, kind = %row.kind, "notification sent");
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
                let next = self.lifecycle.next_send_instant(later, &procedure);
                store.mark_retry(row.id, next, &err).await?;
                self.stats.record(&row.destination, Outcome::Retried);
                report.retried += 1;
                tracing::warn!(reference = %reference, error = %err, retry_at = %next, "delivery failed; will retry");
            }
            Err(e) => {
                store.mark_failed(row.id, &e.to_string()).await?;
                self.stats.record(&row.destination, Outcome::Failed);
                report.failed += 1;
                tracing::error!(reference = %reference, deadline = %row.deadline, error = %e, "delivery failed for good");
                self.tell_operator(&reference, &row, &e.to_string(), now)
                    .await;
            }
        }
        Ok(())
    }

    /// Tells the operator that a notification failed for good: at once for the first failure
    /// on a channel in an hour, then grouped: the failures after it go in one message per
    /// channel an hour later ([`Worker::flush_operator_alerts`]), with the count.
    async fn tell_operator(
        &self,
        reference: &str,
        row: &NotificationRow,
        error: &str,
        now: DateTime<Utc>,
    ) {
        let channel = channel_of(&row.destination);
        let due = {
            let mut alerts = self.operator.lock().unwrap_or_else(|e| e.into_inner());
            let a = alerts.entry(channel.clone()).or_default();
            a.record(reference, error);
            a.due(now).then(|| a.take(now))
        };
        if let Some(failures) = due {
            self.send_operator_alert(&channel, failures, now).await;
        }
    }

    /// Sends the grouped operator alerts whose hour has passed.
    pub async fn flush_operator_alerts(&self) {
        let now = self.lifecycle.clock().now();
        let due: Vec<(String, OperatorFailures)> = {
            let mut alerts = self.operator.lock().unwrap_or_else(|e| e.into_inner());
            alerts
                .iter_mut()
                .filter(|(_, a)| a.pending.count > 0 && a.due(now))
                .map(|(c, a)| (c.clone(), a.take(now)))
                .collect()
        };
        for (channel, failures) in due {
            self.send_operator_alert(&channel, failures, now).await;
        }
    }

    async fn send_operator_alert(&self, channel: &str, f: OperatorFailures, now: DateTime<Utc>) {
        let n = f.count;
        let message = Message {
            key: format!("failed-{}-{}", channel.replace(':', "-"), now.format("%Y%m%d%H%M")),
            subject: format!(
                "timescales could not deliver {n} notification{} by {channel}",
                if n == 1 { "" } else { "s" }
            ),
            facts: vec![
                ("Channel".into(), channel.to_string()),
                ("Failed for good".into(), n.to_string()),
                ("Complaints".into(), f.references.join(", ")),
                ("Last error".into(), f.last_error),
                (
                    "What to do".into(),
                    "run `timescales doctor`; failed notifications are listed in the outbox (state failed)".into(),
                ),
            ],
            link: None,
            severity: Severity::Alert,
            thread: None,
            table: None,
            about: None,
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
            // Sleep until something is due. Another process (a `timescales complaint` command,
            // a second instance) may plan something sooner without waking us: the earliest
            // planned instant is looked at again every POLL, an index seek that reads nothing
            // else, so such a change goes out within seconds.
            loop {
                self.flush_operator_alerts().await;
                let now = self.lifecycle.clock().now();
                let wait = match self.lifecycle.store().next_notification_at().await {
                    Ok(Some(t)) if t > now => (t - now)
                        .to_std()
                        .unwrap_or(Duration::from_secs(1))
                        .min(Duration::from_secs(3600)),
                    // Due (perhaps leased to another worker): step again shortly.
                    Ok(Some(_)) => break,
                    Ok(None) => Duration::from_secs(3600),
                    Err(_) => Duration::from_secs(5),
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait.min(POLL)) => {
                        if wait <= POLL {
                            break;
                        }
                    }
                    _ = self.wake.notified() => break,
                    _ = stop.wait_for(|s| *s) => return,
                }
            }
            // Leased elsewhere or just due: not a busy loop.
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }
}

/// What [`Worker::step`] knows of one kind of channel (email, or chat) between its claims.
struct Group {
    /// Email, or chat.
    email: bool,
    /// Nothing more to claim for now (the last claim was not full, or the queue is full).
    done: bool,
    /// The last claim came back full: more may be due.
    more_due: bool,
    /// The channels the last claim left out, their queues being full.
    left_out: Vec<String>,
}

impl Group {
    fn new(email: bool) -> Self {
        Group {
            email,
            done: false,
            more_due: false,
            left_out: Vec::new(),
        }
    }
}

/// Whether a channel (as [`channel_of`] names it) is the email server.
fn is_email(channel: &str) -> bool {
    channel == "email"
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
