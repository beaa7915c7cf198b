//! `orchestrator evaluate`: score a diaries file against a split.

use crate::cli::EvaluateArgs;
use crate::paths;
use crate::scoring;
use anyhow::Context;
use mobility::Benchmark;
use std::process::ExitCode;

pub fn run(args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    if args.run.is_some() {
        anyhow::bail!("`evaluate --run` needs a run; see `orchestrator status`");
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
