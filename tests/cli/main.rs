//! The `timescales` binary as a user runs it: output, exit status and messages.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

#[path = "../support/fixtures.rs"]
mod fixtures;
mod pages;
mod readme;
mod semantics;

/// A scratch folder with a config file of its own, so no machine-wide config is read.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let s = Sandbox {
            dir: tempfile::tempdir().unwrap(),
        };
        s.config("");
        s
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn config(&self, text: &str) {
        std::fs::write(self.path("timescales.toml"), text).unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, "")
    }

    fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_timescales"))
            .args(args)
            .env("TIMESCALES_CONFIG", self.path("timescales.toml"))
            .env_remove("TIMESCALES_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Exit status 2, nothing on stdout, and exactly one line on stderr containing `needle`.
fn assert_bad_input(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(o));
    assert_eq!(stdout(o), "");
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle), "{err:?} should name {needle:?}");
    assert!(!err.contains("panicked") && !err.contains("backtrace"));
}

#[test]
fn deadline_prints_the_due_date_alone_on_the_first_line() {
    let s = Sandbox::new();
    let o = s.run(&["deadline", "--from", "2026-12-18", "--working-days", "10"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o), "2027-01-06\n");
    assert_eq!(stderr(&o), "");
    let o = s.run(&[
        "deadline",
        "--from",
        "2026-12-18",
        "--working-days",
        "10",
        "--region",
        "scotland",
    ]);
    assert_eq!(stdout(&o), "2027-01-07\n");
    let o = s.run(&["deadline", "--from", "2027-01-31", "--months", "1"]);
    assert_eq!(stdout(&o), "2027-02-28\n");
    let o = s.run(&[
        "deadline",
        "--from",
        "2026-11-27",
        "--calendar-days",
        "28",
        "--roll",
        "forward",
    ]);
    assert_eq!(stdout(&o), "2026-12-29\n");
    let o = s.run(&[
        "deadline",
        "--from",
        "2026-12-19",
        "--working-days",
        "3",
        "--as-is",
    ]);
    assert_eq!(stdout(&o), "2026-12-23\n");
}

#[test]
fn answers_years_ahead_and_at_the_end_of_the_supported_range() {
    // The command builds its calendar over the years a question can reach (docs/benchmarks.md):
    // answers ten years ahead, and in the last days of 2200, are those of the calendar.
    let s = Sandbox::new();
    let due = |args: &[&str]| stdout(&s.run(args));
    // 3,650 days from 18 December 2026: ten years of 365 days, less the leap days of 2028, 2032
    // and 2036, is Monday 15 December 2036. 120 months is Thursday 18 December 2036.
    assert_eq!(
        due(&[
            "deadline",
            "--from",
            "2026-12-18",
            "--calendar-days",
            "3650"
        ]),
        "2036-12-15\n"
    );
    assert_eq!(
        due(&["deadline", "--from", "2026-12-18", "--months", "120"]),
        "2036-12-18\n"
    );
    // Monday 15 December 2200 (standing rules): Christmas Day is Thursday 25, Boxing Day Friday
    // 26. Day 5 is Monday 22; day 8 skips both and the weekend to Monday 29; day 10 is Wednesday
    // 31, the last supported day; day 11 is beyond it.
    let wd = |n: &str| due(&["deadline", "--from", "2200-12-15", "--working-days", n]);
    assert_eq!(wd("5"), "2200-12-22\n");
    assert_eq!(wd("8"), "2200-12-29\n");
    assert_eq!(wd("10"), "2200-12-31\n");
    assert_bad_input(
        &s.run(&["deadline", "--from", "2200-12-15", "--working-days", "11"]),
        "falls outside the supported range 1900-01-01 to 2200-12-31",
    );
}

#[test]
fn explain_shows_day_zero_the_skipped_days_by_name_and_the_data_used() {
    let s = Sandbox::new();
    let o = s.run(&[
        "deadline",
        "--from",
        "2026-12-18",
        "--working-days",
        "10",
        "--explain",
    ]);
    assert!(o.status.success());
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "2027-01-06");
    assert!(
        out.contains("day 0:    2026-12-18 (Friday), the trigger date itself"),
        "{out}"
    );
    assert!(out.contains("2026-12-25 Christmas Day"), "{out}");
    assert!(
        out.contains("2026-12-28 Boxing Day (substitute day)"),
        "{out}"
    );
    assert!(out.contains("2027-01-01 New Year’s Day"), "{out}");
    assert!(out.contains("6 weekend days"), "{out}");
    assert!(out.contains("2026:     official GOV.UK data"), "{out}");
}

#[test]
fn json_carries_the_due_date_its_instant_and_the_working() {
    let s = Sandbox::new();
    let o = s.run(&[
        "deadline",
        "--from",
        "2026-12-18",
        "--working-days",
        "10",
        "--region",
        "scotland",
        "--json",
    ]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["due"], "2027-01-07");
    assert_eq!(v["due_instant"], "2027-01-08T00:00:00Z");
    assert_eq!(v["time_zone"], "Europe/London");
    assert_eq!(v["region"], "scotland");
    assert_eq!(v["rule"]["unit"], "working-days");
    assert_eq!(v["rule"]["count"], 10);
    assert_eq!(v["day_zero"], "2026-12-18");
    assert_eq!(v["uses_computed_years"], false);
    assert_eq!(v["skipped"][3]["name"], "2nd January (substitute day)");
    assert_eq!(v["skipped"][3]["kind"], "official");
}

#[test]
fn a_computed_year_is_flagged_with_one_warning() {
    let s = Sandbox::new();
    let o = s.run(&["deadline", "--from", "2031-12-24", "--working-days", "1"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o), "2031-12-29\n");
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("computed from the standing rules"), "{err}");
}

