//! Every procedure's lifecycle through the API, on both backends, with due dates worked out by
//! hand (England and Wales; Christmas 2026 and Easter 2027 on the way).

use serde_json::json;

use crate::backends::on_both;
use crate::helpers::{due, ev, open, App};

#[tokio::test]
async fn every_procedure_runs_through_the_api() {
    on_both("api lifecycles", |store| async move {
        let app = App::spawn(store, "2027-04-30").await;

        // Durham, all three stages.
        let v = app.ok("/api/v1/complaints", open("DU-1", "durham", "2026-12-04", None)).await;
        assert_eq!(v["stage"], "stage-1");
        app.ok("/api/v1/complaints/DU-1/events", ev("concerns-received", "2026-12-17")).await;
        let v = app.ok("/api/v1/complaints/DU-1/events", ev("stage-2-requested", "2027-01-13")).await;
        assert_eq!(due(&v, "offer-appointment"), "2027-01-05");
        assert_eq!(due(&v, "resolution-meeting"), "2027-02-10");
        app.ok("/api/v1/complaints/DU-1/events", ev("stage-2-letter-sent", "2027-02-26")).await;
        let v = app.ok("/api/v1/complaints/DU-1/events", ev("stage-3-requested", "2027-03-30")).await;
        assert_eq!(v["stage"], "stage-3");
        assert_eq!(due(&v, "request-stage-3"), "2027-03-30");
        assert_eq!(due(&v, "panel-meeting"), "2027-04-20");
        let v = app.ok("/api/v1/complaints/DU-1/events", ev("panel-held", "2027-04-20")).await;
        assert_eq!(due(&v, "panel-decision-letter"), "2027-04-27");

        // Bedford, with the panel meeting again.
        app.ok("/api/v1/complaints", open("BB-1", "bedford-central-beds", "2026-11-27", None)).await;
        let v = app.ok("/api/v1/complaints/BB-1/events", ev("complaint-received", "2026-12-23")).await;
        assert_eq!(due(&v, "write-to-team-manager"), "2026-12-29");
        assert_eq!(due(&v, "stage-1-complete"), "2027-01-25");
        app.ok("/api/v1/complaints/BB-1/events", ev("stage-1-outcome-sent", "2027-02-12")).await;
        let v = app.ok("/api/v1/complaints/BB-1/events", ev("stage-2-requested", "2027-02-26")).await;
        assert_eq!(due(&v, "convene-panel"), "2027-03-25");
        app.ok("/api/v1/complaints/BB-1/events", ev("panel-met", "2027-03-24")).await;
        let v = app.ok("/api/v1/complaints/BB-1/outcomes", ev("insufficient-information", "2027-03-24")).await;
        assert_eq!(v["outcome"], "insufficient-information");
        app.ok("/api/v1/complaints/BB-1/close", json!({"recorded_by": "Team Manager", "reason": "awaiting a panel date"})).await;
        let v = app.ok("/api/v1/complaints/BB-1/reopen", json!({"recorded_by": "Team Manager", "reason": "panel arranged"})).await;
        assert_eq!(v["status"], "open");
        let v = app.ok("/api/v1/complaints/BB-1/events", ev("panel-met", "2027-04-14")).await;
        assert_eq!(due(&v, "panel-decision-letter"), "2027-04-19");

        // City and Hackney, with the panel extended over Easter.
        app.ok("/api/v1/complaints", open("CH-1", "city-and-hackney", "2026-12-01", None)).await;
        let v = app.ok("/api/v1/complaints/CH-1/events", ev("complaint-received", "2026-12-22")).await;
        assert_eq!(due(&v, "arrange-meeting"), "2027-01-08");
        app.ok("/api/v1/complaints/CH-1/events", ev("feedback-sent", "2027-01-21")).await;
        let v = app.ok("/api/v1/complaints/CH-1/events", ev("step-2-requested", "2027-01-27")).await;
        assert_eq!(due(&v, "panel-meeting"), "2027-02-17");
        let v = app
            .ok("/api/v1/complaints/CH-1/extensions", json!({"deadline": "panel-meeting", "to": "2027-03-31", "agreed_by": "Head of Safeguarding", "reason": "special circumstances", "retrospective": "agreed at the time, entered late"}))
            .await;
        assert_eq!(due(&v, "panel-meeting"), "2027-03-31");
        let v = app.ok("/api/v1/complaints/CH-1/events", ev("panel-met", "2027-03-25")).await;
        assert_eq!(due(&v, "panel-decision-letter"), "2027-04-05");

        // Kent: a late representation accepted, through to the Review Panel; and an agency
        // complaint referred.
        app.ok("/api/v1/complaints", open("KT-1", "kent", "2026-12-09", Some("representation"))).await;
        let v = app.ok("/api/v1/complaints/KT-1/events", ev("representation-received", "2027-01-05")).await;
        assert_eq!(due(&v, "representation"), "2026-12-23");
        assert_eq!(due(&v, "minutes"), "2027-01-08");
        app.ok("/api/v1/complaints/KT-1/late-acceptances", json!({"deadline": "representation", "accepted_by": "Conference Chair", "reason": "exceptional circumstances"})).await;
        app.ok("/api/v1/complaints/KT-1/events", ev("stage-1-meeting-held", "2027-01-07")).await;
        let v = app.ok("/api/v1/complaints/KT-1/events", ev("stage-1-response-sent", "2027-01-14")).await;
        assert_eq!(due(&v, "request-stage-2"), "2027-01-19");
        app.ok("/api/v1/complaints/KT-1/events", ev("stage-2-requested", "2027-01-18")).await;
        app.ok("/api/v1/complaints/KT-1/events", ev("stage-2-letter-sent", "2027-02-05")).await;
        app.ok("/api/v1/complaints/KT-1/events", ev("stage-3-requested", "2027-02-24")).await;
        let v = app.ok("/api/v1/complaints/KT-1/events", ev("referred-to-review-panel", "2027-03-03")).await;
        assert_eq!(due(&v, "review-panel"), "2027-03-17");
        let v = app.ok("/api/v1/complaints/KT-1/events", ev("review-panel-met", "2027-03-17")).await;
        assert_eq!(due(&v, "review-panel-letter"), "2027-04-02");
        let v = app.ok("/api/v1/complaints/KT-1/outcomes", ev("review-conference-recommended", "2027-03-17")).await;
        assert_eq!(due(&v, "review-conference"), "2027-03-09");
        let v = app.ok("/api/v1/complaints", open("KT-2", "kent", "2026-12-09", Some("complaint"))).await;
        assert_eq!(v["status"], "referred");

        // Oxfordshire: stages without timescales.
        let v = app.ok("/api/v1/complaints", open("OX-1", "oxfordshire", "2026-12-09", Some("decision-or-category"))).await;
        assert_eq!(v["stage"], "decision-chair");
        app.ok("/api/v1/complaints/OX-1/events", ev("complaint-received", "2026-12-23")).await;
        let v = app.ok("/api/v1/complaints/OX-1/events", ev("passed-to-qa", "2027-01-11")).await;
        assert_eq!(v["stage"], "decision-adjudication");
        assert_eq!(v["deadlines"].as_array().unwrap().len(), 0);

        // The list sees them all; the overdue filter the ones with missed obligations.
        let all: serde_json::Value = app.get("/api/v1/complaints?all=true").await.json().await.unwrap();
        assert_eq!(all["complaints"].as_array().unwrap().len(), 6);
        // Metrics count what is there.
        let metrics = app.get("/metrics").await.text().await.unwrap();
        assert!(metrics.contains("timescales_open_complaints{procedure=\"durham\",stage=\"stage-3\"} 1"), "{metrics}");
        assert!(metrics.contains("timescales_open_complaints{procedure=\"oxfordshire\",stage=\"decision-adjudication\"} 1"), "{metrics}");
        assert!(metrics.contains("timescales_overdue_obligations "), "{metrics}");
        // 30 April 2027 to 31 December 2028.
        assert!(metrics.contains("timescales_official_holiday_days_left{division=\"scotland\"} 611"), "{metrics}");
        let kent: serde_json::Value = app.get("/api/v1/complaints?procedure=kent&all=true").await.json().await.unwrap();
        assert_eq!(kent["complaints"].as_array().unwrap().len(), 2);
    })
    .await;
}
