//! The typed settings tree, loaded in layers: built-in defaults, then the config file, then
//! `conf.d/*.toml` beside it in name order, then environment variables `TIMESCALES__SECTION__KEY` (double underscores, so `TIMESCALES_CONFIG`
//! and other single-underscore names are never read as settings).
//!
//! The config file is `--config PATH` (or `TIMESCALES_CONFIG`) when given, and must exist then;
//! otherwise `/etc/timescales/timescales.toml` when it exists. The path is always explicit or
//! absolute because under systemd the working directory is `/`.
//!
//! Everything is validated into domain types here, before anything is served: an unknown key, a
//! wrong type, an unknown region or time zone, or a malformed closure is an error naming it.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::calendar::{Closure, ClosureSpec, Division};

/// Where the config file is looked for when no `--config` is given.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/timescales/timescales.toml";

/// A config that cannot be used. The program exits with status 78 (`EX_CONFIG`).
#[derive(Debug, thiserror::Error)]
#[error("config: {0}")]
pub struct ConfigError(pub String);

/// All settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Which calendar deadlines are counted on, and the organisation's own non-working days.
    pub calendar: CalendarSettings,
    /// Where local procedures and overrides live.
    pub procedures: ProcedureSettings,
    /// Where complaints are stored.
    pub store: StoreSettings,
    /// The HTTP API.
    pub api: ApiSettings,
    /// How deadlines are shown to staff.
    pub display: DisplaySettings,
    /// Reminders and alerts: policy, recipients, channels.
    pub notify: NotifySettings,
    /// How long a closed complaint's free text is kept.
    pub retention: RetentionSettings,
    /// The staff pages and how staff sign in to them.
    pub web: WebSettings,
}

/// The `[web]` section: the staff pages ([`crate::web`]) and who may use them.
///
/// Sign-in is the council's: a reverse proxy that has signed the person in (with the council's
/// identity provider) passes their name and groups in headers, and only requests from the
/// proxy's own addresses are believed. Roles come from those groups.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebSettings {
    /// Serve the pages at `/`. Off by default: without a sign-in there is nobody to serve.
    pub enabled: bool,
    /// The signing-in proxy.
    pub proxy: ProxySettings,
    /// Which groups hold which role.
    pub roles: RoleGroups,
    /// A file holding the key that signs form tokens (32 or more bytes of random text).
    /// Instances behind one load balancer need the same key; without one, each start makes its
    /// own, and a form opened before a restart must be sent again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_file: Option<PathBuf>,
}

/// `[web.proxy]`: the reverse proxy that signs staff in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProxySettings {
    /// The addresses requests from the proxy come from. A request from anywhere else is refused,
    /// whatever headers it carries.
    pub addresses: Vec<std::net::IpAddr>,
    /// The header naming the signed-in person (the name the audit records).
    pub user_header: String,
    /// The header listing the person's groups, separated by commas.
    pub groups_header: String,
}

impl Default for ProxySettings {
    fn default() -> Self {
        ProxySettings {
            addresses: Vec::new(),
            user_header: "X-Forwarded-User".into(),
            groups_header: "X-Forwarded-Groups".into(),
        }
    }
}

/// `[web.roles]`: the groups whose members hold each role. Each role can do what the one before
/// it can, and more: a viewer reads; a caseworker opens complaints and records events and
/// outcomes; a manager extends, accepts late, decides what applies, corrects, closes and
/// reopens; an admin is a manager (nothing more yet).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoleGroups {
    pub viewer: Vec<String>,
    pub caseworker: Vec<String>,
    pub manager: Vec<String>,
    pub admin: Vec<String>,
}

/// The `[retention]` section (UK GDPR storage limitation).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSettings {
    /// How long after a complaint was closed (or referred), unchanged since, its free text is
    /// kept: `"6 years"`, `"18 months"`, `"90 days"`. Then the service anonymises it
    /// ([`crate::lifecycle::retention`]). Not set: kept for ever, and `doctor` warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_close: Option<String>,
}

impl RetentionSettings {
    /// The period, when one is set.
    pub fn period(&self) -> Result<Option<crate::lifecycle::retention::Period>, ConfigError> {
        self.after_close
            .as_deref()
            .map(|p| {
                p.parse()
                    .map_err(|e| ConfigError(format!("retention.after_close: {e}")))
            })
            .transpose()
    }
}

