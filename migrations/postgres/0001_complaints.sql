-- The complaint store (PostgreSQL). The same tables as the SQLite store, with native types.
-- No personal data is stored: `reference` points to the case record in the case system.

-- One complaint about a child protection conference.
CREATE TABLE complaints (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    procedure TEXT NOT NULL,
    track TEXT NOT NULL,
    complainant_role TEXT NOT NULL,
    conference_date DATE NOT NULL,
    conference_type TEXT NOT NULL,
    -- The current stage; NULL once closed or referred.
    stage TEXT,
    -- open | proposed-for-closure | closed | referred
    status TEXT NOT NULL,
    outcome TEXT,
    referred_to TEXT,
    opened_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    -- Bumped by every write; the first statement of a write, so it takes the row lock.
    version BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX complaints_status_procedure ON complaints (status, procedure);

-- The append-only log of what happened. Nothing here is ever updated or deleted.
CREATE TABLE entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    effective_date DATE NOT NULL,
    -- An extension's new due date, or a correction's corrected date.
    new_date DATE,
    -- The entry a correction corrects.
    corrects BIGINT REFERENCES entries (id),
    recorded_at TIMESTAMPTZ NOT NULL,
    recorded_by TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX entries_complaint ON entries (complaint_id, id);

-- Deadlines derived from the entries, the procedure and the calendar; replaced on every change.
CREATE TABLE deadlines (
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    deadline TEXT NOT NULL,
    kind TEXT NOT NULL,
    stage TEXT NOT NULL,
    owner_role TEXT NOT NULL,
    from_date DATE NOT NULL,
    due_date DATE NOT NULL,
    due_at TIMESTAMPTZ NOT NULL,
    met_on DATE,
    -- pending | met
    state TEXT NOT NULL,
    PRIMARY KEY (complaint_id, deadline)
);
-- "What is due in the next N working days, and what is overdue": a range on this index.
CREATE INDEX deadlines_state_due ON deadlines (state, due_date);

-- Every change, who made it and what it changed.
CREATE TABLE audit (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    complaint_id BIGINT REFERENCES complaints (id),
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_complaint ON audit (complaint_id, id);

-- Facts about the store itself, such as which procedures and holidays the deadlines were derived from.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
