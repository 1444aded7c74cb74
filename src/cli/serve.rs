//! `timescales serve`: the long-running service, as a face over [`crate::daemon::Daemon`]. It
//! binds the listening address, turns signals into [`Control`]s, and owns the runtime; what the
//! service does lives in the daemon module.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, Context};
use crate::daemon::{Control, Daemon};

/// Arguments of `timescales serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default: api.listen from the config, 127.0.0.1:8480).
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Where the secrets named `credential:NAME` are, when run outside systemd (e.g.
    /// /etc/timescales/credentials, as root). Under systemd: $CREDENTIALS_DIRECTORY, from the
    /// unit's LoadCredential= lines.
    #[arg(long, value_name = "DIR")]
    credentials: Option<PathBuf>,
}

pub(super) fn run(ctx: &Context, args: ServeArgs) -> Result<(), CliError> {
    if let Some(dir) = &args.credentials {
        if !dir.is_dir() {
            return Err(CliError::Input(format!(
                "--credentials {}: not a folder",
                dir.display()
            )));
        }
        // Before the runtime starts: no other thread reads the environment yet. Everything that
        // reads credentials (SMTP password, webhooks, API tokens) then finds them as under
        // systemd.
        std::env::set_var("CREDENTIALS_DIRECTORY", dir);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Failure(format!("cannot start the runtime: {e}")))?;
    rt.block_on(serve(ctx, args))
}

async fn serve(ctx: &Context, args: ServeArgs) -> Result<(), CliError> {
    let daemon = Daemon::build(
        ctx.settings.clone(),
        ctx.config_path.clone(),
        ctx.clock.clone(),
    )
    .await?;
    let mut signals = Signals::listen()?;
    let listen = args
        .listen
        .unwrap_or_else(|| ctx.settings.api.listen.clone());
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| CliError::Failure(format!("cannot listen on {listen}: {e}")))?;
    let (control, controlled) = tokio::sync::mpsc::channel(4);
    // Signals become controls; once the service has stopped, the channel is closed and so is
    // this task.
    tokio::spawn(async move {
        loop {
            let asked = signals.next().await;
            if control.send(asked).await.is_err() {
                return;
            }
        }
    });
    Ok(daemon.run(listener, controlled).await?)
}

/// The signals the service listens to, registered once at start so none is missed between
/// waits.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn listen() -> Result<Self, CliError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let on = |kind: SignalKind| {
                signal(kind)
                    .map_err(|e| CliError::Failure(format!("cannot listen for signals: {e}")))
            };
            Ok(Signals {
                term: on(SignalKind::terminate())?,
                int: on(SignalKind::interrupt())?,
                hup: on(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// SIGTERM (systemd stopping the service) and SIGINT (Ctrl-C) stop; SIGHUP
    /// (`systemctl reload`) reloads.
    async fn next(&mut self) -> Control {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => Control::Stop,
                _ = self.int.recv() => Control::Stop,
                _ = self.hup.recv() => Control::Reload,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Control::Stop
        }
    }
}
