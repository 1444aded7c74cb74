//! Each procedure's main path through every stage, and another path, with due dates worked out by
//! hand from the England and Wales calendar across Christmas 2026 and Easter 2027.
//!
//! The holidays on the way: Fri 25 Dec 2026, Mon 28 Dec 2026 (Boxing Day substitute),
//! Fri 1 Jan 2027, Good Friday 26 Mar 2027, Easter Monday 29 Mar 2027, Mon 3 May 2027.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use timescales::calendar::Calendars;
use timescales::complaint::{derive, Extension, Facts, FactsError, LateAcceptance, Plan, Status};
use timescales::procedure::{OnExpiry, Procedures};

pub(crate) fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub(crate) fn facts(events: &[(&str, &str)]) -> Facts {
    let mut f = Facts::default();
    for (e, date) in events {
        f.record(e, d(date));
    }
    f
}

/// The shipped `procedure`'s plan for `facts` on the England and Wales calendar, or its refusal.
pub(crate) fn try_plan(
    procedure: &str,
    facts: &Facts,
    as_of: Option<&str>,
) -> Result<Plan, FactsError> {
    let set = Procedures::load(None).unwrap();
    derive(
        set.get(procedure).unwrap(),
        facts,
        &Calendars::embedded(),
        as_of.map(d),
    )
}

pub(crate) fn plan(procedure: &str, facts: &Facts, as_of: Option<&str>) -> Plan {
    try_plan(procedure, facts, as_of).unwrap()
}

/// Deadline id -> due date.
fn dues(p: &Plan) -> BTreeMap<String, String> {
    p.deadlines
        .iter()
        .map(|x| (x.id.clone(), x.due.to_string()))
        .collect()
}

fn status<'a>(p: &'a Plan, id: &str) -> &'a Status {
    p.deadlines
        .iter()
        .find(|x| x.id == id)
        .unwrap()
        .status
        .as_ref()
        .unwrap()
}

