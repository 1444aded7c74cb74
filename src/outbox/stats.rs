//! What the delivery worker has done since the process started, for `/metrics`: deliveries,
//! retries and failures by channel, and how late each delivery was against its planned instant.
//!
//! Kept in memory, as Prometheus counters are: they start from zero with the process and
//! Prometheus' `rate()` and `increase()` handle the reset. What outlives a restart (how many
//! notifications were ever planned, how many wait now) is counted from the outbox itself.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// The upper bounds, in seconds, of the delivery-delay histogram's buckets: from "on time"
/// through "the SMTP server was down for a day".
pub const DELAY_BUCKETS: [f64; 10] = [
    1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 14_400.0, 86_400.0, 604_800.0,
];

/// Counts for one channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChannelCounts {
    /// Delivered.
    pub sent: u64,
    /// Failed for now, to be tried again.
    pub retried: u64,
    /// Given up on.
    pub failed: u64,
}

/// The delivery-delay histogram: cumulative counts per bucket of [`DELAY_BUCKETS`], with the
/// total and the sum, as Prometheus exposes them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DelayHistogram {
    /// Deliveries no later than each bound (cumulative).
    pub buckets: [u64; DELAY_BUCKETS.len()],
    /// Every delivery.
    pub count: u64,
    /// The delays added up, in seconds.
    pub sum_seconds: f64,
}

#[derive(Default)]
struct Inner {
    channels: BTreeMap<String, ChannelCounts>,
    delay: DelayHistogram,
}

/// Shared by the worker (which records) and the API (which reports). A mutex, not atomics: it
/// is taken once per delivery, which is rare next to the delivery itself.
#[derive(Default)]
pub struct DeliveryStats {
    inner: Mutex<Inner>,
}

/// What one delivery attempt came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered, this late after its planned instant.
    Sent(Duration),
    /// To be tried again.
    Retried,
    /// Given up on.
    Failed,
}

impl DeliveryStats {
    /// Records one attempt to deliver to `destination` (`email:...` or `chat:NAME`).
    pub fn record(&self, destination: &str, outcome: Outcome) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let counts = inner.channels.entry(channel_of(destination)).or_default();
        match outcome {
            Outcome::Sent(delay) => {
                counts.sent += 1;
                let seconds = delay.as_secs_f64();
                let h = &mut inner.delay;
                for (bound, n) in DELAY_BUCKETS.iter().zip(h.buckets.iter_mut()) {
                    if seconds <= *bound {
                        *n += 1;
                    }
                }
                h.count += 1;
                h.sum_seconds += seconds;
            }
            Outcome::Retried => counts.retried += 1,
            Outcome::Failed => counts.failed += 1,
        }
    }

    /// The counts by channel, in channel order.
    pub fn channels(&self) -> Vec<(String, ChannelCounts)> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .channels
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// The delivery-delay histogram.
    pub fn delay(&self) -> DelayHistogram {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .delay
            .clone()
    }
}

/// The channel a destination goes through, as a metrics label: `email` (never the address) or
/// `chat:NAME`.
pub fn channel_of(destination: &str) -> String {
    match destination.split_once(':') {
        Some(("chat", name)) => format!("chat:{name}"),
        Some((kind, _)) => kind.to_string(),
        None => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_counts_in_every_bucket_at_or_above_its_delay() {
        let s = DeliveryStats::default();
        s.record("email:a@example.org", Outcome::Sent(Duration::from_secs(3)));
        s.record("chat:team", Outcome::Sent(Duration::from_millis(200)));
        s.record("chat:team", Outcome::Retried);
        s.record("email:b@example.org", Outcome::Failed);
        let h = s.delay();
        assert_eq!(h.count, 2);
        assert_eq!(h.buckets[0], 1, "0.2 s is within 1 s; 3 s is not");
        assert_eq!(h.buckets[1], 2, "both are within 5 s");
        assert_eq!(h.buckets[9], 2);
        assert!((h.sum_seconds - 3.2).abs() < 1e-9);
        assert_eq!(
            s.channels(),
            vec![
                (
                    "chat:team".to_string(),
                    ChannelCounts {
                        sent: 1,
                        retried: 1,
                        failed: 0
                    }
                ),
                (
                    "email".to_string(),
                    ChannelCounts {
                        sent: 1,
                        retried: 0,
                        failed: 1
                    }
                ),
            ]
        );
    }
}
