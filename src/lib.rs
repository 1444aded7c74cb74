//! `timescales` keeps complaints about UK Child Protection Conferences on time.
//!
//! Local safeguarding partnerships publish procedures with a timescale for every stage of a
//! complaint: acknowledge within 3 working days, meet within 10, convene a panel within 15 of the
//! letter. This crate computes those deadlines against the UK bank-holiday calendars, exactly and
//! explainably, so that no family waits longer than the procedure promises.
//!
//! # Layout
//!
//! Each module knows only the ones before it:
//!
//! - [`calendar`]: divisions, bank holidays (official data and standing rules), closures, and the
//!   constant-time working-day index. Dates only.
//! - [`deadline`]: a timescale rule (N working days, calendar days or months, with roll and
//!   trigger), its due date, the working shown step by step, and the due instant in the
//!   organisation's time zone.
//! - [`procedure`]: the published procedures as validated data: tracks, stages, events, owners,
//!   outcomes, discretion, and every timescale with the sentence it comes from.
//! - [`complaint`]: a complaint's facts and the deadlines they give: a pure function of facts,
//!   procedure and calendar.
//! - [`reminder`]: which notifications deadlines call for, to whom and when (pure).
//! - [`outbox`]: the delivery worker: claims, sends, retries, records.
//! - [`store`]: the durable store, SQLite or PostgreSQL, one transaction per write.
//! - [`lifecycle`]: what staff do to a complaint (open, record, extend, close...), checked against
//!   the procedure and written through the store in one transaction.
//! - [`report`]: the compliance report: how the deadlines due in a period were kept, and how
//!   the complaints behind them ended.
//! - [`feed`]: calendar feeds: the deadlines some roles own as an iCalendar file.
//! - [`channel`]: email and team-chat webhooks; knows a message and an address, nothing else.
//! - [`clock`]: the injected clock; domain code takes `today` or `now` as an argument.
//! - [`config`]: the typed settings tree, loaded in layers.
//! - [`html`]: the self-contained HTML pages written for people (an export, the report).
//! - [`folder`]: reading the administrator's drop-in folders in a predictable order.
//! - [`systemd`]: readiness, stopping and watchdog notifications to systemd.
//! - [`telemetry`]: installs the tracing subscriber, once.
//! - [`daemon`]: the service built in one place from the settings and a clock: the store, the
//!   complaint service, the API, the delivery worker, the digest and the upkeep (run by the one
//!   instance that leads when several share a PostgreSQL database), run until told to stop.
//!   Every face and test builds it (or its complaint service) here.
//! - [`cli`]: the command line, a thin face over the modules above.
//! - [`api`]: the HTTP API, another thin face over the same calls.
//!
//! Data the program ships lives outside `src/`: `holidays/` (GOV.UK data), `config/` (default
//! settings), `systemd/` (the unit).

pub mod api;
pub mod calendar;
pub mod channel;
pub mod cli;
pub mod clock;
pub mod complaint;
pub mod config;
pub mod daemon;
pub mod deadline;
pub mod feed;
pub mod folder;
pub mod html;
pub mod lifecycle;
pub mod outbox;
pub mod procedure;
pub mod reminder;
pub mod report;
pub mod store;
pub mod systemd;
pub mod telemetry;
pub mod text;
pub mod web;
