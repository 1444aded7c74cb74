//! The compliance report: how the deadlines due in a period were kept, per procedure, stage and
//! deadline, and how the complaints behind them ended: the figures a quality-assurance manager
//! takes to the performance meeting and an authority puts in its safeguarding partnership's
//! annual report.
//!
//! What counts, spelt out because a figure nobody can reproduce is worth nothing:
//!
//! - **In the period**: a deadline whose due date in force (the extended one, when extended)
//!   falls from `from` to `to`, both included. The complaints reported are those with at least
//!   one such deadline.
//! - **Met on time**: met on or before its due date. **Met late**: met after it; how late is
//!   counted in working days on the procedure's calendar, the days after the due date up to and
//!   including the day it was met (due Friday, met the next Tuesday: 2), with the median and
//!   the worst.
//! - **Extended**: an extension was recorded (it is counted under its outcome as well).
//!   **Not applicable**: staff marked it so. **Unmet**: the complaint closed after the due date
//!   with it unmet. **Not needed**: the complaint closed before it fell due. **Open**: still
//!   pending, of which **overdue**: its due date is before the report's as-of day.
//! - **On time**: met on time as a share of those whose time has come: met on time, met late,
//!   unmet and open overdue. None when there are none.
//! - **Stage reached**: the furthest stage, in the procedure's order, of any of the complaint's
//!   deadlines. **Outcome**: the outcome recorded, or the complaint's status when there is none.
//!
//! Windows (the complainant's time to act) are reported beside the authority's obligations,
//! marked as such: "met" there means the complainant acted.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::calendar::Calendars;
use crate::html::Table;
use crate::procedure::Procedures;
use crate::store::ReportRow;

/// The report over a period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The first due date counted.
    pub from: NaiveDate,
    /// The last due date counted.
    pub to: NaiveDate,
    /// The day "overdue" is judged on.
    pub as_of: NaiveDate,
    /// One section per procedure with a deadline due in the period, by id.
    pub procedures: Vec<ProcedureReport>,
    /// The authority's duties (obligations, not the complainant's windows) of every procedure
    /// reported, by the month they fell due, each month of the period.
    pub by_month: Vec<Month>,
}

/// The duties that fell due in one month.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    /// Due that month.
    pub due: usize,
    /// Met on time.
    pub met_on_time: usize,
    /// Whose time has come: met (on time or late), unmet, or open and overdue.
    pub come: usize,
    /// Met on time as a percentage of `come`.
    pub on_time_percent: Option<f64>,
}

/// One procedure's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProcedureReport {
    /// The procedure's id.
    pub procedure: String,
    /// Its name, as published.
    pub name: String,
    /// Complaints with a deadline due in the period.
    pub complaints: usize,
    /// Each deadline, in the procedure's order.
    pub deadlines: Vec<DeadlineFigures>,
    /// The complaints by outcome (or status, when none is recorded), most first.
    pub by_outcome: Vec<Count>,
    /// The complaints by the furthest stage reached, in the procedure's order.
    pub by_stage_reached: Vec<Count>,
}

/// How many of something.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Count {
    /// The id (an outcome, a status or a stage).
    pub id: String,
    /// What the procedure calls it.
    pub label: String,
    /// How many.
    pub count: usize,
}

/// One deadline's figures over the period.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DeadlineFigures {
    /// The stage it belongs to.
    pub stage: String,
    /// The deadline's id.
    pub deadline: String,
    /// What must happen, as the procedure says.
    pub what: String,
    /// `obligation` or `window`.
    pub kind: String,
    /// Due in the period.
    pub due: usize,
    /// Met on or before the due date.
    pub met_on_time: usize,
    /// Met after it.
    pub met_late: usize,
    /// The median of the working days late of those met late.
    pub late_median_working_days: Option<f64>,
    /// The most working days late.
    pub late_worst_working_days: Option<i64>,
    /// An extension was recorded.
    pub extended: usize,
    /// Marked not applicable.
    pub not_applicable: usize,
    /// The complaint closed after the due date with it unmet.
    pub unmet: usize,
    /// The complaint closed before it fell due.
    pub not_needed: usize,
    /// Still pending.
    pub open: usize,
    /// Still pending and past its due date on the as-of day.
    pub open_overdue: usize,
    /// Met on time as a percentage of those whose time has come (see the module's words).
    pub on_time_percent: Option<f64>,
}

