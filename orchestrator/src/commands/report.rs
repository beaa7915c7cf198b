//! `orchestrator report RUN`: the run's Markdown and HTML report.

use crate::cli::ReportArgs;
use crate::commands::review::open_memory;
use crate::commands::run::runtime;
use crate::evolution::evaluations::{mean_metrics, EvaluationStore};
use crate::evolution::run::run_dir;
use crate::evolution::settings::RunSettings;
use crate::{paths, scoring};
use anyhow::Context;
use mobility::{Benchmark, Split};
use report::ComparisonRow;
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
        let comparison = comparison_rows(
            &bench,
            &dir,
            &settings,
            &config.initial_commit,
            &summary.current_commit,
        )?;
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
        let reports: Vec<scoring::EvaluationReport> = settings
            .eval_seed_list()
            .into_iter()
            .map(|seed| {
                let diaries = baselines::run(kind, bench, &train, val.people(), seed);
                let table = mobility::DiaryTable {
                    person_ids: val.people().iter().map(|p| p.id.clone()).collect(),
                    diaries,
                };
                scoring::score_table(bench, &val, &table, format!("{kind} baseline"))
            })
            .collect::<anyhow::Result<_>>()?;
        rows.push(ComparisonRow::from_metrics(
            &format!("{kind} baseline"),
            "validation",
            &mean_metrics(&reports),
        ));
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
            rows.push(ComparisonRow::from_metrics(
                label,
                "validation",
                &mean_metrics(&reports),
            ));
        }
    }
    Ok(rows)
}
