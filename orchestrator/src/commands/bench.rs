//! `orchestrator bench`: the speed figures users and issues ask for, printed.

use crate::cli::BenchArgs;
use crate::paths;
use mobility::{Benchmark, Person, Split};
use std::process::ExitCode;
use std::time::Instant;

pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let names = if args.benchmark.is_empty() {
        vec!["atus-2014".to_string(), "santiago-2012".to_string()]
    } else {
        args.benchmark.clone()
    };
    for name in names {
        let bench = Benchmark::open(&paths::benchmark_dir(&args.bench.dir, &name)?)?;
        println!("== {name}");
        evaluator_figures(&bench)?;
        generator_figures(&bench, args.people)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The evaluator's full inventory on 10,000 diaries (train diaries against generated ones).
fn evaluator_figures(bench: &Benchmark) -> anyhow::Result<()> {
    let train = bench.read_split(Split::Train)?;
    let state = heuristics::GeneratorState::build(bench, &train);
    let n = 10_000;
    let persons: Vec<Person> = train.people().iter().cycle().take(n).cloned().collect();
    let real: Vec<_> = train.diaries.iter().cycle().take(n).copied().collect();
    let generated = heuristics::generate_all(&state, &persons, 1, 1);
    let timing = evaluator::inventory_timing(bench, &persons, &real, &generated, 5);
    println!(
        "evaluator  full inventory on {n} diaries: {}",
        timing.to_line()
    );
    Ok(())
}

fn generator_figures(bench: &Benchmark, people: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    let train = bench.read_split(Split::Train)?;
    let read = started.elapsed();
    let started = Instant::now();
    let state = heuristics::GeneratorState::build(bench, &train);
    let build = started.elapsed();
    println!(
        "generator  train read {:.0} ms, state build {:.0} ms",
        read.as_secs_f64() * 1e3,
        build.as_secs_f64() * 1e3
    );
    let val = bench.persons(Split::Val)?;
    let persons = heuristics::population::align_features(&state, &val);
    // Cold: every person of the validation split is new to the generator (empty caches);
    // best of five passes, each with fresh caches.
    let cold = (0..5)
        .map(|pass| {
            let started = Instant::now();
            heuristics::generate_all(&state, &persons, pass, 1);
            started.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    println!(
        "generator  {} validation people, each new, on 1 thread: {:.2} µs/person (best of 5)",
        persons.len(),
        cold * 1e6 / persons.len() as f64
    );
    let many: Vec<Person> = persons.iter().cycle().take(people).cloned().collect();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let started = Instant::now();
    heuristics::write_population(&state, &many, 3, threads, std::io::sink(), None)?;
    let tn = started.elapsed();
    println!(
        "generator  {people} people on {threads} threads, CSV formatted: {:.2} s ({:.2} µs/person)",
        tn.as_secs_f64(),
        tn.as_secs_f64() * 1e6 / people as f64
    );
    Ok(())
}
