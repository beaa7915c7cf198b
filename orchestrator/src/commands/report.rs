//! `orchestrator report RUN` (Markdown + HTML) and `orchestrator export RUN DIR` (the
//! best generator as a standalone crate).

use crate::cli::{ExportArgs, ReportArgs};
use crate::commands::review::open_memory;
use crate::commands::run::runtime;
use crate::evolution::evaluations::{mean_metrics, EvaluationStore};
use crate::evolution::run::run_dir;
use crate::evolution::settings::RunSettings;
use crate::{paths, scoring};
use anyhow::Context;
use mobility::{Benchmark, Split};
use report::{ComparisonRow, SideFigures};
use sandbox::RunRepo;
use std::process::ExitCode;

pub fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let memory = open_memory(&args.runs.dir).await?;
        let config = memory.run_config(args.run).await?;
        let summary = memory.run_summary(args.run).await?;
        let dir = run_dir(&args.runs.dir, args.run);
        let settings: RunSettings = serde_json::from_str(
            &std::fs::read_to_string(dir.join("settings.json"))
                .with_context(|| format!("run {}: cannot read settings.json", args.run))?,
        )?;
        let bench = Benchmark::open(&paths::benchmark_dir(&args.bench.dir, &config.benchmark)?)?;
        let mut comparison = comparison_rows(
            &bench,
            &dir,
            &settings,
            &config.initial_commit,
            &summary.current_commit,
        )?;
        comparison.extend(llm_rows(&bench, &args.llm_dir, &args.llm_summary)?);
        let input = report::ReportInput::load(&memory, args.run, comparison).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&input.to_json())?);
            return Ok(ExitCode::SUCCESS);
        }
        let out = args.out.clone().unwrap_or_else(|| dir.join("report"));
        let (md, html) = report::write_report(&input, &out)?;
        println!("{}\n{}", md.display(), html.display());
        Ok(ExitCode::SUCCESS)
    })
}

/// The final comparison on validation: every baseline, the initial and the evolved
/// generator (means over the run's evaluation seeds, from the run's stored rollouts).
fn comparison_rows(
    bench: &Benchmark,
    dir: &std::path::Path,
    settings: &RunSettings,
    initial: &str,
    current: &str,
) -> anyhow::Result<Vec<ComparisonRow>> {
    let train = bench.read_split(Split::Train)?;
    let val = bench.read_split(Split::Val)?;
    let mut rows = Vec::new();
    for kind in baselines::BaselineKind::ALL {
        let mut ms = 0.0;
        let seeds = settings.eval_seed_list();
        let reports: Vec<scoring::EvaluationReport> = seeds
            .iter()
            .map(|&seed| {
                let timed = baselines::run_timed(kind, bench, &train, val.people(), seed);
                ms += timed.generate_ms_per_person() / seeds.len().max(1) as f64;
                let table = mobility::DiaryTable {
                    person_ids: val.people().iter().map(|p| p.id.clone()).collect(),
                    diaries: timed.diaries,
                };
                scoring::score_table(bench, &val, &table, format!("{kind} baseline"))
            })
            .collect::<anyhow::Result<_>>()?;
        rows.push(
            ComparisonRow::from_metrics(
                &format!("{kind} baseline"),
                "validation",
                &mean_metrics(&reports),
            )
            .with_side(mean_side(&reports))
            .with_cost(Some(ms), None),
        );
    }
    let store = EvaluationStore::new(dir, &scoring::content_hash(bench)?);
    for (label, commit) in [
        ("initial generator", initial),
        ("evolved generator", current),
    ] {
        let reports: Vec<_> = settings
            .eval_seed_list()
            .into_iter()
            .filter_map(|seed| store.load(commit, seed))
            .collect();
        if !reports.is_empty() {
            rows.push(
                ComparisonRow::from_metrics(label, "validation", &mean_metrics(&reports))
                    .with_side(mean_side(&reports)),
            );
        }
    }
    Ok(rows)
}

