//! The deadline semantics of the planner, with every date worked out by hand from the England and
//! Wales calendar: conditional duties, a backward roll that never reaches its trigger, one verdict
//! for one set of dates, refusals by the stage machine, an earlier stage's duty recorded late,
//! closed complaints, started-past-due and the discretion holder's name.
//!
//! The holidays on the way: Fri 25 Dec 2026, Mon 28 Dec 2026 (Boxing Day substitute),
//! Fri 1 Jan 2027, Good Friday 26 Mar 2027, Easter Monday 29 Mar 2027, and Mon 27 and Tue 28 Dec
//! 2027 (Christmas and Boxing Day substitutes).

use chrono::NaiveDate;
use timescales::complaint::{Derived, Extension, Facts, FactsError, LateAcceptance, Plan, Status};

use crate::plans::{d, facts, plan, try_plan};
use crate::validation::{check, located, VALID};

fn ids(p: &Plan) -> Vec<&str> {
    p.deadlines.iter().map(|x| x.id.as_str()).collect()
}

fn get<'a>(p: &'a Plan, id: &str) -> &'a Derived {
    p.deadlines
        .iter()
        .find(|x| x.id == id)
        .unwrap_or_else(|| panic!("no deadline {id} in {:?}", ids(p)))
}

fn status<'a>(p: &'a Plan, id: &str) -> &'a Status {
    get(p, id).status.as_ref().unwrap()
}

fn verdict<'a>(p: &'a Plan, id: &str) -> &'a str {
    get(p, id).verdict.as_deref().unwrap()
}

/// Met on `on`, after the due date.
fn met_late(on: &str, working_days_late: i64) -> Status {
    Status::Met {
        on: d(on),
        working_days_late,
        late: true,
    }
}

/// Durham: the conference Fri 11 Dec 2026, concerns received Wed 23 Dec, then `more`.
fn durham_received_23_dec(more: &[(&str, &str)]) -> Facts {
    let mut f = facts(&[
        ("conference", "2026-12-11"),
        ("concerns-received", "2026-12-23"),
    ]);
    for (e, on) in more {
        f.record(e, d(on));
    }
    f
}

// 1. Conditional duties.

#[test]
fn kent_immediate_resolution_applies_only_where_a_concern_was_expressed() {
    let base = [
        ("conference", "2026-12-11"),
        ("representation-received", "2026-12-18"),
    ];
    let p = plan("kent", &facts(&base), Some("2027-01-05"));
    assert_eq!(p.track, "representation");
    assert!(
        !ids(&p).contains(&"immediate-resolution"),
        "no concern was expressed: {:?}",
        ids(&p)
    );

    let mut f = facts(&base);
    f.record("concern-expressed", d("2026-12-11"));
    let p = plan("kent", &f, Some("2027-01-05"));
    let ir = get(&p, "immediate-resolution");
    // Fri 11 Dec + 3 calendar days: Mon 14 Dec, a working day, so no roll.
    assert_eq!(ir.due, d("2026-12-14"));
    assert_eq!(ir.rule_due, d("2026-12-14"));
    // Overdue as of Tue 5 Jan: 15, 16, 17, 18 (4), 21, 22, 23, 24 (8); 25 and 28 holidays;
    // 29, 30, 31 (11); 1 Jan holiday; 4, 5 Jan (13).
    assert_eq!(
        ir.status,
        Some(Status::Overdue {
            working_days_overdue: 13
        })
    );
    assert_eq!(
        verdict(&p, "immediate-resolution"),
        "overdue by 13 working days"
    );
    assert!(!ir.started_past_due);

    // A concern first raised after the 3 days (Wed 16 Dec) starts the duty past due: it was due
    // Mon 14 Dec. As of Tue 5 Jan, still 13 working days overdue.
    let mut f = facts(&base);
    f.record("concern-expressed", d("2026-12-16"));
    let p = plan("kent", &f, Some("2027-01-05"));
    let ir = get(&p, "immediate-resolution");
    assert_eq!(ir.due, d("2026-12-14"));
    assert_eq!(ir.started_on, d("2026-12-16"));
    assert!(ir.started_past_due);
    assert_eq!(
        verdict(&p, "immediate-resolution"),
        "overdue by 13 working days (started past due)"
    );
}

