//! Email over SMTP with lettre: STARTTLS, implicit TLS or (for a relay on the same host, and
//! tests) none; authentication; a small pool of reused connections; timeouts. Multipart plain
//! text and HTML, and these headers:
//!
//! - `Message-ID: <KEY@DOMAIN>`: the message's key (one per notification, the same on every
//!   retry, so a copy resent after a crash or a retry is recognisably the same message) at the
//!   sender's domain (`notify.smtp.from`), as RFC 5322 asks of an id's right-hand side.
//! - `In-Reply-To` and `References: <THREAD@DOMAIN>` when the message belongs to a thread (one per
//!   complaint): clients that thread by these headers show one complaint's messages together.
//!   The thread's first message is never sent: every message points at the same absent parent.
//! - `Auto-Submitted: auto-generated` (RFC 3834, the standard) and `X-Auto-Response-Suppress:
//!   All` (Exchange's own), so out-of-office replies and mail loops stay away.
//!
//! **Why the connections are ours, not lettre's transport.** lettre's `AsyncSmtpTransport` opens
//! its own sockets and offers no way to set `TCP_NODELAY` on them. lettre writes a message's body
//! and the closing `.` as two writes, so with Nagle's algorithm on, the `.` waited for the
//! server's delayed acknowledgement of the body: about 40 ms an email, whatever the server
//! (issue 16). So this module opens the TCP connection itself (tokio, `TCP_NODELAY`, a connect
//! timeout) and hands it to lettre's `AsyncSmtpConnection`, which still speaks the protocol:
//! the greeting, EHLO, STARTTLS or implicit TLS with lettre's TLS settings, AUTH, and the
//! message with its dot-stuffing. Having left lettre's transport, the module keeps its own pool:
//! see [`Pool`].

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
#[allow(deprecated)]
use lettre::transport::smtp::client::AsyncNetworkStream;
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::io::ReadBuf;
use tokio::net::TcpStream;

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

/// The email channel: the server, how to reach it, the sender, and the pool of open connections.
#[derive(Clone)]
pub struct Email {
    inner: Arc<Inner>,
}

struct Inner {
    host: String,
    port: u16,
    security: SmtpSecurity,
    /// lettre's TLS settings for the host (its native root certificates), for STARTTLS and
    /// implicit TLS; `None` with no TLS.
    tls: Option<TlsParameters>,
    credentials: Option<Credentials>,
    /// The name given in EHLO: this machine's host name, as lettre's transport gave it.
    hello: ClientId,
    /// How long one delivery may take, whole: connecting, greeting, TLS, login and sending.
    timeout: Duration,
    from: Mailbox,
    /// The sender's domain: the right-hand side of every Message-ID and thread id.
    domain: String,
    /// `host:port`, for reports.
    server: String,
    pool: Pool,
}

/// Why a connection or a delivery failed: before lettre had a connection (the TCP connect), or
/// in the SMTP conversation.
enum Failure {
    Connect(io::Error),
    Smtp(lettre::transport::smtp::Error),
}

impl From<lettre::transport::smtp::Error> for Failure {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        Failure::Smtp(e)
    }
}

/// The connections open between deliveries, so that a burst does not connect, greet, negotiate
/// TLS and log in once per email. This is what lettre's transport pool did, with its limits: at
/// most [`Pool::SIZE`] connections wait (as many as the worker sends at once, with room), a
/// connection idle for [`Pool::IDLE`] is closed with QUIT by a sweeper task that runs while any
/// wait, and a waiting connection is checked with NOOP before it is used again (the server may
/// have closed it meanwhile). Only a connection whose delivery finished goes back: one whose
/// delivery timed out is dropped, and so closed, where it stood, mid-conversation; one on which
/// the server refused a command was already closed by lettre.
struct Pool {
    idle: Mutex<Idle>,
}

#[derive(Default)]
struct Idle {
    /// Oldest first: connections go back at the end and are taken from the end.
    conns: Vec<Parked>,
    /// Whether a sweeper task is running; at most one is.
    sweeping: bool,
}

struct Parked {
    conn: AsyncSmtpConnection,
    since: Instant,
}

impl Pool {
    /// The most connections kept open while idle.
    const SIZE: usize = 10;
    /// How long a connection is kept open unused.
    const IDLE: Duration = Duration::from_secs(60);
    /// How long a closing connection waits for the answer to QUIT.
    const QUIT: Duration = Duration::from_secs(5);

    fn lock(&self) -> std::sync::MutexGuard<'_, Idle> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The most recently parked connection, closing any left idle too long.
    fn take(&self) -> Option<AsyncSmtpConnection> {
        let (conn, stale) = {
            let mut idle = self.lock();
            let stale = idle.drain_stale();
            (idle.conns.pop().map(|p| p.conn), stale)
        };
        Self::close(stale);
        conn
    }

