//! Properties working-day arithmetic must keep, checked on random dates and counts, and against
//! the `bdays` crate's own day-by-day algorithm.

use bdays::HolidayCalendar;
use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use std::sync::OnceLock;
use timescales::calendar::{is_weekend, Calendar, Calendars, Division, Roll, Trigger};
use timescales::deadline::{Rule, Unit};

fn calendars() -> &'static Calendars {
    static C: OnceLock<Calendars> = OnceLock::new();
    C.get_or_init(Calendars::embedded)
}

fn division() -> impl Strategy<Value = Division> {
    prop::sample::select(Division::ALL.to_vec())
}

fn date() -> impl Strategy<Value = NaiveDate> {
    // 1950-01-01 .. 2150-01-01, leaving room for large counts either side.
    (0i64..73_000).prop_map(|n| NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + Duration::days(n))
}

/// A working day judged independently of the index: not a weekend and no named day off.
fn plainly_working(cal: &Calendar, d: NaiveDate) -> bool {
    !is_weekend(d) && cal.days_off_on(d).is_empty()
}

/// A calendar that answers only `is_holiday`, so `bdays` uses its own walking algorithm.
struct Walking<'a>(&'a Calendar);
impl HolidayCalendar<NaiveDate> for Walking<'_> {
    fn is_holiday(&self, d: NaiveDate) -> bool {
        !self.0.days_off_on(d).is_empty()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn adding_then_counting_returns_n_from_a_working_day(div in division(), d in date(), n in 0u32..3000) {
        let cal = calendars().get(div);
        let start = cal.add_working_days(d, 0, Trigger::NextWorkingDay).unwrap();
        let end = cal.add_working_days(start, n, Trigger::NextWorkingDay).unwrap();
        prop_assert_eq!(cal.working_days_between(start, end).unwrap(), n as i64);
    }

    #[test]
    fn results_are_monotonic_in_n_and_in_the_trigger(div in division(), d in date(), gap in 0i64..40, n in 0u32..500) {
        let cal = calendars().get(div);
        let a = cal.add_working_days(d, n, Trigger::NextWorkingDay).unwrap();
        let b = cal.add_working_days(d, n + 1, Trigger::NextWorkingDay).unwrap();
        prop_assert!(a < b);
        let later = cal.add_working_days(d + Duration::days(gap), n, Trigger::NextWorkingDay).unwrap();
        prop_assert!(a <= later);
        let as_is = cal.add_working_days(d, n, Trigger::AsIs).unwrap();
        let as_is_later = cal.add_working_days(d + Duration::days(gap), n, Trigger::AsIs).unwrap();
        prop_assert!(as_is <= as_is_later);
    }

    #[test]
    fn subtracting_inverts_adding(div in division(), d in date(), n in 0u32..3000) {
        let cal = calendars().get(div);
        let start = cal.add_working_days(d, 0, Trigger::NextWorkingDay).unwrap();
        let end = cal.add_working_days(start, n, Trigger::NextWorkingDay).unwrap();
        prop_assert_eq!(cal.sub_working_days(end, n).unwrap(), start);
    }

    #[test]
    fn a_working_day_result_is_always_a_working_day(div in division(), d in date(), n in 0u32..3000, as_is: bool) {
        let cal = calendars().get(div);
        let trigger = if as_is { Trigger::AsIs } else { Trigger::NextWorkingDay };
        let r = cal.add_working_days(d, n, trigger).unwrap();
        if n > 0 || !as_is {
            prop_assert!(plainly_working(cal, r), "{} + {} = {}", d, n, r);
        }
        prop_assert!(plainly_working(cal, cal.sub_working_days(d, n).unwrap()));
        prop_assert_eq!(cal.is_working_day(d).unwrap(), plainly_working(cal, d));
    }

    #[test]
    fn a_calendar_over_the_years_a_rule_reaches_answers_as_the_whole_range_does(
        div in division(),
        d in date(),
        n in prop_oneof![0u32..40, 0u32..20_000],
        unit in prop::sample::select(vec![Unit::WorkingDays, Unit::CalendarDays, Unit::Months]),
        roll in prop::sample::select(vec![Roll::None, Roll::Forward, Roll::Backward]),
        as_is in any::<bool>(),
    ) {
        // What `timescales deadline` relies on: over the years the rule reaches (embedded data,
        // no closures) the narrowed calendar gives the whole range's answer, error or date.
        let trigger = if as_is { Trigger::AsIs } else { Trigger::NextWorkingDay };
        let rule = Rule::parse(n.into(), unit).unwrap();
        let rule = if unit == Unit::WorkingDays { rule.triggered(trigger) } else { rule.rolled(roll) };
        let narrowed = Calendars::embedded().within(rule.reach(d));
        let whole = rule.due(calendars().get(div), d);
        match (rule.due(narrowed.get(div), d), whole) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            (a, b) => prop_assert!(false, "{:?} from {}: narrowed {:?}, whole {:?}", rule, d, a, b),
        }
    }

    #[test]
    fn the_index_agrees_with_bdays_walking_day_by_day(div in division(), d in date(), n in -400i32..400, d2 in date()) {
        let cal = calendars().get(div);
        let walking = Walking(cal);
        prop_assert_eq!(cal.advance_bdays(d, n), walking.advance_bdays(d, n));
        prop_assert_eq!(cal.to_bday(d, false), walking.to_bday(d, false));
        let near = d + Duration::days((d2 - d).num_days() % 500);
        prop_assert_eq!(cal.bdays(d, near), walking.bdays(d, near));
        if n >= 0 {
            prop_assert_eq!(cal.add_working_days(d, n as u32, Trigger::NextWorkingDay).unwrap(), walking.advance_bdays(d, n));
        }
    }
}

#[test]
fn the_bdays_trait_answers_outside_the_index_without_panicking() {
    let cal = calendars().get(Division::EnglandAndWales);
    // 25 December 2201 is a Friday: Boxing Day (Saturday) moves to Monday 28. From Wednesday 23:
    // Thursday 24 is 1, then Tuesday 29 is 2.
    let d = NaiveDate::from_ymd_opt(2201, 12, 23).unwrap();
    assert!(cal.is_holiday(NaiveDate::from_ymd_opt(2201, 12, 28).unwrap()));
    assert!(!cal.is_holiday(NaiveDate::from_ymd_opt(2201, 12, 26).unwrap()));
    assert_eq!(cal.advance_bdays(d, 2).to_string(), "2201-12-29");
    assert_eq!(
        cal.bdays(d, NaiveDate::from_ymd_opt(2201, 12, 29).unwrap()),
        2
    );
}