impl Report {
    /// The report over `rows` (every deadline of every complaint with one due in the period, by
    /// complaint, as [`crate::store::Store::report_rows`] gives them) for the period `from` to
    /// `to`, judged on `as_of`; only procedure `only` when given.
    pub fn build(
        rows: &[ReportRow],
        procedures: &Procedures,
        calendars: &Calendars,
        (from, to): (NaiveDate, NaiveDate),
        as_of: NaiveDate,
        only: Option<&str>,
    ) -> Report {
        struct Building {
            deadlines: BTreeMap<(usize, String), (DeadlineFigures, Vec<i64>)>,
            outcomes: BTreeMap<String, usize>,
            stages: BTreeMap<(usize, String), usize>,
            complaints: usize,
        }
        let mut by_procedure: BTreeMap<&str, Building> = BTreeMap::new();
        let mut months: BTreeMap<(i32, u32), (usize, usize, usize)> = BTreeMap::new();
        for complaint in rows.chunk_by(|a, b| a.complaint_id == b.complaint_id) {
            let first = &complaint[0];
            if only.is_some_and(|p| p != first.procedure) {
                continue;
            }
            let in_period = |r: &&ReportRow| (from..=to).contains(&r.due_date);
            if !complaint.iter().any(|r| in_period(&r)) {
                continue;
            }
            let procedure = procedures.get(&first.procedure);
            let region = procedure.map_or(crate::calendar::Division::EnglandAndWales, |p| p.region);
            let calendar = calendars.get(region);
            let stage_rank = |stage: &str| {
                procedure
                    .and_then(|p| p.stages.iter().position(|s| s.id == stage))
                    .unwrap_or(usize::MAX)
            };
            let b = by_procedure
                .entry(first.procedure.as_str())
                .or_insert_with(|| Building {
                    deadlines: BTreeMap::new(),
                    outcomes: BTreeMap::new(),
                    stages: BTreeMap::new(),
                    complaints: 0,
                });
            b.complaints += 1;
            let outcome = first
                .outcome
                .clone()
                .unwrap_or_else(|| first.status.clone());
            *b.outcomes.entry(outcome).or_default() += 1;
            if let Some(stage) = complaint.iter().map(|r| r.stage.as_str()).max_by_key(|s| {
                let rank = stage_rank(s);
                (rank != usize::MAX, rank)
            }) {
                *b.stages
                    .entry((stage_rank(stage), stage.to_string()))
                    .or_default() += 1;
            }
            for r in complaint.iter().filter(in_period) {
                let order = procedure
                    .and_then(|p| p.deadlines.iter().position(|d| d.id == r.deadline))
                    .unwrap_or(usize::MAX);
                let (f, late) = b
                    .deadlines
                    .entry((order, r.deadline.clone()))
                    .or_insert_with(|| {
                        let def =
                            procedure.and_then(|p| p.deadlines.iter().find(|d| d.id == r.deadline));
                        (
                            DeadlineFigures {
                                stage: r.stage.clone(),
                                deadline: r.deadline.clone(),
                                what: def.map_or_else(|| r.deadline.clone(), |d| d.what.clone()),
                                kind: r.kind.clone(),
                                ..Default::default()
                            },
                            Vec::new(),
                        )
                    });
                f.due += 1;
                f.extended += usize::from(r.extended);
                let month = months
                    .entry((r.due_date.year(), r.due_date.month()))
                    .or_default();
                // Whether it was met on time, and whether its time has come: one reading of
                // its state, for the deadline's figures and for its month's.
                let (on_time, come) = match (r.state.as_str(), r.met_on) {
                    ("met", Some(met)) if met <= r.due_date => {
                        f.met_on_time += 1;
                        (true, true)
                    }
                    ("met", Some(met)) => {
                        f.met_late += 1;
                        late.push(
                            calendar
                                .working_days_between(r.due_date, met)
                                .unwrap_or_default(),
                        );
                        (false, true)
                    }
                    ("not-applicable", _) => {
                        f.not_applicable += 1;
                        (false, false)
                    }
                    ("unmet", _) => {
                        f.unmet += 1;
                        (false, true)
                    }
                    ("not-needed", _) => {
                        f.not_needed += 1;
                        (false, false)
                    }
                    _ => {
                        let overdue = r.due_date < as_of;
                        f.open += 1;
                        f.open_overdue += usize::from(overdue);
                        (false, overdue)
                    }
                };
                if r.kind == "obligation" {
                    month.0 += 1;
                    month.1 += usize::from(on_time);
                    month.2 += usize::from(come);
                }
            }
        }
        let procedures_out = by_procedure
            .into_iter()
            .map(|(id, b)| {
                let procedure = procedures.get(id);
                let deadlines = b
                    .deadlines
                    .into_values()
                    .map(|(mut f, mut late)| {
                        late.sort_unstable();
                        f.late_worst_working_days = late.last().copied();
                        f.late_median_working_days = median(&late);
                        let come = f.met_on_time + f.met_late + f.unmet + f.open_overdue;
                        f.on_time_percent = percent(f.met_on_time, come);
                        f
                    })
                    .collect();
                let outcome_label = |o: &str| {
                    procedure
                        .and_then(|p| p.outcomes.get(o))
                        .map_or_else(|| o.to_string(), |x| x.label.clone())
                };
                let mut by_outcome: Vec<Count> = b
                    .outcomes
                    .into_iter()
                    .map(|(id, count)| Count {
                        label: outcome_label(&id),
                        id,
                        count,
                    })
                    .collect();
                by_outcome.sort_by(|a, b| b.count.cmp(&a.count).then(a.id.cmp(&b.id)));
                let by_stage_reached = b
                    .stages
                    .into_iter()
                    .map(|((_, id), count)| Count {
                        label: procedure
                            .and_then(|p| p.stages.iter().find(|s| s.id == id))
                            .map_or_else(|| id.clone(), |s| s.name.clone()),
                        id,
                        count,
                    })
                    .collect();
                ProcedureReport {
                    procedure: id.to_string(),
                    name: procedure.map_or_else(|| id.to_string(), |p| p.name.clone()),
                    complaints: b.complaints,
                    deadlines,
                    by_outcome,
                    by_stage_reached,
                }
            })
            .collect();
        let mut by_month = Vec::new();
        let mut first = NaiveDate::from_ymd_opt(from.year(), from.month(), 1);
        while let Some(m) = first.filter(|m| *m <= to) {
            let (due, met_on_time, come) = months
                .get(&(m.year(), m.month()))
                .copied()
                .unwrap_or_default();
            by_month.push(Month {
                month: m.format("%Y-%m").to_string(),
                due,
                met_on_time,
                come,
                on_time_percent: percent(met_on_time, come),
            });
            first = m.checked_add_months(chrono::Months::new(1));
        }
        Report {
            from,
            to,
            as_of,
            procedures: procedures_out,
            by_month,
        }
    }

