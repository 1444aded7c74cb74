//! A lifecycle over a test store with a clock the test sets, and the small readers both suites use.

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use timescales::calendar::Calendars;
use timescales::clock::FixedClock;
use timescales::lifecycle::{ComplaintView, Lifecycle, Rag};
use timescales::procedure::Procedures;
use timescales::store::Store;

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A lifecycle over `store` with the shipped procedures and calendars, its clock at noon UTC on
/// `today`.
pub fn service(store: &Store, today: &str) -> (Lifecycle, Arc<FixedClock>) {
    service_with(
        store,
        today,
        Procedures::load(None).unwrap(),
        Calendars::embedded(),
    )
}

pub fn service_with(
    store: &Store,
    today: &str,
    procedures: Procedures,
    calendars: Calendars,
) -> (Lifecycle, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::at_noon(d(today)));
    let l = Lifecycle::new(
        store.clone(),
        Arc::new(procedures),
        Arc::new(calendars),
        clock.clone(),
        2,
    );
    (l, clock)
}

/// Moves the clock to noon UTC on `today`.
pub fn set_today(clock: &FixedClock, today: &str) {
    let t = d(today);
    clock.set(Utc.from_utc_datetime(&t.and_hms_opt(12, 0, 0).unwrap()));
}

pub fn rag(v: &ComplaintView, id: &str) -> Rag {
    v.deadlines.iter().find(|x| x.derived.id == id).unwrap().rag
}

/// Notifications on, the chairs reached by email: what a service with addressing plans.
pub fn chairs_by_email() -> timescales::reminder::Addressing {
    timescales::reminder::Addressing {
        roles: [(
            "chair".to_string(),
            timescales::reminder::RoleTargets {
                email: vec!["chairs@council.example".into()],
                chat: vec![],
            },
        )]
        .into_iter()
        .collect(),
        ..Default::default()
    }
}
