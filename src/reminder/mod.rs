//! Reminder plans: which notifications a complaint's deadlines call for, to whom, and at what
//! instant. Pure: deadlines + policy + calendar + send window in, planned notifications out, so
//! the planner is tested with concrete dates and the store writes its answer in the same
//! transaction as the change that caused it.
//!
//! The default policy (issue 6, and `config/timescales.toml`):
//! - an **obligation** gets a reminder to its owner 5 and 2 working days before the due date and
//!   on the due day, each at 09:00; a **breach** alert to the owner and the team chat when the due
//!   instant passes; an **escalation** to the manager role 2 working days after the due date,
//!   repeated every 5 working days until the deadline is met, extended or the complaint closed;
//! - a **window** (the complainant's) gets one notice to its owner when it closes with nobody
//!   acting, never a "breach".
//!
//! Send window: notifications go out on working days between 08:00 and 18:00 local time. A
//! reminder on a non-working day moves earlier (never past the due day); an alert raised outside
//! the window goes out at the start of the next one. Wall-clock times are converted date by date,
//! so 09:00 stays 09:00 across the clock changes.
//!
//! Keys: a notification is `(complaint, deadline, kind, occurrence, destination)`. The occurrence
//! carries the due date (`2027-01-11`, escalations `2027-01-11#2`): re-deriving an unchanged
//! deadline plans nothing new, while a deadline that moved gets reminders for its new date.

pub mod message;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, Trigger};
use crate::clock::local_instant;
use crate::complaint::Derived;
use crate::procedure::Kind;

mod routing;
pub use routing::{Duty, Reach, RoleRoute, Routing};

/// When notifications may go out: working days, between `start` and `end` local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendWindow {
    /// Opening time, e.g. 08:00.
    pub start: NaiveTime,
    /// Closing time, e.g. 18:00.
    pub end: NaiveTime,
}

impl Default for SendWindow {
    fn default() -> Self {
        SendWindow {
            start: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN),
            end: NaiveTime::from_hms_opt(18, 0, 0).unwrap_or(NaiveTime::MIN),
        }
    }
}

/// How a deadline is followed up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Reminders this many working days before the due date.
    pub remind_working_days_before: Vec<u32>,
    /// A reminder on the due day itself.
    pub remind_on_due_day: bool,
    /// The wall-clock time reminders go out.
    pub remind_at: NaiveTime,
    /// A breach alert when an obligation's due instant passes.
    pub breach_alert: bool,
    /// Escalate to `escalate_to` this many working days after the due date (0: never).
    pub escalate_after_working_days: u32,
    /// Then again every this many working days until met (0: once).
    pub escalate_every_working_days: u32,
    /// The role escalations go to.
    pub escalate_to: String,
    /// A notice to the owner when a complainant's window closes with nobody acting.
    pub window_closed_notice: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            remind_working_days_before: vec![5, 2],
            remind_on_due_day: true,
            remind_at: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
            breach_alert: true,
            escalate_after_working_days: 2,
            escalate_every_working_days: 5,
            escalate_to: "manager".into(),
            window_closed_notice: true,
        }
    }
}

/// What a notification is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum NotificationKind {
    /// N working days before the due date.
    Reminder(u32),
    /// On the due day.
    DueToday,
    /// The due instant passed, not met.
    Breach,
    /// Still not met, N-th escalation.
    Escalation(u32),
    /// A complainant's window closed with nobody acting.
    WindowClosed,
}

impl NotificationKind {
    /// The kind's name in the outbox key.
    pub fn key(&self) -> String {
        match self {
            NotificationKind::Reminder(n) => format!("reminder-{n}"),
            NotificationKind::DueToday => "due-today".into(),
            NotificationKind::Breach => "breach".into(),
            NotificationKind::Escalation(_) => "escalation".into(),
            NotificationKind::WindowClosed => "window-closed".into(),
        }
    }
}

