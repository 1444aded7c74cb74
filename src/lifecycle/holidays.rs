//! Bank holidays that stay current on their own: `calendar.holidays_url` (GOV.UK's
//! `https://www.gov.uk/bank-holidays.json`) fetched daily at 04:00 by the service, or at once by
//! `timescales holidays refresh`.
//!
//! A fetched file goes through exactly what `holidays import` does: GOV.UK's shape and the
//! plausibility rules of [`crate::calendar::OfficialData::parse`], then
//! [`crate::calendar::refresh::compare`] against the calendars in force (refused whole when it
//! changes today or a day that has passed, covers fewer years, or thins a coming year). A file
//! that changes nothing is not written. One that is believable and changes something is
//! installed atomically as `holidays_dir/bank-holidays.json`, put in force, and the open
//! complaints whose deadlines it can move are re-derived (all of them, whatever the store
//! notes: another instance may have noted the change while this one derived with the old
//! data), each moved deadline written to the complaint's audit trail. Who runs the service is
//! told what changed (or why a file was refused) by the daemon.
//!
//! Why a size cap and a deadline on the download: the address is configured, but what answers
//! it is not ours. GOV.UK's file is about 20 KB; a server that sends gigabytes, or a byte a
//! minute, must not hold the service's memory or its upkeep.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::{Lifecycle, LifecycleError};
use crate::calendar::refresh::{compare, install, Assessment, Refusal, FILE_NAME};
use crate::calendar::{CalendarError, Calendars, ClosureSpec, OfficialData};

/// The largest file accepted: fifty times GOV.UK's.
pub const MAX_BYTES: usize = 1024 * 1024;

/// How long a fetch may take in all, connecting included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Where fresh holiday data comes from and goes to (`calendar.holidays_url`,
/// `calendar.holidays_dir`), with the closures in force (they are part of the calendars a new
/// file is judged by).
#[derive(Clone, Debug, PartialEq)]
pub struct HolidayFeed {
    /// The address fetched.
    pub url: reqwest::Url,
    /// The holidays folder the file is installed in.
    pub dir: PathBuf,
    /// `calendar.closures`.
    pub closures: Vec<ClosureSpec>,
}

