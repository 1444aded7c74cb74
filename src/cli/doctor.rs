//! `timescales doctor`: checks each part the running service depends on, the way the service
//! would use it, and says what to fix. Read-only: it creates no database, sends nothing unless
//! asked (`--send-test`), and changes no file.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use super::{CliError, Context};
use crate::config::Settings;

/// Arguments of `timescales doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Where the secrets named `credential:NAME` are (the files systemd's LoadCredential= reads).
    /// Default: $CREDENTIALS_DIRECTORY, else /etc/timescales/credentials.
    #[arg(long, value_name = "DIR")]
    credentials: Option<PathBuf>,
    /// Also send a test message to every admin destination and every chat channel.
    #[arg(long)]
    send_test: bool,
    /// Print JSON: one object per check.
    #[arg(long)]
    json: bool,
}

impl DoctorArgs {
    /// Whether JSON was asked for.
    pub(super) fn json(&self) -> bool {
        self.json
    }
}

/// How a check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Works.
    Ok,
    /// Works, but something will go wrong later or is not as it should be.
    Warn,
    /// The service will not work as it should until this is fixed.
    Fail,
}

/// One check's finding.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// What was checked: `config`, `database`, `smtp`, `chat team`...
    pub check: String,
    /// How it came out.
    pub verdict: Verdict,
    /// What was found.
    pub detail: String,
    /// What to do about it, for a warning or failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// The default folder of credential files: where the shipped unit's LoadCredential= reads them.
const CREDENTIALS: &str = "/etc/timescales/credentials";

/// A network check that has not answered within this long has failed.
const NETWORK_TIMEOUT: Duration = Duration::from_secs(20);

/// Prints findings as they come (a slow SMTP server should not look like a hang).
struct Report {
    json: bool,
    findings: Vec<Finding>,
}

impl Report {
    fn add(&mut self, check: &str, verdict: Verdict, detail: String, fix: Option<&str>) {
        let f = Finding {
            check: check.to_string(),
            verdict,
            detail,
            fix: fix.map(str::to_string),
        };
        if !self.json {
            let mark = match verdict {
                Verdict::Ok => "ok  ",
                Verdict::Warn => "WARN",
                Verdict::Fail => "FAIL",
            };
            // A detail of several lines (the roles that reach nobody) stays in its column.
            let detail = f.detail.replace('\n', &format!("\n{:19}", ""));
            println!("{mark}  {:<12} {detail}", f.check);
            if let Some(fix) = &f.fix {
                println!("      {:<12} fix: {fix}", "");
            }
        }
        self.findings.push(f);
    }
}

/// The config could not be loaded: the one finding, and exit 78.
pub(super) fn config_failed(message: &str, json: bool) -> CliError {
    let f = Finding {
        check: "config".into(),
        verdict: Verdict::Fail,
        detail: message.to_string(),
        fix: Some("correct the file named above; `timescales config check` validates it".into()),
    };
    if json {
        let _ = super::print_json(&vec![f]);
    } else {
        println!("FAIL  config       {}", f.detail);
        println!("      {:<12} fix: {}", "", f.fix.unwrap_or_default());
    }
    CliError::Config("the configuration cannot be used (see above)".into())
}

pub(super) fn run(ctx: &Context, args: DoctorArgs) -> Result<(), CliError> {
    // Secrets named `credential:NAME` resolve where the service's would.
    let credentials = args
        .credentials
        .clone()
        .or_else(|| std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(CREDENTIALS));
    if credentials.is_dir() {
        // Single-threaded still: no other thread reads the environment.
        std::env::set_var("CREDENTIALS_DIRECTORY", &credentials);
    }
    let rt = super::runtime()?;
    let mut report = Report {
        json: args.json,
        findings: Vec::new(),
    };
    rt.block_on(check_all(ctx, &args, &credentials, &mut report));
    if args.json {
        super::print_json(&report.findings)?;
    }
    let count = |v: Verdict| report.findings.iter().filter(|f| f.verdict == v).count();
    let (fails, warns) = (count(Verdict::Fail), count(Verdict::Warn));
    if !args.json {
        println!();
        println!(
            "{} checks: {} ok, {warns} warning{}, {fails} failure{}",
            report.findings.len(),
            count(Verdict::Ok),
            if warns == 1 { "" } else { "s" },
            if fails == 1 { "" } else { "s" },
        );
    }
    if fails > 0 {
        return Err(CliError::Failure(format!(
            "{fails} check{} failed: fix {} before starting the service",
            if fails == 1 { "" } else { "s" },
            if fails == 1 { "it" } else { "them" },
        )));
    }
    Ok(())
}

