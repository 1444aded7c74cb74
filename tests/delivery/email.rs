//! The email headers as a real SMTP server (aiosmtpd) receives them: Message-IDs at the sender's
//! domain, one per notification and the same on a retry; one thread per complaint; Exchange's
//! auto-reply suppression. And the delivery delay of a backdated notification.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use timescales::calendar::Calendars;
use timescales::channel::{Channels, Email};
use timescales::clock::FixedClock;
use timescales::lifecycle::Lifecycle;
use timescales::outbox::{RetryPolicy, Worker};
use timescales::procedure::Procedures;
use timescales::reminder::{Addressing, RoleTargets};
use timescales::store::Store;

use crate::backends::on_both;
use crate::fixtures::rec;
use crate::smtp::{headers, SmtpServer};

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 30).unwrap()
}

/// A lifecycle whose chairs and managers have one mailbox each, and a worker that sends one
/// message at a time (so which one the server defers is known), by email only.
/// The chairs' and managers' team mailboxes.
fn mailboxes() -> Addressing {
    let mut roles = std::collections::BTreeMap::new();
    for (role, mailbox) in [
        ("chair", "chairs@council.example"),
        ("manager", "managers@council.example"),
    ] {
        roles.insert(
            role.to_string(),
            RoleTargets {
                email: vec![mailbox.into()],
                chat: vec![],
            },
        );
    }
    Addressing {
        roles,
        ..Addressing::default()
    }
}

fn email_only(
    store: Store,
    smtp_port: u16,
    now: DateTime<Utc>,
) -> (Lifecycle, Arc<FixedClock>, Worker) {
    let clock = Arc::new(FixedClock::new(now));
    let wake = Arc::new(tokio::sync::Notify::new());
    let lifecycle = Lifecycle::new(
        store,
        Arc::new(Procedures::load(None).unwrap()),
        Arc::new(Calendars::embedded()),
        clock.clone(),
        2,
    )
    .with_notifications(mailboxes(), wake.clone());
    let email = Email::new(&crate::smtp::local_settings(smtp_port, 5)).unwrap();
    let mut worker = Worker::new(
        lifecycle.clone(),
        Arc::new(Channels::new(Some(email), vec![])),
        RetryPolicy::default(),
        "email-test".into(),
        None,
        vec![],
        wake,
    );
    worker.concurrency = 1;
    (lifecycle, clock, worker)
}

/// The one value of header `name` (case as sent).
fn header(raw: &str, name: &str) -> String {
    let found: Vec<String> = headers(raw)
        .into_iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v)
        .collect();
    assert_eq!(found.len(), 1, "one {name} in\n{raw}");
    found[0].clone()
}

