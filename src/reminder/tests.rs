use super::*;
use crate::calendar::{Calendars, Division};
use crate::complaint::{derive, Facts};
use crate::procedure::Procedures;
use chrono_tz::Europe::London;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The plan for a Durham complaint with these events, as `(deadline, kind, at)`.
fn planned(events: &[(&str, &str)]) -> Vec<(String, String, String)> {
    let procedures = Procedures::load(None).unwrap();
    let cals = Calendars::embedded();
    let mut facts = Facts::default();
    for (e, date) in events {
        facts.record(e, d(date));
    }
    let p = derive(procedures.get("durham").unwrap(), &facts, &cals, None).unwrap();
    plan(
        &p.deadlines,
        &Policy::default(),
        cals.get(Division::EnglandAndWales),
        London,
        &SendWindow::default(),
    )
    .into_iter()
    .map(|x| {
        (
            x.deadline,
            format!("{}@{}", x.kind.key(), x.occurrence),
            x.at.format("%Y-%m-%dT%H:%MZ").to_string(),
        )
    })
    .collect()
}

fn row(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.into(), b.into(), c.into())
}

#[test]
fn an_obligation_gets_reminders_a_breach_alert_and_an_escalation_over_christmas() {
    let p = planned(&[
        ("conference", "2026-12-11"),
        ("concerns-received", "2026-12-23"),
    ]);
    let ack: Vec<_> = p.into_iter().filter(|x| x.0 == "acknowledge").collect();
    assert_eq!(
        ack,
        [
            // Due Wed 30 Dec. Five working days before is Mon 21 Dec, before the concerns
            // arrived: not sent. Two before: Thu 24 Dec (Tue 29 is one), 09:00 GMT.
            row("acknowledge", "reminder-2@2026-12-30", "2026-12-24T09:00Z"),
            row("acknowledge", "due-today@2026-12-30", "2026-12-30T09:00Z"),
            // The day ends at midnight; the alert waits for the send window on Thu 31 Dec.
            row("acknowledge", "breach@2026-12-30", "2026-12-31T08:00Z"),
            // Two working days after the due date: Thu 31 Dec, then Mon 4 Jan (1 Jan a holiday).
            row(
                "acknowledge",
                "escalation@2026-12-30#1",
                "2027-01-04T08:00Z"
            ),
        ]
    );
}

#[test]
fn nine_in_the_morning_stays_nine_either_side_of_the_spring_clock_change() {
    // Concerns received Tue 16 Mar 2027: offer-appointment due Thu 1 Apr (10 working days, over
    // Good Friday and Easter Monday). Clocks go forward on Sunday 28 March.
    let p = planned(&[
        ("conference", "2027-03-05"),
        ("concerns-received", "2027-03-16"),
    ]);
    let offer: Vec<_> = p
        .into_iter()
        .filter(|x| x.0 == "offer-appointment")
        .take(4)
        .collect();
    assert_eq!(
        offer,
        [
            // Five working days before Thu 1 Apr: 31, 30, (29 and 26 holidays), 25, 24, 23 Mar:
            // 09:00 GMT.
            row(
                "offer-appointment",
                "reminder-5@2027-04-01",
                "2027-03-23T09:00Z"
            ),
            // Two before: Tue 30 Mar, 09:00 BST.
            row(
                "offer-appointment",
                "reminder-2@2027-04-01",
                "2027-03-30T08:00Z"
            ),
            row(
                "offer-appointment",
                "due-today@2027-04-01",
                "2027-04-01T08:00Z"
            ),
            // The due day ends at midnight BST (23:00 UTC); the alert goes at 08:00 BST on Fri 2 Apr.
            row(
                "offer-appointment",
                "breach@2027-04-01",
                "2027-04-02T07:00Z"
            ),
        ]
    );
}

#[test]
fn nine_in_the_morning_stays_nine_either_side_of_the_autumn_clock_change() {
    // Concerns received Tue 19 Oct 2027: offer-appointment due Tue 2 Nov. Clocks go back on
    // Sunday 31 October.
    let p = planned(&[
        ("conference", "2027-10-08"),
        ("concerns-received", "2027-10-19"),
    ]);
    let offer: Vec<_> = p
        .into_iter()
        .filter(|x| x.0 == "offer-appointment")
        .take(4)
        .collect();
    assert_eq!(
        offer,
        [
            // Tue 26 Oct, 09:00 BST.
            row(
                "offer-appointment",
                "reminder-5@2027-11-02",
                "2027-10-26T08:00Z"
            ),
            // Fri 29 Oct, 09:00 BST.
            row(
                "offer-appointment",
                "reminder-2@2027-11-02",
                "2027-10-29T08:00Z"
            ),
            // Tue 2 Nov, 09:00 GMT.
            row(
                "offer-appointment",
                "due-today@2027-11-02",
                "2027-11-02T09:00Z"
            ),
            row(
                "offer-appointment",
                "breach@2027-11-02",
                "2027-11-03T08:00Z"
            ),
        ]
    );
}

