//! The person side of a survey: the person table (possibly the trip table itself, one
//! row per trip), joined to the household table, with the config's columns resolved.
//! Gives, per person, the split id, segment, home zone and feature values.

use crate::config::{Condition, HomeZoneLookup, SurveyConfig, TableRef};
use crate::error::PrepareError;
use crate::hashing::canonical_id;
use crate::source_table::SourceTable;
use crate::zone_set::{fold_name, ZoneSet};
use mobility::{DayType, Group};
use std::collections::HashMap;
use std::path::Path;

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
    /// The id column of the household table.
    pub household_id_column: Option<usize>,
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
        let persons = SourceTable::read(&data_dir.join(&config.persons.file))?;
        let id_col = persons.column(&config.persons.id)?;
        let hh_col = match &config.persons.household {
            Some(c) => Some(persons.column(c)?),
            None => None,
        };
        let households = match &config.households {
            Some(h) => Some(SourceTable::read(&data_dir.join(&h.file))?),
            None => None,
        };
        let mut hh_index: HashMap<String, usize> = HashMap::new();
        let mut household_id_column = None;
        if let (Some(table), Some(cfg)) = (&households, &config.households) {
            let col = table.column(&cfg.id)?;
            household_id_column = Some(col);
            for r in 0..table.rows.len() {
                let id = canonical_id(table.get(r, col));
                if id.is_empty() {
                    return Err(table.error(r, &cfg.id, "empty household id"));
                }
                if let Some(first) = hh_index.insert(id.to_string(), r) {
                    return Err(table.error(
                        r,
                        &cfg.id,
                        format!(
                            "duplicate household `{id}` (first on line {})",
                            table.lines[first]
                        ),
                    ));
                }
            }
        }
        let mut entries = Vec::new();
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for r in 0..persons.rows.len() {
            let id = canonical_id(persons.get(r, id_col));
            if id.is_empty() {
                return Err(persons.error(r, &config.persons.id, "empty person id"));
            }
            if let Some(&first) = by_id.get(id) {
                if repeated_rows {
                    continue;
                }
                return Err(persons.error(
                    r,
                    &config.persons.id,
                    format!(
                        "duplicate person `{id}` (first on line {})",
                        persons.lines[entries_row(&entries, first)]
                    ),
                ));
            }
            let household_id = hh_col
                .map(|c| canonical_id(persons.get(r, c)).to_string())
                .unwrap_or_default();
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

fn entries_row(entries: &[PersonEntry], index: usize) -> usize {
    entries[index].row
}

/// A [`Condition`] with its columns resolved.
#[derive(Debug, Clone)]
pub enum Rule {
    Any(Vec<Rule>),
    All(Vec<Rule>),
    Test(Col, Test),
}

#[derive(Debug, Clone)]
pub enum Test {
    Equals(String),
    StartsWith(String),
    In(Vec<String>),
    Range(f64, f64),
    NonEmpty(bool),
}

impl Rule {
    pub fn compile(c: &Condition, records: &PersonRecords) -> Result<Rule, PrepareError> {
        if let Some(list) = &c.any {
            return Ok(Rule::Any(
                list.iter()
                    .map(|c| Rule::compile(c, records))
                    .collect::<Result<_, _>>()?,
            ));
        }
        if let Some(list) = &c.all {
            return Ok(Rule::All(
                list.iter()
                    .map(|c| Rule::compile(c, records))
                    .collect::<Result<_, _>>()?,
            ));
        }
        let col = records.resolve(c.column.as_deref().unwrap_or_default())?;
        let test = if let Some(v) = &c.equals {
            Test::Equals(v.clone())
        } else if let Some(v) = &c.starts_with {
            Test::StartsWith(v.clone())
        } else if let Some(v) = &c.in_list {
            Test::In(v.clone())
        } else if let Some([lo, hi]) = c.range {
            Test::Range(lo, hi)
        } else {
            Test::NonEmpty(c.non_empty.unwrap_or(true))
        };
        Ok(Rule::Test(col, test))
    }

    pub fn holds(&self, records: &PersonRecords, p: &PersonEntry) -> bool {
        match self {
            Rule::Any(list) => list.iter().any(|r| r.holds(records, p)),
            Rule::All(list) => list.iter().all(|r| r.holds(records, p)),
            Rule::Test(col, test) => {
                let v = records.value(p, *col);
                match test {
                    Test::Equals(s) => v == s,
                    Test::StartsWith(s) => v.starts_with(s.as_str()),
                    Test::In(list) => list.iter().any(|s| s == v),
                    Test::Range(lo, hi) => v
                        .parse::<f64>()
                        .map(|x| *lo <= x && x <= *hi)
                        .unwrap_or(false),
                    Test::NonEmpty(want) => v.is_empty() != *want,
                }
            }
        }
    }
}

/// The three segment rules, compiled.
pub struct SegmentRule {
    employed: Rule,
    student: Rule,
    weekend: Rule,
}

impl SegmentRule {
    pub fn compile(config: &SurveyConfig, records: &PersonRecords) -> Result<Self, PrepareError> {
        Ok(SegmentRule {
            employed: Rule::compile(&config.segments.employed, records)?,
            student: Rule::compile(&config.segments.student, records)?,
            weekend: Rule::compile(&config.segments.weekend, records)?,
        })
    }

    /// Employed, else student, else other; weekend, else weekday.
    pub fn segment(&self, records: &PersonRecords, p: &PersonEntry) -> (Group, DayType) {
        let group = if self.employed.holds(records, p) {
            Group::Employed
        } else if self.student.holds(records, p) {
            Group::Student
        } else {
            Group::Other
        };
        let day = if self.weekend.holds(records, p) {
            DayType::Weekend
        } else {
            DayType::Weekday
        };
        (group, day)
    }
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
                let table = SourceTable::read(&data_dir.join(&ct.file))?;
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