    /// Keeps `conn` for the next delivery, unless it is broken or the pool is full. Returns
    /// true when no sweeper is running, so that the caller starts one.
    fn put(&self, conn: AsyncSmtpConnection) -> bool {
        if conn.has_broken() {
            return false;
        }
        let mut idle = self.lock();
        if idle.conns.len() >= Self::SIZE {
            drop(idle);
            Self::close(vec![conn]);
            return false;
        }
        idle.conns.push(Parked {
            conn,
            since: Instant::now(),
        });
        !std::mem::replace(&mut idle.sweeping, true)
    }

    /// Says QUIT on each connection and closes it, in the background and bounded: a server
    /// that does not answer holds no delivery up.
    fn close(conns: Vec<AsyncSmtpConnection>) {
        for mut conn in conns {
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Self::QUIT, conn.abort()).await;
            });
        }
    }

    /// Closes idle connections as they pass [`Pool::IDLE`], until none wait (the next
    /// [`Pool::put`] starts another) or the channel is gone.
    fn sweep(inner: Weak<Inner>) {
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Pool::IDLE).await;
                let Some(inner) = inner.upgrade() else { return };
                let (stale, done) = {
                    let mut idle = inner.pool.lock();
                    let stale = idle.drain_stale();
                    idle.sweeping = !idle.conns.is_empty();
                    (stale, !idle.sweeping)
                };
                Pool::close(stale);
                if done {
                    return;
                }
            }
        });
    }
}

impl Idle {
    /// Removes the connections idle for longer than [`Pool::IDLE`]: the oldest, at the front.
    fn drain_stale(&mut self) -> Vec<AsyncSmtpConnection> {
        let fresh = self
            .conns
            .iter()
            .position(|p| p.since.elapsed() < Pool::IDLE)
            .unwrap_or(self.conns.len());
        self.conns.drain(..fresh).map(|p| p.conn).collect()
    }
}

/// A stream lettre has already wrapped in TLS, handed back to lettre as a plain one.
/// `AsyncSmtpConnection` takes a stream of ours only as plain TCP, and reads the greeting at
/// once; with implicit TLS the greeting comes after the TLS handshake. So the handshake is done
/// first, by lettre's own `AsyncNetworkStream` with lettre's TLS settings, over our socket.
#[allow(deprecated)]
#[derive(Debug)]
struct ImplicitTls(AsyncNetworkStream);

impl tokio::io::AsyncRead for ImplicitTls {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        use futures_io::AsyncRead;
        let n = ready!(Pin::new(&mut self.0).poll_read(cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for ImplicitTls {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write(Pin::new(&mut self.0), cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_flush(Pin::new(&mut self.0), cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_close(Pin::new(&mut self.0), cx)
    }
}

impl AsyncTokioStream for ImplicitTls {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}

impl Email {
    /// Builds the channel; a bad host or sender is an error naming it. Connects to nothing yet.
    pub fn new(s: &SmtpSettings) -> Result<Self, String> {
        let from: Mailbox = s
            .from
            .parse()
            .map_err(|e| format!("notify.smtp.from '{}': {e}", s.from))?;
        let tls = match s.security {
            SmtpSecurity::Starttls | SmtpSecurity::Tls => Some(
                TlsParameters::new(s.host.clone())
                    .map_err(|e| format!("notify.smtp.host '{}': {e}", s.host))?,
            ),
            SmtpSecurity::None => None,
        };
        let credentials = match (&s.username, &s.password) {
            (Some(u), Some(p)) => Some(Credentials::new(u.clone(), p.expose_secret().to_string())),
            _ => None,
        };
        let port = s.port.unwrap_or(match s.security {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        });
        Ok(Email {
            inner: Arc::new(Inner {
                host: s.host.clone(),
                port,
                security: s.security,
                tls,
                credentials,
                hello: ClientId::default(),
                timeout: Duration::from_secs(s.timeout_seconds),
                domain: from.email.domain().to_string(),
                from,
                server: format!("{}:{port}", s.host),
                pool: Pool {
                    idle: Mutex::default(),
                },
            }),
        })
    }

    /// The server, `host:port`.
    pub fn server(&self) -> &str {
        &self.inner.server
    }

    /// The TCP connection to the server, with `TCP_NODELAY`: each address the host resolves to
    /// in turn, each within the timeout.
    async fn tcp(&self) -> io::Result<TcpStream> {
        let s = &self.inner;
        let mut last = None;
        for addr in tokio::net::lookup_host((s.host.as_str(), s.port)).await? {
            match tokio::time::timeout(s.timeout, TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => {
                    stream.set_nodelay(true)?;
                    return Ok(stream);
                }
                Ok(Err(e)) => last = Some(e),
                Err(_) => {
                    last = Some(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "connection timed out",
                    ))
                }
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("the host resolves to no address")))
    }

    /// A new connection, ready to send: greeted, TLS as configured, logged in.
    async fn connect(&self) -> Result<AsyncSmtpConnection, Failure> {
        let s = &self.inner;
        let tcp = self.tcp().await.map_err(Failure::Connect)?;
        let mut conn = match (s.security, &s.tls) {
            (SmtpSecurity::Tls, Some(tls)) => {
                #[allow(deprecated)]
                let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
                stream.upgrade_tls(tls.clone()).await?;
                AsyncSmtpConnection::connect_with_transport(Box::new(ImplicitTls(stream)), &s.hello)
                    .await?
            }
            _ => AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &s.hello).await?,
        };
        if let (SmtpSecurity::Starttls, Some(tls)) = (s.security, &s.tls) {
            conn.starttls(tls.clone(), &s.hello).await?;
        }
        if let Some(credentials) = &s.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials).await?;
        }
        Ok(conn)
    }

