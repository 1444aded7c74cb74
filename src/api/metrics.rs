//! `GET /metrics`: what the service holds and what its delivery worker has done, in the
//! Prometheus text format (0.0.4), written by the official client's encoder (`prometheus-client`)
//! rather than by hand: it escapes label values, names counters and histogram series, and writes
//! bucket bounds as the Go client does.
//!
//! Counts of the store (complaints, deadlines, the outbox) are read at each scrape, so they
//! survive restarts and never drift from the data; the delivery counters and the delay histogram
//! are this process's ([`DeliveryStats`]), from zero at start as Prometheus expects. Each scrape
//! builds its registry from one snapshot of both and encodes it in the order below, series in
//! label order (a `Family` would print them in hash order).
//!
//! The 0.0.4 text format, not OpenMetrics: it keeps every name and label the dashboards use
//! (OpenMetrics would write `le="300.0"` for `le="300"` and end with `# EOF`), and Prometheus
//! reads both.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use super::ApiState;
use crate::outbox::{channel_of, ChannelCounts, DelayHistogram, DeliveryStats, DELAY_BUCKETS};
use crate::store::Counts;

/// What one scrape reports: the store's counts, the worker's counters, and the days of official
/// holiday data left per division.
#[derive(Debug)]
struct Snapshot {
    counts: Counts,
    delivered: Vec<(String, ChannelCounts)>,
    delay: DelayHistogram,
    holiday_days_left: Vec<(String, i64)>,
}

/// Labels, in the order written.
type Labels = Vec<(&'static str, String)>;

/// Writes one gauge or counter family: HELP, TYPE, then one line per series in the order given
/// (HELP and TYPE alone when there are none, as before).
fn family(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    kind: MetricType,
    series: impl IntoIterator<Item = (Labels, i64)>,
) -> std::fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, kind)?;
    for (labels, value) in series {
        let one = metric.encode_family(&labels)?;
        match kind {
            // Counts never below zero: a negative one would be a store fault, shown as zero.
            MetricType::Counter => {
                ConstCounter::new(u64::try_from(value).unwrap_or(0)).encode(one)?
            }
            _ => ConstGauge::new(value).encode(one)?,
        }
    }
    Ok(())
}

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        use MetricType::{Counter, Gauge};
        let c = &self.counts;
        let e = &mut encoder;
        Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]).encode(e.encode_descriptor(
            "build",
            "The running build: its version is the label; the value is always 1.",
            None,
            MetricType::Info,
        )?)?;
        family(
            e,
            "open_complaints",
            "Open complaints (including those proposed for closure).",
            Gauge,
            c.open.iter().map(|(procedure, stage, n)| {
                (
                    vec![("procedure", procedure.clone()), ("stage", stage.clone())],
                    *n,
                )
            }),
        )?;
        family(
            e,
            "deadlines",
            "Derived deadlines by state.",
            Gauge,
            c.deadlines
                .iter()
                .map(|(state, n)| (vec![("state", state.clone())], *n)),
        )?;
        family(
            e,
            "deadlines_met",
            "Deadlines met, by procedure, the deadline's stage, kind, and whether on time or late (after the due date).",
            Gauge,
            c.met.iter().map(|(procedure, stage, kind, timeliness, n)| {
                (
                    vec![
                        ("procedure", procedure.clone()),
                        ("stage", stage.clone()),
                        ("kind", kind.clone()),
                        ("timeliness", timeliness.clone()),
                    ],
                    *n,
                )
            }),
        )?;
        family(
            e,
            "overdue_obligations",
            "Obligations past their due date and not met.",
            Gauge,
            [(Labels::new(), c.overdue)],
        )?;
        // The outbox by state and channel; every row of it was planned once and rows are never
        // deleted, so the total by channel is a true counter.
        let mut by_state: std::collections::BTreeMap<(String, String), i64> = Default::default();
        let mut planned: std::collections::BTreeMap<String, i64> = Default::default();
        for (state, destination, n) in &c.notifications {
            let channel = channel_of(destination);
            *planned.entry(channel.clone()).or_default() += n;
            *by_state.entry((state.clone(), channel)).or_default() += n;
        }
        family(
            e,
            "notifications",
            "Notifications in the outbox by state and channel.",
            Gauge,
            by_state
                .into_iter()
                .map(|((state, channel), n)| (vec![("state", state), ("channel", channel)], n)),
        )?;
        family(
            e,
            "notifications_planned",
            "Notifications ever planned, by channel.",
            Counter,
            planned
                .into_iter()
                .map(|(channel, n)| (vec![("channel", channel)], n)),
        )?;
        for (name, help, pick) in [
            (
                "notifications_sent",
                "Notifications delivered by this process, by channel.",
                (|c: &ChannelCounts| c.sent) as fn(&ChannelCounts) -> u64,
            ),
            (
                "notifications_retried",
                "Delivery attempts by this process that failed and will be tried again, by channel.",
                |c| c.retried,
            ),
            (
                "notifications_failed",
                "Notifications this process gave up on, by channel.",
                |c| c.failed,
            ),
        ] {
            family(
                e,
                name,
                help,
                Counter,
                self.delivered.iter().map(|(channel, counts)| {
                    (
                        vec![("channel", channel.clone())],
                        i64::try_from(pick(counts)).unwrap_or(i64::MAX),
                    )
                }),
            )?;
        }
        // The encoder takes each bucket's own count and adds them up itself.
        let mut below = 0;
        let buckets: Vec<(f64, u64)> = DELAY_BUCKETS
            .iter()
            .zip(self.delay.buckets)
            .map(|(bound, cumulative)| {
                let own = cumulative.saturating_sub(below);
                below = cumulative;
                (*bound, own)
            })
            .collect();
        e.encode_descriptor(
            "delivery_delay_seconds",
            "How long after it could first go each notification was delivered: from the later of its planned instant and when it was planned.",
            None,
            MetricType::Histogram,
        )?
        .encode_histogram::<NoLabelSet>(self.delay.sum_seconds, self.delay.count, &buckets, None)?;
        family(
            e,
            "official_holiday_days_left",
            "Days until the official GOV.UK data runs out.",
            Gauge,
            self.holiday_days_left
                .iter()
                .map(|(division, days)| (vec![("division", division.clone())], *days)),
        )
    }
}

