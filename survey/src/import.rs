//! What both importers share: the per-person context they need (ids, household presence,
//! home zone) and what they return (a diary or the drop reasons, per person).

use crate::drop_log::{HOME_ZONE, HOUSEHOLD_MISSING};
use crate::slot_rule::State;
use mobility::SLOTS;
use std::collections::{BTreeMap, HashMap};

/// Per person of the person table (by index): what the importers need to know.
pub struct PersonContext {
    pub ids: Vec<String>,
    pub by_id: HashMap<String, usize>,
    /// `None` when no household table is configured.
    pub has_household: Option<Vec<bool>>,
    /// Home zone per person (location task); `None` inside = missing or outside the set.
    pub home: Option<Vec<Option<u16>>>,
}

impl PersonContext {
    /// Appends the person-level reasons (household missing, home zone) in that order.
    /// A person without a household is not also counted under the home zone (it follows).
    pub fn push_person_reasons(&self, index: usize, reasons: &mut Vec<&'static str>) {
        if let Some(h) = &self.has_household {
            if !h[index] {
                reasons.push(HOUSEHOLD_MISSING);
                return;
            }
        }
        if let Some(h) = &self.home {
            if h[index].is_none() {
                reasons.push(HOME_ZONE);
            }
        }
    }
}

/// The result for one person of the person table.
#[derive(Debug, Clone)]
pub enum Outcome {
    Kept([State; SLOTS]),
    Dropped(Vec<&'static str>),
}

/// What an importer returns.
pub struct Imported {
    pub source_sha256: String,
    /// One outcome per person of the person table, in its order.
    pub outcomes: Vec<Outcome>,
    /// People of the diary source that are not in the person table.
    pub orphans: Vec<(String, Vec<&'static str>)>,
    /// Diagnostic counts for the manifest (e.g. trips unwrapped to the next day).
    pub counters: BTreeMap<String, usize>,
}

impl Imported {
    pub fn new(source_sha256: String) -> Imported {
        Imported {
            source_sha256,
            outcomes: Vec::new(),
            orphans: Vec::new(),
            counters: BTreeMap::new(),
        }
    }

    pub fn count(&mut self, name: &str, n: usize) {
        *self.counters.entry(name.to_string()).or_default() += n;
    }
}
