//! The bank-holiday refresh against a real HTTP server (wiremock) serving good, broken and
//! hostile files: a believable newer file is installed, put in force and the complaints it
//! moves re-derived and audited; anything else is refused with the reason named, and neither
//! the file in the holidays folder nor any stored deadline changes.

use std::sync::Arc;

use timescales::calendar::{Calendars, Division};
use timescales::clock::FixedClock;
use timescales::lifecycle::holidays::{HolidayFeed, RefreshError, Refreshed};
use timescales::lifecycle::Lifecycle;
use timescales::procedure::Procedures;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::backends::on_both;
use crate::fixtures::open;

const SHIPPED: &str = include_str!("../../holidays/bank-holidays.json");

/// The shipped file, changed by `edit` (a list of events per division).
fn file(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value = serde_json::from_str(SHIPPED).unwrap();
    edit(&mut v);
    v.to_string()
}

fn events<'a>(v: &'a mut serde_json::Value, region: &str) -> &'a mut Vec<serde_json::Value> {
    v[region]["events"].as_array_mut().unwrap()
}

/// The shipped file with a one-off bank holiday on Monday 7 June 2027 in England and Wales.
fn with_one_off() -> String {
    file(|v| {
        events(v, "england-and-wales").push(
            serde_json::json!({"title": "Imaginary one-off holiday", "date": "2027-06-07", "notes": ""}),
        )
    })
}

/// The server answers the next request with `answer`.
async fn serve(server: &MockServer, answer: ResponseTemplate) {
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/bank-holidays.json"))
        .respond_with(answer)
        .mount(server)
        .await;
}

fn json(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "application/json")
}

fn acknowledge_due(v: &timescales::lifecycle::ComplaintView) -> String {
    v.deadlines
        .iter()
        .find(|d| d.derived.id == "acknowledge")
        .map(|d| d.derived.due.to_string())
        .unwrap()
}

