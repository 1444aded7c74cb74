//! `timescales serve`: the long-running service. For now it serves the HTTP API and keeps stored
//! deadlines true (re-derived when procedures or holidays change, closed windows proposed for
//! closure); reminders and alerts arrive with the daemon issue.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::{CliError, Context};

/// Arguments of `timescales serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default: api.listen from the config, 127.0.0.1:8480).
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
}

pub(super) fn run(ctx: &Context, args: ServeArgs) -> Result<(), CliError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Failure(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async {
        let tokens = crate::api::load_tokens(&ctx.settings.api)
            .map_err(|e| CliError::Config(e.to_string()))?;
        if tokens.is_empty() {
            tracing::warn!(
                "no API tokens configured: every /api/v1 request will be refused (see api.tokens)"
            );
        }
        let lifecycle = ctx.lifecycle().await?;
        let listen = args
            .listen
            .unwrap_or_else(|| ctx.settings.api.listen.clone());
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .map_err(|e| CliError::Failure(format!("cannot listen on {listen}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| CliError::Failure(e.to_string()))?;
        tracing::info!(%addr, store = lifecycle.store().backend(), "timescales is serving");
        let state = crate::api::ApiState {
            lifecycle: lifecycle.clone(),
            tokens: Arc::new(tokens),
        };
        let app = crate::api::router(state, ctx.settings.api.max_body_bytes);
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let upkeep = tokio::spawn(upkeep(lifecycle.clone(), stop_rx.clone()));
        let mut server_stop = stop_rx.clone();
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = server_stop.wait_for(|s| *s).await;
        });
        let signals = async {
            shutdown_signal().await;
            tracing::info!("stopping: finishing requests in progress");
            let _ = stop_tx.send(true);
        };
        let (served, ()) = tokio::join!(server, signals);
        served.map_err(|e| CliError::Failure(format!("server: {e}")))?;
        let _ = upkeep.await;
        lifecycle.store().close().await;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Every hour: closed windows proposed for closure. Stops when told.
async fn upkeep(
    lifecycle: crate::lifecycle::Lifecycle,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        match lifecycle.propose_closures().await {
            Ok(refs) if !refs.is_empty() => tracing::info!(
                count = refs.len(),
                "windows closed: complaints proposed for closure"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "proposing closures failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// SIGTERM (systemd stopping the service) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
