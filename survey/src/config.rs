//! The survey configuration: a TOML file a user can copy and edit to import their own
//! survey. It names the source files (relative to the data folder), the columns to read,
//! the code → activity mapping, the segment rules, the split id, and (location task) the
//! zone set, the home-zone lookup and the centroid source. No survey is special-cased in
//! code: the two built-in benchmarks are just the two files in `survey/configs/`.

use crate::error::PrepareError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One survey → one prepared benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyConfig {
    /// Benchmark name: the output folder `<out>/<name>/`.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The person table (may be the trip table itself, attributes repeated per trip).
    pub persons: PersonSource,
    /// Optional household table joined to persons by `persons.household`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub households: Option<HouseholdSource>,
    /// Exactly one of `episodes` and `trips` describes the diary source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub episodes: Option<EpisodeSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trips: Option<TripSource>,
    /// Code (episode activity/location code, or trip purpose) → activity.
    pub activity_codes: ActivityCodes,
    pub split: SplitRule,
    pub segments: SegmentRules,
    /// Present exactly for the activity-location task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zones: Option<ZoneConfig>,
    /// Observed coordinates and their reference system (location task, optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locations: Option<crate::locations::LocationConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonSource {
    pub file: String,
    /// Person id column.
    pub id: String,
    /// Household id column (joins `[households]`; written as `household_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household: Option<String>,
    /// Feature columns of this table, written in this order.
    #[serde(default)]
    pub features: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdSource {
    pub file: String,
    /// Household id column.
    pub id: String,
    /// Feature columns of this table, written after the person features.
    #[serde(default)]
    pub features: Vec<String>,
}

/// How time values are written in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeFormat {
    /// `HH:MM` or `HH:MM:SS` clock time (hours may exceed 23: next day).
    Clock,
    /// Minutes after midnight (may exceed 1440: next day; decimals allowed).
    Minutes,
    /// Fraction of the day (0.5 = 12:00).
    DayFraction,
}

/// An episode table: one row per episode of a person's diary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpisodeSource {
    pub file: String,
    pub person: String,
    /// Column giving the episode order within a person; file order when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    pub start: String,
    /// End time column (same format as `start`); an end not after the start is on the
    /// next day. Exactly one of `end` and `duration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Duration column, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    pub time_format: TimeFormat,
    /// Clock time (`HH:MM`) at which the diary day starts; default `00:00`.
    #[serde(default = "midnight")]
    pub diary_start: String,
    /// The activity (or location) code column, mapped by `[activity_codes]`.
    pub code: String,
    /// Zone column (location task).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
}

/// A trip table: one row per trip, chained into a day by the trip-chain rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TripSource {
    pub file: String,
    pub person: String,
    /// Trip order column (numeric); file order when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    pub departure: String,
    pub arrival: String,
    pub time_format: TimeFormat,
    /// Clock time (`HH:MM`) at which the diary day starts; default `00:00`.
    #[serde(default = "midnight")]
    pub diary_start: String,
    pub purpose: String,
    pub origin_zone: String,
    pub destination_zone: String,
}

fn midnight() -> String {
    "00:00".to_string()
}

/// Code → activity. Each list holds exact codes or inclusive integer ranges (`"12-21"`);
/// `""` matches an empty field. `default` catches every other code; without it an
/// unknown code is an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityCodes {
    #[serde(rename = "Home", default)]
    pub home: Vec<String>,
    #[serde(rename = "Work", default)]
    pub work: Vec<String>,
    #[serde(rename = "School", default)]
    pub school: Vec<String>,
    #[serde(rename = "Others", default)]
    pub others: Vec<String>,
    #[serde(rename = "Travel", default)]
    pub travel: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// The split id column (of the merged person + household record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitRule {
    pub id: String,
}

/// Employed, then student (if not employed), else other; weekend, else weekday.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentRules {
    pub employed: Condition,
    pub student: Condition,
    pub weekend: Condition,
}

/// A declarative test on the person record. Either a combinator (`any` / `all`) or a
/// `column` with exactly one test.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_with: Option<String>,
    #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
    pub in_list: Option<Vec<String>>,
    /// Inclusive numeric range `[min, max]`; a non-numeric value fails the test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
    /// `true`: the value is non-empty; `false`: it is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_empty: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<Condition>>,
}

/// The zone set and everything the location task needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneConfig {
    /// The retained zone codes, fixed (never recomputed from the data); ranges allowed.
    pub codes: Vec<String>,
    pub home: HomeZoneLookup,
    pub centroids: CentroidSource,
}

/// Which table a column lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableRef {
    Persons,
    Households,
}

/// Home zone: a code column, or a name column matched (ignoring case and accents)
/// against a code table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeZoneLookup {
    pub table: TableRef,
    pub column: String,
    /// `Some` → the column holds names looked up in this table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_name: Option<CodeTable>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeTable {
    pub file: String,
    pub code_column: String,
    pub name_column: String,
}

/// Centroid per zone = mean coordinates of the train-split rows of `table` whose home
/// zone is that zone, times `scale_to_km`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CentroidSource {
    pub table: TableRef,
    pub x: String,
    pub y: String,
    pub scale_to_km: f64,
}

const ATUS_2014: &str = include_str!("../configs/atus-2014.toml");
const SANTIAGO_2012: &str = include_str!("../configs/santiago-2012.toml");

