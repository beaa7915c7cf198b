//! The run's report (`<run>/report/report.{md,html}`), rewritten after every round and by
//! `orchestrator report`: the record rendered by the `report` crate, with the comparison on
//! the validation split (baselines, the initial and the current generator) as means over
//! the public evolution seeds. The baselines' rows are computed once per run and kept in
//! `<run>/baselines.json`.

use crate::evolution::bench_context::BenchContext;
use crate::evolution::evaluations::{mean_metrics, write_atomic, Part};
use crate::evolution::run::Run;
use crate::evolution::settings::RunSettings;
use crate::scoring;
use memory::Memory;
use mobility::Split;
use report::ComparisonRow;
use std::path::{Path, PathBuf};

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
    out: &Path,
) -> anyhow::Result<(PathBuf, PathBuf)> {
    let comparison = comparison_rows(dir, ctx, settings, initial, current)?;
    let input = report::ReportInput::load(memory, run, comparison).await?;
    Ok(report::write_report(&input, out)?)
}

/// The comparison on validation (whole split, public seeds): every baseline, then the initial
/// and the current generator when their rollouts are stored.
pub fn comparison_rows(
    dir: &Path,
    ctx: &BenchContext,
    settings: &RunSettings,
    initial: &str,
    current: &str,
) -> anyhow::Result<Vec<ComparisonRow>> {
    let seeds = settings.evolution_seed_list();
    let mut rows = baseline_rows(dir, ctx, &seeds)?;
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
            rows.push(ComparisonRow::from_metrics(
                label,
                "validation",
                &mean_metrics(evaluations.iter().map(|e| e.part(Part::All))),
            ));
        }
    }
    Ok(rows)
}

fn baseline_rows(dir: &Path, ctx: &BenchContext, seeds: &[u64]) -> anyhow::Result<Vec<ComparisonRow>> {
    let path = dir.join("baselines.json");
    let rows = |cached: &[(String, memory::Metrics)]| -> Vec<ComparisonRow> {
        cached
            .iter()
            .map(|(name, m)| ComparisonRow::from_metrics(name, "validation", m))
            .collect()
    };
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Ok(cached) = serde_json::from_str::<Vec<(String, memory::Metrics)>>(&text) {
            return Ok(rows(&cached));
        }
    }
    let train = ctx.bench.read_split(Split::Train)?;
    let val = &ctx.val;
    let mut cached = Vec::new();
    for kind in baselines::BaselineKind::ALL {
        let reports: Vec<scoring::EvaluationReport> = seeds
            .iter()
            .map(|&seed| {
                let diaries = baselines::run(kind, &ctx.bench, &train, val.people(), seed);
                let table = mobility::DiaryTable {
                    person_ids: val.people().iter().map(|p| p.id.clone()).collect(),
                    diaries,
                };
                scoring::score_table(&ctx.bench, val, &table, format!("{kind} baseline"))
            })
            .collect::<anyhow::Result<_>>()?;
        cached.push((
            format!("{kind} baseline"),
            mean_metrics(reports.iter().map(|r| &r.evaluation)),
        ));
    }
    write_atomic(&path, serde_json::to_string_pretty(&cached)?.as_bytes())?;
    Ok(rows(&cached))
}
