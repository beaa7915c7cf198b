//! The person side of a survey: the person table (possibly the trip table itself, one
//! row per trip), joined to the household table, with the config's columns resolved.
//! Gives, per person, the split id, segment, home zone and feature values.

use crate::config::{HomeZoneLookup, IdColumns, SurveyConfig, TableRef};
use crate::error::PrepareError;
use crate::hashing::canonical_id;
use crate::segment_rules::Segmenter;
use crate::source_table::SourceTable;
use crate::zone_set::{fold_name, ZoneSet};
use std::collections::HashMap;
use std::path::Path;

/// The columns of an id, resolved in one table.
#[derive(Debug, Clone)]
pub struct IdReader {
    columns: Vec<usize>,
    label: String,
}

impl IdReader {
    pub fn resolve(id: &IdColumns, table: &SourceTable) -> Result<IdReader, PrepareError> {
        Ok(IdReader {
            columns: id
                .names()
                .iter()
                .map(|c| table.column(c))
                .collect::<Result<_, _>>()?,
            label: id.label(),
        })
    }

    /// The id of row `r`: each part trimmed and canonical (no `.0`), joined by `-`; empty
    /// when any part is empty.
    pub fn read<'t>(&self, table: &'t SourceTable, r: usize) -> std::borrow::Cow<'t, str> {
        if let [c] = self.columns[..] {
            return std::borrow::Cow::Borrowed(canonical_id(table.get(r, c)));
        }
        let parts: Vec<&str> = self
            .columns
            .iter()
            .map(|&c| canonical_id(table.get(r, c)))
            .collect();
        if parts.iter().any(|p| p.is_empty()) {
            return std::borrow::Cow::Borrowed("");
        }
        std::borrow::Cow::Owned(parts.join("-"))
    }

    /// The column(s) as named in errors.
    pub fn label(&self) -> &str {
        &self.label
    }
}

/// A column of the merged person + household record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Person(usize),
    Household(usize),
}

/// One person: id, its first row in the person table, and its household row.
#[derive(Debug, Clone)]
pub struct PersonEntry {
    pub id: String,
    pub row: usize,
    pub household_id: String,
    pub household_row: Option<usize>,
}

pub struct PersonRecords {
    pub persons: SourceTable,
    pub households: Option<SourceTable>,
    /// People in order of first appearance in the person table.
    pub entries: Vec<PersonEntry>,
    pub by_id: HashMap<String, usize>,
    /// Feature columns with their output names, in output order.
    pub features: Vec<(String, Col)>,
    /// The id column(s) of the household table.
    pub household_id_column: Option<IdReader>,
    /// Number of feature values in which commas or line breaks were replaced.
    pub sanitised_values: usize,
}