/// One notification to plan, before it is addressed to destinations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Planned {
    /// The deadline's id.
    pub deadline: String,
    /// What it is about.
    pub kind: NotificationKind,
    /// The occurrence part of the key.
    pub occurrence: String,
    /// When it should go out.
    pub at: DateTime<Utc>,
    /// The role it goes to.
    pub role: String,
    /// Whether it also goes to the role's team chat (alerts do, reminders do not).
    pub to_chat: bool,
}

impl SendWindow {
    /// The first instant at or after `t` inside the send window.
    pub fn next_open(&self, t: DateTime<Utc>, calendar: &Calendar, tz: Tz) -> DateTime<Utc> {
        let local = t.with_timezone(&tz);
        let date = local.date_naive();
        let working = calendar.is_working_day(date).unwrap_or(false);
        if working && local.time() >= self.start && local.time() < self.end {
            return t;
        }
        let day = if working && local.time() < self.start {
            date
        } else {
            date.succ_opt()
                .and_then(|d| calendar.roll(d, crate::calendar::Roll::Forward).ok())
                .unwrap_or(date)
        };
        local_instant(day, self.start, tz)
    }
}

/// The notifications `deadlines` call for under `policy`. Deadlines already met plan nothing;
/// escalations are planned one at a time (the next is planned when one is sent: [`next_escalation`]).
pub fn plan(
    deadlines: &[Derived],
    policy: &Policy,
    calendar: &Calendar,
    tz: Tz,
    window: &SendWindow,
) -> Vec<Planned> {
    let mut out = Vec::new();
    for d in deadlines.iter().filter(|d| d.met_on.is_none()) {
        let occurrence = d.due.to_string();
        let push = |out: &mut Vec<Planned>,
                    kind: NotificationKind,
                    at: DateTime<Utc>,
                    role: &str,
                    to_chat: bool| {
            out.push(Planned {
                deadline: d.id.clone(),
                kind,
                occurrence: occurrence.clone(),
                at,
                role: role.to_string(),
                to_chat,
            })
        };
        match d.kind {
            Kind::Obligation => {
                for &n in &policy.remind_working_days_before {
                    // Counted back from the due date; a reminder that would come before the
                    // deadline started is not sent.
                    if let Ok(day) = calendar.sub_working_days(d.due, n) {
                        if day >= d.from_date && day < d.due {
                            push(
                                &mut out,
                                NotificationKind::Reminder(n),
                                local_instant(day, policy.remind_at, tz),
                                &d.owner_role,
                                false,
                            );
                        }
                    }
                }
                if policy.remind_on_due_day {
                    // On a non-working due day, the last working day before it.
                    if let Ok(day) = calendar.roll(d.due, crate::calendar::Roll::Backward) {
                        if day >= d.from_date {
                            push(
                                &mut out,
                                NotificationKind::DueToday,
                                local_instant(day, policy.remind_at, tz),
                                &d.owner_role,
                                false,
                            );
                        }
                    }
                }
                if policy.breach_alert {
                    push(
                        &mut out,
                        NotificationKind::Breach,
                        window.next_open(d.due_instant, calendar, tz),
                        &d.owner_role,
                        true,
                    );
                }
                if let Some(first) = escalation_at(d.due, 1, policy, calendar, tz, window) {
                    out.push(Planned {
                        deadline: d.id.clone(),
                        kind: NotificationKind::Escalation(1),
                        occurrence: format!("{occurrence}#1"),
                        at: first,
                        role: policy.escalate_to.clone(),
                        to_chat: true,
                    });
                }
            }
            Kind::Window => {
                if policy.window_closed_notice {
                    push(
                        &mut out,
                        NotificationKind::WindowClosed,
                        window.next_open(d.due_instant, calendar, tz),
                        &d.owner_role,
                        false,
                    );
                }
            }
        }
    }
    out
}

/// When the `n`-th escalation of a deadline due on `due` goes out: the start of the send window on
/// the working day `after + (n - 1) * every` working days after the due date.
pub fn escalation_at(
    due: NaiveDate,
    n: u32,
    policy: &Policy,
    calendar: &Calendar,
    tz: Tz,
    window: &SendWindow,
) -> Option<DateTime<Utc>> {
    if policy.escalate_after_working_days == 0 || n == 0 {
        return None;
    }
    if n > 1 && policy.escalate_every_working_days == 0 {
        return None;
    }
    let offset = policy.escalate_after_working_days + (n - 1) * policy.escalate_every_working_days;
    let day = calendar.add_working_days(due, offset, Trigger::AsIs).ok()?;
    Some(local_instant(day, window.start, tz))
}

