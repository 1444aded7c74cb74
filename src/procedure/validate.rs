//! From the raw file to a [`Procedure`]: every check, every message with file, line and column.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::Range;
use std::sync::Arc;

use toml::Spanned;

use super::schema::{RawCondition, RawDeadline, RawOverride, RawProcedure, SourceFile};
use super::{
    Complainant, ComplainantRole, Condition, DeadlineDef, Discretion, DiscretionKind, Kind,
    OnExpiry, OutOfScope, Outcome, Procedure, ProcedureError, Stage, Track, CLOSED, CONFERENCE,
};
use crate::calendar::Division;
use crate::deadline::Rule;

/// The largest count a procedure may give: ten years of working days is already absurd.
const MAX_COUNT: i64 = 2_600;

/// Collects errors, each located in its file.
struct Errors(Vec<ProcedureError>);

impl Errors {
    fn at(
        &mut self,
        file: &SourceFile,
        span: Range<usize>,
        message: String,
        help: impl Into<String>,
    ) {
        let (line, column) = file.line_col(span.start);
        self.0.push(ProcedureError {
            file: file.name.clone(),
            line,
            column,
            message,
            help: help.into(),
        });
    }
}

fn one_of<'a>(names: impl IntoIterator<Item = &'a String>) -> String {
    let v: Vec<&str> = names.into_iter().map(String::as_str).collect();
    if v.is_empty() {
        "none are defined".into()
    } else {
        format!("use one of: {}", v.join(", "))
    }
}

/// Parses a procedure file; a syntax or type error is located.
pub(super) fn parse<T: serde::de::DeserializeOwned>(
    src: &SourceFile,
) -> Result<T, Vec<ProcedureError>> {
    toml::from_str(&src.text).map_err(|e| {
        let (line, column) = src.line_col(e.span().map_or(0, |s| s.start));
        vec![ProcedureError {
            file: src.name.clone(),
            line,
            column,
            message: e.message().trim().to_string(),
            help: "see docs/procedures.md for the procedure file format".into(),
        }]
    })
}

/// Applies a local override to a raw procedure before it is validated.
pub(super) fn apply_override(
    raw: &mut RawProcedure,
    ov: RawOverride,
    src: &Arc<SourceFile>,
) -> Result<(), Vec<ProcedureError>> {
    let mut errors = Errors(Vec::new());
    for (role, name) in ov.roles {
        match raw.roles.get_mut(&role) {
            Some(n) => *n = name.into_inner(),
            None => errors.at(
                src,
                name.span(),
                format!(
                    "role '{role}' is not a role of procedure '{}'",
                    raw.id.get_ref()
                ),
                one_of(raw.roles.keys()),
            ),
        }
    }
    for (id, change) in ov.deadlines {
        let span = change.span();
        let change = change.into_inner();
        match raw.deadlines.iter_mut().find(|d| d.id.get_ref() == &id) {
            Some(d) => {
                if let Some(c) = change.count {
                    // The override's own position is the one to report if the count is bad.
                    if *c.get_ref() <= 0 {
                        errors.at(
                            src,
                            c.span(),
                            format!(
                                "deadline '{id}' count must be positive, got {}",
                                c.get_ref()
                            ),
                            "a timescale counts forward: give a count of 1 or more",
                        );
                    }
                    d.count = c;
                }
                if let Some(u) = change.unit {
                    d.unit = u;
                }
                if let Some(r) = change.roll {
                    d.roll = r;
                }
                if let Some(t) = change.trigger {
                    d.trigger = t;
                }
            }
            None => errors.at(
                src,
                span,
                format!(
                    "deadline '{id}' is not a deadline of procedure '{}'",
                    raw.id.get_ref()
                ),
                one_of(raw.deadlines.iter().map(|d| d.id.get_ref())),
            ),
        }
    }
    for mut target in ov.targets {
        target.origin = Some(src.clone());
        raw.deadlines.push(target);
    }
    if errors.0.is_empty() {
        Ok(())
    } else {
        Err(errors.0)
    }
}