/// The `[notify]` section.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifySettings {
    /// A link to the case record in every message; `{reference}` is replaced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_template: Option<String>,
    /// Where the operator is told about failed deliveries and other trouble:
    /// `email:ADDRESS` or `chat:NAME`.
    pub admin: Vec<String>,
    /// When notifications may go out (working days only).
    pub send_window: crate::reminder::SendWindow,
    /// The reminder policy for every deadline.
    pub policy: crate::reminder::Policy,
    /// Policies for one procedure (`"durham"`) or one deadline (`"durham/acknowledge"`): each
    /// replaces the whole policy there; keys it leaves out take the built-in defaults.
    pub overrides: std::collections::BTreeMap<String, crate::reminder::Policy>,
    /// Role id -> where its notifications go: `"chair"` for every procedure, `"durham/chair"`
    /// for one. With notifications on, every role that owns a deadline of a procedure in use, or
    /// receives its escalations, must reach a destination here or through `fallback`.
    pub roles: std::collections::BTreeMap<String, crate::reminder::RoleTargets>,
    /// Where the notifications of a role with no entry of its own go, so that no deadline is
    /// left unalerted because its owner was not routed. Absent: every such role must be routed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<crate::reminder::RoleTargets>,
    /// The procedures the authority uses (`["durham", "kent"]`): only their roles need routing,
    /// and complaints may be opened under these only. Absent: every procedure loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procedures: Option<Vec<String>>,
    /// The SMTP server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp: Option<crate::channel::SmtpSettings>,
    /// Chat webhooks, by name.
    pub chat: Vec<crate::channel::ChatSettings>,
    /// Retries of failed deliveries.
    pub retry: crate::outbox::RetryPolicy,
    /// How long a worker holds a notification it is sending before another may take it (after
    /// a crash), in seconds. At least twice the longest channel timeout plus
    /// [`LEASE_MARGIN_SECONDS`]: a delivery still going when its lease ends would be sent again
    /// by another instance. With several instances on one PostgreSQL database, the leader (the
    /// one that runs the digest and the upkeep) holds its lead as long, renewing it every third:
    /// another takes over within this and a third of it after the leader dies. Read at start.
    pub lease_seconds: u64,
    /// On stop (or reload), how long the deliveries in flight may take to finish, in seconds;
    /// any still going then are sent again by the next start. Keep it below systemd's
    /// `TimeoutStopSec` (30 s in the shipped unit).
    pub shutdown_grace_seconds: u64,
    /// How long a complaint must go unchanged before its alerts are delivered, in seconds:
    /// history entered one event per call raises no false alarm between the calls.
    pub settle_seconds: u64,
    /// The daily digest.
    pub digest: DigestSettings,
}

/// The `[notify.digest]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DigestSettings {
    /// When: a cron expression (minute hour day-of-month month day-of-week) in the
    /// organisation's time zone. Empty: no digest.
    pub cron: String,
    /// What it lists: deadlines due within this many working days, and everything overdue.
    pub within_working_days: u32,
}

impl Default for DigestSettings {
    fn default() -> Self {
        DigestSettings {
            cron: "0 9 * * MON-FRI".into(),
            within_working_days: 5,
        }
    }
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            link_template: None,
            admin: Vec::new(),
            send_window: Default::default(),
            policy: Default::default(),
            overrides: Default::default(),
            roles: Default::default(),
            fallback: None,
            procedures: None,
            smtp: None,
            chat: Vec::new(),
            retry: Default::default(),
            lease_seconds: 120,
            settle_seconds: 5,
            shutdown_grace_seconds: 20,
            digest: Default::default(),
        }
    }
}

/// What a lease must hold beyond twice the longest channel timeout: the store's reads and
/// writes around a delivery (the relevance check before, the record after) and the clocks of
/// two instances that do not quite agree.
pub const LEASE_MARGIN_SECONDS: u64 = 5;

impl NotifySettings {
    /// The lease the worker takes, in seconds (1 s to a day).
    pub fn lease(&self) -> u64 {
        self.lease_seconds.clamp(1, 86_400)
    }

    /// Each channel's timeout (how long one delivery may take), with the setting that gives it.
    fn timeouts(&self) -> impl Iterator<Item = (u64, String)> + '_ {
        let smtp = self
            .smtp
            .iter()
            .map(|s| (s.timeout_seconds, "notify.smtp.timeout_seconds".to_string()));
        let chats = self.chat.iter().map(|c| {
            (
                c.timeout_seconds,
                format!("notify.chat `{}` timeout_seconds", c.name),
            )
        });
        smtp.chain(chats)
    }

    /// The longest time one delivery may take, and the setting that allows it. `None` with no
    /// channel configured.
    pub fn longest_timeout(&self) -> Option<(u64, String)> {
        self.timeouts().max_by_key(|(t, _)| *t)
    }

    /// Whom notifications go to, when and under which policy: the one reading of `[notify]`
    /// for the service and every command.
    pub fn addressing(&self) -> crate::reminder::Addressing {
        crate::reminder::Addressing {
            policy: self.policy.clone(),
            overrides: self.overrides.clone(),
            window: self.send_window,
            roles: self.roles.clone(),
            fallback: self.fallback.clone(),
            procedures: self.procedures.clone(),
        }
    }
}

impl PartialEq for NotifySettings {
    fn eq(&self, other: &Self) -> bool {
        // Secrets aside, the serialised forms agree exactly when the settings do.
        toml::to_string(self).ok() == toml::to_string(other).ok()
    }
}

/// The `[store]` section.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSettings {
    /// The state folder: the SQLite database lives here. Default: `$STATE_DIRECTORY` (set by
    /// systemd's `StateDirectory=`), else `./state`.
    pub state_dir: PathBuf,
    /// A database URL that overrides the SQLite file: `postgres://user@host/db` for authorities
    /// running more than one instance or already running PostgreSQL. Its password is never logged.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "redacted_opt"
    )]
    pub database_url: Option<secrecy::SecretString>,
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            state_dir: std::env::var_os("STATE_DIRECTORY")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("state")),
            database_url: None,
        }
    }
}

