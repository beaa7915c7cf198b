//! Rollouts and their evaluations, kept per (commit, seed) in `<run>/evaluations/`, so a
//! generator is never rolled out twice for the same data, seed and evaluator.

use crate::evolution::decision::Scores;
use crate::scoring::{self, EvaluationReport};
use anyhow::Context;
use mobility::{Benchmark, SplitData};
use std::path::{Path, PathBuf};

pub struct EvaluationStore {
    dir: PathBuf,
    content_hash: String,
}

impl EvaluationStore {
    pub fn new(run_dir: &Path, content_hash: &str) -> EvaluationStore {
        EvaluationStore {
            dir: run_dir.join("evaluations"),
            content_hash: content_hash.to_string(),
        }
    }

    pub fn diaries_path(&self, commit: &str, seed: u64) -> PathBuf {
        self.dir.join(commit).join(format!("seed-{seed}.csv"))
    }

    fn report_path(&self, commit: &str, seed: u64) -> PathBuf {
        self.dir.join(commit).join(format!("seed-{seed}.json"))
    }

    /// The stored evaluation, if it was made on the same data by the same evaluator.
    pub fn load(&self, commit: &str, seed: u64) -> Option<EvaluationReport> {
        let text = std::fs::read_to_string(self.report_path(commit, seed)).ok()?;
        let report: EvaluationReport = serde_json::from_str(&text).ok()?;
        (report.content_hash == self.content_hash
            && report.evaluation.evaluator_version == evaluator::EVALUATOR_VERSION
            && self.diaries_path(commit, seed).is_file())
        .then_some(report)
    }

    /// Keeps a rollout's diaries for (commit, seed).
    pub fn save_diaries(&self, commit: &str, seed: u64, diaries: &[u8]) -> anyhow::Result<()> {
        let path = self.diaries_path(commit, seed);
        let dir = path.parent().unwrap();
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        write_atomic(&path, diaries)
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

    /// Scores the kept diaries of (commit, seed) against `val` and keeps the evaluation.
    pub fn evaluate_saved(
        &self,
        bench: &Benchmark,
        val: &SplitData,
        commit: &str,
        seed: u64,
    ) -> anyhow::Result<EvaluationReport> {
        let report = scoring::score_file(bench, val, &self.diaries_path(commit, seed))?;
        write_atomic(
            &self.report_path(commit, seed),
            serde_json::to_string_pretty(&report)?.as_bytes(),
        )?;
        Ok(report)
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
        match mobility::DiaryTable::read(&path, location.then_some(&mut zones)) {
            Ok(table) => evaluator::check_validity(bench, val.people(), &table),
            Err(e) => evaluator::ValidityReport::from_read_error(bench, val.people(), &e),
        }
    }
}

/// Writes through a temporary file and a rename, so a crash never leaves half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}

/// Mean scores over several seeds' evaluations.
pub fn mean_scores(reports: &[EvaluationReport]) -> Scores {
    let n = reports.len().max(1) as f64;
    let sum = |f: &dyn Fn(&EvaluationReport) -> f64| reports.iter().map(f).sum::<f64>() / n;
    Scores {
        score: sum(&|r| r.evaluation.score),
        individual: sum(&|r| r.evaluation.individual),
        distribution: sum(&|r| r.evaluation.distribution),
        behavior: sum(&|r| r.evaluation.behavior),
    }
}

/// Mean metrics over seeds, in the memory's format.
pub fn mean_metrics(reports: &[EvaluationReport]) -> memory::Metrics {
    let n = reports.len().max(1) as f64;
    let mut metrics = memory::Metrics::default();
    for r in reports {
        let e = &r.evaluation;
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
