//! Email over SMTP with lettre: STARTTLS, implicit TLS or (for a relay on the same host, and
//! tests) none; authentication; a connection pool; timeouts. Multipart plain text and HTML, and
//! these headers:
//!
//! - `Message-ID: <KEY@DOMAIN>`: the message's key (one per notification, the same on every
//!   retry, so a copy resent after a crash or a retry is recognisably the same message) at the
//!   sender's domain (`notify.smtp.from`), as RFC 5322 asks of an id's right-hand side.
//! - `In-Reply-To` and `References: <THREAD@DOMAIN>` when the message belongs to a thread (one per
//!   complaint): clients that thread by these headers show one complaint's messages together.
//!   The thread's first message is never sent: every message points at the same absent parent.
//! - `Auto-Submitted: auto-generated` (RFC 3834, the standard) and `X-Auto-Response-Suppress:
//!   All` (Exchange's own), so out-of-office replies and mail loops stay away.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{DeliveryError, Message};

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SmtpSecurity {
    /// STARTTLS on the submission port (587). The default.
    #[default]
    Starttls,
    /// TLS from the start (465).
    Tls,
    /// None: only for a relay on the same machine, or tests.
    None,
}

/// The `[notify.smtp]` section.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    /// The SMTP server.
    pub host: String,
    /// Its port (default: 587 for STARTTLS, 465 for TLS, 25 for none).
    #[serde(default)]
    pub port: Option<u16>,
    /// How the connection is protected.
    #[serde(default)]
    pub security: SmtpSecurity,
    /// The account to authenticate as, if any.
    #[serde(default)]
    pub username: Option<String>,
    /// Its password. Never logged; prefer a systemd credential (`smtp-password`).
    #[serde(default, skip_serializing)]
    pub password: Option<SecretString>,
    /// The sender, e.g. `timescales <timescales@council.gov.uk>`.
    pub from: String,
    /// How long one delivery may take, in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
}

fn default_timeout() -> u64 {
    30
}

/// `Auto-Submitted: auto-generated` (RFC 3834).
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

/// `X-Auto-Response-Suppress: All`: Exchange sends no out-of-office, delivery or read receipt
/// in reply.
#[derive(Clone)]
struct AutoResponseSuppress;

impl Header for AutoResponseSuppress {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Auto-Response-Suppress")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoResponseSuppress)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "All".into())
    }
}

/// The email channel: a pooled SMTP transport and the sender.
#[derive(Clone)]
pub struct Email {
    /// The pool in force, and how many times it was replaced: a delivery that times out leaves
    /// its connection mid-conversation, so the pool it came from is shut down and a fresh one
    /// takes its place (see [`Email::send`]).
    pool: Arc<Mutex<(u64, AsyncSmtpTransport<Tokio1Executor>)>>,
    /// Builds a fresh pool.
    builder: AsyncSmtpTransportBuilder,
    /// How long one delivery may take, whole: connecting, greeting, TLS, login and sending.
    timeout: Duration,
    from: Mailbox,
    /// The sender's domain: the right-hand side of every Message-ID and thread id.
    domain: String,
    /// `host:port`, for reports.
    server: String,
}

