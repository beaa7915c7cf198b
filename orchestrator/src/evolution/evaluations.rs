//! Rollouts and their evaluations, kept per (benchmark, commit, seed) in
//! `<run>/evaluations/<benchmark>/<commit>/`, so a generator is never rolled out twice for the
//! same data, seed and evaluator:
//!
//! - `seed-<s>.csv`: the diaries of every validation person (both parts);
//! - `seed-<s>.json`: their evaluation on the evolution part, the selection part and the
//!   whole validation split.

use crate::evolution::validation_split::ValidationParts;
use anyhow::Context;
use evaluator::Evaluation;
use mobility::{Benchmark, Diary, DiaryTable, Person, SplitData};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The three evaluations of one rollout.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RolloutEvaluation {
    pub content_hash: String,
    pub evolution: Evaluation,
    pub selection: Evaluation,
    pub all: Evaluation,
}

/// Which validation people an evaluation covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Evolution,
    Selection,
    All,
}

impl RolloutEvaluation {
    pub fn part(&self, part: Part) -> &Evaluation {
        match part {
            Part::Evolution => &self.evolution,
            Part::Selection => &self.selection,
            Part::All => &self.all,
        }
    }
}

pub struct EvaluationStore {
    dir: PathBuf,
    content_hash: String,
}

impl EvaluationStore {
    pub fn new(run_dir: &Path, benchmark: &str, content_hash: &str) -> EvaluationStore {
        EvaluationStore {
            dir: run_dir.join("evaluations").join(benchmark),
            content_hash: content_hash.to_string(),
        }
    }

    pub fn diaries_path(&self, commit: &str, seed: u64) -> PathBuf {
        self.dir.join(commit).join(format!("seed-{seed}.csv"))
    }

    fn evaluation_path(&self, commit: &str, seed: u64) -> PathBuf {
        self.dir.join(commit).join(format!("seed-{seed}.json"))
    }

    /// The stored evaluation, if it was made on the same data by the same evaluator.
    pub fn load(&self, commit: &str, seed: u64) -> Option<RolloutEvaluation> {
        let text = std::fs::read_to_string(self.evaluation_path(commit, seed)).ok()?;
        let e: RolloutEvaluation = serde_json::from_str(&text).ok()?;
        (e.content_hash == self.content_hash
            && e.all.evaluator_version == evaluator::EVALUATOR_VERSION)
            .then_some(e)
    }

    /// Whether (commit, seed) has an evaluation and its diaries.
    pub fn has_rollout(&self, commit: &str, seed: u64) -> bool {
        self.load(commit, seed).is_some() && self.diaries_path(commit, seed).is_file()
    }

