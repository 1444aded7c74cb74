//! A copy of the SQLite store taken while the service runs, and putting one back.
//!
//! **Backup** is SQLite's `VACUUM INTO`: one read transaction, so the copy is the database as it
//! stood at one instant (every complaint with all of its entries, deadlines and notifications,
//! never half a write), taken beside a running service whose writers go on meanwhile (WAL: a
//! reader blocks no writer). The copy is a plain database file, compacted, with no journal
//! beside it. PostgreSQL has its own tools for this (`pg_dump`), which know its roles, its
//! configuration and point-in-time recovery; the command says so rather than doing less.
//!
//! **Restore** puts a backup in the store's place, only when:
//! - the file is a SQLite database that passes `PRAGMA quick_check` and holds this program's
//!   tables;
//! - its schema is not newer than this build's (a backup from a later version would be read by
//!   code that does not know its columns); an older one is brought up to date by the next start,
//!   as an upgrade is;
//! - no process has the store open (the service must be stopped first: one still running would
//!   go on writing into the file restore replaced, and those writes would be lost).
//!
//! The database it replaces is kept beside it (`timescales.db.before-restore-TIME`), so a
//! restore loses nothing either; the restored file belongs to whoever owned the one it replaces
//! (the service's user), though restore runs as root.

use std::path::{Path, PathBuf};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::ConnectOptions;

use super::{Store, StoreError};

/// What a backup or a restore copied.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Copied {
    /// The file written.
    pub file: PathBuf,
    /// Complaints in it.
    pub complaints: i64,
    /// Notifications in it (planned, sent, cancelled, failed).
    pub notifications: i64,
    /// The latest schema migration it has.
    pub schema: i64,
    /// Its size in bytes.
    pub bytes: u64,
    /// Where the database it replaced was kept (restore only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept: Option<PathBuf>,
}

