//! A backup taken while complaints are being opened is the store at one instant (every complaint
//! with all of its notifications), and a restore puts back exactly what it holds; a PostgreSQL
//! store is pointed to pg_dump.

use std::collections::BTreeMap;

use timescales::lifecycle::Lifecycle;
use timescales::store::Store;

use crate::backends::TestDatabase;
use crate::fixtures::{open, rec};
use crate::helpers::{chairs_by_email, service};

/// Each complaint's reference and how many notifications it has, read through the store API.
async fn contents(store: &Store) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let page = store
        .list(&timescales::store::list::ListFilter {
            limit: 1_000_000,
            ..Default::default()
        })
        .await
        .unwrap();
    for item in page {
        let reference = item.complaint.reference.clone();
        let n = store.notifications_of(&reference).await.unwrap().len();
        out.insert(reference, n);
    }
    out
}

async fn open_many(l: Lifecycle, from: usize, n: usize) {
    for i in from..from + n {
        let mut c = open(&format!("CP-{i:05}"), "durham", "2026-12-11");
        c.events = vec![timescales::lifecycle::Earlier {
            name: "concerns-received".into(),
            date: "2027-01-04".parse().unwrap(),
            note: String::new(),
        }];
        l.open(c).await.unwrap();
    }
}

#[tokio::test]
async fn a_backup_during_writes_is_one_instant_and_restores_whole() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}",
        dir.path().join("live/timescales.db").display()
    );
    let store = Store::connect(&url).await.unwrap();
    let (l, _) = service(&store, "2027-01-05");
    l.set_addressing(chairs_by_email());
    open_many(l.clone(), 0, 50).await;
    // Writers go on while the backup is taken.
    let writer = tokio::spawn(open_many(l.clone(), 50, 300));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let file = dir.path().join("backup.db");
    assert!(
        !writer.is_finished(),
        "the backup is to be taken while complaints are opened"
    );
    let copied = store.backup_to(&file).await.unwrap();
    writer.await.unwrap();
    let live = contents(&store).await;
    assert_eq!(live.len(), 350);

    // The backup: every complaint it holds has every notification it has live (one complaint
    // and its plan are one transaction), and it holds at least those opened before it began.
    let backup = Store::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let held = contents(&backup).await;
    backup.close().await;
    assert!(
        held.len() >= 50 && held.len() as i64 == copied.complaints,
        "{} of 350",
        held.len()
    );
    for (reference, n) in &held {
        assert!(*n > 0, "{reference} has no notifications planned");
        assert_eq!(live.get(reference), Some(n), "{reference}");
    }
    assert_eq!(held.values().sum::<usize>() as i64, copied.notifications);
    // A second backup to the same file is refused: no backup is overwritten.
    let e = store.backup_to(&file).await.unwrap_err().to_string();
    assert!(e.contains("exists already"), "{e}");

    // Restored in place of the live store, with the service stopped (the pool closed): what
    // the store now holds is the backup, and the live database is kept beside it.
    store.close().await;
    let restored = Store::restore(&url, &file).await.unwrap();
    assert_eq!(
        (restored.complaints, restored.notifications),
        (copied.complaints, copied.notifications)
    );
    let kept = restored.kept.clone().unwrap();
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(contents(&store).await, held);
    store.close().await;
    let before = Store::connect(&format!("sqlite://{}", kept.display()))
        .await
        .unwrap();
    assert_eq!(
        contents(&before).await,
        live,
        "the database restore replaced is kept whole"
    );
    before.close().await;
}

#[tokio::test]
async fn restore_refuses_a_newer_schema_a_running_store_and_a_file_that_is_not_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("timescales.db").display());
    let store = Store::connect(&url).await.unwrap();
    let (l, _) = service(&store, "2027-01-05");
    l.open(open("CP-1", "durham", "2026-12-11")).await.unwrap();
    l.record_event("CP-1", rec("concerns-received", "2027-01-04"))
        .await
        .unwrap();
    let file = dir.path().join("b.db");
    store.backup_to(&file).await.unwrap();

    // Open by a process (this test's own pool counts only when another process holds it, so a
    // second process is started with the file open).
    let mut holder = std::process::Command::new("sleep")
        .arg("30")
        .stdin(std::fs::File::open(dir.path().join("timescales.db")).unwrap())
        .spawn()
        .unwrap();
    let e = Store::restore(&url, &file).await.unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "is open in process {}: stop the service first",
            holder.id()
        )),
        "{e}"
    );
    holder.kill().unwrap();
    holder.wait().unwrap();

    // A backup from a later version of the program.
    let newer = dir.path().join("newer.db");
    std::fs::copy(&file, &newer).unwrap();
    let b = Store::connect(&format!("sqlite://{}", newer.display()))
        .await
        .unwrap();
    if let Store::Sqlite(pool) = &b {
        sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (9999, 'later', 1, x'00', 0)")
            .execute(pool)
            .await
            .unwrap();
        // Into the file itself, as a backup file is: the last connection's own checkpoint at
        // close comes on a thread of its own, sometimes after restore has looked.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(pool)
            .await
            .unwrap();
    }
    b.close().await;
    // Writes still in its write-ahead log: refused, since the file alone would lose them.
    let open_elsewhere = dir.path().join("open.db");
    std::fs::copy(&file, &open_elsewhere).unwrap();
    let o = Store::connect(&format!("sqlite://{}", open_elsewhere.display()))
        .await
        .unwrap();
    let (lo, _) = service(&o, "2027-01-05");
    lo.open(open("CP-2", "durham", "2026-12-11")).await.unwrap();
    let e = Store::restore(&url, &open_elsewhere)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("open.db-wal holds writes that are not yet in"),
        "{e}"
    );
    o.close().await;
    let e = Store::restore(&url, &newer).await.unwrap_err().to_string();
    let known = timescales::store::backup::embedded_schema();
    assert!(e.ends_with(&format!("is from a newer schema (migration 9999; this program knows up to {known}): restore it with the version of timescales that made it, or a later one")), "{e}");

    // Not a database at all.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    let e = Store::restore(&url, &junk).await.unwrap_err().to_string();
    assert!(e.contains("junk.db is not a timescales backup"), "{e}");

    // After every refusal the store is as it was.
    store.close().await;
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(store.get("CP-1").await.unwrap().entries.len(), 2);
    store.close().await;
}

#[tokio::test]
async fn a_postgresql_store_is_pointed_to_pg_dump() {
    let Some(db) = TestDatabase::create("backup: PostgreSQL").await else {
        return;
    };
    let store = Store::connect(&db.url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let e = store
        .backup_to(&dir.path().join("x.db"))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("pg_dump --format=custom"), "{e}");
    let e = Store::restore(&db.url, &dir.path().join("x.db"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("restore a pg_dump archive with pg_restore"),
        "{e}"
    );
    store.close().await;
    db.drop().await;
}
