-- The notification outbox (PostgreSQL): the same table as the SQLite store, with native types.
CREATE TABLE notifications (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    deadline TEXT NOT NULL,
    -- reminder-N | due-today | breach | escalation | window-closed | summary
    kind TEXT NOT NULL,
    -- The due date it is about, and for escalations which one (2027-01-11#2).
    occurrence TEXT NOT NULL,
    -- email:ADDRESS or chat:NAME
    destination TEXT NOT NULL,
    role TEXT NOT NULL,
    planned_at TIMESTAMPTZ NOT NULL,
    -- planned | sent | failed | cancelled (by re-planning; may be revived) | skipped (final)
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    -- A worker's lease: another worker leaves the row alone until it expires.
    claimed_until TIMESTAMPTZ,
    claimed_by TEXT,
    last_error TEXT,
    sent_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (complaint_id, deadline, kind, occurrence, destination)
);
-- What the worker asks for: planned rows whose time has come, earliest first.
CREATE INDEX notifications_due ON notifications (state, next_attempt_at);