#[test]
fn a_window_gets_one_notice_when_it_closes_and_a_met_deadline_nothing() {
    let p = planned(&[("conference", "2026-12-11")]);
    // raise-concerns closes Tue 29 Dec; the notice goes at 08:00 on Wed 30 Dec.
    assert_eq!(
        p,
        [row(
            "raise-concerns",
            "window-closed@2026-12-29",
            "2026-12-30T08:00Z"
        )]
    );
    let p = planned(&[
        ("conference", "2026-12-11"),
        ("concerns-received", "2026-12-23"),
        ("concerns-acknowledged", "2026-12-24"),
    ]);
    assert!(
        p.iter()
            .all(|x| x.0 != "acknowledge" && x.0 != "raise-concerns"),
        "{p:?}"
    );
}

#[test]
fn escalations_repeat_every_five_working_days() {
    let cals = Calendars::embedded();
    let cal = cals.get(Division::EnglandAndWales);
    let policy = Policy::default();
    let w = SendWindow::default();
    let at = |n| {
        escalation_at(d("2026-12-30"), n, &policy, cal, London, &w)
            .unwrap()
            .format("%Y-%m-%d")
            .to_string()
    };
    // 2 working days after Wed 30 Dec: Mon 4 Jan; then 7: Mon 11 Jan; then 12: Mon 18 Jan.
    assert_eq!(
        [at(1), at(2), at(3)],
        ["2027-01-04", "2027-01-11", "2027-01-18"]
    );
}

#[test]
fn the_send_window_opens_on_the_next_working_morning() {
    let cals = Calendars::embedded();
    let cal = cals.get(Division::EnglandAndWales);
    let w = SendWindow::default();
    let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    let open = |s: &str| {
        w.next_open(t(s), cal, London)
            .format("%Y-%m-%dT%H:%MZ")
            .to_string()
    };
    // Inside the window: at once.
    assert_eq!(open("2027-01-06T10:00:00Z"), "2027-01-06T10:00Z");
    // Before 08:00: at 08:00 the same day.
    assert_eq!(open("2027-01-06T06:00:00Z"), "2027-01-06T08:00Z");
    // Friday evening: Monday 08:00.
    assert_eq!(open("2027-01-08T19:00:00Z"), "2027-01-11T08:00Z");
    // Christmas Eve evening 2026: Tuesday 29 December (25 and 28 are holidays).
    assert_eq!(open("2026-12-24T20:00:00Z"), "2026-12-29T08:00Z");
}

#[test]
fn a_single_escalation_whose_time_has_come_is_still_planned() {
    // escalate_every_working_days = 0: one escalation only. After its time, plan_at keeps it
    // (it was once dropped because no later one followed).
    let procedures = Procedures::load(None).unwrap();
    let cals = Calendars::embedded();
    let mut facts = Facts::default();
    facts.record("conference", d("2026-12-11"));
    facts.record("concerns-received", d("2026-12-23"));
    let p = derive(procedures.get("durham").unwrap(), &facts, &cals, None).unwrap();
    let a = Addressing {
        policy: Policy {
            escalate_every_working_days: 0,
            ..Policy::default()
        },
        ..Addressing::default()
    };
    let now = "2027-01-06T12:00:00Z".parse().unwrap();
    let planned = a.plan_at(
        "durham",
        &p.deadlines,
        cals.get(Division::EnglandAndWales),
        London,
        now,
    );
    let esc: Vec<_> = planned
        .iter()
        .filter(|x| x.deadline == "acknowledge" && x.kind.key() == "escalation")
        .map(|x| x.occurrence.clone())
        .collect();
    assert_eq!(esc, ["2026-12-30#1"]);
}

fn mailbox(address: &str) -> RoleTargets {
    RoleTargets {
        email: vec![address.into()],
        chat: vec![],
    }
}

/// Kent in use, with its chair's manager and the escalation role routed, and nothing else.
fn kent_without_its_chair() -> Addressing {
    let mut roles = std::collections::BTreeMap::new();
    roles.insert("chairs-manager".into(), mailbox("cm@council.example"));
    roles.insert("manager".into(), mailbox("managers@council.example"));
    roles.insert(
        "customer-care-manager".into(),
        mailbox("care@council.example"),
    );
    roles.insert(
        "review-panel-chair".into(),
        mailbox("panel@council.example"),
    );
    Addressing {
        roles,
        procedures: Some(vec!["kent".into()]),
        ..Addressing::default()
    }
}

