//! Importers that turn survey files (episode or trip tables plus a person table) into
//! prepared benchmarks, configured by copyable TOML files.
//!
//! Entry points: [`prepare`] (one config → `<out>/<name>/` in the layout of the
//! `mobility` crate, plus `manifest.json`), [`builtin_configs`] (ATUS-2014 and
//! Santiago-2012, the files of `survey/configs/`), [`SurveyConfig::from_file`] for a
//! user's own survey (the other files of `survey/configs/` are ready configurations for
//! common shapes), and [`population`] to check a user's persons file against a prepared
//! benchmark. Paths inside a config are relative to the data folder.

mod activity_codes;
mod centroids;
mod config;
mod drop_log;
mod episode_import;
mod error;
mod hashing;
mod import;
mod locations;
mod manifest;
mod person_records;
pub mod population;
mod prepare;
mod segment_rules;
mod slot_rule;
mod source_table;
mod time_format;
mod trip_chain;
mod warnings;
mod zone_set;

pub use config::{
    builtin_configs, ActivityCodes, CentroidSource, CodeTable, Condition, CsvOptions, DurationUnit,
    EpisodeSource, HomeZoneLookup, HouseholdSource, IdColumns, PersonSource, PersonsWithoutTrips,
    Projection, ReturnHome, SegmentRules, SplitRule, SurveyConfig, TableRef, TimeColumn,
    TimeFormat, TimeOrigin, TimeParts, TripSource, ZoneConfig,
};
pub use drop_log::DropCounts;
pub use error::PrepareError;
pub use hashing::{canonical_id, content_hash, sha256_hex, split_of, split_value};
pub use locations::{HomePoints, LocationConfig, PointColumns};
pub use manifest::{FileHash, Manifest, PrepareSummary, SplitCounts, IMPORTER_VERSION};
pub use prepare::prepare;
pub use source_table::MAX_RECORD_BYTES;
pub use zone_set::fold_name;
