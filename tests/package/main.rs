//! The Debian package's inputs (`cargo deb`, `[package.metadata.deb]` in Cargo.toml): the man
//! pages in docs/man/ and the shell completions in docs/completions/ match the command line,
//! every file the package ships exists, and the maintainer scripts are valid shell that leave
//! the service alone.
//!
//! The man pages and completions are generated from the clap command (timescales.toml(5) from
//! the shipped config), like a snapshot: when the command line changes (or the version, or the
//! shipped config), regenerate them with
//!
//! ```sh
//! TIMESCALES_UPDATE_MAN=1 cargo test --test package
//! ```
//!
//! and commit docs/man/ and docs/completions/. `.ci/run` builds the package itself and checks
//! its contents.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use clap::CommandFactory;

const UPDATE_VAR: &str = "TIMESCALES_UPDATE_MAN";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The folders under docs/ that hold generated files.
const GENERATED: &[&str] = &["man", "completions"];

/// Every generated file, by its path under docs/: the man pages, `timescales.1` and one per
/// visible subcommand at any depth (`timescales-holidays-list.1`) as `clap_mangen::generate_to`
/// would write them, `timescales.toml.5` for the config file, and the bash, zsh and fish
/// completions.
fn generated() -> BTreeMap<String, Vec<u8>> {
    let mut cmd = timescales::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let source = format!("timescales {}", env!("CARGO_PKG_VERSION"));
    let mut files = BTreeMap::new();
    add_pages(&cmd, &source, true, &mut files);
    files.insert("man/timescales.toml.5".into(), config_page(&source));
    for (shell, name) in [
        (clap_complete::Shell::Bash, "timescales.bash"),
        (clap_complete::Shell::Zsh, "_timescales"),
        (clap_complete::Shell::Fish, "timescales.fish"),
    ] {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut cmd.clone(), "timescales", &mut out);
        files.insert(format!("completions/{name}"), out);
    }
    files
}

fn add_pages(cmd: &clap::Command, source: &str, top: bool, pages: &mut BTreeMap<String, Vec<u8>>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        add_pages(sub, source, false, pages);
    }
    // Every page names the program and its version in the footer (clap_mangen's default names
    // only the subcommand, and only the top-level command has a version).
    let man = clap_mangen::Man::new(cmd.clone())
        .source(source)
        .manual("timescales manual");
    let mut page = Vec::new();
    if top {
        // The program's own page also says how it ends, what it reads from the environment and
        // which files it uses, in the order man-pages(7) gives.
        man.render_title(&mut page).unwrap();
        man.render_name_section(&mut page).unwrap();
        man.render_synopsis_section(&mut page).unwrap();
        man.render_description_section(&mut page).unwrap();
        man.render_options_section(&mut page).unwrap();
        man.render_subcommands_section(&mut page).unwrap();
        page.extend_from_slice(TOP_SECTIONS.as_bytes());
        man.render_extra_section(&mut page).unwrap();
        man.render_version_section(&mut page).unwrap();
    } else {
        man.render(&mut page).expect("render a man page in memory");
    }
    pages.insert(format!("man/{}", man.get_filename()), page);
}

