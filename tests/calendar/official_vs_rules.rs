//! The standing rules reproduce every date of GOV.UK's official data except the one-offs.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use timescales::calendar::{rules, Division, OfficialData};

/// One-off and moved holidays in the official data, which no standing rule can produce.
const ONE_OFFS: &[(Division, &str, &str)] = &[
    (
        Division::EnglandAndWales,
        "2012-06-04",
        "Spring bank holiday moved for the Diamond Jubilee",
    ),
    (
        Division::EnglandAndWales,
        "2012-06-05",
        "Queen’s Diamond Jubilee",
    ),
    (
        Division::EnglandAndWales,
        "2020-05-08",
        "Early May bank holiday moved to VE day",
    ),
    (
        Division::EnglandAndWales,
        "2022-06-02",
        "Spring bank holiday moved for the Platinum Jubilee",
    ),
    (
        Division::EnglandAndWales,
        "2022-06-03",
        "Platinum Jubilee bank holiday",
    ),
    (
        Division::EnglandAndWales,
        "2022-09-19",
        "State Funeral of Queen Elizabeth II",
    ),
    (
        Division::EnglandAndWales,
        "2023-05-08",
        "Coronation of King Charles III",
    ),
    (
        Division::Scotland,
        "2012-06-04",
        "Spring bank holiday moved for the Diamond Jubilee",
    ),
    (Division::Scotland, "2012-06-05", "Queen’s Diamond Jubilee"),
    (
        Division::Scotland,
        "2020-05-08",
        "Early May bank holiday moved to VE day",
    ),
    (
        Division::Scotland,
        "2022-06-02",
        "Spring bank holiday moved for the Platinum Jubilee",
    ),
    (
        Division::Scotland,
        "2022-06-03",
        "Platinum Jubilee bank holiday",
    ),
    (
        Division::Scotland,
        "2022-09-19",
        "State Funeral of Queen Elizabeth II",
    ),
    (
        Division::Scotland,
        "2023-05-08",
        "Coronation of King Charles III",
    ),
    (
        Division::Scotland,
        "2026-06-15",
        "World Cup bank holiday (Scotland only)",
    ),
    (
        Division::NorthernIreland,
        "2012-06-04",
        "Spring bank holiday moved for the Diamond Jubilee",
    ),
    (
        Division::NorthernIreland,
        "2012-06-05",
        "Queen’s Diamond Jubilee",
    ),
    (
        Division::NorthernIreland,
        "2020-05-08",
        "Early May bank holiday moved to VE day",
    ),
    (
        Division::NorthernIreland,
        "2022-06-02",
        "Spring bank holiday moved for the Platinum Jubilee",
    ),
    (
        Division::NorthernIreland,
        "2022-06-03",
        "Platinum Jubilee bank holiday",
    ),
    (
        Division::NorthernIreland,
        "2022-09-19",
        "State Funeral of Queen Elizabeth II",
    ),
    (
        Division::NorthernIreland,
        "2023-05-08",
        "Coronation of King Charles III",
    ),
];

/// The rule dates those one-offs displaced: the rules give them, the official data does not.
const DISPLACED: &[&str] = &["2012-05-28", "2020-05-04", "2022-05-30"];

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn the_standing_rules_reproduce_every_official_date_but_the_one_offs() {
    let data = OfficialData::embedded();
    for division in Division::ALL {
        for year in 2012..=2028 {
            let official: BTreeSet<NaiveDate> = data
                .iter()
                .rev()
                .find_map(|f| f.divisions[&division].get(&year))
                .unwrap_or_else(|| panic!("{division} {year} is covered"))
                .iter()
                .map(|h| h.date)
                .collect();
            let computed: BTreeSet<NaiveDate> = rules::holidays(division, year)
                .into_iter()
                .map(|h| h.date)
                .collect();
            let one_offs: BTreeSet<NaiveDate> = ONE_OFFS
                .iter()
                .filter(|(d, _, _)| *d == division)
                .map(|(_, s, _)| date(s))
                .filter(|d| chrono::Datelike::year(d) == year)
                .collect();
            let displaced: BTreeSet<NaiveDate> = DISPLACED
                .iter()
                .map(|s| date(s))
                .filter(|d| chrono::Datelike::year(d) == year)
                .collect();
            let expected_official: BTreeSet<NaiveDate> = computed
                .difference(&displaced)
                .copied()
                .chain(one_offs.iter().copied())
                .collect();
            assert_eq!(
                official, expected_official,
                "{division} {year}: official data vs standing rules (+ one-offs, - displaced)"
            );
        }
    }
}

#[test]
fn every_listed_one_off_is_in_the_official_data() {
    let data = OfficialData::embedded();
    for (division, day, what) in ONE_OFFS {
        let d = date(day);
        let found = data.iter().any(|f| {
            f.divisions[division]
                .get(&chrono::Datelike::year(&d))
                .is_some_and(|l| l.iter().any(|h| h.date == d))
        });
        assert!(found, "{division} {day} {what}");
    }
}
