//! A page of complaints in reference order: the statements behind every list (GET
//! `/api/v1/complaints`, `complaint list`), built here for both backends and for the test that
//! checks their plans (`tests/store/query_plans.rs`), so the test sees the text the store runs.
//!
//! A page is the complaints after a reference (the cursor), in reference order, up to a limit.
//! Reference order is stable: a reference never changes, so a complaint changed or opened while
//! a client pages through is neither repeated nor skips another; a new one shows on a later page
//! when its reference sorts after the cursor.
//!
//! Each page is read by one of two plans, chosen by how many pending deadlines fall in the date
//! filter's range (`overdue`, `due_within`), counted up to [`FEW`] from `deadlines_state_due`:
//!
//! - **walk** (no date filter, or many deadlines in range): complaints in reference order from
//!   the cursor (the live ones through `complaints_live_reference`, one procedure's through
//!   `complaints_live_procedure`, all through the reference's unique index), each checked by a
//!   probe of its own deadlines (`deadlines_complaint_state_due`), until the page is full. A
//!   page costs its size over the share of complaints that match: what is due within 5 working
//!   days, which staff ask for all day, matches most live complaints.
//! - **among** (fewer than [`FEW`] deadlines in range): the complaints holding those deadlines,
//!   fetched by id and sorted. A walk would read every complaint to find a few; this reads the
//!   few.
//!
//! The planners are not left to choose: without statistics SQLite probed each complaint through
//! `deadlines_state_due` (every pending deadline read per complaint), and PostgreSQL, reckoning
//! the state and the due date independent, misjudges how many complaints a date filter keeps
//! both ways (it walked all 100,000 complaints for none, and planned a parallel scan whose
//! workers took 20 ms to start for a page it then read in 1 ms).

use chrono::NaiveDate;

/// Below this many pending deadlines in the date filter's range, a page is read from the
/// complaints holding them (the **among** plan); at or above it, by walking reference order.
/// Either way a page of 100 costs a few milliseconds at 100,000 complaints
/// (docs/benchmarks.md); 1,000 ids also stay well within what one SQLite statement may bind.
pub const FEW: i64 = 1000;

/// Set at the start of a page's transaction on PostgreSQL (`set_config(..., true)` is `SET
/// LOCAL`, three in one round trip): the page's plan is the store's choice, and these keep
/// PostgreSQL to it. It reckons a date filter keeps a few complaints in a hundred (the share of
/// all complaints holding a matching deadline) where it keeps over half the live ones, and so
/// hashed every overdue obligation and sorted (32 ms) rather than walk 179 complaints to fill the
/// page (5 ms), or planned parallel workers that took 20 ms to start.
pub const POSTGRES_SETTINGS: &str =
    "SELECT set_config('max_parallel_workers_per_gather', '0', true), \
     set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)";

/// The live statuses, in the words of the partial indexes' condition (migrations 0004): a
/// partial index serves a query only when it names the same condition.
pub const LIVE: &str = "c.status IN ('open', 'proposed-for-closure')";

/// Which complaints a page holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only live ones (open or proposed for closure).
    pub open_only: bool,
    /// Only those with an obligation due before this date and not met (overdue as of it).
    pub overdue_before: Option<NaiveDate>,
    /// Only those with a deadline not met and due on or before this date.
    pub due_by: Option<NaiveDate>,
    /// Only those under this procedure.
    pub procedure: Option<String>,
    /// Only those at this stage.
    pub stage: Option<String>,
    /// Only those with a pending deadline owned by this role.
    pub owner_role: Option<String>,
    /// Only those whose reference sorts after this one: where the previous page ended.
    pub after: Option<String>,
    /// At most this many, in reference order.
    pub limit: i64,
}

/// A value bound to a placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A reference, procedure, stage or role.
    Text(String),
    /// A due date's bound.
    Date(NaiveDate),
    /// A complaint's id, or the limit.
    Id(i64),
}

/// A statement with `$N` placeholders and the values for them, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Statement {
    /// The text, the same on both backends.
    pub sql: String,
    /// The value of `$1`, `$2`, ...
    pub args: Vec<Arg>,
}

impl Statement {
    /// Binds `arg` to the next placeholder, returning the placeholder's text.
    fn bind(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }
}