#[test]
fn log_lines_are_json_on_request_with_their_fields() {
    let s = Sandbox::new();
    let o = s.run(&[
        "--log-format",
        "json",
        "deadline",
        "--from",
        "2031-12-24",
        "--working-days",
        "1",
    ]);
    assert!(o.status.success());
    assert_eq!(
        stdout(&o),
        "2031-12-29\n",
        "the answer stays alone on stdout"
    );
    let err = stderr(&o);
    let line: serde_json::Value = serde_json::from_str(err.trim()).expect("one JSON object");
    assert_eq!(line["level"], "WARN");
    assert_eq!(line["division"], "england-and-wales");
    assert_eq!(line["from"], "2031-12-24");
    assert_eq!(line["to"], "2031-12-29");
    assert!(line["message"]
        .as_str()
        .unwrap()
        .contains("computed from the standing rules"));
    // A format that does not exist is bad input.
    let o = s.run(&["--log-format", "xml", "holidays", "coverage"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("xml"), "{}", stderr(&o));
}

#[test]
fn bad_input_exits_2_with_one_line_naming_the_bad_value() {
    let s = Sandbox::new();
    assert_bad_input(
        &s.run(&["deadline", "--from", "2026-02-30", "--working-days", "3"]),
        "'2026-02-30'",
    );
    assert_bad_input(
        &s.run(&["deadline", "--from", "18/12/2026", "--working-days", "3"]),
        "'18/12/2026'",
    );
    assert_bad_input(
        &s.run(&[
            "deadline",
            "--from",
            "2026-12-18",
            "--working-days",
            "3",
            "--region",
            "wales",
        ]),
        "unknown region 'wales'",
    );
    assert_bad_input(
        &s.run(&["deadline", "--from", "2026-12-18"]),
        "--working-days",
    );
    assert_bad_input(
        &s.run(&["deadline", "--from", "2026-12-18", "--working-days", "-3"]),
        "count -3 is negative",
    );
    assert_bad_input(
        &s.run(&[
            "deadline",
            "--from",
            "2026-12-18",
            "--working-days",
            "99999999999",
        ]),
        "count 99999999999 is too large",
    );
    assert_bad_input(
        &s.run(&[
            "deadline",
            "--from",
            "2026-12-18",
            "--working-days",
            "4000000000",
        ]),
        "falls outside the supported range",
    );
    assert_bad_input(
        &s.run(&["deadline", "--from", "1800-01-01", "--working-days", "3"]),
        "1800-01-01",
    );
    assert_bad_input(
        &s.run(&[
            "deadline",
            "--from",
            "2026-12-18",
            "--working-days",
            "3",
            "--roll",
            "forward",
        ]),
        "roll 'forward' applies to calendar days and months",
    );
    assert_bad_input(
        &s.run(&[
            "deadline",
            "--from",
            "2026-12-18",
            "--months",
            "1",
            "--roll",
            "sideways",
        ]),
        "sideways",
    );
    assert_bad_input(
        &s.run(&[
            "deadline",
            "--from",
            "2026-12-18",
            "--working-days",
            "3",
            "--months",
            "1",
        ]),
        "--months",
    );
}

#[test]
fn a_batch_is_read_from_stdin_and_written_back_with_a_due_column() {
    let s = Sandbox::new();
    let input = "region,from,unit,count,roll\n\
                 england-and-wales,2026-12-18,working-days,10,\n\
                 scotland,2026-12-18,working-days,10,\n\
                 northern-ireland,2027-07-09,working-days,1,\n\
                 england-and-wales,2027-01-31,months,1,forward\n";
    let o = s.run_with_stdin(&["deadline", "--batch", "-"], input);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "region,from,unit,count,roll,due\n\
         england-and-wales,2026-12-18,working-days,10,,2027-01-06\n\
         scotland,2026-12-18,working-days,10,,2027-01-07\n\
         northern-ireland,2027-07-09,working-days,1,,2027-07-13\n\
         england-and-wales,2027-01-31,months,1,forward,2027-03-01\n"
    );
}