/// Validates a raw procedure into a [`Procedure`], collecting every error.
pub(super) fn validate(
    raw: RawProcedure,
    src: &Arc<SourceFile>,
    files: Vec<String>,
) -> Result<Procedure, Vec<ProcedureError>> {
    let mut e = Errors(Vec::new());

    let id = raw.id.get_ref().clone();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        e.at(
            src,
            raw.id.span(),
            format!("procedure id '{id}' must be lower-case letters, digits and hyphens"),
            "e.g. id = \"city-and-hackney\"",
        );
    }
    let region = raw
        .region
        .get_ref()
        .parse::<Division>()
        .unwrap_or_else(|err| {
            e.at(
                src,
                raw.region.span(),
                err.to_string(),
                "set region to england-and-wales, scotland or northern-ireland",
            );
            Division::EnglandAndWales
        });
    let time_zone = raw
        .time_zone
        .get_ref()
        .parse::<chrono_tz::Tz>()
        .unwrap_or_else(|_| {
            e.at(
                src,
                raw.time_zone.span(),
                format!("unknown time zone '{}'", raw.time_zone.get_ref()),
                "use Europe/London: timescales knows the time zones of the United Kingdom only (its deadlines follow the UK's bank holidays)",
            );
            chrono_tz::Europe::London
        });

    let events = &raw.events;
    let roles = &raw.roles;
    let outcomes = &raw.outcomes;
    let check_event =
        |e: &mut Errors, file: &SourceFile, name: &Spanned<String>, what: &str| -> bool {
            let ok = events.contains_key(name.get_ref());
            if !ok {
                e.at(
                    file,
                    name.span(),
                    format!("{what} names unknown event '{}'", name.get_ref()),
                    one_of(events.keys()),
                );
            }
            ok
        };
    let check_role = |e: &mut Errors, file: &SourceFile, name: &Spanned<String>, what: &str| {
        if !roles.contains_key(name.get_ref()) {
            e.at(
                file,
                name.span(),
                format!("{what} names unknown role '{}'", name.get_ref()),
                format!("add it under [roles] or {}", one_of(roles.keys())),
            );
        }
    };
    let check_outcome = |e: &mut Errors, file: &SourceFile, name: &Spanned<String>, what: &str| {
        if !outcomes.contains_key(name.get_ref()) {
            e.at(
                file,
                name.span(),
                format!("{what} names unknown outcome '{}'", name.get_ref()),
                format!("add it under [outcomes] or {}", one_of(outcomes.keys())),
            );
        }
    };

    // Opening events.
    for ev in raw.opening_events.get_ref() {
        check_event(&mut e, src, ev, "opening_events");
    }
    if !raw
        .opening_events
        .get_ref()
        .iter()
        .any(|ev| ev.get_ref() == CONFERENCE)
    {
        e.at(src, raw.opening_events.span(), "opening_events must include 'conference': every complaint is about a conference and counts from its date".into(), "opening_events = [\"conference\"]");
    }

    // Eligibility.
    let mut complainants = Vec::new();
    for c in &raw.eligibility.complainants {
        match c.role.get_ref().parse::<ComplainantRole>() {
            Ok(role) => complainants.push(Complainant {
                role,
                as_written: c.as_written.clone(),
            }),
            Err(msg) => e.at(
                src,
                c.role.span(),
                msg,
                "the roles are fixed so that every procedure speaks alike",
            ),
        }
    }
    let mut seen = BTreeSet::new();
    let mut out_of_scope = Vec::new();
    for o in &raw.eligibility.out_of_scope {
        if !seen.insert(o.id.get_ref().clone()) {
            e.at(
                src,
                o.id.span(),
                format!("duplicate out-of-scope id '{}'", o.id.get_ref()),
                "give each entry its own id",
            );
        }
        out_of_scope.push(OutOfScope {
            id: o.id.get_ref().clone(),
            matter: o.matter.clone(),
            referred_to: o.referred_to.clone(),
            source: o.source.to_vec(),
        });
    }

    // Stages: ids, owners, events, outcomes, transitions.
    let stage_ids: BTreeSet<String> = raw.stages.iter().map(|s| s.id.get_ref().clone()).collect();
    let mut seen = BTreeSet::new();
    let mut stages = Vec::new();
    for s in &raw.stages {
        let sid = s.id.get_ref();
        if !seen.insert(sid.clone()) {
            e.at(
                src,
                s.id.span(),
                format!("duplicate stage id '{sid}'"),
                "give each stage its own id",
            );
        }
        if sid == CLOSED {
            e.at(
                src,
                s.id.span(),
                "'closed' is reserved for transitions that close the complaint".into(),
                "choose another stage id",
            );
        }
        check_role(&mut e, src, &s.owner, &format!("stage '{sid}' owner"));
        for ev in &s.events {
            check_event(&mut e, src, ev, &format!("stage '{sid}'"));
        }
        for o in &s.outcomes {
            check_outcome(&mut e, src, o, &format!("stage '{sid}'"));
        }
        let mut next = BTreeMap::new();
        if let Some(n) = &s.next {
            for (ev, to) in n.get_ref() {
                if !s.events.iter().any(|x| x.get_ref() == ev) {
                    e.at(
                        src,
                        n.span(),
                        format!(
                            "stage '{sid}' moves on event '{ev}', which cannot be recorded in it"
                        ),
                        format!(
                            "add '{ev}' to the stage's events, or {}",
                            one_of(s.events.iter().map(|x| x.get_ref()))
                        ),
                    );
                }
                if to != CLOSED && !stage_ids.contains(to) {
                    e.at(
                        src,
                        n.span(),
                        format!("stage '{sid}' moves on '{ev}' to '{to}', which is not a stage"),
                        format!("use 'closed' or {}", one_of(&stage_ids)),
                    );
                }
                next.insert(ev.clone(), to.clone());
            }
        }
        stages.push(Stage {
            id: sid.clone(),
            name: s.name.clone(),
            owner: s.owner.get_ref().clone(),
            events: s.events.iter().map(|x| x.get_ref().clone()).collect(),
            outcomes: s.outcomes.iter().map(|x| x.get_ref().clone()).collect(),
            next,
        });
    }

    // Outcomes.
    let mut outcome_defs = BTreeMap::new();
    for (oid, o) in outcomes {
        if let Some(r) = &o.reopens {
            if !stage_ids.contains(r.get_ref()) {
                e.at(
                    src,
                    r.span(),
                    format!(
                        "outcome '{oid}' reopens '{}', which is not a stage",
                        r.get_ref()
                    ),
                    one_of(&stage_ids),
                );
            }
        }
        outcome_defs.insert(
            oid.clone(),
            Outcome {
                label: o.label.clone(),
                reopens: o.reopens.as_ref().map(|r| r.get_ref().clone()),
            },
        );
    }

    // Tracks, and which stages can be reached from them.
    let mut seen = BTreeSet::new();
    let mut tracks = Vec::new();
    let mut starts = Vec::new();
    for t in &raw.tracks {
        let tid = t.id.get_ref();
        if !seen.insert(tid.clone()) {
            e.at(
                src,
                t.id.span(),
                format!("duplicate track id '{tid}'"),
                "give each track its own id",
            );
        }
        match (&t.first_stage, &t.referred_to) {
            (Some(fs), None) => {
                if stage_ids.contains(fs.get_ref()) {
                    starts.push(fs.get_ref().clone());
                } else {
                    e.at(src, fs.span(), format!("track '{tid}' starts at '{}', which is not a stage", fs.get_ref()), one_of(&stage_ids));
                }
            }
            (None, Some(_)) => {}
            _ => e.at(src, t.id.span(), format!("track '{tid}' needs exactly one of first_stage (followed here) or referred_to (handled by another procedure)"), "set first_stage = \"...\" or referred_to = \"...\""),
        }
        tracks.push(Track {
            id: tid.clone(),
            name: t.name.clone(),
            first_stage: t.first_stage.as_ref().map(|x| x.get_ref().clone()),
            referred_to: t.referred_to.clone(),
            source: t.source.as_ref().map(|q| q.to_vec()).unwrap_or_default(),
        });
    }
    if raw.tracks.is_empty() {
        e.at(
            src,
            raw.id.span(),
            "a procedure needs at least one [[tracks]] entry".into(),
            "add [[tracks]] with id, name and first_stage",
        );
    }
    let graph: BTreeMap<&str, Vec<&str>> = stages
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                s.next
                    .values()
                    .filter(|v| *v != CLOSED)
                    .map(String::as_str)
                    .collect(),
            )
        })
        .collect();
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([from.to_string()]);
        while let Some(s) = queue.pop_front() {
            if seen.insert(s.clone()) {
                for n in graph.get(s.as_str()).into_iter().flatten() {
                    queue.push_back(n.to_string());
                }
            }
        }
        seen
    };
    let reachable: BTreeSet<String> = starts.iter().flat_map(|s| reach(s)).collect();
    for s in &raw.stages {
        if !reachable.contains(s.id.get_ref()) && stage_ids.contains(s.id.get_ref()) {
            e.at(src, s.id.span(), format!("stage '{}' cannot be reached from any track", s.id.get_ref()), "make a track start there, or give an earlier stage a `next` entry that moves to it");
        }
    }
    // For each stage, the stages it can reach (itself included).
    let reaches: BTreeMap<String, BTreeSet<String>> =
        stage_ids.iter().map(|s| (s.clone(), reach(s))).collect();
    let stages_recording = |ev: &str| -> Vec<&String> {
        stages
            .iter()
            .filter(|s| s.events.iter().any(|x| x == ev))
            .map(|s| &s.id)
            .collect()
    };
    let opening: BTreeSet<&String> = raw
        .opening_events
        .get_ref()
        .iter()
        .map(|x| x.get_ref())
        .collect();

    // Deadlines.
    let mut seen = BTreeSet::new();
    let mut deadlines = Vec::new();
    for d in &raw.deadlines {
        let file: &SourceFile = d.origin.as_deref().unwrap_or(src);
        let did = d.id.get_ref();
        if !seen.insert(did.clone()) {
            e.at(
                file,
                d.id.span(),
                format!("duplicate deadline id '{did}'"),
                "give each deadline its own id",
            );
        }
        let stage = d.stage.get_ref();
        let stage_ok = stage_ids.contains(stage);
        if !stage_ok {
            e.at(
                file,
                d.stage.span(),
                format!("deadline '{did}' belongs to '{stage}', which is not a stage"),
                one_of(&stage_ids),
            );
        }
        check_role(&mut e, file, &d.owner, &format!("deadline '{did}' owner"));
        let count = *d.count.get_ref();
        if count <= 0 {
            e.at(
                file,
                d.count.span(),
                format!("deadline '{did}' count must be positive, got {count}"),
                "a timescale counts forward: give a count of 1 or more",
            );
        } else if count > MAX_COUNT {
            e.at(
                file,
                d.count.span(),
                format!("deadline '{did}' count {count} is implausibly large"),
                format!("a procedure's timescale is at most {MAX_COUNT} units"),
            );
        }
        if check_event(&mut e, file, &d.from, &format!("deadline '{did}' from")) && stage_ok {
            let anchor = d.from.get_ref();
            let possible = opening.contains(anchor)
                || stages_recording(anchor)
                    .iter()
                    .any(|t| reaches.get(*t).is_some_and(|r| r.contains(stage)));
            if !possible {
                e.at(file, d.from.span(), format!("deadline '{did}' in stage '{stage}' counts from '{anchor}', which cannot have happened by then"), format!("count from an opening event or an event of '{stage}' or a stage before it; '{anchor}' is recorded in {}", one_of(stages_recording(anchor))));
            }
        }
        if let Some(m) = &d.met_by {
            if check_event(&mut e, file, m, &format!("deadline '{did}' met_by")) && stage_ok {
                let possible = reaches
                    .get(stage)
                    .is_some_and(|r| stages_recording(m.get_ref()).iter().any(|t| r.contains(*t)));
                if !possible {
                    e.at(file, m.span(), format!("deadline '{did}' in stage '{stage}' is met by '{}', which cannot be recorded in that stage or after it", m.get_ref()), format!("'{}' is recorded in {}", m.get_ref(), one_of(stages_recording(m.get_ref()))));
                }
            }
        }
        if let Some(o) = &d.after_outcome {
            check_outcome(&mut e, file, o, &format!("deadline '{did}' after_outcome"));
            if d.applies_when.is_some() {
                e.at(
                    file,
                    o.span(),
                    format!("deadline '{did}' has both after_outcome and applies_when"),
                    "keep applies_when = { outcome = \"...\" } only",
                );
            }
        }
        if let Some(c) = &d.applies_when {
            let raw = c.get_ref();
            match (&raw.event, &raw.outcome, &raw.unless_event) {
                (Some(ev), None, None) | (None, None, Some(ev)) => {
                    let field = if raw.event.is_some() { "event" } else { "unless_event" };
                    if check_event(&mut e, file, ev, &format!("deadline '{did}' applies_when {field}")) && stage_ok {
                        let name = ev.get_ref();
                        let possible = opening.contains(name)
                            || stages_recording(name).iter().any(|t| reaches.get(*t).is_some_and(|r| r.contains(stage)) || reaches.get(stage).is_some_and(|r| r.contains(*t)));
                        if !possible {
                            e.at(file, ev.span(), format!("deadline '{did}' in stage '{stage}' applies when '{name}' is {}recorded, which no stage on the way to or after it records", if raw.event.is_some() { "" } else { "not " }), format!("'{name}' is recorded in {}", one_of(stages_recording(name))));
                        }
                    }
                }
                (None, Some(o), None) => {
                    check_outcome(&mut e, file, o, &format!("deadline '{did}' applies_when outcome"));
                }
                _ => e.at(file, c.span(), format!("deadline '{did}' applies_when needs exactly one of event, outcome or unless_event"), "write applies_when = { event = \"...\" }, { outcome = \"...\" } or { unless_event = \"...\" }"),
            }
        }
        if d.kind == Kind::Obligation && d.on_expiry.is_some() {
            e.at(
                file,
                d.id.span(),
                format!("deadline '{did}' is an obligation: on_expiry applies to windows only"),
                "remove on_expiry, or make it kind = \"window\"",
            );
        }
        deadlines.push(def_from_raw(d, count));
    }

    // Discretion.
    let deadline_ids: BTreeSet<&String> = raw.deadlines.iter().map(|d| d.id.get_ref()).collect();
    let mut discretion = Vec::new();
    for x in &raw.discretion {
        for d in &x.deadlines {
            let kind = raw
                .deadlines
                .iter()
                .find(|r| r.id.get_ref() == d.get_ref())
                .map(|r| r.kind);
            match (kind, x.kind) {
                (None, _) => e.at(
                    src,
                    d.span(),
                    format!("discretion names unknown deadline '{}'", d.get_ref()),
                    one_of(deadline_ids.iter().copied()),
                ),
                (Some(Kind::Window), DiscretionKind::Extension) => e.at(
                    src,
                    d.span(),
                    format!("'{}' is a window: an extension applies to the authority's obligations", d.get_ref()),
                    "use kind = \"late-acceptance\" for a complainant's window",
                ),
                (Some(Kind::Obligation), DiscretionKind::LateAcceptance) => e.at(
                    src,
                    d.span(),
                    format!("'{}' is an obligation: a late acceptance applies to the complainant's windows", d.get_ref()),
                    "use kind = \"extension\" for an authority's obligation",
                ),
                _ => {}
            }
        }
        check_role(&mut e, src, &x.who, "discretion who");
        discretion.push(Discretion {
            kind: x.kind,
            deadlines: x.deadlines.iter().map(|d| d.get_ref().clone()).collect(),
            who: x.who.get_ref().clone(),
            source: x.source.to_vec(),
        });
    }

    if !e.0.is_empty() {
        e.0.sort_by_key(|x| (x.file.clone(), x.line, x.column));
        return Err(e.0);
    }
    Ok(Procedure {
        id,
        name: raw.name,
        authority: raw.authority,
        document: raw.document,
        region,
        time_zone,
        opening_events: raw
            .opening_events
            .into_inner()
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        complainants,
        out_of_scope,
        roles: raw.roles,
        events: raw.events,
        outcomes: outcome_defs,
        tracks,
        stages,
        deadlines,
        discretion,
        files,
    })
}

