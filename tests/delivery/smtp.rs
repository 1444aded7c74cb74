//! A real SMTP server for the tests: aiosmtpd (a maintained Python package) writing every message
//! it receives to a Maildir. It is a prerequisite, installed once before the tests
//! (`python3 -m pip install aiosmtpd`; `.ci/run` does it): never from a test, where parallel
//! installs collide.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use timescales::channel::{SmtpSecurity, SmtpSettings};

pub struct SmtpServer {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

/// Fails the test with what to run when aiosmtpd is missing (asked once per test binary).
fn ensure_aiosmtpd() {
    static PRESENT: OnceLock<bool> = OnceLock::new();
    let present = *PRESENT.get_or_init(|| {
        Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    assert!(
        present,
        "the SMTP tests need aiosmtpd, which python3 cannot import: install it once before \
         running the tests with `python3 -m pip install aiosmtpd` (README.md names it)"
    );
}

/// aiosmtpd with AUTH required (PLAIN and LOGIN, allowed without TLS on loopback): one login.
const AUTHENTICATING: &str = r#"
import sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword
user, password, port, maildir = sys.argv[1:]
def check(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password
    # handled=False: aiosmtpd itself answers 535 to a refused login.
    return AuthResult(success=ok, handled=False)
Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port), authenticator=check,
           auth_required=True, auth_require_tls=False).start()
threading.Event().wait()
"#;

/// aiosmtpd that answers the first message's DATA with 451 (try again later), keeping that
/// message as it came in `MAILDIR-deferred`, and takes every later one.
const DEFERRING_FIRST: &str = r#"
import sys, threading, mailbox
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
port, maildir = sys.argv[1:]
class DeferFirst(Mailbox):
    deferred = False
    async def handle_DATA(self, server, session, envelope):
        if not self.deferred:
            self.deferred = True
            mailbox.Maildir(maildir + "-deferred").add(envelope.original_content)
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)
Controller(DeferFirst(maildir), hostname="127.0.0.1", port=int(port)).start()
threading.Event().wait()
"#;

/// The settings of an email channel that speaks plain SMTP, with no login, to the server on
/// `127.0.0.1:port`: every delivery test's, and the benchmarks'.
#[allow(dead_code)]
pub fn local_settings(port: u16, timeout_seconds: u64) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port: Some(port),
        security: SmtpSecurity::None,
        username: None,
        password: None,
        from: "timescales <timescales@council.example>".into(),
        timeout_seconds,
    }
}

impl SmtpServer {
    #[allow(dead_code)]
    pub fn start() -> SmtpServer {
        Self::start_with_handler("aiosmtpd.handlers.Mailbox")
    }

    /// A server that takes every message and keeps none (`aiosmtpd.handlers.Sink`): for the
    /// benchmarks, where what is measured is the sender.
    #[allow(dead_code)]
    pub fn start_sink() -> SmtpServer {
        Self::start_with_handler("aiosmtpd.handlers.Sink")
    }

    fn start_with_handler(handler: &str) -> SmtpServer {
        Self::spawn(|port, maildir| {
            let mut c = Command::new("python3");
            c.args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                handler,
            ]);
            // The Mailbox handler's one argument; the Sink takes none.
            if handler.ends_with("Mailbox") {
                c.arg(maildir);
            }
            c
        })
    }

    /// A server that accepts mail only after AUTH as `user` with `password`.
    #[allow(dead_code)]
    pub fn start_with_login(user: &str, password: &str) -> SmtpServer {
        Self::spawn(|port, maildir| {
            let mut c = Command::new("python3");
            c.args(["-c", AUTHENTICATING, user, password, &port.to_string()])
                .arg(maildir);
            c
        })
    }

    /// A server that defers the first message with a 451 and accepts the rest.
    #[allow(dead_code)]
    pub fn start_deferring_first() -> SmtpServer {
        Self::spawn(|port, maildir| {
            let mut c = Command::new("python3");
            c.args(["-c", DEFERRING_FIRST, &port.to_string()])
                .arg(maildir);
            c
        })
    }

    fn spawn(command: impl FnOnce(u16, &std::path::Path) -> Command) -> SmtpServer {
        ensure_aiosmtpd();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("mail");
        let child = command(port, &maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "aiosmtpd did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer { port, dir, child }
    }

    /// Every message received so far, raw, oldest first.
    #[allow(dead_code)]
    pub fn messages(&self) -> Vec<String> {
        self.maildir("mail")
    }

    /// The messages a deferring server answered 451, exactly as they came, oldest first.
    #[allow(dead_code)]
    pub fn deferred(&self) -> Vec<String> {
        self.maildir("mail-deferred")
    }

    fn maildir(&self, name: &str) -> Vec<String> {
        let new: PathBuf = self.dir.path().join(name).join("new");
        let mut files: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(new)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| {
                        (
                            e.metadata().and_then(|m| m.modified()).unwrap(),
                            std::fs::read_to_string(e.path()).unwrap(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort_by_key(|f| f.0);
        files.into_iter().map(|f| f.1).collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw message's header fields, in order, folded lines unfolded: (name, value).
#[allow(dead_code)]
pub fn headers(raw: &str) -> Vec<(String, String)> {
    let head = raw
        .replace("\r\n", "\n")
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .replace("\n ", " ")
        .replace("\n\t", " ");
    head.lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// A raw message made readable: folded headers unfolded, quoted-printable decoded.
#[allow(dead_code)]
pub fn decoded(raw: &str) -> String {
    // Soft line breaks first: a quoted-printable line may break just before a space, which
    // would otherwise read as a folded header line.
    let unfolded = raw
        .replace("\r\n", "\n")
        .replace("=\n", "")
        .replace("\n ", " ");
    let bytes = unfolded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
