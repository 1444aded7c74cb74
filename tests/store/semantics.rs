//! The deadline semantics on stored complaints, on both backends, with every date worked out by
//! hand from the calendar (England and Wales unless said otherwise): one verdict for one set of
//! dates, stage refusals worded as the planner words them, corrections that would reorder the
//! stages, an earlier stage's duty recorded late, closed complaints, started-past-due,
//! extensions, not-applicable marks and a Scottish configuration.
//!
//! The holidays on the way: Fri 25 Dec 2026, Mon 28 Dec 2026 (Boxing Day substitute),
//! Fri 1 Jan 2027; in Scotland also Mon 4 Jan 2027 (the 2 January substitute).

use timescales::calendar::{Calendars, Division};
use timescales::complaint::{derive, Derived, Facts, FactsError, Plan, Status};
use timescales::lifecycle::{
    Applicability, ComplaintView, Correct, Decision, Extend, Lifecycle, LifecycleError, ListQuery,
    Rag,
};
use timescales::procedure::Procedures;
use timescales::store::{Snapshot, Store};

use crate::backends::on_both;
use crate::fixtures::{open, rec};
use crate::helpers::{d, rag, service, service_with, set_today};

fn deadline<'a>(v: &'a ComplaintView, id: &str) -> &'a Derived {
    &v.deadlines
        .iter()
        .find(|x| x.derived.id == id)
        .unwrap_or_else(|| panic!("no deadline {id}"))
        .derived
}

fn verdict(v: &ComplaintView, id: &str) -> String {
    deadline(v, id).verdict.clone().unwrap()
}

/// The stored state of deadline `id`.
async fn stored_state(store: &Store, reference: &str, id: &str) -> String {
    store
        .get(reference)
        .await
        .unwrap()
        .deadlines
        .into_iter()
        .find(|x| x.deadline == id)
        .unwrap_or_else(|| panic!("no stored deadline {id}"))
        .state
}

/// Everything stored about a complaint (its row, log and deadlines) and its audit: to show a
/// refused command wrote nothing.
async fn snapshot(l: &Lifecycle, reference: &str) -> (Snapshot, usize) {
    (
        l.store().get(reference).await.unwrap(),
        l.audit(reference).await.unwrap().len(),
    )
}

/// Opens `reference` under `procedure` for a conference on `conference` and records `events` in
/// order: the complaint as the last of them left it.
async fn open_with(
    l: &Lifecycle,
    reference: &str,
    procedure: &str,
    conference: &str,
    events: &[(&str, &str)],
) -> ComplaintView {
    let mut v = l
        .open(open(reference, procedure, conference))
        .await
        .unwrap();
    for (e, on) in events {
        v = l.record_event(reference, rec(e, on)).await.unwrap();
    }
    v
}

/// A Durham complaint whose concerns were received on `received`.
async fn durham_received(
    l: &Lifecycle,
    reference: &str,
    conference: &str,
    received: &str,
) -> ComplaintView {
    open_with(
        l,
        reference,
        "durham",
        conference,
        &[("concerns-received", received)],
    )
    .await
}

/// A Bedford complaint whose panel met on `panel_met`, after `events`, without enough
/// information to decide.
async fn bedford_panel_short_of_information(
    l: &Lifecycle,
    reference: &str,
    events: &[(&str, &str)],
    panel_met: &str,
) {
    open_with(l, reference, "bedford-central-beds", "2026-11-27", events).await;
    l.record_event(reference, rec("panel-met", panel_met))
        .await
        .unwrap();
    l.record_outcome(reference, rec("insufficient-information", panel_met))
        .await
        .unwrap();
}

/// The id of the log entry `name`.
fn entry(v: &ComplaintView, name: &str) -> i64 {
    v.timeline.iter().find(|e| e.name == name).unwrap().id
}

/// The Team Manager moves log entry `entry` to `date`.
fn misread(entry: i64, date: &str) -> Correct {
    Correct {
        entry,
        date: d(date),
        recorded_by: "Team Manager".into(),
        reason: "date misread".into(),
    }
}

fn decide(why: &str) -> Decision {
    Decision {
        recorded_by: "Team Manager".into(),
        reason: why.into(),
    }
}

