//! The HTTP API as a case-management system uses it: real HTTP to the app on a random port, over
//! a fresh store on each backend.

#[path = "../support/backends.rs"]
mod backends;
mod bad_input;
mod calendar;
mod contract;
mod helpers;
mod history;
mod lifecycles;
mod metrics;
mod openapi;
mod pages;
mod semantics;
