//! Emails a second from the email channel alone: `Email::send` to a local aiosmtpd that discards
//! what it receives (`aiosmtpd.handlers.Sink`), one email at a time, and eight at once (as many
//! as the delivery worker sends on one channel). No store, no worker: the SMTP client's own rate.
//!
//! Criterion's throughput is emails a second. Run with `cargo bench --bench email` (needs python3
//! with aiosmtpd: `python3 -m pip install aiosmtpd`); results are recorded in
//! `docs/benchmarks.md`.

#[path = "../tests/delivery/smtp.rs"]
mod smtp;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use timescales::channel::{Email, Message, Severity};

/// How many emails the concurrent measure sends at once: the delivery worker's limit per channel.
const AT_ONCE: usize = 8;
const TO: &str = "chairs@council.example";

/// A reminder as the worker sends one: a subject, a few facts, a thread.
fn message() -> Message {
    Message {
        key: "n1-bench".into(),
        subject: "CP-1 (Durham): Write back to the complainant: due Wed 30 Dec".into(),
        facts: vec![
            ("Reference".into(), "CP-1".into()),
            ("Procedure".into(), "Durham".into()),
            ("Due".into(), "Wed 30 Dec 2026".into()),
        ],
        link: None,
        severity: Severity::Reminder,
        thread: Some("complaint-bf9c2da9f67aa200".into()),
        table: None,
        about: None,
    }
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let smtp = smtp::SmtpServer::start_sink();
    let email = {
        let _runtime = rt.enter();
        Email::new(&smtp::local_settings(smtp.port, 30)).expect("the settings are valid")
    };
    let message = message();
    // One email first, so that the measures reuse an open connection, as a running worker does.
    rt.block_on(email.send(TO, &message))
        .expect("aiosmtpd takes the email");

    let mut group = c.benchmark_group("email");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(1));
    group.bench_function("one_at_a_time", |b| {
        b.iter(|| rt.block_on(email.send(TO, &message)).expect("sent"))
    });
    group.throughput(Throughput::Elements(AT_ONCE as u64));
    group.bench_function("eight_at_once", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut sends = tokio::task::JoinSet::new();
                for _ in 0..AT_ONCE {
                    let (email, message) = (email.clone(), message.clone());
                    sends.spawn(async move { email.send(TO, &message).await });
                }
                while let Some(sent) = sends.join_next().await {
                    sent.expect("the send ran").expect("sent");
                }
            })
        })
    });
    group.finish();
}

criterion_group!(email, benches);
criterion_main!(email);
