-- The worker's wake-up reads the earliest planned notification from the email and chat indexes
-- (0006) instead of notifications_due, which is dropped. notifications_due held every
-- notification ever planned (sent, failed and cancelled ones too) ordered by its time, so each
-- of a new complaint's planned notifications (eighteen, at a dozen different instants) dirtied
-- a leaf page of its own in it on every write: on SQLite each such page is written to the
-- write-ahead log at every commit and again at the checkpoint, on PostgreSQL it is one more
-- index insert a row. The only other reader, a worker giving back its leases, now finds them
-- through the same two indexes (tests/store/query_plans.rs checks every hot statement's plan).
DROP INDEX notifications_due;
