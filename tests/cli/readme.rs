//! Every command in README.md works as written, on any day (issue 17).
//!
//! Which commands run: each ```sh block of the README that holds a `timescales` command is run in
//! order, one command at a time (a line ending in `\` joined to the next), each by `bash -c` in a
//! scratch folder, with the built binary first on PATH. A block is left out whole when one of its
//! commands installs or changes the machine (its first word is cargo, dpkg, install, useradd,
//! systemctl, sudo or editor) or needs a running service and a token (curl). The rest must exit 0;
//! a command commented with a date alone (`# 2027-01-06`) must print that date first.
//!
//! The sandbox stands in for an installed server: the shipped config, with its state folder and
//! holidays folder in the scratch folder and the API on a free port; a copy of the shipped GOV.UK
//! file as the downloaded `bank-holidays.json` the README imports. `timescales serve` must start
//! serving and stop cleanly on SIGTERM.

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The first words of commands that install or change the machine, or need a live service.
const LEFT_OUT: [&str; 8] = [
    "cargo",
    "dpkg",
    "install",
    "useradd",
    "systemctl",
    "sudo",
    "editor",
    "curl",
];

/// One ```sh block: its first line's number and its commands.
struct Block {
    line: usize,
    commands: Vec<String>,
}

/// The README's ```sh blocks, each command's continuation lines joined.
fn sh_blocks(readme: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    let mut pending = String::new();
    for (i, line) in readme.lines().enumerate() {
        let t = line.trim();
        match &mut current {
            None if t == "```sh" => {
                current = Some(Block {
                    line: i + 1,
                    commands: vec![],
                })
            }
            None => {}
            Some(_) if t == "```" => {
                blocks.extend(current.take());
            }
            Some(b) => {
                if let Some(head) = t.strip_suffix('\\') {
                    pending.push_str(head);
                    pending.push(' ');
                    continue;
                }
                pending.push_str(t);
                let command = std::mem::take(&mut pending);
                if !command.is_empty() && !command.starts_with('#') {
                    b.commands.push(command);
                }
            }
        }
    }
    blocks
}

fn first_word(command: &str) -> &str {
    command.split_whitespace().next().unwrap_or("")
}

/// The date a command's comment promises it prints, when its comment is a date alone.
fn promised_date(command: &str) -> Option<&str> {
    let comment = command.rsplit_once(" # ")?.1.trim();
    (comment.len() == 10 && chrono::NaiveDate::parse_from_str(comment, "%Y-%m-%d").is_ok())
        .then_some(comment)
}