/// EXIT STATUS, ENVIRONMENT and FILES of timescales(1), in roff.
const TOP_SECTIONS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Done.
.TP
\fB1\fR
A failure: the store, the mail server or a webhook did not answer; \fBdoctor\fR found a problem.
.TP
\fB2\fR
Bad input: one line on standard error names the bad value (a date, a reference, a file that exists).
.TP
\fB78\fR
A configuration that cannot be used (EX_CONFIG): the key at fault is named. systemd does not restart the service on it.
.SH ENVIRONMENT
.TP
\fBTIMESCALES_CONFIG\fR
The config file, instead of /etc/timescales/timescales.toml (as \fB\-\-config\fR).
.TP
\fBTIMESCALES__\fR\fISECTION\fR\fB__\fR\fIKEY\fR
Any setting, over the file: \fBTIMESCALES__STORE__DATABASE_URL\fR, \fBTIMESCALES__API__LISTEN\fR. \fBtimescales config check\fR shows where each setting came from.
.TP
\fBTIMESCALES_LOG\fR, \fBTIMESCALES_LOG_FORMAT\fR
What to log (a tracing filter such as \fBinfo\fR or \fBtimescales=debug\fR), and \fBjson\fR for JSON lines.
.TP
\fBTIMESCALES_NOW\fR
Run as if it were this date or RFC 3339 instant (as \fB\-\-now\fR), for trying a procedure out.
.TP
\fBCREDENTIALS_DIRECTORY\fR
Set by systemd's LoadCredential=: where \fBcredential:NAME\fR settings and the api\-tokens file are read from.
.TP
\fBSTATE_DIRECTORY\fR
Set by systemd's StateDirectory=: the SQLite store's folder when the config names none.
.TP
\fBNOTIFY_SOCKET\fR, \fBWATCHDOG_USEC\fR
Set by systemd: where \fBserve\fR sends READY=1, RELOADING=1, STOPPING=1 and WATCHDOG=1, and how often.
.SH FILES
.TP
\fI/etc/timescales/timescales.toml\fR
The configuration: every key, its default and why (timescales.toml(5)).
.TP
\fI/etc/timescales/conf.d/*.toml\fR
Read after it, in name order: each overrides what it names.
.TP
\fI/etc/timescales/credentials/\fR
Secrets for systemd's LoadCredential=: smtp\-password, api\-tokens, webhook\-url, webhooks/.
.TP
\fI/var/lib/timescales/timescales.db\fR
The SQLite store (with \-wal and \-shm beside it while in use); \fBtimescales backup\fR copies it.
.TP
\fI/usr/share/timescales/procedures/\fR
The five shipped procedures, as reference and as templates for local overrides (the binary embeds them).
.TP
\fI/usr/share/timescales/holidays/\fR
The GOV.UK bank\-holiday data the binary embeds, with its source.
"#;

/// timescales.toml(5): what the file is, then the shipped file itself, whose comments give
/// every key, its default and why.
fn config_page(source: &str) -> Vec<u8> {
    let shipped = std::fs::read_to_string(root().join("config/timescales.toml")).unwrap();
    let escaped: String = shipped
        .lines()
        .map(|l| {
            let l = l.replace('\\', "\\e");
            // A line starting with . or ' would be read as a roff request.
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    format!(
        r#".TH TIMESCALES.TOML 5 "" "{source}" "timescales manual"
.SH NAME
timescales.toml \- the configuration of timescales
.SH SYNOPSIS
\fI/etc/timescales/timescales.toml\fR, then \fI/etc/timescales/conf.d/*.toml\fR in name order, then \fBTIMESCALES__\fR\fISECTION\fR\fB__\fR\fIKEY\fR environment variables
.SH DESCRIPTION
TOML. Every key has a default, so the file names only what differs. A value written \fBcredential:NAME\fR is read from \fI$CREDENTIALS_DIRECTORY/NAME\fR (systemd's LoadCredential=), so secrets stay out of the file. \fBtimescales config check\fR validates the whole configuration as a start would and prints every setting with where it came from, secrets redacted; \fBtimescales init\fR writes the file below. The service reads it again on SIGHUP (\fBsystemctl reload timescales\fR) and keeps the old configuration when the new one is refused.
.SH "THE SHIPPED FILE"
Every key, with its default and what it is for:
.PP
.nf
{escaped}.fi
.SH "SEE ALSO"
timescales(1), timescales\-config\-check(1), timescales\-doctor(1)
"#
    )
    .into_bytes()
}

/// The generated files now under docs/, by path under docs/.
fn committed_files() -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for folder in GENERATED {
        let Ok(entries) = std::fs::read_dir(root().join("docs").join(folder)) else {
            continue;
        };
        for p in entries.map(|e| e.expect("read docs/").path()) {
            let name = format!("{folder}/{}", p.file_name().unwrap().to_string_lossy());
            let text = std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
            files.insert(name, text);
        }
    }
    files
}

#[test]
fn man_pages_and_completions_match_the_command_line() {
    let expected = generated();
    for must in [
        "man/timescales.1",
        "man/timescales-serve.1",
        "man/timescales.toml.5",
        "completions/_timescales",
    ] {
        assert!(expected.contains_key(must), "{must}: {:?}", expected.keys());
    }
    let committed = committed_files();

    if std::env::var_os(UPDATE_VAR).is_some_and(|v| v == "1") {
        for (name, file) in &expected {
            if committed.get(name) != Some(file) {
                let path = root().join("docs").join(name);
                std::fs::create_dir_all(path.parent().unwrap()).expect("create docs/ folder");
                std::fs::write(path, file).expect("write a generated file");
                eprintln!("wrote docs/{name}");
            }
        }
        for name in committed.keys().filter(|n| !expected.contains_key(*n)) {
            std::fs::remove_file(root().join("docs").join(name)).expect("remove a stale file");
            eprintln!("removed docs/{name}");
        }
        return;
    }

    let mut problems = Vec::new();
    for (name, file) in &expected {
        match committed.get(name) {
            None => problems.push(format!("docs/{name} is missing")),
            Some(old) if old != file => {
                problems.push(format!("docs/{name} is out of date with the command line"))
            }
            Some(_) => {}
        }
    }
    for name in committed.keys().filter(|n| !expected.contains_key(*n)) {
        problems.push(format!(
            "docs/{name} is for a command that no longer exists"
        ));
    }
    assert!(
        problems.is_empty(),
        "the man pages and completions shipped in the .deb do not match the command line:\n  {}\n\
         Regenerate them with `{UPDATE_VAR}=1 cargo test --test package`, review and commit \
         docs/man/ and docs/completions/.",
        problems.join("\n  ")
    );
}

/// The `[package.metadata.deb]` table of Cargo.toml.
fn deb_metadata() -> toml::Table {
    let text = std::fs::read_to_string(root().join("Cargo.toml")).expect("read Cargo.toml");
    let manifest: toml::Table = toml::from_str(&text).expect("Cargo.toml is TOML");
    manifest["package"]["metadata"]["deb"]
        .as_table()
        .expect("[package.metadata.deb] in Cargo.toml")
        .clone()
}

/// Every asset source that is not a build output names at least one file, so `cargo deb` never
/// fails (or ships less) because a file moved.
#[test]
fn every_packaged_file_exists() {
    let deb = deb_metadata();
    let assets = deb["assets"].as_array().expect("assets is an array");
    let mut missing = Vec::new();
    for asset in assets {
        let source = match asset {
            toml::Value::Array(a) => a[0].as_str(),
            toml::Value::Table(t) => t.get("source").and_then(|s| s.as_str()),
            _ => None,
        }
        .unwrap_or_else(|| panic!("an asset without a source: {asset}"));
        if source.starts_with("target/") {
            continue;
        }
        if !matches_a_file(source) {
            missing.push(source.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "[package.metadata.deb] assets name no file: {missing:?}"
    );
}

/// Whether `pattern` (a path relative to the crate, `*` allowed in its last component only) names
/// at least one file.
fn matches_a_file(pattern: &str) -> bool {
    let path = root().join(pattern);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let Some((prefix, suffix)) = name.split_once('*') else {
        return path.is_file();
    };
    let Ok(entries) = std::fs::read_dir(path.parent().unwrap()) else {
        return false;
    };
    entries.filter_map(Result::ok).any(|e| {
        let n = e.file_name().to_string_lossy().into_owned();
        e.path().is_file()
            && n.len() >= prefix.len() + suffix.len()
            && n.starts_with(prefix)
            && n.ends_with(suffix)
    })
}

/// The service is installed but neither enabled nor started: until the administrator has written
/// a config it has nothing useful to do, and it must not send mail from a default one.
#[test]
fn the_package_does_not_start_an_unconfigured_service() {
    let deb = deb_metadata();
    let units = deb["systemd-units"].as_table().expect("[systemd-units]");
    assert_eq!(
        units["enable"].as_bool(),
        Some(false),
        "systemd-units.enable"
    );
    assert_eq!(units["start"].as_bool(), Some(false), "systemd-units.start");
}

/// The maintainer scripts parse as POSIX shell and carry the token cargo-deb replaces with its
/// systemd snippets.
#[test]
fn maintainer_scripts_are_valid_shell() {
    for name in ["postinst", "postrm"] {
        let path = root().join("debian").join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        assert!(
            text.starts_with("#!/bin/sh"),
            "{name}: not a /bin/sh script"
        );
        assert!(text.contains("#DEBHELPER#"), "{name}: no #DEBHELPER# token");
        let status = Command::new("sh")
            .arg("-n")
            .arg(&path)
            .status()
            .expect("run sh -n");
        assert!(status.success(), "{name}: sh -n reports a syntax error");
    }
}

#[test]
fn the_bash_completion_completes_commands_and_subcommands() {
    let script = root().join("docs/completions/timescales.bash");
    for (words, cword, want) in [
        ("timescales ba", 1, "backup"),
        ("timescales complaint l", 2, "list"),
        ("timescales holidays im", 2, "import"),
    ] {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source '{}'; COMP_WORDS=({words}); COMP_CWORD={cword}; _timescales timescales \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$COMP_CWORD-1]}}\"; echo \"${{COMPREPLY[@]}}\"",
                script.display()
            ))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            want,
            "{words}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
