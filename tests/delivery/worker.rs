use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use secrecy::SecretString;
use timescales::calendar::Calendars;
use timescales::channel::{sign, Channels, ChatKind, ChatSettings, Email, Webhook};
use timescales::clock::FixedClock;
use timescales::lifecycle::{Lifecycle, OpenComplaint};
use timescales::outbox::{RetryPolicy, Worker};
use timescales::procedure::Procedures;
use timescales::reminder::{Addressing, RoleTargets};
use timescales::store::Store;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::backends::on_both;
use crate::smtp::SmtpServer;

const SECRET: &str = "shared-hmac-secret";

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 30).unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

struct Rig {
    lifecycle: Lifecycle,
    clock: Arc<FixedClock>,
    worker: Worker,
}

fn rig(
    store: Store,
    smtp_port: u16,
    chat: &MockServer,
    chat_kind: ChatKind,
    now: DateTime<Utc>,
) -> Rig {
    let clock = Arc::new(FixedClock::new(now));
    let mut roles = std::collections::BTreeMap::new();
    roles.insert(
        "chair".to_string(),
        RoleTargets {
            email: vec!["chairs@council.example".into()],
            chat: vec!["team".into()],
        },
    );
    roles.insert(
        "manager".to_string(),
        RoleTargets {
            email: vec!["managers@council.example".into()],
            chat: vec!["team".into()],
        },
    );
    let addressing = Addressing {
        roles,
        ..Addressing::default()
    };
    let wake = Arc::new(tokio::sync::Notify::new());
    let lifecycle = Lifecycle::new(
        store,
        Arc::new(Procedures::load(None).unwrap()),
        Arc::new(Calendars::embedded()),
        clock.clone(),
        2,
    )
    .with_notifications(addressing, wake.clone());
    let email = Email::new(&crate::smtp::local_settings(smtp_port, 5)).unwrap();
    let team = Webhook::new(&ChatSettings {
        name: "team".into(),
        kind: chat_kind,
        url: SecretString::from(format!("{}/team", chat.uri())),
        secret: Some(SecretString::from(SECRET.to_string())),
        timeout_seconds: 1,
    })
    .unwrap();
    let ops = Webhook::new(&ChatSettings {
        name: "ops".into(),
        kind: ChatKind::Webhook,
        url: SecretString::from(format!("{}/ops", chat.uri())),
        secret: Some(SecretString::from(SECRET.to_string())),
        timeout_seconds: 1,
    })
    .unwrap();
    let channels = Arc::new(Channels::new(Some(email), vec![team, ops]));
    let worker = Worker::new(
        lifecycle.clone(),
        channels,
        RetryPolicy::default(),
        "test-worker".into(),
        Some("https://case.council.example/complaints/{reference}".into()),
        vec!["chat:ops".into()],
        wake,
    );
    Rig {
        lifecycle,
        clock,
        worker,
    }
}

/// A Durham complaint about the conference of 11 December 2026.
pub(crate) fn open(reference: &str) -> OpenComplaint {
    crate::fixtures::open(reference, "durham", "2026-12-11")
}

use crate::fixtures::{rec, receiving};

async fn chat_posts(server: &MockServer, route: &str) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == route)
        .collect()
}

#[tokio::test]
async fn reminders_alerts_and_escalations_reach_email_and_chat_on_time() {
    on_both("delivery", |store| async move {
        let smtp = SmtpServer::start();
        let chat = receiving(ResponseTemplate::new(200)).await;
        let r = rig(
            store,
            smtp.port,
            &chat,
            ChatKind::Slack,
            at(2026, 12, 23, 10, 0),
        );
        r.lifecycle.open(open("CP-1")).await.unwrap();
        r.lifecycle
            .record_event("CP-1", rec("concerns-received", "2026-12-23"))
            .await
            .unwrap();

        // Nothing is due yet.
        assert_eq!(r.worker.step().await.unwrap().sent, 0);
        // Thu 24 Dec 09:00: the reminder 2 working days before the acknowledgement (due Wed 30).
        r.clock.set(at(2026, 12, 24, 9, 0));
        assert_eq!(r.worker.step().await.unwrap().sent, 1);
        let mail = smtp.messages();
        assert_eq!(mail.len(), 1);
        let m = &mail[0];
        assert!(
            crate::smtp::decoded(m).contains(
                "Subject: CP-1 (Durham): Write back to the complainant: due Wed 30 Dec (2 working days left)"
            ),
            "{m}"
        );
        assert!(m.contains("To: chairs@council.example"), "{m}");
        assert!(m.contains("Auto-Submitted: auto-generated"), "{m}");
        assert!(m.contains("Message-ID: <n"), "{m}");
        assert!(m.contains("multipart/alternative"), "{m}");
        assert!(
            m.contains("https://case.council.example/complaints/CP-1"),
            "{m}"
        );
        // The same step again sends nothing more.
        assert_eq!(r.worker.step().await.unwrap().sent, 0);

        // Wed 30 Dec 09:00: due today. Thu 31 Dec 08:00: the breach, by email and to chat.
        r.clock.set(at(2026, 12, 30, 9, 0));
        assert_eq!(r.worker.step().await.unwrap().sent, 1);
        r.clock.set(at(2026, 12, 31, 8, 0));
        assert_eq!(r.worker.step().await.unwrap().sent, 2);
        let posts = chat_posts(&chat, "/team").await;
        assert_eq!(posts.len(), 1);
        let body: serde_json::Value = serde_json::from_slice(&posts[0].body).unwrap();
        assert_eq!(
            body["text"],
            "CP-1 (Durham): Write back to the complainant: overdue since Wed 30 Dec"
        );
        assert!(body["blocks"].as_array().unwrap().len() >= 2);
        assert!(posts[0].headers.get("idempotency-key").is_some());

        // Mon 4 Jan 08:00: the escalation to managers; the next one is then planned for Mon 11.
        r.clock.set(at(2027, 1, 4, 8, 0));
        let report = r.worker.step().await.unwrap();
        assert_eq!(report.sent, 2, "{report:?}");
        assert!(smtp
            .messages()
            .iter()
            .map(|m| crate::smtp::decoded(m))
            .any(|m| m.contains("To: managers@council.example")
                && m.contains(
                    "Escalation: CP-1 (Durham): Write back to the complainant: overdue by 2 working days"
                )));
        let planned = r.lifecycle.store().notifications_of("CP-1").await.unwrap();
        assert!(planned.iter().any(|n| n.kind == "escalation"
            && n.occurrence == "2026-12-30#2"
            && n.state == "planned"));

        // Acknowledged: the next escalation is cancelled, never sent.
        r.lifecycle
            .record_event("CP-1", rec("concerns-acknowledged", "2027-01-04"))
            .await
            .unwrap();
        let planned = r.lifecycle.store().notifications_of("CP-1").await.unwrap();
        assert!(
            planned
                .iter()
                .filter(|n| n.deadline == "acknowledge" && n.state == "planned")
                .count()
                == 0,
            "{planned:#?}"
        );
        r.clock.set(at(2027, 1, 11, 8, 0));
        let before = smtp.messages().len();
        r.worker.step().await.unwrap();
        assert!(!smtp.messages()[before..]
            .iter()
            .any(|m| m.contains("acknowledge")));
    })
    .await;
}

