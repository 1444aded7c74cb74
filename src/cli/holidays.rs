//! `timescales holidays list|coverage|import`: what the calendars hold, how long the official
//! data lasts, and replacing it without a rebuild.

use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use clap::Subcommand;
use serde::Serialize;

use super::{parse_date, parse_region, print_json, CliError, Context};
use crate::calendar::refresh::Assessment;
use crate::calendar::{
    Calendar, Calendars, DayOff, DayOffKind, Division, OfficialData, YearSource,
};
use crate::lifecycle::holidays::{prepare, write, HolidayFeed};

/// `timescales holidays ...`
#[derive(Debug, Subcommand)]
pub enum HolidaysCommand {
    /// List one year's non-working weekdays for a region: bank holidays and closures, each marked
    /// official, computed (from the standing rules) or configured.
    List {
        /// england-and-wales, scotland or northern-ireland. Default: the configured default region.
        #[arg(long, value_name = "REGION", value_parser = parse_region)]
        region: Option<Division>,
        /// The year. Default: this year.
        #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(i32).range(1900..=2200))]
        year: Option<i32>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Which years each region's official GOV.UK data covers, with a warning when it runs out
    /// within 12 months.
    Coverage {
        /// Judge "within 12 months" from this date instead of today (YYYY-MM-DD).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<NaiveDate>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Validate a GOV.UK bank-holidays.json and install it in the holidays folder as
    /// bank-holidays.json, where it is used from the next start or reload for every year it
    /// covers. Prints the bank holidays it adds, removes or renames from today on. A malformed
    /// file is refused and nothing is written; so is one that changes a day that has passed or
    /// covers fewer years than the data in force, unless --force.
    Import {
        /// The file, in GOV.UK's bank-holidays.json shape.
        file: PathBuf,
        /// The holidays folder. Default: calendar.holidays_dir from the config.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Install a well-formed file even though it changes past days or covers fewer years
        /// (putting back an older file on purpose, say).
        #[arg(long)]
        force: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Fetch GOV.UK's bank-holidays.json now (what the service does daily when
    /// calendar.holidays_url is set), validate it as import does and install it when it changes
    /// anything. A running service puts it in force at its next daily refresh, or at once with
    /// `systemctl reload timescales`. Exit status 1 when the file cannot be fetched or is
    /// refused.
    Refresh {
        /// The address. Default: calendar.holidays_url from the config.
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// The holidays folder. Default: calendar.holidays_dir from the config.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Fetch, validate and show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub(super) fn run(ctx: Context, cmd: HolidaysCommand) -> Result<(), CliError> {
    match cmd {
        HolidaysCommand::List { region, year, json } => {
            let calendars = ctx.calendars()?;
            let cal = calendars.get(ctx.region(region));
            let year = year.unwrap_or_else(|| ctx.today().year());
            list(cal, year, json)
        }
        HolidaysCommand::Coverage { as_of, json } => {
            let ctx = ctx.with_today(as_of);
            let calendars = ctx.calendars()?;
            let today = ctx.today();
            let report: Vec<Coverage> = Division::ALL
                .map(|d| Coverage::of(calendars.get(d), today))
                .into();
            if json {
                return print_json(&report);
            }
            for c in &report {
                match (c.first_year, c.last_year) {
                    (Some(a), Some(b)) => println!(
                        "{:<18} official {a}-{b}, ends {}; other years computed from the standing rules",
                        c.region, c.ends.map(|d| d.to_string()).unwrap_or_default()
                    ),
                    _ => println!("{:<18} no official data; every year computed from the standing rules", c.region),
                }
                if !c.missing_years.is_empty() {
                    println!(
                        "{:<18} gaps in the official data: {:?}",
                        "", c.missing_years
                    );
                }
            }
            for c in report.iter().filter(|c| c.runs_out_within_12_months) {
                eprintln!(
                    "warning: official {} data ends {}, within 12 months of {today}: drop a newer GOV.UK bank-holidays.json in the holidays folder or run `timescales holidays import FILE`",
                    c.region,
                    c.ends.map(|d| d.to_string()).unwrap_or_else(|| "(none)".into())
                );
            }
            Ok(())
        }
        HolidaysCommand::Import {
            file,
            dir,
            force,
            json,
        } => import(&ctx, &file, dir, force, json),
        HolidaysCommand::Refresh {
            url,
            dir,
            dry_run,
            json,
        } => refresh(&ctx, url, dir, dry_run, json),
    }
}

#[derive(Serialize)]
struct ListedDay<'a> {
    date: NaiveDate,
    weekday: String,
    #[serde(flatten)]
    day: &'a DayOff,
}

fn list(cal: &Calendar, year: i32, json: bool) -> Result<(), CliError> {
    let (from, to) = match (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) {
        (Some(a), Some(b)) => (a, b),
        _ => return Err(CliError::Input(format!("year {year} is not supported"))),
    };
    let days: Vec<ListedDay> = cal
        .days_off_between(from, to)
        .map(|d| ListedDay {
            date: d.date,
            weekday: d.date.format("%A").to_string(),
            day: d,
        })
        .collect();
    if json {
        #[derive(Serialize)]
        struct Listing<'a> {
            region: Division,
            year: i32,
            source: YearSource,
            days: Vec<ListedDay<'a>>,
        }
        return print_json(&Listing {
            region: cal.division(),
            year,
            source: cal.year_source(year),
            days,
        });
    }
    match cal.official_source(year) {
        Some(file) => println!("# {} {year}: official GOV.UK data ({file})", cal.division()),
        None => println!(
            "# {} {year}: computed from the standing rules; one-off holidays of this year cannot be known",
            cal.division()
        ),
    }
    for d in days {
        let kind = match d.day.kind {
            DayOffKind::Official => "official",
            DayOffKind::Computed => "computed",
            DayOffKind::Configured => "configured",
        };
        println!("{}  {:<9}  {:<10}  {}", d.date, d.weekday, kind, d.day.name);
    }
    Ok(())
}

/// One region's official coverage.
#[derive(Serialize)]
struct Coverage {
    region: Division,
    first_year: Option<i32>,
    last_year: Option<i32>,
    /// Years between the first and last that the official data does not cover.
    missing_years: Vec<i32>,
    /// The last day covered by official data.
    ends: Option<NaiveDate>,
    runs_out_within_12_months: bool,
    files: Vec<String>,
}

impl Coverage {
    fn of(cal: &Calendar, today: NaiveDate) -> Self {
        let years: Vec<i32> = cal.official_years().collect();
        let (first_year, last_year) = (years.first().copied(), years.last().copied());
        let missing_years = match (first_year, last_year) {
            (Some(a), Some(b)) => (a..=b).filter(|y| !years.contains(y)).collect(),
            _ => Vec::new(),
        };
        let ends = last_year.and_then(|y| NaiveDate::from_ymd_opt(y, 12, 31));
        let horizon = today
            .checked_add_months(chrono::Months::new(12))
            .unwrap_or(today);
        let mut files: Vec<String> = years
            .iter()
            .filter_map(|y| cal.official_source(*y).map(str::to_string))
            .collect();
        files.dedup();
        Coverage {
            region: cal.division(),
            first_year,
            last_year,
            missing_years,
            ends,
            runs_out_within_12_months: ends.is_none_or(|e| e < horizon),
            files,
        }
    }
}

/// The holidays folder: `dir`, or calendar.holidays_dir.
fn holidays_dir(ctx: &Context, dir: Option<PathBuf>) -> Result<PathBuf, CliError> {
    dir.or_else(|| ctx.settings.calendar.holidays_dir.clone())
        .ok_or_else(|| {
            CliError::Config(
                "no holidays folder: set calendar.holidays_dir in the config or pass --dir DIR"
                    .into(),
            )
        })
}

/// The calendars in force with `dir` as the holidays folder: what a new file there is judged
/// against (the configured folder's files are not the ones being replaced when `--dir` names
/// another).
fn in_force(ctx: &Context, dir: &std::path::Path) -> Result<Calendars, CliError> {
    Calendars::load(Some(dir), &ctx.settings.calendar.closures)
        .map_err(|e| CliError::Config(e.to_string()))
}

/// What `import` and `refresh` report.
#[derive(Serialize)]
struct Installed<'a> {
    source: &'a str,
    /// `installed`, `would-install`, `unchanged`.
    result: &'static str,
    path: PathBuf,
    #[serde(flatten)]
    assessment: &'a Assessment,
    /// Per region, the years the file covers and how many holidays it lists.
    coverage: Vec<FileCoverage>,
}

#[derive(Serialize)]
struct FileCoverage {
    region: Division,
    first_year: Option<i32>,
    last_year: Option<i32>,
    holidays: usize,
}

fn file_coverage(data: &OfficialData) -> Vec<FileCoverage> {
    Division::ALL
        .iter()
        .map(|d| {
            let years: Vec<i32> = data.years(*d).collect();
            FileCoverage {
                region: *d,
                first_year: years.first().copied(),
                last_year: years.last().copied(),
                holidays: data.divisions[d].values().map(Vec::len).sum(),
            }
        })
        .collect()
}

fn report(r: &Installed, json: bool) -> Result<(), CliError> {
    if json {
        return print_json(r);
    }
    let path = r.path.display();
    match r.result {
        "unchanged" => println!(
            "{}: nothing to change (the data in force already says the same); {path} left as it is",
            r.source
        ),
        "would-install" => println!("{}: would install as {path} (--dry-run: nothing written)", r.source),
        _ => println!(
            "installed {path} from {}; in force from the next start or reload (systemctl reload timescales)",
            r.source
        ),
    }
    for c in &r.coverage {
        match (c.first_year, c.last_year) {
            (Some(a), Some(b)) => {
                println!("{:<18} {a}-{b}, {} holidays", c.region.key(), c.holidays)
            }
            _ => println!("{:<18} no events", c.region.key()),
        }
    }
    let lines = r.assessment.lines();
    if lines.is_empty() && r.result != "unchanged" {
        println!("no bank holiday from today on changes");
    }
    for line in lines {
        println!("  {line}");
    }
    Ok(())
}

fn import(
    ctx: &Context,
    file: &std::path::Path,
    dir: Option<PathBuf>,
    force: bool,
    json: bool,
) -> Result<(), CliError> {
    let name = file.display().to_string();
    let text =
        std::fs::read_to_string(file).map_err(|e| CliError::Input(format!("{name}: {e}")))?;
    let dir = holidays_dir(ctx, dir)?;
    let cal = &ctx.settings.calendar;
    let prepared = prepare(
        &name,
        text,
        &dir,
        &cal.closures,
        &in_force(ctx, &dir)?,
        ctx.today(),
    )
    .map_err(|e| CliError::Input(e.to_string()))?;
    match &prepared.refusal {
        Some(e) if force => eprintln!("warning: {e}; installing it all the same (--force)"),
        Some(e) => {
            return Err(CliError::Input(format!(
                "{e}; pass --force to install it all the same"
            )))
        }
        None => {}
    }
    let assessment = prepared.assessment;
    let path = write(&dir, &prepared.json).map_err(|e| CliError::Failure(e.to_string()))?;
    report(
        &Installed {
            source: &name,
            result: "installed",
            path,
            assessment: &assessment,
            coverage: file_coverage(&prepared.data),
        },
        json,
    )
}

fn refresh(
    ctx: &Context,
    url: Option<String>,
    dir: Option<PathBuf>,
    dry_run: bool,
    json: bool,
) -> Result<(), CliError> {
    let dir = holidays_dir(ctx, dir)?;
    let url = url
        .or_else(|| ctx.settings.calendar.holidays_url.clone())
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| {
            CliError::Config(
                "no address to fetch: set calendar.holidays_url in the config (GOV.UK's is https://www.gov.uk/bank-holidays.json) or pass --url URL".into(),
            )
        })?;
    let feed = HolidayFeed::new(&url, &dir, &ctx.settings.calendar.closures)
        .map_err(|e| CliError::Input(format!("--url: {e}")))?;
    let current = in_force(ctx, &dir)?;
    let text = super::runtime()?
        .block_on(feed.fetch())
        .map_err(|e| CliError::Failure(e.to_string()))?;
    let source = feed.shown();
    let prepared = feed
        .prepare(text, &current, ctx.today())
        .map_err(|e| CliError::Failure(e.to_string()))?;
    if let Some(e) = prepared.refusal {
        return Err(CliError::Failure(e.to_string()));
    }
    let assessment = prepared.assessment;
    let (result, path) = if !assessment.differs {
        ("unchanged", dir.join(crate::calendar::refresh::FILE_NAME))
    } else if dry_run {
        (
            "would-install",
            dir.join(crate::calendar::refresh::FILE_NAME),
        )
    } else {
        let path = write(&dir, &prepared.json).map_err(|e| CliError::Failure(e.to_string()))?;
        ("installed", path)
    };
    report(
        &Installed {
            source: &source,
            result,
            path,
            assessment: &assessment,
            coverage: file_coverage(&prepared.data),
        },
        json,
    )
}
