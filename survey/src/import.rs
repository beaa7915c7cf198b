//! What both importers share: the per-person context they need (ids, household presence,
//! home zone) and what they return (a diary or the drop reasons, per person).

use crate::activity_codes::{integer_value, CodeMap};
use crate::config::IdColumns;
use crate::drop_log::{HOME_ZONE, HOUSEHOLD_MISSING, NOT_IN_PERSON_TABLE};
use crate::error::PrepareError;
use crate::person_records::IdReader;
use crate::slot_rule::State;
use crate::source_table::SourceTable;
use mobility::{Activity, SLOTS};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

pub const CODES_WRITTEN_DIFFERENTLY: &str =
    "codes matching a listed code written differently (`1` for `01`: integers compared by value)";

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
    /// Codes that only `default` mapped, with their record counts.
    pub default_codes: BTreeMap<String, usize>,
    /// Records whose code was looked up.
    pub code_lookups: usize,
    /// Distinct people of the diary source.
    pub diary_people: usize,
    /// Earliest and latest start (episodes) or departure (trips) of the kept people, in
    /// diary seconds, and how many there were.
    pub time_span: Option<(i64, i64, usize)>,
    /// Kept people with trips, and those of them whose last trip ends at their home zone
    /// in an activity other than Home (a sign of tour-based purposes).
    pub day_ends_at_home_zone_not_home: (usize, usize),
    /// How the diary file was read, when not comma-separated UTF-8.
    pub reading_note: Option<String>,
}

impl Imported {
    pub fn new(table: &SourceTable, rel: &str) -> Imported {
        Imported {
            source_sha256: table.sha256.clone(),
            outcomes: Vec::new(),
            orphans: Vec::new(),
            counters: BTreeMap::new(),
            default_codes: BTreeMap::new(),
            code_lookups: 0,
            diary_people: 0,
            time_span: None,
            day_ends_at_home_zone_not_home: (0, 0),
            reading_note: table.reading_note(rel),
        }
    }

    pub fn count(&mut self, name: &str, n: usize) {
        *self.counters.entry(name.to_string()).or_default() += n;
    }

    /// The activity of `code`, counting a code that only the default maps; `None` when the
    /// code is unknown and there is no default.
    pub fn activity(&mut self, codes: &CodeMap, code: &str) -> Option<Activity> {
        self.code_lookups += 1;
        if let Some((a, respelled)) = codes.lookup_spelled(code) {
            if respelled {
                self.count(CODES_WRITTEN_DIFFERENTLY, 1);
            }
            return Some(a);
        }
        let a = codes.default()?;
        *self
            .default_codes
            .entry(code.trim().to_string())
            .or_default() += 1;
        Some(a)
    }

    /// Widens the span of kept start or departure times.
    pub fn note_times(&mut self, times: impl Iterator<Item = i64>) {
        for t in times {
            self.time_span = Some(match self.time_span {
                None => (t, t, 1),
                Some((lo, hi, n)) => (lo.min(t), hi.max(t), n + 1),
            });
        }
    }
}

/// The rows of each person of a diary source (episodes or trips), in file order of first
/// appearance; for the people of the person table, sorted by the `order` column when there
/// is one. People missing from the person table are recorded as orphans in `imported`.
pub fn rows_by_person<'t>(
    table: &'t SourceTable,
    person: &IdColumns,
    order: Option<&str>,
    ctx: &PersonContext,
    imported: &mut Imported,
) -> Result<HashMap<Cow<'t, str>, Vec<usize>>, PrepareError> {
    let reader = IdReader::resolve(person, table)?;
    let order_col = order.map(|c| table.column(c)).transpose()?;
    let mut rows_of: HashMap<Cow<'t, str>, Vec<usize>> = HashMap::new();
    let mut persons_in_file: Vec<Cow<'t, str>> = Vec::new();
    for r in 0..table.rows.len() {
        let id = reader.read(table, r);
        if id.is_empty() {
            return Err(table.error(r, reader.label(), "empty person id"));
        }
        rows_of
            .entry(id.clone())
            .or_insert_with(|| {
                persons_in_file.push(id);
                Vec::new()
            })
            .push(r);
    }
    imported.diary_people = persons_in_file.len();
    let mut matched = 0usize;
    for id in &persons_in_file {
        if ctx.by_id.contains_key(id.as_ref()) {
            matched += 1;
        } else {
            imported
                .orphans
                .push((id.to_string(), vec![NOT_IN_PERSON_TABLE]));
        }
    }
    if matched == 0 {
        return Err(table.error(
            0,
            reader.label(),
            format!(
                "no person of this table is in the person table (this file's first id is `{}`, the person table's is `{}`): check the id columns and how their values are written",
                persons_in_file[0],
                ctx.ids.first().map(String::as_str).unwrap_or_default()
            ),
        ));
    }
    if let (Some(oc), Some(order)) = (order_col, order) {
        for (id, rows) in rows_of.iter_mut() {
            if !ctx.by_id.contains_key(id.as_ref()) {
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
