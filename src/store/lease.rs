//! Named leases: which one of several instances on one database does a piece of work that must
//! be done once for all of them. [`LEADER`] is the one the service uses, for the daily digest and
//! the hourly upkeep (`src/daemon/leadership.rs`).
//!
//! A lease is a row (`name`, `holder`, `held_until`), taken or renewed by one conditional
//! statement: the row is written only when it is free, has run out, or is already the taker's.
//! Whoever stops renewing it (killed, hung, cut off from the database) loses it when
//! `held_until` passes, whatever became of its connections.
//!
//! Why not a PostgreSQL advisory lock: a session-level advisory lock belongs to one connection,
//! and a pool hands connections out, recycles idle ones and drops broken ones. The lock would be
//! let go, or kept, by whatever happened to that connection, unseen by the code that believes it
//! leads; a half-open connection keeps it held until the server's TCP keep-alives notice, which
//! no setting of ours bounds. A row with a stated end bounds a takeover by its length, works the
//! same on SQLite, and takes its instants from the injected clock, so tests move it.
//!
//! The instants are the instances' own clocks, as with the leases on notifications: an
//! instance whose clock runs `s` seconds ahead of the holder's takes over `s` seconds early.
//! Keep the servers' clocks synchronised (`timescales doctor` checks NTP).

use chrono::{DateTime, Utc};

use super::{Store, StoreError};

/// The lease of the instance that runs the daily digest and the hourly upkeep.
pub const LEADER: &str = "leader";

/// A lease as stored: who holds it, and until when (it may have run out).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Lease {
    /// The holder's name (an instance's worker id: host, process and start instant).
    pub holder: String,
    /// When it runs out unless renewed.
    pub held_until: DateTime<Utc>,
}

/// Takes or renews a lease in one statement. The row is inserted when there is none, and
/// rewritten only when it is the taker's own or ran out by `$4` (now); otherwise nothing is
/// written and nothing returned. On PostgreSQL the conflicting row is locked and the condition
/// read on its latest version, so of two instances taking a lease that ran out, one gets it and
/// the other finds it held.
const TAKE: &str = "INSERT INTO leases (name, holder, held_until) VALUES ($1, $2, $3) \
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until \
    WHERE leases.holder = excluded.holder OR leases.held_until <= $4 \
    RETURNING holder";

/// Gives a lease back, only if the giver holds it.
const RELEASE: &str = "DELETE FROM leases WHERE name = $1 AND holder = $2 RETURNING holder";

/// A lease by name.
const READ: &str = "SELECT holder, held_until FROM leases WHERE name = $1";

/// Runs the same query text on whichever pool the store has (each backend its own types).
macro_rules! on_pool {
    ($store:expr, $pool:ident => $query:expr) => {
        match $store {
            Store::Sqlite($pool) => $query.await,
            Store::Postgres($pool) => $query.await,
        }
    };
}

impl Store {
    /// Takes the lease `name` for `holder` until `until`, or renews it if `holder` has it
    /// already: done when it is free, or ran out by `now`. Returns whether `holder` holds it
    /// now; `false` means another holder's lease is still running.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let taken: Option<String> = on_pool!(self, pool => sqlx::query_scalar(TAKE)
            .bind(name)
            .bind(holder)
            .bind(until)
            .bind(now)
            .fetch_optional(pool))?;
        Ok(taken.is_some())
    }

    /// Gives back the lease `name` if `holder` holds it (a clean stop), so that another
    /// instance takes it at its next try rather than when it runs out. Returns whether it was
    /// `holder`'s.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        let gone: Option<String> = on_pool!(self, pool => sqlx::query_scalar(RELEASE)
            .bind(name)
            .bind(holder)
            .fetch_optional(pool))?;
        Ok(gone.is_some())
    }

    /// The lease `name` as stored, run out or not; `None` when nobody has taken it (or it was
    /// given back).
    pub async fn lease(&self, name: &str) -> Result<Option<Lease>, StoreError> {
        Ok(on_pool!(self, pool => sqlx::query_as(READ).bind(name).fetch_optional(pool))?)
    }
}