async fn check_all(
    ctx: &Context,
    args: &DoctorArgs,
    credentials: &std::path::Path,
    r: &mut Report,
) {
    use Verdict::{Fail, Ok, Warn};
    let s = &ctx.settings;

    // The config file.
    let path = ctx.config_path.clone().or_else(|| {
        let p = PathBuf::from(crate::config::DEFAULT_CONFIG_PATH);
        p.exists().then_some(p)
    });
    match path {
        Some(p) => r.add("config", Ok, format!("{} is valid", p.display()), None),
        None => r.add(
            "config",
            Warn,
            "no config file: built-in defaults only (no mail server, no recipients)".into(),
            Some("run `timescales init`, then edit /etc/timescales/timescales.toml"),
        ),
    }

    // Procedures.
    let procedures = match ctx.procedures() {
        Result::Ok(p) => {
            let ids: Vec<&str> = p.iter().map(|p| p.id.as_str()).collect();
            r.add(
                "procedures",
                Ok,
                format!("{} in force: {}", ids.len(), ids.join(", ")),
                None,
            );
            Some(p)
        }
        Err(e) => {
            r.add(
                "procedures",
                Fail,
                e.message().to_string(),
                Some("`timescales procedures check` shows each problem with its file and line"),
            );
            None
        }
    };

    // Retention (UK GDPR storage limitation): how long closed complaints keep their free text.
    match s.retention.period() {
        Result::Ok(Some(p)) => r.add(
            "retention",
            Ok,
            format!("closed complaints are anonymised {p} after they close"),
            None,
        ),
        Result::Ok(None) => r.add(
            "retention",
            Warn,
            "retention.after_close is not set: closed complaints keep their references, notes and names for ever".into(),
            Some("set [retention] after_close to your records schedule (for example \"6 years\"); `timescales retention run --dry-run` lists what it would anonymise"),
        ),
        Err(e) => r.add("retention", Fail, e.to_string(), None),
    }

    // Holiday data: how long the official GOV.UK data lasts.
    let today = ctx.today();
    match ctx.calendars() {
        Result::Ok(calendars) => {
            let mut worst: Option<(i64, String)> = None;
            for d in crate::calendar::Division::ALL {
                let end = calendars
                    .get(d)
                    .official_years()
                    .last()
                    .and_then(|y| chrono::NaiveDate::from_ymd_opt(y, 12, 31));
                let left = end.map_or(0, |e| (e - today).num_days());
                if worst.as_ref().is_none_or(|(w, _)| left < *w) {
                    let until = end.map_or("no official data".into(), |e| format!("to {e}"));
                    worst = Some((left, format!("{d}: official GOV.UK data {until}")));
                }
            }
            let (left, what) = worst.unwrap_or((0, "no divisions".into()));
            let fix = "when GOV.UK publishes the next years: `timescales holidays import FILE` (or set calendar.holidays_url for a daily refresh), then `systemctl reload timescales`";
            if left < 0 {
                r.add(
                    "holidays",
                    Fail,
                    format!(
                        "{what}: dates after it rely on holidays computed from the standing rules"
                    ),
                    Some(fix),
                );
            } else if left < 183 {
                r.add(
                    "holidays",
                    Warn,
                    format!("{what}: {left} days left"),
                    Some(fix),
                );
            } else {
                r.add(
                    "holidays",
                    Ok,
                    format!("{what} at the earliest ({left} days left)"),
                    None,
                );
            }
        }
        Err(e) => r.add(
            "holidays",
            Fail,
            e.message().to_string(),
            Some("remove or repair the file named, in calendar.holidays_dir"),
        ),
    }

    // The daily bank-holiday refresh.
    match s.calendar.feed() {
        Result::Ok(Some(feed)) => r.add(
            "holiday refresh",
            Ok,
            format!(
                "fetched daily from {} into {} by the service (`timescales holidays refresh --dry-run` tries it now)",
                feed.shown(),
                feed.dir.display()
            ),
            None,
        ),
        Result::Ok(None) => r.add(
            "holiday refresh",
            Ok,
            "off: the holiday data changes only by `timescales holidays import`".into(),
            Some("for a daily refresh from GOV.UK, set calendar.holidays_url = \"https://www.gov.uk/bank-holidays.json\" and calendar.holidays_dir"),
        ),
        Err(e) => r.add("holiday refresh", Fail, e.to_string(), None),
    }

    // Time zone and clock.
    let tz = s.calendar.time_zone;
    let local = ctx.clock.now().with_timezone(&tz);
    r.add(
        "time zone",
        if tz == chrono_tz::Europe::London {
            Ok
        } else {
            Warn
        },
        format!(
            "{tz}: it is {} there now (UTC{})",
            local.format("%a %-d %b %Y %H:%M %Z"),
            local.format("%:z")
        ),
        (tz != chrono_tz::Europe::London)
            .then_some("every shipped procedure is English: set calendar.time_zone = \"Europe/London\" unless a local procedure needs another"),
    );
    match clock_synchronised() {
        Some(true) => r.add("clock", Ok, "synchronised (NTP)".into(), None),
        Some(false) => r.add(
            "clock",
            Warn,
            "not synchronised: due dates, reminders and \"today\" follow this clock".into(),
            Some("`timedatectl set-ntp true`, or point the server at the council's time source"),
        ),
        None => r.add(
            "clock",
            Warn,
            "cannot tell whether the clock is synchronised (no timedatectl answer)".into(),
            Some("check the server's time service: due dates and reminders follow this clock"),
        ),
    }

    // The database, looked at without changing it.
    check_store(s, r).await;

    // API tokens, recipients and each channel, built as the service builds them: one that
    // cannot be built (an unreadable credential) fails alone, and the others are still checked.
    let secrets_fix = format!(
        "secrets named credential:NAME are read from {} (run as root, or pass --credentials)",
        credentials.display()
    );
    let tokens = match crate::api::load_tokens(&s.api) {
        Result::Ok(tokens) => tokens,
        Err(e) => {
            r.add("api", Fail, e.to_string(), Some(&secrets_fix));
            Vec::new()
        }
    };
    if tokens.is_empty() && !r.findings.iter().any(|f| f.check == "api") {
        r.add(
            "api",
            Warn,
            format!(
                "no API tokens: {} refuses every /api/v1 request",
                s.api.listen
            ),
            Some("add tokens to /etc/timescales/credentials/api-tokens (see README: API tokens)"),
        );
    } else {
        r.add(
            "api",
            Ok,
            format!(
                "{} token{} for {}",
                tokens.len(),
                if tokens.len() == 1 { "" } else { "s" },
                s.api.listen
            ),
            None,
        );
    }
    let n = &s.notify;
    check_routing(s, procedures.as_ref(), r);
    if n.admin.is_empty() {
        r.add(
            "admin",
            Warn,
            "notify.admin is empty: failed deliveries and holiday-data alerts reach only the log"
                .into(),
            Some("set notify.admin = [\"email:...\"] or [\"chat:NAME\"]"),
        );
    }
    let email = match n.smtp.as_ref().map(crate::daemon::build_email) {
        Some(Err(e)) => {
            r.add("smtp", Fail, e, Some(&secrets_fix));
            None
        }
        Some(Result::Ok(email)) => Some(email),
        None => None,
    };
    match &email {
        Some(email) => {
            match tokio::time::timeout(NETWORK_TIMEOUT, email.check()).await {
                Result::Ok(Result::Ok(())) => r.add(
                    "smtp",
                    Ok,
                    format!("{}: connected and accepted", email.server()),
                    None,
                ),
                Result::Ok(Err(e)) => r.add(
                    "smtp",
                    Fail,
                    e,
                    Some("check notify.smtp (host, port, security, username) and the smtp-password credential"),
                ),
                Err(_) => r.add(
                    "smtp",
                    Fail,
                    format!("{}: no answer within {NETWORK_TIMEOUT:?}", email.server()),
                    Some("check the host and port, and that the firewall lets this server reach it"),
                ),
            }
        }
        None if n.smtp.is_some() => {}
        None => r.add("smtp", Ok, "not configured (no role sends email)".into(), None),
    }
    let mut chats = Vec::new();
    for c in &n.chat {
        match crate::daemon::build_chat(c) {
            Result::Ok(chat) => chats.push(chat),
            Err(e) => r.add(&format!("chat {}", c.name), Fail, e, Some(&secrets_fix)),
        }
    }
    let channels = crate::channel::Channels::new(email, chats);
    for chat in channels.chats() {
        let check = format!("chat {}", chat.name());
        match tokio::time::timeout(NETWORK_TIMEOUT, chat.check()).await {
            Result::Ok(Result::Ok(said)) => r.add(&check, Ok, format!("reachable: {said}"), None),
            Result::Ok(Err(e)) => r.add(
                &check,
                Fail,
                e,
                Some("check its url (or the webhook-url credential), the firewall and any proxy"),
            ),
            Err(_) => r.add(
                &check,
                Fail,
                format!("{}: no answer within {NETWORK_TIMEOUT:?}", chat.host()),
                Some("check the firewall and any proxy"),
            ),
        }
    }
    if args.send_test {
        let mut destinations = n.admin.clone();
        for chat in channels.chats() {
            let d = format!("chat:{}", chat.name());
            if !destinations.contains(&d) {
                destinations.push(d);
            }
        }
        let now = ctx.clock.now();
        let message = crate::channel::Message {
            key: format!("doctor-{}", now.timestamp()),
            subject: "timescales: a test message from `timescales doctor`".into(),
            facts: vec![
                (
                    "Sent at".into(),
                    local.format("%-d %B %Y %H:%M %Z").to_string(),
                ),
                (
                    "Why".into(),
                    "An administrator checked that notifications arrive here.".into(),
                ),
            ],
            link: None,
            severity: crate::channel::Severity::Reminder,
            thread: None,
            table: None,
            about: None,
        };
        for d in destinations {
            let check = format!("test {}", crate::outbox::redact(&d));
            match tokio::time::timeout(NETWORK_TIMEOUT, channels.deliver(&d, &message, now)).await {
                Result::Ok(Result::Ok(())) => r.add(&check, Ok, "sent: look for it".into(), None),
                Result::Ok(Err(e)) => r.add(&check, Fail, e.to_string(), None),
                Err(_) => r.add(&check, Fail, "no answer".into(), None),
            }
        }
    }
}

