//! A fresh store on each backend: SQLite in a temporary folder, and PostgreSQL (the server on
//! this machine, through `TIMESCALES_TEST_DATABASE_URL`) in a database made for the test and
//! dropped after it.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

use timescales::store::Store;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Runs `test` against SQLite, then against PostgreSQL when `TIMESCALES_TEST_DATABASE_URL` is
/// set; says so when it is not.
pub async fn on_both<F, Fut>(name: &str, test: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    test(sqlite.clone()).await;
    sqlite.close().await;

    let Some(db) = TestDatabase::create(&format!("{name}: PostgreSQL part")).await else {
        return;
    };
    let pg = Store::connect(&db.url).await.unwrap();
    test(pg.clone()).await;
    pg.close().await;
    db.drop().await;
}

/// A database of one test's own on the PostgreSQL server `TIMESCALES_TEST_DATABASE_URL` names,
/// dropped by [`TestDatabase::drop`].
pub struct TestDatabase {
    admin: sqlx::PgPool,
    name: String,
    /// Where it is.
    pub url: String,
}

impl TestDatabase {
    /// A new, empty database; `None` when `TIMESCALES_TEST_DATABASE_URL` is not set, having
    /// said that `what` was skipped.
    pub async fn create(what: &str) -> Option<TestDatabase> {
        let Ok(admin_url) = std::env::var("TIMESCALES_TEST_DATABASE_URL") else {
            skipped(&format!(
                "{what} SKIPPED: TIMESCALES_TEST_DATABASE_URL is not set (.ci/run sets it to the local server)"
            ));
            return None;
        };
        let name = format!(
            "timescales_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        Some(TestDatabase {
            url: with_database(&admin_url, &name),
            admin,
            name,
        })
    }

    /// Drops it, whoever is still connected.
    pub async fn drop(self) {
        sqlx::query(&format!("DROP DATABASE {} WITH (FORCE)", self.name))
            .execute(&self.admin)
            .await
            .unwrap();
        self.admin.close().await;
    }
}

/// Says a test skipped part of its work, on the process's standard error itself: past the test
/// harness's capture (which takes only `eprintln!`), so the skip shows in every run, not only
/// with --nocapture. Written through the inherited descriptor, never by reopening /dev/stderr,
/// which truncates a log the output is redirected to.
pub fn skipped(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

/// `url` with its database name replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let slash = base
        .rfind('/')
        .filter(|i| *i > base.find("://").unwrap_or(0) + 2);
    let root = match slash {
        Some(i) => &base[..i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{db}?{q}"),
        None => format!("{root}/{db}"),
    }
}
