//! The daily digest: one email per recipient listing what is due in the next working days and
//! what is overdue, grouped by procedure and stage.
//!
//! The schedule is a cron expression in the organisation's time zone. The next instant is
//! computed here, with croner (the parser tokio-cron-scheduler itself uses) over a chrono-tz
//! date-time, rather than by running tokio-cron-scheduler: its scheduler ticks on the real clock,
//! which the injected clock cannot drive, and some of its releases kept the UTC offset fixed
//! across a clock change, so "09:00 London" drifted to 08:00 or 10:00 for half the year. Computed
//! per date in the zone, 09:00 stays 09:00 on both sides of both changes (tests show it).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::channel::{Channels, Message, Severity, Table, TableRow};
use crate::lifecycle::{Lifecycle, LifecycleError};
use crate::reminder::Addressing;

/// When digests go out.
#[derive(Clone, Debug)]
pub struct DigestSchedule {
    cron: croner::Cron,
    tz: Tz,
}

impl DigestSchedule {
    /// Parses a cron expression (`"0 9 * * MON-FRI"`: minute, hour, day of month, month, day of
    /// week), read in `tz`. A bad expression is an error naming it.
    pub fn parse(expr: &str, tz: Tz) -> Result<Self, String> {
        let cron: croner::Cron = expr
            .parse()
            .map_err(|e| format!("notify.digest.cron '{expr}': {e}"))?;
        Ok(DigestSchedule { cron, tz })
    }

    /// Whether a digest instant has passed earlier today (in the zone) by `t`: on start-up, a
    /// digest the service was down for is sent late rather than skipped.
    pub fn due_earlier_today(&self, t: DateTime<Utc>) -> bool {
        let local = t.with_timezone(&self.tz);
        self.cron
            .find_previous_occurrence(&local, true)
            .is_ok_and(|p| p.date_naive() == local.date_naive())
    }

    /// The first digest instant strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = t.with_timezone(&self.tz);
        self.cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|d| d.with_timezone(&Utc))
    }
}

/// Sends today's digest to every email recipient with something due within `within` working
/// days or overdue, once a day each: a digest already recorded as sent today is not sent again
/// (after a restart, say). Returns how many were sent.
///
/// Each deadline goes to its owner's recipients and, once it has been escalated (overdue past
/// its policy's `escalate_after_working_days`), also to the recipients of the role it is
/// escalated to (`escalate_to`, per procedure or deadline where overridden): the managers who
/// own escalations see in one list what is escalated to them. Someone who hears both as owner
/// and as manager gets the deadline once, marked escalated.
pub async fn send_digests(
    lifecycle: &Lifecycle,
    channels: &Channels,
    addressing: &Addressing,
    within: u32,
    link_template: Option<&str>,
) -> Result<usize, LifecycleError> {
    send_digests_until(
        lifecycle,
        channels,
        addressing,
        within,
        link_template,
        || false,
    )
    .await
}

/// The most deadlines one recipient's digest lists: the earliest due, then a count of the
/// rest. A caseload entered at once (or a team fallen far behind) can put thousands of
/// deadlines in one digest; a message that long is read by nobody, and building it held every
/// due deadline in memory (72 MB at 100,000 open complaints). `timescales complaint list
/// --overdue` and `--due-within N` list them all.
pub const DIGEST_LINES: usize = 100;

/// How many pending deadlines the digest reads from the store at a time.
const DIGEST_PAGE: usize = 2_000;