#[tokio::test]
async fn failures_are_retried_with_backoff_and_retry_after_then_given_up_and_reported() {
    on_both("retries", |store| async move {
        let smtp = SmtpServer::start();
        let chat = MockServer::start().await;
        // The team webhook fails once with a 500, then answers 429 with Retry-After, then 200.
        Mock::given(method("POST"))
            .and(path("/team"))
            .respond_with(ResponseTemplate::new(500))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&chat)
            .await;
        Mock::given(method("POST"))
            .and(path("/team"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
            .up_to_n_times(1)
            .with_priority(2)
            .mount(&chat)
            .await;
        Mock::given(method("POST"))
            .and(path("/team"))
            .respond_with(ResponseTemplate::new(200))
            .with_priority(3)
            .mount(&chat)
            .await;
        Mock::given(method("POST"))
            .and(path("/ops"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&chat)
            .await;
        let r = rig(
            store,
            smtp.port,
            &chat,
            ChatKind::Webhook,
            at(2026, 12, 23, 10, 0),
        );
        r.lifecycle.open(open("CP-2")).await.unwrap();
        r.lifecycle
            .record_event("CP-2", rec("concerns-received", "2026-12-23"))
            .await
            .unwrap();
        // The breach of the acknowledgement, Thu 31 Dec 08:00: email goes, chat gets a 500.
        let t = at(2026, 12, 31, 8, 0);
        r.clock.set(t);
        let report = r.worker.step().await.unwrap();
        assert_eq!((report.sent, report.retried), (1, 1), "{report:?}");
        let chat_row = |rows: Vec<timescales::store::NotificationRow>| {
            rows.into_iter()
                .find(|n| n.kind == "breach" && n.destination == "chat:team")
                .unwrap()
        };
        let row = chat_row(r.lifecycle.store().notifications_of("CP-2").await.unwrap());
        assert_eq!(row.attempts, 1);
        assert_eq!(
            row.last_error.as_deref(),
            Some("chat 'team': HTTP 500 Internal Server Error")
        );
        let wait = (row.next_attempt_at - t).num_seconds();
        assert!(
            (30..=38).contains(&wait),
            "first backoff is 30 s plus jitter, got {wait}"
        );
        // Then the 429: exactly its Retry-After.
        let t2 = row.next_attempt_at + chrono::Duration::seconds(1);
        r.clock.set(t2);
        assert_eq!(r.worker.step().await.unwrap().retried, 1);
        let row = chat_row(r.lifecycle.store().notifications_of("CP-2").await.unwrap());
        assert_eq!((row.next_attempt_at - t2).num_seconds(), 120);
        // Then delivered, signed.
        r.clock.set(row.next_attempt_at);
        assert_eq!(r.worker.step().await.unwrap().sent, 1);
        let post = chat_posts(&chat, "/team").await.pop().unwrap();
        let header = |name: &str| {
            post.headers
                .get(name)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        };
        let ts: i64 = header("webhook-timestamp").parse().unwrap();
        assert_eq!(ts, row.next_attempt_at.timestamp());
        assert_eq!(
            header("webhook-signature"),
            sign(SECRET.as_bytes(), &header("webhook-id"), ts, &post.body)
        );
        assert_eq!(header("user-agent"), timescales::channel::USER_AGENT);
        let body: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
        assert_eq!(
            body["facts"][0],
            serde_json::json!({"name": "Reference", "value": "CP-2"})
        );
        assert_eq!(header("idempotency-key"), body["key"].as_str().unwrap());
        assert_eq!(header("webhook-id"), body["key"].as_str().unwrap());
        // The machine fields: CP-2's acknowledgement was due Wed 30 Dec 2026 (three working
        // days after Wed 23 Dec: Thu 24, Tue 29, Wed 30), so it falls due at the end of that
        // day in London: midnight, GMT in winter.
        assert_eq!(body["type"], "deadline.breach");
        assert_eq!(
            body["data"],
            serde_json::json!({"event": "breach", "reference": "CP-2", "procedure": "durham",
                               "deadline": "acknowledge", "due_date": "2026-12-30",
                               "due_at": "2026-12-31T00:00:00Z", "status": "overdue"})
        );

        // A 400 is permanent: failed at once, and the operator is told on the ops channel.
        chat.reset().await;
        Mock::given(method("POST"))
            .and(path("/team"))
            .respond_with(ResponseTemplate::new(400))
            .mount(&chat)
            .await;
        Mock::given(method("POST"))
            .and(path("/ops"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&chat)
            .await;
        r.clock.set(at(2027, 1, 4, 8, 0));
        let report = r.worker.step().await.unwrap();
        assert_eq!(report.failed, 1, "{report:?}");
        let ops = chat_posts(&chat, "/ops").await;
        assert_eq!(ops.len(), 1);
        let body: serde_json::Value = serde_json::from_slice(&ops[0].body).unwrap();
        assert_eq!(
            body["subject"],
            "timescales could not deliver 1 notification by chat:team"
        );

        // What /metrics says of all that: the team chat was sent to once, retried twice and
        // failed once; the email went at once.
        let stats = r.worker.stats.clone();
        let team = stats
            .channels()
            .into_iter()
            .find(|(c, _)| c == "chat:team")
            .unwrap()
            .1;
        assert_eq!((team.sent, team.retried, team.failed), (1, 2, 1));
        let email = stats
            .channels()
            .into_iter()
            .find(|(c, _)| c == "email")
            .unwrap()
            .1;
        // Both planned for 08:00 on 31 December. The email went at 08:00:30 (30 s late). The
        // chat went after 30-38 s of backoff, 1 s, and 120 s of Retry-After: 181-189 s late.
        let delay = stats.delay();
        assert_eq!(delay.count, team.sent + email.sent);
        let within = |bound: f64| {
            let i = timescales::outbox::DELAY_BUCKETS
                .iter()
                .position(|b| *b == bound)
                .unwrap();
            delay.buckets[i]
        };
        assert_eq!(within(15.0), 0);
        assert_eq!(within(60.0), email.sent);
        assert_eq!(within(300.0), email.sent + 1);
        let app = timescales::api::router(
            timescales::api::ApiState {
                stats,
                ..timescales::api::ApiState::new(r.lifecycle.clone(), Vec::new())
            },
            4096,
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let metrics = reqwest::get(format!("http://{addr}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for line in [
            "timescales_notifications_sent_total{channel=\"chat:team\"} 1".to_string(),
            "timescales_notifications_retried_total{channel=\"chat:team\"} 2".to_string(),
            "timescales_notifications_failed_total{channel=\"chat:team\"} 1".to_string(),
            format!(
                "timescales_delivery_delay_seconds_bucket{{le=\"300\"}} {}",
                email.sent + 1
            ),
            format!("timescales_delivery_delay_seconds_count {}", email.sent + 1),
        ] {
            assert!(metrics.contains(&line), "{line} in\n{metrics}");
        }
    })
    .await;
}

#[tokio::test]
async fn an_smtp_outage_and_a_slow_webhook_are_transient() {
    on_both("outage", |store| async move {
        let chat =
            receiving(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(3)))
                .await;
        // Nothing listens on this port.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let r = rig(
            store,
            closed,
            &chat,
            ChatKind::Teams,
            at(2026, 12, 23, 10, 0),
        );
        r.lifecycle.open(open("CP-3")).await.unwrap();
        r.lifecycle
            .record_event("CP-3", rec("concerns-received", "2026-12-23"))
            .await
            .unwrap();
        r.clock.set(at(2026, 12, 31, 8, 0));
        let report = r.worker.step().await.unwrap();
        // Email (connection refused) and chat (timed out after 1 s) are both tried again.
        assert_eq!(
            (report.sent, report.retried, report.failed),
            (0, 2, 0),
            "{report:?}"
        );
        let rows = r.lifecycle.store().notifications_of("CP-3").await.unwrap();
        let chat_row = rows
            .iter()
            .find(|n| n.kind == "breach" && n.destination == "chat:team")
            .unwrap();
        assert_eq!(
            chat_row.last_error.as_deref(),
            Some("chat 'team': the post timed out")
        );
        let mail_row = rows
            .iter()
            .find(|n| n.kind == "breach" && n.destination.starts_with("email:"))
            .unwrap();
        assert!(
            mail_row.last_error.as_deref().unwrap().starts_with("SMTP"),
            "{mail_row:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn after_downtime_stale_reminders_collapse_into_one_summary_and_nothing_is_planned_twice() {
    on_both("downtime", |store| async move {
        let smtp = SmtpServer::start();
        let chat = receiving(ResponseTemplate::new(200)).await;
        let r = rig(
            store,
            smtp.port,
            &chat,
            ChatKind::GoogleChat,
            at(2026, 12, 14, 10, 0),
        );
        for reference in ["CP-4", "CP-5"] {
            r.lifecycle.open(open(reference)).await.unwrap();
            r.lifecycle
                .record_event(reference, rec("concerns-received", "2026-12-14"))
                .await
                .unwrap();
        }
        let planned = r
            .lifecycle
            .store()
            .notifications_of("CP-4")
            .await
            .unwrap()
            .len();
        // Re-deriving again and again plans nothing new.
        for _ in 0..3 {
            r.lifecycle.refresh("CP-4").await.unwrap();
        }
        assert_eq!(
            r.lifecycle
                .store()
                .notifications_of("CP-4")
                .await
                .unwrap()
                .len(),
            planned
        );
        // The service was down from 14 December to Monday 4 January, 10:00.
        r.clock.set(at(2027, 1, 4, 10, 0));
        let report = r.worker.step().await.unwrap();
        assert_eq!(report.summaries, 1, "{report:?}");
        let mail = smtp.messages();
        let summaries: Vec<&String> = mail
            .iter()
            .filter(|m| m.contains("were missed while the service was not running"))
            .collect();
        assert_eq!(summaries.len(), 1, "one summary for the one recipient");
        assert!(
            summaries[0]
                .contains("CP-4 (Durham): Write back to the complainant: due Thu 17 Dec 2026")
                && summaries[0]
                    .contains("CP-5 (Durham): Write back to the complainant: due Thu 17 Dec 2026")
        );
        // What is still relevant (the breach alerts, the escalations) went once each.
        let breaches = mail
            .iter()
            .filter(|m| m.contains("Subject:") && m.contains(": overdue since "))
            .count();
        assert_eq!(
            breaches, 4,
            "acknowledge and offer-appointment breaches for two complaints"
        );
        let again = r.worker.step().await.unwrap();
        let rows = r.lifecycle.store().notifications_of("CP-4").await.unwrap();
        assert_eq!(
            again.handled(),
            0,
            "{again:?} {:#?}",
            rows.iter()
                .map(|n| (
                    &n.deadline,
                    &n.kind,
                    &n.occurrence,
                    &n.destination,
                    &n.state,
                    n.planned_at
                ))
                .collect::<Vec<_>>()
        );
    })
    .await;
}

#[tokio::test]
async fn a_new_bank_holiday_moves_the_reminders_with_the_due_date() {
    on_both("holiday moves reminders", |store| async move {
        let smtp = SmtpServer::start();
        let chat = MockServer::start().await;
        let r = rig(
            store.clone(),
            smtp.port,
            &chat,
            ChatKind::Slack,
            at(2027, 1, 5, 10, 0),
        );
        r.lifecycle.open(open("CP-6")).await.unwrap();
        r.lifecycle
            .record_event("CP-6", rec("concerns-received", "2027-01-04"))
            .await
            .unwrap();
        // acknowledge: Mon 4 Jan + 3 = Thu 7 Jan; its due-day reminder at 09:00 that day.
        let rows = r.lifecycle.store().notifications_of("CP-6").await.unwrap();
        assert!(rows.iter().any(|n| n.kind == "due-today"
            && n.occurrence == "2027-01-07"
            && n.state == "planned"));
        // Thursday 7 January 2027 is announced as a holiday: acknowledge moves to Fri 8 Jan.
        let closure = timescales::calendar::ClosureSpec {
            name: "Announced holiday".into(),
            from: "2027-01-07".into(),
            to: None,
            regions: vec![],
        };
        let mut roles = std::collections::BTreeMap::new();
        roles.insert(
            "chair".to_string(),
            RoleTargets {
                email: vec!["chairs@council.example".into()],
                chat: vec![],
            },
        );
        let moved = Lifecycle::new(
            store,
            Arc::new(Procedures::load(None).unwrap()),
            Arc::new(Calendars::load(None, &[closure]).unwrap()),
            r.clock.clone(),
            2,
        )
        .with_notifications(
            Addressing {
                roles,
                ..Addressing::default()
            },
            Arc::new(tokio::sync::Notify::new()),
        );
        moved.recompute_if_changed().await.unwrap();
        let rows = moved.store().notifications_of("CP-6").await.unwrap();
        let due_today: Vec<_> = rows
            .iter()
            .filter(|n| n.deadline == "acknowledge" && n.kind == "due-today")
            .map(|n| (n.occurrence.as_str(), n.state.as_str(), n.planned_at))
            .collect();
        assert_eq!(
            due_today,
            [
                (
                    "2027-01-07",
                    "cancelled",
                    at(2027, 1, 7, 9, 0) - chrono::Duration::seconds(30)
                ),
                (
                    "2027-01-08",
                    "planned",
                    at(2027, 1, 8, 9, 0) - chrono::Duration::seconds(30)
                )
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn two_workers_on_postgresql_deliver_each_of_1000_notifications_once() {
    let Some(db) = crate::backends::TestDatabase::create("two workers on PostgreSQL").await else {
        return;
    };
    let store = Store::connect(&db.url).await.unwrap();

    let chat = receiving(ResponseTemplate::new(200)).await;
    let smtp = SmtpServer::start();
    let now = at(2027, 1, 5, 10, 0);
    let one = rig(store.clone(), smtp.port, &chat, ChatKind::Webhook, now);
    // Only breach alerts to chat: 2 overdue obligations x 500 complaints = 1,000.
    let mut roles = std::collections::BTreeMap::new();
    roles.insert(
        "chair".to_string(),
        RoleTargets {
            email: vec![],
            chat: vec!["team".into()],
        },
    );
    let policy = timescales::reminder::Policy {
        remind_working_days_before: vec![],
        remind_on_due_day: false,
        escalate_after_working_days: 0,
        window_closed_notice: false,
        ..Default::default()
    };
    let lifecycle = one.lifecycle.clone().with_notifications(
        Addressing {
            policy,
            roles,
            ..Addressing::default()
        },
        Arc::new(tokio::sync::Notify::new()),
    );
    let items: Vec<_> = (0..500)
        .map(|i| {
            let mut o = open(&format!("TW-{i:04}"));
            o.conference_date = day("2026-11-02");
            (o, vec![rec("concerns-received", "2026-11-10")])
        })
        .collect();
    // Recorded in time (10 November): each breach goes on its own on 5 January.
    one.clock.set(at(2026, 11, 10, 12, 0));
    lifecycle.import(&items).await.unwrap();
    one.clock.set(now);
    let channels = || {
        let team = Webhook::new(&ChatSettings {
            name: "team".into(),
            kind: ChatKind::Webhook,
            url: SecretString::from(format!("{}/team", chat.uri())),
            secret: Some(SecretString::from(SECRET.to_string())),
            timeout_seconds: 5,
        })
        .unwrap();
        Arc::new(Channels::new(None, vec![team]))
    };
    let worker = |id: &str| {
        let mut w = Worker::new(
            lifecycle.clone(),
            channels(),
            RetryPolicy::default(),
            id.into(),
            None,
            vec![],
            Arc::new(tokio::sync::Notify::new()),
        );
        w.batch = 10;
        w
    };
    let (a, b) = (worker("instance-a"), worker("instance-b"));
    let (ra, rb) = tokio::join!(a.step(), b.step());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.sent + rb.sent, 1000, "{ra:?} {rb:?}");
    assert!(
        ra.sent > 0 && rb.sent > 0,
        "both instances worked: {ra:?} {rb:?}"
    );
    let mut keys = std::collections::BTreeMap::new();
    for r in chat.received_requests().await.unwrap() {
        *keys
            .entry(
                r.headers
                    .get("idempotency-key")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string(),
            )
            .or_insert(0) += 1;
    }
    assert_eq!(keys.len(), 1000);
    assert!(keys.values().all(|n| *n == 1), "each delivered once");
    store.close().await;
    db.drop().await;
}

#[tokio::test]
async fn the_daily_digest_goes_once_to_each_recipient_one_row_a_deadline_grouped_overdue_today_soon(
) {
    on_both("digest", |store| async move {
        let smtp = SmtpServer::start();
        let chat = MockServer::start().await;
        let r = rig(store, smtp.port, &chat, ChatKind::Slack, at(2027, 1, 5, 10, 0));
        r.lifecycle.open(open("CP-7")).await.unwrap();
        r.lifecycle.record_event("CP-7", rec("concerns-received", "2026-12-23")).await.unwrap();
        r.lifecycle.open(open("CP-8")).await.unwrap();
        r.lifecycle.record_event("CP-8", rec("concerns-received", "2027-01-04")).await.unwrap();
        let mut roles = std::collections::BTreeMap::new();
        roles.insert("chair".to_string(), RoleTargets { email: vec!["chairs@council.example".into()], chat: vec![] });
        let addressing = Addressing { roles, ..Addressing::default() };
        let email = Email::new(&crate::smtp::local_settings(smtp.port, 5)).unwrap();
        let channels = Channels::new(Some(email), vec![]);
        let sent = timescales::outbox::send_digests(&r.lifecycle, &channels, &addressing, 5, None).await.unwrap();
        assert_eq!(sent, 1);
        let mail = smtp.messages();
        let m = &crate::smtp::decoded(mail.last().unwrap());
        assert!(m.contains("Subject: timescales digest for Tue 5 Jan 2027: 3 deadlines overdue or due within 5 working days"), "{m}");
        // One row a deadline, grouped, in the procedure's words. CP-7: the acknowledgement
        // overdue since 30 Dec (31 Dec, 4, 5 Jan: 3 working days), the offer of an appointment
        // due Mon 11 Jan (6, 7, 8, 11: 4 left). CP-8: its acknowledgement due Thu 7 Jan (6, 7).
        let overdue = m.find("Overdue (1)").expect("an overdue group");
        let soon = m.find("Due within 5 working days (2)").expect("a due-soon group");
        assert!(overdue < soon, "{m}");
        assert!(m.contains("- CP-7 (Durham) | Write back to the complainant | Wed 30 Dec 2026 | overdue by 3 working days | Chairperson of the conference (Independent Reviewing Officer)"), "{m}");
        assert!(m.contains("- CP-8 (Durham) | Write back to the complainant | Thu 7 Jan | open: 2 working days left | Chairperson of the conference (Independent Reviewing Officer)"), "{m}");
        assert!(m.contains("- CP-7 (Durham) | Offer an appointment to attempt to resolve things | Mon 11 Jan | open: 4 working days left | Chairperson of the conference (Independent Reviewing Officer)"), "{m}");
        // CP-8's row (due Thu 7 Jan) comes before CP-7's offer (Mon 11 Jan): earliest first.
        assert!(m.find("- CP-8 (Durham)").unwrap() < m.find("- CP-7 (Durham) | Offer").unwrap(), "{m}");
        // The HTML part is a table with the column headings.
        assert!(m.contains("<th align=\"left\">Complaint</th><th align=\"left\">Deadline</th>"), "{m}");
        // Once a day.
        assert_eq!(timescales::outbox::send_digests(&r.lifecycle, &channels, &addressing, 5, None).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn the_operator_hears_once_a_day_when_official_holiday_data_runs_out_within_six_months() {
    on_both("holiday data alert", |store| async move {
        let chat = receiving(ResponseTemplate::new(200)).await;
        let smtp = SmtpServer::start();
        // 1 August 2028: the shipped data ends 31 December 2028, within six months.
        let r = rig(store, smtp.port, &chat, ChatKind::Slack, at(2028, 8, 1, 10, 0));
        let ops = Webhook::new(&ChatSettings { name: "ops".into(), kind: ChatKind::Webhook, url: SecretString::from(format!("{}/ops", chat.uri())), secret: Some(SecretString::from(SECRET.to_string())), timeout_seconds: 5 }).unwrap();
        let channels = Channels::new(None, vec![ops]);
        let admin = vec!["chat:ops".to_string()];
        assert!(timescales::outbox::holiday_data_alert(&r.lifecycle, &channels, &admin).await.unwrap());
        assert!(!timescales::outbox::holiday_data_alert(&r.lifecycle, &channels, &admin).await.unwrap(), "once a day");
        let post = chat_posts(&chat, "/ops").await.pop().unwrap();
        let body: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
        assert_eq!(body["subject"], "timescales: official bank-holiday data runs out within six months");
        assert_eq!(body["facts"][0], serde_json::json!({"name": "england-and-wales", "value": "official data ends 2028-12-31"}));
        // A year earlier, nothing to say.
        r.clock.set(at(2027, 6, 1, 10, 0));
        assert!(!timescales::outbox::holiday_data_alert(&r.lifecycle, &channels, &admin).await.unwrap());
    })
    .await;
}

/// One chat webhook hangs for a minute: the email behind it still goes at once. Deliveries run
/// per channel, so the hanging webhook holds only its own slots; every email arrives while every
/// chat post is still waiting for its answer.
#[tokio::test]
async fn a_hanging_webhook_delays_only_its_own_messages() {
    on_both("hanging", |store| async move {
        let smtp = SmtpServer::start();
        let chat =
            receiving(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(60)))
                .await;
        // The complaints are recorded in time (10 November); the worker runs on 11 January.
        let clock = Arc::new(FixedClock::new(at(2026, 11, 10, 12, 0)));
        let mut roles = std::collections::BTreeMap::new();
        for role in ["chair", "manager"] {
            roles.insert(
                role.to_string(),
                RoleTargets {
                    email: vec![format!("{role}s@council.example")],
                    chat: vec!["team".into()],
                },
            );
        }
        let wake = Arc::new(tokio::sync::Notify::new());
        let lifecycle = Lifecycle::new(
            store.clone(),
            Arc::new(Procedures::load(None).unwrap()),
            Arc::new(Calendars::embedded()),
            clock.clone(),
            2,
        )
        .with_notifications(
            Addressing {
                roles,
                ..Addressing::default()
            },
            wake.clone(),
        );
        // 20 Durham complaints whose two Stage 1 obligations are long overdue: each sends breach
        // alerts and an escalation, by email and to the team's chat.
        lifecycle
            .import(&crate::fixtures::overdue_durham(20))
            .await
            .unwrap();
        clock.set(at(2027, 1, 11, 10, 0));
        let email = Email::new(&crate::smtp::local_settings(smtp.port, 5)).unwrap();
        let team = Webhook::new(&ChatSettings {
            name: "team".into(),
            kind: ChatKind::Teams,
            url: SecretString::from(format!("{}/team", chat.uri())),
            secret: None,
            timeout_seconds: 90,
        })
        .unwrap();
        let mut worker = Worker::new(
            lifecycle.clone(),
            Arc::new(Channels::new(Some(email), vec![team])),
            RetryPolicy::default(),
            "hanging-worker".into(),
            None,
            vec![],
            wake,
        );
        worker.lease = chrono::Duration::seconds(300);
        worker.grace = std::time::Duration::from_millis(200);
        let now = at(2027, 1, 11, 10, 0);
        // How many of the due notifications for a channel are in `state`.
        let count = |destination: &'static str, state: &'static str| {
            let store = store.clone();
            async move {
                // Due by its planned instant: a claim moves the next attempt to the lease's end.
                let sql = "SELECT COUNT(*) FROM notifications WHERE destination LIKE $1 \
                           AND state = $2 AND planned_at <= $3";
                match &store {
                    Store::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql)
                        .bind(destination)
                        .bind(state)
                        .bind(now)
                        .fetch_one(p)
                        .await
                        .unwrap(),
                    Store::Postgres(p) => sqlx::query_scalar::<_, i64>(sql)
                        .bind(destination)
                        .bind(state)
                        .bind(now)
                        .fetch_one(p)
                        .await
                        .unwrap(),
                }
            }
        };
        let emails_due = count("email:%", "planned").await;
        assert!(emails_due >= 60, "{emails_due} emails due");
        assert!(count("chat:%", "planned").await >= 40);
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let run = tokio::spawn(worker.run(stop_rx));
        // Bounded: every due email is dealt with long before the first chat post is answered.
        for _ in 0..300 {
            if count("email:%", "planned").await == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(
            count("email:%", "planned").await,
            0,
            "email waited on the webhook"
        );
        let sent = count("email:%", "sent").await;
        assert!(sent > 0);
        assert!(smtp.messages().len() as i64 >= sent);
        // The chat posts were made, and none has been answered yet.
        assert!(!chat
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty());
        assert_eq!(count("chat:%", "sent").await, 0);
        let _ = stop_tx.send(true);
        run.await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn with_a_fallback_a_kent_breach_for_an_unrouted_conference_chair_reaches_the_fallback_mailbox(
) {
    on_both("fallback", |store| async move {
        let smtp = SmtpServer::start();
        // As an authority writes it: Kent in use, its chairs' manager and managers routed, the
        // conference chair not, and a fallback mailbox. Only breach alerts, to keep it short.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("timescales.toml");
        std::fs::write(
            &file,
            format!(
                r#"[notify]
procedures = ["kent"]
fallback = {{ email = ["safeguarding-unit@council.example"] }}

[notify.policy]
remind_working_days_before = []
remind_on_due_day = false

[notify.smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from = "timescales <timescales@council.example>"
timeout_seconds = 5

[notify.roles.chairs-manager]
email = ["chairs-managers@council.example"]

[notify.roles.manager]
email = ["managers@council.example"]
"#,
                port = smtp.port
            ),
        )
        .unwrap();
        let settings = timescales::config::Settings::load_from(Some(&file), Vec::new()).unwrap();
        let procedures = Procedures::load(None).unwrap();
        let addressing = settings.notify.addressing();
        let routing = timescales::reminder::Routing::check(&addressing, &procedures);
        assert_eq!(routing.refusal(), None);
        assert!(routing
            .fallen_back()
            .any(|r| r.procedure == "kent" && r.role == "conference-chair"));

        let clock = Arc::new(FixedClock::new(at(2026, 12, 14, 10, 0)));
        let wake = Arc::new(tokio::sync::Notify::new());
        let lifecycle = Lifecycle::new(
            store,
            Arc::new(procedures),
            Arc::new(Calendars::embedded()),
            clock.clone(),
            2,
        )
        .with_notifications(addressing, wake.clone());
        let email = Email::new(settings.notify.smtp.as_ref().unwrap()).unwrap();
        let worker = Worker::new(
            lifecycle.clone(),
            Arc::new(Channels::new(Some(email), vec![])),
            settings.notify.retry.clone(),
            "test-worker".into(),
            None,
            Vec::new(),
            wake,
        );

        // Not Durham: nobody is routed to it here, so no complaint may be opened under it.
        match lifecycle.open(open("CP-9")).await {
            Err(timescales::lifecycle::LifecycleError::Invalid { field, message }) => {
                assert_eq!(field, "procedure");
                assert!(
                    message.starts_with("procedure 'durham' is not among those in use"),
                    "{message}"
                );
            }
            other => panic!("opened under a procedure not in use: {other:?}"),
        }

        // Kent: the representation arrives Monday 14 December, so the conference chair owes
        // the minutes within 3 working days, by Thursday 17.
        lifecycle
            .open(crate::fixtures::open("KE-1", "kent", "2026-12-11"))
            .await
            .unwrap();
        lifecycle
            .record_event("KE-1", rec("representation-received", "2026-12-14"))
            .await
            .unwrap();
        assert_eq!(worker.step().await.unwrap().sent, 0);

        // Friday 18 December, 08:00: the breach goes to the fallback mailbox.
        clock.set(at(2026, 12, 18, 8, 0));
        let report = worker.step().await.unwrap();
        assert_eq!(report.sent, 1, "{report:?}");
        let mail = smtp.messages();
        assert_eq!(mail.len(), 1);
        let m = crate::smtp::decoded(&mail[0]);
        assert!(m.contains("To: safeguarding-unit@council.example"), "{m}");
        assert!(
            m.contains("Subject: KE-1 (Kent): Send out the minutes of the conference, if not already available: overdue since Thu 17 Dec"),
            "{m}"
        );
        assert!(m.contains("Whose: Conference Chair"), "{m}");
    })
    .await;
}

#[tokio::test]
async fn an_smtp_server_that_stops_answering_fails_the_delivery_within_its_timeout() {
    // Accepts connections, then says nothing: lettre's own timeout covers only connecting.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for conn in silent.incoming().take(2) {
            open.push(conn);
        }
        std::thread::sleep(std::time::Duration::from_secs(5));
    });
    let email = Email::new(&crate::smtp::local_settings(port, 1)).unwrap();
    let message = timescales::channel::Message {
        key: "n1-test".into(),
        subject: "CP-1: acknowledge was due 2026-12-30 and is not done".into(),
        facts: vec![],
        link: None,
        severity: timescales::channel::Severity::Alert,
        thread: None,
        table: None,
        about: None,
    };
    for _ in 0..2 {
        let started = std::time::Instant::now();
        let e = email
            .send("chairs@council.example", &message)
            .await
            .unwrap_err();
        let took = started.elapsed();
        assert!(
            took < std::time::Duration::from_secs(3),
            "bounded by the 1 s timeout: {took:?}"
        );
        assert!(
            matches!(&e, timescales::channel::DeliveryError::Transient { message, .. }
                if message == "SMTP: no answer within 1 s (notify.smtp.timeout_seconds)"),
            "{e:?}"
        );
    }
    drop(held);
}

/// Twenty failures on one channel tell the operator twice, not twenty times: the first at once,
/// the other nineteen an hour later in one message with the count.
#[tokio::test]
async fn operator_alerts_are_grouped_per_channel_and_hour() {
    on_both("operator grouping", |store| async move {
        let smtp = SmtpServer::start();
        let chat = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/team"))
            .respond_with(ResponseTemplate::new(400))
            .mount(&chat)
            .await;
        Mock::given(method("POST"))
            .and(path("/ops"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&chat)
            .await;
        let r = rig(
            store,
            smtp.port,
            &chat,
            ChatKind::Webhook,
            at(2026, 11, 10, 12, 0),
        );
        // Five complaints recorded in time, each with two breaches and two escalations for the
        // team's chat by 5 January: twenty posts that the webhook refuses for good (400).
        r.lifecycle
            .import(&crate::fixtures::overdue_durham(5))
            .await
            .unwrap();
        r.clock.set(at(2027, 1, 5, 10, 0));
        let report = r.worker.step().await.unwrap();
        assert_eq!(report.failed, 20, "{report:?}");
        let subjects = |posts: Vec<wiremock::Request>| -> Vec<String> {
            posts
                .iter()
                .map(|p| {
                    let v: serde_json::Value = serde_json::from_slice(&p.body).unwrap();
                    v["subject"].as_str().unwrap().to_string()
                })
                .collect()
        };
        assert_eq!(
            subjects(chat_posts(&chat, "/ops").await),
            ["timescales could not deliver 1 notification by chat:team"]
        );
        // Within the hour, nothing more.
        r.clock.set(at(2027, 1, 5, 10, 30));
        r.worker.flush_operator_alerts().await;
        assert_eq!(chat_posts(&chat, "/ops").await.len(), 1);
        // An hour on: the other nineteen, counted, in one message.
        r.clock.set(at(2027, 1, 5, 11, 1));
        r.worker.flush_operator_alerts().await;
        let ops = chat_posts(&chat, "/ops").await;
        assert_eq!(
            subjects(ops.clone())[1],
            "timescales could not deliver 19 notifications by chat:team"
        );
        let body: serde_json::Value = serde_json::from_slice(&ops[1].body).unwrap();
        let facts = body["facts"].to_string();
        assert!(
            facts.contains("CP-00000") && !facts.contains("@"),
            "{facts}"
        );
        assert_eq!(ops.len(), 2);
    })
    .await;
}

/// History entered one call at a time: a complaint's alerts wait until it has gone
/// `settle` unchanged, so the calls in between raise no alarm.
#[tokio::test]
async fn alerts_wait_until_the_complaint_has_settled() {
    on_both("settling", |store| async move {
        let smtp = SmtpServer::start();
        let chat = receiving(ResponseTemplate::new(200)).await;
        // Recorded in time on Monday 14 December; the acknowledgement was due Thursday 17.
        let mut r = rig(
            store,
            smtp.port,
            &chat,
            ChatKind::Webhook,
            at(2026, 12, 14, 12, 0),
        );
        r.worker.settle = chrono::Duration::seconds(30);
        r.lifecycle.open(open("ST-1")).await.unwrap();
        r.lifecycle
            .record_event("ST-1", rec("concerns-received", "2026-12-14"))
            .await
            .unwrap();
        // Friday 18 December, 08:00: the breach is due, and the complaint is changed that minute
        // (the offer of an appointment recorded): its alerts wait.
        r.clock.set(at(2026, 12, 18, 8, 0));
        r.lifecycle
            .record_event("ST-1", rec("appointment-offered", "2026-12-18"))
            .await
            .unwrap();
        let report = r.worker.step().await.unwrap();
        assert_eq!(report.sent, 0, "{report:?}");
        assert!(smtp.messages().is_empty());
        // Unchanged for 30 seconds: the breach goes.
        r.clock.advance(chrono::Duration::seconds(31));
        let report = r.worker.step().await.unwrap();
        assert!(report.sent >= 1, "{report:?}");
        assert!(smtp
            .messages()
            .iter()
            .map(|m| crate::smtp::decoded(m))
            .any(|m| m.contains(
                "Subject: ST-1 (Durham): Write back to the complainant: overdue since Thu 17 Dec"
            )));
    })
    .await;
}

/// A caseload entered after the fact (30 Durham complaints whose Stage 1 deadlines passed in
/// November and December, imported on 5 January) is one short notice per recipient, not 90
/// alerts nor one card listing all 90: Teams refuses a card over about 28 KB, and nobody reads 90
/// lines. The first 20 deadlines are named; the rest are counted and pointed to. The reminders
/// planned after their time go nowhere.
#[tokio::test]
async fn a_caseload_entered_after_the_fact_sends_each_recipient_one_short_notice() {
    on_both("entered-late", |store| async move {
        let smtp = SmtpServer::start();
        let chat = receiving(ResponseTemplate::new(200)).await;
        let r = rig(
            store,
            smtp.port,
            &chat,
            ChatKind::Teams,
            at(2027, 1, 5, 10, 0),
        );
        r.lifecycle
            .import(&crate::fixtures::overdue_durham(30))
            .await
            .unwrap();
        let report = r.worker.step().await.unwrap();
        assert_eq!(report.sent, 0, "nothing goes as a fresh alert: {report:?}");
        let mail: Vec<String> = smtp
            .messages()
            .iter()
            .map(|m| crate::smtp::decoded(m))
            .collect();
        let to_chairs: Vec<&String> = mail
            .iter()
            .filter(|m| m.contains("To: chairs@council.example"))
            .collect();
        assert_eq!(to_chairs.len(), 1, "{mail:#?}");
        let m = to_chairs[0];
        // Concerns received Tue 10 Nov 2026: the acknowledgement was due Fri 13 Nov (11, 12,
        // 13), the offer of an appointment Tue 24 Nov (11-13, 16-20, 23, 24), and the family's
        // 28 days to ask for Stage 2 ended Tue 8 Dec: 90 in all, in reference order.
        assert!(
            m.contains("Subject: 90 deadlines were already due or past when entered"),
            "{m}"
        );
        assert!(
            m.contains("CP-00000 (Durham): Ask to move to Stage 2: due Tue 8 Dec 2026"),
            "{m}"
        );
        assert!(
            m.contains("CP-00000 (Durham): Offer an appointment to attempt to resolve things: due Tue 24 Nov 2026"),
            "{m}"
        );
        assert!(!m.contains("CP-00007"), "past the first 20: {m}");
        assert!(
            m.contains("CP-00000 (Durham): Write back to the complainant: due Fri 13 Nov 2026"),
            "{m}"
        );
        assert_eq!(
            m.matches("Entered after the due date: CP-").count(),
            20,
            "the first 20 are named (in the plain-text part): {m}"
        );
        assert!(
            m.contains("70 more: the morning digest and"),
            "{m}"
        );
        // The team's Teams card: the same 20 and the count, far below Teams' limit.
        let cards = chat_posts(&chat, "/team").await;
        let summaries: Vec<String> = cards
            .iter()
            .map(|c| String::from_utf8_lossy(&c.body).to_string())
            .filter(|b| b.contains("already due or past when entered"))
            .collect();
        assert!(!summaries.is_empty(), "no card reached the team");
        for card in &summaries {
            assert!(card.len() < 28_000, "{} bytes", card.len());
            assert!(card.contains("more: the morning digest and"));
        }
        // Every reminder planned after its time went nowhere, and nothing is left to send.
        let again = r.worker.step().await.unwrap();
        assert_eq!(again.handled(), 0, "{again:?}");
    })
    .await;
}
