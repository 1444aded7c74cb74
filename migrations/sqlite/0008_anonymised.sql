-- When a complaint's free text was replaced (retention after closure, or erasure on request):
-- NULL for one never anonymised. Retention looks only at closed or referred complaints not yet
-- anonymised, by the time they last changed.
ALTER TABLE complaints ADD COLUMN anonymised_at TEXT;
CREATE INDEX complaints_retention ON complaints (status, updated_at) WHERE anonymised_at IS NULL;
