//! Runs every baseline on the validation split of each prepared benchmark and prints
//! benchmark × baseline → Individual, Distribution, Behavior, Score, fit time and
//! generation ms per person (and the invalid-slot rate in the location task).
//!
//! ```text
//! cargo run --release -p baselines --example table -- [BENCH_ROOT] [SEED]
//! ```
//!
//! BENCH_ROOT defaults to `out/bench` at the repository root (where `orchestrator data
//! prepare` writes); a benchmark without `manifest.json` there is reported and skipped.

use baselines::{run_timed, BaselineKind};
use mobility::{Benchmark, Split};
use std::path::PathBuf;
use std::process::ExitCode;

const BENCHMARKS: [&str; 2] = ["atus-2014", "santiago-2012"];

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let root = args.next().map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("out")
            .join("bench")
    });
    let seed: u64 = match args.next().map(|s| s.parse()) {
        None => 0,
        Some(Ok(seed)) => seed,
        Some(Err(e)) => {
            eprintln!("SEED must be an unsigned integer: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "{:<14} {:<9} {:>10} {:>12} {:>9} {:>8} {:>8} {:>11} {:>6}",
        "benchmark",
        "baseline",
        "Individual",
        "Distribution",
        "Behavior",
        "Score",
        "fit s",
        "ms/person",
        "n"
    );
    let mut failed = false;
    for name in BENCHMARKS {
        let dir = root.join(name);
        if !dir.join("manifest.json").is_file() {
            println!(
                "{name:<14} skipped: no prepared benchmark at {}",
                dir.display()
            );
            continue;
        }
        let loaded = Benchmark::open(&dir).and_then(|bench| {
            let train = bench.read_split(Split::Train)?;
            let val = bench.read_split(Split::Val)?;
            Ok((bench, train, val))
        });
        let (bench, train, val) = match loaded {
            Ok(loaded) => loaded,
            Err(e) => {
                eprintln!("{name}: {e}");
                failed = true;
                continue;
            }
        };
        for kind in BaselineKind::ALL {
            let timed = run_timed(kind, &bench, &train, val.people(), seed);
            let eval = evaluator::evaluate(&bench, val.people(), &val.diaries, &timed.diaries);
            println!(
                "{:<14} {:<9} {:>10.4} {:>12.4} {:>9.4} {:>8.4} {:>8.3} {:>11.4} {:>6} {:>8}",
                name,
                kind.name(),
                eval.individual,
                eval.distribution,
                eval.behavior,
                eval.score,
                timed.fit.as_secs_f64(),
                timed.generate_ms_per_person(),
                eval.records,
                eval.value("invalid_rate")
                    .map_or("-".to_string(), |r| format!("{r:.4}"))
            );
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