#[test]
fn kent_minutes_apply_unless_already_available_by_the_notice_to_appeal() {
    let with = |available: Option<&str>| {
        let mut f = facts(&[
            ("conference", "2026-12-11"),
            ("representation-received", "2026-12-18"),
        ]);
        if let Some(on) = available {
            f.record("minutes-already-available", d(on));
        }
        plan("kent", &f, Some("2027-01-05"))
    };
    // Not recorded at all: the duty applies. Fri 18 Dec + 3 working days: 21, 22, 23.
    let p = with(None);
    assert_eq!(get(&p, "minutes").due, d("2026-12-23"));
    // Recorded before the notice to appeal, or on the same day: no duty.
    for on in ["2026-12-15", "2026-12-18"] {
        let p = with(Some(on));
        assert!(
            !ids(&p).contains(&"minutes"),
            "minutes available on {on}: {:?}",
            ids(&p)
        );
    }
    // Recorded only after it (Mon 21 Dec): the duty had already begun and stands, due Wed 23
    // Dec; as of Tue 5 Jan it is overdue by 24, 29, 30, 31 Dec, 4, 5 Jan = 6 working days.
    let p = with(Some("2026-12-21"));
    assert_eq!(get(&p, "minutes").due, d("2026-12-23"));
    assert_eq!(
        status(&p, "minutes"),
        &Status::Overdue {
            working_days_overdue: 6
        }
    );
    // Dated on the notice day but only recorded on Mon 4 Jan, once the duty was overdue: a
    // later record does not undo a duty already begun.
    let mut f = facts(&[
        ("conference", "2026-12-11"),
        ("representation-received", "2026-12-18"),
    ]);
    f.record_known(
        "minutes-already-available",
        d("2026-12-18"),
        d("2027-01-04"),
    );
    let p = plan("kent", &f, Some("2027-01-05"));
    assert_eq!(get(&p, "minutes").due, d("2026-12-23"));
}

/// Kent to the Review Panel: the conference Wed 9 Dec 2026, referred to the panel Wed 3 Mar 2027,
/// the panel met Wed 17 Mar.
fn kent_at_the_review_panel() -> Facts {
    facts(&[
        ("conference", "2026-12-09"),
        ("representation-received", "2026-12-22"),
        ("stage-2-requested", "2027-01-18"),
        ("stage-3-requested", "2027-02-24"),
        ("referred-to-review-panel", "2027-03-03"),
        ("review-panel-met", "2027-03-17"),
    ])
}

#[test]
fn kent_review_conference_applies_only_once_recommended() {
    let f = kent_at_the_review_panel();
    let p = plan("kent", &f, Some("2027-03-19"));
    assert_eq!(p.stage.as_deref(), Some("stage-4"));
    assert!(!ids(&p).contains(&"review-conference"), "{:?}", ids(&p));

    let mut other = kent_at_the_review_panel();
    other.record_outcome("original-decision-stands", d("2027-03-17"), d("2027-03-17"));
    let p = plan("kent", &other, Some("2027-03-19"));
    assert!(!ids(&p).contains(&"review-conference"), "{:?}", ids(&p));

    let mut f = kent_at_the_review_panel();
    f.record_outcome(
        "review-conference-recommended",
        d("2027-03-17"),
        d("2027-03-17"),
    );
    let p = plan("kent", &f, Some("2027-03-19"));
    let rc = get(&p, "review-conference");
    // Wed 9 Dec 2026 + 3 months: Tue 9 Mar 2027, a working day.
    assert_eq!(rc.due, d("2027-03-09"));
    // It began on 17 Mar, when the panel recommended it: already past due.
    assert_eq!(rc.started_on, d("2027-03-17"));
    assert!(rc.started_past_due);
    // As of Fri 19 Mar: 10, 11, 12 (3), 15-19 (8) working days overdue.
    assert_eq!(
        rc.status,
        Some(Status::Overdue {
            working_days_overdue: 8
        })
    );
    assert_eq!(
        verdict(&p, "review-conference"),
        "overdue by 8 working days (started past due)"
    );
}

