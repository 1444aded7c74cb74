//! `complaint list` a page at a time: everything by default (read a page at a time inside),
//! `--limit` and `--cursor` for scripts, the next cursor in the text and in `--json`.

use std::sync::Arc;

use timescales::calendar::Calendars;
use timescales::clock::FixedClock;
use timescales::lifecycle::Lifecycle;
use timescales::procedure::Procedures;
use timescales::store::Store;

use super::fixtures::open;
use super::{assert_bad_input, complaint_run, json, stdout, Sandbox};

const NOW: &str = "2027-01-05";

/// `n` Durham complaints, C-0000 onwards, opened through the library into the sandbox's store
/// (the command line would take minutes for a thousand).
fn seed(s: &Sandbox, n: usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        std::fs::create_dir_all(s.path("state")).unwrap();
        let url = format!(
            "sqlite://{}",
            s.path("state").join("timescales.db").display()
        );
        let store = Store::connect(&url).await.unwrap();
        let l = Lifecycle::new(
            store.clone(),
            Arc::new(Procedures::load(None).unwrap()),
            Arc::new(Calendars::embedded()),
            Arc::new(FixedClock::at_noon(NOW.parse().unwrap())),
            2,
        );
        let items: Vec<_> = (0..n)
            .map(|i| (open(&format!("C-{i:04}"), "durham", "2026-12-11"), vec![]))
            .collect();
        l.import(&items).await.unwrap();
        store.close().await;
    });
}

/// `complaint list` with `args`.
fn list(s: &Sandbox, args: &[&str]) -> std::process::Output {
    complaint_run(s, NOW, &[&["complaint", "list"][..], args].concat())
}

fn references(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["reference"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn complaint_list_reads_every_page_unless_given_a_limit() {
    let s = Sandbox::new();
    seed(&s, 1003);
    let all: Vec<String> = (0..1003).map(|i| format!("C-{i:04}")).collect();
    // Everything, as before pages: a JSON array, past the largest page.
    let v = json(&list(&s, &["--json"]));
    assert_eq!(references(&v), all);
    let o = list(&s, &[]);
    assert!(
        stdout(&o).ends_with("1003 complaints (as of 2027-01-05)\n"),
        "{}",
        stdout(&o)
    );
    // --limit past a page: read in two, and where they end.
    let v = json(&list(&s, &["--limit", "1001", "--json"]));
    assert_eq!(references(&v["complaints"]), all[..1001]);
    let cursor = v["next_cursor"].as_str().unwrap().to_string();
    let v = json(&list(&s, &["--limit", "5", "--cursor", &cursor, "--json"]));
    assert_eq!(references(&v["complaints"]), all[1001..]);
    assert_eq!(
        v.as_object().unwrap().len(),
        1,
        "no next_cursor after the last: {v}"
    );
    // In text, the cursor of the rest ends the output.
    let o = list(&s, &["--limit", "2"]);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(
        lines[1].starts_with("C-0000 ") && lines[2].starts_with("C-0001 "),
        "{out}"
    );
    assert_eq!(lines[3], "2 complaints (as of 2027-01-05)");
    let rest = lines[4]
        .strip_prefix("more follow: the same command with --cursor ")
        .unwrap_or_else(|| panic!("{out}"));
    let v = json(&list(&s, &["--limit", "1", "--cursor", rest, "--json"]));
    assert_eq!(references(&v["complaints"]), ["C-0002"]);
    // Refusals: exit 2, one line naming what to give.
    let o = list(&s, &["--cursor", "C-0002"]);
    assert_bad_input(&o, "cursor 'C-0002' is not one this service gave");
    let o = list(&s, &["--limit", "0"]);
    assert_eq!(o.status.code(), Some(2));
}
