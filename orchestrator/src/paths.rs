//! Where things live by default, and the environment variables that move them.

use std::path::{Path, PathBuf};

/// The real surveys (read-only). `--data` or `MOBEVOLVE_DATA` override it.
pub const DEFAULT_DATA_DIR: &str = "../shared/data";
/// Prepared benchmarks. `--bench` (or `--out` for `data prepare`) or `MOBEVOLVE_BENCH`.
pub const DEFAULT_BENCH_DIR: &str = "out/bench";
/// Runs: the database, one folder per run. `--runs` or `MOBEVOLVE_RUNS`.
pub const DEFAULT_RUNS_DIR: &str = "out/runs";
/// LLM generations (`baseline llm-planner`), one folder per benchmark, split and variant.
pub const DEFAULT_LLM_DIR: &str = "out/llm";

pub const DATA_ENV: &str = "MOBEVOLVE_DATA";
pub const BENCH_ENV: &str = "MOBEVOLVE_BENCH";
pub const RUNS_ENV: &str = "MOBEVOLVE_RUNS";

/// The benchmark built by default (`orchestrator run` without `--benchmark`).
pub const DEFAULT_BENCHMARK: &str = "atus-2014";

/// The folder of one prepared benchmark, with a clear error when it is not there.
pub fn benchmark_dir(bench_root: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let dir = bench_root.join(name);
    if dir.join("manifest.json").is_file() {
        return Ok(dir);
    }
    let available: Vec<String> = std::fs::read_dir(bench_root)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().join("manifest.json").is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    if available.is_empty() {
        anyhow::bail!(
            "no prepared benchmark in {}: run `orchestrator data prepare` first (or pass --bench DIR)",
            bench_root.display()
        );
    }
    anyhow::bail!(
        "no prepared benchmark `{name}` in {} (available: {})",
        bench_root.display(),
        available.join(", ")
    )
}