/// Side metrics averaged over seeds (spatial MAE only when every report has it).
fn mean_side(reports: &[scoring::EvaluationReport]) -> SideFigures {
    let n = reports.len().max(1) as f64;
    let spatial: Option<Vec<f64>> = reports
        .iter()
        .map(|r| r.evaluation.side.spatial_mae_km)
        .collect();
    SideFigures {
        temporal_mae_min: reports
            .iter()
            .map(|r| r.evaluation.side.temporal_mae_min)
            .sum::<f64>()
            / n,
        spatial_mae_km: spatial
            .filter(|s| !s.is_empty())
            .map(|s| s.iter().sum::<f64>() / n),
        activity_weighted_f1: reports
            .iter()
            .map(|r| r.evaluation.side.activity_weighted_f1)
            .sum::<f64>()
            / n,
    }
}

/// Rows of the LLM generations on this benchmark's validation split: every
/// `*.summary.json` under `<llm_dir>/<benchmark>/val/` and the files given, kept when they
/// are complete, scored, and made on this very benchmark (its content hash).
fn llm_rows(
    bench: &Benchmark,
    llm_dir: &std::path::Path,
    given: &[std::path::PathBuf],
) -> anyhow::Result<Vec<ComparisonRow>> {
    let hash = scoring::content_hash(bench)?;
    let mut files: Vec<std::path::PathBuf> = given.to_vec();
    let root = llm_dir.join(&bench.name).join(Split::Val.name());
    if let Ok(variants) = std::fs::read_dir(&root) {
        for entry in variants.flatten() {
            if let Ok(inner) = std::fs::read_dir(entry.path()) {
                files.extend(
                    inner
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| p.to_string_lossy().ends_with(".summary.json")),
                );
            }
        }
    }
    files.sort();
    files.dedup();
    let mut rows = Vec::new();
    for file in files {
        let summary = llm_planner::RunSummary::read(&file).map_err(anyhow::Error::msg)?;
        let usable = summary.benchmark == bench.name
            && summary.content_hash == hash
            && summary.split == Split::Val.name()
            && summary.complete;
        let Some(e) = summary.evaluation.as_ref().filter(|_| usable) else {
            tracing::info!(file = %file.display(), "LLM summary skipped: not a complete, scored generation on this benchmark's validation split");
            continue;
        };
        let mut metrics = memory::Metrics {
            score: e.score,
            ..memory::Metrics::default()
        };
        for (group, value) in [
            ("individual", e.individual),
            ("distribution", e.distribution),
            ("behavior", e.behavior),
        ] {
            metrics.groups.insert(group.to_string(), value);
        }
        rows.push(
            ComparisonRow::from_metrics(&summary.generator, "validation", &metrics)
                .with_side(SideFigures {
                    temporal_mae_min: e.temporal_mae_min,
                    spatial_mae_km: e.spatial_mae_km,
                    activity_weighted_f1: e.activity_weighted_f1,
                })
                .with_cost(
                    Some(summary.per_person.latency_ms),
                    Some(summary.per_person.usd),
                ),
        );
    }
    Ok(rows)
}

pub fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let memory = open_memory(&args.runs.dir).await?;
        let summary = memory.run_summary(args.run).await?;
        let repo = RunRepo::open(&run_dir(&args.runs.dir, args.run))?;
        let commit = summary.current_commit.clone();
        if args.dir.exists() && std::fs::read_dir(&args.dir)?.next().is_some() {
            anyhow::bail!("{} exists and is not empty", args.dir.display());
        }
        let mut files = repo.files_at(&commit, "heuristics/")?;
        files.extend(repo.files_at(&commit, "mobility/")?);
        let mut written = 0;
        for (path, bytes) in files {
            // The tests and examples need the evaluator and the importers: not exported.
            if path.starts_with("heuristics/tests/") || path.starts_with("heuristics/examples/") {
                continue;
            }
            let bytes = if path == "heuristics/Cargo.toml" {
                without_dev_dependencies(&String::from_utf8_lossy(&bytes)).into_bytes()
            } else {
                bytes
            };
            let target = args.dir.join(&path);
            std::fs::create_dir_all(target.parent().unwrap())?;
            std::fs::write(&target, bytes)?;
            written += 1;
        }
        std::fs::write(args.dir.join("Cargo.toml"), EXPORT_WORKSPACE)?;
        std::fs::write(
            args.dir.join("README.md"),
            format!(
                "# Generator of mobevolve run {} ({})\n\nCommit `{commit}` of the run repository.\n\n\
                 ```sh\ncargo build --release\ntarget/release/rollout --bench <prepared benchmark> \
                 --persons people.csv --seed 7 --out diaries.csv\n```\n",
                args.run, summary.config.benchmark
            ),
        )?;
        println!(
            "exported run {}'s generator ({}, {written} files) to {}",
            args.run,
            &commit[..10],
            args.dir.display()
        );
        Ok(ExitCode::SUCCESS)
    })
}

