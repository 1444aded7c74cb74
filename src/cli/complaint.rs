//! `timescales complaint ...`: record complaints and what happens to them, in the configured store.

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::{parse_date, print_json, CliError, Context};
use crate::lifecycle::{
    AcceptLate, Applicability, ComplaintView, Correct, Decision, Earlier, Extend, Lifecycle,
    LifecycleError, ListItem, ListPage, ListQuery, OpenComplaint, Rag, Record, MAX_PAGE,
};

const AFTER: &str = "\
A complaint is known by its reference in the case system: never a name. Notes are a line of
context and must hold no personal data. Every change is written with who made it to the audit
log: --by WHO, or by default the person running the command (cli:$SUDO_USER via sudo as $USER
under sudo, otherwise cli:$USER).

Examples:
  timescales complaint open CP-1001 --procedure durham --complainant parent --conference 2026-11-11
  timescales complaint open CP-1002 --procedure durham --complainant parent --conference 2026-11-02 \\
      --event concerns-received=2026-11-10 --event stage-2-requested=2026-11-30
  timescales complaint event CP-1001 concerns-received --date 2026-11-23
  timescales complaint show CP-1001
  timescales complaint list --overdue
  timescales complaint list --due-within 5 --owner chair --json
  timescales complaint list --all --limit 500 --json     # a page: complaints, next_cursor
  timescales complaint list --all --limit 500 --cursor NEXT_CURSOR   # the page after it";

