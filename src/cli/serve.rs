//! `timescales serve`: the long-running service. It serves the HTTP API, keeps stored deadlines
//! true (re-derived when procedures or holidays change, closed windows proposed for closure), and
//! delivers reminders and alerts from the outbox.

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
        let url = ctx.settings.store.url();
        // On SQLite one instance runs at a time: a second would deliver everything twice.
        let _lock = if url.starts_with("sqlite://") {
            Some(single_instance_lock(&ctx.settings.store.state_dir)?)
        } else {
            None
        };
        let notify = &ctx.settings.notify;
        let wake = Arc::new(tokio::sync::Notify::new());
        let addressing = crate::reminder::Addressing {
            policy: notify.policy.clone(),
            overrides: notify.overrides.clone(),
            window: notify.send_window,
            roles: notify.roles.clone(),
        };
        // One set of channels (one SMTP pool, one HTTP client per webhook) for worker and digest.
        let channels = Arc::new(build_channels(notify).map_err(CliError::Config)?);
        let digest_addressing = addressing.clone();
        let lifecycle = ctx
            .lifecycle()
            .await?
            .with_notifications(addressing, wake.clone());
        // Brings every live complaint's planned notifications up to date with the config.
        let live = lifecycle
            .store()
            .live_references()
            .await
            .map_err(|e| CliError::Failure(e.to_string()))?;
        for reference in live {
            lifecycle.refresh(&reference).await?;
        }
        // Start-up touched every live complaint; give back what that took before idling.
        lifecycle.store().shrink_memory().await;
        release_heap();
        let mut worker = crate::outbox::Worker::new(
            lifecycle.clone(),
            channels.clone(),
            notify.retry.clone(),
            format!("{}:{}", hostname(), std::process::id()),
            notify.link_template.clone(),
            notify.admin.clone(),
            wake,
        );
        worker.lease = chrono::Duration::seconds(
            i64::try_from(notify.lease_seconds.clamp(1, 86_400)).unwrap_or(120),
        );
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
        let upkeep = tokio::spawn(upkeep(
            lifecycle.clone(),
            channels.clone(),
            notify.admin.clone(),
            stop_rx.clone(),
        ));
        let reloads = tokio::spawn(reload_on_hangup(
            lifecycle.clone(),
            ctx.config_path.clone(),
            stop_rx.clone(),
        ));
        let delivery = tokio::spawn(worker.run(stop_rx.clone()));
        let digests = if notify.digest.cron.trim().is_empty() {
            None
        } else {
            let schedule = crate::outbox::DigestSchedule::parse(
                &notify.digest.cron,
                ctx.settings.calendar.time_zone,
            )
            .map_err(CliError::Config)?;
            Some(tokio::spawn(digest_loop(
                schedule,
                lifecycle.clone(),
                channels,
                digest_addressing,
                notify.digest.within_working_days,
                stop_rx.clone(),
            )))
        };
        let mut server_stop = stop_rx.clone();
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = server_stop.wait_for(|s| *s).await;
        });
        let signals = async {
            shutdown_signal().await;
            crate::systemd::notify("STOPPING=1");
            tracing::info!("stopping: finishing requests and deliveries in progress");
            let _ = stop_tx.send(true);
        };
        // Ready: config, procedures, holidays and the store are loaded, the port is bound.
        crate::systemd::notify(&format!("READY=1\nSTATUS=serving on {addr}"));
        let watchdog = crate::systemd::watchdog_interval()
            .map(|every| tokio::spawn(watchdog(lifecycle.clone(), every, stop_rx.clone())));
        let (served, ()) = tokio::join!(server, signals);
        if let Some(w) = watchdog {
            let _ = w.await;
        }
        served.map_err(|e| CliError::Failure(format!("server: {e}")))?;
        let _ = upkeep.await;
        let _ = reloads.await;
        // The worker finishes the notification in hand, then stops.
        let _ = delivery.await;
        if let Some(d) = digests {
            let _ = d.await;
        }
        lifecycle.store().close().await;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Sends the digest at each scheduled instant, sleeping in between (the clock decides when).