/// Why a refresh did not install anything.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The file could not be fetched (network, status, size, time).
    #[error("fetching {url}: {message}")]
    Fetch {
        /// The address, without credentials or query.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The file is not valid GOV.UK bank-holiday data.
    #[error(transparent)]
    Invalid(#[from] CalendarError),
    /// The file is valid but not believable (see [`Refusal`]).
    #[error("holiday data {source_name} refused: {refusal}")]
    Refused {
        /// Where it came from.
        source_name: String,
        /// Why.
        refusal: Refusal,
    },
    /// The file could not be written to the holidays folder.
    #[error("cannot install {path}: {message}")]
    Install {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Installed, but re-deriving the stored deadlines failed (the next start or reload
    /// finishes it).
    #[error("installed, but re-deriving stored deadlines failed: {0}")]
    Rederive(#[from] LifecycleError),
}

impl RefreshError {
    /// What kind of failure this is, so the operator is told of each kind at most once a
    /// week, not every day (and a server cannot defeat that by varying what it sends).
    pub fn key(&self) -> &'static str {
        match self {
            RefreshError::Fetch { .. } => "fetch",
            RefreshError::Invalid(_) => "invalid",
            RefreshError::Refused { .. } => "refused",
            RefreshError::Install { .. } => "install",
            RefreshError::Rederive(_) => "rederive",
        }
    }
}

/// A file fetched, validated and judged, not yet installed.
pub struct Prepared {
    /// The file as fetched.
    pub json: String,
    /// The file as parsed.
    pub data: OfficialData,
    /// The calendars it would put in force.
    pub next: Calendars,
    /// What it changes from today on, listed even when it is refused.
    pub assessment: Assessment,
    /// Why it is not believable, when it is not (`holidays import --force` installs it all the
    /// same, and shows the list: that is when the operator most needs it).
    pub refusal: Option<RefreshError>,
}

/// What a refresh did.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Refreshed {
    /// The file changes nothing in force: nothing was written.
    Unchanged,
    /// Installed and in force.
    Installed {
        /// The file written.
        path: PathBuf,
        /// What changed.
        #[serde(flatten)]
        assessment: Assessment,
        /// Complaints whose deadlines moved (re-derived and audited).
        moved: usize,
    },
}

impl HolidayFeed {
    /// The feed from `url` into `dir`, or why `url` cannot be fetched: it must be an http or
    /// https address with a host.
    pub fn new(url: &str, dir: &Path, closures: &[ClosureSpec]) -> Result<Self, String> {
        // The address may hold a key or a password: a message names what is wrong with it,
        // never the address itself.
        let parsed = reqwest::Url::parse(url.trim())
            .map_err(|e| format!("the address cannot be read ({e})"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(format!(
                "a '{}' address is not an http or https address with a host, e.g. https://www.gov.uk/bank-holidays.json",
                crate::text::quoted(parsed.scheme())
            ));
        }
        Ok(HolidayFeed {
            url: parsed,
            dir: dir.to_path_buf(),
            closures: closures.to_vec(),
        })
    }

    /// The address as logs and messages show it: scheme, host, port and path only, so a token
    /// in a query string or a password never reaches them.
    pub fn shown(&self) -> String {
        let u = &self.url;
        let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
        format!(
            "{}://{}{port}{}",
            u.scheme(),
            u.host_str().unwrap_or(""),
            u.path()
        )
    }

    /// Fetches the file: an error for anything but a success status, a body over
    /// [`MAX_BYTES`], a fetch over [`FETCH_TIMEOUT`], or a body that is not UTF-8.
    pub async fn fetch(&self) -> Result<String, RefreshError> {
        let fail = |message: String| RefreshError::Fetch {
            url: self.shown(),
            message,
        };
        let client = reqwest::Client::builder()
            .user_agent(crate::channel::USER_AGENT)
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| fail(e.to_string()))?;
        let mut response = client
            .get(self.url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| fail(without_url(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(fail(format!("the server answered {status}")));
        }
        let too_big = || fail(format!("the file is larger than {MAX_BYTES} bytes"));
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BYTES as u64)
        {
            return Err(too_big());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| fail(without_url(&e)))? {
            if body.len() + chunk.len() > MAX_BYTES {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).map_err(|e| fail(format!("the file is not UTF-8 text: {e}")))
    }

    /// Validates `json` as `holidays import` does and judges it against `current` as of
    /// `today` ([`prepare`]).
    pub fn prepare(
        &self,
        json: String,
        current: &Calendars,
        today: chrono::NaiveDate,
    ) -> Result<Prepared, RefreshError> {
        prepare(
            &self.shown(),
            json,
            &self.dir,
            &self.closures,
            current,
            today,
        )
    }
}

/// Validates `json` (from `source`, for messages) as GOV.UK bank-holiday data and judges it
/// against `current` as of `today`: what installing it in `dir` would put in force and change.
/// The one check of `holidays import`, `holidays refresh` and the service's daily refresh.
pub fn prepare(
    source: &str,
    json: String,
    dir: &Path,
    closures: &[ClosureSpec],
    current: &Calendars,
    today: chrono::NaiveDate,
) -> Result<Prepared, RefreshError> {
    let data = OfficialData::parse(source, &json)?;
    let target = dir.join(FILE_NAME);
    let next = Calendars::load_replacing(Some(dir), closures, Some((&target, &data)))?;
    let (assessment, refusal) = compare(current, &next, today);
    let refusal = refusal.map(|refusal| RefreshError::Refused {
        source_name: source.to_string(),
        refusal,
    });
    Ok(Prepared {
        json,
        data,
        next,
        assessment,
        refusal,
    })
}

/// Writes `json` into the holidays folder `dir` ([`install`]).
pub fn write(dir: &Path, json: &str) -> Result<PathBuf, RefreshError> {
    install(dir, json).map_err(|e| RefreshError::Install {
        path: dir.join(FILE_NAME).display().to_string(),
        message: e.to_string(),
    })
}

/// reqwest's message without the URL it carries (which may hold a secret).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "too many redirects"
    } else if e.is_body() || e.is_decode() {
        "the body could not be read"
    } else {
        "the request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {cause}")
    }
}

impl Lifecycle {
    /// Fetches `feed`, and when the file is valid, believable and changes something, installs
    /// it, puts it in force and re-derives the open complaints it can move (each moved deadline
    /// audited). Nothing is written when any step before the install fails.
    pub async fn refresh_holidays(&self, feed: &HolidayFeed) -> Result<Refreshed, RefreshError> {
        let json = feed.fetch().await?;
        let Prepared {
            json,
            next,
            assessment,
            refusal,
            ..
        } = feed.prepare(json, &self.calendars(), self.today_default())?;
        if let Some(refusal) = refusal {
            return Err(refusal);
        }
        if !assessment.differs {
            // Nothing new here; but a re-derivation cut short (a stop, a failed complaint) is
            // finished now, rather than at the next start.
            self.recompute_if_changed().await?;
            return Ok(Refreshed::Unchanged);
        }
        let path = write(&feed.dir, &json)?;
        let before = self.calendars();
        self.set_calendars(next);
        // Every complaint the changed years can move, whatever the store notes: with several
        // instances on one database, another may have noted this change already while this
        // one still derived with the old data.
        let moved = self.rederive_changed_years(&before).await?;
        Ok(Refreshed::Installed {
            path,
            assessment,
            moved,
        })
    }
}