/// [`send_digests`], stopping between recipients once `stopping` says so (a reload or a stop
/// waits for one email at most, not for the whole round); whoever was not sent today's digest
/// gets it at the next catch-up.
pub async fn send_digests_until(
    lifecycle: &Lifecycle,
    channels: &Channels,
    addressing: &Addressing,
    within: u32,
    link_template: Option<&str>,
    stopping: impl Fn() -> bool,
) -> Result<usize, LifecycleError> {
    let now = lifecycle.clock().now();
    let today = lifecycle.today_default();
    let by = lifecycle.due_by(within)?;
    let procedures = lifecycle.procedures();
    let calendars = lifecycle.calendars();
    // A role's own mailboxes, or the fallback's: the one lookup alerts use too.
    let emails_of = |procedure: &str, role: &str| -> Vec<String> {
        addressing
            .targets(procedure, role)
            .map(|t| t.email.clone())
            .unwrap_or_default()
    };
    let mut by_recipient: BTreeMap<String, Digest> = BTreeMap::new();
    // Earliest due first, a page at a time: each recipient keeps the first DIGEST_LINES rows
    // it is sent and counts the rest, so memory is a page and the kept rows, whatever the
    // caseload.
    let mut after = None;
    loop {
        if stopping() {
            return Ok(0);
        }
        let page = lifecycle
            .store()
            .pending_due_page(by, after.as_ref(), DIGEST_PAGE)
            .await?;
        let last_page = page.len() < DIGEST_PAGE;
        for p in &page {
            let procedure = procedures.get(&p.procedure);
            let what = procedure
                .and_then(|x| x.deadline(&p.deadline))
                .map(|d| d.what.clone())
                .unwrap_or_else(|| p.deadline.clone());
            let calendar = calendars.get(procedure.map_or(lifecycle.region(), |x| x.region));
            // The one wording of a status, as the complaint itself shows it.
            let status = if p.due_date < today {
                crate::complaint::Status::Overdue {
                    working_days_overdue: calendar
                        .working_days_between(p.due_date, today)
                        .unwrap_or(0),
                }
            } else {
                crate::complaint::Status::Open {
                    working_days_left: calendar
                        .working_days_between(today, p.due_date)
                        .unwrap_or(0),
                }
            };
            let group = match p.due_date.cmp(&today) {
                std::cmp::Ordering::Less => 0,
                std::cmp::Ordering::Equal => 1,
                std::cmp::Ordering::Greater => 2,
            };
            let whose = if p.kind == "window" {
                "the family's window".to_string()
            } else {
                procedure
                    .map(|x| x.role_name(&p.owner_role).to_string())
                    .unwrap_or_else(|| p.owner_role.clone())
            };
            let row = |status_text: String| Row {
                group,
                due: p.due_date,
                cells: vec![
                    format!(
                        "{} ({})",
                        p.reference,
                        crate::reminder::message::short_name(&p.procedure)
                    ),
                    what.clone(),
                    crate::reminder::message::day(p.due_date, chrono::Datelike::year(&today)),
                    status_text,
                    whose.clone(),
                ],
                link: link_template.map(|t| crate::complaint::reference::in_link(t, &p.reference)),
            };
            // This deadline's row for each recipient, once: someone who is both owner and
            // manager of an escalated one gets its escalated row.
            let mut rows: Vec<(String, Row)> = Vec::new();
            for email in emails_of(&p.procedure, &p.owner_role) {
                if !rows.iter().any(|(e, _)| *e == email) {
                    rows.push((email, row(status.verdict(false, false))));
                }
            }
            if let Some(role) = escalated_to(p, addressing, &procedures, &calendars, now) {
                let escalated = row(format!("ESCALATED: {}", status.verdict(false, false)));
                for email in emails_of(&p.procedure, &role) {
                    match rows.iter_mut().find(|(e, _)| *e == email) {
                        Some(existing) => existing.1 = escalated.clone(),
                        None => rows.push((email, escalated.clone())),
                    }
                }
            }
            for (email, row) in rows {
                by_recipient.entry(email).or_default().add(row);
            }
        }
        if last_page {
            break;
        }
        after = page.last().cloned();
    }
    let mut sent = 0;
    for (email, digest) in by_recipient {
        if stopping() {
            tracing::info!("digest round stopped; the rest are sent at the next catch-up");
            break;
        }
        let key = format!("digest:{today}:{email}");
        if lifecycle.store().meta(&key).await?.is_some() {
            continue;
        }
        let count: usize = digest.counts.iter().sum();
        let listed = digest.rows.len();
        let mut rows = digest.rows;
        rows.sort_by(|a, b| (a.group, a.due, &a.cells).cmp(&(b.group, b.due, &b.cells)));
        let mut groups: Vec<(String, Vec<TableRow>)> = vec![
            ("Overdue".into(), vec![]),
            ("Due today".into(), vec![]),
            (format!("Due within {within} working days"), vec![]),
        ];
        for r in rows {
            groups[r.group].1.push(TableRow {
                cells: r.cells,
                link: r.link,
            });
        }
        for ((title, rows), total) in groups.iter_mut().zip(digest.counts) {
            *title = if rows.len() == total {
                format!("{title} ({total})")
            } else {
                format!("{title} ({total}; the first {} listed here)", rows.len())
            };
        }
        let facts = if listed < count {
            let [overdue, due_today, soon] = digest.counts;
            vec![(
                "Listed here".to_string(),
                format!(
                    "the first {listed} of {count}, earliest due first ({overdue} overdue, \
                     {due_today} due today, {soon} due within {within} working days); \
                     `timescales complaint list --overdue` and `timescales complaint list \
                     --due-within {within}` list every one"
                ),
            )]
        } else {
            vec![]
        };
        let message = Message {
            key: format!("digest-{today}-{:x}", {
                let mut h = crate::folder::Fnv::default();
                h.write(email.as_bytes());
                h.finish()
            }),
            subject: format!(
                "timescales digest for {}: {count} deadline{} overdue or due within {within} working days",
                today.format("%a %-d %b %Y"),
                if count == 1 { "" } else { "s" }
            ),
            facts,
            link: None,
            severity: Severity::Reminder,
            thread: None,
            table: Some(Table {
                columns: ["Complaint", "Deadline", "Due", "Status", "Whose"]
                    .map(String::from)
                    .to_vec(),
                groups,
            }),
            about: None,
        };
        match channels
            .deliver(&format!("email:{email}"), &message, now)
            .await
        {
            Ok(()) => {
                lifecycle.store().set_meta(&key, &now.to_rfc3339()).await?;
                sent += 1;
            }
            Err(e) => tracing::error!(error = %e, "a digest could not be sent"),
        }
    }
    Ok(sent)
}

