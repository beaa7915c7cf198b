//! The run's report (`<run>/report/report.{md,html}`), rewritten after every round and by
//! `orchestrator report`: the record rendered by the `report` crate, with the comparison on
//! the validation split (baselines, LLM generations, the initial and the current generator)
//! as means over the public evolution seeds, with side metrics, and ms and USD per person
//! where known. The baselines' rows are computed once per run and kept in
//! `<run>/baselines.json`; the LLM generations' rows are read from the `*.summary.json`
//! files `orchestrator baseline llm-planner` writes next to its diaries.

use crate::evolution::bench_context::BenchContext;
use crate::evolution::evaluations::{mean_metrics, write_atomic, Part};
use crate::evolution::run::Run;
use crate::evolution::settings::RunSettings;
use crate::{paths, scoring};
use evaluator::Evaluation;
use memory::Memory;
use mobility::Split;
use report::{ComparisonRow, SideFigures};
use std::path::{Path, PathBuf};

/// Where the comparison looks for LLM generations: every `*.summary.json` under
/// `<dir>/<benchmark>/val/<variant>/` (where `baseline llm-planner` writes by default) and
/// the summary files given.
#[derive(Debug, Clone)]
pub struct LlmSources {
    pub dir: PathBuf,
    pub summaries: Vec<PathBuf>,
}

impl Default for LlmSources {
    /// `out/llm`, no other file.
    fn default() -> LlmSources {
        LlmSources {
            dir: PathBuf::from(paths::DEFAULT_LLM_DIR),
            summaries: Vec::new(),
        }
    }
}

/// Rewrites the report of a run being driven.
pub async fn write(run: &Run) -> anyhow::Result<(PathBuf, PathBuf)> {
    let summary = run.memory.run_summary(run.id).await?;
    write_for(
        &run.memory,
        run.id,
        &run.dir,
        &run.main,
        &run.settings,
        &summary.config.initial_commit,
        &summary.current_commit,
        &LlmSources::default(),
        &run.dir.join("report"),
    )
    .await
}

/// The report of any run, into `out`.
#[allow(clippy::too_many_arguments)]
pub async fn write_for(
    memory: &Memory,
    run: i64,
    dir: &Path,
    ctx: &BenchContext,
    settings: &RunSettings,
    initial: &str,
    current: &str,
    llm: &LlmSources,
    out: &Path,
) -> anyhow::Result<(PathBuf, PathBuf)> {
    let comparison = comparison_rows(dir, ctx, settings, initial, current, llm)?;
    let input = report::ReportInput::load(memory, run, comparison).await?;
    Ok(report::write_report(&input, out)?)
}

/// The comparison on validation (whole split, public seeds): every baseline, the LLM
/// generations of this benchmark found in `llm`, then the initial and the current generator
/// when their rollouts are stored.
pub fn comparison_rows(
    dir: &Path,
    ctx: &BenchContext,
    settings: &RunSettings,
    initial: &str,
    current: &str,
    llm: &LlmSources,
) -> anyhow::Result<Vec<ComparisonRow>> {
    let seeds = settings.evolution_seed_list();
    let mut rows = baseline_rows(dir, ctx, &seeds)?;
    rows.extend(llm_rows(&ctx.name, &ctx.content_hash, llm)?);
    for (label, commit) in [
        ("initial generator", initial),
        ("evolved generator", current),
    ] {
        if label == "evolved generator" && commit == initial {
            continue;
        }
        let evaluations: Vec<_> = seeds
            .iter()
            .filter_map(|s| ctx.store.load(commit, *s))
            .collect();
        if evaluations.len() == seeds.len() {
            let all: Vec<&Evaluation> = evaluations.iter().map(|e| e.part(Part::All)).collect();
            rows.push(
                ComparisonRow::from_metrics(label, "validation", &mean_metrics(all.clone()))
                    .with_side(mean_side(&all)),
            );
        }
    }
    Ok(rows)
}

/// The baselines' rows (with side metrics and generation ms per person, means over `seeds`),
/// computed once per run and kept in `<run>/baselines.json`.
fn baseline_rows(
    dir: &Path,
    ctx: &BenchContext,
    seeds: &[u64],
) -> anyhow::Result<Vec<ComparisonRow>> {
    let path = dir.join("baselines.json");
    if let Ok(text) = std::fs::read_to_string(&path) {
        // A file of an older layout (names and metrics only) is computed again.
        if let Ok(cached) = serde_json::from_str::<Vec<ComparisonRow>>(&text) {
            return Ok(cached);
        }
    }
    let train = ctx.bench.read_split(Split::Train)?;
    let val = &ctx.val;
    let mut rows = Vec::new();
    for kind in baselines::BaselineKind::ALL {
        let mut ms = 0.0;
        let reports: Vec<scoring::EvaluationReport> = seeds
            .iter()
            .map(|&seed| {
                let timed = baselines::run_timed(kind, &ctx.bench, &train, val.people(), seed);
                ms += timed.generate_ms_per_person() / seeds.len().max(1) as f64;
                let table = mobility::DiaryTable {
                    person_ids: val.people().iter().map(|p| p.id.clone()).collect(),
                    diaries: timed.diaries,
                };
                scoring::score_table(&ctx.bench, val, &table, format!("{kind} baseline"))
            })
            .collect::<anyhow::Result<_>>()?;
        let evaluations: Vec<&Evaluation> = reports.iter().map(|r| &r.evaluation).collect();
        rows.push(
            ComparisonRow::from_metrics(
                &format!("{kind} baseline"),
                "validation",
                &mean_metrics(evaluations.clone()),
            )
            .with_side(mean_side(&evaluations))
            .with_cost(Some(ms), None),
        );
    }
    write_atomic(&path, serde_json::to_string_pretty(&rows)?.as_bytes())?;
    Ok(rows)
}

