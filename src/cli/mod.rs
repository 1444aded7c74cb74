//! The command line: a thin face that turns arguments into calls on the library and results into
//! text, CSV or JSON. No rule of the domain lives here.
//!
//! Exit status: 0 done; 1 a failure of the machine (a file that cannot be written); 2 bad input
//! (an impossible date, an unknown region, a malformed file), with one line naming the bad value;
//! 78 (`EX_CONFIG`) a config that cannot be used.

mod backup;
mod complaint;
mod deadline;
mod doctor;
mod holidays;
mod plan;
mod procedures;
mod report;
mod retention;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::calendar::{CalendarError, Calendars, Division};
use crate::clock::{Clock, FixedClock, SystemClock};
use crate::config::Settings;

const EXAMPLES: &str = "\
Examples:
  timescales deadline --from 2026-12-18 --working-days 10
  timescales deadline --from 2026-12-18 --working-days 10 --region scotland --explain
  timescales deadline --from 2027-01-31 --months 1 --roll forward --json
  timescales deadline --batch deadlines.csv > due.csv
  timescales holidays list --region northern-ireland --year 2027
  timescales holidays coverage
  timescales procedures list
  timescales procedures show durham
  timescales plan --procedure durham --event conference=2026-12-11 --event concerns-received=2026-12-23 --as-of 2027-01-05";

/// Keeps UK child protection conference complaints on time.
///
/// Computes working-day, calendar-day and calendar-month deadlines against the UK bank-holiday
/// calendars (england-and-wales, scotland, northern-ireland), exactly as docs/deadlines.md spells
/// out.
#[derive(Debug, Parser)]
#[command(name = "timescales", version, after_help = EXAMPLES)]
pub struct Cli {
    /// Config file (TOML). Default: /etc/timescales/timescales.toml when it exists, else built-in
    /// defaults. Environment variables TIMESCALES__SECTION__KEY override it.
    #[arg(long, global = true, env = "TIMESCALES_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,

    /// Pretend the time is this instant (RFC 3339) or noon UTC on this date, running on from
    /// there: for tests and rehearsals, never for a live service.
    #[arg(long, global = true, env = "TIMESCALES_NOW", value_name = "TIME", hide = true, value_parser = parse_now)]
    now: Option<chrono::DateTime<chrono::Utc>>,

    /// How log lines are written: auto (journald under systemd, else text), human, json, or
    /// journald. The level comes from TIMESCALES_LOG (e.g. debug).
    #[arg(
        long,
        global = true,
        env = "TIMESCALES_LOG_FORMAT",
        value_name = "FORMAT",
        default_value = "auto"
    )]
    log_format: crate::telemetry::Format,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compute a due date: N working days, calendar days or months after a date.
    Deadline(deadline::DeadlineArgs),
    /// Inspect and update the bank-holiday data.
    #[command(subcommand)]
    Holidays(holidays::HolidaysCommand),
    /// List, show and check the complaint procedures.
    #[command(subcommand)]
    Procedures(procedures::ProceduresCommand),
    /// What-if: the deadlines a procedure gives for the events you name, and where each stands.
    Plan(plan::PlanArgs),
    /// Record complaints and what happens to them; show, list and audit them.
    #[command(subcommand)]
    Complaint(complaint::ComplaintCommand),
    /// Run the service: the HTTP API, keeping every stored deadline true.
    Serve(serve::ServeArgs),
    /// The configuration in force: `config check` validates everything a start would (settings,
    /// procedures, that every role owning a deadline reaches someone, holiday data, tokens) and
    /// prints each setting, where it came from, secrets redacted.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Check everything the service depends on (config, procedures, routing of every role,
    /// holiday data, time zone and clock, database, API tokens, SMTP, each chat webhook) and say
    /// what to fix. Exit 1 when a check fails. Changes nothing; `--send-test` also sends a test
    /// message.
    Doctor(doctor::DoctorArgs),
    /// Copy the SQLite store to FILE as it stands, while the service runs (for PostgreSQL, use
    /// pg_dump). Example: timescales backup /var/backups/timescales-$(date +%F).db
    Backup(backup::BackupArgs),
    /// Put a backup in the store's place: the service must be stopped, and a backup from a newer
    /// version is refused. The database it replaces is kept beside it.
    Restore(backup::RestoreArgs),
    /// The compliance report: per procedure and deadline, how many fell due in a period, were
    /// met on time or late (median and worst working days late), extended, not applicable,
    /// unmet or still open; the complaints by outcome and stage reached. Default: this
    /// financial year. Example: timescales report --from 2026-04-01 --to 2027-03-31 --format csv
    Report(report::ReportArgs),
    /// Anonymise complaints closed longer ago than retention.after_close (the service does it
    /// hourly); `--dry-run` lists them.
    #[command(subcommand)]
    Retention(retention::RetentionCommand),
    /// Write a commented starter config (the shipped one: every key, its default and why).
    Init {
        /// Where to write it.
        #[arg(long, value_name = "PATH", default_value = crate::config::DEFAULT_CONFIG_PATH)]
        output: PathBuf,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
}

