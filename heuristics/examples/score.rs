//! Scores the generator on the validation split of prepared benchmarks with the evaluator.
//!
//! `cargo run --release -p heuristics --example score -- [BENCH_ROOT] [SEED]`
//! BENCH_ROOT (default `out/bench`) holds `atus-2014/` and/or `santiago-2012/`. Prints each
//! benchmark's diagnostics table, then one summary line per benchmark. `--quiet` skips the
//! tables. (The comparison with the classic baselines is the orchestrator's job.)

use heuristics::population::align_features;
use heuristics::{generate_all, GeneratorState};
use mobility::{Benchmark, Split};
use std::path::PathBuf;

fn main() {
    let quiet = std::env::args().any(|a| a == "--quiet");
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let root = PathBuf::from(args.next().unwrap_or_else(|| "out/bench".into()));
    let seed: u64 = args
        .next()
        .map_or(1, |s| s.parse().expect("SEED must be an integer"));
    let mut summary = Vec::new();
    for name in ["atus-2014", "santiago-2012"] {
        let dir = root.join(name);
        if !dir.is_dir() {
            eprintln!("{}: absent, skipped", dir.display());
            continue;
        }
        let bench = Benchmark::open(&dir).unwrap_or_else(|e| panic!("{e}"));
        let train = bench
            .read_split(Split::Train)
            .unwrap_or_else(|e| panic!("{e}"));
        let val = bench
            .read_split(Split::Val)
            .unwrap_or_else(|e| panic!("{e}"));
        let state = GeneratorState::build(&bench, &train);
        let persons = align_features(&state, &val.persons);
        let generated = generate_all(&state, &persons, seed, 2);
        let evaluation = evaluator::evaluate(&bench, val.people(), &val.diaries, &generated);
        if !quiet {
            println!("== {name} (val, seed {seed})\n{}", evaluation.to_table());
        }
        let e = &evaluation;
        summary.push(format!(
            "{name:<14} heuristics Score {:.4} = Individual {:.4} + Distribution {:.4} + Behavior {:.4}",
            e.score, e.individual, e.distribution, e.behavior
        ));
    }
    for line in summary {
        println!("{line}");
    }
}
