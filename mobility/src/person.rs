//! Persons: the features known before the day, and the segment they fall in.

use crate::csv::CsvFile;
use crate::zone::{Loc, ZoneTable};
use crate::FormatError;
use std::collections::HashMap;
use std::path::Path;

/// Which part of the data a person belongs to (decided by the hash of the split id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    Train,
    Val,
    Test,
}

impl Split {
    pub const ALL: [Split; 3] = [Split::Train, Split::Val, Split::Test];

    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Val => "val",
            Split::Test => "test",
        }
    }

    pub fn parse(s: &str) -> Option<Split> {
        Split::ALL.into_iter().find(|x| x.name() == s)
    }
}

/// Employment group of the segment definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    Employed,
    Student,
    Other,
}

impl Group {
    pub const ALL: [Group; 3] = [Group::Employed, Group::Student, Group::Other];

    pub fn name(self) -> &'static str {
        match self {
            Group::Employed => "employed",
            Group::Student => "student",
            Group::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|x| x.name() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DayType {
    Weekday,
    Weekend,
}

impl DayType {
    pub const ALL: [DayType; 2] = [DayType::Weekday, DayType::Weekend];

    pub fn name(self) -> &'static str {
        match self {
            DayType::Weekday => "weekday",
            DayType::Weekend => "weekend",
        }
    }

    pub fn parse(s: &str) -> Option<DayType> {
        DayType::ALL.into_iter().find(|x| x.name() == s)
    }
}

/// Employment group × day type: the six segments of the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Segment {
    pub group: Group,
    pub day_type: DayType,
}

impl Segment {
    pub const COUNT: usize = 6;

    pub fn all() -> impl Iterator<Item = Segment> {
        Group::ALL.into_iter().flat_map(|group| {
            DayType::ALL
                .into_iter()
                .map(move |day_type| Segment { group, day_type })
        })
    }

    /// Dense index in `0..Segment::COUNT`.
    pub fn index(self) -> usize {
        self.group as usize * 2 + self.day_type as usize
    }

    pub fn from_index(i: usize) -> Segment {
        Segment {
            group: Group::ALL[i / 2],
            day_type: DayType::ALL[i % 2],
        }
    }

    pub fn name(self) -> String {
        format!("{}|{}", self.group.name(), self.day_type.name())
    }
}

/// One person: ids, segment, home zone (location task) and the raw feature values, in
/// the order of [`PersonTable::feature_names`].
#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub household_id: String,
    pub group: Group,
    pub day_type: DayType,
    pub home_zone: Option<Loc>,
    pub features: Vec<String>,
}

impl Person {
    pub fn segment(&self) -> Segment {
        Segment {
            group: self.group,
            day_type: self.day_type,
        }
    }
}

/// The columns every persons file has, in this order, before the features.
pub const FIXED_PERSON_COLUMNS: [&str; 5] = [
    "person_id",
    "household_id",
    "group",
    "day_type",
    "home_zone",
];

/// A persons file: people in file order, and the names of their feature columns.
#[derive(Debug, Clone, Default)]
pub struct PersonTable {
    pub feature_names: Vec<String>,
    pub persons: Vec<Person>,
}

impl PersonTable {
    /// Reads a persons file. `household_id` and `home_zone` may be absent; `home_zone` is
    /// required (and must be a retained zone) when `zones` is given (location task).
    pub fn read(path: &Path, zones: Option<&ZoneTable>) -> Result<PersonTable, FormatError> {
        let file = CsvFile::open(path)?;
        let id = file.column("person_id")?;
        let household = file.optional_column("household_id");
        let group = file.column("group")?;
        let day_type = file.column("day_type")?;
        let home = match zones {
            Some(_) => Some(file.column("home_zone")?),
            None => file.optional_column("home_zone"),
        };
        let feature_columns: Vec<usize> = (0..file.header.len())
            .filter(|i| !FIXED_PERSON_COLUMNS.contains(&file.header[*i].as_str()))
            .collect();
        let mut table = PersonTable {
            feature_names: feature_columns
                .iter()
                .map(|&i| file.header[i].clone())
                .collect(),
            persons: Vec::new(),
        };
        let mut seen: HashMap<String, usize> = HashMap::new();
        for record in file.records() {
            let r = record?;
            let err = |field: &str, msg: String| FormatError::at(path, r.line, Some(field), msg);
            let person_id = r.fields[id];
            if person_id.is_empty() {
                return Err(err("person_id", "empty id".into()));
            }
            if let Some(first) = seen.insert(person_id.to_string(), r.line) {
                return Err(err(
                    "person_id",
                    format!("duplicate person `{person_id}` (first on line {first})"),
                ));
            }
            let home_zone = match (zones, home) {
                (Some(zones), Some(col)) => {
                    let code = r.fields[col];
                    match zones.lookup(code) {
                        Some(loc) if zones.is_retained(loc) => Some(loc),
                        _ => {
                            return Err(err(
                                "home_zone",
                                format!("`{code}` is not a zone of the benchmark"),
                            ))
                        }
                    }
                }
                _ => None,
            };
            table.persons.push(Person {
                id: person_id.to_string(),
                household_id: household
                    .map(|c| r.fields[c].to_string())
                    .unwrap_or_default(),
                group: Group::parse(r.fields[group]).ok_or_else(|| {
                    err(
                        "group",
                        format!("`{}` is not employed, student or other", r.fields[group]),
                    )
                })?,
                day_type: DayType::parse(r.fields[day_type]).ok_or_else(|| {
                    err(
                        "day_type",
                        format!("`{}` is not weekday or weekend", r.fields[day_type]),
                    )
                })?,
                home_zone,
                features: feature_columns
                    .iter()
                    .map(|&c| r.fields[c].to_string())
                    .collect(),
            });
        }
        Ok(table)
    }

    /// Writes the table in the format [`PersonTable::read`] reads.
    pub fn write(&self, path: &Path, zones: Option<&ZoneTable>) -> std::io::Result<()> {
        let mut out = FIXED_PERSON_COLUMNS.join(",");
        for name in &self.feature_names {
            out.push(',');
            out.push_str(name);
        }
        out.push('\n');
        for p in &self.persons {
            let home = match (zones, p.home_zone) {
                (Some(z), Some(loc)) => z.code(loc),
                _ => "",
            };
            out.push_str(&format!(
                "{},{},{},{},{}",
                p.id,
                p.household_id,
                p.group.name(),
                p.day_type.name(),
                home
            ));
            for f in &p.features {
                out.push(',');
                out.push_str(f);
            }
            out.push('\n');
        }
        std::fs::write(path, out)
    }

    /// Index of a feature column by name.
    pub fn feature_index(&self, name: &str) -> Option<usize> {
        self.feature_names.iter().position(|n| n == name)
    }
}
