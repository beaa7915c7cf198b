//! The survey configuration: a TOML file a user can copy and edit to import their own
//! survey. It names the source files (relative to the data folder), the columns to read,
//! the code → activity mapping, the segment rules, the split id, and (location task) the
//! zone set, the home-zone lookup, the centroid source and (optionally) the observed
//! locations with their coordinate reference system. No survey is special-cased in
//! code: the two built-in benchmarks are just the two files in `survey/configs/`.

mod rules;
mod sources;
mod zones;

pub use rules::{ActivityCodes, Condition, SegmentRules, SplitRule};
pub use sources::{
    CsvOptions, DurationUnit, EpisodeSource, HouseholdSource, IdColumns, PersonSource,
    PersonsWithoutTrips, ReturnHome, TimeColumn, TimeFormat, TimeOrigin, TimeParts, TripSource,
};
pub use zones::{CentroidSource, CodeTable, HomeZoneLookup, Projection, TableRef, ZoneConfig};

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
    /// Observed coordinates and their reference system (location task, optional): writes
    /// `locations.csv` and `crs.json` (`crate::locations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locations: Option<crate::locations::LocationConfig>,
}

const ATUS_2014: &str = include_str!("../../configs/atus-2014.toml");
const SANTIAGO_2012: &str = include_str!("../../configs/santiago-2012.toml");

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
        let ids = |section: &str, key: &str, id: &IdColumns| -> Result<(), String> {
            let names = id.names();
            if names.is_empty() || names.iter().any(|n| n.trim().is_empty()) {
                return Err(format!("[{section}] `{key}` names no column"));
            }
            Ok(())
        };
        ids("persons", "id", &self.persons.id)?;
        if let Some(h) = &self.persons.household {
            ids("persons", "household", h)?;
        }
        if let Some(h) = &self.households {
            ids("households", "id", &h.id)?;
        }
        ids("split", "id", &self.split.id)?;
        let same_shape = |section: &str, person: &IdColumns| -> Result<(), String> {
            if person.names().len() != self.persons.id.names().len() {
                return Err(format!(
                    "[{section}] `person` ({}) must name as many columns as [persons] `id` ({}): the two ids are matched value by value",
                    person.label(),
                    self.persons.id.label()
                ));
            }
            Ok(())
        };
        match (&self.episodes, &self.trips) {
            (Some(_), Some(_)) | (None, None) => {
                return Err("give exactly one of [episodes] and [trips]".into())
            }
            (Some(e), None) => {
                ids("episodes", "person", &e.person)?;
                same_shape("episodes", &e.person)?;
                if e.end.is_some() == e.duration.is_some() {
                    return Err("[episodes]: give exactly one of `end` and `duration`".into());
                }
                if self.zones.is_some() && e.zone.is_none() {
                    return Err("[episodes]: the location task ([zones]) needs `zone`".into());
                }
                check_times(
                    "episodes",
                    e.time_format,
                    e.time_origin,
                    [Some(&e.start), e.end.as_ref()],
                )?;
                crate::time_format::parse_diary_start(&e.diary_start)?;
            }
            (None, Some(t)) => {
                ids("trips", "person", &t.person)?;
                same_shape("trips", &t.person)?;
                let arrivals = [
                    t.arrival.is_some(),
                    t.duration.is_some(),
                    t.assumed_duration_minutes.is_some(),
                ];
                if arrivals.iter().filter(|&&b| b).count() != 1 {
                    return Err(
                        "[trips]: give exactly one of `arrival`, `duration` and `assumed_duration_minutes`"
                            .into(),
                    );
                }
                if let Some(m) = t.assumed_duration_minutes {
                    if !(m.is_finite() && m > 0.0 && m < 1440.0) {
                        return Err(
                            "[trips] assumed_duration_minutes must be more than 0 and less than 1440"
                                .into(),
                        );
                    }
                }
                if self.zones.is_some() && (t.origin_zone.is_none() || t.destination_zone.is_none())
                {
                    return Err(
                        "[trips]: the location task ([zones]) needs `origin_zone` and `destination_zone`"
                            .into(),
                    );
                }
                if self.zones.is_none() && !t.return_home.is_purpose() {
                    return Err(
                        "[trips] return_home = \"purpose_or_home_zone\" needs [zones] (the home zone)"
                            .into(),
                    );
                }
                check_times(
                    "trips",
                    t.time_format,
                    t.time_origin,
                    [Some(&t.departure), t.arrival.as_ref()],
                )?;
                crate::time_format::parse_diary_start(&t.diary_start)?;
            }
        }
        crate::activity_codes::CodeMap::new(&self.activity_codes)?;
        let rules = [
            ("employed", Some(&self.segments.employed)),
            ("student", Some(&self.segments.student)),
            ("weekend", self.segments.weekend.as_ref()),
        ];
        for (name, c) in rules {
            if let Some(c) = c {
                c.validate()
                    .map_err(|m| format!("[segments] {name}: {m}"))?;
            }
        }
        if self.households.is_some() && self.persons.household.is_none() {
            return Err("[households] needs `household` in [persons] to join on".into());
        }
        if let (Some(h), Some(p)) = (&self.households, &self.persons.household) {
            if h.id.names().len() != p.names().len() {
                return Err(format!(
                    "[households] `id` ({}) and [persons] `household` ({}) must name as many columns",
                    h.id.label(),
                    p.label()
                ));
            }
        }
        let mut names: Vec<&str> = self.persons.features.iter().map(String::as_str).collect();
        if let Some(h) = &self.households {
            names.extend(h.features.iter().map(String::as_str));
        }
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(format!("feature `{n}` is listed twice"));
            }
            if mobility_fixed_columns().contains(n) {
                return Err(format!(
                    "feature `{n}` clashes with a fixed persons.csv column"
                ));
            }
        }
        for (what, opts) in self.csv_files() {
            crate::source_table::check_options(&opts).map_err(|m| format!("{what}: {m}"))?;
        }
        if let Some(z) = &self.zones {
            let c = &z.centroids;
            if c.table.is_some() == c.file.is_some() {
                return Err("[zones.centroids]: give exactly one of `table` and `file`".into());
            }
            if c.file.is_some() && c.zone.is_none() {
                return Err("[zones.centroids] `file` needs `zone` (its zone code column)".into());
            }
            if z.codes.is_empty() && c.file.is_none() {
                return Err(
                    "[zones] codes is empty (it may be left out only when [zones.centroids] reads a zone table `file`)"
                        .into(),
                );
            }
            c.projection()?;
            let mut tables = vec![z.home.table];
            tables.extend(c.table);
            for t in tables {
                if t == TableRef::Households && self.households.is_none() {
                    return Err("[zones] refers to households but there is no [households]".into());
                }
            }
            if c.table == Some(TableRef::Households)
                && self.persons.household.as_ref().map(IdColumns::names)
                    != Some(self.split.id.names())
            {
                return Err(
                    "[zones.centroids] table = households needs the split id to be the household id column"
                        .into(),
                );
            }
            if c.table == Some(TableRef::Households) && z.home.table != TableRef::Households {
                return Err(
                    "[zones.centroids] table = households needs [zones.home] table = households"
                        .into(),
                );
            }
        }
        if let Some(l) = &self.locations {
            l.validate(self)?;
        }
        Ok(())
    }

    /// Every file the config reads, with its CSV settings, named as in errors.
    pub fn csv_files(&self) -> Vec<(String, CsvOptions)> {
        let mut out = vec![("[persons]".to_string(), self.persons.csv_options())];
        if let Some(h) = &self.households {
            out.push(("[households]".into(), h.csv_options()));
        }
        if let Some(e) = &self.episodes {
            out.push(("[episodes]".into(), e.csv_options()));
        }
        if let Some(t) = &self.trips {
            out.push(("[trips]".into(), t.csv_options()));
        }
        if let Some(z) = &self.zones {
            if let Some(b) = &z.home.by_name {
                out.push(("[zones.home] by_name".into(), b.csv_options()));
            }
            out.push(("[zones.centroids]".into(), z.centroids.csv_options()));
        }
        out
    }

    pub fn is_location_task(&self) -> bool {
        self.zones.is_some()
    }
}

/// The persons.csv columns a feature may not be called.
fn mobility_fixed_columns() -> [&'static str; 5] {
    [
        "person_id",
        "household_id",
        "group",
        "day_type",
        "home_zone",
    ]
}

/// Time settings that contradict each other.
fn check_times(
    section: &str,
    format: TimeFormat,
    origin: TimeOrigin,
    columns: [Option<&TimeColumn>; 2],
) -> Result<(), String> {
    if origin == TimeOrigin::DiaryStart && !format.is_offset() {
        return Err(format!(
            "[{section}] time_origin = \"diary_start\" applies to hours, minutes, seconds and day_fraction times, not {format:?}"
        ));
    }
    let parts = columns
        .iter()
        .flatten()
        .any(|c| matches!(c, TimeColumn::Parts(_)));
    if parts && format != TimeFormat::Clock {
        return Err(format!(
            "[{section}] times given as {{ hour, minute }} columns take no time_format"
        ));
    }
    Ok(())
}
