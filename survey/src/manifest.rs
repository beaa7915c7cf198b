//! The manifest of a prepared benchmark (`manifest.json`) and the summary `prepare`
//! returns (the manifest plus where it was written and how long it took).

use crate::config::SurveyConfig;
use crate::drop_log::DropCounts;
use crate::population::FeatureDomain;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// Bumped whenever the importers' output for the same input could change.
pub const IMPORTER_VERSION: &str =
    concat!("survey ", env!("CARGO_PKG_VERSION"), " (importer format 2)");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileHash {
    pub path: String,
    pub sha256: String,
}

impl From<&(String, String)> for FileHash {
    fn from((path, sha256): &(String, String)) -> Self {
        FileHash {
            path: path.clone(),
            sha256: sha256.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SplitCounts {
    pub train: usize,
    pub val: usize,
    pub test: usize,
}

/// Everything `manifest.json` holds. Deterministic: no paths, no times.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    pub name: String,
    /// `activity` or `activity-location`.
    pub task: String,
    pub importer_version: String,
    /// SHA-256 over the prepared files (see `notes`).
    pub content_sha256: String,
    pub files: Vec<FileHash>,
    /// With `[locations]`: `locations.csv` and `crs.json`, each with its SHA-256. Read by
    /// generation to place activities, never by scoring, so outside `content_sha256`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub location_files: Vec<FileHash>,
    /// SHA-256 over the source files read, relative to the data folder.
    pub source_sha256: String,
    pub sources: Vec<FileHash>,
    /// People met in the person table and the diary source.
    pub persons_read: usize,
    pub persons_kept: usize,
    pub split_counts: SplitCounts,
    /// split → `group|day_type` → people.
    pub segment_counts: BTreeMap<String, BTreeMap<String, usize>>,
    /// split → activity → share of person-slots.
    pub activity_shares: BTreeMap<String, BTreeMap<String, f64>>,
    /// Location task: split → zone code (`T` for Travel) → share of person-slots.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub zone_shares: BTreeMap<String, BTreeMap<String, f64>>,
    /// Location task: split → share of Home slots at the person's home zone (always 1).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub home_slots_at_home_zone: BTreeMap<String, f64>,
    pub drops: DropCounts,
    /// Importer diagnostics: every record changed or ignored, counted by rule (e.g. trips
    /// unwrapped to the next day, zero-length episodes, persons kept as all-Home days).
    pub diagnostics: BTreeMap<String, usize>,
    /// Codes that no `[activity_codes]` list holds, mapped by `default`, with the number of
    /// records of each.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub default_codes: BTreeMap<String, usize>,
    /// Results that are valid but implausible (an empty split, one activity everywhere,
    /// every trip in one hour, …): each almost always a configuration mistake.
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
    /// Feature → the values the kept people take (every split): what `generate --persons`
    /// accepts (see `survey::population`).
    pub feature_domains: BTreeMap<String, FeatureDomain>,
    pub config: SurveyConfig,
}

/// What `prepare` returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrepareSummary {
    pub out_dir: PathBuf,
    pub elapsed_seconds: f64,
    pub manifest: Manifest,
}

impl fmt::Display for PrepareSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.manifest;
        writeln!(
            f,
            "{} ({} task) → {}  [{:.2} s]",
            m.name,
            m.task,
            self.out_dir.display(),
            self.elapsed_seconds
        )?;
        writeln!(
            f,
            "  persons: read {}, kept {} (train {}, val {}, test {}), dropped {}",
            m.persons_read,
            m.persons_kept,
            m.split_counts.train,
            m.split_counts.val,
            m.split_counts.test,
            m.drops.total
        )?;
        for (reason, n) in &m.drops.first_reason {
            let all = m.drops.all_reasons.get(reason).copied().unwrap_or(0);
            writeln!(
                f,
                "  dropped: {n:>6} first reason, {all:>6} any reason: {reason}"
            )?;
        }
        for (reason, n) in &m.drops.all_reasons {
            if !m.drops.first_reason.contains_key(reason) {
                writeln!(
                    f,
                    "  dropped: {:>6} first reason, {n:>6} any reason: {reason}",
                    0
                )?;
            }
        }
        if let Some(shares) = m.activity_shares.get("train") {
            write!(f, "  train activity shares:")?;
            for a in mobility::ACTIVITIES {
                write!(
                    f,
                    " {} {:.3}",
                    a.name(),
                    shares.get(a.name()).copied().unwrap_or(0.0)
                )?;
            }
            writeln!(f)?;
        }
        for (name, n) in &m.diagnostics {
            writeln!(f, "  {n:>6} {name}")?;
        }
        if !m.default_codes.is_empty() {
            let total: usize = m.default_codes.values().sum();
            writeln!(
                f,
                "  {total:>6} records with {} code(s) not listed in [activity_codes], mapped by `default` (manifest: default_codes)",
                m.default_codes.len()
            )?;
        }
        for w in &m.warnings {
            writeln!(f, "  WARNING: {w}")?;
        }
        writeln!(f, "  content sha256 {}", m.content_sha256)
    }
}
