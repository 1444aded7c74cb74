//! The service, built in one place: from [`Settings`] and a clock, the store, the procedures and
//! calendars, the complaint service that plans notifications, the channels, the API, and the
//! crew that delivers; when several instances share one PostgreSQL database, which of them
//! leads, running the digest and the upkeep (`leadership.rs`). `timescales serve` is a thin
//! face over [`Daemon`] (it turns signals into [`Control`]s); the commands open the same
//! complaint service with [`open_lifecycle`], so a change made from the command line is derived
//! and planned exactly as the service's own; tests and benchmarks run the same [`Daemon`] in
//! process with an injected clock.
//!
//! Why one place: when each face assembled its own service, the command line's planned no
//! notifications at all (it had no addressing), and nothing said so.

mod crew;
mod leadership;
mod setup;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use setup::{build_chat, build_email, Setup};

use crate::clock::Clock;
use crate::config::Settings;
use crate::lifecycle::Lifecycle;

/// Why the service (or a command's complaint service) cannot be built or run.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The configuration, a procedure file or the holiday data cannot be used: the service
    /// would refuse to start (exit 78 from the command line).
    #[error("{0}")]
    Config(String),
    /// Anything else: the store cannot be opened, the port is taken, another instance runs.
    #[error("{0}")]
    Failure(String),
}

impl From<crate::lifecycle::LifecycleError> for DaemonError {
    fn from(e: crate::lifecycle::LifecycleError) -> Self {
        DaemonError::Failure(e.to_string())
    }
}

/// What the running service is told to do: by a signal under `serve`, by a test in process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Read the config file again and put it in force (SIGHUP, `systemctl reload`).
    Reload,
    /// Finish what is in hand and stop (SIGTERM, SIGINT). A closed control channel means the
    /// same.
    Stop,
}

/// The procedures and calendars `settings` name, or why they cannot be used.
pub fn load_parts(
    settings: &Settings,
) -> Result<(crate::procedure::Procedures, crate::calendar::Calendars), DaemonError> {
    let procedures = crate::procedure::Procedures::load(settings.procedures.local_dir.as_deref())
        .map_err(|errors| DaemonError::Config(crate::procedure::summary(&errors)))?;
    let cal = &settings.calendar;
    let calendars = crate::calendar::Calendars::load(cal.holidays_dir.as_deref(), &cal.closures)
        .map_err(|e| DaemonError::Config(e.to_string()))?;
    Ok((procedures, calendars))
}

/// How the roles of the procedures in use are reached under `settings`, or why that config
/// cannot be used: with notifications on, a role that owns a deadline (or receives its
/// escalations) and reaches nobody is a config error, as an invalid procedure is.
pub fn routing(
    settings: &Settings,
    procedures: &crate::procedure::Procedures,
) -> Result<crate::reminder::Routing, String> {
    let routing = crate::reminder::Routing::check(&settings.notify.addressing(), procedures);
    match routing.refusal() {
        Some(why) => Err(crate::config::ConfigError(why).to_string()),
        None => Ok(routing),
    }
}

/// The roles that reach only `notify.fallback`, as one line for `config check` and the log;
/// `None` when there are none.
pub fn fallback_note(routing: &crate::reminder::Routing) -> Option<String> {
    let roles: Vec<String> = routing
        .fallen_back()
        .map(|r| format!("{}/{}", r.procedure, r.role))
        .collect();
    (!roles.is_empty()).then(|| {
        format!(
            "{} role{} with no destination of {} own go{} to notify.fallback: {}",
            roles.len(),
            if roles.len() == 1 { "" } else { "s" },
            if roles.len() == 1 { "its" } else { "their" },
            if roles.len() == 1 { "es" } else { "" },
            roles.join(", ")
        )
    })
}

/// The complaint service over the configured store, as the service itself builds it: the
/// procedures, holidays and defaults in force, and notifications planned with every change,
/// addressed as `[notify]` says (a change made by a command is planned in its own transaction,
/// for the running service's worker to find within seconds). It changes only what it is asked
/// to; bringing every stored complaint up to date is the service's upkeep.
pub async fn open_lifecycle(
    settings: &Settings,
    clock: Arc<dyn Clock>,
) -> Result<Lifecycle, DaemonError> {
    Ok(open_routed(settings, clock).await?.0)
}

