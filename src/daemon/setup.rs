//! What the service builds from `[notify]` and the API tokens: the channels (with their secrets
//! resolved from systemd credentials), whom notifications go to, the digest schedule. Built whole
//! and checked before any of it is put in force, at start and on each reload.

use std::path::Path;
use std::sync::Arc;

/// Everything the service builds from `[notify]` and the API tokens, built and checked whole
/// before any of it is put in force (at start, and on each reload).
pub struct Setup {
    pub channels: Arc<crate::channel::Channels>,
    pub addressing: crate::reminder::Addressing,
    pub tokens: Vec<crate::api::Token>,
    /// The key the staff pages sign their forms with, when `[web]` serves them.
    pub form_key: Option<Arc<crate::web::FormKey>>,
    pub digest: Option<crate::outbox::DigestSchedule>,
    pub notify: crate::config::NotifySettings,
    /// `retention.after_close`, when set: the upkeep anonymises what is past it.
    pub retention: Option<crate::lifecycle::retention::Period>,
    /// `calendar.holidays_url`, when set: every instance refreshes the holiday data daily,
    /// at [`HOLIDAY_REFRESH_AT`] in the organisation's time zone.
    pub holiday_feed: Option<(
        crate::lifecycle::holidays::HolidayFeed,
        crate::outbox::DigestSchedule,
    )>,
}

/// When the daily holiday refresh runs (cron, in the organisation's time zone): the same
/// minute on every instance, so that instances sharing a database disagree about the holidays
/// for seconds, not hours; before anyone is at work.
pub const HOLIDAY_REFRESH_AT: &str = "0 4 * * *";

impl Setup {
    /// The setup `settings` call for, or the first reason it cannot be used.
    pub fn build(settings: &crate::config::Settings) -> Result<Setup, String> {
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
            addressing: notify.addressing(),
            tokens,
            form_key: match settings.web.enabled {
                true => Some(Arc::new(
                    crate::web::FormKey::load(settings.web.secret_file.as_deref())
                        .map_err(|e| e.to_string())?,
                )),
                false => None,
            },
            digest,
            notify,
            retention: settings.retention.period().map_err(|e| e.to_string())?,
            holiday_feed: match settings.calendar.feed().map_err(|e| e.to_string())? {
                Some(feed) => Some((
                    feed,
                    crate::outbox::DigestSchedule::parse(
                        HOLIDAY_REFRESH_AT,
                        settings.calendar.time_zone,
                    )?,
                )),
                None => None,
            },
        })
    }
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
pub fn build_email(s: &crate::channel::SmtpSettings) -> Result<crate::channel::Email, String> {
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
pub fn build_chat(c: &crate::channel::ChatSettings) -> Result<crate::channel::Webhook, String> {
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
