//! Not-applicable marks and extensions through the API, on both backends, with due dates worked
//! out by hand (England and Wales; Christmas 2026 on the way: Fri 25 Dec, Mon 28 Dec, Fri 1 Jan).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::backends::on_both;
use crate::helpers::{deadline, ev, open, App};

/// The body of a not-applicable mark, or of its undoing, by the Team Manager.
fn mark(deadline: &str, reason: &str) -> Value {
    json!({"deadline": deadline, "recorded_by": "Team Manager", "reason": reason})
}

async fn overdue_references(app: &App) -> Vec<String> {
    let v = app.read("/api/v1/complaints?overdue=true").await;
    v["complaints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reference"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_deadline_is_marked_not_applicable_and_applicable_again() {
    on_both("api not applicable", |store| async move {
        let app = App::spawn(store, "2027-01-05").await;
        app.ok(
            "/api/v1/complaints",
            open("N-1", "durham", "2026-12-11", None),
        )
        .await;
        let v = app
            .ok(
                "/api/v1/complaints/N-1/events",
                ev("concerns-received", "2026-12-23"),
            )
            .await;
        // Wed 23 Dec + 3: 24, 29, 30 Dec. On Tue 5 Jan: 31 Dec, 4, 5 Jan = 3 overdue.
        assert_eq!(
            deadline(&v, "acknowledge")["status"]["working_days_overdue"],
            3
        );
        assert_eq!(overdue_references(&app).await, ["N-1"]);

        let reason = "acknowledged in person at the conference";
        let not_applicable = "/api/v1/complaints/N-1/not-applicable";
        let body = mark("acknowledge", reason);
        let v = app.ok(not_applicable, body.clone()).await;
        let ack = deadline(&v, "acknowledge");
        assert_eq!(
            ack["status"],
            json!({"state": "not-applicable", "why": reason})
        );
        assert_eq!(ack["verdict"], format!("not applicable: {reason}"));
        // The API adds the token's name to whoever records it.
        assert_eq!(
            ack["not_applicable"]["recorded_by"],
            "Team Manager (via case-system)"
        );
        assert_eq!(ack["not_applicable"]["on"], "2027-01-05");
        assert_eq!(ack["rag"], "none");
        assert!(overdue_references(&app).await.is_empty());
        let audit = app.read("/api/v1/complaints/N-1/audit").await;
        let last = audit.as_array().unwrap().last().unwrap();
        assert_eq!(last["action"], "not-applicable");
        let detail = last["detail"].as_str().unwrap();
        assert!(
            detail.starts_with(&format!("acknowledge marked not applicable: {reason}")),
            "{last}"
        );

        // Twice: a conflict, and nothing changes.
        let before = app.snapshot("N-1").await;
        let (status, err) = app.refused(not_applicable, body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{err}");
        assert_eq!(err["code"], "conflict");
        assert_eq!(
            err["message"],
            "deadline 'acknowledge' of complaint 'N-1' is already marked not applicable"
        );
        assert_eq!(app.snapshot("N-1").await, before);
        // An unknown deadline names the field.
        let unknown = mark("acknowledgement", "x");
        let (status, err) = app.refused(not_applicable, unknown).await;
        assert_eq!(
            (status, err["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("deadline"))
        );
        assert_eq!(app.snapshot("N-1").await, before);

        let applicable = "/api/v1/complaints/N-1/applicable";
        let undo = mark("acknowledge", "the letter was never sent");
        let v = app.ok(applicable, undo).await;
        let ack = deadline(&v, "acknowledge");
        assert_eq!(
            ack["status"],
            json!({"state": "overdue", "working_days_overdue": 3})
        );
        assert_eq!(ack["rag"], "red");
        assert_eq!(overdue_references(&app).await, ["N-1"]);
        let (status, _) = app.refused(applicable, mark("acknowledge", "again")).await;
        assert_eq!(status, StatusCode::CONFLICT);
    })
    .await;
}

#[tokio::test]
async fn an_extension_names_the_discretions_holder_and_still_takes_agreed_by() {
    on_both("api extension", |store| async move {
        // Wed 10 Feb 2027: the panel meeting is due Wed 17 Feb (Step 2 requested Wed 27 Jan, +
        // 15 working days: 28, 29 (2), 1-5 Feb (7), 8-12 (12), 15, 16, 17 (15)).
        let app = App::spawn(store, "2027-02-10").await;
        app.ok("/api/v1/complaints", open("CH-1", "city-and-hackney", "2026-12-01", None))
            .await;
        for (e, on) in [
            ("complaint-received", "2026-12-22"),
            ("feedback-sent", "2027-01-21"),
            ("step-2-requested", "2027-01-27"),
        ] {
            app.ok("/api/v1/complaints/CH-1/events", ev(e, on)).await;
        }
        let before = app.snapshot("CH-1").await;
        // Not yet past due: a retrospective reason is refused, naming the field.
        let (status, err) = app
            .refused(
                "/api/v1/complaints/CH-1/extensions",
                json!({"deadline": "panel-meeting", "to": "2027-03-31", "recorded_by": "Team Manager",
                       "reason": "panel member unavailable", "retrospective": "agreed late"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert_eq!(err["field"], "retrospective");
        assert_eq!(app.snapshot("CH-1").await, before);

        // The older field name `agreed_by` is still read, as who recorded it.
        let v = app
            .ok(
                "/api/v1/complaints/CH-1/extensions",
                json!({"deadline": "panel-meeting", "to": "2027-03-31", "agreed_by": "Team Manager",
                       "reason": "panel member unavailable"}),
            )
            .await;
        let panel = deadline(&v, "panel-meeting");
        assert_eq!(panel["rule_due"], "2027-02-17");
        assert_eq!(panel["due"], "2027-03-31");
        // city-and-hackney.toml: [[discretion]] who = "head-of-safeguarding", so named in [roles].
        assert_eq!(panel["extension"]["who"], "Head of Safeguarding");
        assert_eq!(panel["extension"]["recorded_by"], "Team Manager (via case-system)");
        let audit = app.read("/api/v1/complaints/CH-1/audit").await;
        let last = audit.as_array().unwrap().last().unwrap();
        assert_eq!(last["action"], "extend");
        assert!(
            last["detail"].as_str().unwrap().contains("at the discretion of the Head of Safeguarding"),
            "{last}"
        );
    })
    .await;
}