    /// A connection from the pool that still answers NOOP, or a new one.
    async fn connection(&self) -> Result<AsyncSmtpConnection, Failure> {
        while let Some(mut conn) = self.inner.pool.take() {
            if conn.test_connected().await {
                return Ok(conn);
            }
        }
        self.connect().await
    }

    /// Returns a connection to the pool for the next delivery.
    fn park(&self, conn: AsyncSmtpConnection) {
        if self.inner.pool.put(conn) {
            Pool::sweep(Arc::downgrade(&self.inner));
        }
    }

    /// Connects, greets, upgrades to TLS and authenticates exactly as a delivery would, then
    /// stops short of sending: what `timescales doctor` checks.
    pub async fn check(&self) -> Result<(), String> {
        let server = &self.inner.server;
        match self.connection().await {
            Ok(mut conn) => {
                if conn.test_connected().await {
                    self.park(conn);
                    Ok(())
                } else {
                    Err(format!("{server}: the server closed the connection"))
                }
            }
            Err(Failure::Smtp(e)) => Err(match e.status() {
                Some(code) if code.to_string().starts_with("53") => {
                    format!("{server}: authentication refused ({code})")
                }
                Some(code) => format!("{server}: the server answered {code}"),
                None if e.is_timeout() => format!("{server}: timed out"),
                None => format!("{server}: {e}"),
            }),
            Err(Failure::Connect(e)) if e.kind() == io::ErrorKind::TimedOut => {
                Err(format!("{server}: timed out"))
            }
            Err(Failure::Connect(e)) => Err(format!("{server}: Connection error: {e}")),
        }
    }

    /// `<LOCAL@DOMAIN>`: a message or thread id at the sender's domain.
    fn id(&self, local: &str) -> String {
        format!("<{local}@{}>", self.inner.domain)
    }

    /// One message on a pooled connection, which goes back to the pool afterwards unless the
    /// conversation broke.
    async fn deliver(&self, envelope: &Envelope, raw: &[u8]) -> Result<(), Failure> {
        let mut conn = self.connection().await?;
        let sent = conn.send(envelope, raw).await;
        self.park(conn);
        sent.map(|_| ()).map_err(Failure::Smtp)
    }

    /// Sends `message` to `to`.
    pub async fn send(&self, to: &str, message: &Message) -> Result<(), DeliveryError> {
        // Errors name the recipient's domain only: addresses stay out of logs.
        let domain = to.rsplit_once('@').map_or("?", |(_, d)| d).to_string();
        let to: Mailbox = to
            .parse()
            .map_err(|_| DeliveryError::Permanent(format!("a malformed address at {domain}")))?;
        let mut email = lettre::Message::builder()
            .from(self.inner.from.clone())
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
        let failed = "SMTP: could not deliver (connection or TLS failure)";
        // The whole delivery is bounded here, not only the TCP connection: a server that accepts
        // and then stops answering would hold the delivery (and its lease) for ever. A delivery
        // cut short drops its connection, which never goes back to the pool mid-conversation.
        let timeout = self.inner.timeout;
        match tokio::time::timeout(timeout, self.deliver(email.envelope(), &email.formatted()))
            .await
        {
            Ok(Ok(())) => Ok(()),
            // The server's reply can repeat the address: only its status code is kept.
            Ok(Err(Failure::Smtp(e))) => {
                let described = match e.status() {
                    Some(code) => {
                        format!("SMTP: the server answered {code} for a recipient at {domain}")
                    }
                    None if e.is_timeout() => "SMTP: timed out".to_string(),
                    None => failed.to_string(),
                };
                Err(if e.is_permanent() {
                    DeliveryError::Permanent(described)
                } else {
                    DeliveryError::transient(described)
                })
            }
            Ok(Err(Failure::Connect(e))) if e.kind() == io::ErrorKind::TimedOut => {
                Err(DeliveryError::transient("SMTP: timed out"))
            }
            Ok(Err(Failure::Connect(_))) => Err(DeliveryError::transient(failed)),
            Err(_) => Err(DeliveryError::transient(format!(
                "SMTP: no answer within {} s (notify.smtp.timeout_seconds)",
                timeout.as_secs()
            ))),
        }
    }
}