    /// The report's title, naming the period.
    pub fn title(&self) -> String {
        format!(
            "Compliance report: deadlines due {} to {}",
            self.from.format("%-d %B %Y"),
            self.to.format("%-d %B %Y")
        )
    }

    /// What the figures mean, in a sentence or three.
    pub fn intro(&self) -> String {
        format!(
            "Overdue as of {}. Late, median and worst are working days after the due date; on time is met on time, of those met or past due. Duties are the authority's; windows are the complainant's time to act.",
            self.as_of.format("%-d %B %Y")
        )
    }

    /// The chart of duties met on time by the month they fell due, as SVG (drawn here).
    pub fn chart(&self) -> String {
        chart(&self.by_month)
    }

    /// The report's tables, as every HTML face of it shows them (the page the command writes and
    /// the staff page): the months, then per procedure its deadlines, its complaints by outcome
    /// and by stage reached.
    pub fn tables(&self) -> Vec<Table> {
        let mut tables = vec![Table {
            heading: None,
            empty: "None.",
            caption: "Duties by month due".into(),
            head: vec!["Month", "Due", "Met on time", "Met or past due", "On time"],
            rows: self
                .by_month
                .iter()
                .map(|m| {
                    vec![
                        m.month.clone(),
                        m.due.to_string(),
                        m.met_on_time.to_string(),
                        m.come.to_string(),
                        shown(m.on_time_percent),
                    ]
                })
                .collect(),
        }];
        for p in &self.procedures {
            tables.push(Table {
                empty: "None.",
                heading: Some(format!(
                    "{} ({}): {} complaint{}",
                    p.name,
                    p.procedure,
                    p.complaints,
                    if p.complaints == 1 { "" } else { "s" }
                )),
                caption: "Deadlines".into(),
                head: vec![
                    "Deadline",
                    "Kind",
                    "Due",
                    "On time",
                    "Late",
                    "Median late",
                    "Worst late",
                    "Extended",
                    "Not applicable",
                    "Unmet",
                    "Not needed",
                    "Open",
                    "Overdue",
                    "On time %",
                ],
                rows: p
                    .deadlines
                    .iter()
                    .map(|f| {
                        let kind = if f.kind == "window" { "window" } else { "duty" };
                        [f.what.clone(), kind.to_string()]
                            .into_iter()
                            .chain(f.counts())
                            .chain([shown(f.on_time_percent)])
                            .collect()
                    })
                    .collect(),
            });
            let counts = |c: &[Count]| {
                c.iter()
                    .map(|c| vec![c.label.clone(), c.count.to_string()])
                    .collect()
            };
            tables.push(Table {
                empty: "None.",
                heading: None,
                caption: "Complaints by outcome".into(),
                head: vec!["Outcome", "Complaints"],
                rows: counts(&p.by_outcome),
            });
            tables.push(Table {
                empty: "None.",
                heading: None,
                caption: "Complaints by stage reached".into(),
                head: vec!["Stage", "Complaints"],
                rows: counts(&p.by_stage_reached),
            });
        }
        tables
    }

