//! Every kind of procedure error, with its message, file, line and column.

use std::path::PathBuf;

use timescales::procedure::{ProcedureError, Procedures};

#[test]
fn the_five_shipped_procedures_are_valid() {
    let p = match Procedures::load(None) {
        Ok(p) => p,
        Err(errors) => panic!(
            "{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    };
    assert_eq!(
        p.ids(),
        [
            "bedford-central-beds",
            "city-and-hackney",
            "durham",
            "kent",
            "oxfordshire"
        ]
    );
    let counts: Vec<usize> = p.iter().map(|p| p.deadlines.len()).collect();
    assert_eq!(counts, [6, 7, 8, 11, 0]);
}

/// A small valid procedure; each test breaks one line of it.
pub(crate) const VALID: &str = r#"id = "test-procedure"
name = "Test"
authority = "Test Partnership"
region = "england-and-wales"
time_zone = "Europe/London"
opening_events = ["conference"]

[eligibility]
complainants = [{ role = "parent", as_written = "parents" }]

[roles]
chair = "Chair"

[events]
conference = "Conference held"
received = "Complaint received"
acknowledged = "Acknowledged"
escalated = "Escalated"
panel-met = "Panel met"

[[tracks]]
id = "main"
name = "Main"
first_stage = "one"

[[stages]]
id = "one"
name = "Stage one"
owner = "chair"
events = ["received", "acknowledged", "escalated"]
next = { escalated = "two" }

[[stages]]
id = "two"
name = "Stage two"
owner = "chair"
events = ["panel-met"]

[[deadlines]]
id = "acknowledge"
stage = "one"
what = "Acknowledge"
kind = "obligation"
owner = "chair"
count = 3
unit = "working-days"
from = "received"
met_by = "acknowledged"
source = "within 3 working days"
"#;

/// Checks `text` as a procedure file named `test.toml`: its errors, if any, name that file.
pub(crate) fn check(text: &str) -> Result<(), Vec<ProcedureError>> {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("test.toml");
    std::fs::write(&path, text).unwrap();
    Procedures::check_files(std::slice::from_ref(&path))
        .map(|_| ())
        .map_err(|errs| {
            errs.into_iter()
                .map(|mut e| {
                    e.file = e.file.replace(&path.display().to_string(), "test.toml");
                    e
                })
                .collect()
        })
}

/// The single error of a broken file, as `file:line:column: message`, and its help.
fn error(text: &str) -> (String, String) {
    let errs = check(text).expect_err("should be refused");
    assert_eq!(errs.len(), 1, "{errs:#?}");
    located(&errs[0])
}

/// An error as `file:line:column: message`, and its help.
pub(crate) fn located(e: &ProcedureError) -> (String, String) {
    (
        format!("{}:{}:{}: {}", e.file, e.line, e.column, e.message),
        e.help.clone(),
    )
}

fn replace(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "{from}");
    VALID.replacen(from, to, 1)
}

#[test]
fn the_sample_is_valid() {
    check(VALID).unwrap();
}

#[test]
fn an_unknown_event_is_named_with_the_valid_ones() {
    let (msg, help) = error(&replace("from = \"received\"", "from = \"recieved\""));
    assert_eq!(
        msg,
        "test.toml:47:8: deadline 'acknowledge' from names unknown event 'recieved'"
    );
    assert_eq!(
        help,
        "use one of: acknowledged, conference, escalated, panel-met, received"
    );
}

#[test]
fn a_deadline_cannot_count_from_an_event_of_a_later_stage() {
    let (msg, help) = error(&replace("from = \"received\"", "from = \"panel-met\""));
    assert_eq!(
        msg,
        "test.toml:47:8: deadline 'acknowledge' in stage 'one' counts from 'panel-met', which cannot have happened by then"
    );
    assert!(
        help.contains("'panel-met' is recorded in use one of: two"),
        "{help}"
    );
}

#[test]
fn a_deadline_cannot_be_met_by_an_event_of_an_earlier_stage() {
    let text = format!(
        "{VALID}\n[[deadlines]]\nid = \"panel\"\nstage = \"two\"\nwhat = \"Panel\"\nkind = \"obligation\"\nowner = \"chair\"\ncount = 15\nunit = \"working-days\"\nfrom = \"escalated\"\nmet_by = \"received\"\nsource = \"x\"\n"
    );
    let (msg, _) = error(&text);
    assert_eq!(
        msg,
        "test.toml:60:10: deadline 'panel' in stage 'two' is met by 'received', which cannot be recorded in that stage or after it"
    );
}

#[test]
fn duplicate_ids_are_refused() {
    let text = format!(
        "{VALID}\n[[deadlines]]\nid = \"acknowledge\"\nstage = \"one\"\nwhat = \"Again\"\nkind = \"obligation\"\nowner = \"chair\"\ncount = 1\nunit = \"working-days\"\nfrom = \"received\"\nsource = \"x\"\n"
    );
    let (msg, help) = error(&text);
    assert_eq!(msg, "test.toml:52:6: duplicate deadline id 'acknowledge'");
    assert_eq!(help, "give each deadline its own id");
}

#[test]
fn a_stage_no_track_reaches_is_refused() {
    let (msg, help) = error(&replace("next = { escalated = \"two\" }\n", ""));
    assert_eq!(
        msg,
        "test.toml:33:6: stage 'two' cannot be reached from any track"
    );
    assert!(help.contains("make a track start there"), "{help}");
}

#[test]
fn a_transition_to_nowhere_is_refused() {
    let text = replace(
        "next = { escalated = \"two\" }",
        "next = { escalated = \"three\" }",
    );
    let errs = check(&text).unwrap_err();
    // Stage two is then unreachable too: both are reported.
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert_eq!(
        (errs[0].line, errs[0].column, errs[0].message.as_str()),
        (
            31,
            8,
            "stage 'one' moves on 'escalated' to 'three', which is not a stage"
        )
    );
    assert_eq!(errs[0].help, "use 'closed' or use one of: one, two");
    assert_eq!(
        errs[1].message,
        "stage 'two' cannot be reached from any track"
    );
}

#[test]
fn a_transition_on_an_event_the_stage_cannot_record_is_refused() {
    let (msg, _) = error(&replace(
        "next = { escalated = \"two\" }",
        "next = { escalated = \"two\", panel-met = \"closed\" }",
    ));
    assert_eq!(
        msg,
        "test.toml:31:8: stage 'one' moves on event 'panel-met', which cannot be recorded in it"
    );
}

#[test]
fn non_positive_counts_are_refused() {
    for bad in ["0", "-5"] {
        let (msg, help) = error(&replace("count = 3", &format!("count = {bad}")));
        assert_eq!(
            msg,
            format!("test.toml:45:9: deadline 'acknowledge' count must be positive, got {bad}")
        );
        assert_eq!(
            help,
            "a timescale counts forward: give a count of 1 or more"
        );
    }
}

#[test]
fn an_unknown_region_is_refused() {
    let (msg, help) = error(&replace(
        "region = \"england-and-wales\"",
        "region = \"wales\"",
    ));
    assert_eq!(
        msg,
        "test.toml:4:10: unknown region 'wales': expected one of england-and-wales, scotland, northern-ireland"
    );
    assert_eq!(
        help,
        "set region to england-and-wales, scotland or northern-ireland"
    );
}

#[test]
fn an_unknown_role_is_refused() {
    let (msg, _) = error(&replace(
        "owner = \"chair\"\ncount",
        "owner = \"chiar\"\ncount",
    ));
    assert_eq!(
        msg,
        "test.toml:44:9: deadline 'acknowledge' owner names unknown role 'chiar'"
    );
}

#[test]
fn unknown_keys_bad_units_and_syntax_errors_are_located() {
    let (msg, _) = error(&replace("what = \"Acknowledge\"", "waht = \"Acknowledge\""));
    assert!(
        msg.starts_with("test.toml:42:1: unknown field `waht`"),
        "{msg}"
    );
    let (msg, _) = error(&replace("unit = \"working-days\"", "unit = \"fortnights\""));
    assert!(msg.starts_with("test.toml:46:8: unknown variant `fortnights`, expected one of `working-days`, `calendar-days`, `months`"), "{msg}");
    let (msg, _) = error(&replace("count = 3", "count = "));
    assert!(msg.starts_with("test.toml:45:"), "{msg}");
}

#[test]
fn every_error_in_a_file_is_reported_not_just_the_first() {
    let text = replace("count = 3", "count = 0").replace("from = \"received\"", "from = \"nope\"");
    let errs = check(&text).unwrap_err();
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert_eq!((errs[0].line, errs[1].line), (45, 47));
}

#[test]
fn an_override_changes_a_count_and_a_role_and_adds_a_local_target() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("local.toml"),
        r#"extends = "oxfordshire"

[roles]
conference-chair = "Independent Reviewing Officer"

[[targets]]
id = "acknowledge"
stage = "process-chair"
what = "Acknowledge the complaint"
kind = "obligation"
owner = "conference-chair"
count = 3
unit = "working-days"
from = "complaint-received"
met_by = "response-sent"
source = "Local target"
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("durham-local.toml"),
        "extends = \"durham\"\n[deadlines.acknowledge]\ncount = 2\n",
    )
    .unwrap();
    let set = Procedures::load(Some(dir.path())).unwrap();
    let ox = set.get("oxfordshire").unwrap();
    assert_eq!(
        ox.roles["conference-chair"],
        "Independent Reviewing Officer"
    );
    assert_eq!(ox.deadlines.len(), 1);
    assert!(ox.deadlines[0].local);
    assert_eq!(
        set.get("durham")
            .unwrap()
            .deadline("acknowledge")
            .unwrap()
            .rule
            .count,
        2
    );
}

