use chrono::{TimeZone, Utc};
use timescales::calendar::{Calendars, ClosureSpec};
use timescales::lifecycle::{
    AcceptLate, ComplaintView, Correct, Decision, Extend, Lifecycle, LifecycleError, ListQuery,
    Rag, Record, Rederived,
};
use timescales::procedure::Procedures;

use crate::backends::on_both;
use crate::fixtures::{open, rec};
use crate::helpers::{d, rag, service, service_with};

fn due(v: &ComplaintView, id: &str) -> String {
    v.deadlines
        .iter()
        .find(|x| x.derived.id == id)
        .map(|x| x.derived.due.to_string())
        .unwrap_or_else(|| panic!("no {id}"))
}

/// Rows in the log and the audit, to show a refused command wrote nothing.
async fn counts(l: &Lifecycle, reference: &str) -> (usize, usize) {
    let v = l.show(reference).await.unwrap();
    (v.timeline.len(), l.audit(reference).await.unwrap().len())
}

#[tokio::test]
async fn a_durham_complaint_moves_through_its_stages_and_its_deadlines_follow() {
    on_both("durham", |store| async move {
        let (l, clock) = service(&store, "2027-01-05");
        let v = l
            .open(open("CP-1001", "durham", "2026-12-11"))
            .await
            .unwrap();
        assert_eq!(v.complaint.stage.as_deref(), Some("stage-1"));
        assert_eq!(v.complaint.status, "open");
        // Fri 11 Dec + 10 working days: 14-18, 21-24, 29 Dec.
        assert_eq!(due(&v, "raise-concerns"), "2026-12-29");
        let v = l
            .record_event("CP-1001", rec("concerns-received", "2026-12-23"))
            .await
            .unwrap();
        assert_eq!(due(&v, "acknowledge"), "2026-12-30");
        assert_eq!(due(&v, "offer-appointment"), "2027-01-11");
        // As of Tue 5 Jan: the acknowledgement is overdue (red), the appointment has 4 working
        // days left (green, amber within 2).
        assert_eq!(rag(&v, "acknowledge"), Rag::Red);
        assert_eq!(rag(&v, "offer-appointment"), Rag::Green);
        clock.set(Utc.with_ymd_and_hms(2027, 1, 7, 12, 0, 0).unwrap());
        let v = l.show("CP-1001").await.unwrap();
        assert_eq!(rag(&v, "offer-appointment"), Rag::Amber);
        let v = l
            .record_event("CP-1001", rec("stage-2-requested", "2027-01-07"))
            .await
            .unwrap();
        assert_eq!(v.complaint.stage.as_deref(), Some("stage-2"));
        // Thu 7 Jan + 28 days: Thu 4 Feb.
        assert_eq!(due(&v, "resolution-meeting"), "2027-02-04");
        let audit = l.audit("CP-1001").await.unwrap();
        assert_eq!(audit.len(), 3);
        assert_eq!(audit[1].action, "event");
        assert!(
            audit[1].detail.contains("acknowledge due 2026-12-30 (new)"),
            "{:?}",
            audit[1]
        );
    })
    .await;
}

