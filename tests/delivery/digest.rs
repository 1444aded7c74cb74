//! The daily digest reaches the managers who own escalations (issue 17): each gets the overdue
//! deadlines escalated to their role, as well as the owners getting theirs.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use timescales::calendar::Calendars;
use timescales::channel::{Channels, Email};
use timescales::clock::FixedClock;
use timescales::lifecycle::Lifecycle;
use timescales::outbox::send_digests;
use timescales::procedure::Procedures;
use timescales::reminder::{Addressing, Policy, RoleTargets};

use crate::backends::on_both;
use crate::fixtures::{open, rec};
use crate::smtp::{decoded, SmtpServer};

fn mailbox(address: &str) -> RoleTargets {
    RoleTargets {
        email: vec![address.into()],
        chat: vec![],
    }
}

/// The service on Tuesday 5 January 2027, 10:00.
fn on_5_january(store: timescales::store::Store) -> Lifecycle {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2027, 1, 5, 10, 0, 0).unwrap(),
    ));
    Lifecycle::new(
        store,
        Arc::new(Procedures::load(None).unwrap()),
        Arc::new(Calendars::embedded()),
        clock,
        2,
    )
}

/// The chairs' and the managers' mailboxes.
fn chairs_and_managers() -> Addressing {
    let mut roles = BTreeMap::new();
    roles.insert("chair".to_string(), mailbox("chairs@council.example"));
    roles.insert("manager".to_string(), mailbox("managers@council.example"));
    Addressing {
        roles,
        ..Addressing::default()
    }
}

/// The digest addressed to `to`, decoded; panics naming who did get one when there is none.
fn digest_to(smtp: &SmtpServer, to: &str) -> String {
    let all: Vec<String> = smtp.messages().iter().map(|m| decoded(m)).collect();
    all.iter()
        .find(|m| m.contains(&format!("To: {to}")))
        .cloned()
        .unwrap_or_else(|| panic!("no digest to {to} among {all:#?}"))
}

#[tokio::test]
async fn managers_get_a_digest_of_the_deadlines_escalated_to_them() {
    on_both("digest to managers", |store| async move {
        let smtp = SmtpServer::start();
        let lifecycle = on_5_january(store);
        // Durham, conference 11 December 2026; acknowledge is due 3 working days after the
        // concerns arrive, and escalates (by default) 2 working days after that.
        // CP-7: due Wed 30 Dec, escalated Mon 4 Jan (31 Dec, 4 Jan).
        // CP-9: due Mon 4 Jan (30, 31 Dec, 4 Jan): overdue, escalated only on Wed 6 Jan.
        // CP-8: due Thu 7 Jan: not overdue.
        for (reference, received) in [
            ("CP-7", "2026-12-23"),
            ("CP-9", "2026-12-29"),
            ("CP-8", "2027-01-04"),
        ] {
            lifecycle
                .open(open(reference, "durham", "2026-12-11"))
                .await
                .unwrap();
            lifecycle
                .record_event(reference, rec("concerns-received", received))
                .await
                .unwrap();
        }
        let addressing = chairs_and_managers();
        let email = Email::new(&crate::smtp::local_settings(smtp.port, 5))
        .unwrap();
        let channels = Channels::new(Some(email), vec![]);
        let sent = send_digests(&lifecycle, &channels, &addressing, 5, None)
            .await
            .unwrap();
        assert_eq!(sent, 2, "the chairs and the managers");

        let chairs = digest_to(&smtp, "chairs@council.example");
        assert!(
            chairs.contains("- CP-7 (Durham) | Write back to the complainant | Wed 30 Dec 2026 | overdue by 3 working days | Chairperson of the conference (Independent Reviewing Officer)"),
            "{chairs}"
        );
        assert!(
            chairs.contains("- CP-9 (Durham) | Write back to the complainant | Mon 4 Jan | overdue by 1 working day | Chairperson of the conference (Independent Reviewing Officer)"),
            "{chairs}"
        );
        assert!(
            chairs.contains("- CP-8 (Durham) | Write back to the complainant | Thu 7 Jan | open: 2 working days left | Chairperson of the conference (Independent Reviewing Officer)"),
            "{chairs}"
        );

        let managers = digest_to(&smtp, "managers@council.example");
        assert!(
            managers.contains("Subject: timescales digest for Tue 5 Jan 2027: 1 deadline overdue"),
            "{managers}"
        );
        assert!(
            managers
                .contains("- CP-7 (Durham) | Write back to the complainant | Wed 30 Dec 2026 | ESCALATED: overdue by 3 working days | Chairperson of the conference (Independent Reviewing Officer)"),
            "{managers}"
        );
        assert!(managers.contains("Overdue (1)"), "{managers}");
        // Overdue but not yet escalated, or not overdue: the owner's business only.
        assert!(!managers.contains("CP-9"), "{managers}");
        assert!(!managers.contains("CP-8"), "{managers}");

        // Escalations routed elsewhere for one deadline (a policy override) reach that role.
        let mut overridden = addressing.clone();
        overridden.roles.insert(
            "head-of-service".to_string(),
            mailbox("head@council.example"),
        );
        overridden.overrides.insert(
            "durham/acknowledge".to_string(),
            Policy {
                escalate_to: "head-of-service".into(),
                ..Policy::default()
            },
        );
        let sent = send_digests(&lifecycle, &channels, &overridden, 5, None)
            .await
            .unwrap();
        assert_eq!(sent, 1, "the chairs and managers had today's already");
        let head = digest_to(&smtp, "head@council.example");
        assert!(
            head.contains("- CP-7 (Durham) | Write back to the complainant | Wed 30 Dec 2026 | ESCALATED: overdue by 3 working days | Chairperson of the conference (Independent Reviewing Officer)"),
            "{head}"
        );

        // A policy that never escalates sends the managers nothing.
        let mut never = addressing.clone();
        never.policy.escalate_after_working_days = 0;
        never.roles.insert(
            "manager".to_string(),
            mailbox("other-managers@council.example"),
        );
        let sent = send_digests(&lifecycle, &channels, &never, 5, None)
            .await
            .unwrap();
        assert_eq!(sent, 0);
    })
    .await;
}