/// [`open_lifecycle`], with how the roles are reached (the service logs who falls back).
async fn open_routed(
    settings: &Settings,
    clock: Arc<dyn Clock>,
) -> Result<(Lifecycle, crate::reminder::Routing), DaemonError> {
    let (procedures, calendars) = load_parts(settings)?;
    // Notifications planned here must reach someone, as the service's would.
    let routing = routing(settings, &procedures).map_err(DaemonError::Config)?;
    let url = settings.store.url();
    let store = crate::store::Store::connect(&url).await.map_err(|e| {
        DaemonError::Failure(format!(
            "cannot open the store at {}: {e}",
            crate::store::redact_url(&url)
        ))
    })?;
    let lifecycle = Lifecycle::new(
        store,
        Arc::new(procedures),
        Arc::new(calendars),
        clock,
        settings.display.amber_within_working_days,
    )
    .with_defaults(
        settings.calendar.default_region,
        settings.calendar.time_zone,
    );
    lifecycle.set_addressing(settings.notify.addressing());
    Ok((lifecycle, routing))
}

/// The service, built and checked, not yet running.
pub struct Daemon {
    settings: Settings,
    config_path: Option<PathBuf>,
    lifecycle: Lifecycle,
    setup: Setup,
    wake: Arc<tokio::sync::Notify>,
    /// On SQLite, the lock that keeps a second instance from delivering everything twice.
    _lock: Option<std::fs::File>,
}

impl Daemon {
    /// Builds the service `settings` describe, on `clock`: everything that could refuse the
    /// configuration is checked here, before anything runs. `config_path` is the file a reload
    /// reads again (`None`: the built-in defaults and the environment).
    pub async fn build(
        settings: Settings,
        config_path: Option<PathBuf>,
        clock: Arc<dyn Clock>,
    ) -> Result<Daemon, DaemonError> {
        let setup = Setup::build(&settings).map_err(DaemonError::Config)?;
        // On SQLite one instance runs at a time: a second would deliver everything twice.
        let lock = if settings.store.url().starts_with("sqlite://") {
            Some(single_instance_lock(&settings.store.state_dir)?)
        } else {
            None
        };
        let wake = Arc::new(tokio::sync::Notify::new());
        let (lifecycle, routing) = open_routed(&settings, clock).await?;
        let lifecycle = lifecycle.with_notifications(setup.addressing.clone(), wake.clone());
        // Nobody is forgotten: an open complaint under a procedure left out of
        // notify.procedures would have nobody routed to its deadlines.
        let live = live_procedures(&lifecycle)
            .await
            .map_err(DaemonError::Config)?;
        every_live_procedure_in_use(&live, &setup.addressing).map_err(DaemonError::Config)?;
        if let Some(note) = fallback_note(&routing) {
            tracing::warn!("{note}");
        }
        if setup.tokens.is_empty() {
            tracing::warn!(
                "no API tokens configured: every /api/v1 request will be refused (see api.tokens)"
            );
        }
        Ok(Daemon {
            settings,
            config_path,
            lifecycle,
            setup,
            wake,
            _lock: lock,
        })
    }

    /// The complaint service the daemon runs (for a test or a benchmark to seed and inspect).
    pub fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    /// Serves the API on `listener`, brings stored deadlines up to date, and delivers, until
    /// `control` says stop (or is closed); a reload is done when asked. Returns once requests
    /// and deliveries in progress are finished and the store is closed.
    pub async fn run(
        self,
        listener: tokio::net::TcpListener,
        control: tokio::sync::mpsc::Receiver<Control>,
    ) -> Result<(), DaemonError> {
        self.start(listener).await?.run(control).await
    }