impl PersonRecords {
    /// Reads the person (and household) tables. `repeated_rows`: the person table may
    /// hold several rows per person (it is the trip table); the first row is used.
    pub fn read(
        config: &SurveyConfig,
        data_dir: &Path,
        repeated_rows: bool,
    ) -> Result<PersonRecords, PrepareError> {
        let persons = SourceTable::read_with(
            &data_dir.join(&config.persons.file),
            &config.persons.csv_options(),
        )?;
        let id_reader = IdReader::resolve(&config.persons.id, &persons)?;
        let hh_reader = match &config.persons.household {
            Some(c) => Some(IdReader::resolve(c, &persons)?),
            None => None,
        };
        let households = match &config.households {
            Some(h) => Some(SourceTable::read_with(
                &data_dir.join(&h.file),
                &h.csv_options(),
            )?),
            None => None,
        };
        let mut hh_index: HashMap<String, usize> = HashMap::new();
        let mut household_id_column = None;
        if let (Some(table), Some(cfg)) = (&households, &config.households) {
            let reader = IdReader::resolve(&cfg.id, table)?;
            for r in 0..table.rows.len() {
                let id = reader.read(table, r);
                if id.is_empty() {
                    return Err(table.error(r, reader.label(), "empty household id"));
                }
                if let Some(first) = hh_index.insert(id.to_string(), r) {
                    return Err(table.error(
                        r,
                        reader.label(),
                        format!(
                            "duplicate household `{id}` (first on line {})",
                            table.lines[first]
                        ),
                    ));
                }
            }
            household_id_column = Some(reader);
        }
        let mut entries: Vec<PersonEntry> = Vec::new();
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for r in 0..persons.rows.len() {
            let id = id_reader.read(&persons, r);
            if id.is_empty() {
                return Err(persons.error(r, id_reader.label(), "empty person id"));
            }
            let household_id = hh_reader
                .as_ref()
                .map(|h| h.read(&persons, r).into_owned())
                .unwrap_or_default();
            if let Some(&first) = by_id.get(id.as_ref()) {
                let first = &entries[first];
                let other_household = first.household_id != household_id;
                if repeated_rows && !other_household {
                    continue;
                }
                let mut message = format!(
                    "duplicate person `{id}` (first on line {})",
                    persons.lines[first.row]
                );
                if other_household {
                    message = format!(
                        "person `{id}` appears under household `{household_id}` here and under household `{}` on line {}: person ids that restart in every household need a composite id, e.g. id = [\"{}\", \"{}\"] (and the same `person` in the diary table)",
                        first.household_id,
                        persons.lines[first.row],
                        hh_reader.as_ref().map(IdReader::label).unwrap_or_default(),
                        id_reader.label()
                    );
                }
                return Err(persons.error(r, id_reader.label(), message));
            }
            let household_row = hh_index.get(&household_id).copied();
            by_id.insert(id.to_string(), entries.len());
            entries.push(PersonEntry {
                id: id.to_string(),
                row: r,
                household_id,
                household_row,
            });
        }
        let mut records = PersonRecords {
            persons,
            households,
            entries,
            by_id,
            features: Vec::new(),
            household_id_column,
            sanitised_values: 0,
        };
        let mut features = Vec::new();
        for f in &config.persons.features {
            features.push((f.clone(), Col::Person(records.persons.column(f)?)));
        }
        if let (Some(table), Some(cfg)) = (&records.households, &config.households) {
            for f in &cfg.features {
                features.push((f.clone(), Col::Household(table.column(f)?)));
            }
        }
        records.features = features;
        Ok(records)
    }

    /// Resolves a column name: the person table first, then the household table.
    pub fn resolve(&self, name: &str) -> Result<Col, PrepareError> {
        if let Some(i) = self.persons.header.iter().position(|h| h == name) {
            return Ok(Col::Person(i));
        }
        if let Some(h) = &self.households {
            if let Some(i) = h.header.iter().position(|x| x == name) {
                return Ok(Col::Household(i));
            }
        }
        let mut message = "missing column (not in the person table".to_string();
        if self.households.is_some() {
            message.push_str(" nor the household table");
        }
        message.push(')');
        Err(PrepareError::input(
            &self.persons.path,
            1,
            Some(name),
            message,
        ))
    }

    /// Resolves every column of an id.
    pub fn resolve_id(&self, id: &IdColumns) -> Result<Vec<Col>, PrepareError> {
        id.names().iter().map(|n| self.resolve(n)).collect()
    }

    /// The value of a (possibly composite) id of person `p`, as [`IdReader::read`] forms it.
    pub fn id_value(&self, p: &PersonEntry, cols: &[Col]) -> String {
        let parts: Vec<&str> = cols
            .iter()
            .map(|&c| canonical_id(self.value(p, c)))
            .collect();
        parts.join("-")
    }

    /// A value of person `p`; empty when the household row is missing.
    pub fn value(&self, p: &PersonEntry, col: Col) -> &str {
        match col {
            Col::Person(c) => self.persons.get(p.row, c),
            Col::Household(c) => match (&self.households, p.household_row) {
                (Some(h), Some(r)) => h.get(r, c),
                _ => "",
            },
        }
    }

