//! A complaint entered with its history in one call (issue 17): the open and every earlier event
//! in one transaction, so notifications are planned once, for where the complaint stands, rather
//! than breach, escalation and "window closed" alerts planned (and sent) between calls. On both
//! backends.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{json, Value};
use timescales::reminder::{Addressing, RoleTargets};

use crate::backends::on_both;
use crate::helpers::{ev, open, App};

/// Everyone Durham names hears by email; chairs and managers in chat too.
fn addressing() -> Addressing {
    let mut roles = std::collections::BTreeMap::new();
    for role in ["chair", "resolution-lead", "panel-chair", "manager"] {
        roles.insert(
            role.to_string(),
            RoleTargets {
                email: vec![format!("{role}@council.example")],
                chat: vec![],
            },
        );
    }
    Addressing {
        roles,
        ..Addressing::default()
    }
}

/// Durham's first three stages, as they happened before the complaint was entered.
const HISTORY: [(&str, &str); 4] = [
    ("concerns-received", "2026-12-17"),
    ("stage-2-requested", "2027-01-13"),
    ("stage-2-letter-sent", "2027-02-26"),
    ("stage-3-requested", "2027-03-30"),
];

fn with_history(reference: &str, events: &[(&str, &str)]) -> Value {
    let mut body = open(reference, "durham", "2026-12-04", None);
    body["events"] = events
        .iter()
        .map(|(name, date)| json!({"name": name, "date": date}))
        .collect();
    body
}

/// (deadline, kind, occurrence, destination, state) of every row of a complaint's outbox.
async fn outbox(app: &App, reference: &str) -> Vec<(String, String, String, String, String)> {
    app.store
        .notifications_of(reference)
        .await
        .unwrap()
        .into_iter()
        .map(|n| (n.deadline, n.kind, n.occurrence, n.destination, n.state))
        .collect()
}

#[tokio::test]
async fn a_complaint_opened_with_its_history_plans_its_notifications_once() {
    on_both("api open with history", |store| async move {
        let app = App::spawn_with(store, "2027-04-30", Some(addressing())).await;
        let v = app
            .ok("/api/v1/complaints", with_history("DU-1", &HISTORY))
            .await;
        assert_eq!(v["stage"], "stage-3");
        // Every event is in the timeline, recorded by whoever opened it.
        let timeline = v["timeline"].as_array().unwrap();
        assert_eq!(timeline.len(), 5, "{v}");
        assert_eq!(
            timeline[4]["recorded_by"],
            "Team Manager (via case-system)"
        );

        // One audit line: the open, naming the earlier events.
        let audit = app.read("/api/v1/complaints/DU-1/audit").await;
        let audit = audit.as_array().unwrap();
        assert_eq!(audit.len(), 1, "{audit:?}");
        assert_eq!(audit[0]["action"], "open");
        let detail = audit[0]["detail"].as_str().unwrap();
        assert!(
            detail.contains("earlier events: concerns-received on 2026-12-17, stage-2-requested on 2027-01-13, stage-2-letter-sent on 2027-02-26, stage-3-requested on 2027-03-30"),
            "{detail}"
        );

        // Planned once: every row is still planned, none planned and then cancelled by the
        // next event.
        let one_call = outbox(&app, "DU-1").await;
        assert!(!one_call.is_empty());
        assert!(
            one_call.iter().all(|n| n.4 == "planned"),
            "{one_call:?}"
        );
        // The panel meeting (due 20 April) is overdue: its breach alert and escalation are
        // planned, for the stage the complaint is at.
        assert!(
            one_call
                .iter()
                .any(|n| n.0 == "panel-meeting" && n.1 == "breach"),
            "{one_call:?}"
        );

        // The same history a call at a time ends with the same plan, but on the way it planned
        // alerts for each stage left behind, which a running worker would have sent.
        app.ok("/api/v1/complaints", open("DU-2", "durham", "2026-12-04", None))
            .await;
        for (name, date) in HISTORY {
            app.ok("/api/v1/complaints/DU-2/events", ev(name, date)).await;
        }
        let call_by_call = outbox(&app, "DU-2").await;
        let planned = |rows: &[(String, String, String, String, String)]| -> BTreeSet<_> {
            rows.iter()
                .filter(|n| n.4 == "planned")
                .map(|n| (n.0.clone(), n.1.clone(), n.2.clone(), n.3.clone()))
                .collect()
        };
        assert_eq!(planned(&one_call), planned(&call_by_call));
        assert!(
            call_by_call.iter().any(|n| n.4 == "cancelled"),
            "a call at a time plans alerts that the next call cancels: {call_by_call:?}"
        );
        assert_eq!(
            app.read("/api/v1/complaints/DU-2/audit")
                .await
                .as_array()
                .unwrap()
                .len(),
            5
        );
    })
    .await;
}

