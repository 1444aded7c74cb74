//! The leadership lease on both backends, on a clock the test moves: taken when free, renewed by
//! its holder, refused to others while it runs, taken over once it has run out (and then refused
//! to the old holder), given back only by its holder, and won by exactly one of several instances
//! trying at once. And a delivery worker's leases on the notifications it claimed, given back
//! (at shutdown, after a failed step) by that worker only.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use timescales::clock::{Clock, FixedClock};
use timescales::store::{Claim, Lease, Store, LEADER};

use crate::backends::on_both;

const A: &str = "host-a:101:1";
const B: &str = "host-b:202:2";

/// Tries for the lead as `holder` at the clock's instant, for 60 s.
async fn take(store: &Store, clock: &FixedClock, holder: &str) -> bool {
    let now = clock.now();
    store
        .take_lease(LEADER, holder, now, now + Duration::seconds(60))
        .await
        .unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn held(holder: &str, until: &str) -> Option<Lease> {
    Some(Lease {
        holder: holder.into(),
        held_until: at(until),
    })
}

#[tokio::test]
async fn the_lead_is_held_renewed_run_out_taken_over_and_given_back_by_its_holder_only() {
    on_both("leases", |store| async move {
        let clock = FixedClock::new(at("2028-09-05T07:59:00Z"));
        assert_eq!(store.lease(LEADER).await.unwrap(), None);
        assert!(take(&store, &clock, A).await, "free: A takes it");
        assert_eq!(
            store.lease(LEADER).await.unwrap(),
            held(A, "2028-09-05T08:00:00Z")
        );
        assert!(!take(&store, &clock, B).await, "held by A: B is refused");

        // A renews a third of the way through; B is still refused just before it runs out.
        clock.advance(Duration::seconds(20));
        assert!(take(&store, &clock, A).await);
        assert_eq!(
            store.lease(LEADER).await.unwrap(),
            held(A, "2028-09-05T08:00:20Z")
        );
        clock.set(at("2028-09-05T08:00:19Z"));
        assert!(!take(&store, &clock, B).await);
        assert_eq!(
            store.lease(LEADER).await.unwrap(),
            held(A, "2028-09-05T08:00:20Z"),
            "a refused try writes nothing"
        );

        // A stopped renewing (killed): at the instant its lease runs out, B takes over, and A,
        // back from a long pause, finds it held.
        clock.set(at("2028-09-05T08:00:20Z"));
        assert!(take(&store, &clock, B).await, "run out: B takes over");
        assert_eq!(
            store.lease(LEADER).await.unwrap(),
            held(B, "2028-09-05T08:01:20Z")
        );
        clock.advance(Duration::seconds(1));
        assert!(!take(&store, &clock, A).await, "A's lease is gone");

        // Only the holder gives it back; then anyone takes it at once.
        assert!(!store.release_lease(LEADER, A).await.unwrap());
        assert_eq!(
            store.lease(LEADER).await.unwrap(),
            held(B, "2028-09-05T08:01:20Z")
        );
        assert!(store.release_lease(LEADER, B).await.unwrap());
        assert_eq!(store.lease(LEADER).await.unwrap(), None);
        assert!(
            take(&store, &clock, A).await,
            "given back: A takes it at once"
        );
        assert_eq!(
            store.lease(LEADER).await.unwrap(),
            held(A, "2028-09-05T08:01:21Z")
        );
    })
    .await;
}

#[tokio::test]
async fn of_eight_instances_trying_at_once_for_a_lease_that_ran_out_exactly_one_leads() {
    on_both("lease-contention", |store| async move {
        let clock = Arc::new(FixedClock::new(at("2028-09-05T07:59:00Z")));
        assert!(take(&store, &clock, "dead-leader").await);
        clock.advance(Duration::seconds(61));
        let tries: Vec<_> = (0..8)
            .map(|i| {
                let (store, clock) = (store.clone(), clock.clone());
                tokio::spawn(async move {
                    let holder = format!("instance-{i}");
                    take(&store, &clock, &holder).await.then_some(holder)
                })
            })
            .collect();
        let mut leaders = Vec::new();
        for t in tries {
            leaders.extend(t.await.unwrap());
        }
        assert_eq!(leaders.len(), 1, "{leaders:?}");
        assert_eq!(
            store.lease(LEADER).await.unwrap().unwrap().holder,
            leaders[0]
        );
    })
    .await;
}

#[tokio::test]
async fn a_worker_gives_back_its_leases_and_only_its_own() {
    on_both("release_claims", |store: Store| async move {
        // A complaint opened with two emails and a chat post due (tests/store/opening.rs).
        let now = Utc.with_ymd_and_hms(2027, 1, 5, 12, 0, 0).unwrap();
        store
            .insert(
                &crate::opening::new("DUR-4"),
                &crate::opening::change(None),
                now,
            )
            .await
            .unwrap();
        let until = now + Duration::minutes(5);
        // Every notification of the fixture is due by 5 January: w1 takes the emails, w2 the chat post.
        let email = store
            .claim_due(now, until, "w1", 50, Claim::Email)
            .await
            .unwrap();
        let chat = store
            .claim_due(now, until, "w2", 50, Claim::Chat { except: &[] })
            .await
            .unwrap();
        assert_eq!((email.len(), chat.len()), (2, 1));
        assert_eq!(store.release_claims("w1").await.unwrap(), 2);
        assert_eq!(store.release_claims("w1").await.unwrap(), 0);
        let rows = store.notifications_of("DUR-4").await.unwrap();
        let leases: Vec<_> = rows
            .iter()
            .map(|n| {
                (
                    n.destination.as_str(),
                    n.claimed_by.as_deref(),
                    n.next_attempt_at == n.planned_at,
                )
            })
            .collect();
        assert_eq!(
            leases,
            [
                ("email:chairs@council.example", None, true),
                ("email:chairs@council.example", None, true),
                ("chat:team", Some("w2"), false),
            ]
        );
        // Given back, the emails are due to claim again at once.
        assert_eq!(
            store
                .claim_due(now, until, "w3", 50, Claim::Email)
                .await
                .unwrap()
                .len(),
            2
        );
    })
    .await;
}
