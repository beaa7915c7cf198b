//! `orchestrator generate`: diaries for new people (a synthetic population) or a split's people.

use crate::cli::GenerateArgs;
use crate::paths;
use crate::scoring;
use anyhow::Context;
use mobility::{Benchmark, PersonTable, Split};
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

pub fn run(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    if args.run.is_some() {
        anyhow::bail!("`generate --run` needs a run; see `orchestrator status`");
    }
    let bench = Benchmark::open(&paths::benchmark_dir(&args.bench.dir, &args.benchmark)?)?;
    let started = Instant::now();
    let train = bench.read_split(Split::Train)?;
    let state = heuristics::GeneratorState::build(&bench, &train);
    let build_time = started.elapsed();
    let table = match (&args.persons, args.split) {
        (Some(path), _) => PersonTable::read(path, bench.zones_for_io())?,
        (None, Some(split)) => {
            if split.split() == Split::Test {
                scoring::log_test_read(&bench, "generate --split test (persons only)")?;
            }
            bench.persons(split.split())?
        }
        (None, None) => anyhow::bail!("give --persons FILE or --split NAME"),
    };
    let persons = heuristics::population::align_features(&state, &table);
    let started = Instant::now();
    let out: Box<dyn Write> = if args.out.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(
            std::fs::File::create(&args.out)
                .with_context(|| format!("cannot create {}", args.out.display()))?,
        )
    };
    let mut traces = match &args.traces {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => None,
    };
    heuristics::write_population(
        &state,
        &persons,
        args.seed,
        args.threads.max(1),
        out,
        traces.as_mut().map(|t| t as &mut dyn Write),
    )
    .context("writing the diaries")?;
    if let Some(mut t) = traces {
        t.flush()?;
    }
    let elapsed = started.elapsed();
    eprintln!(
        "generated {} diaries for {} in {:.2} s ({:.2} µs/person; state built in {:.0} ms) → {}",
        persons.len(),
        bench.name,
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / persons.len().max(1) as f64,
        build_time.as_secs_f64() * 1e3,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
