//! Opening a complaint writes five tables at once (one statement on PostgreSQL, one
//! transaction on SQLite): all of it, in the order given, or none of it.

use chrono::{NaiveDate, TimeZone, Utc};
use timescales::store::{
    Change, ComplaintState, DeadlineRow, NewAudit, NewComplaint, NewEntry, NewNotification, Store,
    StoreError,
};

use crate::backends::on_both;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn new(reference: &str) -> NewComplaint {
    NewComplaint {
        reference: reference.into(),
        procedure: "durham".into(),
        track: "parent".into(),
        complainant_role: "parent".into(),
        conference_date: d("2026-12-11"),
        conference_type: "initial".into(),
    }
}

fn entry(kind: &str, name: &str, on: &str, corrects: Option<i64>) -> NewEntry {
    NewEntry {
        kind: kind.into(),
        name: name.into(),
        effective_date: d(on),
        new_date: None,
        corrects,
        recorded_by: "api:intake".into(),
        note: String::new(),
    }
}

fn deadline(name: &str, due: &str, met_on: Option<&str>) -> DeadlineRow {
    DeadlineRow {
        deadline: name.into(),
        kind: "working-days".into(),
        stage: "stage-1".into(),
        owner_role: "chair".into(),
        from_date: d("2026-12-23"),
        due_date: d(due),
        due_at: Utc.with_ymd_and_hms(2026, 12, 30, 23, 59, 59).unwrap(),
        met_on: met_on.map(d),
        state: if met_on.is_some() { "met" } else { "pending" }.into(),
    }
}

fn notice(kind: &str, destination: &str, day: u32) -> NewNotification {
    NewNotification {
        deadline: "acknowledge".into(),
        kind: kind.into(),
        occurrence: "2026-12-30".into(),
        destination: destination.into(),
        role: "chair".into(),
        planned_at: Utc.with_ymd_and_hms(2026, 12, day, 8, 0, 0).unwrap(),
    }
}

pub fn change(corrects: Option<i64>) -> Change {
    Change {
        entries: vec![
            entry("event", "concerns-received", "2026-12-23", None),
            entry("event", "acknowledged", "2026-12-24", None),
            entry("event", "meeting-offered", "2026-12-29", corrects),
        ],
        state: ComplaintState {
            stage: Some("stage-1".into()),
            status: "open".into(),
            outcome: None,
            referred_to: None,
        },
        deadlines: vec![
            deadline("acknowledge", "2026-12-30", Some("2026-12-24")),
            deadline("offer-appointment", "2027-01-11", None),
        ],
        audit: vec![NewAudit {
            actor: "api:intake".into(),
            action: "open".into(),
            detail: "opened with 3 events".into(),
        }],
        notifications: Some(vec![
            notice("reminder-1", "email:chairs@council.example", 28),
            notice("due-today", "email:chairs@council.example", 30),
            // The same key again (as a plan may name one notice twice): written once, the
            // first kept.
            notice("reminder-1", "email:chairs@council.example", 29),
            notice("breach", "chat:team", 31),
        ]),
    }
}

#[tokio::test]
async fn opening_writes_the_row_its_entries_in_order_deadlines_plan_and_audit() {
    on_both("opening", |store: Store| async move {
        let now = Utc.with_ymd_and_hms(2027, 1, 5, 12, 0, 0).unwrap();
        let written = store
            .insert(&new("DUR-1"), &change(None), now)
            .await
            .unwrap();
        let read = store.get("DUR-1").await.unwrap();
        assert_eq!(written.complaint, read.complaint);
        assert_eq!(read.complaint.stage.as_deref(), Some("stage-1"));
        assert_eq!(read.complaint.opened_at, now);
        // The entries in the order given, each with the id the answer gave it.
        let names: Vec<_> = read
            .entries
            .iter()
            .map(|e| (e.id, e.name.as_str(), e.recorded_at))
            .collect();
        let answered: Vec<_> = written
            .entries
            .iter()
            .map(|e| (e.id, e.name.as_str(), e.recorded_at))
            .collect();
        assert_eq!(names, answered);
        assert_eq!(
            names.iter().map(|(_, n, _)| *n).collect::<Vec<_>>(),
            ["concerns-received", "acknowledged", "meeting-offered"]
        );
        assert!(names.windows(2).all(|w| w[0].0 < w[1].0), "{names:?}");
        assert_eq!(read.deadlines, change(None).deadlines);
        let plan: Vec<_> = store
            .notifications_of("DUR-1")
            .await
            .unwrap()
            .into_iter()
            .map(|n| {
                (
                    n.kind,
                    n.destination,
                    n.planned_at.format("%d %H:%M").to_string(),
                    n.state,
                    n.next_attempt_at == n.planned_at,
                )
            })
            .collect();
        assert_eq!(
            plan,
            [
                (
                    "reminder-1".into(),
                    "email:chairs@council.example".into(),
                    "28 08:00".into(),
                    "planned".into(),
                    true
                ),
                (
                    "due-today".into(),
                    "email:chairs@council.example".into(),
                    "30 08:00".into(),
                    "planned".into(),
                    true
                ),
                (
                    "breach".into(),
                    "chat:team".into(),
                    "31 08:00".into(),
                    "planned".into(),
                    true
                ),
            ]
        );
        let audit = store.audit("DUR-1").await.unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(
            (
                audit[0].actor.as_str(),
                audit[0].detail.as_str(),
                audit[0].at
            ),
            ("api:intake", "opened with 3 events", now)
        );
        // The entry a correction names is checked against what is stored (here DUR-1's first).
        let first = read.entries[0].id;
        store
            .insert(&new("DUR-2"), &change(Some(first)), now)
            .await
            .unwrap();
        assert_eq!(
            store.get("DUR-2").await.unwrap().entries[2].corrects,
            Some(first)
        );
    })
    .await;
}

#[tokio::test]
async fn an_opening_refused_part_way_writes_nothing() {
    on_both("opening_refused", |store: Store| async move {
        let now = Utc.with_ymd_and_hms(2027, 1, 5, 12, 0, 0).unwrap();
        // The third entry corrects an entry that does not exist: the database refuses it after
        // the complaint's row and the first two entries were inserted.
        let err = store
            .insert(&new("DUR-3"), &change(Some(987_654)), now)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Database(_)), "{err}");
        assert!(matches!(
            store.get("DUR-3").await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            store.audit("DUR-3").await,
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(store.count().await.unwrap(), 0);
        // The reference is free: nothing of the refused opening is left to collide with.
        store
            .insert(&new("DUR-3"), &change(None), now)
            .await
            .unwrap();
        assert_eq!(store.notifications_of("DUR-3").await.unwrap().len(), 3);
        // And a second opening of the same reference is a duplicate, leaving the first as it was.
        let err = store
            .insert(&new("DUR-3"), &change(None), now)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Duplicate(ref r) if r == "DUR-3"),
            "{err}"
        );
        assert_eq!(store.get("DUR-3").await.unwrap().entries.len(), 3);
        assert_eq!(store.audit("DUR-3").await.unwrap().len(), 1);
    })
    .await;
}
