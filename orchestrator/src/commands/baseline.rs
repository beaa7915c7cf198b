//! `orchestrator baseline NAME`: fit a classic baseline on train and write its diaries
//! (`llm-planner` is handed to [`super::llm_planner`]).

use crate::cli::BaselineArgs;
use crate::paths;
use crate::scoring;
use anyhow::Context;
use baselines::BaselineKind;
use mobility::{write_diaries, Benchmark, Split};
use std::process::ExitCode;

/// The name of the LLM generator among the baselines.
pub const LLM_PLANNER: &str = "llm-planner";

pub fn run(args: BaselineArgs) -> anyhow::Result<ExitCode> {
    if args.name.trim().eq_ignore_ascii_case(LLM_PLANNER) {
        return super::llm_planner::run(args);
    }
    let kind = BaselineKind::parse(&args.name).with_context(|| {
        let mut names: Vec<&str> = BaselineKind::ALL.iter().map(|k| k.name()).collect();
        names.push(LLM_PLANNER);
        format!(
            "unknown baseline `{}` (known: {})",
            args.name,
            names.join(", ")
        )
    })?;
    let given = args.llm.given();
    if !given.is_empty() {
        anyhow::bail!(
            "{} only apply to `baseline {LLM_PLANNER}`, not to `baseline {}`",
            given.join(", "),
            kind.name()
        );
    }
    let out = args
        .out
        .clone()
        .with_context(|| format!("baseline {} needs --out FILE", kind.name()))?;
    let bench = Benchmark::open(&paths::benchmark_dir(&args.bench.dir, &args.benchmark)?)?;
    let train = bench.read_split(Split::Train)?;
    let split = args.split.split();
    if split == Split::Test {
        scoring::log_test_read(&bench, &format!("baseline {} (persons only)", kind.name()))?;
    }
    let targets = bench.persons(split)?;
    let run = baselines::run_timed(kind, &bench, &train, &targets.persons, args.seed);
    let file =
        std::fs::File::create(&out).with_context(|| format!("cannot create {}", out.display()))?;
    write_diaries(
        file,
        targets
            .persons
            .iter()
            .map(|p| p.id.as_str())
            .zip(&run.diaries),
        bench.zones_for_io(),
    )
    .with_context(|| format!("writing {}", out.display()))?;
    println!(
        "baseline {} on {} {}: {} people, fit {:.0} ms, {:.4} ms/person → {}",
        kind.name(),
        bench.name,
        split.name(),
        run.diaries.len(),
        run.fit.as_secs_f64() * 1e3,
        run.generate_ms_per_person(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
