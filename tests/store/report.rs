//! The compliance report on a small fixture whose every figure is worked out by hand from the
//! procedures and the England and Wales calendar, on both stores.

use timescales::lifecycle::{Applicability, Extend};
use timescales::report::{Count, DeadlineFigures};

use crate::backends::on_both;
use crate::fixtures::{open, rec};
use crate::helpers::{d, service, set_today};

fn figures(
    report: &timescales::report::Report,
    procedure: &str,
    deadline: &str,
) -> DeadlineFigures {
    report
        .procedures
        .iter()
        .find(|p| p.procedure == procedure)
        .and_then(|p| p.deadlines.iter().find(|f| f.deadline == deadline))
        .unwrap_or_else(|| panic!("no {procedure}/{deadline} in {report:#?}"))
        .clone()
}

fn count(id: &str, label: &str, count: usize) -> Count {
    Count {
        id: id.into(),
        label: label.into(),
        count,
    }
}

#[tokio::test]
async fn the_compliance_report_counts_what_was_met_late_unmet_extended_and_still_open() {
    on_both("report", |store| async move {
        let (l, clock) = service(&store, "2027-01-20");
        let event = |r: &'static str, name: &'static str, date: &'static str| {
            let l = l.clone();
            async move { l.record_event(r, rec(name, date)).await.unwrap() }
        };
        // A: conference Fri 20 Nov 2026, concerns received Mon 23 Nov.
        //  raise-concerns (window): 10 working days after the conference, Fri 4 Dec; met 23 Nov.
        //  acknowledge: 3 working days, Thu 26 Nov (before the period); met 25 Nov.
        //  offer-appointment: 10 working days, Mon 7 Dec; offered Wed 9 Dec: 2 working days late.
        //  request-stage-2 (window): 28 days, Mon 21 Dec; requested Thu 10 Dec.
        //  resolution-meeting: 28 days after Thu 10 Dec, Thu 7 Jan 2027; not held.
        l.open(open("A", "durham", "2026-11-20")).await.unwrap();
        event("A", "concerns-received", "2026-11-23").await;
        event("A", "concerns-acknowledged", "2026-11-25").await;
        event("A", "appointment-offered", "2026-12-09").await;
        event("A", "stage-2-requested", "2026-12-10").await;
        // B: conference Fri 27 Nov, concerns received Mon 30 Nov.
        //  raise-concerns: Fri 11 Dec; met 30 Nov.
        //  acknowledge: Thu 3 Dec; sent Tue 8 Dec: 3 working days late (4, 7, 8).
        //  offer-appointment: Mon 14 Dec; never offered, resolved Tue 15 Dec: unmet.
        //  request-stage-2: 28 days is Mon 28 Dec, Boxing Day's substitute, so Tue 29 Dec;
        //  closed before it: not needed.
        l.open(open("B", "durham", "2026-11-27")).await.unwrap();
        event("B", "concerns-received", "2026-11-30").await;
        event("B", "concerns-acknowledged", "2026-12-08").await;
        event("B", "resolved", "2026-12-15").await;
        // C: conference Fri 27 Nov, concerns received Tue 1 Dec.
        //  raise-concerns: Fri 11 Dec; met 1 Dec. acknowledge: Fri 4 Dec; marked not applicable.
        //  offer-appointment: Tue 15 Dec; open, overdue. request-stage-2: Tue 29 Dec; open.
        l.open(open("C", "durham", "2026-11-27")).await.unwrap();
        event("C", "concerns-received", "2026-12-01").await;
        l.mark_not_applicable(
            "C",
            Applicability {
                deadline: "acknowledge".into(),
                recorded_by: "Team Manager".into(),
                reason: "acknowledged in person at the conference".into(),
            },
        )
        .await
        .unwrap();
        // D (City and Hackney): step 2 requested Wed 27 Jan 2027, the panel due Wed 17 Feb,
        // extended on 10 Feb to Wed 31 Mar; not held.
        set_today(&clock, "2027-02-10");
        l.open(open("D", "city-and-hackney", "2026-12-01"))
            .await
            .unwrap();
        event("D", "complaint-received", "2026-12-22").await;
        event("D", "step-2-requested", "2027-01-27").await;
        l.extend(
            "D",
            Extend {
                deadline: "panel-meeting".into(),
                to: d("2027-03-31"),
                recorded_by: "Head of Safeguarding".into(),
                reason: "panel member unavailable".into(),
                retrospective: None,
            },
        )
        .await
        .unwrap();

        set_today(&clock, "2027-04-30");
        let period = (d("2026-12-01"), d("2027-03-31"));
        let report = l.report(period.0, period.1, Some("durham")).await.unwrap();
        assert_eq!(report.as_of, d("2027-04-30"));
        assert_eq!(report.procedures.len(), 1);
        let durham = &report.procedures[0];
        assert_eq!(durham.complaints, 3);
        assert_eq!(
            durham
                .deadlines
                .iter()
                .map(|f| f.deadline.as_str())
                .collect::<Vec<_>>(),
            [
                "raise-concerns",
                "acknowledge",
                "offer-appointment",
                "request-stage-2",
                "resolution-meeting"
            ],
            "in the procedure's order"
        );
        let raise = figures(&report, "durham", "raise-concerns");
        assert_eq!(
            (
                raise.kind.as_str(),
                raise.due,
                raise.met_on_time,
                raise.on_time_percent
            ),
            ("window", 3, 3, Some(100.0))
        );
        let ack = figures(&report, "durham", "acknowledge");
        assert_eq!(
            (ack.due, ack.met_on_time, ack.met_late, ack.not_applicable),
            (2, 0, 1, 1)
        );
        assert_eq!(
            (
                ack.late_median_working_days,
                ack.late_worst_working_days,
                ack.on_time_percent
            ),
            (Some(3.0), Some(3), Some(0.0))
        );
        let offer = figures(&report, "durham", "offer-appointment");
        assert_eq!(
            (
                offer.due,
                offer.met_late,
                offer.unmet,
                offer.open,
                offer.open_overdue
            ),
            (3, 1, 1, 1, 1)
        );
        assert_eq!(
            (
                offer.late_median_working_days,
                offer.late_worst_working_days,
                offer.on_time_percent
            ),
            (Some(2.0), Some(2), Some(0.0))
        );
        let stage2 = figures(&report, "durham", "request-stage-2");
        assert_eq!(
            (
                stage2.due,
                stage2.met_on_time,
                stage2.not_needed,
                stage2.open_overdue
            ),
            (3, 1, 1, 1)
        );
        assert_eq!(stage2.on_time_percent, Some(50.0));
        let meeting = figures(&report, "durham", "resolution-meeting");
        assert_eq!(
            (
                meeting.stage.as_str(),
                meeting.due,
                meeting.open_overdue,
                meeting.extended
            ),
            ("stage-2", 1, 1, 0)
        );
        assert_eq!(
            durham.by_outcome,
            [count("open", "open", 2), count("closed", "closed", 1)]
        );
        assert_eq!(
            durham.by_stage_reached,
            [
                count("stage-1", "Stage one: informal stage", 2),
                count("stage-2", "Stage two: the Complaint Resolution meeting", 1)
            ]
        );

        // Durham's duties by the month they fell due: in December B's and C's acknowledgements
        // and the three offers of an appointment (5; C's acknowledgement is not applicable, so
        // 4 have come: met late, met late, unmet, overdue), none on time; in January A's
        // resolution meeting, overdue; February and March, nothing.
        let months: Vec<(String, usize, usize, usize, Option<f64>)> = report
            .by_month
            .iter()
            .map(|m| (m.month.clone(), m.due, m.met_on_time, m.come, m.on_time_percent))
            .collect();
        assert_eq!(
            months,
            [
                ("2026-12".to_string(), 5, 0, 4, Some(0.0)),
                ("2027-01".to_string(), 1, 0, 1, Some(0.0)),
                ("2027-02".to_string(), 0, 0, 0, None),
                ("2027-03".to_string(), 0, 0, 0, None),
            ]
        );
        // The page: a bar for each month with duties met or past due, and the tables.
        let html = report.html();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert_eq!(html.matches("<rect ").count(), 2, "{html}");
        assert!(html.contains("<title id=\"chart-title\">Duties met on time, by month due</title>"));
        assert!(
            html.contains("<tr><td>Write back to the complainant</td><td>duty</td><td>2</td><td>0</td><td>1</td><td>3</td><td>3</td>"),
            "{html}"
        );
        assert!(html.contains("<tr><td>Stage two: the Complaint Resolution meeting</td><td>1</td></tr>"));
        assert!(!html.contains("<script"));

        // Every procedure: City and Hackney's panel, due in force 31 March, extended and open.
        let all = l.report(period.0, period.1, None).await.unwrap();
        assert_eq!(
            all.procedures
                .iter()
                .map(|p| p.procedure.as_str())
                .collect::<Vec<_>>(),
            ["city-and-hackney", "durham"]
        );
        assert_eq!(all.procedures[1], report.procedures[0]);
        let panel = figures(&all, "city-and-hackney", "panel-meeting");
        assert_eq!(
            (panel.due, panel.extended, panel.open, panel.open_overdue),
            (1, 1, 1, 1)
        );
        // December alone: A's meeting (7 January) and D's panel fall outside it; D's window
        // to put its concerns in writing (28 days after 1 December: Tue 29 Dec) and its
        // acknowledgement (3 working days after Tue 22 Dec, past Christmas Day and Boxing
        // Day's substitute: Tue 29 Dec) fall in it.
        let december = l
            .report(d("2026-12-01"), d("2026-12-31"), None)
            .await
            .unwrap();
        let due_in = |r: &timescales::report::Report, p: usize| -> Vec<String> {
            r.procedures[p]
                .deadlines
                .iter()
                .map(|f| f.deadline.clone())
                .collect()
        };
        assert_eq!(due_in(&december, 0), ["raise-concerns", "acknowledge"]);
        assert_eq!(
            due_in(&december, 1),
            [
                "raise-concerns",
                "acknowledge",
                "offer-appointment",
                "request-stage-2"
            ]
        );

        // A period that ends before it starts, an unknown procedure: refused by name.
        let e = l
            .report(d("2027-03-31"), d("2026-12-01"), None)
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "the period ends (2026-12-01) before it starts (2027-03-31)"
        );
        let e = l
            .report(period.0, period.1, Some("kentt"))
            .await
            .unwrap_err();
        assert!(
            e.to_string().starts_with("unknown procedure 'kentt'"),
            "{e}"
        );
    })
    .await;
}