/// Runs `command` on complaint `reference` (not yet started: a future does nothing until it is
/// awaited), checks it is refused as invalid and writes nothing, and gives the field and message.
async fn refused<T: std::fmt::Debug>(
    l: &Lifecycle,
    reference: &str,
    command: impl std::future::Future<Output = Result<T, LifecycleError>>,
) -> (String, String) {
    let before = snapshot(l, reference).await;
    let err = command.await.unwrap_err();
    assert_eq!(snapshot(l, reference).await, before);
    let LifecycleError::Invalid { field, message } = err else {
        panic!("{err:?}")
    };
    (field.into_owned(), message)
}

/// The references a list gives.
async fn listed(l: &Lifecycle, query: &ListQuery) -> Vec<String> {
    l.list(query)
        .await
        .unwrap()
        .complaints
        .into_iter()
        .map(|i| i.complaint.reference)
        .collect()
}

fn overdue_only() -> ListQuery {
    ListQuery {
        overdue: true,
        ..Default::default()
    }
}

fn applicability(reason: &str) -> Applicability {
    Applicability {
        deadline: "acknowledge".into(),
        recorded_by: "Team Manager".into(),
        reason: reason.into(),
    }
}

/// What the planner alone makes of Durham `events` as of `as_of`: it cannot know when they were
/// entered.
fn durham_plan(events: &[(&str, &str)], as_of: Option<&str>) -> Result<Plan, FactsError> {
    let mut f = Facts::default();
    for (e, on) in events {
        f.record(e, d(on));
    }
    let set = Procedures::load(None).unwrap();
    derive(
        set.get("durham").unwrap(),
        &f,
        &Calendars::embedded(),
        as_of.map(d),
    )
}

fn planned<'a>(p: &'a Plan, id: &str) -> &'a Derived {
    p.deadlines.iter().find(|x| x.id == id).unwrap()
}

// 3. One date, one verdict.

#[tokio::test]
async fn a_stored_complaint_gives_the_planners_verdict_on_a_saturday() {
    on_both("one verdict", |store| async move {
        // Conference Fri 8 Jan 2027; concerns received, and recorded, Tue 12 Jan.
        let (l, clock) = service(&store, "2027-01-12");
        durham_received(&l, "V-1", "2027-01-08", "2027-01-12").await;
        // Sat 16 Jan, nothing sent: acknowledge was due Fri 15 (12 + 3: 13, 14, 15).
        set_today(&clock, "2027-01-16");
        let v = l.show("V-1").await.unwrap();
        let ack = deadline(&v, "acknowledge");
        assert_eq!(ack.due, d("2027-01-15"));
        assert_eq!(
            ack.status,
            Some(Status::Overdue {
                working_days_overdue: 0
            })
        );
        assert_eq!(
            verdict(&v, "acknowledge"),
            "overdue (on a non-working day after the due date)"
        );
        assert_eq!(rag(&v, "acknowledge"), Rag::Red);

        // The planner, given the same dates, says the same.
        let mut events = vec![
            ("conference", "2027-01-08"),
            ("concerns-received", "2027-01-12"),
        ];
        let planned_verdict = |events: &[(&str, &str)]| {
            let p = durham_plan(events, Some("2027-01-16")).unwrap();
            planned(&p, "acknowledge").verdict.clone()
        };
        assert_eq!(planned_verdict(&events), Some(verdict(&v, "acknowledge")));

        // Acknowledged on the Saturday itself: met, late, 0 working days.
        let v = l
            .record_event("V-1", rec("concerns-acknowledged", "2027-01-16"))
            .await
            .unwrap();
        assert_eq!(
            deadline(&v, "acknowledge").status,
            Some(Status::Met {
                on: d("2027-01-16"),
                working_days_late: 0,
                late: true
            })
        );
        assert_eq!(
            verdict(&v, "acknowledge"),
            "met on 2027-01-16, late (on a non-working day after the due date)"
        );
        events.push(("concerns-acknowledged", "2027-01-16"));
        assert_eq!(planned_verdict(&events), Some(verdict(&v, "acknowledge")));
        assert_eq!(stored_state(&store, "V-1", "acknowledge").await, "met");

        // Another complaint acknowledged on Mon 18 Jan: one working day (18) late.
        set_today(&clock, "2027-01-12");
        durham_received(&l, "V-2", "2027-01-08", "2027-01-12").await;
        set_today(&clock, "2027-01-18");
        let v = l
            .record_event("V-2", rec("concerns-acknowledged", "2027-01-18"))
            .await
            .unwrap();
        assert_eq!(
            verdict(&v, "acknowledge"),
            "met on 2027-01-18, 1 working day late"
        );

        // The same dates entered only on Sat 16 Jan: the duty was already past due when it
        // became known, and the verdict says so (the planner cannot know this).
        set_today(&clock, "2027-01-16");
        let v = durham_received(&l, "V-3", "2027-01-08", "2027-01-12").await;
        assert!(deadline(&v, "acknowledge").started_past_due);
        assert_eq!(
            verdict(&v, "acknowledge"),
            "overdue (on a non-working day after the due date) (started past due)"
        );
    })
    .await;
}

