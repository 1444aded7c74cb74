//! `timescales serve`: the long-running service. It serves the HTTP API, keeps stored deadlines
//! true (re-derived when procedures or holidays change, closed windows proposed for closure), and
//! delivers reminders and alerts from the outbox.

use std::path::{Path, PathBuf};
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
    let setup = Setup::build(&ctx.settings).map_err(CliError::Config)?;
    if setup.tokens.is_empty() {
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
    let mut signals = Signals::listen()?;
    let wake = Arc::new(tokio::sync::Notify::new());
    let lifecycle = ctx
        .open_lifecycle()
        .await?
        .with_notifications(setup.addressing.clone(), wake.clone());
    // Nobody is forgotten: an open complaint under a procedure left out of notify.procedures
    // would have nobody routed to its deadlines.
    every_live_procedure_in_use(&lifecycle, &setup.addressing)
        .await
        .map_err(CliError::Config)?;
    let routing = crate::reminder::Routing::check(&setup.addressing, &lifecycle.procedures());
    if let Some(note) = super::fallback_note(&routing) {
        tracing::warn!("{note}");
    }
    let listen = args
        .listen
        .unwrap_or_else(|| ctx.settings.api.listen.clone());
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| CliError::Failure(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::Failure(e.to_string()))?;
    let state = crate::api::ApiState::new(lifecycle.clone(), setup.tokens.clone());
    let (tokens, stats) = (state.tokens.clone(), state.stats.clone());
    let app = crate::api::router(state, ctx.settings.api.max_body_bytes);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut server_stop = stop_rx.clone();
    // The API answers from here on, while start-up brings stored deadlines up to date.
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = server_stop.wait_for(|s| *s).await;
            })
            .await
    });
    // Statistics for SQLite's query planner before the first query that needs them.
    if let Err(e) = lifecycle.store().optimize().await {
        tracing::warn!(error = %e, "PRAGMA optimize failed");
    }
    // Brings the live complaints whose procedure, holiday data or notification settings changed
    // up to date (nothing, when nothing did), telling systemd it is still at work, then
    // proposes closures: nothing is delivered before plans are current.
    keeping_systemd_informed(
        "re-deriving stored deadlines",
        lifecycle.recompute_if_changed(),
    )
    .await?;
    lifecycle.propose_closures().await?;
    // Start-up may have touched every live complaint; give back what that took before idling.
    lifecycle.store().shrink_memory().await;
    release_heap();
    tracing::info!(%addr, store = lifecycle.store().backend(), "timescales is serving");
    let crew_for = |setup: &Setup| {
        Crew {
            lifecycle: lifecycle.clone(),
            wake: wake.clone(),
            stats: stats.clone(),
            worker_id: worker_id(),
        }
        .start(setup)
    };
    let mut crew = crew_for(&setup);
    // Ready: config, procedures, holidays and the store are loaded, the port is bound.
    crate::systemd::notify(&format!("READY=1\nSTATUS=serving on {addr}"));
    let watchdog = crate::systemd::watchdog_interval()
        .map(|every| tokio::spawn(watchdog(lifecycle.clone(), every, stop_rx.clone())));
    loop {
        match signals.next().await {
            Signal::Stop => break,
            Signal::Reload => {
                crate::systemd::notify("RELOADING=1");
                let next = match prepare_reload(ctx.config_path.as_deref(), &ctx.settings) {
                    Ok(next) => keeps_every_procedure(&lifecycle, next).await,
                    Err(reason) => Err(reason),
                };
                match next {
                    Ok(next) => {
                        // The old crew finishes what it has in hand; then the new set goes
                        // into force all at once.
                        crew.stop().await;
                        lifecycle.reload(next.procedures, next.calendars);
                        lifecycle.set_addressing(next.setup.addressing.clone());
                        tokens.replace(next.setup.tokens.clone());
                        // Deadlines and plans are brought up to date before the new crew
                        // delivers anything: nothing goes to a recipient the reload removed.
                        // A stop meanwhile is obeyed at once (each complaint is its own
                        // transaction; the next start finishes the job).
                        let work = keeping_systemd_informed(
                            "reloading: re-deriving stored deadlines",
                            lifecycle.recompute_if_changed(),
                        );
                        tokio::pin!(work);
                        let stop_now = loop {
                            tokio::select! {
                                done = &mut work => {
                                    match done {
                                        Ok(_) => tracing::info!(
                                            "reloaded: settings, procedures, holiday data and closures are in force"
                                        ),
                                        Err(e) => tracing::error!(error = %e, "reloaded, but re-deriving stored deadlines failed"),
                                    }
                                    break false;
                                }
                                signal = signals.next() => match signal {
                                    Signal::Stop => break true,
                                    Signal::Reload => tracing::warn!("SIGHUP while reloading: ignored; send it again once this reload is done"),
                                },
                            }
                        };
                        crew = crew_for(&next.setup);
                        if stop_now {
                            break;
                        }
                    }
                    Err(reason) => tracing::error!(
                        %reason,
                        "reload refused: the configuration in force is unchanged"
                    ),
                }
                crate::systemd::notify("READY=1");
            }
        }
    }
    crate::systemd::notify("STOPPING=1");
    tracing::info!("stopping: finishing requests and deliveries in progress");
    let _ = stop_tx.send(true);
    // The worker finishes the notifications in hand (within its grace period), then stops.
    crew.stop().await;
    match server.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(CliError::Failure(format!("server: {e}"))),
        Err(e) => return Err(CliError::Failure(format!("server: {e}"))),
    }
    if let Some(w) = watchdog {
        let _ = w.await;
    }
    lifecycle.store().close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Everything the service builds from `[notify]` and the API tokens, built and checked whole