async fn digest_loop(
    schedule: crate::outbox::DigestSchedule,
    lifecycle: crate::lifecycle::Lifecycle,
    channels: Arc<crate::channel::Channels>,
    addressing: crate::reminder::Addressing,
    within: u32,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    // Down at digest time today? Send it now; recipients already sent today are skipped.
    if schedule.due_earlier_today(lifecycle.clock().now()) {
        if let Err(e) =
            crate::outbox::send_digests(&lifecycle, &channels, &addressing, within, None).await
        {
            tracing::error!(error = %e, "catching up today's digests failed");
        }
    }
    loop {
        let now = lifecycle.clock().now();
        let Some(next) = schedule.next_after(now) else {
            return;
        };
        let wait = (next - now).to_std().unwrap_or(Duration::from_secs(1));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        match crate::outbox::send_digests(&lifecycle, &channels, &addressing, within, None).await {
            Ok(n) => tracing::info!(sent = n, "daily digests sent"),
            Err(e) => tracing::error!(error = %e, "daily digests failed"),
        }
    }
}

/// Keep-alives for systemd's watchdog, sent only while the store answers: a daemon whose runtime
/// or database has hung stops sending them and systemd restarts it.
async fn watchdog(
    lifecycle: crate::lifecycle::Lifecycle,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let healthy = tokio::time::timeout(every, lifecycle.store().next_notification_at()).await;
        if matches!(healthy, Ok(Ok(_))) {
            crate::systemd::notify("WATCHDOG=1");
        } else {
            tracing::error!("the store did not answer: withholding the watchdog keep-alive");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// On SIGHUP (`systemctl reload`), reads the config file again and puts its procedures, holiday
/// data and closures in force, all together or not at all: an invalid new set is refused, the
/// reason logged, and the old one stays. Stored deadlines and planned notifications are then
/// re-derived. (Changes to `[store]`, `[api]` and `[notify]` take a restart.)
async fn reload_on_hangup(
    lifecycle: crate::lifecycle::Lifecycle,
    config: Option<std::path::PathBuf>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    #[cfg(unix)]
    {
        let Ok(mut hangups) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            return;
        };
        loop {
            tokio::select! {
                _ = hangups.recv() => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            crate::systemd::notify("RELOADING=1");
            match load_for_reload(config.as_deref()) {
                Ok((procedures, calendars)) => {
                    lifecycle.reload(procedures, calendars);
                    let result = async {
                        lifecycle.recompute_if_changed().await?;
                        for reference in lifecycle.store().live_references().await? {
                            lifecycle.refresh(&reference).await?;
                        }
                        Ok::<(), crate::lifecycle::LifecycleError>(())
                    }
                    .await;
                    match result {
                        Ok(()) => tracing::info!(
                            "reloaded: procedures, holiday data and closures are in force"
                        ),
                        Err(e) => {
                            tracing::error!(error = %e, "reloaded, but re-deriving stored deadlines failed")
                        }
                    }
                }
                Err(reason) => {
                    tracing::error!(%reason, "reload refused: the configuration in force is unchanged")
                }
            }
            crate::systemd::notify("READY=1");
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (lifecycle, config);
        let _ = stop.wait_for(|s| *s).await;
    }
}

/// The settings, procedures and calendars a reload would put in force, or why not.
fn load_for_reload(
    config: Option<&std::path::Path>,
) -> Result<(crate::procedure::Procedures, crate::calendar::Calendars), String> {
    let settings = crate::config::Settings::load(config).map_err(|e| e.to_string())?;
    let procedures = crate::procedure::Procedures::load(settings.procedures.local_dir.as_deref())
        .map_err(|errors| super::procedure_errors(&errors))?;
    let calendars = crate::calendar::Calendars::load(
        settings.calendar.holidays_dir.as_deref(),
        &settings.calendar.closures,
    )
    .map_err(|e| e.to_string())?;
    Ok((procedures, calendars))
}

/// Every hour: closed windows proposed for closure, and the operator told (once a day) when the
/// official holiday data runs out within six months. Stops when told.
async fn upkeep(
    lifecycle: crate::lifecycle::Lifecycle,
    channels: Arc<crate::channel::Channels>,
    admin: Vec<String>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if let Err(e) = crate::outbox::holiday_data_alert(&lifecycle, &channels, &admin).await {
            tracing::error!(error = %e, "checking the holiday data failed");
        }
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

/// An exclusive lock on `state_dir/timescales.lock`, held while the service runs.
fn single_instance_lock(state_dir: &std::path::Path) -> Result<std::fs::File, CliError> {
    std::fs::create_dir_all(state_dir)
        .map_err(|e| CliError::Failure(format!("cannot create {}: {e}", state_dir.display())))?;
    let path = state_dir.join("timescales.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| CliError::Failure(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(_) => Err(CliError::Failure(format!(
            "another timescales is already running on {} (it holds {}): on SQLite only one instance may run; use PostgreSQL to run more",
            state_dir.display(),
            path.display()
        ))),
    }
}

/// Returns freed heap memory to the operating system (glibc keeps it otherwise), so the idle
/// daemon's resident size reflects what it holds, not what start-up once needed.
fn release_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::os::raw::c_int;
        }
        // SAFETY: malloc_trim only releases free memory at the top and in the middle of glibc's
        // heaps; it takes no pointers and is safe to call at any time from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

