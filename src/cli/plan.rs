//! `timescales plan`: the what-if planner.

use chrono::NaiveDate;
use clap::Args;

use super::procedures::find;
use super::{parse_date, print_json, CliError, Context};
use crate::complaint::{derive, Extension, Facts, LateAcceptance, Plan};
use crate::procedure::Kind;

const AFTER: &str = "\
Each deadline counts from the latest date given for its anchor event and is met by the first
date of its met-by event on or after that. `timescales procedures show ID` lists a procedure's
events, outcomes and deadlines. The JSON (--json) is described in docs/procedures.md.

Examples:
  timescales plan --procedure durham --event conference=2026-12-11 \\
      --event concerns-received=2026-12-23 --as-of 2027-01-05
  timescales plan --procedure kent --event conference=2026-11-02 --event representation-received=2026-11-30 \\
      --accept-late representation --as-of 2026-12-01
  timescales plan --procedure kent --track complaint --event conference=2026-11-02";

/// Arguments of `timescales plan`.
#[derive(Debug, Args)]
#[command(after_help = AFTER)]
pub struct PlanArgs {
    /// The procedure's id (see `timescales procedures list`).
    #[arg(long, value_name = "ID")]
    procedure: String,
    /// The track, where the procedure has more than one. Default: its first followed track.
    #[arg(long, value_name = "TRACK")]
    track: Option<String>,
    /// An event and its date, NAME=YYYY-MM-DD. Repeat for each; give an event twice for a
    /// meeting held again.
    #[arg(long = "event", value_name = "NAME=DATE", value_parser = parse_event)]
    events: Vec<(String, NaiveDate)>,
    /// An outcome recorded (starts follow-on deadlines, e.g. Kent's review conference).
    #[arg(long = "outcome", value_name = "OUTCOME")]
    outcomes: Vec<String>,
    /// What if DEADLINE were extended to DATE (DEADLINE=YYYY-MM-DD), where the procedure allows.
    #[arg(long = "extend", value_name = "DEADLINE=DATE", value_parser = parse_event)]
    extensions: Vec<(String, NaiveDate)>,
    /// What if the complainant's late action on DEADLINE were accepted, where the procedure
    /// allows.
    #[arg(long = "accept-late", value_name = "DEADLINE")]
    accept_late: Vec<String>,
    /// Judge each deadline as of this date: met, open with working days left, or missed by N
    /// working days.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `NAME=YYYY-MM-DD`, as `--event` takes it.
pub(super) fn parse_event(s: &str) -> Result<(String, NaiveDate), String> {
    let (name, date) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' should be NAME=YYYY-MM-DD"))?;
    Ok((name.trim().to_string(), parse_date(date.trim())?))
}

pub(super) fn run(ctx: &Context, args: PlanArgs) -> Result<(), CliError> {
    let set = ctx.procedures()?;
    let procedure = find(&set, &args.procedure)?;
    let calendars = ctx.calendars()?;
    let mut facts = Facts {
        track: args.track,
        outcomes: args.outcomes.into_iter().collect(),
        ..Facts::default()
    };
    for (name, date) in &args.events {
        facts.record(name, *date);
    }
    for (id, to) in args.extensions {
        let ext = Extension {
            to,
            who: String::new(),
            recorded_by: "what-if".into(),
            why: "what-if plan".into(),
        };
        facts.extensions.insert(id, ext);
    }
    for id in args.accept_late {
        let late = LateAcceptance {
            who: String::new(),
            recorded_by: "what-if".into(),
            why: "what-if plan".into(),
        };
        facts.late_accepted.insert(id, late);
    }
    let plan = derive(procedure, &facts, &calendars, args.as_of)
        .map_err(|e| CliError::Input(e.to_string()))?;
    if args.json {
        return print_json(&plan);
    }
    print!("{}", text(&plan, procedure));
    Ok(())
}

fn text(plan: &Plan, procedure: &crate::procedure::Procedure) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "{}: {}", procedure.id, procedure.name);
    let as_of = plan
        .as_of
        .map(|d| format!(" · as of {d} ({})", d.format("%A")))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "track: {} · calendar: {}{as_of}",
        plan.track, plan.region
    );
    if let Some(r) = &plan.referred_to {
        let _ = writeln!(
            s,
            "\nThis track is referred to {r}: it has no deadlines under this procedure."
        );
        return s;
    }
    if plan.deadlines.is_empty() {
        let _ = writeln!(
            s,
            "\nNo deadline has started: none of the events given is a deadline's anchor (record the conference with --event conference=YYYY-MM-DD)."
        );
        return s;
    }
    for d in &plan.deadlines {
        let whose = match d.kind {
            Kind::Obligation => "obligation",
            Kind::Window => "complainant's window",
        };
        let local = if d.local { " [local target]" } else { "" };
        let _ = writeln!(s, "\n{}{local}: {}", d.id, d.what);
        let _ = writeln!(s, "  whose:   {whose} · {}", d.owner);
        let _ = writeln!(s, "  due:     {} ({})", d.due, d.due.format("%A"));
        let _ = writeln!(
            s,
            "  from:    {}",
            d.rule
                .after(format_args!("{} on {}", d.from_event, d.from_date))
        );
        if let Some(e) = &d.extension {
            let _ = writeln!(
                s,
                "  extended from {} (agreed by {}: {})",
                d.rule_due, e.who, e.why
            );
        }
        if !d.skipped.is_empty() {
            let days: Vec<String> = d
                .skipped
                .iter()
                .map(|x| format!("{} {}", x.date, x.name))
                .collect();
            let _ = writeln!(s, "  skipped: {}", days.join("; "));
        }
        if d.uses_computed_years {
            let _ = writeln!(
                s,
                "  note:    relies on bank holidays computed from the standing rules"
            );
        }
        if let Some(v) = &d.verdict {
            let _ = writeln!(s, "  status:  {v}");
        }
    }
    s
}