    /// The report as one self-contained HTML page: the chart, then [`Report::tables`].
    pub fn html(&self) -> String {
        use crate::html::{esc, start, table, END};
        let mut page = start(&self.title(), &self.intro());
        page.push_str("<h2>Duties met on time, by month due</h2>\n");
        page.push_str(&self.chart());
        if self.procedures.is_empty() {
            page.push_str("<p>No deadline fell due in the period.</p>\n");
        }
        for t in self.tables() {
            if let Some(h) = &t.heading {
                page.push_str(&format!("<h2>{}</h2>\n", esc(h)));
            }
            page.push_str(&table(&t.caption, &t.head, t.rows.into_iter()));
        }
        page.push_str(END);
        page
    }

    /// The report as CSV, one row a deadline of a procedure: for a spreadsheet.
    pub fn write_csv(&self, out: impl std::io::Write) -> Result<(), csv::Error> {
        let mut w = csv::Writer::from_writer(out);
        let mut header = vec!["procedure", "stage", "deadline", "what"];
        header.extend(CSV_FIGURES);
        w.write_record(&header)?;
        for p in &self.procedures {
            for f in &p.deadlines {
                let percent = f.on_time_percent.map(|p| format!("{p:.1}"));
                let row = [
                    p.procedure.clone(),
                    f.stage.clone(),
                    f.deadline.clone(),
                    f.what.clone(),
                ]
                .into_iter()
                .chain(f.counts())
                .chain([percent.unwrap_or_default(), f.kind.clone()]);
                w.write_record(row)?;
            }
        }
        w.flush()?;
        Ok(())
    }
}

/// The UK financial year (1 April to 31 March) that `today` is in.
pub fn financial_year(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let start = if today.month() >= 4 {
        today.year()
    } else {
        today.year() - 1
    };
    (
        NaiveDate::from_ymd_opt(start, 4, 1).unwrap_or(today),
        NaiveDate::from_ymd_opt(start + 1, 3, 31).unwrap_or(today),
    )
}

