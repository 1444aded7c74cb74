-- The daily digest reads the pending deadlines due by a date a page at a time, in the order
-- (due_date, complaint_id, deadline) from the last row of the page before (src/outbox/digest.rs):
-- read at once, 100,000 open complaints made one answer of tens of megabytes. With the page's
-- order in the index, each page starts where the last stopped and reads only its own rows;
-- (state, due_date) alone left PostgreSQL sorting every row of a due date for each page. The
-- wider index serves everything the narrower one did (the lists' counts of a filter's range).
DROP INDEX deadlines_state_due;
CREATE INDEX deadlines_state_due ON deadlines (state, due_date, complaint_id, deadline);
