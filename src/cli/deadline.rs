//! `timescales deadline`: one due date, or a CSV batch of them.

use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use serde::Serialize;

use super::{parse_date, parse_region, print_json, CliError, Context};
use crate::calendar::{Calendar, CalendarError, Calendars, Division, Roll, Span, Trigger};
use crate::deadline::{due_instant, Explanation, Rule, Unit};

const AFTER: &str = "\
Counting (docs/deadlines.md has every rule with examples):
  --working-days N   the --from date is day 0; when it is not a working day, day 0 is the next
                     working day. The due date is working day N. With --as-is, day 1 is the
                     first working day after --from whatever day --from is.
  --calendar-days N  --from + N days.       --months N  the same day N months later, clamped to
                     the month's end (2027-01-31 + 1 month = 2027-02-28).
  --roll             for calendar days and months: move a due date that is not a working day
                     forward or backward onto one (default none).

Batch: a CSV with header region,from,unit,count,roll (unit: working-days, calendar-days or
months; region and roll may be empty) is written back with a due column appended.

Examples:
  timescales deadline --from 2026-12-18 --working-days 10            # 2027-01-06
  timescales deadline --from 2026-12-18 --working-days 10 --region scotland --explain
  timescales deadline --from 2027-01-31 --months 1 --json
  timescales deadline --batch - < rows.csv";

/// Arguments of `timescales deadline`.
#[derive(Debug, Args)]
#[command(after_help = AFTER)]
pub struct DeadlineArgs {
    /// The trigger date the timescale counts from (YYYY-MM-DD): the conference, receipt of the
    /// complaint, a meeting, a letter.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: Option<NaiveDate>,
    /// Count N working days (Monday to Friday, less bank holidays and closures).
    #[arg(long, value_name = "N", allow_negative_numbers = true, group = "count")]
    working_days: Option<i64>,
    /// Count N calendar days.
    #[arg(long, value_name = "N", allow_negative_numbers = true, group = "count")]
    calendar_days: Option<i64>,
    /// Count N calendar months.
    #[arg(long, value_name = "N", allow_negative_numbers = true, group = "count")]
    months: Option<i64>,
    /// Move a calendar-day or month due date that is not a working day: none, forward, backward.
    #[arg(long, value_name = "ROLL", value_parser = |s: &str| s.parse::<Roll>())]
    roll: Option<Roll>,
    /// Working days only: day 1 is the first working day after --from, even when --from is not a
    /// working day.
    #[arg(long)]
    as_is: bool,
    /// The bank-holiday calendar: england-and-wales, scotland or northern-ireland. Default: the
    /// configured default region (england-and-wales out of the box).
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    region: Option<Division>,
    /// Show the working: day 0, each skipped holiday by name, and whether each year came from
    /// official data or the standing rules.
    #[arg(long)]
    explain: bool,
    /// Print JSON (always with the working) instead of text.
    #[arg(long)]
    json: bool,
    /// Compute every row of a CSV FILE (`-` for standard input); see below.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["from", "working_days", "calendar_days", "months", "roll", "as_is", "region", "explain", "json"])]
    batch: Option<PathBuf>,
}

/// The JSON document of `timescales deadline --json`.
#[derive(Serialize)]
struct DeadlineJson<'a> {
    #[serde(flatten)]
    explanation: &'a Explanation,
    /// The end of the due day in the organisation's time zone, in UTC.
    due_instant: String,
    time_zone: String,
}