/// The two built-in benchmarks (the TOML files of `survey/configs/`, embedded).
pub fn builtin_configs() -> Vec<(String, SurveyConfig)> {
    [ATUS_2014, SANTIAGO_2012]
        .into_iter()
        .map(|text| {
            let c = SurveyConfig::from_toml_str(text, Path::new("<builtin>"))
                .expect("built-in config is valid");
            (c.name.clone(), c)
        })
        .collect()
}

impl SurveyConfig {
    /// Reads and validates a config file.
    pub fn from_file(path: &Path) -> Result<SurveyConfig, PrepareError> {
        let text = std::fs::read_to_string(path).map_err(|e| PrepareError::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        SurveyConfig::from_toml_str(&text, path)
    }

    /// Parses and validates config text; `origin` names it in errors.
    pub fn from_toml_str(text: &str, origin: &Path) -> Result<SurveyConfig, PrepareError> {
        let config: SurveyConfig = toml::from_str(text).map_err(|e| PrepareError::Config {
            path: origin.to_path_buf(),
            message: e.to_string(),
        })?;
        config.validate().map_err(|message| PrepareError::Config {
            path: origin.to_path_buf(),
            message,
        })?;
        Ok(config)
    }

    /// Checks what serde cannot: exactly one diary source, one test per condition, etc.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.is_empty() || self.name.contains(['/', '\\']) || self.name.starts_with('.') {
            return Err(format!("`name` = `{}` is not a folder name", self.name));
        }
        match (&self.episodes, &self.trips) {
            (Some(_), Some(_)) | (None, None) => {
                return Err("give exactly one of [episodes] and [trips]".into())
            }
            (Some(e), None) => {
                if e.end.is_some() == e.duration.is_some() {
                    return Err("[episodes]: give exactly one of `end` and `duration`".into());
                }
                if self.zones.is_some() && e.zone.is_none() {
                    return Err("[episodes]: the location task ([zones]) needs `zone`".into());
                }
                crate::time_format::parse_diary_start(&e.diary_start)?;
            }
            (None, Some(t)) => {
                if self.zones.is_none() {
                    return Err("[trips] needs [zones] (trips are chained between zones)".into());
                }
                crate::time_format::parse_diary_start(&t.diary_start)?;
            }
        }
        crate::activity_codes::CodeMap::new(&self.activity_codes)?;
        for (name, c) in [
            ("employed", &self.segments.employed),
            ("student", &self.segments.student),
            ("weekend", &self.segments.weekend),
        ] {
            c.validate()
                .map_err(|m| format!("[segments] {name}: {m}"))?;
        }
        if self.households.is_some() && self.persons.household.is_none() {
            return Err("[households] needs `household` in [persons] to join on".into());
        }
        let mut names: Vec<&str> = self.persons.features.iter().map(String::as_str).collect();
        if let Some(h) = &self.households {
            names.extend(h.features.iter().map(String::as_str));
        }
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(format!("feature `{n}` is listed twice"));
            }
            if [
                "person_id",
                "household_id",
                "group",
                "day_type",
                "home_zone",
            ]
            .contains(n)
            {
                return Err(format!(
                    "feature `{n}` clashes with a fixed persons.csv column"
                ));
            }
        }
        if let Some(z) = &self.zones {
            if z.codes.is_empty() {
                return Err("[zones] codes is empty".into());
            }
            for t in [z.home.table, z.centroids.table] {
                if t == TableRef::Households && self.households.is_none() {
                    return Err("[zones] refers to households but there is no [households]".into());
                }
            }
            if z.centroids.table == TableRef::Households
                && self.persons.household.as_deref() != Some(self.split.id.as_str())
            {
                return Err(
                    "[zones.centroids] table = households needs the split id to be the household id column"
                        .into(),
                );
            }
            if z.centroids.table == TableRef::Households && z.home.table != TableRef::Households {
                return Err(
                    "[zones.centroids] table = households needs [zones.home] table = households"
                        .into(),
                );
            }
            if !(z.centroids.scale_to_km.is_finite() && z.centroids.scale_to_km > 0.0) {
                return Err("[zones.centroids] scale_to_km must be a positive number".into());
            }
        }
        if let Some(l) = &self.locations {
            l.validate(self)?;
        }
        Ok(())
    }

    pub fn is_location_task(&self) -> bool {
        self.zones.is_some()
    }
}

impl Condition {
    pub fn validate(&self) -> Result<(), String> {
        let tests = [
            self.equals.is_some(),
            self.starts_with.is_some(),
            self.in_list.is_some(),
            self.range.is_some(),
            self.non_empty.is_some(),
        ]
        .iter()
        .filter(|&&b| b)
        .count();
        let combinators = self.any.is_some() as usize + self.all.is_some() as usize;
        match (combinators, self.column.is_some(), tests) {
            (1, false, 0) => {
                for c in self.any.iter().chain(self.all.iter()).flatten() {
                    c.validate()?;
                }
                Ok(())
            }
            (0, true, 1) => Ok(()),
            _ => Err(
                "a condition is either `any = [...]` / `all = [...]`, or a `column` with exactly one of equals, starts_with, in, range, non_empty"
                    .into(),
            ),
        }
    }

    /// Column names this condition reads.
    pub fn columns(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.column.iter().map(String::as_str).collect();
        for c in self.any.iter().chain(self.all.iter()).flatten() {
            out.extend(c.columns());
        }
        out
    }
}