#[tokio::test]
async fn refused_commands_name_the_problem_and_write_nothing() {
    on_both("refused", |store| async move {
        let (l, _) = service(&store, "2027-01-05");
        l.open(open("CP-2001", "durham", "2026-12-11")).await.unwrap();
        let before = counts(&l, "CP-2001").await;
        let err = l.record_event("CP-2001", rec("panel-held", "2027-01-04")).await.unwrap_err();
        assert_eq!(err.to_string(), "event 'panel-held' on 2027-01-04 cannot be recorded in stage-1 ('Stage one: informal stage'), the complaint's stage on that date: it needs stage-3 ('Stage three: the complaint resolution and appeal panel'); stage-1 records concerns-received, concerns-acknowledged, appointment-offered, appointment-held, stage-1-letter-sent, resolved, withdrawn, stage-2-requested");
        let err = l.record_event("CP-2001", rec("concerns-received", "2026-12-10")).await.unwrap_err();
        assert_eq!(err.to_string(), "date 2026-12-10 is before the conference on 2026-12-11");
        let err = l.record_event("CP-2001", rec("concerns-received", "2027-01-06")).await.unwrap_err();
        assert_eq!(err.to_string(), "date 2027-01-06 is in the future (today is 2027-01-05)");
        let err = l.record_event("CP-9999", rec("concerns-received", "2027-01-04")).await.unwrap_err();
        assert!(matches!(err, LifecycleError::NotFound(_)));
        let err = l.open(open("CP-2001", "durham", "2026-12-11")).await.unwrap_err();
        assert!(matches!(err, LifecycleError::Duplicate(_)), "{err}");
        let mut child = open("CP-2002", "durham", "2026-12-11");
        child.complainant_role = "child".into();
        let err = l.open(child).await.unwrap_err();
        assert_eq!(err.to_string(), "procedure 'durham' does not take complaints from a child: it names parent");
        let mut named = open("Jane Smith", "durham", "2026-12-11");
        named.reference = "Jane Smith".into();
        assert!(l.open(named).await.unwrap_err().to_string().contains("never a name"));
        let err = l.extend("CP-2001", Extend { deadline: "raise-concerns".into(), to: d("2027-02-01"), recorded_by: "x".into(), reason: "y".into(), retrospective: None }).await.unwrap_err();
        assert_eq!(err.to_string(), "procedure 'durham' allows no extension of 'raise-concerns'");
        assert_eq!(counts(&l, "CP-2001").await, before);
        assert!(l.show("CP-2002").await.is_err());
    })
    .await;
}