#[tokio::test]
async fn emails_carry_a_stable_message_id_at_the_sender_domain_and_one_thread_per_complaint() {
    on_both("email headers", |store| async move {
        let smtp = SmtpServer::start_deferring_first();
        let (lifecycle, clock, worker) = email_only(store, smtp.port, at(2026, 12, 23, 10, 0));
        for reference in ["CP-1", "CP-2"] {
            lifecycle
                .open(crate::fixtures::open(reference, "durham", "2026-12-11"))
                .await
                .unwrap();
            lifecycle
                .record_event(reference, rec("concerns-received", "2026-12-23"))
                .await
                .unwrap();
        }

        // Thu 24 Dec 09:00: the reminders of both acknowledgements. The server defers the first
        // (CP-1's) with a 451; CP-2's goes.
        clock.set(at(2026, 12, 24, 9, 0));
        let report = worker.step().await.unwrap();
        assert_eq!((report.sent, report.retried), (1, 1), "{report:?}");
        // After the backoff (30 to 38 s), CP-1's reminder is tried again and goes.
        clock.advance(chrono::Duration::seconds(60));
        assert_eq!(worker.step().await.unwrap().sent, 1);
        // Wed 30 Dec 09:00: both due-day reminders.
        clock.set(at(2026, 12, 30, 9, 0));
        assert_eq!(worker.step().await.unwrap().sent, 2);

        let mail = smtp.messages();
        assert_eq!(mail.len(), 4);
        let of = |reference: &str| -> Vec<&String> {
            mail.iter()
                .filter(|m| header(m, "Subject").starts_with(&format!("{reference} (")))
                .collect()
        };
        let (one, two) = (of("CP-1"), of("CP-2"));
        assert_eq!((one.len(), two.len()), (2, 2));

        // The retried message is the same message: the deferred attempt and the delivered one
        // carry one Message-ID.
        let deferred = smtp.deferred();
        assert_eq!(deferred.len(), 1);
        assert!(header(&deferred[0], "Subject")
            .starts_with("CP-1 (Durham): Write back to the complainant: due Wed 30 Dec"));
        assert_eq!(
            header(&deferred[0], "Message-ID"),
            header(one[0], "Message-ID")
        );

        // Every message its own id, at the sender's domain, naming no reference.
        let ids: std::collections::BTreeSet<String> =
            mail.iter().map(|m| header(m, "Message-ID")).collect();
        assert_eq!(ids.len(), 4, "{ids:?}");
        for id in &ids {
            assert!(
                id.starts_with("<n") && id.ends_with("@council.example>"),
                "{id}"
            );
            assert!(!id.contains("CP-"), "{id}");
        }

        // One thread per complaint, the same for all its messages: a fixed hash of the reference
        // (see reminder::complaint_thread), at the sender's domain.
        for (messages, thread) in [
            (&one, "<complaint-bf9c2da9f67aa200@council.example>"),
            (&two, "<complaint-d3886a2958e2ac77@council.example>"),
        ] {
            for m in messages.iter() {
                assert_eq!(header(m, "In-Reply-To"), thread, "{m}");
                assert_eq!(header(m, "References"), thread, "{m}");
            }
        }

        // Auto-replies suppressed both ways, on every message, the deferred one included.
        for m in mail.iter().chain(&deferred) {
            assert_eq!(header(m, "Auto-Submitted"), "auto-generated");
            assert_eq!(header(m, "X-Auto-Response-Suppress"), "All");
            assert_eq!(header(m, "From"), "timescales <timescales@council.example>");
            // The reference is in the subject (and the body), for the reader; in no other header.
            for (name, value) in headers(m) {
                assert!(
                    name == "Subject" || !value.contains("CP-"),
                    "{name}: {value}"
                );
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_breach_planned_by_a_late_entry_adds_no_delay_to_the_delivery_histogram() {
    on_both("backdated delay", |store| async move {
        let smtp = SmtpServer::start();
        // A complaint recorded in time on 14 December, before anyone was given its mailbox; on
        // Tue 5 Jan 2027, 10:00, the chairs' mailbox is configured. The acknowledgement was due
        // Thu 17 Dec: the breach alert's planned instant is three weeks ago, but it could not
        // have gone before it was planned, a few seconds ago.
        let (lifecycle, clock, worker) = email_only(store, smtp.port, at(2026, 12, 14, 12, 0));
        lifecycle.set_addressing(Addressing::default());
        lifecycle
            .open(crate::fixtures::open("CP-9", "durham", "2026-12-11"))
            .await
            .unwrap();
        lifecycle
            .record_event("CP-9", rec("concerns-received", "2026-12-14"))
            .await
            .unwrap();
        clock.set(at(2027, 1, 5, 10, 0));
        lifecycle.set_addressing(mailboxes());
        lifecycle.refresh("CP-9").await.unwrap();
        clock.advance(chrono::Duration::seconds(20));
        let report = worker.step().await.unwrap();
        assert!(report.sent >= 1, "{report:?}");
        let delay = worker.stats.delay();
        assert_eq!(delay.count, report.sent as u64);
        // Every delivery within 60 s (all of them went 20 s after they were planned), none
        // counted from the backdated instant.
        let within_60 = delay.buckets[timescales::outbox::DELAY_BUCKETS
            .iter()
            .position(|b| *b == 60.0)
            .unwrap()];
        assert_eq!(within_60, delay.count, "{delay:?}");
        assert!(
            (delay.sum_seconds - 20.0 * delay.count as f64).abs() < 1e-6,
            "{delay:?}"
        );
    })
    .await;
}
