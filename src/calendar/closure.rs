//! An organisation's own non-working days: office closures and one-off holidays set in config.
//!
//! They count exactly like bank holidays, and `--explain` names them. A closure is written with
//! full dates (`2026-12-29`) to happen once, or with month and day only (`12-29`) to recur every
//! year; a recurring range may cross the new year (`12-24` to `01-02`).

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{CalendarError, Division};

/// A closure as written in config.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosureSpec {
    /// What staff call it, shown by `--explain`, e.g. `Office closure`.
    pub name: String,
    /// First day: `YYYY-MM-DD` for a one-off, `MM-DD` for every year.
    pub from: String,
    /// Last day, inclusive, in the same form as `from`; absent for a single day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The divisions it applies to; empty means all (an organisation uses one division, but a
    /// newly proclaimed one-off bank holiday may be for one division only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<Division>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Span {
    Once(NaiveDate, NaiveDate),
    Yearly((u32, u32), (u32, u32)),
}

/// A validated closure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closure {
    /// What staff call it.
    pub name: String,
    span: Span,
    regions: Vec<Division>,
}

impl Closure {
    /// Validates a closure from config; the error names the closure and the bad value.
    pub fn from_spec(spec: &ClosureSpec) -> Result<Self, CalendarError> {
        let bad = |msg: String| CalendarError::Closure {
            name: spec.name.clone(),
            message: msg,
        };
        if spec.name.trim().is_empty() {
            return Err(bad("a closure needs a name".into()));
        }
        let to = spec.to.as_deref().unwrap_or(&spec.from);
        let span = match (crate::text::parse_iso_date(&spec.from), crate::text::parse_iso_date(to)) {
            (Some(a), Some(b)) if a <= b => Span::Once(a, b),
            (Some(a), Some(b)) => return Err(bad(format!("'to' {b} is before 'from' {a}"))),
            _ => match (parse_month_day(&spec.from), parse_month_day(to)) {
                (Some(a), Some(b)) => Span::Yearly(a, b),
                _ => {
                    return Err(bad(format!(
                        "'from' = '{}' and 'to' = '{}' must both be YYYY-MM-DD (once) or both MM-DD (every year)",
                        spec.from, to
                    )))
                }
            },
        };
        Ok(Closure {
            name: spec.name.clone(),
            span,
            regions: spec.regions.clone(),
        })
    }

    /// Whether it applies to `division`.
    pub fn applies_to(&self, division: Division) -> bool {
        self.regions.is_empty() || self.regions.contains(&division)
    }

    /// Every date of the closure that falls in `year`.
    pub fn dates_in_year(&self, year: i32) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut push_range = |a: NaiveDate, b: NaiveDate| {
            let mut d = a;
            while d <= b {
                if d.year() == year {
                    out.push(d);
                }
                d += Duration::days(1);
            }
        };
        match self.span {
            Span::Once(a, b) => {
                if a.year() <= year && year <= b.year() {
                    push_range(a, b);
                }
            }
            Span::Yearly(from, to) => {
                let on = |y: i32, (m, d): (u32, u32)| NaiveDate::from_ymd_opt(y, m, d);
                if from <= to {
                    // 29 February recurs only in leap years.
                    if let (Some(a), Some(b)) = (
                        on(year, from).or(on(year, (3, 1))),
                        on(year, to).or(on(year, (2, 28))),
                    ) {
                        push_range(a, b);
                    }
                } else if let (Some(a), Some(b)) = (on(year, from), on(year, to)) {
                    // Crosses the new year: the start of this year's run and the end of the next.
                    push_range(NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(b), b);
                    push_range(a, NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(a));
                }
            }
        }
        out
    }
}

fn parse_month_day(s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.split_once('-')?;
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    // 2000 is a leap year, so 02-29 is accepted.
    NaiveDate::from_ymd_opt(2000, m, d).map(|_| (m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closure(from: &str, to: Option<&str>) -> Result<Closure, CalendarError> {
        Closure::from_spec(&ClosureSpec {
            name: "Office closure".into(),
            from: from.into(),
            to: to.map(Into::into),
            regions: vec![],
        })
    }

    fn strings(v: Vec<NaiveDate>) -> Vec<String> {
        v.into_iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn a_yearly_closure_recurs_every_year() {
        let c = closure("12-29", Some("12-31")).unwrap();
        assert_eq!(
            strings(c.dates_in_year(2026)),
            ["2026-12-29", "2026-12-30", "2026-12-31"]
        );
        assert_eq!(strings(c.dates_in_year(2030)).len(), 3);
    }

    #[test]
    fn a_yearly_closure_may_cross_the_new_year() {
        let c = closure("12-31", Some("01-02")).unwrap();
        assert_eq!(
            strings(c.dates_in_year(2027)),
            ["2027-01-01", "2027-01-02", "2027-12-31"]
        );
    }

    #[test]
    fn a_one_off_closure_happens_once() {
        let c = closure("2027-06-14", None).unwrap();
        assert_eq!(strings(c.dates_in_year(2027)), ["2027-06-14"]);
        assert!(c.dates_in_year(2028).is_empty());
    }

    #[test]
    fn bad_closures_name_the_problem() {
        assert_eq!(
            closure("2027-06-14", Some("2027-06-01"))
                .unwrap_err()
                .to_string(),
            "closure 'Office closure': 'to' 2027-06-01 is before 'from' 2027-06-14"
        );
        assert_eq!(
            closure("13-01", None).unwrap_err().to_string(),
            "closure 'Office closure': 'from' = '13-01' and 'to' = '13-01' must both be YYYY-MM-DD (once) or both MM-DD (every year)"
        );
    }
}