fn def_from_raw(d: &RawDeadline, count: i64) -> DeadlineDef {
    DeadlineDef {
        id: d.id.get_ref().clone(),
        stage: d.stage.get_ref().clone(),
        what: d.what.clone(),
        kind: d.kind,
        owner: d.owner.get_ref().clone(),
        rule: Rule {
            count: u32::try_from(count).unwrap_or(0),
            unit: d.unit,
            roll: d.roll,
            trigger: d.trigger,
        },
        from: d.from.get_ref().clone(),
        met_by: d.met_by.as_ref().map(|m| m.get_ref().clone()),
        applies_when: match (
            &d.after_outcome,
            d.applies_when.as_ref().map(|c| c.get_ref()),
        ) {
            (
                _,
                Some(RawCondition {
                    event: Some(ev), ..
                }),
            ) => Some(Condition::Event(ev.get_ref().clone())),
            (
                _,
                Some(RawCondition {
                    unless_event: Some(ev),
                    ..
                }),
            ) => Some(Condition::UnlessEvent(ev.get_ref().clone())),
            (
                _,
                Some(RawCondition {
                    outcome: Some(o), ..
                }),
            )
            | (Some(o), None) => Some(Condition::Outcome(o.get_ref().clone())),
            _ => None,
        },
        on_expiry: d.on_expiry.unwrap_or(OnExpiry::ProposeClosure),
        source: d.source.to_vec(),
        interpretation: d.interpretation.clone(),
        local: d.origin.is_some(),
    }
}