#[tokio::test]
async fn a_digest_lists_the_earliest_hundred_and_counts_the_rest() {
    on_both("digest capped", |store| async move {
        let smtp = SmtpServer::start();
        let lifecycle = on_5_january(store);
        // Durham, conference 11 December 2026. 105 complaints whose concerns arrived on
        // Wednesday 23 December: each one's reply was due Wednesday 30 December (23 Dec + 3
        // working days: 24, 29, 30; Christmas and Boxing Day's substitute on 25 and 28), overdue
        // by 3 working days today and escalated; and each one's meeting is due Monday 11
        // January (10 working days), within 5 working days of today (by Tuesday 12 January).
        // 10 more whose concerns arrived on Monday 4 January: the reply due Thursday 7 January,
        // the meeting on 18 January, beyond the 5 days. The chairs: 105 overdue, 115 due soon.
        let items: Vec<_> = (0..105)
            .map(|i| (format!("LATE-{i:03}"), "2026-12-23"))
            .chain((0..10).map(|i| (format!("SOON-{i:02}"), "2027-01-04")))
            .map(|(reference, received)| {
                (
                    open(&reference, "durham", "2026-12-11"),
                    vec![rec("concerns-received", received)],
                )
            })
            .collect();
        lifecycle.import(&items).await.unwrap();
        let addressing = chairs_and_managers();
        let email = Email::new(&crate::smtp::local_settings(smtp.port, 5)).unwrap();
        let channels = Channels::new(Some(email), vec![]);
        let sent = send_digests(&lifecycle, &channels, &addressing, 5, None)
            .await
            .unwrap();
        assert_eq!(sent, 2);

        let rows = |m: &str, prefix: &str| {
            m.lines()
                .filter(|l| l.starts_with(&format!("- {prefix}")))
                .count()
        };
        let chairs = digest_to(&smtp, "chairs@council.example");
        assert!(
            chairs.contains(
                "Subject: timescales digest for Tue 5 Jan 2027: 220 deadlines overdue or due within 5 working days"
            ),
            "{chairs}"
        );
        assert!(
            chairs.contains("Listed here: the first 100 of 220, earliest due first (105 overdue, 0 due today, 115 due within 5 working days)"),
            "{chairs}"
        );
        assert!(chairs.contains("Overdue (105; the first 100 listed here)"), "{chairs}");
        assert_eq!(rows(&chairs, "LATE-"), 100, "{chairs}");
        assert_eq!(rows(&chairs, "SOON-"), 0, "{chairs}");
        assert!(
            chairs.contains("- LATE-000 (Durham) | Write back to the complainant | Wed 30 Dec 2026 | overdue by 3 working days"),
            "{chairs}"
        );

        // The managers hear of the 105 escalated ones only: the first 100 of them.
        let managers = digest_to(&smtp, "managers@council.example");
        assert!(
            managers.contains("Listed here: the first 100 of 105, earliest due first (105 overdue, 0 due today, 0 due within 5 working days)"),
            "{managers}"
        );
        assert_eq!(rows(&managers, "LATE-"), 100, "{managers}");
    })
    .await;
}