/// Side metrics averaged over evaluations (the spatial MAE only when every one has it).
fn mean_side(evaluations: &[&Evaluation]) -> SideFigures {
    let n = evaluations.len().max(1) as f64;
    let mean = |f: fn(&Evaluation) -> f64| evaluations.iter().map(|e| f(e)).sum::<f64>() / n;
    let spatial: Option<Vec<f64>> = evaluations.iter().map(|e| e.side.spatial_mae_km).collect();
    SideFigures {
        temporal_mae_min: mean(|e| e.side.temporal_mae_min),
        spatial_mae_km: spatial
            .filter(|s| !s.is_empty())
            .map(|s| s.iter().sum::<f64>() / n),
        activity_weighted_f1: mean(|e| e.side.activity_weighted_f1),
    }
}

/// Rows of the LLM generations of `benchmark` on its validation split, in path order: the
/// summaries found in `llm` that are complete, scored, and made on this very data (its
/// content hash `hash`); others are skipped with a log line. An unreadable summary is an
/// error naming its file.
pub fn llm_rows(
    benchmark: &str,
    hash: &str,
    llm: &LlmSources,
) -> anyhow::Result<Vec<ComparisonRow>> {
    let mut files: Vec<PathBuf> = llm.summaries.clone();
    let root = llm.dir.join(benchmark).join(Split::Val.name());
    if let Ok(variants) = std::fs::read_dir(&root) {
        for variant in variants.flatten() {
            if let Ok(inner) = std::fs::read_dir(variant.path()) {
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
        let usable = summary.benchmark == benchmark
            && summary.content_hash == hash
            && summary.split == Split::Val.name()
            && summary.complete;
        let Some(e) = summary.evaluation.as_ref().filter(|_| usable) else {
            tracing::info!(
                file = %file.display(),
                "LLM summary skipped: not a complete, scored generation on this benchmark's validation split"
            );
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
        let llm = root.join("llm");
        let put = |benchmark: &str, split: &str, variant: &str, s: RunSummary| {
            let dir = llm.join(benchmark).join(split).join(variant);
            std::fs::create_dir_all(&dir).unwrap();
            s.write(&dir.join("diaries.summary.json")).unwrap();
        };
        put(
            "santiago-2012",
            "val",
            "good",
            summary("santiago-2012", "abc", "val", true),
        );
        put(
            "santiago-2012",
            "val",
            "stale",
            summary("santiago-2012", "old", "val", true),
        );
        put(
            "santiago-2012",
            "val",
            "partial",
            summary("santiago-2012", "abc", "val", false),
        );
        put(
            "santiago-2012",
            "test",
            "good",
            summary("santiago-2012", "abc", "test", true),
        );
        put(
            "atus-2014",
            "val",
            "good",
            summary("atus-2014", "abc", "val", true),
        );
        let elsewhere = root.join("mine.summary.json");
        let mut other = summary("santiago-2012", "abc", "val", true);
        other.generator = "LLM direct, zero-shot, m".into();
        other.write(&elsewhere).unwrap();
        let sources = LlmSources {
            dir: llm.clone(),
            summaries: vec![elsewhere],
        };
        let rows = llm_rows("santiago-2012", "abc", &sources).unwrap();
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
        assert_eq!(r.split, "validation");
        assert_eq!(r.ms_per_person, Some(812.5));
        assert_eq!(r.usd_per_person, Some(0.000_53));
        assert_eq!(r.side.as_ref().unwrap().spatial_mae_km, Some(3.5));

        // A summary that is not one is an error naming the file.
        let broken = llm.join("santiago-2012/val/broken/x.summary.json");
        std::fs::create_dir_all(broken.parent().unwrap()).unwrap();
        std::fs::write(&broken, "{").unwrap();
        let err = llm_rows("santiago-2012", "abc", &sources).unwrap_err();
        assert!(format!("{err:#}").contains("x.summary.json"), "{err:#}");
        let _ = std::fs::remove_dir_all(&root);
    }
}