struct Sandbox {
    dir: tempfile::TempDir,
    /// GOV.UK's bank-holidays.json served locally (the machine may have no internet), for
    /// `holidays refresh`: wiremock, on a runtime of its own.
    govuk: wiremock::MockServer,
    _runtime: tokio::runtime::Runtime,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(
            root.join("config/timescales.toml"),
            dir.path().join("timescales.toml"),
        )
        .unwrap();
        std::fs::copy(
            root.join("holidays/bank-holidays.json"),
            dir.path().join("bank-holidays.json"),
        )
        .unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let govuk = runtime.block_on(async {
            let server = wiremock::MockServer::start().await;
            wiremock::Mock::given(wiremock::matchers::path("/bank-holidays.json"))
                .respond_with(
                    wiremock::ResponseTemplate::new(200)
                        .set_body_string(include_str!("../../holidays/bank-holidays.json")),
                )
                .mount(&server)
                .await;
            server
        });
        Sandbox {
            dir,
            govuk,
            _runtime: runtime,
        }
    }

    fn command(&self, command: &str) -> Command {
        let bin = Path::new(env!("CARGO_BIN_EXE_timescales"));
        let path = format!(
            "{}:{}",
            bin.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let d = self.dir.path();
        let mut c = Command::new("bash");
        c.args(["-c", command])
            .current_dir(d)
            .env("PATH", path)
            .env("TIMESCALES_CONFIG", d.join("timescales.toml"))
            .env("TIMESCALES__STORE__STATE_DIR", d.join("state"))
            .env("TIMESCALES__CALENDAR__HOLIDAYS_DIR", d.join("holidays"))
            .env(
                "TIMESCALES__CALENDAR__HOLIDAYS_URL",
                format!("{}/bank-holidays.json", self.govuk.uri()),
            )
            .env("TIMESCALES__API__LISTEN", "127.0.0.1:0")
            .env_remove("TIMESCALES_LOG")
            .env_remove("TIMESCALES_NOW")
            .env_remove("JOURNAL_STREAM")
            .env_remove("NOTIFY_SOCKET")
            .env_remove("CREDENTIALS_DIRECTORY")
            .stdin(Stdio::null());
        c
    }

    /// Runs a command to its end: exit 0, and the promised date first when there is one.
    fn run(&self, at: usize, command: &str) {
        let o = self
            .command(command)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success(),
            "README.md block at line {at}: `{command}` exited {:?}\nstdout: {out}\nstderr: {err}",
            o.status.code()
        );
        if let Some(date) = promised_date(command) {
            assert_eq!(
                out.lines().next(),
                Some(date),
                "README.md block at line {at}: `{command}` printed {out}"
            );
        }
    }

    /// Runs the service until it serves, then stops it as systemd would: it must exit 0.
    fn serve(&self, at: usize, command: &str) {
        let mut child = self
            .command(&format!("exec {command}"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        let mut log = Vec::new();
        let serving = loop {
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    let done = line.contains("timescales is serving");
                    log.push(line);
                    if done {
                        break true;
                    }
                }
                Err(_) => break false,
            }
        };
        if !serving {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "README.md block at line {at}: `{command}` did not start serving:\n{}",
                log.join("\n")
            );
        }
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if started.elapsed() > Duration::from_secs(40) {
                let _ = child.kill();
                panic!("README.md block at line {at}: `{command}` did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        assert!(
            status.success(),
            "README.md block at line {at}: `{command}` stopped with {status}"
        );
    }
}

#[test]
fn every_readme_command_runs_as_written_on_any_day() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let blocks = sh_blocks(&readme);
    let s = Sandbox::new();
    let mut ran = 0;
    let mut left_out = Vec::new();
    for b in &blocks {
        if !b.commands.iter().any(|c| first_word(c) == "timescales") {
            continue;
        }
        if let Some(c) = b
            .commands
            .iter()
            .find(|c| LEFT_OUT.contains(&first_word(c)))
        {
            left_out.push(format!("line {}: `{}`", b.line, first_word(c)));
            continue;
        }
        for c in &b.commands {
            if c.starts_with("timescales serve") {
                s.serve(b.line, c);
            } else {
                s.run(b.line, c);
            }
            ran += usize::from(first_word(c) == "timescales");
        }
    }
    // Both blocks of "Using it" ran: a change to the README that hides its commands from this
    // test fails it.
    assert!(
        ran >= 20,
        "only {ran} README commands ran (left out: {left_out:?})"
    );
    assert!(
        s.dir.path().join("due.csv").exists()
            && s.dir.path().join("holidays/bank-holidays.json").exists(),
        "the batch and the import wrote their files"
    );
}

#[test]
fn commands_are_read_whole_from_sh_blocks() {
    let blocks = sh_blocks(
        "text\n```sh\na --x 1 \\\n    --y 2   # 2027-01-06\n# a comment\nb\n```\n```toml\nc\n```\n",
    );
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].line, 2);
    assert_eq!(blocks[0].commands, ["a --x 1  --y 2   # 2027-01-06", "b"]);
    assert_eq!(promised_date(&blocks[0].commands[0]), Some("2027-01-06"));
    assert_eq!(
        promised_date("timescales holidays coverage  # which years"),
        None
    );
}
