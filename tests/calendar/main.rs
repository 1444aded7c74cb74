//! The calendar engine against real calendars: GOV.UK's data, dates worked out by hand, and the
//! properties working-day arithmetic must keep.

mod fixed_dates;
mod official_vs_rules;
mod properties;