// 4. The stored complaint refuses what the planner refuses, in the same words.

#[tokio::test]
async fn an_event_of_a_stage_not_reached_is_refused_in_the_planners_words() {
    on_both("stage refusal", |store| async move {
        let (l, _) = service(&store, "2027-01-05");
        l.open(open("S-1", "durham", "2026-12-11")).await.unwrap();
        let refusal = l.record_event("S-1", rec("stage-3-requested", "2026-12-20"));
        let (field, message) = refused(&l, "S-1", refusal).await;
        assert_eq!(field, "name");
        // The planner's refusal of the same events.
        let planned = durham_plan(
            &[
                ("conference", "2026-12-11"),
                ("stage-3-requested", "2026-12-20"),
            ],
            None,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(message, planned);
        assert_eq!(message, "event 'stage-3-requested' on 2026-12-20 cannot be recorded in stage-1 ('Stage one: informal stage'), the complaint's stage on that date: it needs stage-2 ('Stage two: the Complaint Resolution meeting'); stage-1 records concerns-received, concerns-acknowledged, appointment-offered, appointment-held, stage-1-letter-sent, resolved, withdrawn, stage-2-requested");
    })
    .await;
}

// 5. A correction that would reorder the stage transitions is refused.

#[tokio::test]
async fn a_correction_that_would_reorder_the_stages_is_refused_and_writes_nothing() {
    on_both("reorder", |store| async move {
        let (l, _) = service(&store, "2027-01-20");
        let events = [
            ("concerns-received", "2026-12-14"),
            ("stage-2-requested", "2027-01-04"),
            ("stage-3-requested", "2027-01-11"),
        ];
        let v = open_with(&l, "R-1", "durham", "2026-12-11", &events).await;
        assert_eq!(v.complaint.stage.as_deref(), Some("stage-3"));
        let (stage_2, stage_3) = (
            entry(&v, "stage-2-requested"),
            entry(&v, "stage-3-requested"),
        );

        // Stage 2 requested on Tue 12 Jan would put the Stage 3 request (Mon 11 Jan) in Stage 1.
        let refusal = l.correct("R-1", misread(stage_2, "2027-01-12"));
        let (field, message) = refused(&l, "R-1", refusal).await;
        assert_eq!(field, "date");
        assert!(
            message.starts_with(&format!(
                "this change would leave entry {stage_3} (stage-3-requested on 2027-01-11) out of order: event 'stage-3-requested' on 2027-01-11 cannot be recorded in stage-1"
            )),
            "{message}"
        );

        // A correction that keeps the order is taken: Stage 2 requested Tue 5 Jan; the
        // resolution meeting is due 28 days later, Tue 2 Feb (a working day).
        let v = l
            .correct("R-1", misread(stage_2, "2027-01-05"))
            .await
            .unwrap();
        assert_eq!(v.complaint.stage.as_deref(), Some("stage-3"));
        assert_eq!(deadline(&v, "resolution-meeting").due, d("2027-02-02"));
    })
    .await;
}

#[tokio::test]
async fn a_correction_that_would_swap_a_withdrawal_and_a_reopening_is_refused() {
    on_both("reorder close", |store| async move {
        // Bedford: the panel meets Mon 22 Mar 2027 without enough information; staff close the
        // complaint on Wed 24 Mar, reopen it on Mon 12 Apr, and the family withdraws Tue 20 Apr.
        let (l, clock) = service(&store, "2027-03-24");
        let events = [
            ("complaint-received", "2026-12-23"),
            ("stage-1-outcome-sent", "2027-02-12"),
            ("stage-2-requested", "2027-02-26"),
        ];
        bedford_panel_short_of_information(&l, "RB-1", &events, "2027-03-22").await;
        l.close("RB-1", decide("awaiting a panel date"))
            .await
            .unwrap();
        set_today(&clock, "2027-04-12");
        l.reopen("RB-1", decide("panel arranged")).await.unwrap();
        set_today(&clock, "2027-04-20");
        let v = l
            .record_event("RB-1", rec("withdrawn", "2027-04-20"))
            .await
            .unwrap();
        assert_eq!(v.complaint.status, "closed");
        let withdrawn = entry(&v, "withdrawn");
        // Withdrawn on Tue 23 Mar would close the complaint before staff closed it, and the
        // reopening would then come after the withdrawal instead of before it.
        let refusal = l.correct("RB-1", misread(withdrawn, "2027-03-23"));
        let (field, message) = refused(&l, "RB-1", refusal).await;
        assert_eq!(field, "date");
        assert!(
            message.starts_with("this change would reorder the complaint's stage transitions"),
            "{message}"
        );
    })
    .await;
}

// 6. An earlier stage's obligation stays recordable.

#[tokio::test]
async fn an_earlier_stages_duty_is_recorded_after_the_stage_moved_on() {
    on_both("earlier duty", |store| async move {
        let (l, clock) = service(&store, "2026-12-23");
        durham_received(&l, "E-1", "2026-12-11", "2026-12-23").await;
        set_today(&clock, "2027-01-05");
        let v = l
            .record_event("E-1", rec("stage-2-requested", "2027-01-05"))
            .await
            .unwrap();
        assert_eq!(v.complaint.stage.as_deref(), Some("stage-2"));
        // Wed 23 Dec + 3: 24, 29, 30 Dec. On Tue 5 Jan: 31 Dec, 4, 5 Jan = 3 overdue.
        assert_eq!(
            deadline(&v, "acknowledge").status,
            Some(Status::Overdue {
                working_days_overdue: 3
            })
        );
        // Thu 7 Jan: the chair writes back, at last.
        set_today(&clock, "2027-01-07");
        let v = l
            .record_event("E-1", rec("concerns-acknowledged", "2027-01-07"))
            .await
            .unwrap();
        assert_eq!(v.complaint.stage.as_deref(), Some("stage-2"));
        // After Wed 30 Dec: 31 Dec (1), 4, 5, 6, 7 Jan (5) working days late.
        assert_eq!(
            deadline(&v, "acknowledge").status,
            Some(Status::Met {
                on: d("2027-01-07"),
                working_days_late: 5,
                late: true
            })
        );
        assert_eq!(
            verdict(&v, "acknowledge"),
            "met on 2027-01-07, 5 working days late"
        );
        assert_eq!(stored_state(&store, "E-1", "acknowledge").await, "met");
        assert!(listed(&l, &overdue_only()).await.is_empty());
        // An event of Stage 1 that meets no obligation is still refused.
        let err = l
            .record_event("E-1", rec("appointment-held", "2027-01-07"))
            .await
            .unwrap_err();
        assert!(
            err.to_string().starts_with(
                "event 'appointment-held' on 2027-01-07 cannot be recorded in stage-2"
            ),
            "{err}"
        );
    })
    .await;
}

// 7. Closed means closed.

#[tokio::test]
async fn a_withdrawn_complaints_deadlines_are_unmet_or_not_needed_and_stay_so() {
    on_both("closed", |store| async move {
        let (l, clock) = service(&store, "2026-12-23");
        durham_received(&l, "C-1", "2026-12-11", "2026-12-23").await;
        set_today(&clock, "2027-01-05");
        assert_eq!(listed(&l, &overdue_only()).await, ["C-1"]);
        let v = l
            .record_event("C-1", rec("withdrawn", "2027-01-05"))
            .await
            .unwrap();
        assert_eq!(v.complaint.status, "closed");
        for today in ["2027-01-05", "2027-02-15"] {
            set_today(&clock, today);
            let v = l.show("C-1").await.unwrap();
            // acknowledge, due Wed 30 Dec, was overdue by 31 Dec, 4, 5 Jan = 3 when it closed,
            // and stays so.
            assert_eq!(
                deadline(&v, "acknowledge").status,
                Some(Status::Unmet {
                    closed_on: d("2027-01-05"),
                    working_days_overdue: 3
                }),
                "as of {today}"
            );
            assert_eq!(
                verdict(&v, "acknowledge"),
                "not met: overdue by 3 working days when the complaint closed on 2027-01-05"
            );
            // offer-appointment, due Mon 11 Jan (24, 29, 30, 31, 4-8, 11), was not yet due; nor
            // was the Stage 2 window, due Wed 20 Jan (23 Dec + 28 days).
            assert_eq!(deadline(&v, "offer-appointment").due, d("2027-01-11"));
            assert_eq!(
                deadline(&v, "offer-appointment").status,
                Some(Status::NotNeeded {
                    closed_on: d("2027-01-05")
                })
            );
            assert_eq!(deadline(&v, "request-stage-2").due, d("2027-01-20"));
            assert_eq!(
                verdict(&v, "request-stage-2"),
                "not needed (closed on 2027-01-05)"
            );
            assert!(v.deadlines.iter().all(|x| x.rag == Rag::None));
            for (id, state) in [
                ("raise-concerns", "met"),
                ("acknowledge", "unmet"),
                ("offer-appointment", "not-needed"),
                ("request-stage-2", "not-needed"),
            ] {
                assert_eq!(stored_state(&store, "C-1", id).await, state, "{id}");
            }
            let all_overdue = ListQuery {
                all: true,
                overdue: true,
                ..Default::default()
            };
            assert!(listed(&l, &all_overdue).await.is_empty());
            assert!(listed(&l, &overdue_only()).await.is_empty());
            assert!(l.due_and_overdue(10).await.unwrap().is_empty());
        }
    })
    .await;
}

#[tokio::test]
async fn reopening_brings_back_what_still_applies() {
    on_both("reopen", |store| async move {
        let (l, clock) = service(&store, "2027-03-24");
        let events = [
            ("complaint-received", "2026-12-23"),
            ("complaint-acknowledged", "2026-12-24"),
            ("stage-1-outcome-sent", "2027-02-12"),
            ("stage-2-requested", "2027-02-26"),
        ];
        bedford_panel_short_of_information(&l, "B-1", &events, "2027-03-24").await;
        let v = l
            .close("B-1", decide("awaiting a further panel date"))
            .await
            .unwrap();
        // Wed 24 Mar + 5 days = Easter Monday 29; back over the weekend and Good Friday to Thu
        // 25 Mar: not yet due on the day it closed.
        assert_eq!(deadline(&v, "panel-decision-letter").due, d("2027-03-25"));
        assert_eq!(
            deadline(&v, "panel-decision-letter").status,
            Some(Status::NotNeeded {
                closed_on: d("2027-03-24")
            })
        );
        assert_eq!(
            stored_state(&store, "B-1", "panel-decision-letter").await,
            "not-needed"
        );
        // Reopened Mon 12 Apr: the letter is pending again.
        set_today(&clock, "2027-04-12");
        let v = l
            .reopen("B-1", decide("further panel arranged"))
            .await
            .unwrap();
        assert_eq!(
            (v.complaint.status.as_str(), v.complaint.stage.as_deref()),
            ("open", Some("stage-2"))
        );
        assert_eq!(deadline(&v, "panel-decision-letter").closed_on, None);
        assert_eq!(
            stored_state(&store, "B-1", "panel-decision-letter").await,
            "pending"
        );
        // The panel meets again Wed 14 Apr: its letter is due 5 days later, Mon 19 Apr; as of
        // the 14th, 15, 16, 19 = 3 working days left.
        set_today(&clock, "2027-04-14");
        let v = l
            .record_event("B-1", rec("panel-met", "2027-04-14"))
            .await
            .unwrap();
        assert_eq!(deadline(&v, "panel-decision-letter").due, d("2027-04-19"));
        assert_eq!(
            deadline(&v, "panel-decision-letter").status,
            Some(Status::Open {
                working_days_left: 3
            })
        );
        // The panel itself was convened in time (due Thu 25 Mar, met Wed 24 Mar).
        assert_eq!(stored_state(&store, "B-1", "convene-panel").await, "met");
    })
    .await;
}

// 8. Started past due: a complaint entered after the fact.

#[tokio::test]
async fn a_complaint_entered_after_the_fact_starts_past_due() {
    on_both("started past due", |store| async move {
        // Mon 1 Feb 2027: a complaint from December is entered.
        let (l, _) = service(&store, "2027-02-01");
        let v = durham_received(&l, "P-1", "2026-12-11", "2026-12-23").await;
        let ack = deadline(&v, "acknowledge");
        // Wed 23 Dec + 3: 24, 29, 30 Dec.
        assert_eq!(ack.due, d("2026-12-30"));
        assert!(ack.started_past_due);
        // 31 Dec (1), 4-8 (6), 11-15 (11), 18-22 (16), 25-29 (21), 1 Feb (22).
        assert_eq!(
            verdict(&v, "acknowledge"),
            "overdue by 22 working days (started past due)"
        );
        // The window the family met in time did not start past due.
        assert!(!deadline(&v, "raise-concerns").started_past_due);
        // The planner, with the same dates, cannot know when they were entered.
        let p = durham_plan(
            &[
                ("conference", "2026-12-11"),
                ("concerns-received", "2026-12-23"),
            ],
            Some("2027-02-01"),
        )
        .unwrap();
        let planned_ack = planned(&p, "acknowledge");
        assert!(!planned_ack.started_past_due);
        assert_eq!(
            planned_ack.verdict.as_deref(),
            Some("overdue by 22 working days")
        );
    })
    .await;
}

// 9. Extensions.

/// A City and Hackney complaint whose panel meeting is due Wed 17 Feb 2027: Step 2 requested Wed
/// 27 Jan, + 15 working days: 28, 29 (2), 1-5 Feb (7), 8-12 (12), 15, 16, 17 (15).
async fn city_and_hackney_at_step_2(l: &Lifecycle, reference: &str) {
    let events = [
        ("complaint-received", "2026-12-22"),
        ("feedback-sent", "2027-01-21"),
        ("step-2-requested", "2027-01-27"),
    ];
    open_with(l, reference, "city-and-hackney", "2026-12-01", &events).await;
}

fn extend(retrospective: Option<&str>) -> Extend {
    Extend {
        deadline: "panel-meeting".into(),
        to: d("2027-03-31"),
        recorded_by: "Team Manager".into(),
        reason: "panel member unavailable".into(),
        retrospective: retrospective.map(str::to_string),
    }
}

#[tokio::test]
async fn an_extension_names_the_discretions_holder_and_needs_a_retrospective_reason_once_past_due()
{
    on_both("extensions", |store| async move {
        // Wed 10 Feb: before the due date.
        let (l, clock) = service(&store, "2027-02-10");
        city_and_hackney_at_step_2(&l, "X-1").await;
        city_and_hackney_at_step_2(&l, "X-2").await;
        let refusal = l.extend("X-1", extend(Some("agreed late")));
        let (field, message) = refused(&l, "X-1", refusal).await;
        assert_eq!(field, "retrospective");
        assert_eq!(message, "'panel-meeting' is not yet past its due date 2027-02-17: this extension is not retrospective");

        let v = l.extend("X-1", extend(None)).await.unwrap();
        let panel = deadline(&v, "panel-meeting");
        assert_eq!(panel.rule_due, d("2027-02-17"));
        assert_eq!(panel.due, d("2027-03-31"));
        let ext = panel.extension.as_ref().unwrap();
        // city-and-hackney.toml: [[discretion]] who = "head-of-safeguarding", named in [roles].
        assert_eq!(ext.who, "Head of Safeguarding");
        assert_eq!(ext.recorded_by, "Team Manager");
        let audit = l.audit("X-1").await.unwrap();
        let last = audit.last().unwrap();
        assert_eq!((last.action.as_str(), last.actor.as_str()), ("extend", "Team Manager"));
        assert!(
            last.detail.starts_with("panel-meeting extended from 2027-02-17 to 2027-03-31 at the discretion of the Head of Safeguarding: panel member unavailable"),
            "{last:?}"
        );

        // Thu 18 Feb: the day after the due date.
        set_today(&clock, "2027-02-18");
        let (field, message) = refused(&l, "X-2", l.extend("X-2", extend(None))).await;
        assert_eq!(field, "retrospective");
        assert!(
            message.starts_with("'panel-meeting' was due on 2027-02-17, before today (2027-02-18): an extension agreed after the due date needs a retrospective reason"),
            "{message}"
        );
        let v = l
            .extend("X-2", extend(Some("agreed by phone on 15 February")))
            .await
            .unwrap();
        assert_eq!(deadline(&v, "panel-meeting").due, d("2027-03-31"));
        assert_eq!(
            deadline(&v, "panel-meeting").extension.as_ref().unwrap().who,
            "Head of Safeguarding"
        );
        let audit = l.audit("X-2").await.unwrap();
        assert!(
            audit.last().unwrap().detail.contains(
                "at the discretion of the Head of Safeguarding: panel member unavailable (retrospective: agreed by phone on 15 February)"
            ),
            "{:?}",
            audit.last()
        );
    })
    .await;
}

// 10. Not applicable.

#[tokio::test]
async fn a_deadline_marked_not_applicable_leaves_every_list_until_undone() {
    on_both("not applicable", |store| async move {
        let (l, _) = service(&store, "2027-01-05");
        durham_received(&l, "N-1", "2026-12-11", "2026-12-23").await;
        // acknowledge, due Wed 30 Dec, is overdue on Tue 5 Jan; due within 2 working days means
        // by Thu 7 Jan (6, 7), which offer-appointment (Mon 11 Jan) is not.
        assert_eq!(listed(&l, &overdue_only()).await, ["N-1"]);
        let due_soon = |rows: Vec<timescales::store::PendingRow>| {
            rows.into_iter().map(|r| r.deadline).collect::<Vec<_>>()
        };
        assert_eq!(
            due_soon(l.due_and_overdue(2).await.unwrap()),
            ["acknowledge"]
        );

        let reason = "acknowledged in person at the conference";
        let v = l
            .mark_not_applicable("N-1", applicability(reason))
            .await
            .unwrap();
        let ack = deadline(&v, "acknowledge");
        assert_eq!(
            ack.status,
            Some(Status::NotApplicable { why: reason.into() })
        );
        assert_eq!(
            serde_json::to_value(&ack.status).unwrap(),
            serde_json::json!({"state": "not-applicable", "why": reason})
        );
        assert_eq!(
            verdict(&v, "acknowledge"),
            format!("not applicable: {reason}")
        );
        assert_eq!(ack.not_applicable.as_ref().unwrap().on, d("2027-01-05"));
        assert_eq!(rag(&v, "acknowledge"), Rag::None);
        assert_eq!(
            stored_state(&store, "N-1", "acknowledge").await,
            "not-applicable"
        );
        assert!(listed(&l, &overdue_only()).await.is_empty());
        assert!(due_soon(l.due_and_overdue(2).await.unwrap()).is_empty());
        let audit = l.audit("N-1").await.unwrap();
        let last = audit.last().unwrap();
        assert_eq!(
            (last.action.as_str(), last.actor.as_str()),
            ("not-applicable", "Team Manager")
        );
        assert!(
            last.detail
                .starts_with(&format!("acknowledge marked not applicable: {reason}")),
            "{last:?}"
        );

        let before = snapshot(&l, "N-1").await;
        let err = l
            .mark_not_applicable("N-1", applicability(reason))
            .await
            .unwrap_err();
        assert!(matches!(err, LifecycleError::Conflict(_)), "{err:?}");
        assert_eq!(
            err.to_string(),
            "deadline 'acknowledge' of complaint 'N-1' is already marked not applicable"
        );
        assert_eq!(snapshot(&l, "N-1").await, before);

        let v = l
            .mark_applicable("N-1", applicability("the letter was never sent"))
            .await
            .unwrap();
        assert_eq!(
            deadline(&v, "acknowledge").status,
            Some(Status::Overdue {
                working_days_overdue: 3
            })
        );
        assert_eq!(stored_state(&store, "N-1", "acknowledge").await, "pending");
        assert_eq!(listed(&l, &overdue_only()).await, ["N-1"]);
        assert_eq!(
            due_soon(l.due_and_overdue(2).await.unwrap()),
            ["acknowledge"]
        );
        let audit = l.audit("N-1").await.unwrap();
        assert_eq!(audit.last().unwrap().action, "applicable");
        assert!(
            audit
                .last()
                .unwrap()
                .detail
                .starts_with("acknowledge applies again: the letter was never sent"),
            "{:?}",
            audit.last()
        );
        let err = l
            .mark_applicable("N-1", applicability("again"))
            .await
            .unwrap_err();
        assert!(matches!(err, LifecycleError::Conflict(_)), "{err:?}");
    })
    .await;
}

// 11. A Scottish configuration.

/// Durham's procedure as a local one on the Scottish calendar, under its own id.
fn scottish_procedures() -> (tempfile::TempDir, Procedures) {
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/procedures/durham.toml"
    ))
    .unwrap();
    let local = shipped
        .replacen("id = \"durham\"", "id = \"durham-scotland\"", 1)
        .replacen("region = \"england-and-wales\"", "region = \"scotland\"", 1);
    assert!(local.contains("id = \"durham-scotland\"") && local.contains("region = \"scotland\""));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("durham-scotland.toml"), local).unwrap();
    let set = Procedures::load(Some(dir.path())).unwrap();
    (dir, set)
}

