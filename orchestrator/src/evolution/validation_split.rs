//! The validation people of a run, in two parts, by household:
//!
//! - the **evolution part**, which the agent, the attribution record and the previews see
//!   (it is the validation split of the run's view of the benchmarks), and
//! - the **selection part**, which only the verdict reads: its people's diaries never leave
//!   the orchestrator, and its people's features reach candidate code only as the persons
//!   file of a rollout.
//!
//! A household is in the selection part when the first 8 bytes of
//! SHA-256("mobevolve selection/" ‖ household id), read as a big-endian fraction of 2⁶⁴, are
//! below the run's selection share: fixed by the ids alone, the same for every run with the
//! same share, and independent of the benchmark split (which hashes the bare id).

use anyhow::Context;
use mobility::{Split, SplitData};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::Path;
use survey::FileHash;

/// The household a person is sampled with: their household id, or (surveys that sample
/// persons, like ATUS, leave it empty) the person alone.
pub fn household_key<'a>(person_id: &'a str, household_id: &'a str) -> &'a str {
    if household_id.is_empty() {
        person_id
    } else {
        household_id
    }
}

/// Whether `household_id` belongs to the selection part at `share` (0..=1).
pub fn is_selection_household(household_id: &str, share: f64) -> bool {
    let digest = Sha256::digest(format!("mobevolve selection/{household_id}").as_bytes());
    let draw = u64::from_be_bytes(digest[..8].try_into().expect("32 bytes"));
    (draw as f64) / (u64::MAX as f64 + 1.0) < share
}

/// Indices into a validation split's people, by part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationParts {
    pub evolution: Vec<usize>,
    pub selection: Vec<usize>,
}

impl ValidationParts {
    pub fn of(val: &SplitData, share: f64) -> ValidationParts {
        let (mut evolution, mut selection) = (Vec::new(), Vec::new());
        for (i, p) in val.persons.persons.iter().enumerate() {
            if is_selection_household(household_key(&p.id, &p.household_id), share) {
                selection.push(i);
            } else {
                evolution.push(i);
            }
        }
        ValidationParts {
            evolution,
            selection,
        }
    }
}

/// What the run's view holds of one benchmark (written as its `manifest.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ViewManifest {
    pub name: String,
    pub note: String,
    pub selection_share: f64,
    pub train_persons: usize,
    pub val_evolution_persons: usize,
    /// The view's files with their SHA-256, and their content hash, in the prepared
    /// benchmarks' convention (`survey`'s manifest): `orchestrator evaluate --bench <view>`
    /// scores against the view as against any prepared benchmark.
    #[serde(default)]
    pub files: Vec<FileHash>,
    #[serde(default)]
    pub content_sha256: String,
}

