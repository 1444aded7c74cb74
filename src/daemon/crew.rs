//! The tasks that work while the service runs with one set of settings: the delivery worker,
//! and, while this instance leads, the daily digest and the hourly upkeep; and the watchdog's
//! keep-alives.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::Setup;

/// The tasks that deliver with one [`Setup`]: the delivery worker on every instance; the digest
/// and the upkeep while this instance leads. A reload stops one crew and starts another.
#[derive(Clone)]
pub(super) struct Crew {
    pub(super) lifecycle: crate::lifecycle::Lifecycle,
    pub(super) wake: Arc<tokio::sync::Notify>,
    pub(super) stats: Arc<crate::outbox::DeliveryStats>,
    pub(super) worker_id: String,
    /// Whether this instance leads (see `leadership.rs`).
    pub(super) leading: watch::Receiver<bool>,
}

/// A crew at work, and how to stop it.
pub(super) struct Running {
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Crew {
    pub(super) fn start(&self, setup: &Setup) -> Running {
        let (stop, stop_rx) = watch::channel(false);
        let notify = &setup.notify;
        let mut worker = crate::outbox::Worker::new(
            self.lifecycle.clone(),
            setup.channels.clone(),
            notify.retry.clone(),
            self.worker_id.clone(),
            notify.link_template.clone(),
            notify.admin.clone(),
            self.wake.clone(),
        );
        worker.lease = chrono::Duration::seconds(i64::try_from(notify.lease()).unwrap_or(120));
        worker.grace = Duration::from_secs(notify.shutdown_grace_seconds);
        worker.settle =
            chrono::Duration::seconds(i64::try_from(notify.settle_seconds.min(3600)).unwrap_or(5));
        worker.stats = self.stats.clone();
        let duties = Duties {
            lifecycle: self.lifecycle.clone(),
            channels: setup.channels.clone(),
            admin: notify.admin.clone(),
            digest: setup.digest.clone(),
            addressing: setup.addressing.clone(),
            within: notify.digest.within_working_days,
            retention: setup.retention,
        };
        let mut tasks = vec![tokio::spawn(worker.run(stop_rx.clone()))];
        // On every instance, not only the leader: each holds its own calendars in memory
        // (and its own holidays folder), and must not derive with stale ones.
        if let Some((feed, at)) = &setup.holiday_feed {
            tasks.push(tokio::spawn(holiday_refresh(
                self.lifecycle.clone(),
                feed.clone(),
                at.clone(),
                setup.channels.clone(),
                notify.admin.clone(),
                stop_rx.clone(),
            )));
        }
        tasks.push(tokio::spawn(while_leading(
            self.leading.clone(),
            stop_rx,
            duties,
        )));
        Running { stop, tasks }
    }
}

impl Running {
    /// Tells every task to stop and waits for them: the worker's in-flight deliveries finish
    /// (or are released after its grace period); a digest or upkeep run still going after a
    /// few seconds more is cut short.
    pub(super) async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// The leader's work: the digest (when one is scheduled) and the upkeep, with what they need.
struct Duties {
    lifecycle: crate::lifecycle::Lifecycle,
    channels: Arc<crate::channel::Channels>,
    admin: Vec<String>,
    digest: Option<crate::outbox::DigestSchedule>,
    addressing: crate::reminder::Addressing,
    within: u32,
    retention: Option<crate::lifecycle::retention::Period>,
}

impl Duties {
    /// Starts the upkeep and the digest, to run until `stop`.
    fn start(&self, stop: &watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = vec![tokio::spawn(upkeep(
            self.lifecycle.clone(),
            self.channels.clone(),
            self.admin.clone(),
            self.retention,
            stop.clone(),
        ))];
        if let Some(schedule) = &self.digest {
            tasks.push(tokio::spawn(digest_loop(
                schedule.clone(),
                self.lifecycle.clone(),
                self.channels.clone(),
                self.addressing.clone(),
                self.within,
                stop.clone(),
            )));
        }
        tasks
    }
}

/// Runs `duties` whenever this instance leads: started when it takes the lead (which is what a
/// start does: today's digest caught up if its time has passed, the upkeep at once), stopped
/// when it loses it, until `stop`.
async fn while_leading(
    mut leading: watch::Receiver<bool>,
    mut stop: watch::Receiver<bool>,
    duties: Duties,
) {
    loop {
        tokio::select! {
            led = leading.wait_for(|l| *l) => if led.is_err() { return },
            _ = stop.wait_for(|s| *s) => return,
        }
        let (term, term_rx) = watch::channel(false);
        let tasks = duties.start(&term_rx);
        // A closed channel (the leadership gone) ends the term as a stop does.
        let stopping = tokio::select! {
            lost = leading.wait_for(|l| !*l) => lost.is_err(),
            _ = stop.wait_for(|s| *s) => true,
        };
        let _ = term.send(true);
        finish(tasks).await;
        if stopping {
            return;
        }
    }
}

/// Waits for the digest and the upkeep to stop: a run still going after 5 s is cut short (a
/// digest skips, next time, whoever already had today's).
async fn finish(tasks: Vec<tokio::task::JoinHandle<()>>) {
    for task in tasks {
        let abort = task.abort_handle();
        if tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .is_err()
        {
            abort.abort();
            tracing::warn!("a digest or upkeep run did not stop within 5 s and was cut short");
        }
    }
}

/// Sends the digest at each scheduled instant, sleeping in between (the clock decides when).
async fn digest_loop(
    schedule: crate::outbox::DigestSchedule,
    lifecycle: crate::lifecycle::Lifecycle,
    channels: Arc<crate::channel::Channels>,
    addressing: crate::reminder::Addressing,
    within: u32,
    mut stop: watch::Receiver<bool>,
) {
    // One round: every recipient not yet sent today's, until told to stop (between two).
    let watching = stop.clone();
    let round = || {
        let stop = watching.clone();
        crate::outbox::send_digests_until(
            &lifecycle,
            &channels,
            &addressing,
            within,
            None,
            move || *stop.borrow(),
        )
    };
    // Down at digest time today? Send it now; recipients already sent today are skipped.
    if schedule.due_earlier_today(lifecycle.clock().now()) {
        if let Err(e) = round().await {
            tracing::error!(error = %e, "catching up today's digests failed");
        }
        release_heap();
    }
    loop {
        let now = lifecycle.clock().now();
        let Some(next) = schedule.next_after(now) else {
            return;
        };
        let wait = (next - now).to_std().unwrap_or(Duration::from_secs(1));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        match round().await {
            Ok(n) => tracing::info!(sent = n, "daily digests sent"),
            Err(e) => tracing::error!(error = %e, "daily digests failed"),
        }
        release_heap();
    }
}

/// Keep-alives for systemd's watchdog, sent only while the store answers: a daemon whose runtime
/// or database has hung stops sending them and systemd restarts it.
pub(super) async fn watchdog(
    lifecycle: crate::lifecycle::Lifecycle,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let healthy = tokio::time::timeout(every, lifecycle.store().next_notification_at()).await;
        if matches!(healthy, Ok(Ok(_))) {
            crate::systemd::notify("WATCHDOG=1");
        } else {
            tracing::error!("the store did not answer: withholding the watchdog keep-alive");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Every hour: closed windows proposed for closure, and the operator told (once a day) when the
/// official holiday data runs out within six months. Stops when told.
async fn upkeep(
    lifecycle: crate::lifecycle::Lifecycle,
    channels: Arc<crate::channel::Channels>,
    admin: Vec<String>,
    retention: Option<crate::lifecycle::retention::Period>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if let Err(e) = crate::outbox::holiday_data_alert(&lifecycle, &channels, &admin).await {
            tracing::error!(error = %e, "checking the holiday data failed");
        }
        match lifecycle.propose_closures().await {
            Ok(refs) if !refs.is_empty() => tracing::info!(
                count = refs.len(),
                "windows closed: complaints proposed for closure"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "proposing closures failed"),
        }
        // Closed complaints past retention.after_close lose their free text (UK GDPR).
        if let Some(period) = retention {
            match lifecycle.run_retention(period, false).await {
                Ok(run) if !run.anonymised.is_empty() => tracing::info!(
                    count = run.anonymised.len(),
                    rule = %run.rule,
                    "closed complaints anonymised"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "anonymising closed complaints failed"),
            }
        }
        // Fresh statistics for SQLite's planner as the tables grow (cheap when they have not).
        if let Err(e) = lifecycle.store().optimize().await {
            tracing::warn!(error = %e, "PRAGMA optimize failed");
        }
        // That touched every complaint with an overdue window: give the memory back before
        // idling for the hour.
        lifecycle.store().shrink_memory().await;
        release_heap();
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Once at start (and after each reload), then daily at `at` (04:00): the bank-holiday data
/// fetched from `calendar.holidays_url`, and installed, put in force and the open complaints
/// re-derived when it is newer and believable (`lifecycle::holidays`). The operator
/// (`notify.admin`) is told what changed, or why a file was refused or could not be fetched
/// (each kind of failure at most once a week: a network down for a day is in the log, not in
/// the inbox every day). Stops when told.
async fn holiday_refresh(
    lifecycle: crate::lifecycle::Lifecycle,
    feed: crate::lifecycle::holidays::HolidayFeed,
    at: crate::outbox::DigestSchedule,
    channels: Arc<crate::channel::Channels>,
    admin: Vec<String>,
    mut stop: watch::Receiver<bool>,
) {
    use crate::channel::{Message, Severity};
    use crate::lifecycle::holidays::Refreshed;
    loop {
        let outcome = tokio::select! {
            outcome = lifecycle.refresh_holidays(&feed) => outcome,
            _ = stop.wait_for(|s| *s) => return,
        };
        let now = lifecycle.clock().now();
        let url = feed.shown();
        let told = match &outcome {
            Ok(Refreshed::Unchanged) => {
                tracing::info!(%url, "bank-holiday data checked: nothing new");
                None
            }
            Ok(Refreshed::Installed {
                path,
                assessment,
                moved,
            }) => {
                let lines = assessment.lines();
                tracing::warn!(
                    %url,
                    path = %path.display(),
                    changes = %lines.join("; "),
                    complaints_moved = moved,
                    "new bank-holiday data installed and in force"
                );
                let mut facts: Vec<(String, String)> = lines
                    .into_iter()
                    .map(|l| ("Changed".to_string(), l))
                    .collect();
                if facts.is_empty() {
                    facts.push(("Changed".into(), "no bank holiday from today on".into()));
                }
                facts.push(("Complaints whose deadlines moved".into(), moved.to_string()));
                facts.push(("Installed".into(), path.display().to_string()));
                facts.push((
                    "Where to look".into(),
                    "each moved deadline is in its complaint's audit trail; timescales holidays list shows the calendar".into(),
                ));
                Some((
                    format!("holiday-refresh:{}", assessment_key(&facts)),
                    "timescales: new bank-holiday data installed".to_string(),
                    facts,
                    Severity::Reminder,
                ))
            }
            Err(e) => {
                tracing::error!(%url, error = %e, "refreshing the bank-holiday data failed; the data in force is kept");
                let week = now.format("%G-W%V");
                Some((
                    format!("holiday-refresh-failed:{}:{week}", e.key()),
                    "timescales: the bank-holiday refresh failed".to_string(),
                    vec![
                        ("From".into(), url.clone()),
                        ("What went wrong".into(), e.to_string()),
                        (
                            "What to do".into(),
                            "nothing is lost: the data in force is kept. Check the address and the file; timescales holidays refresh --dry-run shows what it would do".into(),
                        ),
                    ],
                    Severity::Alert,
                ))
            }
        };
        if let Some((key, subject, facts, severity)) = told {
            let message = Message {
                key: key.replace(':', "-"),
                subject,
                facts,
                link: None,
                severity,
                thread: None,
                table: None,
                about: None,
            };
            if let Err(e) =
                crate::outbox::tell_operator(&lifecycle, &channels, &admin, &key, &message).await
            {
                tracing::error!(error = %e, "telling the operator about the holiday refresh failed");
            }
        }
        release_heap();
        let now = lifecycle.clock().now();
        let wait = at
            .next_after(now)
            .and_then(|next| (next - now).to_std().ok())
            .unwrap_or(Duration::from_secs(24 * 3600));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// A fingerprint of what an installed refresh changed, so the same change is told once.
fn assessment_key(facts: &[(String, String)]) -> String {
    let mut h = crate::folder::Fnv::default();
    for (k, v) in facts {
        h.write(k.as_bytes());
        h.write(v.as_bytes());
    }
    format!("{:016x}", h.finish())
}

/// Returns freed heap memory to the operating system (glibc keeps it otherwise), so the idle
/// daemon's resident size reflects what it holds, not what start-up once needed.
pub(super) fn release_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::os::raw::c_int;
        }
        // SAFETY: malloc_trim only releases free memory at the top and in the middle of glibc's
        // heaps; it takes no pointers and is safe to call at any time from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// This worker's name in leases: host, process and start instant, so that two containers with
/// the same host name and process id (both PID 1) still tell their leases apart.
pub(super) fn worker_id() -> String {
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}:{}:{started:x}", hostname(), std::process::id())
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}
