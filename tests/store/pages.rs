//! Lists a page at a time, on both backends: pages follow each other in reference order with
//! nothing repeated or left out, also when complaints are opened between two pages, through
//! both of the store's plans (a walk in reference order, and the few complaints holding
//! deadlines in a date filter's range); filters hold across pages; bad sizes and cursors are
//! refused naming the parameter.
//!
//! Dates are worked by hand on the England and Wales calendar, today Tue 5 Jan 2027. Durham
//! concerns received Tue 10 Nov 2026: acknowledge due Fri 13 Nov (3 working days), offer an
//! appointment due Tue 24 Nov (10), the Stage 2 window closing Tue 8 Dec (28 calendar days): two
//! obligations overdue and three deadlines pending. City and Hackney's complaint received the same
//! day: its acknowledgement (quality unit) due Fri 13 Nov, its meeting (group manager) Tue 24 Nov.
//! A Durham complaint about a conference on Mon 4 Jan 2027, nothing yet received: only the window
//! to raise concerns, due Mon 18 Jan (10 working days).

use timescales::lifecycle::{
    Cursor, Decision, Lifecycle, LifecycleError, ListItem, ListQuery, OpenComplaint, Record,
};
use timescales::store::list::FEW;

use crate::backends::on_both;
use crate::fixtures::{open, rec};
use crate::helpers::{d, service};

/// Durham concerns received 10 Nov 2026: two obligations overdue.
fn durham_overdue(reference: &str) -> (OpenComplaint, Vec<Record>) {
    (
        open(reference, "durham", "2026-11-02"),
        vec![rec("concerns-received", "2026-11-10")],
    )
}

/// City and Hackney's complaint received 10 Nov 2026: two obligations overdue.
fn hackney_overdue(reference: &str) -> (OpenComplaint, Vec<Record>) {
    (
        open(reference, "city-and-hackney", "2026-11-02"),
        vec![rec("complaint-received", "2026-11-10")],
    )
}

/// A Durham conference yesterday, nothing received: nothing overdue, a window due 18 Jan.
fn durham_new(reference: &str) -> (OpenComplaint, Vec<Record>) {
    (open(reference, "durham", "2027-01-04"), vec![])
}

