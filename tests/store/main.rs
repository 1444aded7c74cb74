//! The complaint store and lifecycle on both backends: the same suite on SQLite and PostgreSQL.

#[path = "../support/backends.rs"]
mod backends;
mod backup;
#[path = "../support/fixtures.rs"]
mod fixtures;
mod helpers;
mod leases;
mod lifecycle;
mod opening;
mod pages;
mod query_plans;
mod report;
mod retention;
mod semantics;