/// before any of it is put in force (at start, and on each reload).
pub(super) struct Setup {
    pub channels: Arc<crate::channel::Channels>,
    pub addressing: crate::reminder::Addressing,
    pub tokens: Vec<crate::api::Token>,
    pub digest: Option<crate::outbox::DigestSchedule>,
    pub notify: crate::config::NotifySettings,
}

impl Setup {
    /// The setup `settings` call for, or the first reason it cannot be used.
    pub(super) fn build(settings: &crate::config::Settings) -> Result<Setup, String> {
        let tokens = crate::api::load_tokens(&settings.api).map_err(|e| e.to_string())?;
        let notify = settings.notify.clone();
        let digest = if notify.digest.cron.trim().is_empty() {
            None
        } else {
            Some(crate::outbox::DigestSchedule::parse(
                &notify.digest.cron,
                settings.calendar.time_zone,
            )?)
        };
        Ok(Setup {
            // One set of channels (one SMTP pool, one HTTP client per webhook) for everything.
            channels: Arc::new(build_channels(&notify)?),
            addressing: super::addressing(&notify),
            tokens,
            digest,
            notify,
        })
    }
}

/// Runs `work`, telling systemd every 10 seconds that start-up (or a reload) is still going
/// (`EXTEND_TIMEOUT_USEC`, `STATUS`) and feeding the watchdog, so a long re-derivation after a
/// procedure or holiday change is not mistaken for a hung start.
async fn keeping_systemd_informed<F: std::future::Future>(what: &str, work: F) -> F::Output {
    let started = std::time::Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    tick.tick().await;
    tokio::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => return out,
            _ = tick.tick() => {
                crate::systemd::notify(&format!(
                    "EXTEND_TIMEOUT_USEC=30000000\nWATCHDOG=1\nSTATUS={what} ({} s)",
                    started.elapsed().as_secs()
                ));
            }
        }
    }
}

/// The tasks that deliver with one [`Setup`]: the delivery worker, the digest and the upkeep.
/// A reload stops one crew and starts another.
struct Crew {
    lifecycle: crate::lifecycle::Lifecycle,
    wake: Arc<tokio::sync::Notify>,
    stats: Arc<crate::outbox::DeliveryStats>,
    worker_id: String,
}

/// A crew at work, and how to stop it.
struct Running {
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Crew {
    fn start(self, setup: &Setup) -> Running {
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let notify = &setup.notify;
        let mut worker = crate::outbox::Worker::new(
            self.lifecycle.clone(),
            setup.channels.clone(),
            notify.retry.clone(),
            self.worker_id,
            notify.link_template.clone(),
            notify.admin.clone(),
            self.wake,
        );
        worker.lease = chrono::Duration::seconds(i64::try_from(notify.lease()).unwrap_or(120));
        worker.grace = Duration::from_secs(notify.shutdown_grace_seconds);
        worker.settle =
            chrono::Duration::seconds(i64::try_from(notify.settle_seconds.min(3600)).unwrap_or(5));
        worker.stats = self.stats;
        let mut tasks = vec![
            tokio::spawn(worker.run(stop_rx.clone())),
            tokio::spawn(upkeep(
                self.lifecycle.clone(),
                setup.channels.clone(),
                notify.admin.clone(),
                stop_rx.clone(),
            )),
        ];
        if let Some(schedule) = &setup.digest {
            tasks.push(tokio::spawn(digest_loop(
                schedule.clone(),
                self.lifecycle,
                setup.channels.clone(),
                setup.addressing.clone(),
                notify.digest.within_working_days,
                stop_rx,
            )));
        }
        Running { stop, tasks }
    }
}

impl Running {
    /// Tells every task to stop and waits for them: the worker's in-flight deliveries finish
    /// (or are released after its grace period). A digest or upkeep run still going after a
    /// few seconds more is cut short: a digest skips, next time, whoever already had today's.
    async fn stop(self) {
        let _ = self.stop.send(true);
        let mut tasks = self.tasks.into_iter();
        if let Some(worker) = tasks.next() {
            let _ = worker.await;
        }
        for task in tasks {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
                tracing::warn!("a digest or upkeep run did not stop within 5 s and was cut short");
            }
        }
    }
}

