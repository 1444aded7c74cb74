//! Calendar feeds, `/calendar/TOKEN.ics`, read as a calendar program reads them: parsed by the
//! `icalendar` Python package (RFC 5545), not by our own code.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use crate::backends::on_both;
use crate::helpers::{ev, open, App, FEED, READER};

/// The feed at `path`, parsed by `icalendar`: its name and events (uid, start, end, sequence,
/// status, summary, alarm triggers in seconds), or the HTTP status when it is not 200.
async fn feed(app: &App, path: &str) -> Result<Value, u16> {
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    if r.status() != 200 {
        return Err(r.status().as_u16());
    }
    assert_eq!(r.headers()["content-type"], "text/calendar; charset=utf-8");
    let body = r.bytes().await.unwrap();
    let script = r#"
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
events = []
for e in cal.walk('VEVENT'):
    events.append({
        "uid": str(e['UID']), "start": e.decoded('DTSTART').isoformat(),
        "end": e.decoded('DTEND').isoformat(), "sequence": int(e['SEQUENCE']),
        "status": str(e['STATUS']), "summary": str(e['SUMMARY']),
        "alarms": [int(a.decoded('TRIGGER').total_seconds()) for a in e.walk('VALARM')],
    })
print(json.dumps({"name": str(cal['X-WR-CALNAME']), "version": str(cal['VERSION']), "events": events}))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&body).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "icalendar cannot read the feed (install it with `python3 -m pip install icalendar`, as .ci/run does): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(serde_json::from_slice(&out.stdout).unwrap())
}

/// The event whose UID ends with `-DEADLINE@timescales` and whose summary starts with `REF `.
fn event<'a>(feed: &'a Value, reference: &str, deadline: &str) -> Option<&'a Value> {
    feed["events"].as_array().unwrap().iter().find(|e| {
        e["uid"]
            .as_str()
            .unwrap()
            .ends_with(&format!("-{deadline}@timescales"))
            && e["summary"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{reference} ("))
    })
}

#[tokio::test]
async fn a_calendar_feed_carries_its_roles_deadlines_and_follows_them_as_they_move_and_are_met() {
    on_both("calendar feed", |store| async move {
        // Wed 10 Feb 2027.
        let app = App::spawn(store, "2027-02-10").await;
        let path = format!("/calendar/{FEED}.ics");
        // Durham: concerns received Wed 23 Dec 2026. The chair's acknowledgement was due Wed 30
        // Dec (24, 29, 30) and the offer of an appointment Mon 11 Jan; the complainant's window
        // to raise concerns closed Tue 29 Dec (met on the 23rd), the one to ask for Stage 2 on
        // Wed 20 Jan (28 days).
        let mut d = open("D-1", "durham", "2026-12-11", None);
        d["events"] = json!([{"name": "concerns-received", "date": "2026-12-23"}]);
        app.ok("/api/v1/complaints", d).await;
        // City and Hackney: Stage 2 asked for Wed 27 Jan; the Head of Safeguarding's panel is due
        // in 15 working days, Wed 17 Feb.
        let mut ch = open("CH-1", "city-and-hackney", "2026-12-01", None);
        ch["events"] = json!([{"name": "complaint-received", "date": "2026-12-22"},
                              {"name": "step-2-requested", "date": "2027-01-27"}]);
        app.ok("/api/v1/complaints", ch).await;

        let first = feed(&app, &path).await.unwrap();
        assert_eq!(first["name"], "timescales: safeguarding");
        assert_eq!(first["version"], "2.0");
        let panel = event(&first, "CH-1", "panel-meeting").expect("the panel");
        assert_eq!(
            (&panel["start"], &panel["end"], &panel["status"]),
            (&json!("2027-02-17"), &json!("2027-02-18"), &json!("CONFIRMED"))
        );
        assert!(panel["summary"].as_str().unwrap().ends_with("): Hold the multi-agency panel meeting"), "{panel}");
        // 09:00 the day before: 15 hours before the due day begins.
        assert_eq!(panel["alarms"], json!([-15 * 3600]));
        let ack = event(&first, "D-1", "acknowledge").expect("the acknowledgement");
        assert_eq!((&ack["start"], &ack["status"]), (&json!("2026-12-30"), &json!("CONFIRMED")));
        let offer = event(&first, "D-1", "offer-appointment").unwrap();
        assert_eq!(offer["start"], "2027-01-11");
        let stage2 = event(&first, "D-1", "request-stage-2").unwrap();
        assert_eq!(stage2["start"], "2027-01-20");
        // Met: cancelled, so a subscribed calendar removes it; no alarm.
        let raised = event(&first, "D-1", "raise-concerns").unwrap();
        assert_eq!((&raised["start"], &raised["status"]), (&json!("2026-12-29"), &json!("CANCELLED")));
        assert_eq!(raised["alarms"], json!([]));
        // Another role's deadline is not in it: City and Hackney's acknowledgement is the
        // Quality and Improvement Unit's.
        assert!(event(&first, "CH-1", "acknowledge").is_none());
        // No names: only references, procedures and deadlines.
        assert!(!first.to_string().contains("Team Manager"));

        // The panel extended to Wed 31 March: the same event, moved, with a higher SEQUENCE.
        app.ok(
            "/api/v1/complaints/CH-1/extensions",
            json!({"deadline": "panel-meeting", "to": "2027-03-31", "recorded_by": "Head of Safeguarding",
                   "reason": "panel member unavailable"}),
        )
        .await;
        // The appointment offered (8 January): the offer is met.
        app.ok("/api/v1/complaints/D-1/events", ev("appointment-offered", "2027-01-08")).await;
        let second = feed(&app, &path).await.unwrap();
        let moved = event(&second, "CH-1", "panel-meeting").unwrap();
        assert_eq!(moved["uid"], panel["uid"]);
        assert_eq!(moved["start"], "2027-03-31");
        assert!(moved["sequence"].as_i64() > panel["sequence"].as_i64(), "{moved} after {panel}");
        let offered = event(&second, "D-1", "offer-appointment").unwrap();
        assert_eq!((&offered["uid"], &offered["status"]), (&offer["uid"], &json!("CANCELLED")));
        assert!(offered["sequence"].as_i64() > offer["sequence"].as_i64());
        assert_eq!(second["events"].as_array().unwrap().len(), first["events"].as_array().unwrap().len());

        // Any other address, a token without the calendar scope, a token not known: one 404.
        for wrong in [
            format!("/calendar/{READER}.ics"),
            "/calendar/not-a-feed-token-0123456789.ics".to_string(),
            format!("/calendar/{FEED}"),
            format!("/calendar/{FEED}.ICS"),
        ] {
            assert_eq!(feed(&app, &wrong).await.unwrap_err(), 404, "{wrong}");
        }
        // The feed's token opens nothing else.
        let r = app
            .client
            .get(format!("{}/api/v1/complaints", app.base))
            .bearer_auth(FEED)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    })
    .await;
}