/// A secret given as `credential:NAME` is read from `$CREDENTIALS_DIRECTORY/NAME` (systemd's
/// `LoadCredential=`), so it never sits in the config file.
fn resolve_secret(
    value: &secrecy::SecretString,
    what: &str,
) -> Result<secrecy::SecretString, String> {
    use secrecy::ExposeSecret;
    match value.expose_secret().strip_prefix("credential:") {
        None => Ok(value.clone()),
        Some(name) => {
            let dir = std::env::var_os("CREDENTIALS_DIRECTORY").ok_or_else(|| {
                format!("{what} names credential '{name}' but CREDENTIALS_DIRECTORY is not set")
            })?;
            let text = std::fs::read_to_string(std::path::Path::new(&dir).join(name))
                .map_err(|e| format!("{what}: credential '{name}': {e}"))?;
            Ok(secrecy::SecretString::from(text.trim().to_string()))
        }
    }
}

/// The channels the config names.
fn build_channels(n: &crate::config::NotifySettings) -> Result<crate::channel::Channels, String> {
    let email = match &n.smtp {
        Some(s) => {
            let mut s = s.clone();
            if let Some(p) = &s.password {
                s.password = Some(resolve_secret(p, "notify.smtp.password")?);
            } else if let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY") {
                let path = std::path::Path::new(&dir).join("smtp-password");
                // An empty file (the placeholder credential) means no password.
                if let Ok(p) = std::fs::read_to_string(path).map(|p| p.trim().to_string()) {
                    if !p.is_empty() {
                        s.password = Some(secrecy::SecretString::from(p));
                    }
                }
            }
            Some(crate::channel::Email::new(&s)?)
        }
        None => None,
    };
    let mut chats = Vec::new();
    for c in &n.chat {
        let mut c = c.clone();
        c.url = resolve_secret(&c.url, &format!("notify.chat '{}' url", c.name))?;
        if let Some(sec) = &c.secret {
            c.secret = Some(resolve_secret(
                sec,
                &format!("notify.chat '{}' secret", c.name),
            )?);
        }
        chats.push(crate::channel::Webhook::new(&c)?);
    }
    Ok(crate::channel::Channels::new(email, chats))
}
