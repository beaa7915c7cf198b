//! `orchestrator baseline NAME`: fit a classic baseline on train and write its diaries.

use crate::cli::BaselineArgs;
use crate::paths;
use crate::scoring;
use anyhow::Context;
use baselines::BaselineKind;
use mobility::{write_diaries, Benchmark, Split};
use std::process::ExitCode;

pub fn run(args: BaselineArgs) -> anyhow::Result<ExitCode> {
    let kind = BaselineKind::parse(&args.name).with_context(|| {
        let names: Vec<&str> = BaselineKind::ALL.iter().map(|k| k.name()).collect();
        format!(
            "unknown baseline `{}` (known: {})",
            args.name,
            names.join(", ")
        )
    })?;
    let bench = Benchmark::open(&paths::benchmark_dir(&args.bench.dir, &args.benchmark)?)?;
    let train = bench.read_split(Split::Train)?;
    let split = args.split.split();
    let targets = if split == Split::Test {
        scoring::log_test_read(&bench, &format!("baseline {} (persons only)", kind.name()))?;
        bench.persons(split)?
    } else {
        bench.persons(split)?
    };
    let run = baselines::run_timed(kind, &bench, &train, &targets.persons, args.seed);
    let file = std::fs::File::create(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    write_diaries(
        file,
        targets
            .persons
            .iter()
            .map(|p| p.id.as_str())
            .zip(&run.diaries),
        bench.zones_for_io(),
    )
    .with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "baseline {} on {} {}: {} people, fit {:.0} ms, {:.4} ms/person → {}",
        kind.name(),
        bench.name,
        split.name(),
        run.diaries.len(),
        run.fit.as_secs_f64() * 1e3,
        run.generate_ms_per_person(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