const EXPORT_WORKSPACE: &str = r#"[workspace]
resolver = "2"
members = ["heuristics", "mobility"]

[workspace.package]
edition = "2021"
version = "0.1.0"
license = "MIT OR Apache-2.0"

[profile.release]
codegen-units = 16
"#;

/// A manifest without its `[dev-dependencies]` table (they point into the mobevolve workspace).
fn without_dev_dependencies(manifest: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            skipping = trimmed == "[dev-dependencies]";
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use llm_planner::{
        EndpointConfig, ExecutorKind, Generation, PlannerConfig, Prompting, RunSummary,
        SummaryScores,
    };

    fn summary(benchmark: &str, hash: &str, split: &str, complete: bool) -> RunSummary {
        let config = PlannerConfig {
            prompting: Prompting::FewShot { examples: 3 },
            executor: ExecutorKind::Statistical,
            max_revisions: 2,
            seed: 7,
            endpoint: EndpointConfig::new("http://127.0.0.1:1/v1", "m"),
        };
        let generation = Generation {
            diaries: if complete { vec![] } else { vec![None] },
            people: vec![],
            stop: None,
            counts: Default::default(),
            spent_now_usd: 0.0,
            wall_ms: 0.0,
        };
        let mut s = RunSummary::new(&config, &generation, benchmark, split, hash);
        s.per_person.latency_ms = 812.5;
        s.per_person.usd = 0.000_53;
        s.evaluation = Some(SummaryScores {
            score: 1.25,
            individual: 0.75,
            distribution: 0.2,
            behavior: 0.3,
            temporal_mae_min: 48.5,
            spatial_mae_km: Some(3.5),
            activity_weighted_f1: 0.71,
        });
        s
    }

    #[test]
    fn llm_rows_list_complete_scored_generations_of_this_benchmark_only() {
        let root =
            std::env::temp_dir().join(format!("orchestrator-llm-rows-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let bench_dir = root.join("bench/santiago-2012");
        std::fs::create_dir_all(bench_dir.join("train")).unwrap();
        std::fs::write(bench_dir.join("train/persons.csv"), "person_id\n").unwrap();
        std::fs::write(
            bench_dir.join("manifest.json"),
            r#"{"content_sha256": "abc"}"#,
        )
        .unwrap();
        let bench = Benchmark::open(&bench_dir).unwrap();
        let llm = root.join("llm");
        let put = |variant: &str, s: RunSummary| {
            let dir = llm.join("santiago-2012/val").join(variant);
            std::fs::create_dir_all(&dir).unwrap();
            s.write(&dir.join("diaries.summary.json")).unwrap();
        };
        put("good", summary("santiago-2012", "abc", "val", true));
        put("stale", summary("santiago-2012", "old", "val", true));
        put("partial", summary("santiago-2012", "abc", "val", false));
        let elsewhere = root.join("mine.summary.json");
        let mut other = summary("santiago-2012", "abc", "val", true);
        other.generator = "LLM direct, zero-shot, m".into();
        other.write(&elsewhere).unwrap();
        let rows = llm_rows(&bench, &llm, &[elsewhere]).unwrap();
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "LLM planner, few-shot (3), statistical executor, m",
                "LLM direct, zero-shot, m"
            ]
        );
        let r = &rows[1];
        assert_eq!((r.score, r.individual, r.behavior), (1.25, 0.75, 0.3));
        assert_eq!(r.ms_per_person, Some(812.5));
        assert_eq!(r.usd_per_person, Some(0.000_53));
        assert_eq!(r.side.as_ref().unwrap().spatial_mae_km, Some(3.5));
        let _ = std::fs::remove_dir_all(&root);
    }
}