/// Validation's small valid procedure with an outcome, `upheld`, that Stage one records, so
/// that a condition can name it; each test adds one line to its deadline.
fn sample() -> String {
    VALID
        .replacen(
            "[[tracks]]\n",
            "[outcomes]\nupheld = { label = \"Upheld\" }\n\n[[tracks]]\n",
            1,
        )
        .replacen(
            "next = { escalated = \"two\" }\n",
            "outcomes = [\"upheld\"]\nnext = { escalated = \"two\" }\n",
            1,
        )
}

/// The errors of the sample with `line` added after the deadline's `met_by`, located as
/// `test.toml:LINE:COLUMN: message`, each with its help.
fn errors_with(line: &str) -> Vec<(String, String)> {
    let sample = sample();
    let text = sample.replacen(
        "met_by = \"acknowledged\"\n",
        &format!("met_by = \"acknowledged\"\n{line}\n"),
        1,
    );
    assert_ne!(text, sample);
    match check(&text) {
        Ok(()) => Vec::new(),
        Err(errs) => errs.iter().map(located).collect(),
    }
}

#[test]
fn the_sample_with_a_valid_condition_is_accepted() {
    assert_eq!(
        errors_with("applies_when = { event = \"escalated\" }"),
        Vec::<(String, String)>::new()
    );
    assert_eq!(
        errors_with("applies_when = { outcome = \"upheld\" }"),
        Vec::<(String, String)>::new()
    );
}

#[test]
fn a_condition_naming_an_unknown_event_is_refused_with_file_line_and_column() {
    // The sample's lines: `met_by` is line 52, so the condition is line 53; its value's opening
    // quote is column 26 (`applies_when = { event = ` is 25 characters).
    let errs = errors_with("applies_when = { event = \"concern-raised\" }");
    assert_eq!(
        errs,
        [(
            "test.toml:53:26: deadline 'acknowledge' applies_when event names unknown event 'concern-raised'".to_string(),
            "use one of: acknowledged, conference, escalated, panel-met, received".to_string()
        )]
    );
}

#[test]
fn a_condition_with_both_an_event_and_an_outcome_is_refused() {
    // The inline table opens at column 16 (`applies_when = ` is 15 characters).
    let errs = errors_with("applies_when = { event = \"escalated\", outcome = \"upheld\" }");
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(
        errs[0].0,
        "test.toml:53:16: deadline 'acknowledge' applies_when needs exactly one of event, outcome or unless_event"
    );
    assert!(
        errs[0].1.contains("applies_when = { event = \"...\" }"),
        "{}",
        errs[0].1
    );
}

// 2. A backward roll never reaches the trigger.

/// Kent's attempt at immediate resolution (3 calendar days from the conference, rolled back)
/// for a concern expressed at a conference held on `conference`.
fn immediate_resolution_due(conference: &str) -> NaiveDate {
    let f = facts(&[
        ("conference", conference),
        ("concern-expressed", conference),
    ]);
    get(&plan("kent", &f, None), "immediate-resolution").due
}

#[test]
fn a_backward_roll_that_would_reach_the_conference_rolls_forward_instead() {
    // Thu 25 Mar 2027 + 3 = Sun 28; back over Sat 27 and Good Friday 26 reaches Thu 25, the
    // conference itself; so forward: Easter Monday 29 is a holiday, Tue 30 Mar.
    assert_eq!(immediate_resolution_due("2027-03-25"), d("2027-03-30"));
    // Thu 24 Dec 2026 + 3 = Sun 27; back over Sat 26 and Christmas Day reaches Thu 24, the
    // conference; forward: Mon 28 is Boxing Day's substitute, Tue 29 Dec.
    assert_eq!(immediate_resolution_due("2026-12-24"), d("2026-12-29"));
    // Fri 24 Dec 2027 + 3 = Mon 27, Christmas Day's substitute; back over Sun 26 and Sat 25
    // reaches Fri 24, the conference; forward: Tue 28 is Boxing Day's substitute, Wed 29 Dec.
    assert_eq!(immediate_resolution_due("2027-12-24"), d("2027-12-29"));
}