/// The CSV's columns after the deadline's own.
pub const CSV_FIGURES: [&str; 13] = [
    "due",
    "met_on_time",
    "met_late",
    "late_median_working_days",
    "late_worst_working_days",
    "extended",
    "not_applicable",
    "unmet",
    "not_needed",
    "open",
    "open_overdue",
    "on_time_percent",
    "kind",
];

impl DeadlineFigures {
    /// The counts as cells, from `due` to `open_overdue` in the order of the fields (an empty
    /// cell for a median or worst with nothing late): what every face of the report shows.
    pub fn counts(&self) -> [String; 11] {
        let opt = |v: Option<String>| v.unwrap_or_default();
        [
            self.due.to_string(),
            self.met_on_time.to_string(),
            self.met_late.to_string(),
            opt(self.late_median_working_days.map(|m| m.to_string())),
            opt(self.late_worst_working_days.map(|w| w.to_string())),
            self.extended.to_string(),
            self.not_applicable.to_string(),
            self.unmet.to_string(),
            self.not_needed.to_string(),
            self.open.to_string(),
            self.open_overdue.to_string(),
        ]
    }
}

/// A percentage for a page: one decimal and a sign, or a dash.
fn shown(p: Option<f64>) -> String {
    p.map_or_else(|| "-".into(), |p| format!("{p:.1}%"))
}

/// `part` as a percentage of `whole`, to one decimal; none of nothing.
fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// A bar a month: the share of its duties met on time (no bar where none was met or past due),
/// 0 to 100 % on the vertical axis. SVG drawn as text (a chart of a few dozen bars needs no
/// plotting library); labelled for screen readers.
fn chart(months: &[Month]) -> String {
    const BAR: usize = 40;
    let width = 60 + BAR * months.len().max(1);
    let (top, bottom) = (20.0, 220.0);
    let y = |pct: f64| bottom - (bottom - top) * pct / 100.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"chart-title\" width=\"{width}\" height=\"260\" viewBox=\"0 0 {width} 260\" font-family=\"sans-serif\" font-size=\"11\">\n\
         <title id=\"chart-title\">Duties met on time, by month due</title>\n"
    );
    for pct in [0.0, 50.0, 100.0] {
        svg.push_str(&format!(
            "<line x1=\"45\" x2=\"{width}\" y1=\"{y:.0}\" y2=\"{y:.0}\" stroke=\"#b1b4b6\"/><text x=\"40\" y=\"{ty:.0}\" text-anchor=\"end\">{pct:.0}%</text>\n",
            y = y(pct),
            ty = y(pct) + 4.0
        ));
    }
    for (i, m) in months.iter().enumerate() {
        let x = 50 + BAR * i;
        let label = NaiveDate::parse_from_str(&format!("{}-01", m.month), "%Y-%m-%d")
            .map(|d| d.format("%b %y").to_string())
            .unwrap_or_else(|_| m.month.clone());
        if let Some(pct) = m.on_time_percent {
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"{yb:.1}\" width=\"28\" height=\"{h:.1}\" fill=\"#1d70b8\"><title>{label}: {pct:.1}% of {come} on time</title></rect>\n\
                 <text x=\"{tx}\" y=\"{ty:.1}\" text-anchor=\"middle\">{pct:.0}%</text>\n",
                yb = y(pct),
                h = bottom - y(pct),
                come = m.come,
                tx = x + 14,
                ty = y(pct) - 4.0
            ));
        }
        svg.push_str(&format!(
            "<text x=\"{tx}\" y=\"238\" text-anchor=\"middle\">{label}</text>\n",
            tx = x + 14
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

/// The median of sorted `values`: the middle one, or the mean of the two middle ones.
fn median(values: &[i64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    Some(if n % 2 == 1 {
        values[n / 2] as f64
    } else {
        (values[n / 2 - 1] + values[n / 2]) as f64 / 2.0
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_median_is_the_middle_value_or_the_mean_of_the_two_middle_ones() {
        assert_eq!(super::median(&[]), None);
        assert_eq!(super::median(&[3]), Some(3.0));
        assert_eq!(super::median(&[1, 2, 7]), Some(2.0));
        assert_eq!(super::median(&[1, 2, 3, 8]), Some(2.5));
    }
}
