//! The three UK bank-holiday divisions, named by GOV.UK's own keys.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::CalendarError;

/// A bank-holiday division of the United Kingdom.
///
/// Bank holidays are set separately for England and Wales, for Scotland and for Northern Ireland,
/// so every working-day count must say which calendar it uses. The names are GOV.UK's keys in
/// `bank-holidays.json`, so the data file, the config and the command line all speak alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Division {
    /// `england-and-wales`
    EnglandAndWales,
    /// `scotland`
    Scotland,
    /// `northern-ireland`
    NorthernIreland,
}

impl Division {
    /// Every division, in GOV.UK's order.
    pub const ALL: [Division; 3] = [
        Division::EnglandAndWales,
        Division::Scotland,
        Division::NorthernIreland,
    ];

    /// GOV.UK's key for the division, e.g. `england-and-wales`.
    pub const fn key(self) -> &'static str {
        match self {
            Division::EnglandAndWales => "england-and-wales",
            Division::Scotland => "scotland",
            Division::NorthernIreland => "northern-ireland",
        }
    }

    /// Position in [`Division::ALL`], for per-division arrays.
    pub const fn index(self) -> usize {
        match self {
            Division::EnglandAndWales => 0,
            Division::Scotland => 1,
            Division::NorthernIreland => 2,
        }
    }
}

impl fmt::Display for Division {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.key())
    }
}

impl FromStr for Division {
    type Err = CalendarError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Division::ALL
            .into_iter()
            .find(|d| d.key() == s)
            .ok_or_else(|| CalendarError::UnknownDivision(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_unknown_names_are_refused() {
        for d in Division::ALL {
            assert_eq!(d.key().parse::<Division>().unwrap(), d);
        }
        let err = "england".parse::<Division>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown region 'england': expected one of england-and-wales, scotland, northern-ireland"
        );
    }
}
