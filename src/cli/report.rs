//! `timescales report`: the compliance report ([`crate::report`]) as a table, CSV or JSON.

use chrono::NaiveDate;
use clap::{Args, ValueEnum};

use super::{parse_date, print_json, CliError, Context};
use crate::report::Report;

/// `timescales report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The first due date counted (YYYY-MM-DD). Default: 1 April of this financial year.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: Option<NaiveDate>,
    /// The last due date counted (YYYY-MM-DD). Default: 31 March that ends this financial year.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    to: Option<NaiveDate>,
    /// Only this procedure (an id from `timescales procedures list`).
    #[arg(long, value_name = "ID")]
    procedure: Option<String>,
    /// table: for people; csv: one row a deadline, for a spreadsheet; json: everything,
    /// outcomes, stages reached and months included; html: one page with a chart of the
    /// duties met on time by month (redirect it to a file).
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
    Html,
}

pub(super) fn run(ctx: &Context, args: ReportArgs) -> Result<(), CliError> {
    let (default_from, default_to) = crate::report::financial_year(ctx.today());
    let (from, to) = (
        args.from.unwrap_or(default_from),
        args.to.unwrap_or(default_to),
    );
    let report = super::runtime()?.block_on(async {
        let l = ctx.lifecycle().await?;
        let report = l.report(from, to, args.procedure.as_deref()).await;
        l.store().close().await;
        Ok::<_, CliError>(report?)
    })?;
    match args.format {
        Format::Json => print_json(&report),
        Format::Html => {
            print!("{}", report.html());
            Ok(())
        }
        Format::Csv => csv(&report),
        Format::Table => {
            table(&report);
            Ok(())
        }
    }
}

fn csv(report: &Report) -> Result<(), CliError> {
    report
        .write_csv(std::io::stdout().lock())
        .map_err(|e| CliError::Failure(format!("stdout: {e}")))
}

fn table(report: &Report) {
    println!(
        "Compliance report: deadlines due {} to {} (overdue as of {})",
        report.from.format("%-d %b %Y"),
        report.to.format("%-d %b %Y"),
        report.as_of.format("%-d %b %Y")
    );
    if report.procedures.is_empty() {
        println!("\nNo deadline fell due in the period.");
        return;
    }
    for p in &report.procedures {
        println!(
            "\n{} ({}): {} complaint{}",
            p.name,
            p.procedure,
            p.complaints,
            if p.complaints == 1 { "" } else { "s" }
        );
        println!(
            "  {:<40} {:<6} {:>5} {:>7} {:>5} {:>6} {:>5} {:>8} {:>4} {:>5} {:>10} {:>5} {:>7} {:>8}",
            "deadline",
            "kind",
            "due",
            "on time",
            "late",
            "median",
            "worst",
            "extended",
            "n/a",
            "unmet",
            "not needed",
            "open",
            "overdue",
            "on time%"
        );
        for f in &p.deadlines {
            let v = f.counts();
            let what: String = if f.what.chars().count() > 40 {
                f.what.chars().take(39).chain(['…']).collect()
            } else {
                f.what.clone()
            };
            let kind = if f.kind == "window" { "window" } else { "duty" };
            println!(
                "  {what:<40} {kind:<6} {:>5} {:>7} {:>5} {:>6} {:>5} {:>8} {:>4} {:>5} {:>10} {:>5} {:>7} {:>8}",
                v[0],
                v[1],
                v[2],
                v[3],
                v[4],
                v[5],
                v[6],
                v[7],
                v[8],
                v[9],
                v[10],
                f.on_time_percent
                    .map(|p| format!("{p:.1}%"))
                    .unwrap_or_else(|| "-".into())
            );
        }
        let counts = |c: &[crate::report::Count]| {
            c.iter()
                .map(|c| format!("{} {}", c.label, c.count))
                .collect::<Vec<_>>()
                .join("; ")
        };
        println!("  by outcome: {}", counts(&p.by_outcome));
        println!("  by stage reached: {}", counts(&p.by_stage_reached));
    }
    println!(
        "\nduty: the authority's; window: the complainant's time to act. late, median, worst: working days after the due date.\nnot needed: the complaint closed before it fell due. on time%: met on time, of those met or past due."
    );
}

#[cfg(test)]
mod tests {
    use crate::report::financial_year;

    #[test]
    fn the_default_period_is_the_financial_year_today_is_in() {
        let d = |s: &str| s.parse().unwrap();
        assert_eq!(
            financial_year(d("2026-12-03")),
            (d("2026-04-01"), d("2027-03-31"))
        );
        assert_eq!(
            financial_year(d("2027-03-31")),
            (d("2026-04-01"), d("2027-03-31"))
        );
        assert_eq!(
            financial_year(d("2027-04-01")),
            (d("2027-04-01"), d("2028-03-31"))
        );
    }
}
