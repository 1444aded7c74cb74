//! The deadline semantics as the command line shows them, with every date worked out by hand
//! from the England and Wales calendar: conditional duties in `plan`, a backward roll that rolls
//! forward in `deadline`, one verdict in `plan` and `complaint show`, the same stage refusal from
//! `plan` and `complaint event`, and `complaint not-applicable`.
//!
//! The holidays on the way: Fri 25 Dec 2026, Mon 28 Dec 2026 (Boxing Day substitute),
//! Fri 1 Jan 2027, Good Friday 26 Mar 2027, Easter Monday 29 Mar 2027.

use serde_json::Value;

use super::{
    assert_bad_input, complaint_event, complaint_run, json, open_durham, stderr, stdout, Sandbox,
};

/// The deadline `id` in a plan's or a complaint's JSON, if there.
fn find<'a>(v: &'a Value, id: &str) -> Option<&'a Value> {
    v["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
}

fn deadline<'a>(v: &'a Value, id: &str) -> &'a Value {
    find(v, id).unwrap_or_else(|| panic!("no deadline {id} in {v}"))
}

/// `plan --procedure PROCEDURE` with an `--event` for each of `events` (`name=date`).
fn plan_args<'a>(procedure: &'a str, events: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["plan", "--procedure", procedure];
    for e in events {
        args.extend(["--event", e]);
    }
    args
}

/// `deadline` for 3 calendar days from `from`, rolled backward.
fn three_days_back_from(from: &str) -> Vec<&str> {
    vec![
        "deadline",
        "--from",
        from,
        "--calendar-days",
        "3",
        "--roll",
        "backward",
    ]
}

// 1. Conditional duties.

#[test]
fn plan_shows_kents_immediate_resolution_only_where_a_concern_was_expressed() {
    let s = Sandbox::new();
    let mut args = plan_args(
        "kent",
        &[
            "conference=2026-12-11",
            "representation-received=2026-12-18",
        ],
    );
    args.extend(["--as-of", "2027-01-05", "--json"]);
    let v = json(&s.run(&args));
    assert!(
        find(&v, "immediate-resolution").is_none(),
        "no concern expressed: {v}"
    );
    args.extend(["--event", "concern-expressed=2026-12-11"]);
    let v = json(&s.run(&args));
    let ir = deadline(&v, "immediate-resolution");
    // Fri 11 Dec + 3 calendar days: Mon 14 Dec, a working day.
    assert_eq!(ir["due"], "2026-12-14");
    // As of Tue 5 Jan: 15-18 (4), 21-24 (8), 29, 30, 31 (11), 4, 5 Jan (13) working days.
    assert_eq!(ir["status"]["state"], "overdue");
    assert_eq!(ir["status"]["working_days_overdue"], 13);
    assert_eq!(ir["verdict"], "overdue by 13 working days");
    assert_eq!(ir["started_past_due"], false);
}

// 2. A backward roll never reaches the trigger.

#[test]
fn deadline_rolls_forward_when_rolling_back_would_reach_the_trigger() {
    let s = Sandbox::new();
    let args = three_days_back_from("2027-03-25");
    // Thu 25 Mar + 3 = Sun 28; back over Sat 27 and Good Friday 26 would reach Thu 25, so
    // forward over Easter Monday 29 to Tue 30 Mar.
    let o = s.run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "2027-03-30\n");
    let o = s.run(&[&args[..], &["--explain"]].concat());
    let out = stdout(&o);
    assert!(out.starts_with("2027-03-30\n"), "{out}");
    assert!(
        out.contains("falls on: 2027-03-28 (Sunday), not a working day; rolled forward, because rolling back would reach the trigger date"),
        "{out}"
    );
    assert!(out.contains("2027-03-29 Easter Monday"), "{out}");
    // Sunday 28 March, the one weekend day between the unrolled and the rolled date.
    assert!(out.contains("1 weekend day\n"), "{out}");
    assert!(out.contains("due:      2027-03-30 (Tuesday)"), "{out}");
    let v = json(&s.run(&[&args[..], &["--json"]].concat()));
    assert_eq!(v["unrolled"], "2027-03-28");
    assert_eq!(v["due"], "2027-03-30");
    // Clocks went forward on Sun 28 Mar: the end of Tue 30 Mar BST is 23:00 UTC.
    assert_eq!(v["due_instant"], "2027-03-30T23:00:00Z");

    // Wed 23 Dec 2026 + 3 = Sat 26; back over Christmas Day to Thu 24, after the trigger.
    let o = s.run(&[&three_days_back_from("2026-12-23")[..], &["--explain"]].concat());
    let out = stdout(&o);
    assert!(out.starts_with("2026-12-24\n"), "{out}");
    assert!(
        out.contains("falls on: 2026-12-26 (Saturday), not a working day; rolled\n"),
        "{out}"
    );
}