#[test]
fn a_backward_roll_that_stays_after_the_conference_stands() {
    // Wed 23 Dec 2026 + 3 = Sat 26; back over Christmas Day to Thu 24, after the conference.
    assert_eq!(immediate_resolution_due("2026-12-23"), d("2026-12-24"));
    // Wed 9 Dec 2026 + 3 = Sat 12; back to Fri 11.
    assert_eq!(immediate_resolution_due("2026-12-09"), d("2026-12-11"));
}

// 3. One date, one verdict.

fn durham_acknowledge(extra: &[(&str, &str)], as_of: &str) -> Plan {
    let mut f = facts(&[
        ("conference", "2027-01-08"),
        ("concerns-received", "2027-01-12"),
    ]);
    for (e, on) in extra {
        f.record(e, d(on));
    }
    plan("durham", &f, Some(as_of))
}

#[test]
fn overdue_on_the_saturday_after_the_due_date() {
    let p = durham_acknowledge(&[], "2027-01-16");
    // Tue 12 Jan + 3 working days: 13, 14, 15.
    assert_eq!(get(&p, "acknowledge").due, d("2027-01-15"));
    // Sat 16 Jan: after the due date, but no working day has passed since it.
    assert_eq!(
        status(&p, "acknowledge"),
        &Status::Overdue {
            working_days_overdue: 0
        }
    );
    assert_eq!(
        verdict(&p, "acknowledge"),
        "overdue (on a non-working day after the due date)"
    );
}

#[test]
fn met_on_the_saturday_after_the_due_date_is_late() {
    let p = durham_acknowledge(&[("concerns-acknowledged", "2027-01-16")], "2027-01-16");
    assert_eq!(status(&p, "acknowledge"), &met_late("2027-01-16", 0));
    assert_eq!(
        verdict(&p, "acknowledge"),
        "met on 2027-01-16, late (on a non-working day after the due date)"
    );
    // Met on Mon 18 Jan: one working day (18) after Fri 15.
    let p = durham_acknowledge(&[("concerns-acknowledged", "2027-01-18")], "2027-01-18");
    assert_eq!(status(&p, "acknowledge"), &met_late("2027-01-18", 1));
    assert_eq!(
        verdict(&p, "acknowledge"),
        "met on 2027-01-18, 1 working day late"
    );
    // And on the due day itself, on time.
    let p = durham_acknowledge(&[("concerns-acknowledged", "2027-01-15")], "2027-01-16");
    assert_eq!(verdict(&p, "acknowledge"), "met on 2027-01-15, on time");
}

// 4. The planner refuses an event the stages reached cannot take.

/// What the stage machine says of Durham's `stage-3-requested` on Sun 20 Dec 2026, while the
/// complaint is still at Stage 1: written out from the procedure file.
const STAGE_3_TOO_EARLY: &str = "event 'stage-3-requested' on 2026-12-20 cannot be recorded in stage-1 ('Stage one: informal stage'), the complaint's stage on that date: it needs stage-2 ('Stage two: the Complaint Resolution meeting'); stage-1 records concerns-received, concerns-acknowledged, appointment-offered, appointment-held, stage-1-letter-sent, resolved, withdrawn, stage-2-requested";

#[test]
fn the_planner_refuses_an_event_of_a_stage_not_reached() {
    let f = facts(&[
        ("conference", "2026-12-11"),
        ("stage-3-requested", "2026-12-20"),
    ]);
    let err = try_plan("durham", &f, None).unwrap_err();
    assert!(matches!(err, FactsError::Stage(_)), "{err:?}");
    assert_eq!(err.to_string(), STAGE_3_TOO_EARLY);
    // The same event once Stage 2 has been reached (Mon 14 Dec) is taken.
    let f = facts(&[
        ("conference", "2026-12-11"),
        ("concerns-received", "2026-12-11"),
        ("stage-2-requested", "2026-12-14"),
        ("stage-3-requested", "2026-12-20"),
    ]);
    assert_eq!(plan("durham", &f, None).stage.as_deref(), Some("stage-3"));
}

// 6. An earlier stage's obligation stays recordable.