/// Refuses a reload that would leave an open complaint without its procedure (a local file
/// removed or renamed): its deadlines could no longer be derived nor its reminders sent.
async fn keeps_every_procedure(
    lifecycle: &crate::lifecycle::Lifecycle,
    next: Reload,
) -> Result<Reload, String> {
    let live = lifecycle
        .store()
        .live_procedures()
        .await
        .map_err(|e| format!("cannot read the open complaints' procedures: {e}"))?;
    let missing: Vec<String> = live
        .into_iter()
        .filter(|p| next.procedures.get(p).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "open complaints follow procedures the new set lacks: {}",
            missing.join(", ")
        ));
    }
    every_live_procedure_in_use(lifecycle, &next.setup.addressing).await?;
    Ok(next)
}

/// With notifications on and `notify.procedures` given, refuses when an open complaint follows
/// a procedure not listed there: nobody need be routed to that procedure's roles, so its
/// deadlines could go unalerted.
async fn every_live_procedure_in_use(
    lifecycle: &crate::lifecycle::Lifecycle,
    addressing: &crate::reminder::Addressing,
) -> Result<(), String> {
    if !addressing.is_on() || addressing.procedures.is_none() {
        return Ok(());
    }
    let live = lifecycle
        .store()
        .live_procedures()
        .await
        .map_err(|e| format!("cannot read the open complaints' procedures: {e}"))?;
    let left_out: Vec<String> = live.into_iter().filter(|p| !addressing.in_use(p)).collect();
    if left_out.is_empty() {
        return Ok(());
    }
    Err(crate::config::ConfigError(format!(
        "open complaints follow procedures that notify.procedures leaves out: {}; add {} to notify.procedures, and route {} roles",
        left_out.join(", "),
        if left_out.len() == 1 { "it" } else { "them" },
        if left_out.len() == 1 { "its" } else { "their" },
    ))
    .to_string())
}

/// What a reload would put in force.
struct Reload {
    procedures: crate::procedure::Procedures,
    calendars: crate::calendar::Calendars,
    setup: Setup,
}

/// Reads the config file again and builds everything a reload puts in force, or says why it
/// cannot: the whole set or nothing. Settings that only a restart can change (the store, the
/// listening address and body limit, the display) are compared with those the service started
/// with; a change is reported and waits for the next restart.
fn prepare_reload(
    config: Option<&std::path::Path>,
    started: &crate::config::Settings,
) -> Result<Reload, String> {
    let settings = crate::config::Settings::load(config).map_err(|e| e.to_string())?;
    let (procedures, calendars) = load_parts(&settings)?;
    let routing = super::routing(&settings, &procedures)?;
    if let Some(note) = super::fallback_note(&routing) {
        tracing::warn!("{note}");
    }
    let setup = Setup::build(&settings)?;
    for (setting, changed) in [
        ("store", settings.store != started.store),
        ("api.listen", settings.api.listen != started.api.listen),
        (
            "api.max_body_bytes",
            settings.api.max_body_bytes != started.api.max_body_bytes,
        ),
        ("display", settings.display != started.display),
    ] {
        if changed {
            tracing::warn!(
                setting,
                "changed in the config file: takes effect at the next restart"
            );
        }
    }
    Ok(Reload {
        procedures,
        calendars,
        setup,
    })
}

/// What the service is asked to do by a signal.
enum Signal {
    /// SIGTERM (systemd stopping the service) or SIGINT (Ctrl-C).
    Stop,
    /// SIGHUP (`systemctl reload`).
    Reload,
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

    async fn next(&mut self) -> Signal {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => Signal::Stop,
                _ = self.int.recv() => Signal::Stop,
                _ = self.hup.recv() => Signal::Reload,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Signal::Stop
        }
    }
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
        release_heap();
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
        release_heap();
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