#[tokio::test]
async fn a_bad_event_in_the_history_refuses_the_whole_open_naming_it_and_writes_nothing() {
    on_both("api open with bad history", |store| async move {
        let app = App::spawn_with(store, "2027-04-30", Some(addressing())).await;
        // A Stage 3 event while the complaint is still at Stage 1.
        let (status, err) = app
            .refused(
                "/api/v1/complaints",
                with_history(
                    "DU-3",
                    &[("concerns-received", "2026-12-17"), ("panel-held", "2027-01-04")],
                ),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert_eq!(err["field"], "events[1].name", "{err}");
        let message = err["message"].as_str().unwrap();
        assert!(
            message.contains("'panel-held' on 2027-01-04 cannot be recorded in stage-1"),
            "{message}"
        );
        // A date in the future, and an event the procedure does not have: each named.
        let (status, err) = app
            .refused(
                "/api/v1/complaints",
                with_history(
                    "DU-3",
                    &[("concerns-received", "2026-12-17"), ("stage-2-requested", "2027-05-04")],
                ),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert_eq!(err["field"], "events[1].date", "{err}");
        assert_eq!(
            err["message"],
            "event 'stage-2-requested' on 2027-05-04: date 2027-05-04 is in the future (today is 2027-04-30)"
        );
        let (_, err) = app
            .refused(
                "/api/v1/complaints",
                with_history("DU-3", &[("concerns-recieved", "2026-12-17")]),
            )
            .await;
        assert_eq!(err["field"], "events[0].name", "{err}");
        assert!(
            err["message"]
                .as_str()
                .unwrap()
                .contains("has no event 'concerns-recieved'"),
            "{err}"
        );
        // A malformed date is the body's fault, named by its path.
        let mut body = with_history("DU-3", &HISTORY);
        body["events"][2]["date"] = json!("26/02/2027");
        let (status, err) = app.refused("/api/v1/complaints", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert_eq!(err["field"], "events[2].date", "{err}");

        // Nothing was written: no complaint, no audit, no outbox rows.
        let r = app.get("/api/v1/complaints/DU-3").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let all = app.read("/api/v1/complaints?all=true").await;
        assert_eq!(all["complaints"].as_array().unwrap().len(), 0);
        assert!(app.store.notifications_of("DU-3").await.map_or(true, |n| n.is_empty()));
    })
    .await;
}

#[tokio::test]
async fn outcomes_already_decided_are_recorded_after_the_events() {
    on_both("api open with outcomes", |store| async move {
        let app = App::spawn(store, "2027-04-30").await;
        let mut body = open("BB-1", "bedford-central-beds", "2026-11-27", None);
        body["events"] = json!([
            {"name": "complaint-received", "date": "2026-12-23"},
            {"name": "stage-1-outcome-sent", "date": "2027-02-12"},
            {"name": "stage-2-requested", "date": "2027-02-26"},
            {"name": "panel-met", "date": "2027-03-24", "note": "all members present"}
        ]);
        body["outcomes"] = json!([{"name": "insufficient-information", "date": "2027-03-24"}]);
        let v = app.ok("/api/v1/complaints", body.clone()).await;
        assert_eq!(v["outcome"], "insufficient-information");
        let timeline = v["timeline"].as_array().unwrap();
        assert_eq!(timeline[4]["note"], "all members present");
        assert_eq!(timeline[5]["kind"], "outcome");
        // An outcome the stage cannot end with names its place in the list.
        body["reference"] = json!("BB-2");
        body["outcomes"] = json!([{"name": "upheld-everything", "date": "2027-03-24"}]);
        let (status, err) = app.refused("/api/v1/complaints", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert_eq!(err["field"], "outcomes[0].name", "{err}");
        assert!(
            err["message"]
                .as_str()
                .unwrap()
                .starts_with("outcome 'upheld-everything' is not one"),
            "{err}"
        );
    })
    .await;
}