/// The escalation after the `n`-th of `deadline`, due on `due`, for a deadline still not met.
pub fn next_escalation(
    deadline: &str,
    due: NaiveDate,
    n: u32,
    policy: &Policy,
    calendar: &Calendar,
    tz: Tz,
    window: &SendWindow,
) -> Option<Planned> {
    let next = n.checked_add(1)?;
    let at = escalation_at(due, next, policy, calendar, tz, window)?;
    Some(Planned {
        deadline: deadline.to_string(),
        kind: NotificationKind::Escalation(next),
        occurrence: format!("{due}#{next}"),
        at,
        role: policy.escalate_to.clone(),
        to_chat: true,
    })
}

/// Where a role's notifications go.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoleTargets {
    /// Email addresses (team mailboxes, never a family's).
    pub email: Vec<String>,
    /// Names of chat channels (`[[notify.chat]]` entries) for alerts.
    pub chat: Vec<String>,
}

impl RoleTargets {
    /// Whether it names any destination at all: an entry with neither email nor chat reaches
    /// nobody, and so routes nothing.
    pub fn reaches_anyone(&self) -> bool {
        !self.email.is_empty() || !self.chat.is_empty()
    }
}

/// Policy, send window and recipients: everything planning needs besides the deadlines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Addressing {
    /// The reminder policy.
    pub policy: Policy,
    /// Policies for a procedure (`durham`) or a deadline (`durham/acknowledge`).
    pub overrides: std::collections::BTreeMap<String, Policy>,
    /// When notifications may go out.
    pub window: SendWindow,
    /// Role id -> where its notifications go.
    pub roles: std::collections::BTreeMap<String, RoleTargets>,
    /// Where the notifications of a role with no destination of its own go
    /// (`notify.fallback`): so that no deadline goes unalerted because its owner was not routed.
    pub fallback: Option<RoleTargets>,
    /// The procedures the authority uses (`notify.procedures`); `None`: every procedure loaded.
    pub procedures: Option<Vec<String>>,
}

impl Addressing {
    /// Whether notifications are on at all: some role, or the fallback, has a destination.
    /// Off (the shipped config), nothing is sent and no routing is required.
    pub fn is_on(&self) -> bool {
        self.roles.values().any(RoleTargets::reaches_anyone)
            || self
                .fallback
                .as_ref()
                .is_some_and(RoleTargets::reaches_anyone)
    }

    /// Whether `procedure` is one the authority uses: listed in `notify.procedures`, or any
    /// procedure when that is not set.
    pub fn in_use(&self, procedure: &str) -> bool {
        self.procedures
            .as_ref()
            .is_none_or(|p| p.iter().any(|p| p == procedure))
    }

    /// The role's own destinations: the procedure's entry (`"durham/chair"`) when it has one,
    /// else the authority-wide one (`"chair"`). Entries that name no destination are passed by.
    pub fn own_targets(&self, procedure: &str, role: &str) -> Option<&RoleTargets> {
        self.roles
            .get(&format!("{procedure}/{role}"))
            .filter(|t| t.reaches_anyone())
            .or_else(|| self.roles.get(role).filter(|t| t.reaches_anyone()))
    }

    /// Where the notifications of `role` under `procedure` go: its own destinations, else the
    /// fallback's. `None`: nobody (which a loadable config allows only with notifications off).
    pub fn targets(&self, procedure: &str, role: &str) -> Option<&RoleTargets> {
        self.own_targets(procedure, role)
            .or_else(|| self.fallback.as_ref().filter(|t| t.reaches_anyone()))
    }