impl ListFilter {
    /// The date every matching complaint has a pending deadline due before, when a date filter
    /// is set: the tighter of the two (an overdue obligation is due before today; a deadline due
    /// by D is due before the day after D).
    pub fn pending_before(&self) -> Option<NaiveDate> {
        let by = self.due_by.and_then(|d| d.succ_opt());
        match (self.overdue_before, by) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// How many pending deadlines are due before `before`, counted up to [`FEW`] from the
    /// index alone: which plan reads the page.
    pub fn count_statement(before: NaiveDate) -> Statement {
        let mut s = Statement::default();
        let p = s.bind(Arg::Date(before));
        s.sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM deadlines WHERE state = 'pending' \
             AND due_date < {p} LIMIT {FEW}) few"
        );
        s
    }

    /// The complaints holding a pending deadline due before `before` (fewer than [`FEW`]
    /// deadlines, by the count): the **among** plan's candidates.
    pub fn candidates_statement(before: NaiveDate) -> Statement {
        let mut s = Statement::default();
        let p = s.bind(Arg::Date(before));
        s.sql = format!(
            "SELECT DISTINCT complaint_id FROM deadlines WHERE state = 'pending' AND due_date < {p}"
        );
        s
    }

    /// The page: complaints matching the filter in reference order, `limit` of them; only those
    /// with an id in `among` when it is given (the **among** plan), else walked in order.
    pub fn page_statement(&self, among: Option<&[i64]>) -> Statement {
        let mut s = Statement::default();
        let mut and: Vec<String> = Vec::new();
        // Among a few: the ids lead, each complaint fetched by its key. SQLite keeps the left
        // side of a CROSS JOIN outermost (`c.id IN (...)` it read as a filter on a walk of
        // complaints_live_procedure); PostgreSQL reads it as any join, and fetches by key too.
        let from = match among {
            Some(ids) => {
                let rows: Vec<String> = ids
                    .iter()
                    .map(|id| format!("({})", s.bind(Arg::Id(*id))))
                    .collect();
                and.push("c.id = few.column1".to_string());
                format!("(VALUES {}) few CROSS JOIN complaints c", rows.join(", "))
            }
            None => "complaints c".to_string(),
        };
        if self.open_only {
            and.push(LIVE.to_string());
        }
        if let Some(p) = &self.procedure {
            and.push(format!("c.procedure = {}", s.bind(Arg::Text(p.clone()))));
        }
        if let Some(st) = &self.stage {
            and.push(format!("c.stage = {}", s.bind(Arg::Text(st.clone()))));
        }
        if let Some(after) = &self.after {
            and.push(format!(
                "c.reference > {}",
                s.bind(Arg::Text(after.clone()))
            ));
        }
        // Each a probe of the complaint's own deadlines: complaint_id = c.id and state lead
        // deadlines_complaint_state_due. Separate probes, as before paging: a complaint with
        // one deadline overdue and another owned by the role matches both filters.
        let pending = "EXISTS (SELECT 1 FROM deadlines d WHERE d.complaint_id = c.id \
                       AND d.state = 'pending' AND";
        if let Some(d) = self.overdue_before {
            let p = s.bind(Arg::Date(d));
            and.push(format!(
                "{pending} d.due_date < {p} AND d.kind = 'obligation')"
            ));
        }
        if let Some(d) = self.due_by {
            let p = s.bind(Arg::Date(d));
            and.push(format!("{pending} d.due_date <= {p})"));
        }
        if let Some(r) = &self.owner_role {
            let p = s.bind(Arg::Text(r.clone()));
            and.push(format!("{pending} d.owner_role = {p})"));
        }
        let limit = s.bind(Arg::Id(self.limit));
        let filter = if and.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", and.join(" AND "))
        };
        s.sql = format!("SELECT c.* FROM {from}{filter} ORDER BY c.reference LIMIT {limit}");
        s
    }
}

/// The complaint's columns and its pending deadlines' columns, in the JSON a page is read as on
/// SQLite (`ComplaintRow` and `DeadlineRow` by name).
const COMPLAINT_COLUMNS: [&str; 13] = [
    "id",
    "reference",
    "procedure",
    "track",
    "complainant_role",
    "conference_date",
    "conference_type",
    "stage",
    "status",
    "outcome",
    "referred_to",
    "opened_at",
    "updated_at",
];
const DEADLINE_COLUMNS: [&str; 9] = [
    "deadline",
    "kind",
    "stage",
    "owner_role",
    "from_date",
    "due_date",
    "due_at",
    "met_on",
    "state",
];