#[tokio::test]
async fn a_scottish_configuration_lists_what_is_due_on_the_scottish_calendar() {
    on_both("scotland", |store| async move {
        let (_dir, set) = scottish_procedures();
        let (l, clock) = service_with(&store, "2026-12-29", set, Calendars::embedded());
        let l = l.with_defaults(Division::Scotland, chrono_tz::Europe::London);
        let received = [("concerns-received", "2026-12-29")];
        let v = open_with(&l, "SC-1", "durham-scotland", "2026-12-18", &received).await;
        // Tue 29 Dec + 3 working days in Scotland: 30 (1), 31 (2); Fri 1 Jan and Mon 4 Jan (the
        // 2 January substitute) are holidays; Tue 5 Jan (3). England and Wales would say Mon 4.
        assert_eq!(deadline(&v, "acknowledge").due, d("2027-01-05"));

        // Thu 31 Dec: within 1 working day, on the Scottish calendar, is Tue 5 Jan.
        set_today(&clock, "2026-12-31");
        let due = l.due_and_overdue(1).await.unwrap();
        assert_eq!(
            due.iter()
                .map(|r| (r.reference.as_str(), r.deadline.as_str(), r.due_date))
                .collect::<Vec<_>>(),
            [("SC-1", "acknowledge", d("2027-01-05"))]
        );
        let within_1 = ListQuery {
            due_within: Some(1),
            ..Default::default()
        };
        assert_eq!(listed(&l, &within_1).await, ["SC-1"]);
        let scottish_only = ListQuery {
            due_within: Some(1),
            procedure: Some("durham-scotland".into()),
            ..Default::default()
        };
        assert_eq!(listed(&l, &scottish_only).await, ["SC-1"]);

        // The same store read with England and Wales defaults: within 1 working day of Thu 31
        // Dec is Mon 4 Jan, before the deadline.
        let (_dir_again, set) = scottish_procedures();
        let (ew, _) = service_with(&store, "2026-12-31", set, Calendars::embedded());
        assert!(ew.due_and_overdue(1).await.unwrap().is_empty());
        assert!(listed(&ew, &within_1).await.is_empty());
        // Asked about the Scottish procedure by name, it uses that procedure's calendar.
        assert_eq!(listed(&ew, &scottish_only).await, ["SC-1"]);
    })
    .await;
}