pub(super) fn run(ctx: &Context, args: DeadlineArgs) -> Result<(), CliError> {
    let calendars = ctx.calendars()?;
    if let Some(path) = &args.batch {
        return batch(ctx, &calendars, path);
    }
    let from = args
        .from
        .ok_or_else(|| CliError::Input("--from DATE is required (or --batch FILE)".into()))?;
    let (count, unit) = match (args.working_days, args.calendar_days, args.months) {
        (Some(n), _, _) => (n, Unit::WorkingDays),
        (_, Some(n), _) => (n, Unit::CalendarDays),
        (_, _, Some(n)) => (n, Unit::Months),
        _ => {
            return Err(CliError::Input(
                "give one of --working-days N, --calendar-days N or --months N".into(),
            ))
        }
    };
    let trigger = if args.as_is {
        Trigger::AsIs
    } else {
        Trigger::NextWorkingDay
    };
    let rule = build_rule(count, unit, args.roll.unwrap_or_default(), trigger)?;
    let region = ctx.region(args.region);
    // The years this question can reach, not 1900-2200 (see `Span`); an answer beyond them is
    // asked again of the whole range (the same data, widened), which also gives the error a date
    // truly outside has.
    let mut narrowed = calendars.within(rule.reach(from));
    let answer = |calendar: &Calendar| -> Result<Answer, CalendarError> {
        if args.explain || args.json {
            Ok(Answer::Explained(rule.explain(calendar, from)?))
        } else {
            let due = rule.due(calendar, from)?;
            calendar.depends_on_computed(from, due);
            Ok(Answer::Due(due))
        }
    };
    let answer = match answer(narrowed.get(region)) {
        Err(CalendarError::OutOfRange(_) | CalendarError::ResultOutOfRange { .. }) => {
            narrowed = narrowed.within(Span::FULL);
            answer(narrowed.get(region))?
        }
        other => other?,
    };
    // A one-shot command: its tables go back to the system with the process rather than a free
    // at a time (dropping them was a twentieth of the command's instructions).
    std::mem::forget(narrowed);
    match answer {
        Answer::Explained(explanation) => {
            if args.json {
                let tz = ctx.settings.calendar.time_zone;
                print_json(&DeadlineJson {
                    explanation: &explanation,
                    due_instant: due_instant(explanation.due, tz)
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    time_zone: tz.name().to_string(),
                })
            } else {
                print!("{}", explanation.to_text());
                Ok(())
            }
        }
        Answer::Due(due) => {
            println!("{due}");
            Ok(())
        }
    }
}

/// What `timescales deadline` prints for one question.
enum Answer {
    Due(NaiveDate),
    Explained(Explanation),
}

/// A rule from its parts, refusing combinations that mean nothing.
fn build_rule(count: i64, unit: Unit, roll: Roll, trigger: Trigger) -> Result<Rule, CliError> {
    let rule = Rule::parse(count, unit).map_err(CliError::Input)?;
    if unit == Unit::WorkingDays && roll != Roll::None {
        return Err(CliError::Input(format!(
            "roll '{}' applies to calendar days and months: a working-day due date is always a working day",
            roll_key(roll)
        )));
    }
    if unit != Unit::WorkingDays && trigger == Trigger::AsIs {
        return Err(CliError::Input(
            "--as-is applies to working days: calendar days and months count from the date itself"
                .into(),
        ));
    }
    Ok(rule.rolled(roll).triggered(trigger))
}

fn roll_key(roll: Roll) -> &'static str {
    match roll {
        Roll::None => "none",
        Roll::Forward => "forward",
        Roll::Backward => "backward",
    }
}

/// The CSV batch: rows in, the same rows with `due` appended out, in order. A bad row stops the
/// run with its line number and the reason; rows before it have been written.
fn batch(ctx: &Context, calendars: &Calendars, path: &std::path::Path) -> Result<(), CliError> {
    let input: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(path)
                .map_err(|e| CliError::Input(format!("{}: {e}", path.display())))?,
        )
    };
    let stdout = std::io::stdout().lock();
    run_batch(
        BufReader::with_capacity(1 << 16, input),
        BufWriter::with_capacity(1 << 16, stdout),
        calendars,
        ctx.region(None),
    )
}