impl Email {
    /// Builds the transport; a bad host or sender is an error naming it.
    pub fn new(s: &SmtpSettings) -> Result<Self, String> {
        let from: Mailbox = s
            .from
            .parse()
            .map_err(|e| format!("notify.smtp.from '{}': {e}", s.from))?;
        let builder = match s.security {
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                .map_err(|e| format!("notify.smtp.host '{}': {e}", s.host))?
                .port(s.port.unwrap_or(587)),
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)
                .map_err(|e| format!("notify.smtp.host '{}': {e}", s.host))?
                .port(s.port.unwrap_or(465)),
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host)
                .port(s.port.unwrap_or(25)),
        };
        let builder = builder.timeout(Some(Duration::from_secs(s.timeout_seconds)));
        let builder = match (&s.username, &s.password) {
            (Some(u), Some(p)) => {
                builder.credentials(Credentials::new(u.clone(), p.expose_secret().to_string()))
            }
            _ => builder,
        };
        let port = s.port.unwrap_or(match s.security {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        });
        Ok(Email {
            pool: Arc::new(Mutex::new((0, builder.clone().build()))),
            builder,
            timeout: Duration::from_secs(s.timeout_seconds),
            domain: from.email.domain().to_string(),
            from,
            server: format!("{}:{port}", s.host),
        })
    }

    /// The pool in force and its generation.
    fn transport(&self) -> (u64, AsyncSmtpTransport<Tokio1Executor>) {
        let pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        (pool.0, pool.1.clone())
    }

    /// Replaces pool `generation` (unless another timed-out delivery already did) and shuts it
    /// down in the background: its connections are closed instead of reused, and deliveries
    /// still waiting on it fail (transiently) rather than talk on a connection whose last
    /// command was cut short.
    fn replace_pool(&self, generation: u64) {
        let stale = {
            let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
            if pool.0 != generation {
                return;
            }
            let fresh = self.builder.clone().build();
            pool.0 += 1;
            std::mem::replace(&mut pool.1, fresh)
        };
        // Closing says QUIT and waits for the answer a hung server never gives: not here.
        tokio::spawn(async move { stale.shutdown().await });
    }

    /// The server, `host:port`.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Connects, greets, upgrades to TLS and authenticates exactly as a delivery would, then
    /// stops short of sending: what `timescales doctor` checks.
    pub async fn check(&self) -> Result<(), String> {
        match self.transport().1.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(format!("{}: the server closed the connection", self.server)),
            Err(e) => Err(match e.status() {
                Some(code) if code.to_string().starts_with("53") => {
                    format!("{}: authentication refused ({code})", self.server)
                }
                Some(code) => format!("{}: the server answered {code}", self.server),
                None if e.is_timeout() => format!("{}: timed out", self.server),
                None => format!("{}: {e}", self.server),
            }),
        }
    }

    /// `<LOCAL@DOMAIN>`: a message or thread id at the sender's domain.
    fn id(&self, local: &str) -> String {
        format!("<{local}@{}>", self.domain)
    }

    /// Sends `message` to `to`.
    pub async fn send(&self, to: &str, message: &Message) -> Result<(), DeliveryError> {
        // Errors name the recipient's domain only: addresses stay out of logs.
        let domain = to.rsplit_once('@').map_or("?", |(_, d)| d).to_string();
        let to: Mailbox = to
            .parse()
            .map_err(|_| DeliveryError::Permanent(format!("a malformed address at {domain}")))?;
        let mut email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .message_id(Some(self.id(&message.key)))
            .header(AutoSubmitted)
            .header(AutoResponseSuppress);
        if let Some(thread) = &message.thread {
            email = email
                .in_reply_to(self.id(thread))
                .references(self.id(thread));
        }
        let email = email
            .multipart(MultiPart::alternative_plain_html(
                message.text(),
                message.html(),
            ))
            .map_err(|e| DeliveryError::Permanent(format!("building the email: {e}")))?;
        // The server's reply can repeat the address: only its status code is kept.
        let describe = |e: &lettre::transport::smtp::Error| match e.status() {
            Some(code) => format!("SMTP: the server answered {code} for a recipient at {domain}"),
            None if e.is_timeout() => "SMTP: timed out".to_string(),
            None => "SMTP: could not deliver (connection or TLS failure)".to_string(),
        };
        // lettre's own timeout bounds only the TCP connection: a server that accepts and then
        // stops answering would hold the delivery (and its lease) for ever. The whole delivery
        // is bounded here, so `notify.lease_seconds` can be checked against it.
        let (generation, transport) = self.transport();
        match tokio::time::timeout(self.timeout, transport.send(email)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_permanent() => Err(DeliveryError::Permanent(describe(&e))),
            Ok(Err(e)) => Err(DeliveryError::transient(describe(&e))),
            Err(_) => {
                self.replace_pool(generation);
                Err(DeliveryError::transient(format!(
                    "SMTP: no answer within {} s (notify.smtp.timeout_seconds)",
                    self.timeout.as_secs()
                )))
            }
        }
    }
}
