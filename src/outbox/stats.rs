//! What the delivery worker has done since the process started, for `/metrics`: deliveries,
//! retries and failures by channel, and how late each delivery was (see [`Outcome::sent`]).
//!
//! Kept in memory, as Prometheus counters are: they start from zero with the process and
//! Prometheus' `rate()` and `increase()` handle the reset. What outlives a restart (how many
//! notifications were ever planned, how many wait now) is counted from the outbox itself.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

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
    /// Delivered, this long after it could first have gone (see [`Outcome::sent`]).
    Sent(Duration),
    /// To be tried again.
    Retried,
    /// Given up on.
    Failed,
}

impl Outcome {
    /// Delivered at `sent_at` a notification planned for `planned_at`, first written to the
    /// outbox at `created_at`: its delay counts from the later of the two. A notification cannot
    /// go before it is planned, so the time between a backdated planned instant and the data
    /// entry that planned it (an event recorded a week late, a complaint imported from a
    /// spreadsheet) is no delay of delivery: counted from the planned instant alone, each such
    /// entry put a week-long "delay" into the histogram, and an alert on its high quantiles
    /// fired on data entry. What remains is the service's own lateness: waiting for the send
    /// window, retries, an outage.
    ///
    /// `created_at` is when the row was first planned. Re-planning the same notification (every
    /// write to a complaint does) keeps it, as it should: the notification was due all along.
    pub fn sent(
        planned_at: DateTime<Utc>,
        created_at: DateTime<Utc>,
        sent_at: DateTime<Utc>,
    ) -> Outcome {
        let due = planned_at.max(created_at);
        Outcome::Sent((sent_at - due).to_std().unwrap_or_default())
    }
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
    use chrono::TimeZone;

    fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, d, h, m, 0).unwrap()
    }

    #[test]
    fn delay_counts_from_the_later_of_the_planned_instant_and_its_planning() {
        // Planned ahead, sent 30 s after its instant: 30 s.
        assert_eq!(
            Outcome::sent(
                at(5, 9, 0),
                at(1, 10, 0),
                at(5, 9, 0) + chrono::Duration::seconds(30)
            ),
            Outcome::Sent(Duration::from_secs(30))
        );
        // A breach backdated a week by late data entry on the 12th, sent 20 s after the entry:
        // 20 s, not a week.
        assert_eq!(
            Outcome::sent(
                at(5, 8, 0),
                at(12, 14, 0),
                at(12, 14, 0) + chrono::Duration::seconds(20)
            ),
            Outcome::Sent(Duration::from_secs(20))
        );
        // Planned, then held up by an outage: the outage counts.
        assert_eq!(
            Outcome::sent(at(5, 8, 0), at(1, 10, 0), at(5, 9, 0)),
            Outcome::Sent(Duration::from_secs(3600))
        );
        // A clock that went back never makes a negative delay.
        assert_eq!(
            Outcome::sent(at(5, 8, 0), at(1, 10, 0), at(5, 7, 0)),
            Outcome::Sent(Duration::ZERO)
        );
    }

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