/// One recipient's digest as it is gathered: the first [`DIGEST_LINES`] rows, earliest due
/// first, and how many deadlines it has in each group.
#[derive(Default)]
struct Digest {
    rows: Vec<Row>,
    /// Overdue, due today, due soon.
    counts: [usize; 3],
}

impl Digest {
    fn add(&mut self, row: Row) {
        self.counts[row.group] += 1;
        if self.rows.len() < DIGEST_LINES {
            self.rows.push(row);
        }
    }
}

/// One deadline's row in a recipient's digest, with where it sorts.
#[derive(Clone)]
struct Row {
    /// 0 overdue, 1 due today, 2 due soon.
    group: usize,
    due: chrono::NaiveDate,
    cells: Vec<String>,
    link: Option<String>,
}

/// The role an overdue obligation has been escalated to by `now`, under its policy: none for a
/// window, a deadline not yet overdue long enough, or a policy that never escalates.
fn escalated_to(
    p: &crate::store::PendingRow,
    addressing: &Addressing,
    procedures: &crate::procedure::Procedures,
    calendars: &crate::calendar::Calendars,
    now: DateTime<Utc>,
) -> Option<String> {
    if p.kind != "obligation" {
        return None;
    }
    let procedure = procedures.get(&p.procedure)?;
    let policy = addressing.policy_for(&p.procedure, &p.deadline);
    let first = crate::reminder::escalation_at(
        p.due_date,
        1,
        policy,
        calendars.get(procedure.region),
        procedure.time_zone,
        &addressing.window,
    )?;
    (first <= now).then(|| policy.escalate_to.clone())
}