    /// The destinations (`email:ADDRESS`, `chat:NAME`) a planned notification goes to: those of
    /// [`Addressing::targets`], chat only for what goes to chat.
    pub fn destinations(&self, procedure: &str, p: &Planned) -> Vec<String> {
        let Some(t) = self.targets(procedure, &p.role) else {
            return Vec::new();
        };
        let mut out: Vec<String> = t.email.iter().map(|e| format!("email:{e}")).collect();
        if p.to_chat {
            out.extend(t.chat.iter().map(|c| format!("chat:{c}")));
        }
        out
    }

    /// Everything `deadlines` call for as of `now`: [`plan`], with escalations brought up to
    /// date: the latest one whose time has come (earlier ones are superseded, so a long outage
    /// sends one escalation, not a pile) and the next one, so an unmet deadline keeps escalating.
    pub fn plan_at(
        &self,
        procedure: &str,
        deadlines: &[Derived],
        calendar: &Calendar,
        tz: Tz,
        now: DateTime<Utc>,
    ) -> Vec<Planned> {
        let mut out = Vec::new();
        for d in deadlines {
            let policy = self.policy_for(procedure, &d.id);
            out.extend(plan(
                std::slice::from_ref(d),
                policy,
                calendar,
                tz,
                &self.window,
            ));
        }
        out.retain(|p| !matches!(p.kind, NotificationKind::Escalation(_)));
        for d in deadlines
            .iter()
            .filter(|d| d.met_on.is_none() && d.kind == Kind::Obligation)
        {
            let policy = self.policy_for(procedure, &d.id);
            let mut latest_past = None;
            let mut n = 1;
            while n < 10_000 {
                let Some(at) = escalation_at(d.due, n, policy, calendar, tz, &self.window) else {
                    break;
                };
                let planned = Planned {
                    deadline: d.id.clone(),
                    kind: NotificationKind::Escalation(n),
                    occurrence: format!("{}#{n}", d.due),
                    at,
                    role: policy.escalate_to.clone(),
                    to_chat: true,
                };
                if at > now {
                    out.extend(latest_past.take());
                    out.push(planned);
                    break;
                }
                latest_past = Some(planned);
                n += 1;
            }
            // No later escalation (a single one, or the calendar's end): the latest still goes.
            out.extend(latest_past);
        }
        out
    }

    /// The escalation after the one with `occurrence` (`DUE#N`, as [`Addressing::plan_at`]
    /// keys it) of `deadline`: when it falls due, and its key. `None` when there is none (a
    /// single escalation, a key of another form). An escalation whose successor is planned and
    /// not yet due cannot have been overtaken, so the worker need not bring the complaint up to
    /// date before sending it.
    pub fn next_escalation(
        &self,
        procedure: &str,
        deadline: &str,
        occurrence: &str,
        calendar: &Calendar,
        tz: Tz,
    ) -> Option<(DateTime<Utc>, String)> {
        let (due, n) = occurrence.split_once('#')?;
        let policy = self.policy_for(procedure, deadline);
        let next = next_escalation(
            deadline,
            due.parse().ok()?,
            n.parse().ok()?,
            policy,
            calendar,
            tz,
            &self.window,
        )?;
        Some((next.at, next.occurrence))
    }

    /// The policy for a deadline: its own override, else its procedure's, else the default.
    pub fn policy_for(&self, procedure: &str, deadline: &str) -> &Policy {
        self.overrides
            .get(&format!("{procedure}/{deadline}"))
            .or_else(|| self.overrides.get(procedure))
            .unwrap_or(&self.policy)
    }
}

/// The thread of one complaint's messages (see [`crate::channel::Message::thread`]):
/// `complaint-` and the first 16 hex digits of the SHA-256 of the reference. The same for every
/// message about the complaint, across restarts and upgrades (a test holds the value), so a mail
/// client keeps one conversation; the id itself names no reference (the subject does, for the
/// reader). It is opaque, not secret: anyone who can guess a reference can compute it.
pub fn complaint_thread(reference: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(b"timescales complaint thread\0")
        .chain_update(reference.as_bytes())
        .finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("complaint-{hex}")
}

#[cfg(test)]
mod tests;
