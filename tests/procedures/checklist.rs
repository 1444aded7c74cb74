//! docs/procedures.md keeps a checklist of every timescale sentence and the deadline it maps to.
//! This test holds the checklist and the procedure files to each other.

use std::collections::BTreeSet;

use timescales::procedure::Procedures;

#[test]
fn every_deadline_is_in_the_checklist_and_every_quote_is_in_its_source() {
    let doc = include_str!("../../docs/procedures.md");
    let set = Procedures::load(None).unwrap();
    let section = doc
        .split("## Every timescale, and the deadline it became")
        .nth(1)
        .unwrap()
        .split("Discretion, from the same documents")
        .next()
        .unwrap();
    let mut listed = BTreeSet::new();
    for row in section
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains('`'))
    {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (quote, id) = (cells[2], cells[3].trim_matches('`'));
        let (procedure, deadline) = id.split_once('/').unwrap();
        let def = set
            .get(procedure)
            .and_then(|p| p.deadline(deadline))
            .unwrap_or_else(|| panic!("the checklist names {id}, which does not exist"));
        assert!(
            def.source.iter().any(|s| s.contains(quote)),
            "{id}: the quote {quote:?} is not in its source {:?}",
            def.source
        );
        listed.insert(id.to_string());
    }
    for p in set.iter() {
        for d in &p.deadlines {
            let id = format!("{}/{}", p.id, d.id);
            assert!(
                listed.contains(&id),
                "{id} is missing from the checklist in docs/procedures.md"
            );
        }
    }
}