/// Whether every role that owns a deadline of a procedure in use, or receives its escalations,
/// reaches someone: the service refuses to start when one does not.
fn check_routing(s: &Settings, procedures: Option<&crate::procedure::Procedures>, r: &mut Report) {
    let Some(procedures) = procedures else {
        return r.add(
            "routing",
            Verdict::Warn,
            "not checked: the procedures do not load".into(),
            Some("fix the procedures first (see above)"),
        );
    };
    let routing = crate::reminder::Routing::check(&s.notify.addressing(), procedures);
    if let Some((why, fix)) = routing.problem() {
        return r.add("routing", Verdict::Fail, why, Some(fix));
    }
    if !routing.on {
        return r.add(
            "routing",
            Verdict::Warn,
            "notifications are off: no role has a destination, so no reminder or alert will be sent".into(),
            Some("add [notify.roles.ROLE] entries with email and/or chat destinations"),
        );
    }
    let in_use = format!(
        "{} procedure{} in use ({})",
        routing.procedures.len(),
        if routing.procedures.len() == 1 {
            ""
        } else {
            "s"
        },
        routing.procedures.join(", ")
    );
    match crate::daemon::fallback_note(&routing) {
        Some(note) => r.add(
            "routing",
            Verdict::Warn,
            format!("{in_use}: {note}"),
            Some("give those roles [notify.roles.ROLE] entries unless the fallback is where they belong"),
        ),
        None => r.add(
            "routing",
            Verdict::Ok,
            format!(
                "{in_use}: each of their {} roles reaches a destination of its own",
                routing.roles.len()
            ),
            None,
        ),
    }
}