    /// Every seed `commit` has an evaluation for, ascending.
    pub fn evaluated_seeds(&self, commit: &str) -> Vec<u64> {
        let mut seeds: Vec<u64> = std::fs::read_dir(self.dir.join(commit))
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        name.strip_prefix("seed-")?
                            .strip_suffix(".json")?
                            .parse()
                            .ok()
                    })
                    .collect()
            })
            .unwrap_or_default();
        seeds.retain(|s| self.load(commit, *s).is_some());
        seeds.sort_unstable();
        seeds
    }

    /// Keeps a rollout's diaries for (commit, seed).
    pub fn save_diaries(&self, commit: &str, seed: u64, diaries: &[u8]) -> anyhow::Result<()> {
        let path = self.diaries_path(commit, seed);
        let dir = path.parent().expect("a file in a folder");
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        write_atomic(&path, diaries)
    }

    /// Evaluates the kept diaries of (commit, seed) on both parts and the whole split, and
    /// keeps the evaluation. The diaries must be valid (see [`EvaluationStore::validity`]).
    pub fn evaluate(
        &self,
        bench: &Benchmark,
        val: &SplitData,
        parts: &ValidationParts,
        commit: &str,
        seed: u64,
    ) -> anyhow::Result<RolloutEvaluation> {
        let generated = read_diaries(bench, val, &self.diaries_path(commit, seed))?;
        let part = |idx: &[usize]| {
            let persons: Vec<Person> = idx.iter().map(|&i| val.people()[i].clone()).collect();
            let real: Vec<Diary> = idx.iter().map(|&i| val.diaries[i]).collect();
            let gen: Vec<Diary> = idx.iter().map(|&i| generated[i]).collect();
            evaluator::evaluate(bench, &persons, &real, &gen)
        };
        let evaluation = RolloutEvaluation {
            content_hash: self.content_hash.clone(),
            evolution: part(&parts.evolution),
            selection: part(&parts.selection),
            all: evaluator::evaluate(bench, val.people(), &val.diaries, &generated),
        };
        write_atomic(
            &self.evaluation_path(commit, seed),
            serde_json::to_string(&evaluation)?.as_bytes(),
        )?;
        Ok(evaluation)
    }

    /// The kept diaries of (commit, seed), aligned with `val`'s people.
    pub fn diaries(
        &self,
        bench: &Benchmark,
        val: &SplitData,
        commit: &str,
        seed: u64,
    ) -> anyhow::Result<Vec<Diary>> {
        read_diaries(bench, val, &self.diaries_path(commit, seed))
    }

    /// Deletes the kept diaries of `commit`, keeping its evaluations for the record. Called
    /// once a candidate is rejected: nothing rolls it out or reads its diaries again, and
    /// they are most of a run folder's size (about 1 MB per seed and round on Santiago).
    pub fn prune_diaries(&self, commit: &str) -> anyhow::Result<()> {
        let dir = self.dir.join(commit);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
        };
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|x| x == "csv" || x == "tmp") {
                std::fs::remove_file(&path)
                    .with_context(|| format!("removing {}", path.display()))?;
            }
        }
        Ok(())
    }

    /// The validity checks of the kept diaries of (commit, seed).
    pub fn validity(
        &self,
        bench: &Benchmark,
        val: &SplitData,
        commit: &str,
        seed: u64,
    ) -> evaluator::ValidityReport {
        let path = self.diaries_path(commit, seed);
        let mut zones = bench.zones.clone();
        let location = bench.task == mobility::Task::ActivityLocation;
        match DiaryTable::read(&path, location.then_some(&mut zones)) {
            Ok(table) => evaluator::check_validity(bench, val.people(), &table),
            Err(e) => evaluator::ValidityReport::from_read_error(bench, val.people(), &e),
        }
    }
}

/// A diaries file aligned with `val`'s people (every person exactly once, any order).
fn read_diaries(bench: &Benchmark, val: &SplitData, path: &Path) -> anyhow::Result<Vec<Diary>> {
    let mut zones = bench.zones.clone();
    let location = bench.task == mobility::Task::ActivityLocation;
    let table = DiaryTable::read(path, location.then_some(&mut zones))?;
    let ids: Vec<&str> = val.people().iter().map(|p| p.id.as_str()).collect();
    table
        .aligned_to(&ids)
        .map_err(|m| anyhow::anyhow!("{}: {m}", path.display()))
}

/// Writes through a temporary file and a rename, so a crash never leaves half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}

/// Mean metrics over several evaluations, in the memory's format.
pub fn mean_metrics<'a>(evaluations: impl IntoIterator<Item = &'a Evaluation>) -> memory::Metrics {
    let evaluations: Vec<&Evaluation> = evaluations.into_iter().collect();
    let n = evaluations.len().max(1) as f64;
    let mut metrics = memory::Metrics::default();
    for e in evaluations {
        metrics.score += e.score / n;
        for (group, value) in [
            ("individual", e.individual),
            ("distribution", e.distribution),
            ("behavior", e.behavior),
        ] {
            *metrics.groups.entry(group.to_string()).or_default() += value / n;
        }
        for d in &e.diagnostics {
            *metrics.diagnostics.entry(d.name.clone()).or_default() += d.value / n;
        }
    }
    metrics
}
