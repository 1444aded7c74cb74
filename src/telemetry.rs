//! Installs the tracing subscriber, once, for the whole process.
//!
//! Logs go to standard error so that standard output stays the command's answer (a due date, a
//! CSV, JSON). The level comes from `TIMESCALES_LOG` (an `EnvFilter` directive such as `debug` or
//! `timescales=trace`), else the default the caller gives. Log lines carry complaint references
//! and dates, never personal data or secrets.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Who is logging: a person at a terminal, or the long-running service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A command: no timestamps, colour only on a terminal.
    Command,
    /// The service: timestamps on every line.
    Service,
}

/// Installs the subscriber. A second call does nothing.
pub fn init(style: Style, default_level: &str) {
    let filter =
        EnvFilter::try_from_env("TIMESCALES_LOG").unwrap_or_else(|_| EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    let _ = match style {
        Style::Command => builder.without_time().try_init(),
        Style::Service => builder.try_init(),
    };
}