#[test]
fn an_earlier_stage_obligation_met_after_the_stage_moved_on_is_met_late() {
    let f = durham_received_23_dec(&[
        ("stage-2-requested", "2027-01-05"),
        ("concerns-acknowledged", "2027-01-07"),
    ]);
    let p = plan("durham", &f, Some("2027-01-07"));
    assert_eq!(p.stage.as_deref(), Some("stage-2"));
    // Wed 23 Dec + 3: 24, 29, 30 Dec. Met Thu 7 Jan: 31 Dec (1), 4, 5, 6, 7 Jan (5) late.
    assert_eq!(get(&p, "acknowledge").due, d("2026-12-30"));
    assert_eq!(status(&p, "acknowledge"), &met_late("2027-01-07", 5));
    assert_eq!(
        verdict(&p, "acknowledge"),
        "met on 2027-01-07, 5 working days late"
    );
    // An event that meets no obligation of Stage 1 is not taken once Stage 2 is reached.
    let f = durham_received_23_dec(&[
        ("stage-2-requested", "2027-01-05"),
        ("appointment-held", "2027-01-07"),
    ]);
    let err = try_plan("durham", &f, None).unwrap_err().to_string();
    assert!(
        err.starts_with("event 'appointment-held' on 2027-01-07 cannot be recorded in stage-2 ('Stage two: the Complaint Resolution meeting'), the complaint's stage on that date: it needs stage-1"),
        "{err}"
    );
}

// 7. Closed means closed.

#[test]
fn a_withdrawn_complaint_leaves_overdue_duties_unmet_and_later_ones_not_needed() {
    let f = durham_received_23_dec(&[("withdrawn", "2027-01-05")]);
    for as_of in ["2027-01-05", "2027-02-15"] {
        let p = plan("durham", &f, Some(as_of));
        assert_eq!(p.stage, None);
        // acknowledge was due Wed 30 Dec: on Tue 5 Jan, 31 Dec, 4, 5 Jan = 3 overdue; weeks later,
        // still 3.
        let ack = get(&p, "acknowledge");
        assert_eq!(ack.closed_on, Some(d("2027-01-05")));
        assert_eq!(ack.state(), "unmet");
        assert_eq!(
            ack.status,
            Some(Status::Unmet {
                closed_on: d("2027-01-05"),
                working_days_overdue: 3
            }),
            "as of {as_of}"
        );
        assert_eq!(
            verdict(&p, "acknowledge"),
            "not met: overdue by 3 working days when the complaint closed on 2027-01-05"
        );
        // offer-appointment, due Mon 11 Jan (23 Dec + 10: 24, 29, 30, 31, 4-8, 11), was not yet
        // due.
        let offer = get(&p, "offer-appointment");
        assert_eq!(offer.due, d("2027-01-11"));
        assert_eq!(offer.state(), "not-needed");
        assert_eq!(
            offer.status,
            Some(Status::NotNeeded {
                closed_on: d("2027-01-05")
            })
        );
        assert_eq!(
            verdict(&p, "offer-appointment"),
            "not needed (closed on 2027-01-05)"
        );
        assert_eq!(get(&p, "raise-concerns").state(), "met");
    }
}

// 8. Started past due.

#[test]
fn a_late_representation_starts_the_stage_1_meeting_past_due() {
    let mut f = facts(&[
        ("conference", "2026-12-09"),
        ("representation-received", "2027-01-14"),
    ]);
    f.late_accepted.insert(
        "representation".into(),
        LateAcceptance {
            who: String::new(),
            recorded_by: "Team Manager".into(),
            why: "exceptional circumstances".into(),
        },
    );
    let p = plan("kent", &f, Some("2027-01-18"));
    let meeting = get(&p, "stage-1-meeting");
    // Wed 9 Dec + 18 working days: 10, 11 (2), 14-18 (7), 21-24 (11), 29, 30, 31 (14),
    // 4, 5, 6, 7 Jan (18).
    assert_eq!(meeting.due, d("2027-01-07"));
    // Stage 1 was reached on Thu 14 Jan, a week after.
    assert_eq!(meeting.started_on, d("2027-01-14"));
    assert!(meeting.started_past_due);
    // As of Mon 18 Jan: 8, 11-15, 18 = 7 working days overdue.
    assert_eq!(
        verdict(&p, "stage-1-meeting"),
        "overdue by 7 working days (started past due)"
    );
    // The window itself started on time: due Wed 23 Dec, received Thu 14 Jan: 24, 29, 30, 31
    // (4), 4-8 (9), 11-14 (13) working days late, accepted.
    let rep = get(&p, "representation");
    assert!(!rep.started_past_due);
    assert_eq!(
        rep.late_acceptance.as_ref().unwrap().who,
        "Conference Chair"
    );
    assert_eq!(
        verdict(&p, "representation"),
        "met on 2027-01-14, 13 working days late, accepted out of time"
    );
    // The minutes count from the late receipt: Thu 14 Jan + 3 = 15, 18, 19: due Tue 19 Jan.
    assert!(!get(&p, "minutes").started_past_due);
    assert_eq!(verdict(&p, "minutes"), "open: 1 working day left");
}

