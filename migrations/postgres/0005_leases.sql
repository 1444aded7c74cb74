-- Named leases (PostgreSQL): the same table as the SQLite store, with native types. One row a
-- lease; "leader" is the instance that runs the daily digest and the hourly upkeep when several
-- serve one database. Taken, renewed and given back by single conditional statements
-- (src/store/lease.rs): a row whose holder stopped renewing it is free once held_until passes.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    -- The instance's worker id (host:pid:start), as on the notifications it claims.
    holder TEXT NOT NULL,
    held_until TIMESTAMPTZ NOT NULL
);
