//! Why people were left out: each dropped person is counted under its first reason
//! (in the importer's fixed order) and under every reason that applies.

use serde::Serialize;
use std::collections::BTreeMap;

pub const NOT_IN_PERSON_TABLE: &str = "not in the person table";
pub const NO_EPISODES: &str = "no episodes";
pub const NO_TRIPS: &str = "no trips (persons_without_trips = \"drop\")";
pub const EPISODE_TIME_MISSING: &str = "episode time missing";
pub const EPISODE_ZONE: &str = "episode zone missing or outside the zone set";
pub const TRIP_ZONE: &str = "trip origin or destination zone missing or outside the zone set";
pub const TRIP_TIME_OR_PURPOSE: &str = "trip time or purpose missing";
pub const HOUSEHOLD_MISSING: &str = "household missing";
pub const HOME_ZONE: &str = "home zone missing, unknown or outside the zone set";
pub const HOUR_NOT_COVERED: &str = "an hour of the day has no episode";

/// What each person who is not in the benchmark was dropped for.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct DropCounts {
    pub total: usize,
    pub first_reason: BTreeMap<String, usize>,
    pub all_reasons: BTreeMap<String, usize>,
}

impl DropCounts {
    /// Records one dropped person with its reasons (first = the one counted first).
    pub fn record(&mut self, reasons: &[&'static str]) {
        let Some(first) = reasons.first() else {
            return;
        };
        self.total += 1;
        *self.first_reason.entry(first.to_string()).or_default() += 1;
        let mut seen: Vec<&str> = Vec::new();
        for r in reasons {
            if !seen.contains(r) {
                seen.push(r);
                *self.all_reasons.entry(r.to_string()).or_default() += 1;
            }
        }
    }
}