async fn check_store(s: &Settings, r: &mut Report) {
    let url = s.store.url();
    let shown = crate::store::redact_url(&url);
    let found = tokio::time::timeout(NETWORK_TIMEOUT, crate::store::Store::inspect(&url)).await;
    let fix_connect = if url.starts_with("sqlite://") {
        "check store.state_dir and its permissions (run doctor as root or as the timescales user)"
    } else {
        "check store.database_url, that PostgreSQL runs and accepts this user, and the firewall"
    };
    let i = match found {
        Result::Ok(Result::Ok(i)) => i,
        Result::Ok(Err(e)) => {
            return r.add(
                "database",
                Verdict::Fail,
                format!("{shown}: {e}"),
                Some(fix_connect),
            )
        }
        Err(_) => {
            return r.add(
                "database",
                Verdict::Fail,
                format!("{shown}: no answer within {NETWORK_TIMEOUT:?}"),
                Some(fix_connect),
            )
        }
    };
    if !i.exists {
        return r.add(
            "database",
            Verdict::Ok,
            format!("{shown} does not exist yet: the service creates it at its first start"),
            None,
        );
    }
    if let Some(owner) = sqlite_owner_mismatch(&url) {
        return r.add(
            "database",
            Verdict::Fail,
            format!("{shown} is owned by {owner}, but the service runs as timescales"),
            Some("chown timescales:timescales the database and its -wal and -shm files; run commands on it as `sudo -u timescales timescales ...`"),
        );
    }
    let (verdict, detail, fix) = match i.migrations_applied.cmp(&i.migrations_embedded) {
        std::cmp::Ordering::Equal => (
            Verdict::Ok,
            format!("{shown}: {} complaints, schema up to date", i.complaints),
            None,
        ),
        std::cmp::Ordering::Less => (
            Verdict::Ok,
            format!(
                "{shown}: {} complaints; the next start upgrades the schema ({} of {} steps applied)",
                i.complaints, i.migrations_applied, i.migrations_embedded
            ),
            None,
        ),
        std::cmp::Ordering::Greater => (
            Verdict::Fail,
            format!(
                "{shown}: its schema is newer than this program ({} steps, this program knows {})",
                i.migrations_applied, i.migrations_embedded
            ),
            Some("install the newer timescales again: going back a version is not supported (restore a backup to go back)"),
        ),
    };
    r.add("database", verdict, detail, fix);
}