#[tokio::test]
async fn a_refresh_installs_a_believable_file_and_refuses_broken_and_hostile_ones() {
    on_both("holiday refresh", |store| async move {
        let server = MockServer::start().await;
        let dir = tempfile::tempdir().unwrap();
        let holidays = dir.path().join("holidays");
        // Fri 4 June 2027. Concerns received Thursday 3 June: the acknowledgement is due in 3
        // working days, Tuesday 8 June (4, 7, 8).
        let clock = Arc::new(FixedClock::at_noon("2027-06-04".parse().unwrap()));
        let l = Lifecycle::new(
            store.clone(),
            Arc::new(Procedures::load(None).unwrap()),
            Arc::new(Calendars::embedded()),
            clock,
            2,
        );
        let mut c = open("HR-1", "durham", "2027-05-20");
        c.events = vec![timescales::lifecycle::Earlier {
            name: "concerns-received".into(),
            date: "2027-06-03".parse().unwrap(),
            note: String::new(),
        }];
        assert_eq!(acknowledge_due(&l.open(c).await.unwrap()), "2027-06-08");
        // As a start would: the fingerprints of what is in force are noted.
        l.recompute_if_changed().await.unwrap();
        let feed = HolidayFeed::new(
            &format!("{}/bank-holidays.json?key=not-for-logs", server.uri()),
            &holidays,
            &[],
        )
        .unwrap();

        // A newer file announcing a one-off holiday on Monday 7 June: installed, in force, and
        // the acknowledgement moves to Wednesday 9 June (4, 8, 9), with an audit line.
        serve(&server, json(with_one_off())).await;
        let Refreshed::Installed { path, assessment, moved } = l.refresh_holidays(&feed).await.unwrap() else {
            panic!("not installed")
        };
        assert_eq!(path, holidays.join("bank-holidays.json"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), with_one_off());
        assert_eq!(
            assessment.lines(),
            ["england-and-wales: new bank holiday Mon 7 Jun 2027, Imaginary one-off holiday"]
        );
        assert_eq!(moved, 1);
        assert_eq!(acknowledge_due(&l.show("HR-1").await.unwrap()), "2027-06-09");
        let audit = l.audit("HR-1").await.unwrap();
        let last = audit.last().unwrap();
        assert_eq!((last.actor.as_str(), last.action.as_str()), ("timescales", "recompute"));
        assert!(last.detail.contains("acknowledge moved 2027-06-08 -> 2027-06-09"), "{}", last.detail);
        let cal = l.calendars();
        assert_eq!(
            cal.get(Division::EnglandAndWales).days_off_on("2027-06-07".parse().unwrap())[0].name,
            "Imaginary one-off holiday"
        );
        // Scotland and Northern Ireland are untouched.
        assert!(cal.get(Division::Scotland).days_off_on("2027-06-07".parse().unwrap()).is_empty());

        // The same file again: nothing to do, nothing written.
        let written = std::fs::metadata(&path).unwrap().modified().unwrap();
        assert!(matches!(l.refresh_holidays(&feed).await.unwrap(), Refreshed::Unchanged));
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), written);

        // Broken and hostile answers: each refused with its reason, nothing changes.
        let audit_lines = audit.len();
        let two_mib = format!("{{\"pad\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
        let april: Vec<String> = (1..=30)
            .filter_map(|d| chrono::NaiveDate::from_ymd_opt(2027, 4, d))
            .filter(|d| !timescales::calendar::is_weekend(*d))
            .map(|d| format!(r#"{{"title":"X","date":"{d}","notes":""}}"#))
            .collect();
        let cases: Vec<(&str, ResponseTemplate, &str)> = vec![
            ("a server error", ResponseTemplate::new(503), "the server answered 503 Service Unavailable"),
            ("not found", ResponseTemplate::new(404), "the server answered 404 Not Found"),
            ("cut short", json(SHIPPED[..SHIPPED.len() / 2].to_string()), "EOF while parsing"),
            (
                "an error page",
                ResponseTemplate::new(200).set_body_raw("<html><body>Service unavailable</body></html>", "text/html"),
                "expected value at line 1 column 1",
            ),
            ("empty", json(String::new()), "EOF while parsing a value at line 1 column 0"),
            ("a division missing", json(r#"{"england-and-wales":{"division":"england-and-wales","events":[]}}"#.into()), "division 'scotland' is missing"),
            (
                "a past holiday removed",
                json(file(|v| events(v, "england-and-wales").retain(|e| e["date"] != "2026-12-25"))),
                "england-and-wales: it removes the bank holiday 2026-12-25 (Christmas Day), a day that has passed",
            ),
            (
                "a past holiday added",
                json(file(|v| events(v, "scotland").push(serde_json::json!({"title": "Invented", "date": "2027-06-01", "notes": ""})))),
                "scotland: it adds a bank holiday on 2027-06-01 (Invented), a day that has passed",
            ),
            (
                "every weekday of April a holiday",
                json(file(|v| events(v, "northern-ireland").extend(april.iter().map(|e| serde_json::from_str(e).unwrap())))),
                "holidays; no year has had more than 12",
            ),
            (
                "an escape sequence in a title",
                json(file(|v| events(v, "england-and-wales").push(serde_json::json!({"title": "Holiday\u{1b}[2J", "date": "2027-06-14", "notes": ""})))),
                "title holds a control character (U+001B at character 8)",
            ),
            (
                "a date far in the future",
                json(file(|v| events(v, "england-and-wales").push(serde_json::json!({"title": "X", "date": "9999-06-14", "notes": ""})))),
                "9999-06-14 ('X') is outside the supported range",
            ),
            ("two megabytes", json(two_mib), "the file is larger than 1048576 bytes"),
            (
                "redirected for ever",
                ResponseTemplate::new(302).insert_header("location", "/bank-holidays.json"),
                "too many redirects",
            ),
        ];
        for (what, answer, expected) in cases {
            serve(&server, answer).await;
            let e = l.refresh_holidays(&feed).await.unwrap_err();
            let message = e.to_string();
            assert!(message.contains(expected), "{what}: {message}");
            assert!(!message.contains("not-for-logs"), "{what}: the query string leaked: {message}");
            assert!(
                matches!(e, RefreshError::Fetch { .. } | RefreshError::Invalid(_) | RefreshError::Refused { .. }),
                "{what}: {e:?}"
            );
            assert_eq!(std::fs::read_to_string(&path).unwrap(), with_one_off(), "{what}");
            assert_eq!(acknowledge_due(&l.show("HR-1").await.unwrap()), "2027-06-09", "{what}");
            assert_eq!(l.audit("HR-1").await.unwrap().len(), audit_lines, "{what}");
            assert!(!l.calendars().get(Division::EnglandAndWales).is_working_day("2027-06-07".parse().unwrap()).unwrap());
        }
        // Nothing but the installed file in the folder: no temporary file left behind.
        let names: Vec<_> = std::fs::read_dir(&holidays).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["bank-holidays.json"]);

        // The one-off is cancelled (a future day): accepted, and the deadline moves back.
        serve(&server, json(SHIPPED.to_string())).await;
        let Refreshed::Installed { assessment, moved, .. } = l.refresh_holidays(&feed).await.unwrap() else {
            panic!("not installed")
        };
        assert_eq!(
            assessment.lines(),
            ["england-and-wales: Mon 7 Jun 2027 (Imaginary one-off holiday) is no longer a bank holiday"]
        );
        assert_eq!(moved, 1);
        assert_eq!(acknowledge_due(&l.show("HR-1").await.unwrap()), "2027-06-08");
    })
    .await;
}

/// Two instances on one database, each with its own calendars in memory and its own holidays
/// folder: A installs a new one-off holiday and re-derives; B, not yet refreshed, opens a
/// complaint with the old data; when B refreshes, it re-derives what the change can move even
/// though A has already noted the change as done, and B's complaint moves too.
#[tokio::test]
async fn an_instance_that_refreshes_later_corrects_what_it_derived_meanwhile() {
    on_both("holiday refresh, two instances", |store| async move {
        let server = MockServer::start().await;
        serve(&server, json(with_one_off())).await;
        let instance = |store: &timescales::store::Store| {
            Lifecycle::new(
                store.clone(),
                Arc::new(Procedures::load(None).unwrap()),
                Arc::new(Calendars::embedded()),
                Arc::new(FixedClock::at_noon("2027-06-04".parse().unwrap())),
                2,
            )
        };
        let (a, b) = (instance(&store), instance(&store));
        let folders = tempfile::tempdir().unwrap();
        let feed = |name: &str| {
            HolidayFeed::new(
                &format!("{}/bank-holidays.json", server.uri()),
                &folders.path().join(name),
                &[],
            )
            .unwrap()
        };
        let received = |reference: &str| {
            let mut c = open(reference, "durham", "2027-05-20");
            c.events = vec![timescales::lifecycle::Earlier {
                name: "concerns-received".into(),
                date: "2027-06-03".parse().unwrap(),
                note: String::new(),
            }];
            c
        };
        // A Durham complaint before the change, so that A notes what it derived from.
        a.open(received("HR-1")).await.unwrap();
        a.recompute_if_changed().await.unwrap();
        let Refreshed::Installed { moved, .. } = a.refresh_holidays(&feed("a")).await.unwrap()
        else {
            panic!("not installed")
        };
        assert_eq!(moved, 1);
        // B still has the old data: concerns received Thu 3 June, acknowledgement Tue 8 June.
        assert_eq!(
            acknowledge_due(&b.open(received("HR-2")).await.unwrap()),
            "2027-06-08"
        );
        let Refreshed::Installed { moved, .. } = b.refresh_holidays(&feed("b")).await.unwrap()
        else {
            panic!("not installed")
        };
        assert_eq!(moved, 1, "HR-2 only: HR-1 moved already");
        assert_eq!(
            acknowledge_due(&a.show("HR-2").await.unwrap()),
            "2027-06-09"
        );
        assert_eq!(
            acknowledge_due(&a.show("HR-1").await.unwrap()),
            "2027-06-09"
        );
    })
    .await;
}