    /// Starts serving on `listener`: the API answers at once; stored deadlines and plans are
    /// brought up to date, closures proposed, then the crew starts delivering and systemd is
    /// told the service is ready. Returns the service at that point (a benchmark times from
    /// here); [`Serving::run`] then obeys controls until told to stop.
    pub async fn start(self, listener: tokio::net::TcpListener) -> Result<Serving, DaemonError> {
        let Daemon {
            settings,
            config_path,
            lifecycle,
            setup,
            wake,
            _lock,
        } = self;
        let addr = listener
            .local_addr()
            .map_err(|e| DaemonError::Failure(e.to_string()))?;
        let state = crate::api::ApiState::new(lifecycle.clone(), setup.tokens.clone());
        let (tokens, stats) = (state.tokens.clone(), state.stats.clone());
        // The staff pages, when enabled: their sign-in and form key are read at start (a
        // change to `[web]` takes a restart).
        let pages = match &setup.form_key {
            Some(key) => crate::web::router(crate::web::WebState::new(
                lifecycle.clone(),
                &settings.web,
                key.clone(),
            )),
            None => axum::Router::new(),
        };
        let app = crate::api::service(state, settings.api.max_body_bytes, pages);
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut server_stop = stop_rx.clone();
        // The API answers from here on, while start-up brings stored deadlines up to date.
        let server = tokio::spawn(async move {
            // The peer's address: the pages believe sign-in headers from the proxy's only.
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = server_stop.wait_for(|s| *s).await;
            })
            .await
        });
        // Statistics for SQLite's query planner before the first query that needs them.
        if let Err(e) = lifecycle.store().optimize().await {
            tracing::warn!(error = %e, "PRAGMA optimize failed");
        }
        // Brings the live complaints whose procedure, holiday data or notification settings
        // changed up to date (nothing, when nothing did), telling systemd it is still at work,
        // then proposes closures: nothing is delivered before plans are current.
        keeping_systemd_informed(
            "re-deriving stored deadlines",
            lifecycle.recompute_if_changed(),
        )
        .await?;
        lifecycle.propose_closures().await?;
        // Start-up may have touched every live complaint; give back what that took before
        // idling.
        lifecycle.store().shrink_memory().await;
        crew::release_heap();
        tracing::info!(%addr, store = lifecycle.store().backend(), "timescales is serving");
        let worker_id = crew::worker_id();
        // Holding the state folder's lock, this is the only instance; on a shared database the
        // instances contend for the lead, held as long as the notifications' leases.
        let leadership = if _lock.is_some() {
            leadership::Leadership::sole()
        } else {
            leadership::Leadership::contend(
                lifecycle.store().clone(),
                lifecycle.clock().clone(),
                worker_id.clone(),
                chrono::Duration::seconds(i64::try_from(settings.notify.lease()).unwrap_or(120)),
            )
        };
        let crew = crew::Crew {
            lifecycle: lifecycle.clone(),
            wake,
            stats,
            worker_id,
            leading: leadership.leading(),
        };
        let running = crew.start(&setup);
        // Ready: config, procedures, holidays and the store are loaded, the port is bound.
        crate::systemd::notify(&format!("READY=1\nSTATUS=serving on {addr}"));
        let watchdog = crate::systemd::watchdog_interval()
            .map(|every| tokio::spawn(crew::watchdog(lifecycle.clone(), every, stop_rx)));
        Ok(Serving {
            settings,
            config_path,
            lifecycle,
            tokens,
            crew,
            running,
            leadership,
            server,
            stop: stop_tx,
            watchdog,
            addr,
            _lock,
        })
    }
}

/// The service serving and delivering, as [`Daemon::start`] leaves it.
pub struct Serving {
    /// The settings in force (those only a restart changes as the service started).
    settings: Settings,
    config_path: Option<PathBuf>,
    lifecycle: Lifecycle,
    tokens: Arc<crate::api::TokenSet>,
    crew: crew::Crew,
    running: crew::Running,
    /// Whether this instance runs the digest and the upkeep, and the lease behind it.
    leadership: leadership::Leadership,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    stop: tokio::sync::watch::Sender<bool>,
    watchdog: Option<tokio::task::JoinHandle<()>>,
    addr: std::net::SocketAddr,
    _lock: Option<std::fs::File>,
}

impl Serving {
    /// Where the API answers.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// The complaint service being served.
    pub fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    /// Obeys `control` until told to stop (or the channel is closed), then finishes requests
    /// and deliveries in progress and closes the store.
    pub async fn run(
        self,
        mut control: tokio::sync::mpsc::Receiver<Control>,
    ) -> Result<(), DaemonError> {
        let Serving {
            settings,
            config_path,
            lifecycle,
            tokens,
            crew,
            mut running,
            leadership,
            server,
            stop,
            watchdog,
            addr: _,
            _lock,
        } = self;
        let mut started = settings;
        while let Some(Control::Reload) = control.recv().await {
            crate::systemd::reloading();
            let next = match prepare_reload(config_path.as_deref(), &started) {
                Ok(next) => keeps_every_procedure(&lifecycle, next).await,
                Err(reason) => Err(reason),
            };
            let next = match next {
                Ok(next) => next,
                Err(reason) => {
                    tracing::error!(
                        %reason,
                        "reload refused: the configuration in force is unchanged"
                    );
                    crate::systemd::notify("READY=1");
                    continue;
                }
            };
            // The old crew finishes what it has in hand; then the new set goes into force
            // all at once.
            running.stop().await;
            // The holidays folder as it is now: the crew just stopped may have installed a
            // refreshed file since the reload read it, and must not be undone.
            let cal = &next.settings.calendar;
            let calendars =
                crate::calendar::Calendars::load(cal.holidays_dir.as_deref(), &cal.closures)
                    .unwrap_or(next.calendars);
            lifecycle.reload(next.procedures, calendars);
            lifecycle.set_addressing(next.setup.addressing.clone());
            tokens.replace(next.setup.tokens.clone());
            // Deadlines and plans are brought up to date before the new crew delivers
            // anything: nothing goes to a recipient the reload removed. A stop meanwhile is
            // obeyed at once (each complaint is its own transaction; the next start finishes
            // the job).
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
                    asked = control.recv() => match asked {
                        Some(Control::Reload) => tracing::warn!("SIGHUP while reloading: ignored; send it again once this reload is done"),
                        Some(Control::Stop) | None => break true,
                    },
                }
            };
            running = crew.clone().start(&next.setup);
            started = next.settings;
            if stop_now {
                break;
            }
            crate::systemd::notify("READY=1");
        }
        crate::systemd::notify("STOPPING=1");
        tracing::info!("stopping: finishing requests and deliveries in progress");
        let _ = stop.send(true);
        // The worker finishes the notifications in hand (within its grace period), then stops;
        // the lead is given back only once the digest and upkeep have stopped.
        running.stop().await;
        leadership.resign().await;
        match server.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(DaemonError::Failure(format!("server: {e}"))),
            Err(e) => return Err(DaemonError::Failure(format!("server: {e}"))),
        }
        if let Some(w) = watchdog {
            let _ = w.await;
        }
        lifecycle.store().close().await;
        tracing::info!("stopped");
        Ok(())
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

