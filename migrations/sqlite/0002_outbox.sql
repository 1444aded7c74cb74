-- The notification outbox (SQLite). A notification is planned here in the same transaction as the
-- change that called for it, and delivered by the worker, which records the outcome.
-- The unique key makes planning idempotent: the same reminder is never planned twice.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    deadline TEXT NOT NULL,
    -- reminder-N | due-today | breach | escalation | window-closed | summary
    kind TEXT NOT NULL,
    -- The due date it is about, and for escalations which one (2027-01-11#2).
    occurrence TEXT NOT NULL,
    -- email:ADDRESS or chat:NAME
    destination TEXT NOT NULL,
    role TEXT NOT NULL,
    planned_at TEXT NOT NULL,
    -- planned | sent | failed | cancelled (by re-planning; may be revived) | skipped (final)
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    -- A worker's lease: another worker leaves the row alone until it expires.
    claimed_until TEXT,
    claimed_by TEXT,
    last_error TEXT,
    sent_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (complaint_id, deadline, kind, occurrence, destination)
);
-- What the worker asks for: planned rows whose time has come, earliest first.
CREATE INDEX notifications_due ON notifications (state, next_attempt_at);
