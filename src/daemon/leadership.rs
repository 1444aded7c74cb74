//! Which of the instances serving one database leads: runs the work that must happen once for
//! them all, not once each. That is the daily digest and the hourly upkeep (the holiday-data
//! alert to the operator, closures proposed, SQLite's statistics). Delivery needs no leader: each
//! notification is leased on its own row (`crate::outbox`), so every instance delivers.
//!
//! - **PostgreSQL**: the instances contend for the [`LEADER`] lease (`crate::store::Lease`),
//!   each trying every third of `notify.lease_seconds` (as the service started): the holder
//!   renews it, the others find it held. A leader that dies (SIGKILL, a lost host) stops
//!   renewing, and another takes over once the lease has run out and it next tries: within
//!   `notify.lease_seconds` and a third of it (160 s by default). A leader stopped cleanly gives
//!   the lease back once its digest and upkeep have stopped, so another takes over at its next
//!   try (within a third of the lease). A leader that cannot reach the database steps down when
//!   less than a third of its lease is left, so its digest and upkeep have stopped before
//!   another instance may take over.
//! - **SQLite**: one instance runs at all (the state folder's lock sees to that), and it leads
//!   from the start without a lease: a restart after a crash does not wait for the dead
//!   process's lease to run out.
//!
//! Taking over is what a start does: the digest is caught up if today's time has passed (the
//! store records each recipient sent today's, and they are skipped), and the upkeep runs at once
//! (the holiday alert is recorded per day the same way; a closure is proposed in its complaint's
//! own locked transaction, which finds one already proposed). Between a leader's death and the
//! takeover nothing of this runs; a digest the dead leader had sent but not yet recorded goes
//! again, as a notification in flight at a crash does.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::clock::Clock;
use crate::store::{Store, LEADER};

/// This instance's part in leading: whether it leads now, for the tasks that run only then.
pub(super) struct Leadership {
    leading: watch::Receiver<bool>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Leadership {
    /// The only instance there can be (SQLite): it leads until it resigns.
    pub(super) fn sole() -> Self {
        let (lead, leading) = watch::channel(true);
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let _ = stopped.wait_for(|s| *s).await;
            lead.send_replace(false);
        });
        Leadership {
            leading,
            stop,
            task,
        }
    }

    /// One of several instances on a shared database: contends for the [`LEADER`] lease as
    /// `holder`, holding it for `lease` at a time.
    pub(super) fn contend(
        store: Store,
        clock: Arc<dyn Clock>,
        holder: String,
        lease: chrono::Duration,
    ) -> Self {
        let (lead, leading) = watch::channel(false);
        let (stop, stopped) = watch::channel(false);
        let contender = Contender {
            store,
            clock,
            holder,
            lease,
        };
        let task = tokio::spawn(contender.run(lead, stopped));
        Leadership {
            leading,
            stop,
            task,
        }
    }

    /// Whether this instance leads, as it changes.
    pub(super) fn leading(&self) -> watch::Receiver<bool> {
        self.leading.clone()
    }

    /// Stops leading and gives the lease back, for another instance to take at its next try.
    /// Called once the digest and upkeep have stopped, so that two never run at once.
    pub(super) async fn resign(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// What contends for the lease.
struct Contender {
    store: Store,
    clock: Arc<dyn Clock>,
    holder: String,
    lease: chrono::Duration,
}

impl Contender {
    /// Takes or renews the lease every third of its length, telling `lead` whether this
    /// instance leads, until `stop`; then gives the lease back if it holds it.
    async fn run(self, lead: watch::Sender<bool>, mut stop: watch::Receiver<bool>) {
        let every = self.lease / 3;
        let pause = every.to_std().unwrap_or(Duration::from_secs(1));
        let mut held_until: Option<DateTime<Utc>> = None;
        loop {
            held_until = self.try_once(held_until, every, pause).await;
            lead.send_if_modified(|leads| {
                let now_leads = held_until.is_some();
                std::mem::replace(leads, now_leads) != now_leads
            });
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
        }
        lead.send_replace(false);
        if held_until.is_some() {
            match self.store.release_lease(LEADER, &self.holder).await {
                Ok(_) => tracing::info!("gave the lead back for another instance to take"),
                Err(e) => tracing::warn!(
                    error = %e,
                    "could not give the lead back: another instance takes it when it runs out"
                ),
            }
        }
    }

    /// One try at the lease: until when this instance now holds it (`None`: another does, or
    /// too little of ours is left to go on).
    async fn try_once(
        &self,
        held_until: Option<DateTime<Utc>>,
        every: chrono::Duration,
        pause: Duration,
    ) -> Option<DateTime<Utc>> {
        let now = self.clock.now();
        let until = now + self.lease;
        // Bounded: a database that does not answer must not hold up stepping down.
        let taken = tokio::time::timeout(
            pause,
            self.store.take_lease(LEADER, &self.holder, now, until),
        )
        .await;
        match taken {
            Ok(Ok(true)) => {
                if held_until.is_none() {
                    tracing::info!(
                        holder = %self.holder,
                        "leading: this instance runs the digest and the upkeep"
                    );
                }
                Some(until)
            }
            Ok(Ok(false)) => {
                if held_until.is_some() {
                    tracing::warn!(
                        "another instance took the lead: the digest and the upkeep stop here"
                    );
                }
                None
            }
            failed => {
                let error = match failed {
                    Ok(Err(e)) => e.to_string(),
                    _ => "the database did not answer in time".to_string(),
                };
                // Ours until it runs out; step down while a third is left, so our digest and
                // upkeep have stopped before another instance may take over.
                match held_until {
                    Some(u) if now + every < u => {
                        tracing::warn!(%error, "could not renew the lead: trying again");
                        Some(u)
                    }
                    Some(_) => {
                        tracing::error!(%error, "could not renew the lead: stepping down");
                        None
                    }
                    None => {
                        tracing::warn!(%error, "could not try for the lead");
                        None
                    }
                }
            }
        }
    }
}