#[test]
fn the_planner_takes_facts_to_be_known_on_their_dates() {
    // The planner cannot know when facts were entered: Durham concerns received Wed 23 Dec are
    // acknowledged by Wed 30 Dec, and that did not start past due.
    let p = plan("durham", &durham_received_23_dec(&[]), Some("2027-02-01"));
    let ack = get(&p, "acknowledge");
    assert_eq!(ack.due, d("2026-12-30"));
    assert!(!ack.started_past_due);
    // 31 Dec (1), 4-8 (6), 11-15 (11), 18-22 (16), 25-29 (21), 1 Feb (22).
    assert_eq!(verdict(&p, "acknowledge"), "overdue by 22 working days");
    // The same facts known only on 1 Feb started past due.
    let mut late = Facts::default();
    late.record_known("conference", d("2026-12-11"), d("2027-02-01"));
    late.record_known("concerns-received", d("2026-12-23"), d("2027-02-01"));
    let p = plan("durham", &late, Some("2027-02-01"));
    assert!(get(&p, "acknowledge").started_past_due);
    assert_eq!(
        verdict(&p, "acknowledge"),
        "overdue by 22 working days (started past due)"
    );
}

// 9. Extensions name the discretion's holder.

#[test]
fn an_extension_names_the_role_that_holds_the_discretion() {
    let mut f = facts(&[
        ("conference", "2026-12-01"),
        ("complaint-received", "2026-12-22"),
        ("feedback-sent", "2027-01-21"),
        ("step-2-requested", "2027-01-27"),
    ]);
    f.extensions.insert(
        "panel-meeting".into(),
        Extension {
            to: d("2027-03-31"),
            who: String::new(),
            recorded_by: "Team Manager".into(),
            why: "panel member unavailable".into(),
        },
    );
    let p = plan("city-and-hackney", &f, Some("2027-03-01"));
    let panel = get(&p, "panel-meeting");
    // Wed 27 Jan + 15 working days: 28, 29 (2), 1-5 Feb (7), 8-12 (12), 15, 16, 17 (15).
    assert_eq!(panel.rule_due, d("2027-02-17"));
    assert_eq!(panel.due, d("2027-03-31"));
    let ext = panel.extension.as_ref().unwrap();
    // [[discretion]] who = "head-of-safeguarding", whose name in [roles] is this:
    assert_eq!(ext.who, "Head of Safeguarding");
    assert_eq!(ext.recorded_by, "Team Manager");
}

// 12. The planner and the stored log agree.

mod planner_and_log_agree {
    use std::sync::OnceLock;

