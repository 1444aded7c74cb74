//! `timescales procedures list|show|check`.

use std::path::PathBuf;

use clap::Subcommand;

use super::{print_json, CliError, Context};
use crate::procedure::{Kind, Procedure, Procedures};

/// `timescales procedures ...`
#[derive(Debug, Subcommand)]
pub enum ProceduresCommand {
    /// One line per procedure in force: the five shipped ones and any local ones.
    List {
        /// Print JSON (the whole procedures).
        #[arg(long)]
        json: bool,
    },
    /// A procedure in full: who may complain, tracks, stages and owners, every deadline with its
    /// rule, anchor, whose it is and the sentence it comes from.
    Show {
        /// The procedure's id, e.g. durham.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Validate procedure files. Without FILEs: everything in force (shipped and the local
    /// folder), as at start-up. With FILEs: those files, on top of the shipped procedures. Each
    /// problem names the file, line and column; the exit status is 1 when there is any.
    Check {
        /// Procedure or override files to check.
        files: Vec<PathBuf>,
    },
}

pub(super) fn run(ctx: &Context, cmd: ProceduresCommand) -> Result<(), CliError> {
    match cmd {
        ProceduresCommand::List { json } => {
            let set = ctx.procedures()?;
            if json {
                let all: Vec<&Procedure> = set.iter().map(|p| p.as_ref()).collect();
                return print_json(&all);
            }
            println!(
                "{:<22} {:<18} {:>6} {:>6} {:>9}  AUTHORITY",
                "ID", "REGION", "TRACKS", "STAGES", "DEADLINES"
            );
            for p in set.iter() {
                println!(
                    "{:<22} {:<18} {:>6} {:>6} {:>9}  {}",
                    p.id,
                    p.region,
                    p.tracks.len(),
                    p.stages.len(),
                    p.deadlines.len(),
                    p.authority
                );
            }
            Ok(())
        }
        ProceduresCommand::Show { id, json } => {
            let set = ctx.procedures()?;
            let p = find(&set, &id)?;
            if json {
                return print_json(p);
            }
            print!("{}", show(p));
            Ok(())
        }
        ProceduresCommand::Check { files } => {
            let result = if files.is_empty() {
                Procedures::load(ctx.settings.procedures.local_dir.as_deref())
                    .map(|set| set.iter().cloned().collect::<Vec<_>>())
            } else {
                Procedures::check_files(&files)
            };
            match result {
                Ok(list) => {
                    for p in list {
                        println!(
                            "ok  {:<22} {} ({} stages, {} deadlines)",
                            p.id,
                            p.files.join(" + "),
                            p.stages.len(),
                            p.deadlines.len()
                        );
                    }
                    Ok(())
                }
                Err(errors) => Err(CliError::Failure(crate::procedure::summary(&errors))),
            }
        }
    }
}

/// A procedure by id, or an error listing the ids.
pub(super) fn find<'a>(set: &'a Procedures, id: &str) -> Result<&'a Procedure, CliError> {
    set.get(id).map(|p| p.as_ref()).ok_or_else(|| {
        CliError::Input(format!(
            "unknown procedure '{id}': use one of {}",
            set.ids().join(", ")
        ))
    })
}

fn show(p: &Procedure) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "{}: {}", p.id, p.name);
    let _ = writeln!(s, "authority: {}", p.authority);
    if let Some(d) = &p.document {
        let _ = writeln!(s, "document:  {d}");
    }
    let _ = writeln!(s, "calendar:  {} ({})", p.region, p.time_zone.name());
    let _ = writeln!(s, "file:      {}", p.files.join(" + "));
    let _ = writeln!(s, "\nWho may complain");
    for c in &p.complainants {
        let _ = writeln!(s, "  {:<22} \"{}\"", c.role.key(), c.as_written);
    }
    if !p.out_of_scope.is_empty() {
        let _ = writeln!(s, "\nOutside this procedure");
        for o in &p.out_of_scope {
            let _ = writeln!(s, "  {}: {}\n    -> {}", o.id, o.matter, o.referred_to);
        }
    }
    let _ = writeln!(s, "\nTracks");
    for t in &p.tracks {
        match (&t.first_stage, &t.referred_to) {
            (Some(first), _) => {
                let _ = writeln!(s, "  {:<22} {} (starts at {first})", t.id, t.name);
            }
            (None, Some(r)) => {
                let _ = writeln!(s, "  {:<22} {}\n    -> referred to {r}", t.id, t.name);
            }
            _ => {}
        }
    }
    let _ = writeln!(s, "\nStages");
    for st in &p.stages {
        let _ = writeln!(s, "  {}: {}", st.id, st.name);
        let _ = writeln!(s, "    owner:    {}", p.role_name(&st.owner));
        let _ = writeln!(s, "    events:   {}", st.events.join(", "));
        if !st.next.is_empty() {
            let moves: Vec<String> = st
                .next
                .iter()
                .map(|(e, to)| format!("{e} -> {to}"))
                .collect();
            let _ = writeln!(s, "    moves:    {}", moves.join("; "));
        }
        if !st.outcomes.is_empty() {
            let _ = writeln!(s, "    outcomes: {}", st.outcomes.join(", "));
        }
    }
    let _ = writeln!(s, "\nDeadlines");
    if p.deadlines.is_empty() {
        let _ = writeln!(
            s,
            "  none: the document sets no timescales (an authority may add local targets)"
        );
    }
    for d in &p.deadlines {
        let whose = match d.kind {
            Kind::Obligation => "obligation of",
            Kind::Window => "complainant's window; owner",
        };
        let local = if d.local { " [local target]" } else { "" };
        let _ = writeln!(s, "  {} ({}){local}: {}", d.id, d.stage, d.what);
        let _ = writeln!(s, "    rule:   {}", d.rule.after(&d.from));
        if let Some(m) = &d.met_by {
            let _ = writeln!(s, "    met by: {m}");
        }
        if let Some(c) = &d.applies_when {
            let _ = writeln!(s, "    applies only when: {c}");
        }
        let _ = writeln!(s, "    whose:  {whose} {}", p.role_name(&d.owner));
        for q in &d.source {
            let _ = writeln!(s, "    source: \"{q}\"");
        }
        if let Some(i) = &d.interpretation {
            let _ = writeln!(s, "    read:   {i}");
        }
    }
    if !p.discretion.is_empty() {
        let _ = writeln!(s, "\nDiscretion");
        for x in &p.discretion {
            let kind = match x.kind {
                crate::procedure::DiscretionKind::LateAcceptance => "late acceptance",
                crate::procedure::DiscretionKind::Extension => "extension",
            };
            let _ = writeln!(
                s,
                "  {kind} of {}, decided by {}",
                x.deadlines.join(", "),
                p.role_name(&x.who)
            );
            for q in &x.source {
                let _ = writeln!(s, "    source: \"{q}\"");
            }
        }
    }
    s
}