/// `timescales config ...`
#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Validate the configuration and print every setting with its source.
    Check {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Why a command failed, which decides the exit status.
#[derive(Debug)]
pub enum CliError {
    /// Bad input: exit 2.
    Input(String),
    /// An unusable config: exit 78.
    Config(String),
    /// Anything else: exit 1.
    Failure(String),
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) => 2,
            CliError::Config(_) => 78,
            CliError::Failure(_) => 1,
        }
    }

    fn message(&self) -> &str {
        match self {
            CliError::Input(m) | CliError::Config(m) | CliError::Failure(m) => m,
        }
    }
}

impl From<crate::daemon::DaemonError> for CliError {
    fn from(e: crate::daemon::DaemonError) -> Self {
        match e {
            crate::daemon::DaemonError::Config(m) => CliError::Config(m),
            crate::daemon::DaemonError::Failure(m) => CliError::Failure(m),
        }
    }
}

impl From<CalendarError> for CliError {
    fn from(e: CalendarError) -> Self {
        CliError::Input(e.to_string())
    }
}

/// What every command may need, loaded once.
pub(crate) struct Context {
    pub settings: Settings,
    pub clock: std::sync::Arc<dyn Clock>,
    /// `--config`, for reloading the same file.
    pub config_path: Option<PathBuf>,
}

impl Context {
    /// The calendars from the embedded data, the holidays folder and the configured closures. A
    /// broken file in the holidays folder is a config error: the service would refuse to start.
    pub fn calendars(&self) -> Result<Calendars, CliError> {
        let cal = &self.settings.calendar;
        Calendars::load(cal.holidays_dir.as_deref(), &cal.closures)
            .map_err(|e| CliError::Config(e.to_string()))
    }

    /// The procedures in force. An invalid one is a config error: every problem is listed, and
    /// the service would refuse to start.
    pub fn procedures(&self) -> Result<crate::procedure::Procedures, CliError> {
        crate::procedure::Procedures::load(self.settings.procedures.local_dir.as_deref())
            .map_err(|errors| CliError::Config(crate::procedure::summary(&errors)))
    }

    /// The complaint service over the configured store, built as the service builds its own
    /// ([`crate::daemon::open_lifecycle`]): a command changes only the complaint it names,
    /// deriving and planning it under the procedures, holidays and `[notify]` in force; bringing
    /// every stored complaint up to date, and proposing closures, is the service's upkeep, so a
    /// command and the service never rewrite each other's fingerprints.
    pub async fn lifecycle(&self) -> Result<crate::lifecycle::Lifecycle, CliError> {
        Ok(crate::daemon::open_lifecycle(&self.settings, self.clock.clone()).await?)
    }

    pub fn region(&self, given: Option<Division>) -> Division {
        given.unwrap_or(self.settings.calendar.default_region)
    }

    pub fn today(&self) -> NaiveDate {
        self.clock.today(self.settings.calendar.time_zone)
    }

    pub fn with_today(mut self, as_of: Option<NaiveDate>) -> Self {
        if let Some(d) = as_of {
            self.clock = std::sync::Arc::new(FixedClock::at_noon(d));
        }
        self
    }
}

/// Runs the command line and returns the exit status.
pub fn main() -> ExitCode {
    let cli = match parse_arguments() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::from(
                    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        2
                    } else {
                        0
                    },
                );
            }
            // One line naming the bad value; clap's usage block is noise for a script's log.
            let rendered = e.render().to_string();
            let line = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("error: bad arguments");
            let line = line.strip_prefix("error: ").unwrap_or(line);
            eprintln!("timescales: {line} (see --help)");
            return ExitCode::from(2);
        }
    };
    let serving = matches!(cli.command, Command::Serve(_));
    if serving {
        crate::telemetry::init(crate::telemetry::Style::Service, cli.log_format, "info");
    } else {
        crate::telemetry::init(crate::telemetry::Style::Command, cli.log_format, "warn");
        quiet_on_broken_pipe();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("timescales: {}", e.message());
            ExitCode::from(e.exit_code())
        }
    }
}

/// The arguments, read as `Cli::try_parse` reads them, except that the parser's tree (every
/// command's options, help and checks) is left for the process's end to give back instead of
/// being freed a node at a time: that was a twentieth of a one-shot command's instructions.
fn parse_arguments() -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let mut command = Cli::command();
    let parsed = command
        .try_get_matches_from_mut(std::env::args_os())
        .and_then(|matches| Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command)));
    std::mem::forget(command);
    parsed
}