/// `timescales complaint ...`
#[derive(Debug, Subcommand)]
#[command(after_help = AFTER)]
pub enum ComplaintCommand {
    /// Open a complaint under a procedure (eligibility is checked).
    Open {
        /// The complaint's reference in the case system.
        reference: String,
        /// The procedure's id (see `timescales procedures list`).
        #[arg(long)]
        procedure: String,
        /// Who complains: child, child-representative, parent or carer.
        #[arg(long, value_name = "ROLE")]
        complainant: String,
        /// The date of the conference complained about (YYYY-MM-DD).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        conference: NaiveDate,
        /// The track, where the procedure has more than one.
        #[arg(long)]
        track: Option<String>,
        /// initial or review.
        #[arg(long, value_name = "TYPE", default_value = "initial")]
        conference_type: String,
        /// The matter is outside the procedure: record it as referred (an out-of-scope id).
        #[arg(long, value_name = "ID")]
        out_of_scope: Option<String>,
        /// An event that has already happened, NAME=YYYY-MM-DD, recorded with the open in one
        /// change (reminders and alerts are planned once, for where the complaint stands).
        /// Repeat for each, oldest first; each is checked as `complaint event` would check it.
        #[arg(long = "event", value_name = "NAME=DATE", value_parser = super::plan::parse_event)]
        events: Vec<(String, NaiveDate)>,
        /// An outcome already decided, NAME=YYYY-MM-DD, recorded after the events.
        #[arg(long = "outcome", value_name = "NAME=DATE", value_parser = super::plan::parse_event)]
        outcomes: Vec<(String, NaiveDate)>,
        #[command(flatten)]
        common: Common,
    },
    /// Record an event the current stage allows.
    Event {
        reference: String,
        /// The event's id (see `timescales procedures show ID`).
        event: String,
        /// When it happened (default: today).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        date: Option<NaiveDate>,
        #[command(flatten)]
        common: Common,
    },
    /// Record an outcome the current stage can end with.
    Outcome {
        reference: String,
        /// The outcome's id.
        outcome: String,
        /// When it was decided (default: today).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        date: Option<NaiveDate>,
        #[command(flatten)]
        common: Common,
    },
    /// Extend an obligation, where the procedure allows.
    Extend {
        reference: String,
        /// The deadline's id.
        deadline: String,
        /// The new due date.
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        to: NaiveDate,
        /// Why (required).
        #[arg(long)]
        reason: String,
        /// Why it is agreed only now, after the due date has passed (required then, refused
        /// before).
        #[arg(long, value_name = "WHY")]
        retrospective: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Mark one deadline as not applicable to this complaint (its circumstances do not arise):
    /// it leaves every list and alert. Undo with --undo.
    NotApplicable {
        reference: String,
        /// The deadline's id.
        deadline: String,
        /// Why (required).
        #[arg(long)]
        reason: String,
        /// Undo an earlier mark: the deadline applies again.
        #[arg(long)]
        undo: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Accept a complainant's late action on a window, where the procedure allows.
    AcceptLate {
        reference: String,
        /// The window's id.
        deadline: String,
        /// Why (required).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        common: Common,
    },
    /// Correct the date of an earlier event (its entry number is in `show`).
    Correct {
        reference: String,
        /// The entry's number.
        entry: i64,
        /// The right date.
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        date: NaiveDate,
        /// Why (required).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        common: Common,
    },
    /// Close a complaint.
    Close {
        reference: String,
        /// Why (required).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        common: Common,
    },
    /// Erase a complaint on request (UK GDPR): its reference, notes and who recorded each thing
    /// are replaced and its reminders removed, at once and whatever its state; dates, stages,
    /// deadlines and verdicts stay for the figures. Prints the new reference (ANON-ID).
    /// Example: timescales complaint erase CP-1001 --reason "erasure request DPA-2027-014"
    Erase {
        reference: String,
        /// Why: the request's number or a short reason; never a name.
        #[arg(long)]
        reason: String,
        /// Who records it: a role or job title (default: who runs the command; see below).
        #[arg(long, value_name = "WHO")]
        by: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Reopen a complaint where its outcome allows (a panel that meets again).
    Reopen {
        reference: String,
        /// Why (required).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        common: Common,
    },
    /// The timeline and every deadline with its status and colour.
    Show {
        reference: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Complaints, filtered, in reference order. Default: every open one.
    List {
        #[command(flatten)]
        query: ListArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Every change to a complaint: who, when, what, and which deadlines moved.
    Audit {
        reference: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Everything held about one complaint, for a subject access request: its record and
    /// timeline, every deadline, the audit, and every reminder and alert planned or sent (to
    /// whom, when, what became of it). Example: timescales complaint export CP-1001 --format html
    /// --output CP-1001.html
    Export {
        reference: String,
        /// json (for a system) or html (one page a person can read and print).
        #[arg(long, value_name = "FORMAT", default_value = "json", value_parser = ["json", "html"])]
        format: String,
        /// Write it to this file (which must not exist) rather than standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
    },
}

/// Options every recording command takes.
#[derive(Debug, Args)]
pub struct Common {
    /// Who records it: a role or job title (default: who runs the command; see below).
    #[arg(long, value_name = "WHO")]
    by: Option<String>,
    /// A line of context. No names or other personal data.
    #[arg(long, default_value = "")]
    note: String,
    /// Print the complaint as JSON afterwards.
    #[arg(long)]
    json: bool,
}

impl Common {
    fn by(&self) -> String {
        self.by.clone().unwrap_or_else(|| {
            cli_actor(
                |name| std::env::var(name).ok().filter(|v| !v.is_empty()),
                own_uid(),
            )
        })
    }
}

/// Who ran the command, for the audit line, when `--by` is not given. Recording commands are run
/// as the service's account (`sudo -u timescales timescales complaint ...`, as the README shows),
/// where `$USER` is that account whoever typed the command; sudo keeps the person in
/// `$SUDO_USER`, so the audit names them: `cli:alice via sudo as timescales`. Without sudo,
/// `cli:$USER` (or `$LOGNAME`); with neither (a script started with an empty environment), the
/// numeric user id, never "unknown" while the process has one.
fn cli_actor(var: impl Fn(&str) -> Option<String>, uid: Option<u32>) -> String {
    let account = var("USER").or_else(|| var("LOGNAME"));
    match (var("SUDO_USER"), account) {
        (Some(person), Some(account)) if person != account => {
            format!("cli:{person} via sudo as {account}")
        }
        (Some(person), _) | (None, Some(person)) => format!("cli:{person}"),
        (None, None) => uid.map_or_else(|| "cli:unknown".into(), |uid| format!("cli:uid {uid}")),
    }
}

/// The process's user id: `/proc/self` belongs to it (no `unsafe`, no crate for one number).
fn own_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// `list` filters.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Include closed and referred complaints.
    #[arg(long)]
    all: bool,
    /// Only those with an overdue obligation.
    #[arg(long)]
    overdue: bool,
    /// Only those with a deadline due within N working days (or overdue).
    #[arg(long, value_name = "N")]
    due_within: Option<u32>,
    /// Only this procedure.
    #[arg(long)]
    procedure: Option<String>,
    /// Only this stage.
    #[arg(long)]
    stage: Option<String>,
    /// Only those with a pending deadline owned by this role.
    #[arg(long, value_name = "ROLE")]
    owner: Option<String>,
    /// List at most N (read 1,000 at a time). The text then ends with the --cursor that lists
    /// the rest, and --json prints one object, {"complaints": [...], "next_cursor": "..."},
    /// without next_cursor once nothing is left. Without --limit every match is listed (--json:
    /// an array).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    limit: Option<u32>,
    /// Go on where an earlier --limit listing stopped: the cursor it printed (with the same
    /// filters).
    #[arg(long, value_name = "CURSOR")]
    cursor: Option<String>,
}

impl ListArgs {
    /// Whether a page was asked for (--limit or --cursor) rather than everything.
    fn paged(&self) -> bool {
        self.limit.is_some() || self.cursor.is_some()
    }

    /// The matches, --limit of them or all, read a page at a time, and the cursor after the
    /// last one when more follow.
    async fn fetch(&self, l: &Lifecycle) -> Result<(Vec<ListItem>, Option<String>), CliError> {
        let mut items = Vec::new();
        let mut cursor = self.cursor.clone();
        loop {
            let left = self.limit.map(|n| n as usize - items.len());
            let size = left.map_or(MAX_PAGE, |n| n.min(MAX_PAGE as usize) as u32);
            let page = l
                .list(&ListQuery {
                    all: self.all,
                    overdue: self.overdue,
                    due_within: self.due_within,
                    procedure: self.procedure.clone(),
                    stage: self.stage.clone(),
                    owner: self.owner.clone(),
                    limit: Some(size),
                    cursor,
                })
                .await?;
            items.extend(page.complaints);
            cursor = page.next_cursor;
            let full = self.limit.is_some_and(|n| items.len() >= n as usize);
            if cursor.is_none() || full {
                return Ok((items, cursor));
            }
        }
    }
}

impl From<LifecycleError> for CliError {
    fn from(e: LifecycleError) -> Self {
        match e {
            LifecycleError::Store(s) => CliError::Failure(s.to_string()),
            other => CliError::Input(other.to_string()),
        }
    }
}

pub(super) fn run(ctx: &Context, cmd: ComplaintCommand) -> Result<(), CliError> {
    let rt = super::runtime()?;
    rt.block_on(async {
        // The service's own complaint service: a change is derived and planned as the
        // service's would be; show, list and audit write nothing.
        let l = ctx.lifecycle().await?;
        let today = || ctx.today();
        let (view, json) = match cmd {
            ComplaintCommand::Open {
                reference,
                procedure,
                complainant,
                conference,
                track,
                conference_type,
                out_of_scope,
                events,
                outcomes,
                common,
            } => {
                let earlier = |v: Vec<(String, NaiveDate)>| -> Vec<Earlier> {
                    v.into_iter()
                        .map(|(name, date)| Earlier {
                            name,
                            date,
                            note: String::new(),
                        })
                        .collect()
                };
                let cmd = OpenComplaint {
                    reference,
                    procedure,
                    track,
                    complainant_role: complainant,
                    conference_date: conference,
                    conference_type,
                    out_of_scope,
                    recorded_by: common.by(),
                    note: common.note.clone(),
                    events: earlier(events),
                    outcomes: earlier(outcomes),
                };
                (l.open(cmd).await?, common.json)
            }
            ComplaintCommand::Event {
                reference,
                event,
                date,
                common,
            } => {
                let r = Record {
                    name: event,
                    date: date.unwrap_or_else(today),
                    recorded_by: common.by(),
                    note: common.note.clone(),
                };
                (l.record_event(&reference, r).await?, common.json)
            }
            ComplaintCommand::Outcome {
                reference,
                outcome,
                date,
                common,
            } => {
                let r = Record {
                    name: outcome,
                    date: date.unwrap_or_else(today),
                    recorded_by: common.by(),
                    note: common.note.clone(),
                };
                (l.record_outcome(&reference, r).await?, common.json)
            }
            ComplaintCommand::Extend {
                reference,
                deadline,
                to,
                reason,
                retrospective,
                common,
            } => (
                l.extend(
                    &reference,
                    Extend {
                        deadline,
                        to,
                        recorded_by: common.by(),
                        reason,
                        retrospective,
                    },
                )
                .await?,
                common.json,
            ),
            ComplaintCommand::AcceptLate {
                reference,
                deadline,
                reason,
                common,
            } => (
                l.accept_late(
                    &reference,
                    AcceptLate {
                        deadline,
                        recorded_by: common.by(),
                        reason,
                    },
                )
                .await?,
                common.json,
            ),
            ComplaintCommand::NotApplicable {
                reference,
                deadline,
                reason,
                undo,
                common,
            } => {
                let cmd = Applicability {
                    deadline,
                    recorded_by: common.by(),
                    reason,
                };
                let view = if undo {
                    l.mark_applicable(&reference, cmd).await?
                } else {
                    l.mark_not_applicable(&reference, cmd).await?
                };
                (view, common.json)
            }
            ComplaintCommand::Correct {
                reference,
                entry,
                date,
                reason,
                common,
            } => (
                l.correct(
                    &reference,
                    Correct {
                        entry,
                        date,
                        recorded_by: common.by(),
                        reason,
                    },
                )
                .await?,
                common.json,
            ),
            ComplaintCommand::Close {
                reference,
                reason,
                common,
            } => (
                l.close(
                    &reference,
                    Decision {
                        recorded_by: common.by(),
                        reason,
                    },
                )
                .await?,
                common.json,
            ),
            ComplaintCommand::Reopen {
                reference,
                reason,
                common,
            } => (
                l.reopen(
                    &reference,
                    Decision {
                        recorded_by: common.by(),
                        reason,
                    },
                )
                .await?,
                common.json,
            ),
            ComplaintCommand::Show { reference, json } => (l.show(&reference).await?, json),
            ComplaintCommand::List { query, json } => {
                let (items, next_cursor) = query.fetch(&l).await?;
                l.store().close().await;
                return match (json, query.paged()) {
                    (true, true) => print_json(&ListPage {
                        complaints: items,
                        next_cursor,
                    }),
                    (true, false) => print_json(&items),
                    (false, _) => {
                        print!("{}", list_text(&items, ctx.today()));
                        if let Some(c) = next_cursor {
                            println!("more follow: the same command with --cursor {c}");
                        }
                        Ok(())
                    }
                };
            }
            ComplaintCommand::Export {
                reference,
                format,
                output,
            } => {
                let export = l.export(&reference).await?;
                l.store().close().await;
                let text = match format.as_str() {
                    "html" => export.html(),
                    _ => serde_json::to_string_pretty(&export)
                        .map_err(|e| CliError::Failure(e.to_string()))?
                        + "\n",
                };
                return match output {
                    None => {
                        print!("{text}");
                        Ok(())
                    }
                    Some(path) => {
                        use std::io::Write as _;
                        let mut f = std::fs::OpenOptions::new()
                            .write(true)
                            .create_new(true)
                            .open(&path)
                            .map_err(|e| {
                                CliError::Input(format!("{}: {e} (give a new file)", path.display()))
                            })?;
                        f.write_all(text.as_bytes())
                            .and_then(|_| f.sync_all())
                            .map_err(|e| CliError::Failure(format!("{}: {e}", path.display())))?;
                        eprintln!(
                            "wrote {}: complaint {}, {} timeline entries, {} deadlines, {} notifications, {} audit lines",
                            path.display(),
                            reference,
                            export.complaint.timeline.len(),
                            export.complaint.deadlines.len(),
                            export.notifications.len(),
                            export.audit.len()
                        );
                        Ok(())
                    }
                };
            }
            ComplaintCommand::Erase {
                reference,
                reason,
                by,
                json,
            } => {
                let by = Common {
                    by,
                    note: String::new(),
                    json,
                }
                .by();
                let new = l
                    .erase(
                        &reference,
                        Decision {
                            recorded_by: by,
                            reason,
                        },
                    )
                    .await?;
                l.store().close().await;
                if json {
                    return print_json(&serde_json::json!({"erased": reference, "reference": new}));
                }
                println!("{reference} is erased: it is now {new}, with its dates, stages and deadlines kept for the figures");
                return Ok(());
            }
            ComplaintCommand::Audit { reference, json } => {
                let rows = l.audit(&reference).await?;
                l.store().close().await;
                if json {
                    return print_json(&rows);
                }
                for a in rows {
                    println!(
                        "{}  {:<16} {:<28} {}",
                        a.at.format("%Y-%m-%d %H:%M:%SZ"),
                        a.action,
                        a.actor,
                        a.detail
                    );
                }
                return Ok(());
            }
        };
        l.store().close().await;
        if json {
            print_json(&view)
        } else {
            print!("{}", show_text(&view, &l));
            Ok(())
        }
    })
}

fn rag_label(r: Rag) -> &'static str {
    match r {
        Rag::Red => "RED  ",
        Rag::Amber => "AMBER",
        Rag::Green => "GREEN",
        Rag::None => "     ",
    }
}

fn show_text(v: &ComplaintView, l: &Lifecycle) -> String {
    use std::fmt::Write;
    let c = &v.complaint;
    let procedures = l.procedures();
    let p = procedures.get(&c.procedure);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} · {} ({}) · {} · {}",
        c.reference,
        c.procedure,
        c.track,
        c.stage.as_deref().unwrap_or("-"),
        c.status
    );
    let _ = writeln!(
        s,
        "conference {} ({}) · complainant: {} · opened {}",
        c.conference_date,
        c.conference_type,
        c.complainant_role,
        c.opened_at.format("%Y-%m-%d")
    );
    if let Some(r) = &c.referred_to {
        let _ = writeln!(s, "referred to: {r}");
    }
    if let Some(o) = &c.outcome {
        let label = p
            .and_then(|p| p.outcomes.get(o))
            .map(|o| o.label.as_str())
            .unwrap_or("");
        let _ = writeln!(s, "outcome: {o}: {label}");
    }
    let _ = writeln!(s, "as of {}\n\nTimeline", v.as_of);
    for e in &v.timeline {
        let extra = match (e.new_date, e.corrects) {
            (Some(d), Some(c)) => format!(" entry #{c} -> {d}"),
            (Some(d), None) => format!(" -> {d}"),
            _ => String::new(),
        };
        let note = if e.note.is_empty() {
            String::new()
        } else {
            format!("  \"{}\"", e.note)
        };
        let _ = writeln!(
            s,
            "  #{:<4} {}  {:<16} {}{extra}  ({}){note}",
            e.id, e.effective_date, e.kind, e.name, e.recorded_by
        );
    }
    let _ = writeln!(s, "\nDeadlines");
    if v.deadlines.is_empty() {
        let _ = writeln!(s, "  none");
    }
    for d in &v.deadlines {
        let x = &d.derived;
        let status = x.verdict.clone().unwrap_or_default();
        let whose = match x.kind {
            crate::procedure::Kind::Obligation => "obligation",
            crate::procedure::Kind::Window => "window",
        };
        let _ = writeln!(
            s,
            "  {} {:<22} due {}  {:<40} {whose} · {}",
            rag_label(d.rag),
            x.id,
            x.due,
            status,
            x.owner
        );
    }
    s
}

fn list_text(items: &[ListItem], today: NaiveDate) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<16} {:<22} {:<22} {:<21} {:<32} OVERDUE",
        "REFERENCE", "PROCEDURE", "STAGE", "STATUS", "NEXT DUE"
    );
    for i in items {
        let c = &i.complaint;
        let next = i
            .next_due
            .as_ref()
            .map(|d| format!("{} {}", d.due_date, d.deadline))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            s,
            "{:<16} {:<22} {:<22} {:<21} {:<32} {}",
            c.reference,
            c.procedure,
            c.stage.as_deref().unwrap_or("-"),
            c.status,
            next,
            i.overdue
        );
    }
    let _ = writeln!(
        s,
        "{} complaint{} (as of {today})",
        items.len(),
        if items.len() == 1 { "" } else { "s" }
    );
    s
}

#[cfg(test)]
mod tests {
    use super::cli_actor;

    fn actor(vars: &[(&str, &str)], uid: Option<u32>) -> String {
        cli_actor(
            |name| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            },
            uid,
        )
    }

    #[test]
    fn the_audit_names_the_person_behind_sudo_then_the_account_then_the_uid() {
        let sudo = [("SUDO_USER", "alice"), ("USER", "timescales")];
        assert_eq!(actor(&sudo, Some(999)), "cli:alice via sudo as timescales");
        // sudo to one's own account says nothing more.
        assert_eq!(
            actor(&[("SUDO_USER", "bob"), ("USER", "bob")], None),
            "cli:bob"
        );
        assert_eq!(actor(&[("USER", "carol")], Some(1000)), "cli:carol");
        assert_eq!(actor(&[("LOGNAME", "dave")], None), "cli:dave");
        assert_eq!(actor(&[], Some(1000)), "cli:uid 1000");
        assert_eq!(actor(&[], None), "cli:unknown");
    }
}