#[test]
fn a_bad_batch_row_stops_with_its_line_number() {
    let s = Sandbox::new();
    let path = s.path("rows.csv");
    std::fs::write(&path, "region,from,unit,count,roll\nscotland,2026-12-18,working-days,10,\nscotland,2026-12-18,fortnights,1,\n").unwrap();
    let o = s.run(&["deadline", "--batch", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "timescales: line 3: unknown unit 'fortnights': expected working-days, calendar-days or months\n"
    );
}

#[test]
fn holidays_list_names_each_day_and_its_source() {
    let s = Sandbox::new();
    let o = s.run(&["holidays", "list", "--region", "scotland", "--year", "2026"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(
        out.starts_with("# scotland 2026: official GOV.UK data"),
        "{out}"
    );
    assert!(
        out.contains("2026-06-15  Monday     official    World Cup bank holiday"),
        "{out}"
    );
    assert!(
        out.contains("2026-11-30  Monday     official    St Andrew’s Day"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 11, "{out}");
    let o = s.run(&[
        "holidays",
        "list",
        "--region",
        "northern-ireland",
        "--year",
        "2031",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["source"], "computed");
    // 12 July 2031 is a Saturday: the Boyne holiday moves to Monday 14.
    assert!(v["days"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["date"] == "2031-07-14" && d["kind"] == "computed"));
}

#[test]
fn coverage_warns_when_official_data_runs_out_within_12_months() {
    let s = Sandbox::new();
    let o = s.run(&["holidays", "coverage", "--as-of", "2026-11-24"]);
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("england-and-wales  official 2012-2028, ends 2028-12-31"),
        "{}",
        stdout(&o)
    );
    assert_eq!(stderr(&o), "");
    let o = s.run(&["holidays", "coverage", "--as-of", "2028-03-01"]);
    assert!(o.status.success());
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 3, "{err}");
    assert!(
        err.contains(
            "warning: official scotland data ends 2028-12-31, within 12 months of 2028-03-01"
        ),
        "{err}"
    );
    let o = s.run(&["holidays", "coverage", "--json", "--as-of", "2028-03-01"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v[0]["first_year"], 2012);
    assert_eq!(v[0]["last_year"], 2028);
    assert_eq!(v[0]["runs_out_within_12_months"], true);
}

/// A GOV.UK-shaped file for 2029 alone, with a one-off holiday on Friday 1 June 2029 in England
/// and Wales that the standing rules cannot know.
fn file_for_2029() -> String {
    let ew = r#"[
        {"title":"New Year’s Day","date":"2029-01-01","notes":"","bunting":true},
        {"title":"Good Friday","date":"2029-03-30","notes":"","bunting":false},
        {"title":"Easter Monday","date":"2029-04-02","notes":"","bunting":true},
        {"title":"Early May bank holiday","date":"2029-05-07","notes":"","bunting":true},
        {"title":"Spring bank holiday","date":"2029-05-28","notes":"","bunting":true},
        {"title":"Imaginary one-off holiday","date":"2029-06-01","notes":"","bunting":true},
        {"title":"Summer bank holiday","date":"2029-08-27","notes":"","bunting":true},
        {"title":"Christmas Day","date":"2029-12-25","notes":"","bunting":true},
        {"title":"Boxing Day","date":"2029-12-26","notes":"","bunting":true}]"#;
    format!(
        r#"{{"england-and-wales":{{"division":"england-and-wales","events":{ew}}},
            "scotland":{{"division":"scotland","events":[]}},
            "northern-ireland":{{"division":"northern-ireland","events":[]}}}}"#
    )
}

#[test]
fn an_imported_holiday_file_is_used_from_the_next_start() {
    let s = Sandbox::new();
    let holidays = s.path("holidays");
    s.config(&format!(
        "[calendar]\nholidays_dir = {:?}\n",
        holidays.to_str().unwrap()
    ));
    // Before: 2029 is computed; Thursday 31 May + 1 working day is Friday 1 June.
    let o = s.run(&["deadline", "--from", "2029-05-31", "--working-days", "1"]);
    assert_eq!(stdout(&o), "2029-06-01\n");
    let file = s.path("new.json");
    std::fs::write(&file, file_for_2029()).unwrap();
    let o = s.run(&["holidays", "import", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("england-and-wales  2029-2029, 9 holidays"),
        "{}",
        stdout(&o)
    );
    assert!(holidays.join("bank-holidays.json").is_file());
    // After: the one-off moves the due date to Monday 4 June, and 2029 is official.
    let o = s.run(&[
        "deadline",
        "--from",
        "2029-05-31",
        "--working-days",
        "1",
        "--explain",
    ]);
    let out = stdout(&o);
    assert!(out.starts_with("2029-06-04\n"), "{out}");
    assert!(
        out.contains("2029-06-01 Imaginary one-off holiday"),
        "{out}"
    );
    assert!(out.contains("2029:     official GOV.UK data"), "{out}");
}

/// `holidays refresh` against a real HTTP server (wiremock): `--dry-run` writes nothing, a
/// believable file is installed and used by the next command, the same file again changes
/// nothing, a file that rewrites the past is refused (and `import` refuses it too unless
/// `--force`), and without an address the command says where to set one.
#[test]
fn holidays_refresh_fetches_validates_and_installs_what_changes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(wiremock::MockServer::start());
    let shipped: serde_json::Value =
        serde_json::from_str(include_str!("../../holidays/bank-holidays.json")).unwrap();
    let with = |edit: &dyn Fn(&mut Vec<serde_json::Value>)| {
        let mut v = shipped.clone();
        edit(v["england-and-wales"]["events"].as_array_mut().unwrap());
        v.to_string()
    };
    let one_off = with(&|e| {
        e.push(serde_json::json!({"title": "Imaginary one-off holiday", "date": "2027-06-07", "notes": ""}))
    });
    let serve = |body: String| {
        rt.block_on(async {
            server.reset().await;
            wiremock::Mock::given(wiremock::matchers::path("/bank-holidays.json"))
                .respond_with(wiremock::ResponseTemplate::new(200).set_body_string(body))
                .mount(&server)
                .await;
        })
    };
    let s = Sandbox::new();
    let holidays = s.path("holidays");
    s.config(&format!(
        "[calendar]\nholidays_dir = {:?}\nholidays_url = \"{}/bank-holidays.json\"\n",
        holidays.to_str().unwrap(),
        server.uri()
    ));
    // Thu 3 Dec 2026.
    let at = |args: &[&str]| {
        let mut all = vec!["--now", "2026-12-03T10:00:00Z"];
        all.extend_from_slice(args);
        s.run(&all)
    };
    serve(one_off.clone());
    let o = at(&["holidays", "refresh", "--dry-run", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["result"], "would-install");
    assert_eq!(
        report["changes"],
        serde_json::json!([{"region": "england-and-wales", "date": "2027-06-07", "before": null, "after": "Imaginary one-off holiday"}])
    );
    assert!(!holidays.join("bank-holidays.json").exists());

    // Friday 4 June 2027 + 1 working day: Monday 7 June, until the refresh.
    let next_day = || {
        stdout(&at(&[
            "deadline",
            "--from",
            "2027-06-04",
            "--working-days",
            "1",
        ]))
    };
    assert_eq!(next_day(), "2027-06-07\n");
    let o = at(&["holidays", "refresh"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!(
            "installed {} from http://127.0.0.1:",
            holidays.join("bank-holidays.json").display()
        )),
        "{out}"
    );
    assert!(
        out.contains("england-and-wales  2019-2028, 84 holidays"),
        "{out}"
    );
    assert!(
        out.contains(
            "  england-and-wales: new bank holiday Mon 7 Jun 2027, Imaginary one-off holiday"
        ),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(holidays.join("bank-holidays.json")).unwrap(),
        one_off
    );
    assert_eq!(next_day(), "2027-06-08\n");
    let o = at(&["holidays", "refresh"]);
    assert!(stdout(&o).contains("nothing to change"), "{}", stdout(&o));

    // Christmas Day 2025 taken out: refused, exit 1, the installed file kept.
    let rewritten = with(&|e| e.retain(|h| h["date"] != "2025-12-25"));
    serve(rewritten.clone());
    let o = at(&["holidays", "refresh"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("england-and-wales: it removes the bank holiday 2025-12-25 (Christmas Day), a day that has passed"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(holidays.join("bank-holidays.json")).unwrap(),
        one_off
    );
    let file = s.path("rewritten.json");
    std::fs::write(&file, &rewritten).unwrap();
    assert_bad_input(
        &at(&["holidays", "import", file.to_str().unwrap()]),
        "pass --force to install it all the same",
    );
    assert_eq!(
        std::fs::read_to_string(holidays.join("bank-holidays.json")).unwrap(),
        one_off
    );
    let o = at(&["holidays", "import", file.to_str().unwrap(), "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("warning: holiday data "),
        "{}",
        stderr(&o)
    );
    // Forced, it still lists what it changes from today on: the rewritten file was made from the
    // shipped one, so the one-off day installed above goes.
    assert!(
        stdout(&o).contains(
            "  england-and-wales: Mon 7 Jun 2027 (Imaginary one-off holiday) is no longer a bank holiday"
        ),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        std::fs::read_to_string(holidays.join("bank-holidays.json")).unwrap(),
        rewritten
    );

    // No address: the command says where to give one.
    s.config(&format!(
        "[calendar]\nholidays_dir = {:?}\n",
        holidays.to_str().unwrap()
    ));
    let o = at(&["holidays", "refresh"]);
    assert_eq!(o.status.code(), Some(78));
    assert!(
        stderr(&o).contains("set calendar.holidays_url"),
        "{}",
        stderr(&o)
    );
    // An address without a folder is a config error naming both.
    s.config("[calendar]\nholidays_url = \"https://www.gov.uk/bank-holidays.json\"\n");
    let o = at(&["config", "check"]);
    assert_eq!(o.status.code(), Some(78));
    assert!(
        stderr(&o).contains("calendar.holidays_url needs calendar.holidays_dir"),
        "{}",
        stderr(&o)
    );
    s.config(&format!(
        "[calendar]\nholidays_dir = {:?}\nholidays_url = \"ftp://example.org/x\"\n",
        holidays.to_str().unwrap()
    ));
    let o = at(&["config", "check"]);
    assert_eq!(o.status.code(), Some(78));
    assert!(
        stderr(&o).contains("is not an http or https address"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_malformed_holiday_file_is_refused_and_nothing_is_written() {
    let s = Sandbox::new();
    let dir = s.path("holidays");
    let bad = s.path("bad.json");
    let dir_arg = dir.to_str().unwrap();
    std::fs::write(&bad, file_for_2029().replace("2029-06-01", "2029-06-02")).unwrap();
    let o = s.run(&[
        "holidays",
        "import",
        bad.to_str().unwrap(),
        "--dir",
        dir_arg,
    ]);
    assert_bad_input(&o, "2029-06-02 ('Imaginary one-off holiday') is a Saturday");
    assert!(!dir.join("bank-holidays.json").exists());
    std::fs::write(&bad, "{\"england-and-wales\": ").unwrap();
    assert_bad_input(
        &s.run(&[
            "holidays",
            "import",
            bad.to_str().unwrap(),
            "--dir",
            dir_arg,
        ]),
        "line 1",
    );
    assert!(!Path::new(&dir).join("bank-holidays.json").exists());
    // Without a folder configured or given, import says where to set one.
    std::fs::write(&bad, file_for_2029()).unwrap();
    let o = s.run(&["holidays", "import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(78));
    assert!(
        stderr(&o).contains("set calendar.holidays_dir"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_broken_file_in_the_holidays_folder_stops_the_program_with_a_config_error() {
    let s = Sandbox::new();
    let holidays = s.path("holidays");
    std::fs::create_dir(&holidays).unwrap();
    std::fs::write(holidays.join("bank-holidays.json"), "not json").unwrap();
    s.config(&format!(
        "[calendar]\nholidays_dir = {:?}\n",
        holidays.to_str().unwrap()
    ));
    let o = s.run(&["deadline", "--from", "2026-12-18", "--working-days", "10"]);
    assert_eq!(o.status.code(), Some(78));
    assert!(stderr(&o).contains("bank-holidays.json"), "{}", stderr(&o));
}

#[test]
fn config_sets_the_default_region_and_closures_and_bad_config_exits_78() {
    let s = Sandbox::new();
    s.config(
        "[calendar]\ndefault_region = \"scotland\"\n\n[[calendar.closures]]\nname = \"Office closure\"\nfrom = \"12-29\"\nto = \"12-31\"\n",
    );
    // Scotland, with 29-31 December closed: 21-24 (1-4); 5-8 Jan (5-8); 11, 12 (9, 10).
    let o = s.run(&[
        "deadline",
        "--from",
        "2026-12-18",
        "--working-days",
        "10",
        "--explain",
    ]);
    let out = stdout(&o);
    assert!(out.starts_with("2027-01-12\n"), "{out}");
    assert!(
        out.contains("2026-12-30 Office closure [organisation closure]"),
        "{out}"
    );

    s.config("[calendar]\ndefault_regoin = \"scotland\"\n");
    let o = s.run(&["deadline", "--from", "2026-12-18", "--working-days", "10"]);
    assert_eq!(o.status.code(), Some(78));
    assert!(stderr(&o).contains("default_regoin"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("did you mean `default_region`?"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        stderr(&o).lines().count(),
        1,
        "one clear message: {}",
        stderr(&o)
    );

    let o = s.run(&[
        "--config",
        "/nonexistent/timescales.toml",
        "holidays",
        "coverage",
    ]);
    assert_eq!(o.status.code(), Some(78));
    assert!(
        stderr(&o).contains("/nonexistent/timescales.toml does not exist"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn help_teaches_with_examples() {
    let s = Sandbox::new();
    let o = s.run(&["deadline", "--help"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(
        out.contains("timescales deadline --from 2026-12-18 --working-days 10"),
        "{out}"
    );
    assert!(out.contains("--as-is"), "{out}");
    let o = s.run(&["--help"]);
    assert!(stdout(&o).contains("holidays"));
    let o = s.run(&[]);
    assert_eq!(o.status.code(), Some(2));
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_str(&stdout(o)).unwrap()
}

/// Deadline id -> (due, status state) from the planner's JSON.
fn plan_summary(v: &serde_json::Value) -> Vec<(String, String, String)> {
    v["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                d["due"].as_str().unwrap().to_string(),
                d["status"]["state"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn row(id: &str, due: &str, state: &str) -> (String, String, String) {
    (id.into(), due.into(), state.into())
}

#[test]
fn plan_json_for_durham() {
    let s = Sandbox::new();
    let v = json(&s.run(&[
        "plan",
        "--procedure",
        "durham",
        "--event",
        "conference=2026-12-11",
        "--event",
        "concerns-received=2026-12-23",
        "--as-of",
        "2027-01-05",
        "--json",
    ]));
    assert_eq!(v["procedure"], "durham");
    assert_eq!(v["track"], "conference");
    assert_eq!(v["region"], "england-and-wales");
    assert_eq!(v["as_of"], "2027-01-05");
    assert_eq!(
        plan_summary(&v),
        [
            row("raise-concerns", "2026-12-29", "met"),
            row("acknowledge", "2026-12-30", "overdue"),
            row("offer-appointment", "2027-01-11", "open"),
            row("request-stage-2", "2027-01-20", "open"),
        ]
    );
    let ack = &v["deadlines"][1];
    assert_eq!(ack["kind"], "obligation");
    assert_eq!(ack["owner_role"], "chair");
    assert_eq!(
        ack["owner"],
        "Chairperson of the conference (Independent Reviewing Officer)"
    );
    assert_eq!(ack["rule"]["count"], 3);
    assert_eq!(ack["from_event"], "concerns-received");
    assert_eq!(ack["from_date"], "2026-12-23");
    assert_eq!(ack["due_instant"], "2026-12-31T00:00:00Z");
    assert_eq!(ack["status"]["working_days_overdue"], 3);
    assert_eq!(ack["skipped"][0]["name"], "Christmas Day");
    assert_eq!(ack["local"], false);
    assert!(ack["source"][0]
        .as_str()
        .unwrap()
        .contains("no later than 3 working days"));
    assert_eq!(v["deadlines"][2]["status"]["working_days_left"], 4);
}

#[test]
fn plan_json_for_bedford() {
    let s = Sandbox::new();
    let v = json(&s.run(&[
        "plan",
        "--procedure",
        "bedford-central-beds",
        "--event",
        "conference=2026-11-27",
        "--event",
        "complaint-received=2026-12-23",
        "--as-of",
        "2026-12-31",
        "--json",
    ]));
    assert_eq!(
        plan_summary(&v),
        [
            row("write-to-team-manager", "2026-12-29", "met"),
            row("acknowledge", "2026-12-30", "overdue"),
            row("stage-1-complete", "2027-01-25", "open"),
        ]
    );
    // Christmas Day, then rolled forward over the weekend and Boxing Day's substitute.
    let w = &v["deadlines"][0];
    assert_eq!(w["rule"]["roll"], "forward");
    assert_eq!(w["rule_due"], "2026-12-29");
}

#[test]
fn plan_json_for_city_and_hackney_with_an_extension() {
    let s = Sandbox::new();
    let v = json(&s.run(&[
        "plan",
        "--procedure",
        "city-and-hackney",
        "--event",
        "conference=2026-12-01",
        "--event",
        "complaint-received=2026-12-22",
        "--event",
        "feedback-sent=2027-01-21",
        "--event",
        "step-2-requested=2027-01-27",
        "--extend",
        "panel-meeting=2027-03-31",
        "--as-of",
        "2027-03-01",
        "--json",
    ]));
    let panel = v["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "panel-meeting")
        .unwrap();
    assert_eq!(panel["rule_due"], "2027-02-17");
    assert_eq!(panel["due"], "2027-03-31");
    assert_eq!(panel["extension"]["to"], "2027-03-31");
    assert_eq!(panel["status"]["state"], "open");
}

#[test]
fn plan_json_for_kent_with_a_late_representation_and_a_redirected_complaint() {
    let s = Sandbox::new();
    let v = json(&s.run(&[
        "plan",
        "--procedure",
        "kent",
        "--event",
        "conference=2026-12-09",
        "--event",
        "representation-received=2027-01-05",
        "--accept-late",
        "representation",
        "--as-of",
        "2027-01-05",
        "--json",
    ]));
    assert_eq!(v["track"], "representation");
    // No concern was expressed at the conference: the attempt at immediate resolution does not
    // apply, and the representation window comes first.
    let rep = &v["deadlines"][0];
    assert_eq!(rep["id"], "representation");
    assert_eq!(rep["kind"], "window");
    assert_eq!(rep["status"]["state"], "met");
    assert_eq!(rep["status"]["working_days_late"], 6);
    assert!(rep["late_acceptance"].is_object());
    let v = json(&s.run(&[
        "plan",
        "--procedure",
        "kent",
        "--track",
        "complaint",
        "--event",
        "conference=2026-12-09",
        "--json",
    ]));
    assert_eq!(v["deadlines"].as_array().unwrap().len(), 0);
    assert!(v["referred_to"].as_str().unwrap().contains("agency"));
    let o = s.run(&[
        "plan",
        "--procedure",
        "kent",
        "--track",
        "complaint",
        "--event",
        "conference=2026-12-09",
    ]);
    assert!(
        stdout(&o).contains("This track is referred to"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn plan_json_for_oxfordshire_has_no_timescales() {
    let s = Sandbox::new();
    let v = json(&s.run(&[
        "plan",
        "--procedure",
        "oxfordshire",
        "--track",
        "decision-or-category",
        "--event",
        "conference=2026-12-09",
        "--event",
        "complaint-received=2026-12-23",
        "--json",
    ]));
    assert_eq!(v["track"], "decision-or-category");
    assert_eq!(v["deadlines"].as_array().unwrap().len(), 0);
}

#[test]
fn plan_text_shows_due_dates_derivation_and_status() {
    let s = Sandbox::new();
    let o = s.run(&[
        "plan",
        "--procedure",
        "durham",
        "--event",
        "conference=2026-12-11",
        "--event",
        "concerns-received=2026-12-23",
        "--as-of",
        "2027-01-05",
    ]);
    let out = stdout(&o);
    assert!(
        out.contains("acknowledge: Write back to the complainant"),
        "{out}"
    );
    assert!(out.contains("  due:     2026-12-30 (Wednesday)"), "{out}");
    assert!(
        out.contains("  from:    3 working days after concerns-received on 2026-12-23"),
        "{out}"
    );
    assert!(
        out.contains("  skipped: 2026-12-25 Christmas Day; 2026-12-28 Boxing Day (substitute day)"),
        "{out}"
    );
    assert!(
        out.contains("  status:  overdue by 3 working days"),
        "{out}"
    );
    assert!(
        out.contains("  status:  open: 4 working days left"),
        "{out}"
    );
    assert!(out.contains("from:    28 calendar days after concerns-received on 2026-12-23, rolled forward to a working day"), "{out}");
}

#[test]
fn plan_refuses_unknown_events_and_procedures_listing_valid_ones() {
    let s = Sandbox::new();
    assert_bad_input(
        &s.run(&[
            "plan",
            "--procedure",
            "durham",
            "--event",
            "conferense=2026-12-11",
        ]),
        "procedure 'durham' has no event 'conferense': use one of appointment-held,",
    );
    assert_bad_input(
        &s.run(&["plan", "--procedure", "dunelm", "--event", "conference=2026-12-11"]),
        "unknown procedure 'dunelm': use one of bedford-central-beds, city-and-hackney, durham, kent, oxfordshire",
    );
    assert_bad_input(
        &s.run(&["plan", "--procedure", "durham", "--event", "conference"]),
        "should be NAME=YYYY-MM-DD",
    );
    assert_bad_input(
        &s.run(&[
            "plan",
            "--procedure",
            "durham",
            "--event",
            "conference=2026-12-11",
            "--extend",
            "acknowledge=2027-01-31",
        ]),
        "allows no extension of 'acknowledge' (it allows none)",
    );
}

#[test]
fn procedures_list_and_show_are_readable() {
    let s = Sandbox::new();
    let o = s.run(&["procedures", "list"]);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 6, "{out}");
    assert!(out.contains("kent                   england-and-wales       2      5        11  Kent Safeguarding Children Multi-Agency Partnership"), "{out}");
    let o = s.run(&["procedures", "show", "city-and-hackney"]);
    let out = stdout(&o);
    assert!(
        out.contains("  panel-meeting (step-2): Hold the multi-agency panel meeting"),
        "{out}"
    );
    assert!(
        out.contains("    rule:   15 working days after step-2-requested"),
        "{out}"
    );
    assert!(
        out.contains("    whose:  obligation of Head of Safeguarding"),
        "{out}"
    );
    assert!(
        out.contains("  extension of panel-meeting, decided by Head of Safeguarding"),
        "{out}"
    );
    let o = s.run(&["procedures", "show", "oxfordshire"]);
    assert!(
        stdout(&o).contains("none: the document sets no timescales"),
        "{}",
        stdout(&o)
    );
    let v = json(&s.run(&["procedures", "show", "kent", "--json"]));
    assert!(!v["tracks"][0]["referred_to"].as_str().unwrap().is_empty());
    assert_eq!(v["deadlines"].as_array().unwrap().len(), 11);
}

#[test]
fn procedures_check_names_file_line_and_column_and_exits_non_zero() {
    let s = Sandbox::new();
    let good = s.path("good.toml");
    std::fs::write(
        &good,
        "extends = \"durham\"\n[deadlines.acknowledge]\ncount = 2\n",
    )
    .unwrap();
    let o = s.run(&["procedures", "check", good.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("ok  durham"), "{}", stdout(&o));
    let bad = s.path("bad.toml");
    std::fs::write(
        &bad,
        "extends = \"durham\"\n[deadlines.acknowledge]\ncount = 0\n",
    )
    .unwrap();
    let o = s.run(&["procedures", "check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{}:3:9: deadline 'acknowledge' count must be positive, got 0",
            bad.display()
        )),
        "{err}"
    );
    assert!(err.contains("help: a timescale counts forward"), "{err}");
    let o = s.run(&["procedures", "check"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).lines().count(), 5);
}

#[test]
fn an_invalid_local_procedure_stops_every_command_that_needs_procedures() {
    let s = Sandbox::new();
    let dir = s.path("procedures");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("x.toml"),
        "extends = \"durham\"\n[roles]\nchiar = \"Chair\"\n",
    )
    .unwrap();
    s.config(&format!(
        "[procedures]\nlocal_dir = {:?}\n",
        dir.to_str().unwrap()
    ));
    let o = s.run(&["procedures", "list"]);
    assert_eq!(o.status.code(), Some(78));
    assert!(
        stderr(&o).contains("1 problem in the procedure files:"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("x.toml:3:9: role 'chiar' is not a role of procedure 'durham'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_shipped_config_is_valid() {
    let s = Sandbox::new();
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/config/timescales.toml");
    let o = s.run(&["--config", shipped, "procedures", "check"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A sandbox whose store is a SQLite file in its own folder, with the clock at `now`.
fn complaint_run(s: &Sandbox, now: &str, args: &[&str]) -> Output {
    complaint_run_as(s, now, args, &[])
}

/// [`complaint_run`] with environment variables set (`Some`) or removed (`None`).
fn complaint_run_as(s: &Sandbox, now: &str, args: &[&str], env: &[(&str, Option<&str>)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_timescales"));
    command
        .args(args)
        .env("TIMESCALES_CONFIG", s.path("timescales.toml"))
        .env("TIMESCALES_NOW", now)
        .env("TIMESCALES__STORE__STATE_DIR", s.path("state"))
        .env_remove("TIMESCALES_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        match value {
            Some(v) => command.env(name, v),
            None => command.env_remove(name),
        };
    }
    let mut child = command.spawn().unwrap();
    let _ = child.stdin.take();
    child.wait_with_output().unwrap()
}

#[test]
fn a_change_from_the_command_line_is_audited_as_the_person_who_ran_it() {
    use std::os::unix::fs::MetadataExt;
    let s = Sandbox::new();
    let now = "2027-01-05";
    let open = durham_open("CP-3001", "2026-12-11");
    // As the README runs it: `sudo -u timescales`, which sets USER to the account and keeps the
    // person in SUDO_USER.
    let o = complaint_run_as(
        &s,
        now,
        &open,
        &[("SUDO_USER", Some("alice")), ("USER", Some("timescales"))],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let event = |name: &str, date: &str, env: &[(&str, Option<&str>)]| {
        let o = complaint_run_as(
            &s,
            now,
            &["complaint", "event", "CP-3001", name, "--date", date],
            env,
        );
        assert!(o.status.success(), "{}", stderr(&o));
    };
    event(
        "concerns-received",
        "2026-12-14",
        &[("SUDO_USER", None), ("USER", Some("bob"))],
    );
    // An empty environment: the user id, which this test shares with the command.
    let uid = std::fs::metadata("/proc/self").unwrap().uid();
    event(
        "appointment-offered",
        "2026-12-16",
        &[("SUDO_USER", None), ("USER", None), ("LOGNAME", None)],
    );
    let v = json(&complaint_run(
        &s,
        now,
        &["complaint", "audit", "CP-3001", "--json"],
    ));
    let actors: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["actor"].as_str().unwrap())
        .collect();
    assert_eq!(
        actors,
        [
            "cli:alice via sudo as timescales".to_string(),
            "cli:bob".to_string(),
            format!("cli:uid {uid}"),
        ]
    );
}

/// `complaint open`: a parent's Durham complaint about the conference on `conference`, opened by
/// the Team Manager.
fn open_durham(s: &Sandbox, now: &str, reference: &str, conference: &str) -> Output {
    let by = ["--by", "Team Manager"];
    complaint_run(
        s,
        now,
        &[&durham_open(reference, conference)[..], &by].concat(),
    )
}

/// The arguments of `complaint open` for a parent's Durham complaint, with no `--by`.
fn durham_open<'a>(reference: &'a str, conference: &'a str) -> [&'a str; 9] {
    [
        "complaint",
        "open",
        reference,
        "--procedure",
        "durham",
        "--complainant",
        "parent",
        "--conference",
        conference,
    ]
}

/// `complaint event REFERENCE EVENT`, then `flags`.
fn complaint_event(s: &Sandbox, now: &str, reference: &str, event: &str, flags: &[&str]) -> Output {
    let args = [&["complaint", "event", reference, event][..], flags].concat();
    complaint_run(s, now, &args)
}

#[test]
fn complaints_are_recorded_shown_listed_and_audited_from_the_command_line() {
    let s = Sandbox::new();
    let now = "2027-01-05";
    let o = open_durham(&s, now, "CP-1001", "2026-12-11");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("CP-1001 · durham (conference) · stage-1 · open"),
        "{}",
        stdout(&o)
    );
    let o = complaint_event(
        &s,
        now,
        "CP-1001",
        "concerns-received",
        &["--date", "2026-12-23", "--by", "Conference Chair", "--json"],
    );
    let v = json(&o);
    assert_eq!(v["reference"], "CP-1001");
    let ack = v["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "acknowledge")
        .unwrap();
    assert_eq!(ack["due"], "2026-12-30");
    assert_eq!(ack["rag"], "red");
    assert_eq!(ack["status"]["working_days_overdue"], 3);
    let o = complaint_run(&s, now, &["complaint", "show", "CP-1001"]);
    let out = stdout(&o);
    assert!(
        out.contains("RED   acknowledge            due 2026-12-30  overdue by 3 working days"),
        "{out}"
    );
    assert!(
        out.contains("GREEN offer-appointment      due 2027-01-11  open: 4 working days left"),
        "{out}"
    );
    let o = complaint_run(&s, now, &["complaint", "list", "--overdue"]);
    let out = stdout(&o);
    assert!(
        out.contains("CP-1001") && out.contains("2026-12-30 acknowledge"),
        "{out}"
    );
    assert!(out.ends_with("1 complaint (as of 2027-01-05)\n"), "{out}");
    let o = complaint_run(&s, now, &["complaint", "list", "--procedure", "kent"]);
    assert!(
        stdout(&o).ends_with("0 complaints (as of 2027-01-05)\n"),
        "{}",
        stdout(&o)
    );
    let o = complaint_run(&s, now, &["complaint", "audit", "CP-1001", "--json"]);
    let v = json(&o);
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[1]["actor"], "Conference Chair");
    // Refusals: exit 2, one line, nothing written.
    let o = complaint_event(&s, now, "CP-1001", "panel-held", &["--date", "2027-01-04"]);
    assert_bad_input(
        &o,
        "event 'panel-held' on 2027-01-04 cannot be recorded in stage-1",
    );
    let o = complaint_event(
        &s,
        now,
        "CP-1001",
        "appointment-held",
        &["--date", "2027-01-06"],
    );
    assert_bad_input(&o, "date 2027-01-06 is in the future (today is 2027-01-05)");
    let o = complaint_run(&s, now, &["complaint", "show", "CP-9"]);
    assert_bad_input(&o, "no complaint has reference 'CP-9'");
    let o = open_durham(&s, now, "CP-1001", "2026-12-11");
    assert_bad_input(&o, "a complaint with reference 'CP-1001' already exists");
    let o = complaint_run(&s, now, &["complaint", "audit", "CP-1001", "--json"]);
    assert_eq!(json(&o).as_array().unwrap().len(), 2);
}

#[test]
fn init_writes_the_commented_starter_config_and_never_overwrites_silently() {
    let s = Sandbox::new();
    let out = s.path("etc/timescales.toml");
    let o = s.run(&["init", "--output", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    // It says what to run next, for the file it wrote.
    let next = stdout(&o);
    let with = format!("timescales --config {}", out.display());
    assert!(
        next.contains(&format!("`{with} config check`"))
            && next.contains(&format!("`{with} doctor`")),
        "{next}"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("[notify.policy]") && text.contains("default_region = \"england-and-wales\"")
    );
    let o = s.run(&["init", "--output", out.to_str().unwrap()]);
    assert_bad_input(&o, "already exists: edit it, or pass --force");
    let o = s.run(&["--config", out.to_str().unwrap(), "procedures", "check"]);
    assert!(
        o.status.success(),
        "the starter config loads: {}",
        stderr(&o)
    );
}

#[test]
fn config_check_prints_each_setting_with_its_source_and_redacts_secrets() {
    let s = Sandbox::new();
    s.config("[calendar]\ndefault_region = \"scotland\"\n[store]\ndatabase_url = \"postgres://app:s3cret@db/ts\"\n");
    let o = s.run(&["config", "check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let config = s.path("timescales.toml").display().to_string();
    assert!(
        out.lines()
            .any(|l| l.starts_with("calendar.default_region = \"scotland\"")
                && l.ends_with(&format!("# {config}"))),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("calendar.time_zone = \"Europe/London\"")
                && l.ends_with("# built-in default")),
        "{out}"
    );
    assert!(out.contains("store.database_url = \"(redacted)\""), "{out}");
    assert!(!out.contains("s3cret") && !stderr(&o).contains("s3cret"));
    let v = json(&s.run(&["config", "check", "--json"]));
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["key"] == "calendar.default_region" && r["source"] == config));
}

/// Kent in use, with every role routed but its conference chair: a mail server and mailboxes.
const KENT_WITHOUT_ITS_CHAIR: &str = r#"[notify]
procedures = ["kent"]

[notify.smtp]
host = "smtp.council.example"
from = "timescales <timescales@council.example>"

[notify.roles.chairs-manager]
email = ["chairs-managers@council.example"]

[notify.roles.customer-care-manager]
email = ["customer-care@council.example"]

[notify.roles.review-panel-chair]
email = ["review-panels@council.example"]

[notify.roles.manager]
email = ["managers@council.example"]
"#;

#[test]
fn a_config_that_leaves_a_deadline_owner_unrouted_is_refused_naming_procedure_role_and_deadline() {
    let s = Sandbox::new();
    s.config(&format!(
        "[store]\nstate_dir = {:?}\n{KENT_WITHOUT_ITS_CHAIR}",
        s.path("state").display().to_string()
    ));
    let o = s.run(&["config", "check"]);
    assert_eq!(o.status.code(), Some(78), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    assert!(
        err.starts_with("timescales: config: 1 role of the procedures in use reaches nobody, so its deadlines would never be reminded of, alerted on or listed in a digest:\n"),
        "{err}"
    );
    assert!(
        err.contains(
            "\n  - procedure `kent`, role `conference-chair`: owns deadline `immediate-resolution`\n"
        ),
        "{err}"
    );
    assert!(
        err.contains("fix: give each role a destination with [notify.roles.ROLE]")
            && err.contains("notify.procedures")
            && err.contains("notify.fallback"),
        "{err}"
    );
    // The service refuses it alike, with the same message, before it listens or opens a store.
    let o = s.run(&["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(o.status.code(), Some(78), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&err["timescales: ".len()..]),
        "{}",
        stderr(&o)
    );
    assert!(!s.path("state/timescales.db").exists());

    // Without notify.procedures every procedure loaded is in use, and more roles reach nobody.
    s.config(&KENT_WITHOUT_ITS_CHAIR.replace("procedures = [\"kent\"]\n", ""));
    let err = stderr(&s.run(&["config", "check"]));
    assert!(
        err.contains("- procedure `durham`, role `chair`: owns deadline `raise-concerns`"),
        "{err}"
    );

    // A fallback catches the chair; `config check` says so.
    s.config(&KENT_WITHOUT_ITS_CHAIR.replace(
        "procedures = [\"kent\"]\n",
        "procedures = [\"kent\"]\nfallback = { email = [\"safeguarding-unit@council.example\"] }\n",
    ));
    let o = s.run(&["config", "check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("note: 1 role with no destination of its own goes to notify.fallback: kent/conference-chair\n"),
        "{err}"
    );
    assert!(
        stdout(&o).contains("notify.fallback.email = [\"safeguarding-unit@council.example\"]"),
        "{}",
        stdout(&o)
    );

    // A complaint under a procedure not in use cannot be opened: nobody is routed to it.
    let o = open_durham(&s, "2027-01-05", "CP-1", "2026-12-11");
    assert_bad_input(
        &o,
        "procedure 'durham' is not among those in use (notify.procedures: kent)",
    );
}

#[test]
fn with_notifications_off_the_shipped_config_and_no_config_at_all_are_accepted() {
    let s = Sandbox::new();
    let o = s.run(&["config", "check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note: notifications are off"),
        "{}",
        stderr(&o)
    );
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/config/timescales.toml");
    let o = s.run(&["--config", shipped, "config", "check"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn complaint_open_takes_the_history_so_far_in_one_change() {
    let s = Sandbox::new();
    let now = "2027-04-30";
    let open = |reference: &str, events: &[&str]| {
        let mut args = durham_open(reference, "2026-12-04").to_vec();
        for e in events {
            args.extend(["--event", e]);
        }
        complaint_run(&s, now, &args)
    };
    let o = open(
        "CP-2001",
        &[
            "concerns-received=2026-12-17",
            "stage-2-requested=2027-01-13",
            "stage-2-letter-sent=2027-02-26",
            "stage-3-requested=2027-03-30",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("CP-2001 · durham (conference) · stage-3 · open"),
        "{}",
        stdout(&o)
    );
    let v = json(&complaint_run(
        &s,
        now,
        &["complaint", "audit", "CP-2001", "--json"],
    ));
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert!(
        v[0]["detail"]
            .as_str()
            .unwrap()
            .contains("earlier events: concerns-received on 2026-12-17, stage-2-requested"),
        "{v}"
    );
    // A refused event refuses the open: exit 2, one line naming it, nothing written.
    let o = open(
        "CP-2002",
        &["concerns-received=2026-12-17", "panel-held=2027-01-04"],
    );
    assert_bad_input(
        &o,
        "'panel-held' on 2027-01-04 cannot be recorded in stage-1",
    );
    let o = complaint_run(&s, now, &["complaint", "show", "CP-2002"]);
    assert_bad_input(&o, "no complaint has reference 'CP-2002'");
    let o = open("CP-2002", &["concerns-received"]);
    assert_bad_input(&o, "'concerns-received' should be NAME=YYYY-MM-DD");
}

#[test]
fn the_command_line_keeps_the_apis_rules_for_references_text_and_dates() {
    let s = Sandbox::new();
    let now = "2027-01-05";
    // A path, an option look-alike and a slash are not references.
    for (reference, needle) in [
        (
            "../../etc",
            "reference '../../etc' must start with a letter or a digit",
        ),
        (
            "CP/2026/1",
            "reference 'CP/2026/1' may hold letters, digits and . _ - only",
        ),
    ] {
        let o = open_durham(&s, now, reference, "2026-12-11");
        assert_bad_input(&o, needle);
    }
    let o = open_durham(&s, now, "CP-1", "2026-12-11");
    assert!(o.status.success(), "{}", stderr(&o));
    // A control character in any text is refused, naming the field, and nothing is written.
    let before = stdout(&complaint_run(
        &s,
        now,
        &["complaint", "show", "CP-1", "--json"],
    ));
    let o = complaint_event(
        &s,
        now,
        "CP-1",
        "concerns-received",
        &[
            "--date",
            "2027-01-04",
            "--by",
            "Chair",
            "--note",
            "line one\nline two",
        ],
    );
    assert_bad_input(&o, "note holds a control character (U+000A at character 9)");
    let o = complaint_event(
        &s,
        now,
        "CP-1",
        "concerns-received",
        &["--date", "2027-1-4", "--by", "Chair"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("'2027-1-4' is not a date: expected YYYY-MM-DD"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        stdout(&complaint_run(
            &s,
            now,
            &["complaint", "show", "CP-1", "--json"]
        )),
        before
    );
}

#[test]
fn backup_and_restore_from_the_command_line() {
    let s = Sandbox::new();
    let now = "2027-01-05";
    assert!(open_durham(&s, now, "CP-1", "2026-12-11").status.success());
    let file = s.path("b.db");
    let o = complaint_run(&s, now, &["backup", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with(&format!(
            "backed up to {}: 1 complaints, 0 notifications, schema ",
            file.display()
        )),
        "{}",
        stdout(&o)
    );
    // Again to the same file: refused, exit 2, one line.
    let o = complaint_run(&s, now, &["backup", file.to_str().unwrap()]);
    assert_bad_input(
        &o,
        "exists already: give a new file, so that no backup is overwritten",
    );
    // A complaint opened after the backup is gone once it is restored.
    assert!(open_durham(&s, now, "CP-2", "2026-12-11").status.success());
    let o = complaint_run(&s, now, &["restore", file.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["complaints"], 1);
    assert!(
        v["kept"]
            .as_str()
            .unwrap()
            .contains("timescales.db.before-restore-"),
        "{v}"
    );
    let o = complaint_run(&s, now, &["complaint", "list", "--all", "--json"]);
    let refs: Vec<String> = json(&o)
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reference"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(refs, ["CP-1"]);
}

#[test]
fn a_complaint_is_exported_whole_as_json_and_as_a_page() {
    let s = Sandbox::new();
    let now = "2027-01-05";
    assert!(open_durham(&s, now, "CP-9", "2026-12-11").status.success());
    let o = complaint_event(
        &s,
        now,
        "CP-9",
        "concerns-received",
        &[
            "--date",
            "2027-01-04",
            "--by",
            "Chair",
            "--note",
            "letter <b>& call</b>",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = complaint_run(&s, now, &["complaint", "export", "CP-9"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["complaint"]["reference"], "CP-9");
    assert_eq!(v["complaint"]["timeline"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["complaint"]["timeline"][1]["note"],
        "letter <b>& call</b>"
    );
    assert!(!v["complaint"]["deadlines"].as_array().unwrap().is_empty());
    assert_eq!(v["audit"].as_array().unwrap().len(), 2, "{}", v["audit"]);
    assert_eq!(v["notifications"], serde_json::json!([]));
    // As a page, to a new file; the note's markup is shown, never run.
    let page = s.path("CP-9.html");
    let o = complaint_run(
        &s,
        now,
        &[
            "complaint",
            "export",
            "CP-9",
            "--format",
            "html",
            "--output",
            page.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("complaint CP-9, 2 timeline entries"),
        "{}",
        stderr(&o)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>")
            && html.contains("<title>Complaint CP-9: everything held</title>")
    );
    assert!(
        html.contains("<td>letter &lt;b&gt;&amp; call&lt;/b&gt;</td>"),
        "{html}"
    );
    assert!(!html.contains("<b>") && !html.contains("<script"), "{html}");
    // Never over an existing file.
    let o = complaint_run(
        &s,
        now,
        &[
            "complaint",
            "export",
            "CP-9",
            "--output",
            page.to_str().unwrap(),
        ],
    );
    assert_bad_input(&o, "(give a new file)");
    let o = complaint_run(&s, now, &["complaint", "export", "CP-404"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// `timescales report` on an empty store: the period said (this financial year by default),
/// nothing due; CSV's header; a period that ends before it starts and an unknown procedure are
/// bad input. (The figures themselves: tests/store/report.rs, worked by hand.)
#[test]
fn the_compliance_report_says_its_period_and_refuses_a_bad_one() {
    let s = Sandbox::new();
    s.config(&format!(
        "[store]\nstate_dir = {:?}\n",
        s.path("state").to_str().unwrap()
    ));
    let o = s.run(&["--now", "2027-02-01T10:00:00Z", "report"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "Compliance report: deadlines due 1 Apr 2026 to 31 Mar 2027 (overdue as of 1 Feb 2027)\n\nNo deadline fell due in the period.\n"
    );
    let o = s.run(&[
        "report",
        "--from",
        "2026-04-01",
        "--to",
        "2027-03-31",
        "--format",
        "csv",
    ]);
    assert_eq!(
        stdout(&o),
        "procedure,stage,deadline,what,due,met_on_time,met_late,late_median_working_days,late_worst_working_days,extended,not_applicable,unmet,not_needed,open,open_overdue,on_time_percent,kind\n"
    );
    let o = s.run(&[
        "report",
        "--format",
        "json",
        "--from",
        "2026-04-01",
        "--to",
        "2026-04-30",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["from"], "2026-04-01");
    assert_eq!(json["procedures"], serde_json::json!([]));
    let o = s.run(&[
        "report",
        "--format",
        "html",
        "--from",
        "2026-04-01",
        "--to",
        "2026-05-31",
    ]);
    let html = stdout(&o);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(
        html.contains("<p>No deadline fell due in the period.</p>"),
        "{html}"
    );
    assert!(
        html.contains("<text x=\"64\" y=\"238\" text-anchor=\"middle\">Apr 26</text>"),
        "{html}"
    );
    assert_bad_input(
        &s.run(&["report", "--from", "2027-01-01", "--to", "2026-01-01"]),
        "the period ends (2026-01-01) before it starts (2027-01-01)",
    );
    assert_bad_input(
        &s.run(&["report", "--procedure", "kentt"]),
        "unknown procedure 'kentt'",
    );
    assert_bad_input(&s.run(&["report", "--from", "2026-4-1"]), "not a date");
}
