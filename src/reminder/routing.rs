//! Routing: whether every role that must hear about a deadline reaches someone. A deadline
//! whose owner has no destination would never be reminded of, alerted on or listed in a
//! digest, and nothing would say so; so with notifications on, every owner of a deadline of a
//! procedure in use, and every role its escalations go to, must reach a destination of its own
//! or `notify.fallback`. The faces refuse a config that leaves one unrouted (at start, on
//! reload, in `config check`) and the doctor reports it.

use serde::Serialize;

use super::Addressing;
use crate::procedure::{Kind, Procedures};

/// How a role is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reach {
    /// By its own entry: `[notify.roles."PROCEDURE/ROLE"]` or `[notify.roles.ROLE]`.
    Own,
    /// By `notify.fallback` only.
    Fallback,
    /// By nobody.
    Nowhere,
}

/// Why a role must be reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Duty {
    /// It owns the deadline: reminders, breach alerts, window notices and the digest.
    Owns,
    /// The deadline's escalations go to it (`escalate_to` of the policy in force there).
    Escalations,
}

/// One role of one procedure in use, and the first deadline that needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleRoute {
    /// The procedure's id.
    pub procedure: String,
    /// The role's id.
    pub role: String,
    /// A deadline that needs it (the first, in the procedure's order).
    pub deadline: String,
    /// What that deadline needs it for.
    pub duty: Duty,
    /// How it is reached.
    pub reach: Reach,
}

impl std::fmt::Display for RoleRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.duty {
            Duty::Owns => "owns deadline",
            Duty::Escalations => "receives the escalations of deadline",
        };
        write!(
            f,
            "procedure `{}`, role `{}`: {what} `{}`",
            self.procedure, self.role, self.deadline
        )
    }
}

/// How the roles of every procedure in use are reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Routing {
    /// Whether notifications are on ([`Addressing::is_on`]). Off, nothing is required.
    pub on: bool,
    /// The procedures in use: `notify.procedures`, or every procedure loaded.
    pub procedures: Vec<String>,
    /// Every procedure loaded (shipped and local).
    pub loaded: Vec<String>,
    /// Ids in `notify.procedures` that name no procedure loaded.
    pub unknown: Vec<String>,
    /// Each role that must be reached, once per procedure, in the procedures' order.
    pub roles: Vec<RoleRoute>,
}

impl Routing {
    /// How `addressing` reaches the roles of the procedures in use among `procedures`.
    pub fn check(addressing: &Addressing, procedures: &Procedures) -> Routing {
        let unknown = addressing
            .procedures
            .iter()
            .flatten()
            .filter(|id| procedures.get(id).is_none())
            .cloned()
            .collect();
        let mut in_use = Vec::new();
        let mut roles: Vec<RoleRoute> = Vec::new();
        for p in procedures.iter().filter(|p| addressing.in_use(&p.id)) {
            in_use.push(p.id.clone());
            let mut need = |role: &str, deadline: &str, duty: Duty| {
                if roles.iter().any(|r| r.procedure == p.id && r.role == role) {
                    return;
                }
                let reach = if addressing.own_targets(&p.id, role).is_some() {
                    Reach::Own
                } else if addressing.targets(&p.id, role).is_some() {
                    Reach::Fallback
                } else {
                    Reach::Nowhere
                };
                roles.push(RoleRoute {
                    procedure: p.id.clone(),
                    role: role.to_string(),
                    deadline: deadline.to_string(),
                    duty,
                    reach,
                });
            };
            // Owners first: a role that owns one deadline and receives another's escalations
            // is named for what it owns.
            for d in &p.deadlines {
                need(&d.owner, &d.id, Duty::Owns);
            }
            for d in p.deadlines.iter().filter(|d| d.kind == Kind::Obligation) {
                let policy = addressing.policy_for(&p.id, &d.id);
                if policy.escalate_after_working_days > 0 {
                    need(&policy.escalate_to, &d.id, Duty::Escalations);
                }
            }
        }
        Routing {
            on: addressing.is_on(),
            procedures: in_use,
            loaded: procedures.ids().into_iter().map(str::to_string).collect(),
            unknown,
            roles,
        }
    }

    /// The roles nobody would hear for (none matter with notifications off).
    pub fn unrouted(&self) -> impl Iterator<Item = &RoleRoute> {
        self.roles
            .iter()
            .filter(move |r| self.on && r.reach == Reach::Nowhere)
    }

    /// The roles reached only through `notify.fallback`.
    pub fn fallen_back(&self) -> impl Iterator<Item = &RoleRoute> {
        self.roles.iter().filter(|r| r.reach == Reach::Fallback)
    }

    /// Why a config with this routing cannot be used, naming each procedure, role and deadline,
    /// and how to fix it; `None` when it can.
    pub fn refusal(&self) -> Option<String> {
        self.problem()
            .map(|(what, fix)| format!("{what}\n  fix: {fix}"))
    }

    /// What is wrong with this routing, and the fix, apart: `None` when nothing is.
    pub fn problem(&self) -> Option<(String, &'static str)> {
        if !self.unknown.is_empty() {
            return Some((
                format!(
                    "notify.procedures names {}, which {} not loaded: the procedures are {}",
                    list(&self.unknown),
                    if self.unknown.len() == 1 { "is" } else { "are" },
                    list(&self.loaded),
                ),
                "name procedures by their id (`timescales procedures list`)",
            ));
        }
        let unrouted: Vec<&RoleRoute> = self.unrouted().collect();
        if unrouted.is_empty() {
            return None;
        }
        let one = unrouted.len() == 1;
        let mut s = format!(
            "{} role{} of the procedures in use reach{} nobody, so {} deadlines would never be reminded of, alerted on or listed in a digest:",
            unrouted.len(),
            if one { "" } else { "s" },
            if one { "es" } else { "" },
            if one { "its" } else { "their" },
        );
        for r in &unrouted {
            s.push_str(&format!("\n  - {r}"));
        }
        Some((s, FIX_UNROUTED))
    }
}

/// How to route a role that reaches nobody.
const FIX_UNROUTED: &str = "give each role a destination with [notify.roles.ROLE] (or [notify.roles.\"PROCEDURE/ROLE\"] for one procedure) and email or chat; \
or list only the procedures the authority uses in notify.procedures; \
or set notify.fallback = { email = [...] } to receive whatever has no destination of its own";

fn list(ids: &[String]) -> String {
    ids.iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
