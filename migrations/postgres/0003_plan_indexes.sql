-- Re-planning one complaint's notifications (every write and every escalation refresh) cancels
-- that complaint's planned rows: an index on both columns the statement names. Without it the
-- planner, lacking statistics, walked every planned row through notifications_due (state, ...),
-- and start-up and reload grew with the square of the open complaints.
CREATE INDEX notifications_complaint_state ON notifications (complaint_id, state);
