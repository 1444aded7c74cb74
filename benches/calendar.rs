//! Working-day arithmetic against `bdays::HolidayCalendarCache` on the same holidays.
//!
//! Every measured iteration runs one operation over the same 1,000,000 random dates (seeded, so
//! every run sees the same dates), so criterion's time per iteration in milliseconds is the time
//! per operation in nanoseconds, and its throughput is operations per second.
//!
//! Run with `cargo bench --bench calendar`; results are recorded in `docs/benchmarks.md`.

use std::hint::black_box;
use std::time::Duration;

use bdays::{HolidayCalendar, HolidayCalendarCache};
use chrono::{Datelike, NaiveDate};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use timescales::calendar::{is_weekend, Calendar, Calendars, Division, Trigger};
use timescales::deadline::Rule;

/// How many random dates each iteration runs over.
const DATES: usize = 1_000_000;
/// The seed of the random dates.
const SEED: u64 = 2026;
/// The largest gap, in calendar days, between the two dates of a `between` pair.
const MAX_GAP: i64 = 60;
/// The counts the issue asks for.
const COUNTS: [u32; 3] = [3, 10, 20];

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// `DATES` dates drawn uniformly from 2000-01-01 to 2030-12-31, and for each a second date up to
/// `MAX_GAP` calendar days later.
fn random_dates() -> (Vec<NaiveDate>, Vec<(NaiveDate, NaiveDate)>) {
    let mut rng = StdRng::seed_from_u64(SEED);
    let lo = ymd(2000, 1, 1).num_days_from_ce();
    let hi = ymd(2030, 12, 31).num_days_from_ce();
    let dates: Vec<NaiveDate> = (0..DATES)
        .map(|_| NaiveDate::from_num_days_from_ce_opt(rng.gen_range(lo..=hi)).expect("in range"))
        .collect();
    let pairs = dates
        .iter()
        .map(|&d| (d, d + chrono::Duration::days(rng.gen_range(0..=MAX_GAP))))
        .collect();
    (dates, pairs)
}

/// Our holidays as `bdays` sees them: only `is_holiday` is answered, by the calendar; everything
/// else is `bdays`' own code.
struct SameHolidays<'a>(&'a Calendar);

impl HolidayCalendar<NaiveDate> for SameHolidays<'_> {
    fn is_holiday(&self, date: NaiveDate) -> bool {
        self.0.is_working_day(date) == Ok(false) && !is_weekend(date)
    }
}

/// Checks that both sides give the same answers on every benchmarked input, so the comparison
/// is between two implementations of the same thing.
fn check_agreement(
    cal: &Calendar,
    cache: &HolidayCalendarCache<NaiveDate>,
    dates: &[NaiveDate],
    pairs: &[(NaiveDate, NaiveDate)],
) {
    for &n in &COUNTS {
        for &d in dates {
            let ours = cal.add_working_days(d, n, Trigger::NextWorkingDay);
            assert_eq!(ours, Ok(cache.advance_bdays(d, n as i32)), "{n} from {d}");
        }
    }
    for &(a, b) in pairs {
        // `bdays` counts after moving both ends forward to a working day; ours counts (a, b].
        // Through the `bdays` trait our calendar uses `bdays`' convention.
        assert_eq!(
            HolidayCalendar::bdays(cal, a, b),
            cache.bdays(a, b),
            "{a} to {b}"
        );
        let ours = cal.working_days_between(a, b).expect("in range");
        let adjust = |d: NaiveDate| i64::from(cal.is_working_day(d) == Ok(false));
        assert_eq!(
            ours,
            i64::from(cache.bdays(a, b)) + adjust(a) - adjust(b),
            "{a} to {b}"
        );
    }
}

fn benches(c: &mut Criterion) {
    let calendars = Calendars::embedded();
    let cal = calendars.get(Division::EnglandAndWales);
    let cache = HolidayCalendarCache::new(SameHolidays(cal), ymd(1990, 1, 1), ymd(2045, 12, 31));
    let (dates, pairs) = random_dates();
    check_agreement(cal, &cache, &dates, &pairs);

    let mut group = c.benchmark_group("add_working_days");
    group.throughput(Throughput::Elements(DATES as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    // Long enough for ten samples of `advance_bdays` at N = 20 (about 0.13 s an iteration).
    group.measurement_time(Duration::from_secs(8));
    for n in COUNTS {
        group.bench_with_input(BenchmarkId::new("timescales", n), &n, |b, &n| {
            b.iter(|| {
                for &d in &dates {
                    let _ =
                        black_box(cal.add_working_days(black_box(d), n, Trigger::NextWorkingDay));
                }
            })
        });
        group.bench_with_input(
            BenchmarkId::new("bdays_cache_advance_bdays", n),
            &n,
            |b, &n| {
                b.iter(|| {
                    for &d in &dates {
                        black_box(cache.advance_bdays(black_box(d), n as i32));
                    }
                })
            },
        );
    }
    // The same count through a deadline rule, as the program computes a due date.
    let rule = Rule::working_days(10);
    group.bench_function(BenchmarkId::new("timescales_rule_due", 10), |b| {
        b.iter(|| {
            for &d in &dates {
                let _ = black_box(rule.due(cal, black_box(d)));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("sub_working_days");
    group.throughput(Throughput::Elements(DATES as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.bench_with_input(BenchmarkId::new("timescales", 10), &10u32, |b, &n| {
        b.iter(|| {
            for &d in &dates {
                let _ = black_box(cal.sub_working_days(black_box(d), n));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("working_days_between");
    group.throughput(Throughput::Elements(DATES as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("timescales", |b| {
        b.iter(|| {
            for &(a, z) in &pairs {
                let _ = black_box(cal.working_days_between(black_box(a), black_box(z)));
            }
        })
    });
    group.bench_function("bdays_cache_bdays", |b| {
        b.iter(|| {
            for &(a, z) in &pairs {
                black_box(cache.bdays(black_box(a), black_box(z)));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("build");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    // Calendars are built on first use: asking for each division builds all three, as the
    // service does at start-up.
    group.bench_function("calendars_embedded", |b| {
        b.iter(|| {
            let calendars = Calendars::embedded();
            for d in Division::ALL {
                black_box(calendars.get(d));
            }
            calendars
        })
    });
    // What `timescales deadline` builds with no config: the data as loaded from the config's
    // holidays folder (none), then the one division it counts in.
    group.bench_function("cli_one_division", |b| {
        b.iter(|| {
            let calendars = Calendars::load(None, &[]).expect("the embedded data loads");
            black_box(calendars.get(Division::EnglandAndWales));
            calendars
        })
    });
    group.finish();
}

criterion_group!(calendar, benches);
criterion_main!(calendar);