fn expect(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn durham_main_path_through_all_three_stages() {
    let f = facts(&[
        ("conference", "2026-12-04"),
        ("concerns-received", "2026-12-17"),
        ("concerns-acknowledged", "2026-12-21"),
        ("appointment-offered", "2027-01-06"),
        ("stage-2-requested", "2027-01-13"),
        ("resolution-meeting-held", "2027-02-09"),
        ("stage-2-letter-sent", "2027-02-26"),
        ("stage-3-requested", "2027-03-30"),
        ("panel-held", "2027-04-20"),
    ]);
    let p = plan("durham", &f, Some("2027-04-23"));
    assert_eq!(
        dues(&p),
        expect(&[
            // Fri 4 Dec + 10 working days: 7-11 Dec (5), 14-18 Dec (10).
            ("raise-concerns", "2026-12-18"),
            // Thu 17 Dec + 3: Fri 18, Mon 21, Tue 22.
            ("acknowledge", "2026-12-22"),
            // Thu 17 Dec + 10: 18, 21-24 (5); 25 and 28 holidays; 29-31 (8); 1 Jan holiday; 4, 5.
            ("offer-appointment", "2027-01-05"),
            // 17 Dec + 28 calendar days: Thu 14 Jan, a working day.
            ("request-stage-2", "2027-01-14"),
            // Wed 13 Jan + 28 calendar days: Wed 10 Feb.
            ("resolution-meeting", "2027-02-10"),
            // Fri 26 Feb + 28 days is Good Friday 26 Mar; forward over the weekend and Easter
            // Monday to Tue 30 Mar.
            ("request-stage-3", "2027-03-30"),
            // Tue 30 Mar + 15 working days: 31 Mar - 2 Apr (3), 5-9 (8), 12-16 (13), 19, 20.
            ("panel-meeting", "2027-04-20"),
            // Tue 20 Apr + 5: 21, 22, 23, 26, 27.
            ("panel-decision-letter", "2027-04-27"),
        ])
    );
    assert_eq!(
        status(&p, "acknowledge"),
        &Status::Met {
            on: d("2026-12-21"),
            working_days_late: 0,
            late: false,
        }
    );
    // Offered Wed 6 Jan, one working day after Tue 5 Jan.
    assert_eq!(
        status(&p, "offer-appointment"),
        &Status::Met {
            on: d("2027-01-06"),
            working_days_late: 1,
            late: true,
        }
    );
    assert_eq!(
        status(&p, "request-stage-3"),
        &Status::Met {
            on: d("2027-03-30"),
            working_days_late: 0,
            late: false,
        }
    );
    // As of Fri 23 Apr: Mon 26 and Tue 27 remain.
    assert_eq!(
        status(&p, "panel-decision-letter"),
        &Status::Open {
            working_days_left: 2
        }
    );
}

#[test]
fn durham_panel_that_meets_again_restarts_its_letter_and_closed_windows() {
    let mut f = facts(&[
        ("conference", "2026-12-04"),
        ("concerns-received", "2026-12-17"),
        ("stage-2-requested", "2027-01-13"),
        ("stage-2-letter-sent", "2027-02-26"),
        ("stage-3-requested", "2027-03-30"),
        ("panel-held", "2027-04-20"),
        ("panel-held", "2027-05-04"),
    ]);
    f.outcomes.insert("insufficient-information".into());
    let p = plan("durham", &f, Some("2027-05-05"));
    // From the second meeting, Tue 4 May (Mon 3 May is a holiday): 5, 6, 7, 10, 11.
    assert_eq!(dues(&p)["panel-decision-letter"], "2027-05-11");
    // The panel itself was met by its first meeting.
    assert_eq!(
        status(&p, "panel-meeting"),
        &Status::Met {
            on: d("2027-04-20"),
            working_days_late: 0,
            late: false,
        }
    );

    let f = facts(&[
        ("conference", "2026-12-04"),
        ("concerns-received", "2026-12-17"),
    ]);
    let p = plan("durham", &f, Some("2027-01-20"));
    // The Stage 2 window closed Thu 14 Jan: 15, 18, 19, 20 Jan since. Stage 1 may not have ended
    // by then, so its closing only tells the owner.
    assert_eq!(
        status(&p, "request-stage-2"),
        &Status::Closed {
            working_days_since: 4,
            on_expiry: OnExpiry::Notify
        }
    );
    // And the acknowledgement, due Tue 22 Dec, was never sent: 23, 24, 29, 30, 31 Dec, 4-8,
    // 11-15, 18-20 Jan = 18 working days overdue.
    assert_eq!(
        status(&p, "acknowledge"),
        &Status::Overdue {
            working_days_overdue: 18
        }
    );
}

#[test]
fn the_planner_example_from_the_issue() {
    let f = facts(&[
        ("conference", "2026-12-11"),
        ("concerns-received", "2026-12-23"),
    ]);
    let p = plan("durham", &f, Some("2027-01-05"));
    assert_eq!(
        dues(&p),
        expect(&[
            // Fri 11 Dec + 10: 14-18 (5), 21-24 (9), 29 (10).
            ("raise-concerns", "2026-12-29"),
            // Wed 23 Dec + 3: 24, 29, 30.
            ("acknowledge", "2026-12-30"),
            // Wed 23 Dec + 10: 24, 29, 30, 31, 4-8 Jan (9), 11 Jan.
            ("offer-appointment", "2027-01-11"),
            ("request-stage-2", "2027-01-20"),
        ])
    );
    assert_eq!(
        status(&p, "acknowledge"),
        &Status::Overdue {
            working_days_overdue: 3
        }
    );
    assert_eq!(
        status(&p, "offer-appointment"),
        &Status::Open {
            working_days_left: 4
        }
    );
}

#[test]
fn bedford_main_path_rolls_the_panel_back_over_easter() {
    let f = facts(&[
        ("conference", "2026-11-27"),
        ("complaint-received", "2026-12-23"),
        ("complaint-acknowledged", "2026-12-24"),
        ("stage-1-outcome-sent", "2027-02-12"),
        ("stage-2-requested", "2027-02-26"),
        ("panel-met", "2027-03-24"),
        ("panel-decision-sent", "2027-03-25"),
    ]);
    let p = plan("bedford-central-beds", &f, Some("2027-03-31"));
    assert_eq!(
        dues(&p),
        expect(&[
            // Fri 27 Nov + 28 days is Christmas Day; forward over 26-28 Dec to Tue 29 Dec.
            ("write-to-team-manager", "2026-12-29"),
            // Wed 23 Dec + 3: 24, 29, 30.
            ("acknowledge", "2026-12-30"),
            // Wed 23 Dec + 20: 24, 29, 30, 31 (4), 4-8 Jan (9), 11-15 (14), 18-22 (19), 25.
            ("stage-1-complete", "2027-01-25"),
            // Fri 12 Feb + 10: 15-19 (5), 22-26 (10).
            ("request-stage-2", "2027-02-26"),
            // Fri 26 Feb + 28 days is Good Friday 26 Mar; back to Thu 25 Mar.
            ("convene-panel", "2027-03-25"),
            // Wed 24 Mar + 5 days is Easter Monday 29 Mar; back over the weekend and Good
            // Friday to Thu 25 Mar.
            ("panel-decision-letter", "2027-03-25"),
        ])
    );
    // The Stage 1 outcome went out Fri 12 Feb: 26-29 Jan (4), 1-5 Feb (9), 8-12 Feb (14) late.
    assert_eq!(
        status(&p, "stage-1-complete"),
        &Status::Met {
            on: d("2027-02-12"),
            working_days_late: 14,
            late: true,
        }
    );
    assert_eq!(
        status(&p, "convene-panel"),
        &Status::Met {
            on: d("2027-03-24"),
            working_days_late: 0,
            late: false,
        }
    );
    assert_eq!(
        status(&p, "panel-decision-letter"),
        &Status::Met {
            on: d("2027-03-25"),
            working_days_late: 0,
            late: false,
        }
    );
}

#[test]
fn bedford_panel_with_insufficient_information_meets_again() {
    let mut f = facts(&[
        ("conference", "2026-11-27"),
        ("complaint-received", "2026-12-23"),
        ("stage-1-outcome-sent", "2027-02-12"),
        ("stage-2-requested", "2027-02-26"),
        ("panel-met", "2027-03-24"),
        ("panel-met", "2027-04-14"),
    ]);
    f.outcomes.insert("insufficient-information".into());
    let p = plan("bedford-central-beds", &f, Some("2027-04-14"));
    // Wed 14 Apr + 5 days: Mon 19 Apr.
    assert_eq!(dues(&p)["panel-decision-letter"], "2027-04-19");
    assert_eq!(
        status(&p, "panel-decision-letter"),
        &Status::Open {
            working_days_left: 3
        }
    );
}

#[test]
fn city_and_hackney_main_path() {
    let f = facts(&[
        ("conference", "2026-12-01"),
        ("complaint-received", "2026-12-22"),
        ("complaint-acknowledged", "2026-12-23"),
        ("meeting-arranged", "2027-01-05"),
        ("meeting-held", "2027-01-14"),
        ("feedback-sent", "2027-01-21"),
        ("step-2-requested", "2027-01-27"),
        ("panel-met", "2027-02-16"),
        ("decision-sent", "2027-02-22"),
    ]);
    let p = plan("city-and-hackney", &f, Some("2027-02-22"));
    assert_eq!(
        dues(&p),
        expect(&[
            // Tue 1 Dec + 28 days: Tue 29 Dec, a working day.
            ("raise-concerns", "2026-12-29"),
            // Tue 22 Dec + 3: 23, 24, 29.
            ("acknowledge", "2026-12-29"),
            // Tue 22 Dec + 10: 23, 24, 29, 30, 31 (5), 4-8 Jan (10).
            ("arrange-meeting", "2027-01-08"),
            // Thu 14 Jan + 5: 15, 18, 19, 20, 21.
            ("meeting-feedback", "2027-01-21"),
            // Thu 21 Jan + 5: 22, 25, 26, 27, 28.
            ("request-step-2", "2027-01-28"),
            // Wed 27 Jan + 15: 28, 29 (2), 1-5 Feb (7), 8-12 (12), 15, 16, 17.
            ("panel-meeting", "2027-02-17"),
            // Tue 16 Feb + 5: 17, 18, 19, 22, 23.
            ("panel-decision-letter", "2027-02-23"),
        ])
    );
    assert!(p.deadlines.iter().all(|x| matches!(
        x.status,
        Some(Status::Met {
            working_days_late: 0,
            ..
        })
    )));
}

#[test]
fn city_and_hackney_panel_extended_in_special_circumstances_over_easter() {
    let mut f = facts(&[
        ("conference", "2026-12-01"),
        ("complaint-received", "2026-12-22"),
        ("feedback-sent", "2027-01-21"),
        ("step-2-requested", "2027-01-27"),
        ("panel-met", "2027-03-25"),
    ]);
    f.extensions.insert(
        "panel-meeting".into(),
        Extension {
            to: d("2027-03-31"),
            who: "Head of Safeguarding".into(),
            recorded_by: "team manager".into(),
            why: "panel member unavailable".into(),
        },
    );
    let p = plan("city-and-hackney", &f, Some("2027-03-30"));
    let panel = p
        .deadlines
        .iter()
        .find(|x| x.id == "panel-meeting")
        .unwrap();
    assert_eq!(panel.rule_due.to_string(), "2027-02-17");
    assert_eq!(panel.due.to_string(), "2027-03-31");
    assert_eq!(
        panel.status,
        Some(Status::Met {
            on: d("2027-03-25"),
            working_days_late: 0,
            late: false,
        })
    );
    // Thu 25 Mar + 5: Good Friday and Easter Monday skipped; 30, 31, 1, 2 Apr, 5 Apr.
    assert_eq!(dues(&p)["panel-decision-letter"], "2027-04-05");
    // Extending what the leaflet gives no discretion over is refused.
    let mut f = facts(&[
        ("conference", "2026-12-01"),
        ("complaint-received", "2026-12-22"),
    ]);
    f.extensions.insert(
        "acknowledge".into(),
        Extension {
            to: d("2027-01-31"),
            who: "Group Manager".into(),
            recorded_by: "team manager".into(),
            why: "busy".into(),
        },
    );
    let set = Procedures::load(None).unwrap();
    let err = derive(
        set.get("city-and-hackney").unwrap(),
        &f,
        &Calendars::embedded(),
        None,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "procedure 'city-and-hackney' allows no extension of 'acknowledge' (it allows: panel-meeting)"
    );
}

#[test]
fn kent_representation_through_all_four_stages_and_the_review_conference() {
    let mut f = facts(&[
        ("conference", "2026-12-09"),
        ("concern-expressed", "2026-12-09"),
        ("resolution-attempted", "2026-12-10"),
        ("representation-received", "2026-12-22"),
        ("minutes-sent", "2026-12-23"),
        ("stage-1-meeting-held", "2027-01-07"),
        ("stage-1-response-sent", "2027-01-14"),
        ("stage-2-requested", "2027-01-18"),
        ("stage-2-meeting-held", "2027-01-29"),
        ("stage-2-letter-sent", "2027-02-05"),
        ("stage-3-requested", "2027-02-24"),
        ("referred-to-review-panel", "2027-03-03"),
        ("review-panel-met", "2027-03-17"),
    ]);
    f.outcomes.insert("review-conference-recommended".into());
    f.track = Some("representation".into());
    let p = plan("kent", &f, Some("2027-04-02"));
    assert_eq!(
        dues(&p),
        expect(&[
            // Wed 9 Dec + 3 days is Saturday 12; back to Fri 11.
            ("immediate-resolution", "2026-12-11"),
            // Wed 9 Dec + 10: 10, 11 (2), 14-18 (7), 21, 22, 23.
            ("representation", "2026-12-23"),
            // Tue 22 Dec + 3: 23, 24, 29.
            ("minutes", "2026-12-29"),
            // Wed 9 Dec + 18: 10, 11, 14-18 (7), 21-24 (11), 29-31 (14), 4-7 Jan (18).
            ("stage-1-meeting", "2027-01-07"),
            // Thu 7 Jan + 5: 8, 11, 12, 13, 14.
            ("stage-1-response", "2027-01-14"),
            // Thu 14 Jan + 5 days: Tue 19 Jan.
            ("request-stage-2", "2027-01-19"),
            // Mon 18 Jan + 10: 19-22 (4), 25-29 (9), 1 Feb.
            ("stage-2-meeting", "2027-02-01"),
            // Fri 5 Feb + 15: 8-12, 15-19, 22-26.
            ("request-stage-3", "2027-02-26"),
            // Wed 24 Feb + 15: 25, 26 (2), 1-5 Mar (7), 8-12 (12), 15, 16, 17.
            ("review-panel", "2027-03-17"),
            // Wed 17 Mar + 10: 18, 19 (2), 22-25 (6), Easter 26-29 skipped, 30, 31, 1, 2 Apr.
            ("review-panel-letter", "2027-04-02"),
            // 9 Dec 2026 + 3 months: Tue 9 Mar 2027.
            ("review-conference", "2027-03-09"),
        ])
    );
    // Three months from the original conference had passed before the panel met: the document's
    // own timescales cannot both be met on this path, and the planner says so.
    // 10-12 Mar (3), 15-19 (8), 22-25 (12), 30, 31, 1, 2 Apr (16).
    assert_eq!(
        status(&p, "review-conference"),
        &Status::Overdue {
            working_days_overdue: 16
        }
    );
    assert_eq!(
        status(&p, "review-panel-letter"),
        &Status::Open {
            working_days_left: 0
        }
    );
}

#[test]
fn kent_representation_window_closing_proposes_closure_and_later_stages_wait_their_turn() {
    let f = facts(&[("conference", "2026-12-09")]);
    let p = plan("kent", &f, Some("2027-01-05"));
    // Due Wed 23 Dec; 24, 29, 30, 31 Dec, 4, 5 Jan since.
    assert_eq!(
        status(&p, "representation"),
        &Status::Closed {
            working_days_since: 6,
            on_expiry: OnExpiry::ProposeClosure
        }
    );
    // The Stage 1 meeting counts from the conference but belongs to Stage 1, which no
    // representation has opened: it is not shown. Nor is the attempt at immediate resolution: no
    // concern was expressed at the conference.
    assert_eq!(dues(&p).keys().collect::<Vec<_>>(), ["representation"]);

    // A matter the Assistant Area Director did not refer never reaches the Review Panel.
    let f = facts(&[
        ("conference", "2026-12-09"),
        ("representation-received", "2026-12-22"),
        ("stage-2-requested", "2027-01-18"),
        ("stage-3-requested", "2027-02-24"),
        ("not-referred", "2027-03-03"),
    ]);
    let p = plan("kent", &f, Some("2027-03-31"));
    assert!(!dues(&p).contains_key("review-panel"), "{:?}", dues(&p));
}

#[test]
fn kent_late_representation_accepted_and_an_agency_complaint_redirected() {
    let mut f = facts(&[
        ("conference", "2026-12-09"),
        ("representation-received", "2027-01-05"),
    ]);
    f.late_accepted.insert(
        "representation".into(),
        LateAcceptance {
            who: "Conference Chair".into(),
            recorded_by: "team manager".into(),
            why: "exceptional circumstances".into(),
        },
    );
    let p = plan("kent", &f, Some("2027-01-05"));
    let rep = p
        .deadlines
        .iter()
        .find(|x| x.id == "representation")
        .unwrap();
    // Due Wed 23 Dec; received Tue 5 Jan: 24, 29, 30, 31 Dec, 4, 5 Jan = 6 working days late.
    assert_eq!(
        rep.status,
        Some(Status::Met {
            on: d("2027-01-05"),
            working_days_late: 6,
            late: true,
        })
    );
    assert!(rep.late_acceptance.is_some());
    // The minutes count from the late receipt: Tue 5 Jan + 3 = Fri 8 Jan.
    assert_eq!(dues(&p)["minutes"], "2027-01-08");

    let mut f = facts(&[("conference", "2026-12-09")]);
    f.track = Some("complaint".into());
    let p = plan("kent", &f, None);
    assert!(p.deadlines.is_empty());
    assert!(p
        .referred_to
        .as_deref()
        .unwrap()
        .contains("statutory complaints/appeals procedures"));
}

#[test]
fn oxfordshire_tracks_stages_without_timescales_and_takes_local_targets() {
    let f = Facts {
        track: Some("decision-or-category".into()),
        ..facts(&[
            ("conference", "2026-12-09"),
            ("complaint-received", "2026-12-23"),
        ])
    };
    let p = plan("oxfordshire", &f, Some("2027-01-04"));
    assert!(p.deadlines.is_empty());
    assert_eq!(p.track, "decision-or-category");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("targets.toml"),
        "extends = \"oxfordshire\"\n[[targets]]\nid = \"acknowledge\"\nstage = \"decision-chair\"\nwhat = \"Acknowledge\"\nkind = \"obligation\"\nowner = \"independent-chair\"\ncount = 3\nunit = \"working-days\"\nfrom = \"complaint-received\"\nmet_by = \"response-sent\"\nsource = \"Local target\"\n",
    )
    .unwrap();
    let set = Procedures::load(Some(dir.path())).unwrap();
    let p = derive(
        set.get("oxfordshire").unwrap(),
        &f,
        &Calendars::embedded(),
        Some(d("2027-01-04")),
    )
    .unwrap();
    // Wed 23 Dec + 3: 24, 29, 30.
    assert_eq!(dues(&p), expect(&[("acknowledge", "2026-12-30")]));
    assert!(p.deadlines[0].local);
    // 31 Dec, 4 Jan.
    assert_eq!(
        status(&p, "acknowledge"),
        &Status::Overdue {
            working_days_overdue: 2
        }
    );
}