/// The exposition of one snapshot.
fn render(snapshot: Snapshot) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::with_prefix("timescales");
    registry.register_collector(Box::new(snapshot));
    let mut out = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut out, &registry)?;
    Ok(out)
}

/// Days from `today` to the end of the last year of official data, per division.
fn holiday_days_left(
    calendars: &crate::calendar::Calendars,
    today: NaiveDate,
) -> Vec<(String, i64)> {
    crate::calendar::Division::ALL
        .iter()
        .map(|d| {
            let last = calendars.get(*d).official_years().last();
            let days = last
                .and_then(|y| NaiveDate::from_ymd_opt(y, 12, 31))
                .map_or(0, |end| (end - today).num_days().max(0));
            (d.to_string(), days)
        })
        .collect()
}

/// The handler. Needs no token: it carries counts only, no references.
#[utoipa::path(get, path = "/metrics", tag = "service", operation_id = "metrics", summary = "Prometheus text: open complaints, deadlines, overdue obligations, notifications, days of official holiday data left; needs no token, carries counts only",
    responses(
        (status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain"),
        (status = 503, description = "the store does not answer", body = String, content_type = "text/plain"),
    ))]
pub(super) async fn metrics(State(s): State<ApiState>) -> Response {
    let l = &s.lifecycle;
    let today = l.today_default();
    let counts = match l.store().counts(today).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "metrics: the store did not answer");
            return (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n").into_response();
        }
    };
    let stats: &DeliveryStats = &s.stats;
    let snapshot = Snapshot {
        counts,
        delivered: stats.channels(),
        delay: stats.delay(),
        holiday_days_left: holiday_days_left(&l.calendars(), today),
    };
    match render(snapshot) {
        Ok(text) => (
            [(
                axum::http::header::CONTENT_TYPE,
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            )],
            text,
        )
            .into_response(),
        Err(_) => {
            tracing::error!("metrics: the exposition could not be written");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_keeps_every_name_and_label_and_adds_build_info_and_deadlines_met() {
        let counts = Counts {
            open: vec![("durham".into(), "stage-1".into(), 2)],
            deadlines: vec![("met".into(), 3), ("pending".into(), 4)],
            overdue: 1,
            met: vec![
                (
                    "durham".into(),
                    "stage-1".into(),
                    "obligation".into(),
                    "late".into(),
                    1,
                ),
                (
                    "durham".into(),
                    "stage-1".into(),
                    "obligation".into(),
                    "on-time".into(),
                    2,
                ),
            ],
            notifications: vec![
                ("planned".into(), "chat:team".into(), 1),
                ("sent".into(), "email:a@council.example".into(), 2),
                ("sent".into(), "email:b@council.example".into(), 3),
            ],
        };
        let stats = DeliveryStats::default();
        stats.record(
            "email:a@council.example",
            crate::outbox::Outcome::Sent(std::time::Duration::from_secs(3)),
        );
        stats.record(
            "email:a@council.example",
            crate::outbox::Outcome::Sent(std::time::Duration::from_secs(400)),
        );
        stats.record("chat:team", crate::outbox::Outcome::Retried);
        let text = render(Snapshot {
            counts,
            delivered: stats.channels(),
            delay: stats.delay(),
            holiday_days_left: vec![("scotland".into(), 611)],
        })
        .unwrap();
        let expected = format!(
            r#"# HELP timescales_build_info The running build: its version is the label; the value is always 1.
# TYPE timescales_build_info gauge
timescales_build_info{{version="{}"}} 1
# HELP timescales_open_complaints Open complaints (including those proposed for closure).
# TYPE timescales_open_complaints gauge
timescales_open_complaints{{procedure="durham",stage="stage-1"}} 2
# HELP timescales_deadlines Derived deadlines by state.
# TYPE timescales_deadlines gauge
timescales_deadlines{{state="met"}} 3
timescales_deadlines{{state="pending"}} 4
# HELP timescales_deadlines_met Deadlines met, by procedure, the deadline's stage, kind, and whether on time or late (after the due date).
# TYPE timescales_deadlines_met gauge
timescales_deadlines_met{{procedure="durham",stage="stage-1",kind="obligation",timeliness="late"}} 1
timescales_deadlines_met{{procedure="durham",stage="stage-1",kind="obligation",timeliness="on-time"}} 2
# HELP timescales_overdue_obligations Obligations past their due date and not met.
# TYPE timescales_overdue_obligations gauge
timescales_overdue_obligations 1
# HELP timescales_notifications Notifications in the outbox by state and channel.
# TYPE timescales_notifications gauge
timescales_notifications{{state="planned",channel="chat:team"}} 1
timescales_notifications{{state="sent",channel="email"}} 5
# HELP timescales_notifications_planned_total Notifications ever planned, by channel.
# TYPE timescales_notifications_planned_total counter
timescales_notifications_planned_total{{channel="chat:team"}} 1
timescales_notifications_planned_total{{channel="email"}} 5
# HELP timescales_notifications_sent_total Notifications delivered by this process, by channel.
# TYPE timescales_notifications_sent_total counter
timescales_notifications_sent_total{{channel="chat:team"}} 0
timescales_notifications_sent_total{{channel="email"}} 2
# HELP timescales_notifications_retried_total Delivery attempts by this process that failed and will be tried again, by channel.
# TYPE timescales_notifications_retried_total counter
timescales_notifications_retried_total{{channel="chat:team"}} 1
timescales_notifications_retried_total{{channel="email"}} 0
# HELP timescales_notifications_failed_total Notifications this process gave up on, by channel.
# TYPE timescales_notifications_failed_total counter
timescales_notifications_failed_total{{channel="chat:team"}} 0
timescales_notifications_failed_total{{channel="email"}} 0
# HELP timescales_delivery_delay_seconds How long after it could first go each notification was delivered: from the later of its planned instant and when it was planned.
# TYPE timescales_delivery_delay_seconds histogram
timescales_delivery_delay_seconds_bucket{{le="1"}} 0
timescales_delivery_delay_seconds_bucket{{le="5"}} 1
timescales_delivery_delay_seconds_bucket{{le="15"}} 1
timescales_delivery_delay_seconds_bucket{{le="60"}} 1
timescales_delivery_delay_seconds_bucket{{le="300"}} 1
timescales_delivery_delay_seconds_bucket{{le="900"}} 2
timescales_delivery_delay_seconds_bucket{{le="3600"}} 2
timescales_delivery_delay_seconds_bucket{{le="14400"}} 2
timescales_delivery_delay_seconds_bucket{{le="86400"}} 2
timescales_delivery_delay_seconds_bucket{{le="604800"}} 2
timescales_delivery_delay_seconds_bucket{{le="+Inf"}} 2
timescales_delivery_delay_seconds_sum 403.0
timescales_delivery_delay_seconds_count 2
# HELP timescales_official_holiday_days_left Days until the official GOV.UK data runs out.
# TYPE timescales_official_holiday_days_left gauge
timescales_official_holiday_days_left{{division="scotland"}} 611
"#,
            env!("CARGO_PKG_VERSION")
        );
        assert_eq!(text, expected);
    }
}
