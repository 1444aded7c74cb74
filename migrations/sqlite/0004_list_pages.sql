-- Complaint lists come a page at a time, in reference order from a cursor (GET
-- /api/v1/complaints, `complaint list`): the page's query walks complaints in that order and
-- probes each one's own deadlines for the filters, stopping once the page is full, so a page
-- costs about its own size rather than the caseload's (src/store/list.rs).

-- The live complaints (open or proposed for closure) in reference order: the default list walks
-- these alone, never the closed ones that make up most of a store in use for years. The
-- condition is the lists' own text: a partial index serves only a query naming the same one.
CREATE INDEX complaints_live_reference ON complaints (reference)
    WHERE status IN ('open', 'proposed-for-closure');

-- The same per procedure. It replaces complaints_status_procedure (status, procedure), which
-- SQLite without statistics chose for every live list, reading all the live complaints and
-- sorting them rather than walking the reference order to the end of a page; it also gives
-- re-derivation the live references of one procedure already in order.
CREATE INDEX complaints_live_procedure ON complaints (procedure, reference)
    WHERE status IN ('open', 'proposed-for-closure');
DROP INDEX complaints_status_procedure;

-- One complaint's deadlines by state and due date: the probe behind each deadline filter
-- (complaint_id = ? AND state = 'pending' AND due_date <= ?). With only the primary key
-- (complaint_id, deadline) beside deadlines_state_due (state, due_date), SQLite without
-- statistics probed through the latter and read every pending deadline once per complaint
-- walked: 9.6 s for one page of 100,000 complaints.
CREATE INDEX deadlines_complaint_state_due ON deadlines (complaint_id, state, due_date);
