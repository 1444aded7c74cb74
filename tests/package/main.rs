//! The Debian package's inputs (`cargo deb`, `[package.metadata.deb]` in Cargo.toml): the man
//! pages in docs/man/ match the command line, every file the package ships exists, and the
//! maintainer scripts are valid shell that leave the service alone.
//!
//! The man pages are generated from the clap command, like a snapshot: when the command line
//! changes (or the version), regenerate them with
//!
//! ```sh
//! TIMESCALES_UPDATE_MAN=1 cargo test --test package
//! ```
//!
//! and commit docs/man/. `.ci/run` builds the package itself and checks its contents.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::CommandFactory;

const UPDATE_VAR: &str = "TIMESCALES_UPDATE_MAN";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn man_dir() -> PathBuf {
    root().join("docs/man")
}

/// Every man page, by file name: `timescales.1` and one per visible subcommand at any depth
/// (`timescales-holidays-list.1`), as `clap_mangen::generate_to` would write them, in memory.
fn man_pages() -> BTreeMap<String, Vec<u8>> {
    let mut cmd = timescales::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let source = format!("timescales {}", env!("CARGO_PKG_VERSION"));
    let mut pages = BTreeMap::new();
    add_pages(&cmd, &source, &mut pages);
    pages
}

fn add_pages(cmd: &clap::Command, source: &str, pages: &mut BTreeMap<String, Vec<u8>>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        add_pages(sub, source, pages);
    }
    // Every page names the program and its version in the footer (clap_mangen's default names
    // only the subcommand, and only the top-level command has a version).
    let man = clap_mangen::Man::new(cmd.clone())
        .source(source)
        .manual("timescales manual");
    let mut page = Vec::new();
    man.render(&mut page).expect("render a man page in memory");
    pages.insert(man.get_filename(), page);
}

/// The `*.1` files now in docs/man/.
fn committed_pages() -> BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(man_dir()) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.expect("read docs/man").path())
        .filter(|p| p.extension().is_some_and(|e| e == "1"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
            (name, text)
        })
        .collect()
}

#[test]
fn man_pages_match_the_command_line() {
    let expected = man_pages();
    assert!(
        expected.contains_key("timescales.1"),
        "{:?}",
        expected.keys()
    );
    assert!(
        expected.contains_key("timescales-serve.1"),
        "{:?}",
        expected.keys()
    );
    let committed = committed_pages();

    if std::env::var_os(UPDATE_VAR).is_some_and(|v| v == "1") {
        std::fs::create_dir_all(man_dir()).expect("create docs/man");
        for (name, page) in &expected {
            if committed.get(name) != Some(page) {
                std::fs::write(man_dir().join(name), page).expect("write a man page");
                eprintln!("wrote docs/man/{name}");
            }
        }
        for name in committed.keys().filter(|n| !expected.contains_key(*n)) {
            std::fs::remove_file(man_dir().join(name)).expect("remove a stale man page");
            eprintln!("removed docs/man/{name}");
        }
        return;
    }

    let mut problems = Vec::new();
    for (name, page) in &expected {
        match committed.get(name) {
            None => problems.push(format!("docs/man/{name} is missing")),
            Some(old) if old != page => problems.push(format!(
                "docs/man/{name} is out of date with the command line"
            )),
            Some(_) => {}
        }
    }
    for name in committed.keys().filter(|n| !expected.contains_key(*n)) {
        problems.push(format!(
            "docs/man/{name} is for a command that no longer exists"
        ));
    }
    assert!(
        problems.is_empty(),
        "the man pages shipped in the .deb do not match the command line:\n  {}\n\
         Regenerate them with `{UPDATE_VAR}=1 cargo test --test package`, review and commit \
         docs/man/.",
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