#[test]
fn an_override_of_an_unknown_deadline_or_procedure_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.toml");
    std::fs::write(
        &path,
        "extends = \"durham\"\n[deadlines.acknowlege]\ncount = 2\n",
    )
    .unwrap();
    let errs = Procedures::load(Some(dir.path())).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].line, 2);
    assert_eq!(
        errs[0].message,
        "deadline 'acknowlege' is not a deadline of procedure 'durham'"
    );
    std::fs::write(&path, "extends = \"dunelm\"\n").unwrap();
    let errs = Procedures::load(Some(dir.path())).unwrap_err();
    assert_eq!(errs[0].message, "extends unknown procedure 'dunelm'");
}

#[test]
fn a_local_procedure_with_a_shipped_id_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("durham.toml"),
        VALID.replace("test-procedure", "durham"),
    )
    .unwrap();
    let set = Procedures::load(Some(dir.path())).unwrap();
    assert_eq!(set.get("durham").unwrap().name, "Test");
    assert_eq!(set.ids().len(), 5);
}

#[test]
fn discretion_must_fit_the_deadline_it_names() {
    let text = format!(
        "{VALID}\n[[discretion]]\nkind = \"late-acceptance\"\ndeadlines = [\"acknowledge\"]\nwho = \"chair\"\nsource = \"x\"\n"
    );
    let (msg, help) = error(&text);
    assert_eq!(
        msg,
        "test.toml:53:14: 'acknowledge' is an obligation: a late acceptance applies to the complainant's windows"
    );
    assert_eq!(
        help,
        "use kind = \"extension\" for an authority's obligation"
    );
}