#[test]
fn impossible_facts_are_refused_with_the_bad_value_named() {
    let set = Procedures::load(None).unwrap();
    let durham = set.get("durham").unwrap();
    let cals = Calendars::embedded();
    let err = |f: &Facts, as_of: Option<&str>| {
        derive(durham, f, &cals, as_of.map(d))
            .unwrap_err()
            .to_string()
    };
    assert!(err(&facts(&[("conferance", "2026-12-04")]), None)
        .starts_with("procedure 'durham' has no event 'conferance': use one of"));
    assert_eq!(
        err(
            &facts(&[
                ("conference", "2026-12-04"),
                ("concerns-received", "2026-12-01")
            ]),
            None
        ),
        "event 'concerns-received' on 2026-12-01 is before the conference on 2026-12-04"
    );
    assert_eq!(
        err(&facts(&[("conference", "2026-12-04")]), Some("2026-12-01")),
        "event 'conference' on 2026-12-04 is after the as-of date 2026-12-01: it has not happened yet"
    );
    let mut f = facts(&[("conference", "2026-12-04")]);
    f.track = Some("appeal".into());
    assert_eq!(
        err(&f, None),
        "procedure 'durham' has no track 'appeal': use one of conference"
    );
    let mut f = facts(&[("conference", "2026-12-04")]);
    f.late_accepted.insert(
        "raise-concerns".into(),
        LateAcceptance {
            who: "Chair".into(),
            recorded_by: "team manager".into(),
            why: "x".into(),
        },
    );
    assert_eq!(
        err(&f, None),
        "procedure 'durham' allows no late acceptance for 'raise-concerns' (it allows none)"
    );
}