impl Statement {
    /// The page as one JSON array on SQLite, in reference order: each complaint with its
    /// pending deadlines, in no order (one probe of `deadlines_complaint_state_due` each). One
    /// value to decode rather than a row per complaint and per deadline: sqlx hands SQLite's
    /// rows over one at a time from its worker thread, several microseconds each, most of a
    /// page's time (as for the digest's `PENDING_JSON`); the page of 100 went from 3.5 to 2.7 ms.
    /// PostgreSQL reads rows instead ([`pending_of`]): its binary rows cost little, and building
    /// the JSON cost it 2 ms a page against 0.4 ms for the rows.
    pub fn as_sqlite_json(self) -> Statement {
        let pairs = |alias: &str, columns: &[&str]| {
            columns
                .iter()
                .map(|c| format!("'{c}', {alias}.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // SQLite keeps a value's JSON type only within one expression: json() marks the
        // subquery's array as JSON again, rather than a string holding it.
        Statement {
            sql: format!(
                "SELECT COALESCE(json_group_array(json_object('complaint', json_object({}), \
                 'pending', json((SELECT COALESCE(json_group_array(json_object({})), '[]') \
                 FROM deadlines d WHERE d.complaint_id = page.id AND d.state = 'pending'))) \
                 ORDER BY page.reference), '[]') FROM ({}) page",
                pairs("page", &COMPLAINT_COLUMNS),
                pairs("d", &DEADLINE_COLUMNS),
                self.sql
            ),
            args: self.args,
        }
    }
}

/// The pending deadlines of a page's complaints, on PostgreSQL: one probe of
/// `deadlines_complaint_state_due` per complaint.
pub fn pending_of(ids: &[i64]) -> Statement {
    let mut s = Statement::default();
    let list: Vec<String> = ids.iter().map(|id| s.bind(Arg::Id(*id))).collect();
    s.sql = format!(
        "SELECT * FROM deadlines WHERE complaint_id IN ({}) AND state = 'pending'",
        list.join(", ")
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_tighter_date_bounds_the_candidates() {
        let f = ListFilter {
            overdue_before: Some(date("2027-01-05")),
            due_by: Some(date("2027-01-12")),
            ..Default::default()
        };
        assert_eq!(f.pending_before(), Some(date("2027-01-05")));
        let f = ListFilter {
            due_by: Some(date("2027-01-12")),
            ..Default::default()
        };
        assert_eq!(f.pending_before(), Some(date("2027-01-13")));
        assert_eq!(ListFilter::default().pending_before(), None);
    }

    #[test]
    fn a_page_statement_binds_each_value_once_in_order() {
        let f = ListFilter {
            open_only: true,
            overdue_before: Some(date("2027-01-05")),
            procedure: Some("durham".into()),
            after: Some("CP-7".into()),
            limit: 101,
            ..Default::default()
        };
        let s = f.page_statement(Some(&[4, 9]));
        assert_eq!(
            s.sql,
            "SELECT c.* FROM (VALUES ($1), ($2)) few CROSS JOIN complaints c \
             WHERE c.id = few.column1 AND c.status IN ('open', 'proposed-for-closure') AND c.procedure = $3 \
             AND c.reference > $4 AND EXISTS (SELECT 1 FROM deadlines d WHERE \
             d.complaint_id = c.id AND d.state = 'pending' AND d.due_date < $5 \
             AND d.kind = 'obligation') ORDER BY c.reference LIMIT $6"
        );
        assert_eq!(
            s.args,
            [
                Arg::Id(4),
                Arg::Id(9),
                Arg::Text("durham".into()),
                Arg::Text("CP-7".into()),
                Arg::Date(date("2027-01-05")),
                Arg::Id(101)
            ]
        );
        let all = ListFilter {
            limit: 5,
            ..Default::default()
        };
        assert_eq!(
            all.page_statement(None).sql,
            "SELECT c.* FROM complaints c ORDER BY c.reference LIMIT $1"
        );
    }
}