    use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};
    use proptest::prelude::*;
    use timescales::calendar::Calendars;
    use timescales::complaint::{derive, Facts, NotApplicable, Plan, Status};
    use timescales::lifecycle::{kind, replay};
    use timescales::procedure::Procedures;
    use timescales::store::{ComplaintRow, EntryRow};

    fn procedures() -> &'static Procedures {
        static P: OnceLock<Procedures> = OnceLock::new();
        P.get_or_init(|| Procedures::load(None).unwrap())
    }

    fn calendars() -> &'static Calendars {
        static C: OnceLock<Calendars> = OnceLock::new();
        C.get_or_init(Calendars::embedded)
    }

    /// A Durham history: each event an optional gap in days after the one it follows, in an
    /// order the procedure allows. `None` leaves the event out (and what depends on it).
    #[derive(Debug, Clone)]
    struct History {
        conference: NaiveDate,
        received: u32,
        acknowledged: Option<u32>,
        offered: Option<u32>,
        stage_2: Option<u32>,
        meeting: Option<u32>,
        letter: Option<u32>,
        stage_3: Option<u32>,
        panel: Option<u32>,
        decision: Option<u32>,
        withdrawn: Option<u32>,
        not_applicable: Option<usize>,
        as_of: u32,
    }

    fn gap() -> impl Strategy<Value = Option<u32>> {
        prop::option::of(0u32..40)
    }

    fn history() -> impl Strategy<Value = History> {
        (
            // 2026-10-01 to about 2028-01: Christmas 2026, Easter 2027 and Christmas 2027.
            0i64..460,
            0u32..30,
            (gap(), gap(), gap(), gap(), gap()),
            (gap(), gap(), gap(), gap()),
            prop::option::of(0usize..8),
            0u32..60,
        )
            .prop_map(
                |(
                    c,
                    received,
                    (acknowledged, offered, stage_2, meeting, letter),
                    (stage_3, panel, decision, withdrawn),
                    not_applicable,
                    as_of,
                )| History {
                    conference: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() + Duration::days(c),
                    received,
                    acknowledged,
                    offered,
                    stage_2,
                    meeting,
                    letter,
                    stage_3,
                    panel,
                    decision,
                    withdrawn,
                    not_applicable,
                    as_of,
                },
            )
    }

    /// The events in the order they are recorded, each with its date.
    fn events(h: &History) -> Vec<(&'static str, NaiveDate)> {
        let after = |d: NaiveDate, g: u32| d + Duration::days(g.into());
        let mut out = vec![("conference", h.conference)];
        let received = after(h.conference, h.received);
        out.push(("concerns-received", received));
        if let Some(g) = h.acknowledged {
            out.push(("concerns-acknowledged", after(received, g)));
        }
        if let Some(g) = h.offered {
            out.push(("appointment-offered", after(received, g)));
        }
        if let Some(g) = h.stage_2 {
            let s2 = after(received, g);
            out.push(("stage-2-requested", s2));
            if let Some(g) = h.meeting {
                out.push(("resolution-meeting-held", after(s2, g)));
            }
            // The letter is a Stage 2 event that meets no obligation: it comes before Stage 3.
            let mut before_3 = s2;
            if let Some(g) = h.letter {
                before_3 = after(s2, g);
                out.push(("stage-2-letter-sent", before_3));
            }
            if let Some(g) = h.stage_3 {
                let s3 = after(before_3, g);
                out.push(("stage-3-requested", s3));
                if let Some(g) = h.panel {
                    let panel = after(s3, g);
                    out.push(("panel-held", panel));
                    if let Some(g) = h.decision {
                        out.push(("panel-decision-sent", after(panel, g)));
                    }
                }
            }
        }
        if let Some(g) = h.withdrawn {
            let last = out.iter().map(|(_, d)| *d).max().unwrap();
            out.push(("withdrawn", after(last, g)));
        }
        out
    }

    fn noon(d: NaiveDate) -> chrono::DateTime<Utc> {
        Utc.from_utc_datetime(&d.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap()))
    }

    fn row(conference: NaiveDate) -> ComplaintRow {
        ComplaintRow {
            id: 1,
            reference: "PROP-1".into(),
            procedure: "durham".into(),
            track: "conference".into(),
            complainant_role: "parent".into(),
            conference_date: conference,
            conference_type: "initial".into(),
            stage: None,
            status: "open".into(),
            outcome: None,
            referred_to: None,
            opened_at: noon(conference),
            updated_at: noon(conference),
            version: 1,
        }
    }

    fn entry(id: i64, kind: &str, name: &str, date: NaiveDate, note: &str) -> EntryRow {
        EntryRow {
            id,
            kind: kind.into(),
            name: name.into(),
            effective_date: date,
            new_date: None,
            corrects: None,
            // Recorded on the day it happened, as the planner takes it.
            recorded_at: noon(date),
            recorded_by: "Conference Chair".into(),
            note: note.into(),
        }
    }

    /// The same events as facts for the planner and as a log recorded as they happened.
    fn facts_and_log<S: AsRef<str>>(evs: &[(S, NaiveDate)]) -> (Facts, Vec<EntryRow>) {
        let mut planned = Facts::default();
        let mut log = Vec::new();
        for (i, (name, date)) in evs.iter().enumerate() {
            planned.record(name.as_ref(), *date);
            log.push(entry(i as i64 + 1, kind::EVENT, name.as_ref(), *date, ""));
        }
        (planned, log)
    }

    /// Each deadline's id, due date, status and verdict.
    type Summary = Vec<(String, NaiveDate, Option<Status>, Option<String>)>;

    fn summary(p: &Plan) -> Summary {
        p.deadlines
            .iter()
            .map(|x| (x.id.clone(), x.due, x.status.clone(), x.verdict.clone()))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn the_planner_and_the_replayed_log_give_the_same_status_and_verdict(h in history()) {
            let durham = procedures().get("durham").unwrap();
            let evs = events(&h);
            let last = evs.iter().map(|(_, d)| *d).max().unwrap();
            let as_of = last + Duration::days(h.as_of.into());

            let (mut planned, mut log) = facts_and_log(&evs);
            if let Some(i) = h.not_applicable {
                let id = durham.deadlines[i % durham.deadlines.len()].id.clone();
                planned.not_applicable.insert(id.clone(), NotApplicable {
                    recorded_by: "Team Manager".into(),
                    why: "does not arise".into(),
                    on: last,
                });
                log.push(entry(log.len() as i64 + 1, kind::NOT_APPLICABLE, &id, last, "does not arise"));
            }

            let plan = derive(durham, &planned, calendars(), Some(as_of));
            let replayed = replay(durham, &row(h.conference), &log);
            prop_assert!(replayed.refused.is_empty(), "{:?}: {:?}", evs, replayed.refused);
            let stored = derive(durham, &replayed.facts, calendars(), Some(as_of));
            let (plan, stored) = match (plan, stored) {
                (Ok(p), Ok(s)) => (p, s),
                (p, s) => {
                    prop_assert!(false, "{:?}: planner {:?}, log {:?}", evs, p.err(), s.err());
                    unreachable!()
                }
            };
            prop_assert_eq!(&plan.stage, &replayed.stage);
            prop_assert_eq!(summary(&plan), summary(&stored), "{:?} as of {}", evs, as_of);
        }

        #[test]
        fn the_planner_refuses_exactly_what_the_log_passes_over(
            conference in 0i64..460,
            picks in prop::collection::vec((0usize..13, 0u32..60), 1..8),
            after in 0u32..30,
        ) {
            // Any Durham events, on any dates after the conference, in any order: the planner
            // refuses the facts exactly when the stage machine passes over an entry of the log,
            // and otherwise both give the same statuses and verdicts.
            let durham = procedures().get("durham").unwrap();
            let names: Vec<&String> = durham.events.keys().filter(|e| *e != "conference").collect();
            prop_assert_eq!(names.len(), 13);
            let conference = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() + Duration::days(conference);
            let mut evs = vec![("conference".to_string(), conference)];
            evs.extend(picks.iter().map(|(i, g)| (names[*i].clone(), conference + Duration::days((*g).into()))));
            let as_of = evs.iter().map(|(_, d)| *d).max().unwrap() + Duration::days(after.into());
            let (planned, log) = facts_and_log(&evs);
            let plan = derive(durham, &planned, calendars(), Some(as_of));
            let replayed = replay(durham, &row(conference), &log);
            match plan {
                Err(e) => {
                    prop_assert!(!replayed.refused.is_empty(), "{:?}: planner refused ({}) but the log took it all", evs, e);
                    prop_assert_eq!(e.to_string(), replayed.refused[0].1.message.clone());
                }
                Ok(plan) => {
                    prop_assert!(replayed.refused.is_empty(), "{:?}: the log passed over {:?}", evs, replayed.refused);
                    let stored = derive(durham, &replayed.facts, calendars(), Some(as_of)).unwrap();
                    prop_assert_eq!(&plan.stage, &replayed.stage);
                    prop_assert_eq!(summary(&plan), summary(&stored), "{:?} as of {}", evs, as_of);
                }
            }
        }
    }
}