/// The batch over any reader and writer.
pub(crate) fn run_batch(
    input: impl BufRead,
    output: impl Write,
    calendars: &Calendars,
    default_region: Division,
) -> Result<(), CliError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let mut writer = csv::WriterBuilder::new().from_writer(output);
    let io = |e: csv::Error| CliError::Failure(format!("writing the batch output: {e}"));
    let headers = reader
        .headers()
        .map_err(|e| CliError::Input(format!("line 1: {e}")))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let missing = |name: &str| {
        CliError::Input(format!(
            "line 1: missing column '{name}': the header must name region,from,unit,count,roll"
        ))
    };
    let region_col = column("region").ok_or_else(|| missing("region"))?;
    let from_col = column("from").ok_or_else(|| missing("from"))?;
    let unit_col = column("unit").ok_or_else(|| missing("unit"))?;
    let count_col = column("count").ok_or_else(|| missing("count"))?;
    let roll_col = column("roll");
    let mut out_headers = headers.clone();
    out_headers.push_field("due");
    writer.write_record(&out_headers).map_err(io)?;

    let mut record = csv::StringRecord::new();
    let mut due_buf = String::with_capacity(10);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(CliError::Input(format!("line {line}: {e}")));
            }
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let bad = |msg: String| CliError::Input(format!("line {line}: {msg}"));
        let field = |i: usize| record.get(i).unwrap_or("");
        let region = match field(region_col) {
            "" => default_region,
            r => r.parse::<Division>().map_err(|e| bad(e.to_string()))?,
        };
        let from = parse_date(field(from_col)).map_err(bad)?;
        let unit = match field(unit_col) {
            "" => {
                return Err(bad(
                    "missing unit: expected working-days, calendar-days or months".into(),
                ))
            }
            u => u.parse::<Unit>().map_err(bad)?,
        };
        let count: i64 = field(count_col).parse().map_err(|_| {
            bad(format!(
                "count '{}' is not a whole number",
                crate::text::quoted(field(count_col))
            ))
        })?;
        let roll = match roll_col {
            Some(i) => field(i).parse::<Roll>().map_err(bad)?,
            None => Roll::None,
        };
        let rule = build_rule(count, unit, roll, Trigger::NextWorkingDay)
            .map_err(|e| bad(e.message().to_string()))?;
        let calendar = calendars.get(region);
        let due = rule.due(calendar, from).map_err(|e| bad(e.to_string()))?;
        calendar.depends_on_computed(from, due);
        due_buf.clear();
        use std::fmt::Write as _;
        let _ = write!(due_buf, "{due}");
        record.push_field(&due_buf);
        writer.write_record(&record).map_err(io)?;
    }
    writer
        .flush()
        .map_err(|e| CliError::Failure(format!("writing the batch output: {e}")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(csv: &str) -> Result<String, String> {
        let cals = Calendars::embedded();
        let mut out = Vec::new();
        run_batch(csv.as_bytes(), &mut out, &cals, Division::EnglandAndWales)
            .map(|_| String::from_utf8(out).unwrap())
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn a_batch_appends_the_due_date_to_every_row_in_order() {
        let out = run("region,from,unit,count,roll\n\
                       england-and-wales,2026-12-18,working-days,10,\n\
                       scotland,2026-12-18,working-days,10,\n\
                       ,2027-01-31,months,1,\n\
                       england-and-wales,2027-01-02,calendar-days,0,forward\n")
        .unwrap();
        assert_eq!(
            out,
            "region,from,unit,count,roll,due\n\
             england-and-wales,2026-12-18,working-days,10,,2027-01-06\n\
             scotland,2026-12-18,working-days,10,,2027-01-07\n\
             ,2027-01-31,months,1,,2027-02-28\n\
             england-and-wales,2027-01-02,calendar-days,0,forward,2027-01-04\n"
        );
    }

    #[test]
    fn a_huge_bad_field_is_quoted_short() {
        let head = "region,from,unit,count,roll\n";
        let huge = "x".repeat(5_000_000);
        for (row, start) in [
            (
                format!("{huge},2026-12-18,working-days,10,\n"),
                "line 2: unknown region 'xxx",
            ),
            (
                format!("scotland,{huge},working-days,10,\n"),
                "line 2: 'xxx",
            ),
            (
                format!("scotland,2026-12-18,{huge},10,\n"),
                "line 2: unknown unit 'xxx",
            ),
            (
                format!("scotland,2026-12-18,working-days,{huge},\n"),
                "line 2: count 'xxx",
            ),
            (
                format!("scotland,2026-12-18,working-days,10,{huge}\n"),
                "line 2: unknown roll 'xxx",
            ),
        ] {
            let e = run(&format!("{head}{row}")).unwrap_err();
            assert!(e.starts_with(start), "{}", &e[..100]);
            assert!(
                e.contains("... (5000000 characters in all)"),
                "{}",
                &e[..100]
            );
            assert!(e.len() < 200, "{} characters", e.len());
        }
    }

    #[test]
    fn a_bad_row_stops_the_batch_with_its_line_number() {
        let head = "region,from,unit,count,roll\nscotland,2026-12-18,working-days,10,\n";
        assert_eq!(
            run(&format!("{head}wales,2026-12-18,working-days,10,\n")).unwrap_err(),
            "line 3: unknown region 'wales': expected one of england-and-wales, scotland, northern-ireland"
        );
        assert_eq!(
            run(&format!("{head}scotland,2026-02-30,working-days,10,\n")).unwrap_err(),
            "line 3: '2026-02-30' is not a date: expected YYYY-MM-DD, e.g. 2026-12-18"
        );
        assert_eq!(
            run(&format!("{head}scotland,2026-12-18,,10,\n")).unwrap_err(),
            "line 3: missing unit: expected working-days, calendar-days or months"
        );
        assert_eq!(
            run(&format!("{head}scotland,2026-12-18,working-days,-1,\n")).unwrap_err(),
            "line 3: count -1 is negative: a timescale counts forward from its trigger"
        );
        assert_eq!(
            run("region,from,count\n").unwrap_err(),
            "line 1: missing column 'unit': the header must name region,from,unit,count,roll"
        );
    }
}