impl PartialEq for StoreSettings {
    fn eq(&self, other: &Self) -> bool {
        self.url() == other.url()
    }
}

impl StoreSettings {
    /// The URL to connect to: the configured one, or the SQLite file in the state folder.
    pub fn url(&self) -> String {
        use secrecy::ExposeSecret;
        match &self.database_url {
            Some(u) => u.expose_secret().to_string(),
            None => format!(
                "sqlite://{}",
                self.state_dir.join("timescales.db").display()
            ),
        }
    }
}

/// The longest name an API token may have: it is written into the audit after each change it
/// makes.
pub const MAX_TOKEN_NAME: usize = 40;

/// One API client's token.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSettings {
    /// Who holds it (the case-management system's name), for the audit log.
    pub name: String,
    /// The bearer token. Never logged; `config check` shows it redacted.
    #[serde(serialize_with = "redacted")]
    pub token: secrecy::SecretString,
    /// What it may do: `read`, `write`, `admin` (erasure), in any combination; or `calendar`
    /// alone, for a calendar feed.
    pub scopes: Vec<Scope>,
    /// With the `calendar` scope: the roles (`chair`, `manager`, ...) whose open deadlines the
    /// feed carries, in every procedure. A feed per role, or per person with the roles they
    /// hold; removing the token and reloading revokes it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calendar_roles: Vec<String>,
}

impl PartialEq for TokenSettings {
    fn eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret;
        self.name == other.name
            && self.scopes == other.scopes
            && self.calendar_roles == other.calendar_roles
            && self.token.expose_secret() == other.token.expose_secret()
    }
}

fn redacted<S: serde::Serializer>(_: &secrecy::SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("(redacted)")
}

fn redacted_opt<S: serde::Serializer>(
    v: &Option<secrecy::SecretString>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(_) => s.serialize_str("(redacted)"),
        None => s.serialize_none(),
    }
}

/// What an API token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Read complaints and deadlines.
    Read,
    /// Open complaints and record what happens to them.
    Write,
    /// Erase a complaint on request (UK GDPR): given only to the information-governance
    /// system or officer that handles such requests.
    Admin,
    /// Only the calendar feed `/calendar/TOKEN.ics` of the deadlines its `calendar_roles` own:
    /// the token is in the feed's address (calendar programs cannot send a header), so it may
    /// do nothing else.
    Calendar,
}

/// The `[api]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiSettings {
    /// Address to listen on. Loopback by default: put a TLS-terminating proxy in front to serve
    /// other machines.
    pub listen: String,
    /// Tokens written in the config (prefer `tokens_file`, or systemd credentials).
    pub tokens: Vec<TokenSettings>,
    /// A TOML file of `[[tokens]]` entries, kept out of the main config. When
    /// `$CREDENTIALS_DIRECTORY/api-tokens` exists (systemd `LoadCredential=`), it is read too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens_file: Option<PathBuf>,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            listen: "127.0.0.1:8480".into(),
            tokens: Vec::new(),
            tokens_file: None,
            max_body_bytes: 64 * 1024,
        }
    }
}

/// The `[display]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DisplaySettings {
    /// An open deadline due within this many working days shows amber (red once overdue, green
    /// otherwise).
    pub amber_within_working_days: i64,
}

impl Default for DisplaySettings {
    fn default() -> Self {
        DisplaySettings {
            amber_within_working_days: 2,
        }
    }
}

/// The `[procedures]` section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProcedureSettings {
    /// A folder of the authority's own procedure files and overrides (`*.toml`), read after the
    /// five shipped procedures and taking precedence over them. Absent: the shipped ones only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_dir: Option<PathBuf>,
}

/// The `[calendar]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarSettings {
    /// The division used when a command or procedure names none: an authority in Wales or England
    /// keeps `england-and-wales`, one in Scotland sets `scotland`.
    pub default_region: Division,
    /// The organisation's time zone (IANA name): a deadline ends at midnight here, and reminders
    /// go out at wall-clock times here. The build knows the United Kingdom's zones only
    /// (`Europe/London` and its aliases, and UTC): see `.cargo/config.toml`.
    pub time_zone: Tz,
    /// A folder of GOV.UK `bank-holidays.json` files that replace the embedded data for the years
    /// they cover, read at start-up in name order; `timescales holidays import` writes here.
    /// Absent: the embedded data only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holidays_dir: Option<PathBuf>,
    /// Where the service fetches GOV.UK's `bank-holidays.json` once a day (GOV.UK's own address
    /// is `https://www.gov.uk/bank-holidays.json`), installing it in `holidays_dir` when it is
    /// newer and believable ([`crate::calendar::refresh`]). Absent or empty: no refresh, the
    /// data changes only by `holidays import`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holidays_url: Option<String>,
    /// The organisation's own non-working days, counted like bank holidays.
    pub closures: Vec<ClosureSpec>,
}