/// The settings, procedures and calendars a reload would put in force, or why not.
fn load_parts(
    settings: &crate::config::Settings,
) -> Result<(crate::procedure::Procedures, crate::calendar::Calendars), String> {
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
        // Fresh statistics for SQLite's planner as the tables grow (cheap when they have not).
        if let Err(e) = lifecycle.store().optimize().await {
            tracing::warn!(error = %e, "PRAGMA optimize failed");
        }
        // That touched every complaint with an overdue window: give the memory back before
        // idling for the hour.
        lifecycle.store().shrink_memory().await;
        release_heap();
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
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

/// This worker's name in leases: host, process and start instant, so that two containers with
/// the same host name and process id (both PID 1) still tell their leases apart.
fn worker_id() -> String {
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}:{}:{started:x}", hostname(), std::process::id())
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

/// A secret given as `credential:NAME` is read from `$CREDENTIALS_DIRECTORY/NAME` (systemd's
/// `LoadCredential=`, or `--credentials`), so it never sits in the config file.
fn resolve_secret(
    value: &secrecy::SecretString,
    what: &str,
) -> Result<secrecy::SecretString, String> {
    use secrecy::ExposeSecret;
    match value.expose_secret().strip_prefix("credential:") {
        None => Ok(value.clone()),
        Some(name) => {
            let dir = std::env::var_os("CREDENTIALS_DIRECTORY").ok_or_else(|| {
                format!("{what} names credential '{name}' but CREDENTIALS_DIRECTORY is not set (outside systemd, pass --credentials DIR)")
            })?;
            let text = read_credential(Path::new(&dir), name)
                .map_err(|e| format!("{what}: credential '{name}': {e}"))?;
            Ok(secrecy::SecretString::from(text.trim().to_string()))
        }
    }
}

/// The credential `name` in `dir`. systemd loads a folder named in `LoadCredential=ID:FOLDER` as
/// one credential per file, `ID_FILE` (the unit loads /etc/timescales/credentials/webhooks/ so,
/// as `webhooks_NAME`); outside systemd, `dir` is the folder of the files themselves, so
/// `ID_FILE` not found there is looked for as `ID/FILE`.
fn read_credential(dir: &Path, name: &str) -> std::io::Result<String> {
    match std::fs::read_to_string(dir.join(name)) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let Some((folder, file)) = name.split_once('_') else {
                return Err(e);
            };
            std::fs::read_to_string(dir.join(folder).join(file)).map_err(|_| e)
        }
        other => other,
    }
}

/// The channels the config names.
fn build_channels(n: &crate::config::NotifySettings) -> Result<crate::channel::Channels, String> {
    let email = n.smtp.as_ref().map(build_email).transpose()?;
    let chats = n.chat.iter().map(build_chat).collect::<Result<_, _>>()?;
    Ok(crate::channel::Channels::new(email, chats))
}

/// The email channel, its password resolved (`credential:NAME`, or the `smtp-password`
/// credential when none is written).
pub(super) fn build_email(
    s: &crate::channel::SmtpSettings,
) -> Result<crate::channel::Email, String> {
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
    crate::channel::Email::new(&s)
}

/// One chat webhook, its URL and secret resolved.
pub(super) fn build_chat(
    c: &crate::channel::ChatSettings,
) -> Result<crate::channel::Webhook, String> {
    let mut c = c.clone();
    c.url = resolve_secret(&c.url, &format!("notify.chat '{}' url", c.name))?;
    if let Some(sec) = &c.secret {
        c.secret = Some(resolve_secret(
            sec,
            &format!("notify.chat '{}' secret", c.name),
        )?);
    }
    crate::channel::Webhook::new(&c)
}

#[cfg(test)]
mod tests {
    use super::read_credential;

    #[test]
    fn a_credential_from_a_loaded_folder_is_found_by_its_systemd_name_either_way() {
        // Outside systemd: the credentials folder itself, webhooks in its webhooks/ folder.
        let etc = tempfile::tempdir().unwrap();
        std::fs::write(etc.path().join("webhook-url"), "https://a.example/1\n").unwrap();
        std::fs::create_dir(etc.path().join("webhooks")).unwrap();
        std::fs::write(etc.path().join("webhooks/ops"), "https://b.example/2").unwrap();
        assert_eq!(
            read_credential(etc.path(), "webhook-url").unwrap(),
            "https://a.example/1\n"
        );
        assert_eq!(
            read_credential(etc.path(), "webhooks_ops").unwrap(),
            "https://b.example/2"
        );
        // Under systemd: $CREDENTIALS_DIRECTORY holds webhooks_ops itself.
        let run = tempfile::tempdir().unwrap();
        std::fs::write(run.path().join("webhooks_ops"), "https://c.example/3").unwrap();
        assert_eq!(
            read_credential(run.path(), "webhooks_ops").unwrap(),
            "https://c.example/3"
        );
        // Missing either way: the error names the file as asked for.
        let e = read_credential(etc.path(), "webhooks_team").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
    }
}
