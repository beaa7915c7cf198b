//! Speed of the generator on a prepared benchmark.
//!
//! `cargo run --release -p heuristics --example speed -- <BENCH_DIR> [PEOPLE]`
//! Prints: state build ms; µs per person on one thread (the val persons, fresh neighbour
//! lists); seconds for PEOPLE (default 1,000,000, the val persons cycled) on 2 threads,
//! streamed to a sink.

use heuristics::population::align_features;
use heuristics::{generate_all, write_population, GeneratorState};
use mobility::{Benchmark, Person, Split};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: speed <BENCH_DIR> [PEOPLE]"));
    let people: usize = args
        .next()
        .map_or(1_000_000, |s| s.parse().expect("PEOPLE must be an integer"));
    let bench = Benchmark::open(&dir).unwrap_or_else(|e| panic!("{e}"));
    let train = bench
        .read_split(Split::Train)
        .unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    let state = GeneratorState::build(&bench, &train);
    let build_ms = start.elapsed().as_secs_f64() * 1e3;
    let val = bench.persons(Split::Val).unwrap_or_else(|e| panic!("{e}"));
    let persons = align_features(&state, &val);

    let start = Instant::now();
    let diaries = generate_all(&state, &persons, 7, 1);
    let per_person_us = start.elapsed().as_secs_f64() * 1e6 / diaries.len() as f64;

    let many: Vec<Person> = persons.iter().cycle().take(people).cloned().collect();
    let start = Instant::now();
    write_population(&state, &many, 7, 2, std::io::sink(), None).expect("sink cannot fail");
    let million_s = start.elapsed().as_secs_f64();

    println!("benchmark            {}", bench.name);
    println!("train routines       {}", state.routines.len());
    println!("state build          {build_ms:.1} ms");
    println!(
        "1 thread             {per_person_us:.2} µs/person ({} val persons)",
        persons.len()
    );
    println!("2 threads            {million_s:.2} s for {people} people (CSV streamed to a sink)");
}
