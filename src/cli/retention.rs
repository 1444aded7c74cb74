//! `timescales retention run`: anonymise the complaints closed longer ago than
//! `retention.after_close` ([`crate::lifecycle::retention`]), as the service's hourly upkeep
//! does, or list them with `--dry-run`.

use clap::{Args, Subcommand};

use super::{print_json, CliError, Context};

/// `timescales retention ...`
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Anonymise every complaint closed (or referred) and unchanged for retention.after_close.
    /// Example: timescales retention run --dry-run
    Run(RunArgs),
}

/// `timescales retention run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// List the complaints that are due, and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(ctx: &Context, cmd: RetentionCommand) -> Result<(), CliError> {
    let RetentionCommand::Run(args) = cmd;
    let period = ctx
        .settings
        .retention
        .period()
        .map_err(|e| CliError::Config(e.to_string()))?
        .ok_or_else(|| {
            CliError::Config(
                "retention.after_close is not set: nothing is anonymised until it is (for example after_close = \"6 years\" in [retention])".into(),
            )
        })?;
    let rt = super::runtime()?;
    rt.block_on(async {
        let l = ctx.lifecycle().await?;
        let run = l.run_retention(period, args.dry_run).await?;
        l.store().close().await;
        if args.json {
            return print_json(&run);
        }
        let n = run.anonymised.len();
        let verb = if args.dry_run { "due" } else { "anonymised" };
        println!(
            "{n} complaint{} {verb} ({}: closed before {})",
            if n == 1 { "" } else { "s" },
            run.rule,
            run.closed_before.format("%Y-%m-%d %H:%M UTC")
        );
        for (before, after) in &run.anonymised {
            match after {
                Some(a) => println!("{before} -> {a}"),
                None => println!("{before}"),
            }
        }
        Ok(())
    })
}
