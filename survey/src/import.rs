//! What both importers share: the per-person context they need (ids, household presence,
//! home zone) and what they return (a diary or the drop reasons, per person).

use crate::activity_codes::integer_value;
use crate::drop_log::{HOME_ZONE, HOUSEHOLD_MISSING, NOT_IN_PERSON_TABLE};
use crate::error::PrepareError;
use crate::hashing::canonical_id;
use crate::slot_rule::State;
use crate::source_table::SourceTable;
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

/// The rows of each person of a diary source (episodes or trips), in file order of first
/// appearance; for the people of the person table, sorted by the `order` column when there
/// is one. People missing from the person table are recorded as orphans in `imported`.
pub fn rows_by_person<'t>(
    table: &'t SourceTable,
    person: &str,
    order: Option<&str>,
    ctx: &PersonContext,
    imported: &mut Imported,
) -> Result<HashMap<&'t str, Vec<usize>>, PrepareError> {
    let person_col = table.column(person)?;
    let order_col = order.map(|c| table.column(c)).transpose()?;
    let mut rows_of: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut persons_in_file: Vec<&str> = Vec::new();
    for r in 0..table.rows.len() {
        let id = canonical_id(table.get(r, person_col));
        if id.is_empty() {
            return Err(table.error(r, person, "empty person id"));
        }
        rows_of
            .entry(id)
            .or_insert_with(|| {
                persons_in_file.push(id);
                Vec::new()
            })
            .push(r);
    }
    for id in &persons_in_file {
        if !ctx.by_id.contains_key(*id) {
            imported
                .orphans
                .push((id.to_string(), vec![NOT_IN_PERSON_TABLE]));
        }
    }
    if let (Some(oc), Some(order)) = (order_col, order) {
        for (id, rows) in rows_of.iter_mut() {
            if !ctx.by_id.contains_key(*id) {
                continue;
            }
            let mut keyed = Vec::with_capacity(rows.len());
            for &r in rows.iter() {
                let v = table.get(r, oc);
                let key = integer_value(v).ok_or_else(|| {
                    table.error(r, order, format!("`{v}` is not an integer order"))
                })?;
                keyed.push((key, r));
            }
            keyed.sort();
            *rows = keyed.into_iter().map(|(_, r)| r).collect();
        }
    }
    Ok(rows_of)
}
