//! Set-up shared by the test suites and the daemon benchmark: complaints as staff open them,
//! events as chairs record them, a batch of Durham complaints with overdue obligations, and an
//! HTTP receiver for chat webhooks. Each suite uses some of it.
#![allow(dead_code)]

use timescales::lifecycle::{OpenComplaint, Record};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A parent's complaint about an initial conference held on `conference`.
pub fn open(reference: &str, procedure: &str, conference: &str) -> OpenComplaint {
    OpenComplaint {
        reference: reference.into(),
        procedure: procedure.into(),
        track: None,
        complainant_role: "parent".into(),
        conference_date: conference.parse().unwrap(),
        conference_type: "initial".into(),
        out_of_scope: None,
        recorded_by: "Team Manager".into(),
        note: String::new(),
        events: vec![],
        outcomes: vec![],
    }
}

/// An event on `date`, recorded by the chair.
pub fn rec(name: &str, date: &str) -> Record {
    Record {
        name: name.into(),
        date: date.parse().unwrap(),
        recorded_by: "Conference Chair".into(),
        note: String::new(),
    }
}

/// `n` Durham complaints (CP-00000...), conference 2 November 2026, concerns received 10
/// November: by January 2027 each has two obligations long overdue, so two breach alerts.
/// Import them with a clock on [`RECORDED_IN_TIME`] for breaches staff hear of one by one;
/// imported later, they were entered after their due dates and go as one notice per recipient.
pub fn overdue_durham(n: usize) -> Vec<(OpenComplaint, Vec<Record>)> {
    (0..n)
        .map(|i| {
            (
                open(&format!("CP-{i:05}"), "durham", "2026-11-02"),
                vec![rec("concerns-received", "2026-11-10")],
            )
        })
        .collect()
}

/// The day [`overdue_durham`]'s concerns were received: a clock on it records them in time.
pub const RECORDED_IN_TIME: &str = "2026-11-10";

/// A chat receiver that answers every POST with `answer`.
pub async fn receiving(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}