/// What a reload would put in force.
struct Reload {
    settings: Settings,
    procedures: crate::procedure::Procedures,
    calendars: crate::calendar::Calendars,
    setup: Setup,
}

/// Reads the config file again and builds everything a reload puts in force, or says why it
/// cannot: the whole set or nothing. Settings that only a restart can change (the store, the
/// listening address and body limit, the display) are compared with those the service started
/// with; a change is reported and waits for the next restart (and is compared again then).
fn prepare_reload(config: Option<&Path>, started: &Settings) -> Result<Reload, String> {
    let mut settings = Settings::load(config).map_err(|e| e.to_string())?;
    let (procedures, calendars) = load_parts(&settings).map_err(|e| e.to_string())?;
    let routing = routing(&settings, &procedures)?;
    if let Some(note) = fallback_note(&routing) {
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
    // What waits for a restart stays as it started.
    settings.store = started.store.clone();
    settings.api.listen = started.api.listen.clone();
    settings.api.max_body_bytes = started.api.max_body_bytes;
    settings.display = started.display.clone();
    Ok(Reload {
        settings,
        procedures,
        calendars,
        setup,
    })
}

/// Refuses a reload that would leave an open complaint without its procedure (a local file
/// removed or renamed): its deadlines could no longer be derived nor its reminders sent.
async fn keeps_every_procedure(lifecycle: &Lifecycle, next: Reload) -> Result<Reload, String> {
    let live = live_procedures(lifecycle).await?;
    let missing: Vec<&str> = live
        .iter()
        .map(String::as_str)
        .filter(|p| next.procedures.get(p).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "open complaints follow procedures the new set lacks: {}",
            missing.join(", ")
        ));
    }
    every_live_procedure_in_use(&live, &next.setup.addressing)?;
    Ok(next)
}

/// The procedures the open complaints (and those proposed for closure) follow.
async fn live_procedures(lifecycle: &Lifecycle) -> Result<Vec<String>, String> {
    lifecycle
        .store()
        .live_procedures()
        .await
        .map_err(|e| format!("cannot read the open complaints' procedures: {e}"))
}

/// With notifications on and `notify.procedures` given, refuses when an open complaint follows
/// a procedure not listed there: nobody need be routed to that procedure's roles, so its
/// deadlines could go unalerted. `live`: the procedures open complaints follow.
fn every_live_procedure_in_use(
    live: &[String],
    addressing: &crate::reminder::Addressing,
) -> Result<(), String> {
    if !addressing.is_on() || addressing.procedures.is_none() {
        return Ok(());
    }
    let left_out: Vec<&str> = live
        .iter()
        .map(String::as_str)
        .filter(|p| !addressing.in_use(p))
        .collect();
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

/// An exclusive lock on `state_dir/timescales.lock`, held while the service runs.
fn single_instance_lock(state_dir: &Path) -> Result<std::fs::File, DaemonError> {
    std::fs::create_dir_all(state_dir)
        .map_err(|e| DaemonError::Failure(format!("cannot create {}: {e}", state_dir.display())))?;
    let path = state_dir.join("timescales.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| DaemonError::Failure(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(_) => Err(DaemonError::Failure(format!(
            "another timescales is already running on {} (it holds {}): on SQLite only one instance may run; use PostgreSQL to run more",
            state_dir.display(),
            path.display()
        ))),
    }
}