#[tokio::test]
async fn extension_late_acceptance_correction_close_and_reopen() {
    on_both("discretion", |store| async move {
        let (l, _) = service(&store, "2027-04-30");
        // City and Hackney: the panel meeting may be extended in special circumstances.
        l.open(open("CH-1", "city-and-hackney", "2026-12-01"))
            .await
            .unwrap();
        l.record_event("CH-1", rec("complaint-received", "2026-12-22"))
            .await
            .unwrap();
        l.record_event("CH-1", rec("step-2-requested", "2027-01-27"))
            .await
            .unwrap();
        let v = l
            .extend(
                "CH-1",
                Extend {
                    deadline: "panel-meeting".into(),
                    to: d("2027-03-31"),
                    recorded_by: "Head of Safeguarding".into(),
                    retrospective: Some("agreed in February, entered late".into()),
                    reason: "panel member unavailable".into(),
                },
            )
            .await
            .unwrap();
        let panel = v
            .deadlines
            .iter()
            .find(|x| x.derived.id == "panel-meeting")
            .unwrap();
        assert_eq!(panel.derived.rule_due.to_string(), "2027-02-17");
        assert_eq!(panel.derived.due.to_string(), "2027-03-31");

        // Kent: a representation after the 10 working days, accepted by the Conference Chair.
        let mut k = open("KT-1", "kent", "2026-12-09");
        k.track = Some("representation".into());
        l.open(k).await.unwrap();
        l.record_event("KT-1", rec("representation-received", "2027-01-05"))
            .await
            .unwrap();
        let v = l
            .accept_late(
                "KT-1",
                AcceptLate {
                    deadline: "representation".into(),
                    recorded_by: "Conference Chair".into(),
                    reason: "exceptional circumstances".into(),
                },
            )
            .await
            .unwrap();
        assert!(v
            .deadlines
            .iter()
            .find(|x| x.derived.id == "representation")
            .unwrap()
            .derived
            .late_acceptance
            .is_some());

        // Correcting the date of receipt moves the minutes deadline, and the audit says so.
        let entry = v
            .timeline
            .iter()
            .find(|e| e.name == "representation-received")
            .unwrap()
            .id;
        let v = l
            .correct(
                "KT-1",
                Correct {
                    entry,
                    date: d("2027-01-04"),
                    recorded_by: "Conference Chair".into(),
                    reason: "date stamp misread".into(),
                },
            )
            .await
            .unwrap();
        // Mon 4 Jan + 3 working days: Thu 7 Jan.
        assert_eq!(due(&v, "minutes"), "2027-01-07");
        let audit = l.audit("KT-1").await.unwrap();
        assert!(
            audit
                .last()
                .unwrap()
                .detail
                .contains("minutes moved 2027-01-08 -> 2027-01-07"),
            "{:?}",
            audit.last()
        );

        // Bedford: a panel with insufficient information meets again.
        l.open(open("BB-1", "bedford-central-beds", "2026-11-27"))
            .await
            .unwrap();
        l.record_event("BB-1", rec("complaint-received", "2026-12-23"))
            .await
            .unwrap();
        l.record_event("BB-1", rec("stage-1-outcome-sent", "2027-02-12"))
            .await
            .unwrap();
        l.record_event("BB-1", rec("stage-2-requested", "2027-02-26"))
            .await
            .unwrap();
        l.record_event("BB-1", rec("panel-met", "2027-03-24"))
            .await
            .unwrap();
        let err = l
            .reopen(
                "BB-1",
                Decision {
                    recorded_by: "Team Manager".into(),
                    reason: "x".into(),
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, LifecycleError::Conflict(_)), "{err}");
        l.record_outcome("BB-1", rec("insufficient-information", "2027-03-24"))
            .await
            .unwrap();
        let v = l
            .close(
                "BB-1",
                Decision {
                    recorded_by: "Team Manager".into(),
                    reason: "awaiting a further panel date".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(v.complaint.status, "closed");
        let err = l
            .record_event("BB-1", rec("panel-met", "2027-04-14"))
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("is closed: reopen it first"),
            "{err}"
        );
        let v = l
            .reopen(
                "BB-1",
                Decision {
                    recorded_by: "Team Manager".into(),
                    reason: "further panel arranged".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (v.complaint.status.as_str(), v.complaint.stage.as_deref()),
            ("open", Some("stage-2"))
        );
        let v = l
            .record_event("BB-1", rec("panel-met", "2027-04-14"))
            .await
            .unwrap();
        // Wed 14 Apr + 5 days: Mon 19 Apr.
        assert_eq!(due(&v, "panel-decision-letter"), "2027-04-19");
    })
    .await;
}

#[tokio::test]
async fn out_of_scope_and_referred_tracks_are_recorded_as_referred() {
    on_both("referred", |store| async move {
        let (l, _) = service(&store, "2027-01-05");
        let mut o = open("BB-2", "bedford-central-beds", "2026-12-11");
        o.out_of_scope = Some("agency-practice".into());
        let v = l.open(o).await.unwrap();
        assert_eq!(v.complaint.status, "referred");
        assert_eq!(
            v.complaint.referred_to.as_deref(),
            Some("That agency's internal complaints procedure")
        );
        let mut k = open("KT-2", "kent", "2026-12-11");
        k.track = Some("complaint".into());
        let v = l.open(k).await.unwrap();
        assert_eq!(v.complaint.status, "referred");
        assert!(v.deadlines.is_empty());
        let err = l
            .record_event("KT-2", rec("representation-received", "2027-01-04"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("was referred to"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn lists_filter_by_overdue_due_soon_procedure_stage_and_owner() {
    on_both("list", |store| async move {
        let (l, _) = service(&store, "2027-01-05");
        l.open(open("A-1", "durham", "2026-12-11")).await.unwrap();
        l.record_event("A-1", rec("concerns-received", "2026-12-23"))
            .await
            .unwrap();
        l.open(open("A-2", "durham", "2027-01-04")).await.unwrap();
        let mut k = open("A-3", "kent", "2026-12-09");
        k.track = Some("representation".into());
        l.open(k).await.unwrap();
        // A concern raised at the conference: the attempt at immediate resolution applies.
        l.record_event("A-3", rec("concern-expressed", "2026-12-09"))
            .await
            .unwrap();
        let refs = |page: timescales::lifecycle::ListPage| {
            page.complaints
                .into_iter()
                .map(|i| i.complaint.reference)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            refs(l.list(&ListQuery::default()).await.unwrap()),
            ["A-1", "A-2", "A-3"]
        );
        // A-1's acknowledgement (due 30 Dec) and A-3's immediate resolution (due 11 Dec) are overdue.
        let overdue = l
            .list(&ListQuery {
                overdue: true,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            overdue
                .complaints
                .iter()
                .map(|i| (i.complaint.reference.as_str(), i.overdue))
                .collect::<Vec<_>>(),
            [("A-1", 1), ("A-3", 1)]
        );
        // Due within 2 working days (by Thu 7 Jan), overdue included.
        assert_eq!(
            refs(
                l.list(&ListQuery {
                    due_within: Some(2),
                    ..Default::default()
                })
                .await
                .unwrap()
            ),
            ["A-1", "A-3"]
        );
        assert_eq!(
            refs(
                l.list(&ListQuery {
                    procedure: Some("kent".into()),
                    ..Default::default()
                })
                .await
                .unwrap()
            ),
            ["A-3"]
        );
        assert_eq!(
            refs(
                l.list(&ListQuery {
                    stage: Some("stage-1".into()),
                    ..Default::default()
                })
                .await
                .unwrap()
            ),
            ["A-1", "A-2"]
        );
        assert_eq!(
            refs(
                l.list(&ListQuery {
                    owner: Some("conference-chair".into()),
                    ..Default::default()
                })
                .await
                .unwrap()
            ),
            ["A-3"]
        );
        let a1 = &l
            .list(&ListQuery {
                procedure: Some("durham".into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .complaints[0];
        assert_eq!(a1.next_due.as_ref().unwrap().deadline, "acknowledge");
        let pending = l.due_and_overdue(5).await.unwrap();
        assert!(pending
            .iter()
            .any(|p| p.reference == "A-1" && p.deadline == "acknowledge"));
    })
    .await;
}

#[tokio::test]
async fn a_closed_window_proposes_closure_and_a_later_event_reopens_it() {
    on_both("windows", |store| async move {
        let (l, clock) = service(&store, "2026-12-10");
        let mut k = open("KT-3", "kent", "2026-12-09");
        k.track = Some("representation".into());
        l.open(k).await.unwrap();
        // Opened after its window had closed: known to whoever opened it, so not proposed.
        let mut late = open("KT-4", "kent", "2026-11-02");
        late.track = Some("representation".into());
        l.open(late).await.unwrap();
        assert!(l.propose_closures().await.unwrap().is_empty());
        // The representation window closed Wed 23 Dec.
        clock.set(Utc.with_ymd_and_hms(2027, 1, 5, 12, 0, 0).unwrap());
        assert_eq!(l.propose_closures().await.unwrap(), ["KT-3"]);
        assert_eq!(
            l.show("KT-3").await.unwrap().complaint.status,
            "proposed-for-closure"
        );
        assert!(l.propose_closures().await.unwrap().is_empty());
        let v = l
            .record_event("KT-3", rec("representation-received", "2027-01-04"))
            .await
            .unwrap();
        assert_eq!(v.complaint.status, "open");
        assert_eq!(v.complaint.stage.as_deref(), Some("stage-1"));
    })
    .await;
}

/// The service on Tue 5 January 2027, after a one-off holiday on Thursday 7 January is announced.
fn with_holiday_on_7_january(store: &timescales::store::Store) -> Lifecycle {
    let closure = ClosureSpec {
        name: "Announced holiday".into(),
        from: "2027-01-07".into(),
        to: None,
        regions: vec![],
    };
    service_with(
        store,
        "2027-01-05",
        Procedures::load(None).unwrap(),
        Calendars::load(None, &[closure]).unwrap(),
    )
    .0
}

#[tokio::test]
async fn a_new_bank_holiday_moves_open_deadlines_with_an_audit_line() {
    on_both("recompute", |store| async move {
        let (l, _) = service(&store, "2027-01-05");
        assert_eq!(l.recompute_if_changed().await.unwrap().moved, 0);
        l.open(open("R-1", "durham", "2026-12-11")).await.unwrap();
        l.record_event("R-1", rec("concerns-received", "2026-12-23"))
            .await
            .unwrap();
        assert_eq!(l.recompute_if_changed().await.unwrap().moved, 0);
        // A one-off holiday on Thursday 7 January 2027 is announced.
        let l2 = with_holiday_on_7_january(&store);
        assert_eq!(l2.recompute_if_changed().await.unwrap().moved, 1);
        let v = l2.show("R-1").await.unwrap();
        // offer-appointment moves from Mon 11 to Tue 12 January.
        assert_eq!(due(&v, "offer-appointment"), "2027-01-12");
        let audit = l2.audit("R-1").await.unwrap();
        let last = audit.last().unwrap();
        assert_eq!(last.action, "recompute");
        assert!(
            last.detail
                .contains("offer-appointment moved 2027-01-11 -> 2027-01-12"),
            "{last:?}"
        );
        assert_eq!(l2.recompute_if_changed().await.unwrap().moved, 0);
    })
    .await;
}

#[tokio::test]
async fn a_holiday_change_re_derives_only_the_complaints_with_deadlines_near_it() {
    on_both("recompute by year", |store| async move {
        let (l, _) = service(&store, "2027-01-05");
        let items: Vec<_> = (0..20)
            .map(|i| {
                (
                    open(&format!("Y-{i:02}"), "durham", "2026-12-11"),
                    vec![rec("concerns-received", "2026-12-23")],
                )
            })
            .collect();
        // With notifications configured: the plans' fingerprint moves with the holidays too,
        // and still only the complaints near the change are re-derived.
        let addressed = |l: &Lifecycle| l.set_addressing(crate::helpers::chairs_by_email());
        addressed(&l);
        l.import(&items).await.unwrap();
        let done = |examined, moved| Rederived { examined, moved };
        // Nothing derived under these settings yet: every complaint; then none.
        assert_eq!(l.recompute_if_changed().await.unwrap(), done(20, 0));
        assert_eq!(l.recompute_if_changed().await.unwrap(), done(0, 0));
        // An office closure on Friday 4 June 2032: every deadline of theirs runs from December
        // 2026 to January 2027, more than a year from it. None is re-derived.
        let far = ClosureSpec {
            name: "Office move".into(),
            from: "2032-06-04".into(),
            to: None,
            regions: vec![],
        };
        let (far, _) = service_with(
            &store,
            "2027-01-05",
            Procedures::load(None).unwrap(),
            Calendars::load(None, &[far]).unwrap(),
        );
        addressed(&far);
        assert_eq!(far.recompute_if_changed().await.unwrap(), done(0, 0));
        // The one-off holiday on Thursday 7 January 2027 instead (2027 and 2032 changed):
        // every one is re-derived, and each one's offer-appointment moves.
        let near = with_holiday_on_7_january(&store);
        addressed(&near);
        assert_eq!(near.recompute_if_changed().await.unwrap(), done(20, 20));
        assert_eq!(
            due(&near.show("Y-07").await.unwrap(), "offer-appointment"),
            "2027-01-12"
        );
        assert_eq!(near.recompute_if_changed().await.unwrap(), done(0, 0));
    })
    .await;
}

#[tokio::test]
async fn concurrent_writers_on_one_complaint_lose_nothing() {
    on_both("concurrency", |store| async move {
        let (l, _) = service(&store, "2027-01-05");
        l.open(open("C-1", "durham", "2026-12-11")).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..20 {
            let l = l.clone();
            tasks.push(tokio::spawn(async move {
                let r = Record {
                    name: "appointment-held".into(),
                    date: d("2027-01-04"),
                    recorded_by: format!("writer {i}"),
                    note: String::new(),
                };
                l.record_event("C-1", r).await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let v = l.show("C-1").await.unwrap();
        assert_eq!(
            v.timeline
                .iter()
                .filter(|e| e.name == "appointment-held")
                .count(),
            20
        );
        assert_eq!(l.audit("C-1").await.unwrap().len(), 21);
    })
    .await;
}

#[tokio::test]
async fn an_import_opens_complaints_with_their_history_all_or_nothing() {
    on_both("import", |store| async move {
        let (l, _) = service(&store, "2027-01-05");
        let item = |r: &str, events: Vec<Record>| (open(r, "durham", "2026-12-11"), events);
        let good = vec![
            item("IM-1", vec![rec("concerns-received", "2026-12-23")]),
            item(
                "IM-2",
                vec![
                    rec("concerns-received", "2026-12-14"),
                    rec("stage-2-requested", "2027-01-04"),
                ],
            ),
        ];
        let mut bad = good.clone();
        bad.push(item("IM-3", vec![rec("panel-held", "2026-12-20")]));
        let err = l.import(&bad).await.unwrap_err();
        assert!(
            err.to_string().starts_with(
                "IM-3: event 'panel-held' on 2026-12-20 cannot be recorded in stage-1"
            ),
            "{err}"
        );
        assert!(l
            .list(&ListQuery::default())
            .await
            .unwrap()
            .complaints
            .is_empty());
        assert_eq!(l.import(&good).await.unwrap(), 2);
        let v = l.show("IM-2").await.unwrap();
        assert_eq!(v.complaint.stage.as_deref(), Some("stage-2"));
        // Mon 4 Jan + 28 days: Mon 1 Feb.
        assert_eq!(due(&v, "resolution-meeting"), "2027-02-01");
        assert_eq!(
            due(&l.show("IM-1").await.unwrap(), "acknowledge"),
            "2026-12-30"
        );
    })
    .await;
}

/// Start-up and reload re-derive every live complaint in batches of a few hundred per
/// transaction, writing only those that changed: 600 complaints (more than two batches) of which
/// a new holiday moves exactly half.
#[tokio::test]
async fn re_derivation_in_batches_writes_only_the_complaints_that_changed() {
    on_both("recompute batches", |store| async move {
        let (l, _) = service(&store, "2027-01-05");
        // A-: concerns received Wed 23 Dec, so the offer of an appointment is due Mon 11 Jan
        // (24, 29, 30, 31 Dec, 4-8 Jan, 11 Jan: 1 Jan a bank holiday), after the new holiday.
        // B-: opened with nothing received: every deadline fell before Thu 7 January.
        let items: Vec<_> = (0..300)
            .map(|i| {
                (
                    open(&format!("A-{i:03}"), "durham", "2026-12-11"),
                    vec![rec("concerns-received", "2026-12-23")],
                )
            })
            .chain((0..300).map(|i| (open(&format!("B-{i:03}"), "durham", "2026-12-11"), vec![])))
            .collect();
        l.import(&items).await.unwrap();
        let versions = || async {
            let mut v = std::collections::BTreeMap::new();
            for (c, _) in &items {
                let s = store.get(&c.reference).await.unwrap();
                v.insert(
                    c.reference.clone(),
                    (s.complaint.version, s.complaint.updated_at),
                );
            }
            v
        };
        let before = versions().await;
        // First start: no fingerprint yet, so every complaint is re-derived; nothing moved and
        // nothing was written.
        assert_eq!(l.recompute_if_changed().await.unwrap().moved, 0);
        assert_eq!(versions().await, before);

        // A one-off holiday on Thursday 7 January 2027 is announced.
        let l2 = with_holiday_on_7_january(&store);
        assert_eq!(l2.recompute_if_changed().await.unwrap().moved, 300);
        let after = versions().await;
        for (reference, (version, _)) in &after {
            let moved = reference.starts_with("A-");
            assert_eq!(
                *version,
                before[reference].0 + i64::from(moved),
                "{reference}"
            );
        }
        let v = l2.show("A-299").await.unwrap();
        assert_eq!(due(&v, "offer-appointment"), "2027-01-12");
        let last = l2.audit("A-000").await.unwrap().pop().unwrap();
        assert_eq!(last.action, "recompute");
        assert!(
            last.detail
                .contains("offer-appointment moved 2027-01-11 -> 2027-01-12"),
            "{last:?}"
        );
        assert!(l2
            .audit("B-000")
            .await
            .unwrap()
            .iter()
            .all(|a| a.action != "recompute"));
        assert_eq!(l2.recompute_if_changed().await.unwrap().moved, 0);
        assert_eq!(versions().await, after);

        // Notifications turned on: every complaint's plan is written in the batches, exactly
        // as the one-complaint writer would write it.
        let mut roles = std::collections::BTreeMap::new();
        for role in ["chair", "resolution-lead", "panel-chair", "manager"] {
            roles.insert(
                role.to_string(),
                timescales::reminder::RoleTargets {
                    email: vec![format!("{role}@council.example")],
                    chat: vec![],
                },
            );
        }
        let l3 = l2.clone().with_notifications(
            timescales::reminder::Addressing {
                roles,
                ..Default::default()
            },
            std::sync::Arc::new(tokio::sync::Notify::new()),
        );
        assert_eq!(l3.recompute_if_changed().await.unwrap().moved, 0);
        let outbox = |reference: &'static str| {
            let store = store.clone();
            async move {
                let mut rows: Vec<_> = store
                    .notifications_of(reference)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|n| {
                        (
                            n.deadline,
                            n.kind,
                            n.occurrence,
                            n.destination,
                            n.planned_at,
                            n.state,
                        )
                    })
                    .collect();
                rows.sort();
                rows
            }
        };
        let batched = outbox("A-123").await;
        assert!(
            batched.iter().any(|n| n.0 == "offer-appointment"
                && n.3 == "email:chair@council.example"
                && n.5 == "planned"),
            "{batched:?}"
        );
        l3.refresh("A-123").await.unwrap();
        assert_eq!(outbox("A-123").await, batched);
    })
    .await;
}