// 3. One date, one verdict.

#[test]
fn plan_and_complaint_show_give_one_verdict_for_the_saturday_after_the_due_date() {
    let s = Sandbox::new();
    let received = plan_args(
        "durham",
        &["conference=2027-01-08", "concerns-received=2027-01-12"],
    );
    // The acknowledgement in the plan's JSON as of `as_of`, with `extra` events.
    let planned_ack = |extra: &[&str], as_of: &str| {
        let args = [&received[..], &["--as-of", as_of, "--json"], extra].concat();
        deadline(&json(&s.run(&args)), "acknowledge").clone()
    };
    // Tue 12 Jan + 3 working days: 13, 14, 15: due Fri 15 Jan. Sat 16: after it, no working day
    // since.
    let ack = planned_ack(&[], "2027-01-16");
    assert_eq!(ack["due"], "2027-01-15");
    assert_eq!(ack["status"]["state"], "overdue");
    assert_eq!(ack["status"]["working_days_overdue"], 0);
    assert_eq!(
        ack["verdict"],
        "overdue (on a non-working day after the due date)"
    );
    let planned_overdue = ack["verdict"].clone();

    let ack = planned_ack(
        &["--event", "concerns-acknowledged=2027-01-16"],
        "2027-01-16",
    );
    assert_eq!(ack["status"]["state"], "met");
    assert_eq!(ack["status"]["late"], true);
    assert_eq!(ack["status"]["working_days_late"], 0);
    assert_eq!(
        ack["verdict"],
        "met on 2027-01-16, late (on a non-working day after the due date)"
    );
    let planned_met = ack["verdict"].clone();

    // Mon 18 Jan: one working day (18) after Fri 15.
    let ack = planned_ack(
        &["--event", "concerns-acknowledged=2027-01-18"],
        "2027-01-18",
    );
    assert_eq!(ack["status"]["working_days_late"], 1);
    assert_eq!(ack["verdict"], "met on 2027-01-18, 1 working day late");

    // The text shows the same words.
    let o = s.run(&[&received[..], &["--as-of", "2027-01-16"]].concat());
    assert!(
        stdout(&o).contains("  status:  overdue (on a non-working day after the due date)"),
        "{}",
        stdout(&o)
    );

    // The same facts on a stored complaint: recorded as they happened, shown on Sat 16 Jan.
    let o = open_durham(&s, "2027-01-12", "V-1", "2027-01-08");
    assert!(o.status.success(), "{}", stderr(&o));
    let chair = ["--by", "Conference Chair"];
    let on_12_jan = [&["--date", "2027-01-12"][..], &chair].concat();
    let o = complaint_event(&s, "2027-01-12", "V-1", "concerns-received", &on_12_jan);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&complaint_run(
        &s,
        "2027-01-16",
        &["complaint", "show", "V-1", "--json"],
    ));
    assert_eq!(v["as_of"], "2027-01-16");
    let ack = deadline(&v, "acknowledge");
    assert_eq!(ack["verdict"], planned_overdue);
    assert_eq!(ack["status"]["working_days_overdue"], 0);
    assert_eq!(ack["rag"], "red");
    let o = complaint_run(&s, "2027-01-16", &["complaint", "show", "V-1"]);
    assert!(
        stdout(&o).contains("overdue (on a non-working day after the due date)"),
        "{}",
        stdout(&o)
    );
    let o = complaint_event(&s, "2027-01-16", "V-1", "concerns-acknowledged", &chair);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&complaint_run(
        &s,
        "2027-01-16",
        &["complaint", "show", "V-1", "--json"],
    ));
    let ack = deadline(&v, "acknowledge");
    assert_eq!(ack["verdict"], planned_met);
    assert_eq!(ack["status"]["late"], true);
}

// 4. The planner refuses what `complaint event` refuses, in the same words.

