//! `orchestrator evaluate`: score a diaries file against a split.

use crate::cli::EvaluateArgs;
use crate::paths;
use crate::scoring;
use anyhow::Context;
use mobility::Benchmark;
use std::process::ExitCode;

pub fn run(args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    if let Some(run) = args.run {
        return evaluate_run(run, &args);
    }
    let name = args
        .benchmark
        .as_deref()
        .context("--benchmark is required")?;
    let predictions = args
        .predictions
        .as_deref()
        .context("--predictions is required")?;
    let bench = Benchmark::open(&paths::benchmark_dir(&args.bench.dir, name)?)?;
    let split = scoring::read_split_logged(
        &bench,
        args.split.split(),
        &format!("evaluate --predictions {}", predictions.display()),
    )?;
    let report = scoring::score_file(&bench, &split, predictions)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_table());
    }
    Ok(ExitCode::SUCCESS)
}

/// `evaluate --run RUN --split S`: the run's initial and best generators on a split, by
/// fresh rollouts in the sandbox (the only way a run's generators meet the test split;
/// every such read is logged in the benchmark and recorded in the run).
fn evaluate_run(id: i64, args: &EvaluateArgs) -> anyhow::Result<ExitCode> {
    use crate::evolution::best_generator::BestGenerator;
    use crate::evolution::evaluations::{mean_metrics, write_atomic};
    let bench_root = std::path::absolute(&args.bench.dir)?;
    let runs_root = std::path::absolute(&args.runs.dir)?;
    let split = args.split.split();
    crate::commands::run::runtime()?.block_on(async move {
        let best = BestGenerator::open(id, &runs_root, &bench_root).await?;
        let real = scoring::read_split_logged(
            &best.bench,
            split,
            &format!(
                "evaluate --run {id} --split {} (run {id} of {})",
                split.name(),
                runs_root.display()
            ),
        )?;
        let view = best.persons_view(split)?;
        let seeds = best.settings.evolution_seed_list();
        let mut rows = Vec::new();
        for (label, commit) in [
            ("initial generator", best.config.initial_commit.clone()),
            ("evolved generator", best.summary.current_commit.clone()),
        ] {
            if label == "evolved generator" && commit == best.config.initial_commit {
                continue;
            }
            let diaries = best.rollouts(
                &commit,
                &view,
                sandbox::RolloutPersons::Split(split.name().to_string()),
                &seeds,
                None,
            )?;
            let mut reports = Vec::new();
            for (seed, bytes) in seeds.iter().zip(diaries) {
                let path = best.dir.join("bench-final").join(format!("{commit}-{}-seed-{seed}.csv", split.name()));
                write_atomic(&path, &bytes)?;
                reports.push(scoring::score_file(&best.bench, &real, &path)?);
            }
            let metrics = mean_metrics(reports.iter().map(|r| &r.evaluation));
            best.memory
                .record_final_evaluation(
                    id,
                    split.name(),
                    &commit,
                    &metrics,
                    &serde_json::json!({
                        "generator": label,
                        "seeds": seeds,
                        "scores": reports.iter().map(|r| r.evaluation.score).collect::<Vec<_>>(),
                        "evaluations": reports,
                    }),
                )
                .await?;
            rows.push((label, commit, metrics, reports));
        }
        best.memory.release_run(best.lock).await?;
        if args.json {
            let out: Vec<_> = rows
                .iter()
                .map(|(label, commit, metrics, reports)| {
                    serde_json::json!({
                        "generator": label, "commit": commit, "split": split.name(),
                        "mean": metrics, "evaluations": reports,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&out)?);
        } else {
            println!(
                "run {id} on the {} split of {} (mean over seeds {:?}; recorded in the run, read logged)",
                split.name(),
                best.bench.name,
                seeds
            );
            println!("{:<18} {:<12} {:>10} {:>12} {:>9} {:>8}", "generator", "commit", "individual", "distribution", "behavior", "score");
            for (label, commit, m, _) in &rows {
                println!(
                    "{:<18} {:<12} {:>10.4} {:>12.4} {:>9.4} {:>8.4}",
                    label,
                    &commit[..10],
                    m.groups["individual"],
                    m.groups["distribution"],
                    m.groups["behavior"],
                    m.score
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