/// Every page of `q`, following the cursors, with `between` run after the first page.
async fn pages_with<F, Fut>(l: &Lifecycle, q: ListQuery, between: F) -> Vec<Vec<ListItem>>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut between = Some(between);
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = l
            .list(&ListQuery {
                cursor,
                ..q.clone()
            })
            .await
            .unwrap();
        assert!(out.len() < 1000, "the cursors never end");
        out.push(page.complaints);
        if let Some(f) = between.take() {
            f().await;
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

async fn pages(l: &Lifecycle, q: ListQuery) -> Vec<Vec<ListItem>> {
    pages_with(l, q, || async {}).await
}

fn references(pages: &[Vec<ListItem>]) -> Vec<String> {
    pages
        .iter()
        .flatten()
        .map(|i| i.complaint.reference.clone())
        .collect()
}

fn sizes(pages: &[Vec<ListItem>]) -> Vec<usize> {
    pages.iter().map(Vec::len).collect()
}

fn sorted(refs: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = refs.iter().map(|r| r.to_string()).collect();
    v.sort();
    v
}

fn query(f: impl FnOnce(&mut ListQuery)) -> ListQuery {
    let mut q = ListQuery::default();
    f(&mut q);
    q
}

#[tokio::test]
async fn pages_of_hundreds_walked_in_order_leave_nothing_out_and_repeat_nothing() {
    on_both("pages walked", |store| async move {
        let (l, _) = service(&store, "2027-01-05");
        let mut items: Vec<_> = (0..410)
            .map(|i| durham_overdue(&format!("CP-{i:05}")))
            .collect();
        items.push(durham_new("CP-00100n"));
        items.push(durham_new("CP-00250n"));
        l.import(&items).await.unwrap();
        // Enough pending deadlines in the overdue range (3 x 410) that pages are walked.
        let in_range = store.pending_due_by(d("2027-01-04")).await.unwrap().len();
        assert_eq!(in_range, 1230);
        assert!(in_range as i64 >= FEW);
        let overdue: Vec<String> = (0..410).map(|i| format!("CP-{i:05}")).collect();

        // The default page is 100; the last one says no more.
        let got = pages(&l, query(|q| q.overdue = true)).await;
        assert_eq!(sizes(&got), [100, 100, 100, 100, 10]);
        assert_eq!(references(&got), overdue);
        for i in got.iter().flatten() {
            assert_eq!(i.overdue, 2, "{}", i.complaint.reference);
            let next = i.next_due.as_ref().unwrap();
            assert_eq!(
                (next.deadline.as_str(), next.due_date),
                ("acknowledge", d("2026-11-13"))
            );
        }
        // Every live one in a page of 1,000; the new ones in their places.
        let all = pages(&l, query(|q| q.limit = Some(1000))).await;
        assert_eq!(sizes(&all), [412]);
        assert_eq!(all[0][101].complaint.reference, "CP-00100n");
        assert_eq!(all[0][101].overdue, 0);
        assert_eq!(
            all[0][101].next_due.as_ref().unwrap().due_date,
            d("2027-01-18")
        );

        // Opened between two pages: one sorting just after the first page's end is on the
        // second; one sorting before it is not listed (its place was read already); nothing
        // is repeated.
        let got = pages_with(&l, query(|q| q.overdue = true), || async {
            l.import(&[durham_overdue("CP-00099a"), durham_overdue("CP-00005a")])
                .await
                .unwrap();
        })
        .await;
        assert_eq!(sizes(&got), [100, 100, 100, 100, 11]);
        assert_eq!(got[1][0].complaint.reference, "CP-00099a");
        let mut expected = overdue.clone();
        expected.insert(100, "CP-00099a".into());
        assert_eq!(references(&got), expected);
        // And the next reader sees both.
        let got = pages(&l, query(|q| q.overdue = true)).await;
        assert_eq!(sizes(&got), [100, 100, 100, 100, 12]);
        assert_eq!(got[0][6].complaint.reference, "CP-00005a");
    })
    .await;
}

#[tokio::test]
async fn filters_hold_across_pages_of_a_few() {
    on_both("pages of a few", |store| async move {
        let (l, _) = service(&store, "2027-01-05");
        let durham: Vec<String> = (0..30).step_by(2).map(|i| format!("P-{i:02}")).collect();
        let mut items: Vec<_> = durham.iter().map(|r| durham_overdue(r)).collect();
        for r in ["P-05c", "P-13c", "P-21c"] {
            items.push(hackney_overdue(r));
        }
        items.push(durham_new("P-09n"));
        items.push(durham_overdue("P-11z"));
        l.import(&items).await.unwrap();
        l.close(
            "P-11z",
            Decision {
                recorded_by: "Team Manager".into(),
                reason: "withdrawn".into(),
            },
        )
        .await
        .unwrap();
        let durham: Vec<&str> = durham.iter().map(String::as_str).collect();
        let hackney = ["P-05c", "P-13c", "P-21c"];
        let overdue = sorted(&[durham.as_slice(), &hackney].concat());
        let live = sorted(&[durham.as_slice(), &hackney, &["P-09n"]].concat());

        let got = pages(&l, query(|q| q.limit = Some(4))).await;
        assert_eq!(sizes(&got), [4, 4, 4, 4, 3]);
        assert_eq!(references(&got), live);
        let got = pages(
            &l,
            query(|q| {
                q.all = true;
                q.limit = Some(5);
            }),
        )
        .await;
        assert_eq!(
            references(&got),
            sorted(
                &[
                    live.iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .as_slice(),
                    &["P-11z"]
                ]
                .concat()
            )
        );
        // Overdue: a few deadlines in range, so read among those holding them.
        let got = pages(
            &l,
            query(|q| {
                q.overdue = true;
                q.limit = Some(4);
            }),
        )
        .await;
        assert_eq!(sizes(&got), [4, 4, 4, 4, 2]);
        assert_eq!(references(&got), overdue);
        // The closed one's deadlines count no further, even with closed ones asked for.
        let got = pages(
            &l,
            query(|q| {
                q.all = true;
                q.overdue = true;
                q.limit = Some(7);
            }),
        )
        .await;
        assert_eq!(references(&got), overdue);
        let got = pages(
            &l,
            query(|q| {
                q.overdue = true;
                q.procedure = Some("durham".into());
                q.limit = Some(3);
            }),
        )
        .await;
        assert_eq!(sizes(&got), [3, 3, 3, 3, 3]);
        assert_eq!(references(&got), sorted(&durham));
        let got = pages(
            &l,
            query(|q| {
                q.owner = Some("group-manager".into());
                q.limit = Some(2);
            }),
        )
        .await;
        assert_eq!(sizes(&got), [2, 1]);
        assert_eq!(references(&got), hackney);
        // Due within 10 working days (by Tue 19 Jan): the new one's window (18 Jan) too.
        let got = pages(
            &l,
            query(|q| {
                q.due_within = Some(10);
                q.procedure = Some("durham".into());
                q.limit = Some(4);
            }),
        )
        .await;
        assert_eq!(
            references(&got),
            sorted(&[durham.as_slice(), &["P-09n"]].concat())
        );
        // Within 5 (by Tue 12 Jan): not yet.
        let got = pages(
            &l,
            query(|q| {
                q.due_within = Some(5);
                q.stage = Some("stage-1".into());
                q.owner = Some("chair".into());
                q.limit = Some(4);
            }),
        )
        .await;
        assert_eq!(references(&got), sorted(&durham));

        // Opened between two pages, read among the few: the same as walked.
        let got = pages_with(
            &l,
            query(|q| {
                q.overdue = true;
                q.limit = Some(4);
            }),
            || async {
                l.import(&[
                    durham_overdue("P-01"),
                    durham_overdue("P-05d"),
                    durham_overdue("P-99"),
                ])
                .await
                .unwrap();
            },
        )
        .await;
        assert_eq!(references(&got[..1]), ["P-00", "P-02", "P-04", "P-05c"]);
        assert_eq!(got[1][0].complaint.reference, "P-05d");
        let mut expected = overdue.clone();
        expected.insert(4, "P-05d".into());
        expected.push("P-99".into());
        assert_eq!(references(&got), expected);
    })
    .await;
}

#[tokio::test]
async fn page_sizes_and_cursors_are_checked() {
    on_both("page bounds", |store| async move {
        let (l, _) = service(&store, "2027-01-05");
        l.import(&[durham_overdue("P-1"), durham_overdue("P-2"), durham_overdue("P-3")])
            .await
            .unwrap();
        for limit in [0, 1001, 5000] {
            let err = l.list(&query(|q| q.limit = Some(limit))).await.unwrap_err();
            let LifecycleError::Invalid { field, message } = err else {
                panic!("{err:?}")
            };
            assert_eq!(field, "limit");
            assert_eq!(
                message,
                format!("limit {limit} is not a page size: give 1 to 1000 (default 100) and follow next_cursor for the rest")
            );
        }
        let page = l.list(&query(|q| q.limit = Some(1000))).await.unwrap();
        assert_eq!(page.complaints.len(), 3);
        assert_eq!(page.next_cursor, None);
        // Each as the store holds it, every field (a page is read as one JSON document).
        for i in &page.complaints {
            let held = store.get(&i.complaint.reference).await.unwrap();
            assert_eq!(i.complaint.id, held.complaint.id);
            assert_eq!(
                serde_json::to_value(&i.complaint).unwrap(),
                serde_json::to_value(&held.complaint).unwrap()
            );
            let pending: Vec<_> = held.deadlines.iter().filter(|d| d.state == "pending").collect();
            assert_eq!(pending.len(), 3);
            assert_eq!(i.next_due.as_ref(), Some(pending[0]), "{}", i.complaint.reference);
        }
        let page = l.list(&query(|q| q.limit = Some(2))).await.unwrap();
        assert_eq!(page.next_cursor.as_deref(), Some(Cursor::after("P-2").encode().as_str()));

        for bad in ["P-2", "djE6", "!!"] {
            let err = l.list(&query(|q| q.cursor = Some(bad.into()))).await.unwrap_err();
            let LifecycleError::Invalid { field, message } = err else {
                panic!("{err:?}")
            };
            assert_eq!(field, "cursor");
            assert!(message.starts_with(&format!("cursor '{bad}' is not one this service gave")), "{message}");
        }
        // A cursor names a place, not a complaint: after one since closed or never there.
        let after = |r: &str| query(|q| q.cursor = Some(Cursor::after(r).encode()));
        let page = l.list(&after("P-1a")).await.unwrap();
        assert_eq!(
            page.complaints.iter().map(|i| i.complaint.reference.as_str()).collect::<Vec<_>>(),
            ["P-2", "P-3"]
        );
        let page = l.list(&after("P-3")).await.unwrap();
        assert!(page.complaints.is_empty());
        assert_eq!(page.next_cursor, None);
    })
    .await;
}