    /// Feature values of `p`, commas replaced by `;` and line breaks by spaces (the
    /// prepared CSV has no quoting).
    pub fn feature_values(&mut self, index: usize) -> Vec<String> {
        let p = &self.entries[index];
        let mut replaced = 0;
        let values = self
            .features
            .iter()
            .map(|&(_, col)| {
                let v = self.value(p, col);
                if v.contains([',', '\n', '\r']) {
                    replaced += 1;
                    v.replace(',', ";").replace(['\n', '\r'], " ")
                } else {
                    v.to_string()
                }
            })
            .collect();
        self.sanitised_values += replaced;
        values
    }
}

/// The segment rules compiled against the merged person + household record.
pub type SegmentRule = Segmenter<Col>;

/// Compiles the config's segment rules against `records`.
pub fn compile_segments(
    config: &SurveyConfig,
    records: &PersonRecords,
) -> Result<SegmentRule, PrepareError> {
    Segmenter::compile(&config.segments, |name| records.resolve(name))
}

/// The home-zone lookup, compiled: a column and (by name) the folded-name → code map.
pub struct HomeZone {
    table: TableRef,
    col: usize,
    names: Option<HashMap<String, String>>,
    pub code_table: Option<SourceTable>,
}

impl HomeZone {
    pub fn compile(
        lookup: &HomeZoneLookup,
        records: &PersonRecords,
        data_dir: &Path,
    ) -> Result<HomeZone, PrepareError> {
        let col = match lookup.table {
            TableRef::Persons => records.persons.column(&lookup.column)?,
            TableRef::Households => records
                .households
                .as_ref()
                .expect("validated: households present")
                .column(&lookup.column)?,
        };
        let (names, code_table) = match &lookup.by_name {
            None => (None, None),
            Some(ct) => {
                let table = SourceTable::read_with(&data_dir.join(&ct.file), &ct.csv_options())?;
                let (code_col, name_col) = (
                    table.column(&ct.code_column)?,
                    table.column(&ct.name_column)?,
                );
                let mut map: HashMap<String, String> = HashMap::new();
                for r in 0..table.rows.len() {
                    let name = fold_name(table.get(r, name_col));
                    let code = canonical_id(table.get(r, code_col)).to_string();
                    if let Some(prev) = map.insert(name.clone(), code.clone()) {
                        if prev != code {
                            return Err(table.error(
                                r,
                                &ct.name_column,
                                format!("name `{name}` has two codes ({prev}, {code}) after folding case and accents"),
                            ));
                        }
                    }
                }
                (Some(map), Some(table))
            }
        };
        Ok(HomeZone {
            table: lookup.table,
            col,
            names,
            code_table,
        })
    }

    /// The home zone of a raw home value (a household or person row), or `None` when it
    /// is missing, unknown or outside the zone set.
    pub fn of_value(&self, raw: &str, zones: &ZoneSet) -> Option<u16> {
        if raw.is_empty() {
            return None;
        }
        match &self.names {
            Some(map) => zones.lookup(map.get(&fold_name(raw))?),
            None => zones.lookup(raw),
        }
    }

    /// The home zone of a person.
    pub fn of_person(
        &self,
        records: &PersonRecords,
        p: &PersonEntry,
        zones: &ZoneSet,
    ) -> Option<u16> {
        let col = match self.table {
            TableRef::Persons => Col::Person(self.col),
            TableRef::Households => Col::Household(self.col),
        };
        self.of_value(records.value(p, col), zones)
    }

    /// The home zone of a household row.
    pub fn of_household_row(
        &self,
        table: &SourceTable,
        row: usize,
        zones: &ZoneSet,
    ) -> Option<u16> {
        self.of_value(table.get(row, self.col), zones)
    }
}
