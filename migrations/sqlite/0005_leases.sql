-- Named leases (SQLite). One row a lease; "leader" is the instance that runs the daily digest
-- and the hourly upkeep when several serve one database (on SQLite only one instance runs, and
-- it leads without a lease, but the table is the same on both backends). Taken, renewed and
-- given back by single conditional statements (src/store/lease.rs): a row whose holder stopped
-- renewing it is free once held_until passes.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    -- The instance's worker id (host:pid:start), as on the notifications it claims.
    holder TEXT NOT NULL,
    held_until TEXT NOT NULL
);