/// For a SQLite file in the service's own state folder (one owned by the `timescales` user, as
/// systemd's StateDirectory= makes it): the file owner's name if it is someone else, whom a
/// command run as root left behind and the service then cannot write.
fn sqlite_owner_mismatch(url: &str) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let path = url.strip_prefix("sqlite://")?;
        let path = std::path::Path::new(path);
        let owner = std::fs::metadata(path).ok()?.uid();
        let folder_owner = std::fs::metadata(path.parent()?).ok()?.uid();
        let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
        let uid_of = |name: &str| {
            passwd.lines().find_map(|l| {
                let mut f = l.split(':');
                (f.next() == Some(name)).then(|| f.nth(1)?.parse::<u32>().ok())?
            })
        };
        let service = uid_of("timescales")?;
        if folder_owner != service || owner == service {
            return None;
        }
        let name = passwd
            .lines()
            .find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.get(2)?.parse::<u32>().ok()? == owner).then(|| f[0].to_string())
            })
            .unwrap_or_else(|| format!("uid {owner}"));
        Some(name)
    }
    #[cfg(not(unix))]
    {
        let _ = url;
        None
    }
}

/// Whether the system clock is synchronised, when the system can say.
fn clock_synchronised() -> Option<bool> {
    // systemd-timesyncd touches this file once synchronised.
    if std::path::Path::new("/run/systemd/timesync/synchronized").exists() {
        return Some(true);
    }
    let out = std::process::Command::new("timedatectl")
        .args(["show", "--property=NTPSynchronized", "--value"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    match String::from_utf8_lossy(&out.stdout).trim() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}