/// Writes `view_root`: for every prepared benchmark under `bench_root`, its train split, the
/// evolution part of its validation split (persons and diaries, the original lines), its
/// zones, and a manifest that says only that — nothing derived from the test split or the
/// selection part. Built in a temporary folder and renamed into place.
pub fn make_view(bench_root: &Path, view_root: &Path, share: f64) -> anyhow::Result<()> {
    let tmp = view_root.with_extension("tmp");
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).with_context(|| format!("removing {}", tmp.display()))?;
    }
    for entry in std::fs::read_dir(bench_root)
        .with_context(|| format!("reading {}", bench_root.display()))?
    {
        let src = entry?.path();
        if !src.join("manifest.json").is_file() {
            continue;
        }
        let name = src
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dst = tmp.join(&name);
        let train = dst.join(Split::Train.name());
        std::fs::create_dir_all(&train)?;
        let mut train_persons = 0;
        for file in ["persons.csv", "diaries.csv"] {
            let from = src.join(Split::Train.name()).join(file);
            std::fs::copy(&from, train.join(file))
                .with_context(|| format!("copying {}", from.display()))?;
        }
        if let Ok(text) = std::fs::read_to_string(train.join("persons.csv")) {
            train_persons = text.lines().count().saturating_sub(1);
        }
        let val_src = src.join(Split::Val.name());
        let val_dst = dst.join(Split::Val.name());
        std::fs::create_dir_all(&val_dst)?;
        let persons_path = val_src.join("persons.csv");
        let persons = std::fs::read_to_string(&persons_path)
            .with_context(|| format!("reading {}", persons_path.display()))?;
        let mut keep: HashSet<String> = HashSet::new();
        let mut kept = String::new();
        for (n, line) in persons.lines().enumerate() {
            if n == 0 {
                kept.push_str(line);
                kept.push('\n');
                continue;
            }
            let mut fields = line.split(',');
            let (Some(id), Some(household)) = (fields.next(), fields.next()) else {
                anyhow::bail!(
                    "{}: line {}: no person and household id",
                    persons_path.display(),
                    n + 1
                );
            };
            if !is_selection_household(household_key(id, household), share) {
                keep.insert(id.to_string());
                kept.push_str(line);
                kept.push('\n');
            }
        }
        std::fs::write(val_dst.join("persons.csv"), kept)?;
        let diaries_path = val_src.join("diaries.csv");
        let diaries = std::fs::read_to_string(&diaries_path)
            .with_context(|| format!("reading {}", diaries_path.display()))?;
        let mut kept = String::new();
        for (n, line) in diaries.lines().enumerate() {
            let id = line.split(',').next().unwrap_or_default();
            if n == 0 || keep.contains(id) {
                kept.push_str(line);
                kept.push('\n');
            }
        }
        std::fs::write(val_dst.join("diaries.csv"), kept)?;
        if src.join("zones.csv").is_file() {
            std::fs::copy(src.join("zones.csv"), dst.join("zones.csv"))?;
        }
        let files: Vec<FileHash> = [
            "zones.csv",
            "train/persons.csv",
            "train/diaries.csv",
            "val/persons.csv",
            "val/diaries.csv",
        ]
        .into_iter()
        .filter(|rel| dst.join(rel).is_file())
        .map(|rel| -> anyhow::Result<FileHash> {
            let bytes = std::fs::read(dst.join(rel))?;
            Ok(FileHash {
                path: rel.to_string(),
                sha256: survey::sha256_hex(&bytes),
            })
        })
        .collect::<anyhow::Result<_>>()?;
        let manifest = ViewManifest {
            name: name.clone(),
            note: "an evolution run's view: the train split and the evolution part of the \
                   validation split only; the test split and the validation people that judge \
                   candidates are not here"
                .into(),
            selection_share: share,
            train_persons,
            val_evolution_persons: keep.len(),
            content_sha256: survey::content_hash(
                files.iter().map(|f| (f.path.as_str(), f.sha256.as_str())),
            ),
            files,
        };
        std::fs::write(
            dst.join("manifest.json"),
            serde_json::to_string_pretty(&manifest)?,
        )?;
    }
    if view_root.exists() {
        std::fs::remove_dir_all(view_root)
            .with_context(|| format!("removing {}", view_root.display()))?;
    }
    std::fs::rename(&tmp, view_root)
        .with_context(|| format!("moving {} to {}", tmp.display(), view_root.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn households_split_near_the_share_and_stably() {
        let ids: Vec<String> = (0..4000).map(|i| format!("{}", 20120000 + i)).collect();
        let selected = ids
            .iter()
            .filter(|h| is_selection_household(h, 0.5))
            .count();
        assert!((1800..2200).contains(&selected), "{selected}");
        assert!(ids.iter().all(|h| !is_selection_household(h, 0.0)));
        assert!(ids.iter().all(|h| is_selection_household(h, 1.0)));
        // A smaller share selects a subset of a larger one.
        assert!(ids
            .iter()
            .filter(|h| is_selection_household(h, 0.3))
            .all(|h| is_selection_household(h, 0.5)));
    }

    #[test]
    fn a_view_is_a_benchmark_whose_content_can_be_checked_and_scored_against() {
        let root = std::env::temp_dir().join(format!("view-test-{}", std::process::id()));
        let bench = root.join("bench/toy");
        let header = "person_id,household_id,group,day_type,home_zone\n";
        let diary = |id: &str| format!("{id}{}\n", ",Home".repeat(24));
        let hours: Vec<String> = (0..24).map(|h| format!("h{h:02}")).collect();
        let diaries_header = format!("person_id,{}\n", hours.join(","));
        for (split, ids) in [("train", ["1", "2"]), ("val", ["3", "4"])] {
            std::fs::create_dir_all(bench.join(split)).unwrap();
            let persons: String = ids
                .iter()
                .map(|id| format!("{id},h{id},other,weekday,\n"))
                .collect();
            std::fs::write(
                bench.join(split).join("persons.csv"),
                format!("{header}{persons}"),
            )
            .unwrap();
            let diaries: String = ids.iter().map(|id| diary(id)).collect();
            std::fs::write(
                bench.join(split).join("diaries.csv"),
                format!("{diaries_header}{diaries}"),
            )
            .unwrap();
        }
        std::fs::write(bench.join("manifest.json"), "{}").unwrap();
        let view = root.join("view");
        make_view(&root.join("bench"), &view, 0.5).unwrap();
        let opened = mobility::Benchmark::open(&view.join("toy")).unwrap();
        crate::scoring::verify_content(&opened).unwrap();
        // A changed file is caught, as in a prepared benchmark.
        std::fs::write(view.join("toy/train/diaries.csv"), &diaries_header).unwrap();
        let err = crate::scoring::verify_content(&opened)
            .unwrap_err()
            .to_string();
        assert!(err.contains("train/diaries.csv"), "{err}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
