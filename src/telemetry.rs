//! Installs the tracing subscriber, once, for the whole process.
//!
//! Where logs go depends on who reads them:
//! - **journald** when the service runs under systemd (systemd sets `JOURNAL_STREAM` to the
//!   device and inode of the stream it gave us as standard error). Each line goes over journald's
//!   native protocol with its fields as journal fields, so `journalctl -u timescales
//!   REFERENCE=CP-2026-014` finds every line about one complaint, and the level becomes
//!   `PRIORITY`.
//! - **human-readable** text on standard error otherwise, coloured only on a terminal. Standard
//!   output stays the command's answer (a due date, a CSV, JSON).
//! - **JSON**, one object per line, when asked (`--log-format json`), for log shippers.
//!
//! The level comes from `TIMESCALES_LOG` (an `EnvFilter` directive such as `debug` or
//! `timescales=trace`), else the default the caller gives. Log lines carry complaint references,
//! deadline ids and dates, never names, addresses in full, or secrets: that is a rule for every
//! `tracing` call in the crate, not something this module can filter after the fact.

use std::io::IsTerminal;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// Who is logging: a person at a terminal, or the long-running service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A command: no timestamps, colour only on a terminal.
    Command,
    /// The service: timestamps on every line.
    Service,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// journald under systemd, human-readable text otherwise.
    #[default]
    Auto,
    /// Text on standard error.
    Human,
    /// One JSON object per line on standard error.
    Json,
    /// journald's native protocol, with structured fields.
    Journald,
}

/// Installs the subscriber and says which format it chose. A second call does nothing.
pub fn init(style: Style, format: Format, default_level: &str) -> Format {
    let filter = || {
        EnvFilter::try_from_env("TIMESCALES_LOG").unwrap_or_else(|_| EnvFilter::new(default_level))
    };
    let wanted = match format {
        Format::Auto if stderr_is_journal() => Format::Journald,
        Format::Auto => Format::Human,
        f => f,
    };
    let registry = tracing_subscriber::registry().with(filter());
    let human = || {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .with_target(false)
    };
    match wanted {
        Format::Journald => match tracing_journald::layer() {
            Ok(layer) => {
                // No prefix: fields are REFERENCE=, DEADLINE=, as an administrator would type
                // them; none of ours collides with journald's own (those start with `_`).
                let layer = layer
                    .with_field_prefix(None)
                    .with_syslog_identifier("timescales".into());
                let _ = registry.with(layer).try_init();
                Format::Journald
            }
            Err(e) => {
                let _ = registry.with(human()).try_init();
                tracing::warn!(error = %e, "journald is not reachable: logging to standard error");
                Format::Human
            }
        },
        Format::Json => {
            let layer = tracing_subscriber::fmt::layer()
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .with_span_list(false)
                .with_writer(std::io::stderr);
            let _ = registry.with(layer).try_init();
            Format::Json
        }
        Format::Human | Format::Auto => {
            let _ = match style {
                Style::Command => registry.with(human().without_time()).try_init(),
                Style::Service => registry.with(human()).try_init(),
            };
            Format::Human
        }
    }
}

/// Whether standard error is the journal stream systemd connected us to: `JOURNAL_STREAM` holds
/// `DEVICE:INODE` of that stream, and a child whose standard error was redirected elsewhere
/// inherits the variable but not the stream, so both must match.
pub fn stderr_is_journal() -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::MetadataExt;
        let Some(expected) = std::env::var_os("JOURNAL_STREAM") else {
            return false;
        };
        let Some((dev, ino)) = expected.to_str().and_then(|s| s.split_once(':')) else {
            return false;
        };
        let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() else {
            return false;
        };
        let Ok(meta) = std::fs::File::from(fd).metadata() else {
            return false;
        };
        dev.parse() == Ok(meta.dev()) && ino.parse() == Ok(meta.ino())
    }
    #[cfg(not(unix))]
    false
}