fn run(cli: Cli) -> Result<(), CliError> {
    if let Command::Init { output, force } = &cli.command {
        return init(output, *force);
    }
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        // The doctor reports a broken config as its first finding.
        Err(e) => {
            if let Command::Doctor(args) = &cli.command {
                return Err(doctor::config_failed(&e.to_string(), args.json()));
            }
            return Err(CliError::Config(e.to_string()));
        }
    };
    let clock: std::sync::Arc<dyn Clock> = match cli.now {
        Some(t) => std::sync::Arc::new(crate::clock::OffsetClock::starting_at(t)),
        None => std::sync::Arc::new(SystemClock),
    };
    let ctx = Context {
        settings,
        clock,
        config_path: cli.config.clone(),
    };
    match cli.command {
        Command::Deadline(args) => deadline::run(&ctx, args),
        Command::Holidays(cmd) => holidays::run(ctx, cmd),
        Command::Procedures(cmd) => procedures::run(&ctx, cmd),
        Command::Plan(args) => plan::run(&ctx, args),
        Command::Complaint(cmd) => complaint::run(&ctx, cmd),
        Command::Serve(args) => serve::run(&ctx, args),
        Command::Doctor(args) => doctor::run(&ctx, args),
        Command::Backup(args) => backup::backup(&ctx, args),
        Command::Report(args) => report::run(&ctx, args),
        Command::Retention(cmd) => retention::run(&ctx, cmd),
        Command::Restore(args) => backup::restore(&ctx, args),
        Command::Init { output, force } => init(&output, force),
        Command::Config(ConfigCommand::Check { json }) => {
            let procedures = ctx.procedures()?;
            let routing =
                crate::daemon::routing(&ctx.settings, &procedures).map_err(CliError::Config)?;
            ctx.calendars()?;
            crate::api::load_tokens(&ctx.settings.api)
                .map_err(|e| CliError::Config(e.to_string()))?;
            let rows = ctx
                .settings
                .provenance(ctx.config_path.as_deref(), std::env::vars());
            if let Some(note) = crate::daemon::fallback_note(&routing) {
                eprintln!("note: {note}");
            }
            if !routing.on {
                eprintln!(
                    "note: notifications are off: no role has a destination ([notify.roles.ROLE])"
                );
            }
            if json {
                let v: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(k, v, src)| serde_json::json!({"key": k, "value": v, "source": src}))
                    .collect();
                return print_json(&v);
            }
            let width = rows
                .iter()
                .map(|r| r.0.len() + r.1.len() + 3)
                .max()
                .unwrap_or(0)
                .min(72);
            for (k, v, src) in rows {
                let setting = format!("{k} = {v}");
                println!("{setting:<width$}  # {src}");
            }
            eprintln!(
                "configuration valid: settings, procedures, routing, holiday data and API tokens"
            );
            Ok(())
        }
    }
}

/// The shipped, commented config.
const STARTER_CONFIG: &str = include_str!("../../config/timescales.toml");

fn init(output: &std::path::Path, force: bool) -> Result<(), CliError> {
    if output.exists() && !force {
        return Err(CliError::Input(format!(
            "{} already exists: edit it, or pass --force to replace it",
            output.display()
        )));
    }
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::Failure(format!("{}: {e}", dir.display())))?;
    }
    std::fs::write(output, STARTER_CONFIG)
        .map_err(|e| CliError::Failure(format!("{}: {e}", output.display())))?;
    // The next steps name the file when it is not where every command looks by default.
    let config = if output == std::path::Path::new(crate::config::DEFAULT_CONFIG_PATH) {
        String::new()
    } else {
        format!(" --config {}", output.display())
    };
    println!(
        "wrote {}: set [notify.roles], [notify.smtp] and [[notify.chat]], then check it with \
         `timescales{config} config check` (every setting and where it came from) and \
         `timescales{config} doctor` (database, mail server, webhooks, clock), and start the service",
        output.display()
    );
    Ok(())
}

fn parse_now(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Some(d) = parse_iso_date(s) {
        return Ok(FixedClock::at_noon(d).now());
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| format!("'{s}' is neither YYYY-MM-DD nor an RFC 3339 time"))
}

/// A command whose output is cut short (`| head`) ends quietly, as Unix tools do, instead of
/// panicking on the failed write: the default action of SIGPIPE, which Rust programs ignore.
/// The service keeps ignoring it: a closed socket is an error it handles.
fn quiet_on_broken_pipe() {
    #[cfg(unix)]
    {
        extern "C" {
            fn signal(signum: std::os::raw::c_int, handler: usize) -> usize;
        }
        const SIGPIPE: std::os::raw::c_int = 13;
        const SIG_DFL: usize = 0;
        // SAFETY: restores the default disposition of one signal before any thread is started;
        // no handler code is involved.
        unsafe {
            signal(SIGPIPE, SIG_DFL);
        }
    }
}

pub use crate::text::{parse_date, parse_iso_date};

/// The runtime a command that talks to the store or the network runs on: one thread, as a
/// command does one thing at a time.
fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failure(format!("cannot start the runtime: {e}")))
}

fn parse_region(s: &str) -> Result<Division, String> {
    s.parse::<Division>().map_err(|e| e.to_string())
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    let s = serde_json::to_string_pretty(value).map_err(|e| CliError::Failure(e.to_string()))?;
    println!("{s}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_be_exactly_iso() {
        assert_eq!(
            parse_iso_date("2026-12-18"),
            NaiveDate::from_ymd_opt(2026, 12, 18)
        );
        for bad in [
            "2026-2-18",
            "2026-02-30",
            "18/12/2026",
            "2026-12-1x",
            "",
            "+2026-12-18",
        ] {
            assert_eq!(parse_iso_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
