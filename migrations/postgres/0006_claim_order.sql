-- The worker claims due notifications earliest first, email and chat apart
-- (src/store/queries.rs, claim_due): each kind of channel has its own queue, so that a backlog
-- of one (thousands of emails from a caseload entered at once, a webhook that hangs) never
-- lengthens the other's claims. With one index over both, a claim for chat walked past every
-- due email to find its 50 rows: 35 ms a claim with 50,000 emails waiting. Each index holds
-- only the planned rows of its kind, in the claim's order (next_attempt_at, id), so a claim
-- reads its 50 rows and stops. The state leads although every row is 'planned': SQLite's
-- planner, without statistics, otherwise prefers notifications_due for its equality on state
-- (tests/store/query_plans.rs checks both stores). notifications_due (state, next_attempt_at)
-- stays for the worker's wake-up, which looks at both kinds.
CREATE INDEX notifications_due_email ON notifications (state, next_attempt_at, id)
    WHERE state = 'planned' AND destination LIKE 'email:%';
CREATE INDEX notifications_due_chat ON notifications (state, next_attempt_at, id)
    WHERE state = 'planned' AND destination LIKE 'chat:%';