impl CalendarSettings {
    /// The daily bank-holiday refresh `holidays_url` asks for, or why it cannot be done: the URL
    /// must be an http or https address, and the refreshed file needs a folder to go in.
    pub fn feed(&self) -> Result<Option<crate::lifecycle::holidays::HolidayFeed>, ConfigError> {
        let Some(url) = self
            .holidays_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        else {
            return Ok(None);
        };
        let Some(dir) = &self.holidays_dir else {
            return Err(ConfigError(
                "calendar.holidays_url needs calendar.holidays_dir, the folder the refreshed file is written to (the service can write to /var/lib/timescales/holidays)".into(),
            ));
        };
        crate::lifecycle::holidays::HolidayFeed::new(url, dir, &self.closures)
            .map(Some)
            .map_err(|e| ConfigError(format!("calendar.holidays_url: {e}")))
    }
}

impl Default for CalendarSettings {
    fn default() -> Self {
        CalendarSettings {
            default_region: Division::EnglandAndWales,
            time_zone: chrono_tz::Europe::London,
            holidays_dir: None,
            holidays_url: None,
            closures: Vec::new(),
        }
    }
}

/// A TOML value as `(dotted.key, value)` pairs; arrays of tables stay whole under their key.
fn flatten(v: &toml::Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, v: &toml::Value, out: &mut Vec<(String, String)>) {
        match v {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            other => out.push((prefix.to_string(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    walk("", v, &mut out);
    out
}

/// A parse error without the quoted source line the TOML parser adds: the line may hold a
/// secret (an unquoted password), and this message reaches the journal. Line and column stay.
fn without_source(message: &str) -> String {
    let kept: Vec<&str> = message
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            let gutter = t
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .trim_start();
            !gutter.starts_with('|')
        })
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    kept.join(": ")
}

/// Adds "did you mean" to serde's "unknown field `x`, expected one of `a`, `b`": the nearest valid
/// key by edit distance (a swap of two letters counting as one edit), when it is close enough to
/// be a typo; of keys equally near, the one sharing the longest start with what was typed.
fn suggest(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((given, rest)) = rest.split_once('`') else {
        return message.to_string();
    };
    let candidates: Vec<&str> = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .take_while(|c| !c.contains(' '))
        .collect();
    match nearest(given, &candidates) {
        Some(c) => format!("{message}: did you mean `{c}`?"),
        None => message.to_string(),
    }
}

/// The candidate `given` is most likely a typo of: the fewest edits (at most 2, or a third of its
/// length), then the longest common start (`prot` is `port`, not `from`, though both are two
/// substitutions away), then the first in order.
fn nearest<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let common_start = |c: &str| {
        given
            .chars()
            .zip(c.chars())
            .take_while(|(a, b)| a == b)
            .count()
    };
    candidates
        .iter()
        .map(|c| {
            (
                edit_distance(given, c),
                std::cmp::Reverse(common_start(c)),
                *c,
            )
        })
        .min()
        .filter(|(d, _, _)| *d <= 2.max(given.chars().count() / 3))
        .map(|(_, _, c)| c)
}

/// Edit distance between two short strings: insertions, deletions, substitutions and swaps of
/// two neighbouring letters each count one (optimal string alignment).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: the distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Adds `conf.d/*.toml` beside the config file, in name order: a package or an administrator
/// drops a file there (`50-smtp.toml`) instead of editing the main one; a later file wins.
fn add_drop_ins(
    mut builder: config::ConfigBuilder<config::builder::DefaultState>,
    config_file: &Path,
) -> Result<config::ConfigBuilder<config::builder::DefaultState>, ConfigError> {
    let dir = config_file
        .parent()
        .unwrap_or(Path::new("."))
        .join("conf.d");
    let files = crate::folder::files_with_extension(&dir, "toml")
        .map_err(|e| ConfigError(format!("{}: {e}", dir.display())))?;
    for f in files {
        builder = builder.add_source(config::File::from(f).format(config::FileFormat::Toml));
    }
    Ok(builder)
}

impl Settings {
    /// Loads the layers and validates the result. `explicit` is `--config`.
    pub fn load(explicit: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_from(explicit, std::env::vars())
    }

    /// As [`Settings::load`], with the environment given: tests show the precedence without
    /// touching the process environment.
    pub fn load_from(
        explicit: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        use config::{Config, Environment, File, FileFormat};
        let defaults = toml::to_string(&Settings::default())
            .map_err(|e| ConfigError(format!("built-in defaults: {e}")))?;
        let mut builder = Config::builder().add_source(File::from_str(&defaults, FileFormat::Toml));
        match explicit {
            Some(path) => {
                if !path.is_file() {
                    return Err(ConfigError(format!(
                        "config file {} does not exist",
                        path.display()
                    )));
                }
                builder = builder.add_source(File::from(path).format(FileFormat::Toml));
                builder = add_drop_ins(builder, path)?;
            }
            None => {
                let path = Path::new(DEFAULT_CONFIG_PATH);
                builder =
                    builder.add_source(File::from(path).format(FileFormat::Toml).required(false));
                builder = add_drop_ins(builder, path)?;
            }
        }
        let env: config::Map<String, String> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("TIMESCALES__"))
            .collect();
        builder = builder.add_source(
            Environment::with_prefix("TIMESCALES")
                .prefix_separator("__")
                .separator("__")
                .source(Some(env)),
        );
        let settings: Settings =
            builder
                .build()
                .and_then(|c| c.try_deserialize())
                .map_err(|e| {
                    let place = explicit
                        .map(|p| format!("{} (or its conf.d): ", p.display()))
                        .unwrap_or_default();
                    ConfigError(format!(
                        "{place}{}",
                        without_source(&suggest(&e.to_string()))
                    ))
                })?;
        settings.validate()?;
        Ok(settings)
    }

    /// Every setting in force, as `(dotted.key, value, where it came from)`: the built-in
    /// defaults, the config file, a `conf.d` file, or an environment variable. Secrets show as
    /// `(redacted)`. For `timescales config check`.
    pub fn provenance(
        &self,
        explicit: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Vec<(String, String, String)> {
        let effective =
            flatten(&toml::Value::try_from(self).unwrap_or(toml::Value::Table(Default::default())));
        // The layers, lowest first, each as the set of keys it sets.
        let mut layers: Vec<(String, Vec<String>)> = Vec::new();
        let file = explicit
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_PATH));
        let mut files = vec![file.clone()];
        if let Ok(drop_ins) = crate::folder::files_with_extension(
            &file.parent().unwrap_or(Path::new(".")).join("conf.d"),
            "toml",
        ) {
            files.extend(drop_ins);
        }
        for f in files {
            if let Some(v) = std::fs::read_to_string(&f)
                .ok()
                .and_then(|t| t.parse::<toml::Table>().ok())
            {
                layers.push((
                    f.display().to_string(),
                    flatten(&toml::Value::Table(v))
                        .into_iter()
                        .map(|(k, _)| k)
                        .collect(),
                ));
            }
        }
        let env_keys: Vec<(String, String)> = env
            .into_iter()
            .filter_map(|(k, _)| {
                k.strip_prefix("TIMESCALES__")
                    .map(|rest| (rest.to_lowercase().replace("__", "."), k.clone()))
            })
            .collect();
        effective
            .into_iter()
            .map(|(key, value)| {
                let covers = |set: &str| {
                    set == key
                        || key.starts_with(&format!("{set}."))
                        || set.starts_with(&format!("{key}."))
                };
                let source = env_keys
                    .iter()
                    .rev()
                    .find(|(k, _)| covers(k))
                    .map(|(_, var)| format!("environment {var}"))
                    .or_else(|| {
                        layers
                            .iter()
                            .rev()
                            .find(|(_, keys)| keys.iter().any(|k| covers(k)))
                            .map(|(f, _)| f.clone())
                    })
                    .unwrap_or_else(|| "built-in default".to_string());
                (key, value, source)
            })
            .collect()
    }

    /// Checks what types alone cannot: closures parse, and every destination a role or the
    /// operator is given names a channel that exists. (Otherwise each delivery to it would fail
    /// for good at its due time, which is too late to find a typo.)
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.retention.period()?;
        self.calendar.feed()?;
        for c in &self.calendar.closures {
            Closure::from_spec(c).map_err(|e| ConfigError(format!("calendar.closures: {e}")))?;
        }
        let n = &self.notify;
        if !n.digest.cron.trim().is_empty() {
            crate::outbox::DigestSchedule::parse(&n.digest.cron, self.calendar.time_zone)
                .map_err(ConfigError)?;
        }
        let chats: Vec<&str> = n.chat.iter().map(|c| c.name.as_str()).collect();
        for (i, name) in chats.iter().enumerate() {
            // Names appear in metrics labels and logs: plain ones only.
            let plain = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !plain {
                return Err(ConfigError(format!(
                    "notify.chat: the name `{name}` may hold only letters, digits, `-`, `_` and `.`"
                )));
            }
            if chats[..i].contains(name) {
                return Err(ConfigError(format!(
                    "notify.chat: two channels are named `{name}`"
                )));
            }
        }
        let chat = |name: &str, at: &str| -> Result<(), ConfigError> {
            if chats.contains(&name) {
                return Ok(());
            }
            let hint = nearest(name, &chats)
                .map(|c| format!(": did you mean `{c}`?"))
                .unwrap_or_else(|| match chats.is_empty() {
                    true => ": add a [[notify.chat]] entry with that name".into(),
                    false => format!(" (configured: {})", chats.join(", ")),
                });
            Err(ConfigError(format!(
                "{at}: no chat channel named `{name}`{hint}"
            )))
        };
        let email = |address: &str, at: &str| -> Result<(), ConfigError> {
            if n.smtp.is_none() {
                return Err(ConfigError(format!(
                    "{at} sends email, but no SMTP server is configured: add [notify.smtp]"
                )));
            }
            match address.parse::<lettre::Address>() {
                Ok(_) => Ok(()),
                Err(e) => Err(ConfigError(format!(
                    "{at}: `{address}` is not an email address ({e})"
                ))),
            }
        };
        let targets = |at: &str, targets: &crate::reminder::RoleTargets| {
            for name in &targets.chat {
                chat(name, &format!("{at}.chat"))?;
            }
            for address in &targets.email {
                email(address, &format!("{at}.email"))?;
            }
            Ok::<(), ConfigError>(())
        };
        for (role, t) in &n.roles {
            targets(&format!("notify.roles.{role}"), t)?;
        }
        if let Some(fallback) = &n.fallback {
            if !fallback.reaches_anyone() {
                return Err(ConfigError(
                    "notify.fallback names no destination: give it email or chat, or remove it"
                        .into(),
                ));
            }
            targets("notify.fallback", fallback)?;
        }
        if let Some(procedures) = &n.procedures {
            if procedures.is_empty() {
                return Err(ConfigError(
                    "notify.procedures is empty: list the procedures the authority uses, or remove it (then every procedure loaded is in use)".into(),
                ));
            }
            for (i, id) in procedures.iter().enumerate() {
                if procedures[..i].contains(id) {
                    return Err(ConfigError(format!("notify.procedures names `{id}` twice")));
                }
            }
        }
        self.validate_timeouts()?;
        self.validate_web()?;
        for dest in &n.admin {
            match dest.split_once(':') {
                Some(("chat", name)) => chat(name, "notify.admin")?,
                Some(("email", address)) => email(address, "notify.admin")?,
                _ => {
                    return Err(ConfigError(format!(
                        "notify.admin: `{dest}` is neither `email:ADDRESS` nor `chat:NAME`"
                    )))
                }
            }
        }
        Ok(())
    }

    /// The pages need a proxy to believe and a role someone can hold; header names must be
    /// header names.
    fn validate_web(&self) -> Result<(), ConfigError> {
        let w = &self.web;
        for (at, name) in [
            ("web.proxy.user_header", &w.proxy.user_header),
            ("web.proxy.groups_header", &w.proxy.groups_header),
        ] {
            if axum::http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(ConfigError(format!(
                    "{at}: `{}` is not an HTTP header name",
                    crate::text::quoted(name)
                )));
            }
        }
        if !w.enabled {
            return Ok(());
        }
        if w.proxy.addresses.is_empty() {
            return Err(ConfigError(
                "web.enabled needs web.proxy.addresses: the address of the reverse proxy that signs staff in (only its requests are believed)".into(),
            ));
        }
        let r = &w.roles;
        if [&r.viewer, &r.caseworker, &r.manager, &r.admin]
            .iter()
            .all(|g| g.is_empty())
        {
            return Err(ConfigError(
                "web.enabled needs at least one group in [web.roles] (viewer, caseworker, manager or admin): nobody could use the pages".into(),
            ));
        }
        Ok(())
    }

    /// Refuses a channel timeout the claim lease does not comfortably cover. A worker leases
    /// what it sends for `notify.lease_seconds`; a delivery still in flight when the lease ends
    /// is taken and sent again by another instance (a webhook answering in 8 s under a 3 s
    /// lease: every message twice). So the lease must hold twice the longest timeout plus
    /// [`LEASE_MARGIN_SECONDS`].
    fn validate_timeouts(&self) -> Result<(), ConfigError> {
        let n = &self.notify;
        if let Some((_, at)) = n.timeouts().find(|(t, _)| *t == 0) {
            return Err(ConfigError(format!(
                "{at} = 0 would fail every delivery at once: give it at least 1 second"
            )));
        }
        let Some((longest, at)) = n.longest_timeout() else {
            return Ok(());
        };
        let lease = n.lease();
        let needed = longest
            .saturating_mul(2)
            .saturating_add(LEASE_MARGIN_SECONDS);
        if lease < needed {
            return Err(ConfigError(format!(
                "notify.lease_seconds = {} is too short for {at} = {longest}: a delivery may take {longest} s, \
                 and one still in flight when its lease ends is sent again by another instance. \
                 Set notify.lease_seconds to at least {needed} (twice the longest channel timeout plus {LEASE_MARGIN_SECONDS} s), \
                 or shorten the timeout",
                n.lease_seconds
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_parse_error_names_line_and_column_but_never_quotes_the_line() {
        let f = file("[notify.smtp]\nhost = \"x\"\nfrom = \"a <a@b.org>\"\npassword = hunter2\n");
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("TOML parse error at line 4, column 12"), "{e}");
        assert!(e.contains("string values must be quoted"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn destinations_must_name_configured_channels() {
        let f = file("[notify.roles.chair]\nchat = [\"teams\"]\n[[notify.chat]]\nname = \"team\"\nkind = \"teams\"\nurl = \"https://example.org/hook\"\n");
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with(
                "notify.roles.chair.chat: no chat channel named `teams`: did you mean `team`?"
            ),
            "{e}"
        );
        let f = file("[notify]\nadmin = [\"email:it@council.example\"]\n");
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("notify.admin sends email, but no SMTP server is configured"),
            "{e}"
        );
        let f = file("[notify.smtp]\nhost = \"smtp.example\"\nfrom = \"t <t@council.example>\"\n[notify.roles.chair]\nemail = [\"chairs.council.example\"]\n");
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "notify.roles.chair.email: `chairs.council.example` is not an email address"
            ),
            "{e}"
        );
        let f = file("[notify]\nadmin = [\"it@council.example\"]\n");
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("neither `email:ADDRESS` nor `chat:NAME`"), "{e}");
        let chat = "[[notify.chat]]\nname = \"team\"\nkind = \"teams\"\nurl = \"https://example.org/hook\"\n";
        let f = file(&format!("{chat}{chat}"));
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with("notify.chat: two channels are named `team`"),
            "{e}"
        );
        let f = file(&chat.replace("\"team\"", "\"csr \\\"team\\\"\""));
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("may hold only letters, digits"), "{e}");
        let f = file("[notify.digest]\ncron = \"0 9 * * FUNDAY\"\n");
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("notify.digest.cron '0 9 * * FUNDAY'"), "{e}");
    }

    const TEAM: &str =
        "[[notify.chat]]\nname = \"team\"\nkind = \"teams\"\nurl = \"https://example.org/hook\"\n";

    #[test]
    fn a_channel_timeout_the_lease_does_not_comfortably_cover_is_refused_naming_both_and_the_fix() {
        // The case: a 3 s lease and a webhook that may take 8 s.
        let f = file(&format!(
            "[notify]\nlease_seconds = 3\n{TEAM}timeout_seconds = 8\n"
        ));
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "notify.lease_seconds = 3 is too short for notify.chat `team` timeout_seconds = 8"
            ),
            "{e}"
        );
        assert!(
            e.contains("Set notify.lease_seconds to at least 21 (twice the longest channel timeout plus 5 s), or shorten the timeout"),
            "{e}"
        );
        // Exactly twice the timeout plus the margin is enough.
        let f = file(&format!(
            "[notify]\nlease_seconds = 21\n{TEAM}timeout_seconds = 8\n"
        ));
        assert!(Settings::load_from(Some(f.path()), env(&[])).is_ok());
        // The SMTP timeout counts too (30 s by default), and the longest timeout decides.
        let smtp = "[notify.smtp]\nhost = \"smtp.example\"\nfrom = \"t <t@council.example>\"\n";
        let f = file(&format!("[notify]\nlease_seconds = 60\n{smtp}{TEAM}"));
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "notify.lease_seconds = 60 is too short for notify.smtp.timeout_seconds = 30"
            ) && e.contains("at least 65"),
            "{e}"
        );
        // The environment can fix it as it can any setting; the shipped defaults pass.
        let fixed = Settings::load_from(
            Some(f.path()),
            env(&[("TIMESCALES__NOTIFY__LEASE_SECONDS", "65")]),
        );
        assert!(fixed.is_ok(), "{fixed:?}");
        let f = file(&format!("{smtp}{TEAM}"));
        let s = Settings::load_from(Some(f.path()), env(&[])).unwrap();
        assert_eq!(
            (s.notify.lease(), s.notify.longest_timeout().map(|t| t.0)),
            (120, Some(30))
        );
        // A timeout of 0 would fail every delivery.
        let f = file(&format!("{TEAM}timeout_seconds = 0\n"));
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("notify.chat `team` timeout_seconds = 0 would fail every delivery"),
            "{e}"
        );
    }

    #[test]
    fn the_fallback_and_the_procedures_in_use_are_checked_like_any_destination() {
        let f = file(&format!(
            "[notify]\nprocedures = [\"kent\"]\nfallback = {{ chat = [\"teams\"] }}\n{TEAM}"
        ));
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with(
                "notify.fallback.chat: no chat channel named `teams`: did you mean `team`?"
            ),
            "{e}"
        );
        let f = file("[notify]\nfallback = { email = [\"unit@council.example\"] }\n");
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("notify.fallback.email sends email, but no SMTP server is configured"),
            "{e}"
        );
        let f = file("[notify]\nfallback = {}\n");
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("notify.fallback names no destination"), "{e}");
        let f = file("[notify]\nprocedures = []\n");
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("notify.procedures is empty"), "{e}");
        let f = file("[notify]\nprocedures = [\"kent\", \"kent\"]\n");
        let e = Settings::load_from(Some(f.path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.ends_with("notify.procedures names `kent` twice"), "{e}");
        let f = file(&format!(
            "[notify]\nprocedures = [\"kent\"]\nfallback = {{ chat = [\"team\"] }}\n{TEAM}"
        ));
        let s = Settings::load_from(Some(f.path()), env(&[])).unwrap();
        let a = s.notify.addressing();
        assert_eq!(a.procedures, Some(vec!["kent".to_string()]));
        assert_eq!(a.fallback.map(|f| f.chat), Some(vec!["team".to_string()]));
    }

    #[test]
    fn defaults_apply_with_no_file_and_no_environment() {
        let missing = Path::new("/nonexistent/timescales.toml");
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(s, Settings::default());
        assert!(Settings::load_from(Some(missing), env(&[])).is_err());
    }

    #[test]
    fn the_file_overrides_defaults_and_the_environment_overrides_the_file() {
        let f = file("[calendar]\ndefault_region = \"scotland\"\ntime_zone = \"Europe/London\"\n[[calendar.closures]]\nname = \"Office closure\"\nfrom = \"12-29\"\nto = \"12-31\"\n");
        let s = Settings::load_from(Some(f.path()), env(&[])).unwrap();
        assert_eq!(s.calendar.default_region, Division::Scotland);
        assert_eq!(s.calendar.closures.len(), 1);
        let s = Settings::load_from(
            Some(f.path()),
            env(&[
                ("TIMESCALES__CALENDAR__DEFAULT_REGION", "northern-ireland"),
                ("TIMESCALES_CONFIG", "ignored"),
            ]),
        )
        .unwrap();
        assert_eq!(s.calendar.default_region, Division::NorthernIreland);
        assert_eq!(s.calendar.closures.len(), 1);
    }

    #[test]
    fn drop_in_files_override_the_main_file_in_name_order_and_the_environment_overrides_them() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("timescales.toml");
        std::fs::write(
            &main,
            "[calendar]\ndefault_region = \"scotland\"\n[display]\namber_within_working_days = 3\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("conf.d")).unwrap();
        std::fs::write(
            dir.path().join("conf.d/10-region.toml"),
            "[calendar]\ndefault_region = \"northern-ireland\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("conf.d/20-region.toml"),
            "[calendar]\ndefault_region = \"england-and-wales\"\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("conf.d/README"), "not toml: ignored").unwrap();
        let s = Settings::load_from(Some(&main), env(&[])).unwrap();
        assert_eq!(s.calendar.default_region, Division::EnglandAndWales);
        assert_eq!(s.display.amber_within_working_days, 3);
        let s = Settings::load_from(
            Some(&main),
            env(&[("TIMESCALES__CALENDAR__DEFAULT_REGION", "scotland")]),
        )
        .unwrap();
        assert_eq!(s.calendar.default_region, Division::Scotland);
    }

    #[test]
    fn each_setting_says_where_it_came_from_and_secrets_never_show() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("timescales.toml");
        std::fs::write(&main, "[calendar]\ndefault_region = \"scotland\"\n[store]\ndatabase_url = \"postgres://app:s3cret@db/ts\"\n").unwrap();
        std::fs::create_dir(dir.path().join("conf.d")).unwrap();
        std::fs::write(
            dir.path().join("conf.d/50-display.toml"),
            "[display]\namber_within_working_days = 4\n",
        )
        .unwrap();
        let vars = env(&[("TIMESCALES__API__LISTEN", "127.0.0.1:9999")]);
        let s = Settings::load_from(Some(&main), vars.clone()).unwrap();
        let rows = s.provenance(Some(&main), vars);
        let find = |k: &str| {
            rows.iter()
                .find(|r| r.0 == k)
                .unwrap_or_else(|| panic!("{k} in {rows:?}"))
                .clone()
        };
        assert_eq!(
            find("calendar.default_region"),
            (
                "calendar.default_region".into(),
                "\"scotland\"".into(),
                main.display().to_string()
            )
        );
        assert_eq!(
            find("display.amber_within_working_days").2,
            dir.path()
                .join("conf.d/50-display.toml")
                .display()
                .to_string()
        );
        assert_eq!(
            find("api.listen"),
            (
                "api.listen".into(),
                "\"127.0.0.1:9999\"".into(),
                "environment TIMESCALES__API__LISTEN".into()
            )
        );
        assert_eq!(find("calendar.time_zone").2, "built-in default");
        assert_eq!(find("store.database_url").1, "\"(redacted)\"");
        assert!(!format!("{rows:?}").contains("s3cret"));
    }

    #[test]
    fn the_nearest_key_counts_a_swap_as_one_edit_and_prefers_a_shared_start() {
        assert_eq!(edit_distance("prot", "port"), 1);
        assert_eq!(edit_distance("prot", "from"), 2);
        assert_eq!(edit_distance("calendr", "calendar"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        let smtp = ["host", "port", "security", "username", "password", "from"];
        assert_eq!(nearest("prot", &smtp), Some("port"));
        assert_eq!(nearest("hots", &smtp), Some("host"));
        assert_eq!(nearest("passwrod", &smtp), Some("password"));
        assert_eq!(nearest("zzzzzz", &smtp), None);
        // Equally near: the one that starts as typed.
        assert_eq!(nearest("ab", &["xb", "ay"]), Some("ay"));
    }

    #[test]
    fn unknown_keys_bad_values_and_bad_closures_are_named() {
        let e = Settings::load_from(
            Some(file("[calendar]\ndefault_regoin = \"scotland\"\n").path()),
            env(&[]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("unknown field `default_regoin`"), "{e}");
        assert!(e.ends_with("did you mean `default_region`?"), "{e}");
        assert!(e.contains(".toml (or its conf.d): "), "{e}");
        let e = Settings::load_from(Some(file("[calendr]\n").path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.ends_with("did you mean `calendar`?"), "{e}");
        // Two substitutions from `from` and from `port`: the swapped letters win.
        let e = Settings::load_from(
            Some(
                file("[notify.smtp]\nhost = \"mail\"\nfrom = \"t@x.example\"\nprot = 25\n").path(),
            ),
            env(&[]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("unknown field `prot`"), "{e}");
        assert!(e.ends_with("did you mean `port`?"), "{e}");
        let e = Settings::load_from(Some(file("[zzz]\n").path()), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(!e.contains("did you mean"), "{e}");
        let e = Settings::load_from(
            Some(file("[calendar]\ntime_zone = \"Europe/Londn\"\n").path()),
            env(&[]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("Europe/Londn"), "{e}");
        let e = Settings::load_from(
            Some(file("[[calendar.closures]]\nname = \"Shut\"\nfrom = \"2027-13-01\"\n").path()),
            env(&[]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("closure 'Shut'") && e.contains("2027-13-01"),
            "{e}"
        );
    }
}