#[test]
fn a_role_that_owns_a_deadline_and_reaches_nobody_is_named_with_its_procedure_and_deadline() {
    let procedures = Procedures::load(None).unwrap();
    let a = kent_without_its_chair();
    let routing = Routing::check(&a, &procedures);
    assert_eq!(routing.procedures, ["kent"]);
    let unrouted: Vec<String> = routing.unrouted().map(|r| r.to_string()).collect();
    assert_eq!(
        unrouted,
        ["procedure `kent`, role `conference-chair`: owns deadline `immediate-resolution`"]
    );
    let refusal = routing.refusal().unwrap();
    assert!(
        refusal.starts_with("1 role of the procedures in use reaches nobody"),
        "{refusal}"
    );
    assert!(
        refusal.contains("[notify.roles.ROLE]")
            && refusal.contains("notify.procedures")
            && refusal.contains("notify.fallback"),
        "{refusal}"
    );
    // Routed for Kent alone, by the procedure-scoped entry: accepted.
    let mut a = a;
    a.roles.insert(
        "kent/conference-chair".into(),
        mailbox("chairs@council.example"),
    );
    let routing = Routing::check(&a, &procedures);
    assert_eq!(routing.refusal(), None);
    assert!(routing.roles.iter().all(|r| r.reach == Reach::Own));
    // An entry that names no destination routes nothing.
    a.roles
        .insert("kent/conference-chair".into(), RoleTargets::default());
    assert!(Routing::check(&a, &procedures).refusal().is_some());
}

#[test]
fn escalation_roles_must_be_reached_where_the_policy_in_force_escalates() {
    let procedures = Procedures::load(None).unwrap();
    let mut a = kent_without_its_chair();
    a.roles
        .insert("conference-chair".into(), mailbox("chairs@council.example"));
    a.roles.remove("manager");
    let unrouted = |a: &Addressing| -> Vec<String> {
        Routing::check(a, &procedures)
            .unrouted()
            .map(|r| r.to_string())
            .collect()
    };
    assert_eq!(
        unrouted(&a),
        ["procedure `kent`, role `manager`: receives the escalations of deadline `immediate-resolution`"]
    );
    // No escalations in Kent: no escalation role to reach...
    a.overrides.insert(
        "kent".into(),
        Policy {
            escalate_after_working_days: 0,
            ..Policy::default()
        },
    );
    assert!(unrouted(&a).is_empty());
    // ...except where one deadline's own policy escalates, to its own role.
    a.overrides.insert(
        "kent/review-conference".into(),
        Policy {
            escalate_to: "assistant-area-director".into(),
            ..Policy::default()
        },
    );
    assert_eq!(
        unrouted(&a),
        ["procedure `kent`, role `assistant-area-director`: receives the escalations of deadline `review-conference`"]
    );
}

#[test]
fn with_a_fallback_an_unrouted_role_reaches_it_and_is_reported_as_such() {
    let procedures = Procedures::load(None).unwrap();
    let mut a = kent_without_its_chair();
    a.fallback = Some(RoleTargets {
        email: vec!["unit@council.example".into()],
        chat: vec!["team".into()],
    });
    let routing = Routing::check(&a, &procedures);
    assert_eq!(routing.refusal(), None);
    let fallen: Vec<(&str, &str)> = routing
        .fallen_back()
        .map(|r| (r.procedure.as_str(), r.role.as_str()))
        .collect();
    assert_eq!(fallen, [("kent", "conference-chair")]);
    let breach = |role: &str| Planned {
        deadline: "minutes".into(),
        kind: NotificationKind::Breach,
        occurrence: "2026-12-17".into(),
        at: "2026-12-18T08:00:00Z".parse().unwrap(),
        role: role.into(),
        to_chat: true,
    };
    assert_eq!(
        a.destinations("kent", &breach("conference-chair")),
        ["email:unit@council.example", "chat:team"]
    );
    // A role with its own entry does not also reach the fallback.
    assert_eq!(
        a.destinations("kent", &breach("chairs-manager")),
        ["email:cm@council.example"]
    );
}

#[test]
fn with_notifications_off_nothing_is_required_and_every_procedure_is_in_use() {
    let procedures = Procedures::load(None).unwrap();
    let off = Addressing::default();
    assert!(!off.is_on());
    let routing = Routing::check(&off, &procedures);
    assert_eq!(routing.refusal(), None);
    assert_eq!(routing.procedures.len(), procedures.ids().len());
    assert!(off.in_use("durham") && off.in_use("kent"));
    // A name in notify.procedures that is no procedure is refused whether or not anything is
    // routed: it is a typo either way.
    let typo = Addressing {
        procedures: Some(vec!["kentt".into()]),
        ..Addressing::default()
    };
    let refusal = Routing::check(&typo, &procedures).refusal().unwrap();
    assert!(
        refusal.starts_with("notify.procedures names `kentt`, which is not loaded"),
        "{refusal}"
    );
    assert!(!typo.in_use("kent"));
}

#[test]
fn a_complaints_thread_is_a_fixed_hash_of_its_reference_and_names_no_reference() {
    // Fixed values: changing them splits every open complaint's conversation in two at the
    // upgrade. (python3: hashlib.sha256(b"timescales complaint thread\0CP-1").hexdigest()[:16])
    assert_eq!(complaint_thread("CP-1"), "complaint-bf9c2da9f67aa200");
    assert_eq!(complaint_thread("CP-1001"), "complaint-c56d260cd861f772");
    assert_ne!(complaint_thread("CP-1"), complaint_thread("CP-2"));
    assert!(!complaint_thread("CP-1001").contains("1001"));
}