/// Tells the operator, once a day, when any division's official GOV.UK holiday data runs out
/// within six months: after that, deadlines rely on the standing rules, which cannot know a new
/// one-off holiday. Returns whether an alert went out.
pub async fn holiday_data_alert(
    lifecycle: &Lifecycle,
    channels: &Channels,
    admin: &[String],
) -> Result<bool, LifecycleError> {
    let today = lifecycle.today_default();
    let horizon = today
        .checked_add_months(chrono::Months::new(6))
        .unwrap_or(today);
    let calendars = lifecycle.calendars();
    let ending: Vec<(String, String)> = crate::calendar::Division::ALL
        .iter()
        .filter_map(|d| {
            let end = calendars
                .get(*d)
                .official_years()
                .last()
                .and_then(|y| chrono::NaiveDate::from_ymd_opt(y, 12, 31));
            match end {
                Some(e) if e >= horizon => None,
                Some(e) => Some((d.to_string(), format!("official data ends {e}"))),
                None => Some((d.to_string(), "no official data".to_string())),
            }
        })
        .collect();
    if ending.is_empty() || admin.is_empty() {
        return Ok(false);
    }
    let key = format!("holiday-alert:{today}");
    if lifecycle.store().meta(&key).await?.is_some() {
        return Ok(false);
    }
    tracing::warn!(
        divisions = ending.len(),
        "official holiday data runs out within six months"
    );
    let mut facts = ending;
    facts.push((
        "What to do".into(),
        "install a newer GOV.UK bank-holidays.json: timescales holidays import FILE (or set calendar.holidays_url for a daily refresh), then systemctl reload timescales".into(),
    ));
    let message = Message {
        key: format!("holiday-alert-{today}"),
        subject: "timescales: official bank-holiday data runs out within six months".into(),
        facts,
        link: None,
        severity: Severity::Alert,
        thread: None,
        table: None,
        about: None,
    };
    tell_operator(lifecycle, channels, admin, &key, &message).await
}

/// Sends `message` to every operator destination (`notify.admin`) unless the store notes that
/// `key` was already told; notes it once one destination has it. Returns whether it went out.
/// For what the service itself needs someone to know: holiday data running out, a holiday
/// refresh installed or refused.
pub async fn tell_operator(
    lifecycle: &Lifecycle,
    channels: &Channels,
    admin: &[String],
    key: &str,
    message: &Message,
) -> Result<bool, LifecycleError> {
    if admin.is_empty() || lifecycle.store().meta(key).await?.is_some() {
        return Ok(false);
    }
    let now = lifecycle.clock().now();
    let mut sent = false;
    for dest in admin {
        match channels.deliver(dest, message, now).await {
            Ok(()) => sent = true,
            Err(e) => {
                tracing::error!(error = %e, subject = %message.subject, "a message to the operator could not be sent")
            }
        }
    }
    if sent {
        lifecycle.store().set_meta(key, &now.to_rfc3339()).await?;
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    fn next(after: &str) -> String {
        let s = DigestSchedule::parse("0 9 * * *", London).unwrap();
        s.next_after(after.parse().unwrap())
            .unwrap()
            .format("%Y-%m-%dT%H:%MZ")
            .to_string()
    }

    #[test]
    fn the_digest_is_at_nine_in_london_on_both_sides_of_both_2027_clock_changes() {
        // Spring: clocks go forward on Sunday 28 March 2027.
        assert_eq!(next("2027-03-26T12:00:00Z"), "2027-03-27T09:00Z");
        assert_eq!(next("2027-03-27T12:00:00Z"), "2027-03-28T08:00Z");
        assert_eq!(next("2027-03-28T12:00:00Z"), "2027-03-29T08:00Z");
        // Autumn: clocks go back on Sunday 31 October 2027.
        assert_eq!(next("2027-10-29T12:00:00Z"), "2027-10-30T08:00Z");
        assert_eq!(next("2027-10-30T12:00:00Z"), "2027-10-31T09:00Z");
        assert_eq!(next("2027-10-31T12:00:00Z"), "2027-11-01T09:00Z");
    }

    #[test]
    fn a_digest_missed_earlier_today_is_noticed_on_start_up() {
        let s = DigestSchedule::parse("0 9 * * *", London).unwrap();
        assert!(s.due_earlier_today("2027-01-06T10:00:00Z".parse().unwrap()));
        assert!(!s.due_earlier_today("2027-01-06T08:00:00Z".parse().unwrap()));
    }

    #[test]
    fn weekdays_only_and_bad_expressions_are_named() {
        let s = DigestSchedule::parse("0 9 * * MON-FRI", London).unwrap();
        // Friday 1 January 2027 12:00 -> Monday 4 January 09:00 GMT.
        assert_eq!(
            s.next_after("2027-01-01T12:00:00Z".parse().unwrap())
                .unwrap()
                .to_rfc3339(),
            "2027-01-04T09:00:00+00:00"
        );
        assert!(DigestSchedule::parse("every morning", London)
            .unwrap_err()
            .starts_with("notify.digest.cron 'every morning'"));
    }
}