/// The latest schema migration this build carries.
pub fn embedded_schema() -> i64 {
    sqlx::migrate!("./migrations/sqlite")
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

impl Store {
    /// Copies the store to `file`, which must not exist, as it stands at one instant, while
    /// writers go on. SQLite only; PostgreSQL is refused with what to use instead.
    pub async fn backup_to(&self, file: &Path) -> Result<Copied, StoreError> {
        let Store::Sqlite(pool) = self else {
            return Err(StoreError::Url(
                "a PostgreSQL store is backed up with PostgreSQL's own tools: pg_dump --format=custom --file=timescales.dump DATABASE (and pg_restore), or continuous archiving for point-in-time recovery".into(),
            ));
        };
        if file.exists() {
            return Err(StoreError::Url(format!(
                "{} exists already: give a new file, so that no backup is overwritten",
                file.display()
            )));
        }
        let path = file
            .to_str()
            .ok_or_else(|| StoreError::Url(format!("{}: the path is not UTF-8", file.display())))?;
        vacuum_into(pool, path).await?;
        describe(file, None).await
    }

    /// Puts the backup `from` in place of the SQLite store at `url` (`sqlite://PATH`), after
    /// the checks the module describes; the database it replaces is kept beside it.
    pub async fn restore(url: &str, from: &Path) -> Result<Copied, StoreError> {
        let Some(target) = url.strip_prefix("sqlite://").map(PathBuf::from) else {
            return Err(StoreError::Url(
                "the store is PostgreSQL: restore a pg_dump archive with pg_restore".into(),
            ));
        };
        // Writes still in a write-ahead log beside the file are not in the file: restoring the
        // file alone would lose them (and judge its schema without them).
        let wal = PathBuf::from(format!("{}-wal", from.display()));
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
            return Err(StoreError::Url(format!(
                "{} holds writes that are not yet in {}: the file is open in another program or was not closed cleanly; close what has it open, or run sqlite3 {} 'PRAGMA wal_checkpoint(TRUNCATE)', then restore again",
                wal.display(),
                from.display(),
                from.display()
            )));
        }
        let found = describe(from, None).await.map_err(|e| {
            StoreError::Url(format!(
                "{} is not a timescales backup: {e}",
                from.display()
            ))
        })?;
        let known = embedded_schema();
        if found.schema > known {
            return Err(StoreError::Url(format!(
                "{} is from a newer schema (migration {}; this program knows up to {known}): restore it with the version of timescales that made it, or a later one",
                from.display(),
                found.schema
            )));
        }
        if let Some(pid) = holder(&target) {
            return Err(StoreError::Url(format!(
                "{} is open in process {pid}: stop the service first (systemctl stop timescales), then restore",
                target.display()
            )));
        }
        let dir = target
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        // Copied beside the target and synced, then renamed over it: a crash leaves either the
        // old database or the new one, never part of one.
        let staging = target.with_extension("db.restoring");
        std::fs::copy(from, &staging).map_err(|e| io(&staging, e))?;
        // Owned as the database it replaces is (or as its folder is): restore runs as root, and
        // the service's own user must go on writing it.
        {
            use std::os::unix::fs::MetadataExt;
            let owner = std::fs::metadata(&target).or_else(|_| std::fs::metadata(dir));
            if let Ok(m) = owner {
                std::os::unix::fs::chown(&staging, Some(m.uid()), Some(m.gid()))
                    .map_err(|e| io(&staging, e))?;
            }
        }
        std::fs::File::open(&staging)
            .and_then(|f| f.sync_all())
            .map_err(|e| io(&staging, e))?;
        let kept = if target.exists() {
            let aside = PathBuf::from(format!(
                "{}.before-restore-{}",
                target.display(),
                chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
            ));
            // The old database with its write-ahead log folded in, as one file, read as it is
            // (not migrated).
            let mut conn = SqliteConnectOptions::new()
                .filename(&target)
                .read_only(true)
                .connect()
                .await?;
            vacuum_into(&mut conn, &aside.to_string_lossy()).await?;
            drop(conn);
            Some(aside)
        } else {
            None
        };
        for suffix in ["-wal", "-shm"] {
            let side = PathBuf::from(format!("{}{suffix}", target.display()));
            match std::fs::remove_file(&side) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(&side, e)),
                _ => {}
            }
        }
        std::fs::rename(&staging, &target).map_err(|e| io(&target, e))?;
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io(dir, e))?;
        describe(&target, kept).await
    }
}

/// `VACUUM INTO file`: the database as one read transaction sees it, compacted, with its
/// write-ahead log folded in, written to a new file.
async fn vacuum_into<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Sqlite>,
    file: &str,
) -> Result<(), StoreError> {
    sqlx::query("VACUUM INTO ?").bind(file).execute(db).await?;
    Ok(())
}

fn io(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Url(format!("{}: {e}", path.display()))
}

/// What `file` holds, read without changing it (immutable: no journal is made beside it).
async fn describe(file: &Path, kept: Option<PathBuf>) -> Result<Copied, StoreError> {
    let bytes = std::fs::metadata(file).map_err(|e| io(file, e))?.len();
    let mut conn = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .immutable(true)
        .connect()
        .await?;
    let check: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await?;
    if check != "ok" {
        return Err(StoreError::Url(format!("the database is damaged: {check}")));
    }
    let schema: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut conn)
            .await?;
    let complaints: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM complaints")
        .fetch_one(&mut conn)
        .await?;
    let notifications: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications")
        .fetch_one(&mut conn)
        .await?;
    Ok(Copied {
        file: file.to_path_buf(),
        complaints,
        notifications,
        schema: schema.unwrap_or(0),
        bytes,
        kept,
    })
}

/// A process other than this one with `file` open, found through `/proc/*/fd` (Linux; a process
/// of another user is seen only by root, which is who restores a service's store).
fn holder(file: &Path) -> Option<u32> {
    let file = std::fs::canonicalize(file).ok()?;
    let me = std::process::id();
    let procs = std::fs::read_dir("/proc").ok()?;
    for p in procs.flatten() {
        let Some(pid) = p.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else {
            continue;
        };
        if fds
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l == file))
        {
            return Some(pid);
        }
    }
    None
}
