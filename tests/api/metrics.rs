//! `/metrics` scraped from the running API, on both backends: the exposition's exact lines.

use serde_json::json;

use crate::backends::on_both;
use crate::helpers::App;

fn open(reference: &str) -> serde_json::Value {
    json!({"reference": reference, "procedure": "durham", "complainant_role": "parent",
           "conference_date": "2026-12-11", "recorded_by": "Team Manager"})
}

fn ev(name: &str, date: &str) -> serde_json::Value {
    json!({"name": name, "date": date, "recorded_by": "Conference Chair"})
}

#[tokio::test]
async fn metrics_count_deadlines_met_on_time_and_late_by_procedure_and_stage() {
    on_both("api metrics", |store| async move {
        let app = App::spawn(store, "2027-01-12").await;
        // Three Durham complaints, concerns received Wed 23 Dec 2026: acknowledge is due Wed 30
        // Dec. CP-1 acknowledged on the 29th (on time), CP-2 on the due day (on time), CP-3 on
        // Mon 4 Jan (late).
        for (reference, acknowledged) in [("CP-1", "2026-12-29"), ("CP-2", "2026-12-30"), ("CP-3", "2027-01-04")] {
            app.ok("/api/v1/complaints", open(reference)).await;
            app.ok(&format!("/api/v1/complaints/{reference}/events"), ev("concerns-received", "2026-12-23")).await;
            app.ok(&format!("/api/v1/complaints/{reference}/events"), ev("concerns-acknowledged", acknowledged)).await;
        }
        // No token needed.
        let response = reqwest::get(format!("{}/metrics", app.base)).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/plain; version=0.0.4; charset=utf-8");
        let text = response.text().await.unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // The deadlines met, exactly: the three acknowledgements, and each complainant's window
        // to raise concerns, met when they did (a window is the family's, hence the kind).
        let met: Vec<&str> = lines.iter().copied().filter(|l| l.starts_with("timescales_deadlines_met{")).collect();
        assert_eq!(
            met,
            [
                "timescales_deadlines_met{procedure=\"durham\",stage=\"stage-1\",kind=\"obligation\",timeliness=\"late\"} 1",
                "timescales_deadlines_met{procedure=\"durham\",stage=\"stage-1\",kind=\"obligation\",timeliness=\"on-time\"} 2",
                "timescales_deadlines_met{procedure=\"durham\",stage=\"stage-1\",kind=\"window\",timeliness=\"on-time\"} 3",
            ],
            "{text}"
        );
        for line in [
            concat!("timescales_build_info{version=\"", env!("CARGO_PKG_VERSION"), "\"} 1"),
            "# TYPE timescales_build_info gauge",
            "timescales_open_complaints{procedure=\"durham\",stage=\"stage-1\"} 3",
            "timescales_deadlines{state=\"met\"} 6",
            // 12 January 2027 to 31 December 2028.
            "timescales_official_holiday_days_left{division=\"england-and-wales\"} 719",
            // Nothing delivered by this process: the histogram is there, empty.
            "# TYPE timescales_delivery_delay_seconds histogram",
            "timescales_delivery_delay_seconds_bucket{le=\"300\"} 0",
            "timescales_delivery_delay_seconds_bucket{le=\"+Inf\"} 0",
            "timescales_delivery_delay_seconds_count 0",
        ] {
            assert!(lines.contains(&line), "{line} in\n{text}");
        }
        // Every metric of docs/operations.md keeps its name and type.
        for (name, kind) in [
            ("timescales_build_info", "gauge"),
            ("timescales_open_complaints", "gauge"),
            ("timescales_deadlines", "gauge"),
            ("timescales_deadlines_met", "gauge"),
            ("timescales_overdue_obligations", "gauge"),
            ("timescales_notifications", "gauge"),
            ("timescales_notifications_planned_total", "counter"),
            ("timescales_notifications_sent_total", "counter"),
            ("timescales_notifications_retried_total", "counter"),
            ("timescales_notifications_failed_total", "counter"),
            ("timescales_delivery_delay_seconds", "histogram"),
            ("timescales_official_holiday_days_left", "gauge"),
        ] {
            let type_line = format!("# TYPE {name} {kind}");
            assert!(lines.contains(&type_line.as_str()), "{type_line} in\n{text}");
            let documented = format!("`{name}");
            assert!(OPERATIONS.contains(&documented), "{name} is in docs/operations.md");
        }
        // Counts only: no reference anywhere.
        assert!(!text.contains("CP-"), "{text}");
    })
    .await;
}

const OPERATIONS: &str = include_str!("../../docs/operations.md");
