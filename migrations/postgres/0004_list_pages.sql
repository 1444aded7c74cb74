-- Complaint lists come a page at a time, in reference order from a cursor (GET
-- /api/v1/complaints, `complaint list`): the page's query walks complaints in that order and
-- probes each one's own deadlines for the filters, stopping once the page is full, so a page
-- costs about its own size rather than the caseload's (src/store/list.rs). The same indexes as
-- the SQLite store's, for the same statements.

-- The live complaints (open or proposed for closure) in reference order: the default list walks
-- these alone, never the closed ones that make up most of a store in use for years. PostgreSQL
-- uses a partial index for a query whose condition implies the index's: the lists name the
-- same one.
CREATE INDEX complaints_live_reference ON complaints (reference)
    WHERE status IN ('open', 'proposed-for-closure');

-- The same per procedure. It replaces complaints_status_procedure (status, procedure): a
-- planner choosing it for a live list reads all the live complaints and sorts them rather than
-- walking the reference order to the end of a page (SQLite without statistics did); this one
-- also gives re-derivation the live references of one procedure already in order.
CREATE INDEX complaints_live_procedure ON complaints (procedure, reference)
    WHERE status IN ('open', 'proposed-for-closure');
DROP INDEX complaints_status_procedure;

-- One complaint's deadlines by state and due date: the probe behind each deadline filter
-- (complaint_id = $1 AND state = 'pending' AND due_date <= $2), answered from the index alone.
CREATE INDEX deadlines_complaint_state_due ON deadlines (complaint_id, state, due_date);