#[test]
fn plan_and_complaint_event_refuse_an_event_of_a_stage_not_reached_alike() {
    let s = Sandbox::new();
    let expected = "event 'stage-3-requested' on 2026-12-20 cannot be recorded in stage-1 ('Stage one: informal stage'), the complaint's stage on that date: it needs stage-2 ('Stage two: the Complaint Resolution meeting'); stage-1 records concerns-received, concerns-acknowledged, appointment-offered, appointment-held, stage-1-letter-sent, resolved, withdrawn, stage-2-requested";
    let planned = s.run(&plan_args(
        "durham",
        &["conference=2026-12-11", "stage-3-requested=2026-12-20"],
    ));
    assert_bad_input(&planned, expected);

    let o = open_durham(&s, "2027-01-05", "S-1", "2026-12-11");
    assert!(o.status.success(), "{}", stderr(&o));
    let recorded = complaint_event(
        &s,
        "2027-01-05",
        "S-1",
        "stage-3-requested",
        &["--date", "2026-12-20"],
    );
    assert_bad_input(&recorded, expected);
    assert_eq!(stderr(&recorded), stderr(&planned));
    // Nothing was written: the open is the only audit line.
    let v = json(&complaint_run(
        &s,
        "2027-01-05",
        &["complaint", "audit", "S-1", "--json"],
    ));
    assert_eq!(v.as_array().unwrap().len(), 1);
}

// 10. Not applicable.

#[test]
fn a_deadline_is_marked_not_applicable_and_back_from_the_command_line() {
    let s = Sandbox::new();
    let now = "2027-01-05";
    let run = |args: &[&str]| complaint_run(&s, now, args);
    let o = open_durham(&s, now, "N-1", "2026-12-11");
    assert!(o.status.success(), "{}", stderr(&o));
    let on_23_dec = ["--date", "2026-12-23", "--by", "Conference Chair"];
    let o = complaint_event(&s, now, "N-1", "concerns-received", &on_23_dec);
    assert!(o.status.success(), "{}", stderr(&o));
    // acknowledge, due Wed 30 Dec (24, 29, 30), is overdue on Tue 5 Jan.
    let o = run(&["complaint", "list", "--overdue"]);
    assert!(stdout(&o).contains("N-1"), "{}", stdout(&o));

    let reason = "acknowledged in person at the conference";
    // `complaint not-applicable N-1 acknowledge`, then `flags`.
    let mark = |flags: &[&str]| {
        let args = [
            &["complaint", "not-applicable", "N-1", "acknowledge"][..],
            flags,
        ]
        .concat();
        run(&args)
    };
    let v = json(&mark(&[
        "--reason",
        reason,
        "--by",
        "Team Manager",
        "--json",
    ]));
    let ack = deadline(&v, "acknowledge");
    assert_eq!(ack["status"]["state"], "not-applicable");
    assert_eq!(ack["status"]["why"], reason);
    assert_eq!(ack["verdict"], format!("not applicable: {reason}"));
    assert_eq!(ack["rag"], "none");
    let o = run(&["complaint", "list", "--overdue"]);
    assert!(
        stdout(&o).ends_with("0 complaints (as of 2027-01-05)\n"),
        "{}",
        stdout(&o)
    );
    let o = run(&["complaint", "show", "N-1"]);
    assert!(
        stdout(&o).contains(&format!("not applicable: {reason}")),
        "{}",
        stdout(&o)
    );
    let audit = json(&run(&["complaint", "audit", "N-1", "--json"]));
    let last = audit.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "not-applicable");
    assert_eq!(last["actor"], "Team Manager");
    assert!(
        last["detail"]
            .as_str()
            .unwrap()
            .starts_with(&format!("acknowledge marked not applicable: {reason}")),
        "{last}"
    );
    // Twice is refused, and writes nothing.
    let o = mark(&["--reason", reason]);
    assert_bad_input(
        &o,
        "deadline 'acknowledge' of complaint 'N-1' is already marked not applicable",
    );

    let v = json(&mark(&[
        "--undo",
        "--reason",
        "the letter was never sent",
        "--by",
        "Team Manager",
        "--json",
    ]));
    let ack = deadline(&v, "acknowledge");
    // 31 Dec, 4, 5 Jan.
    assert_eq!(ack["status"]["state"], "overdue");
    assert_eq!(ack["status"]["working_days_overdue"], 3);
    assert!(ack.get("not_applicable").is_none(), "{ack}");
    let o = run(&["complaint", "list", "--overdue"]);
    assert!(
        stdout(&o).contains("N-1") && stdout(&o).ends_with("1 complaint (as of 2027-01-05)\n"),
        "{}",
        stdout(&o)
    );
    let audit = json(&run(&["complaint", "audit", "N-1", "--json"]));
    assert_eq!(audit.as_array().unwrap().len(), 4);
    assert_eq!(audit[3]["action"], "applicable");
}
