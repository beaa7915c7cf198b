//! One benchmark as a run uses it: its validation people split into the evolution and
//! selection parts, the file rollouts read their persons from, its folder in the run's view,
//! and its store of rollouts and evaluations. A run has one for its benchmark and, with a
//! guard, one for the guard benchmark.

use crate::evolution::evaluations::EvaluationStore;
use crate::evolution::validation_split::ValidationParts;
use crate::{paths, scoring};
use anyhow::Context;
use mobility::{Benchmark, Split, SplitData};
use std::path::{Path, PathBuf};

pub struct BenchContext {
    pub name: String,
    pub bench: Benchmark,
    pub content_hash: String,
    pub val: SplitData,
    pub parts: ValidationParts,
    /// Every validation person's features (the prepared `val/persons.csv`, outside the view):
    /// what rollouts generate for.
    pub persons_file: PathBuf,
    /// This benchmark's folder in the run's view (train and the evolution part of val).
    pub view: PathBuf,
    pub store: EvaluationStore,
}

impl BenchContext {
    /// Opens `name` under `bench_root` for the run in `run_dir`, checking its files against
    /// its manifest.
    pub fn open(
        bench_root: &Path,
        name: &str,
        run_dir: &Path,
        selection_share: f64,
    ) -> anyhow::Result<BenchContext> {
        let bench = Benchmark::open(&paths::benchmark_dir(bench_root, name)?)?;
        let content_hash = scoring::content_hash(&bench)?;
        scoring::verify_content(&bench).with_context(|| {
            format!(
                "the prepared benchmark {name} does not match its manifest (content hash {}); \
                 the data are frozen during a run: restore it or prepare it again for a new run",
                scoring::short_hash(&content_hash)
            )
        })?;
        let val = bench.read_split(Split::Val)?;
        let parts = ValidationParts::of(&val, selection_share);
        anyhow::ensure!(
            !parts.evolution.is_empty() && !parts.selection.is_empty(),
            "{name}: the validation split's {} people leave an empty {} part at selection share \
             {selection_share}; a run needs people in both",
            val.people().len(),
            if parts.evolution.is_empty() { "evolution" } else { "selection" }
        );
        Ok(BenchContext {
            persons_file: bench.split_dir(Split::Val).join("persons.csv"),
            view: run_dir.join("bench-view").join(name),
            store: EvaluationStore::new(run_dir, name, &content_hash),
            name: name.to_string(),
            bench,
            content_hash,
            val,
            parts,
        })
    }

    /// The people of a part, with their real diaries.
    pub fn part_people(&self, idx: &[usize]) -> (Vec<&mobility::Person>, Vec<&mobility::Diary>) {
        (
            idx.iter().map(|&i| &self.val.people()[i]).collect(),
            idx.iter().map(|&i| &self.val.diaries[i]).collect(),
        )
    }
}
