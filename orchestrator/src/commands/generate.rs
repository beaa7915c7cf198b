//! `orchestrator generate`: diaries for new people (a synthetic population) or a split's people.

use crate::cli::GenerateArgs;
use crate::paths;
use crate::scoring;
use anyhow::Context;
use mobility::{Benchmark, PersonTable, Split};
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

/// People read from a `--persons` file per step: with the diaries generated from them,
/// what `generate` holds in memory, whatever the file's size.
const PERSONS_CHUNK: usize = heuristics::population::STREAM_CHUNK;

pub fn run(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    if let Some(run) = args.run {
        return generate_with_run(run, &args);
    }
    let name = args
        .benchmark
        .as_deref()
        .context("--benchmark is required (or --run RUN)")?;
    let bench = Benchmark::open(&paths::benchmark_dir(&args.bench.dir, name)?)?;
    let started = Instant::now();
    let train = bench.read_split(Split::Train)?;
    let state = heuristics::GeneratorState::build(&bench, &train);
    let build_time = started.elapsed();
    // A persons file is streamed in chunks (any size in bounded memory); a split is read
    // whole. Seeds are by position in the population, so both give the same bytes.
    let chunks: Box<dyn Iterator<Item = Result<PersonTable, mobility::FormatError>>> =
        match (&args.persons, args.split) {
            (Some(path), _) => Box::new(PersonTable::read_chunks(
                path,
                bench.zones_for_io(),
                PERSONS_CHUNK,
            )?),
            (None, Some(split)) => {
                if split.split() == Split::Test {
                    scoring::log_test_read(&bench, "generate --split test (persons only)")?;
                }
                Box::new(std::iter::once(Ok(bench.persons(split.split())?)))
            }
            (None, None) => anyhow::bail!("give --persons FILE or --split NAME"),
        };
    let started = Instant::now();
    // Files are written as `<name>.partial` and renamed when complete: an error part-way
    // through (a bad line far down the persons file, a full disk) leaves no half file.
    let to_file = args.out.as_os_str() != "-";
    let partial = |path: &std::path::Path| {
        let mut name = path.as_os_str().to_os_string();
        name.push(".partial");
        std::path::PathBuf::from(name)
    };
    let mut outputs: Vec<(std::path::PathBuf, std::path::PathBuf)> = Vec::new();
    if to_file {
        outputs.push((partial(&args.out), args.out.clone()));
    }
    if let Some(path) = &args.traces {
        outputs.push((partial(path), path.clone()));
    }
    let write_all = || -> anyhow::Result<usize> {
        let mut out: Box<dyn Write> = if to_file {
            let path = partial(&args.out);
            Box::new(
                std::fs::File::create(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            )
        } else {
            Box::new(std::io::stdout().lock())
        };
        let mut traces = match &args.traces {
            Some(path) => {
                let path = partial(path);
                Some(std::io::BufWriter::new(
                    std::fs::File::create(&path)
                        .with_context(|| format!("cannot create {}", path.display()))?,
                ))
            }
            None => None,
        };
        let mut written = 0usize;
        for chunk in chunks {
            let persons = heuristics::population::align_features(&state, &chunk?);
            heuristics::write_population_part(
                &state,
                &persons,
                args.seed,
                args.threads.max(1),
                written == 0,
                &mut out,
                traces.as_mut().map(|t| t as &mut dyn Write),
            )
            .context("writing the diaries")?;
            written += persons.len();
        }
        if written == 0 {
            heuristics::write_population(&state, &[], args.seed, 1, &mut out, None)
                .context("writing the diaries")?;
        }
        if let Some(mut t) = traces {
            t.flush()?;
        }
        Ok(written)
    };
    let written = match write_all() {
        Ok(n) => n,
        Err(e) => {
            for (tmp, _) in &outputs {
                let _ = std::fs::remove_file(tmp);
            }
            return Err(e);
        }
    };
    for (tmp, path) in &outputs {
        std::fs::rename(tmp, path)
            .with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))?;
    }
    let elapsed = started.elapsed();
    eprintln!(
        "generated {} diaries for {} in {:.2} s ({:.2} µs/person; state built in {:.0} ms) → {}",
        written,
        bench.name,
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / written.max(1) as f64,
        build_time.as_secs_f64() * 1e3,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `generate --run RUN`: the run's best generator, built and rolled out in the sandbox.
fn generate_with_run(id: i64, args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    use crate::evolution::best_generator::{population_limits, BestGenerator};
    let bench_root = std::path::absolute(&args.bench.dir)?;
    let runs_root = std::path::absolute(&args.runs.dir)?;
    crate::commands::run::runtime()?.block_on(async move {
        let best = BestGenerator::open(id, &runs_root, &bench_root).await?;
        if let Some(name) = args.benchmark.as_deref().filter(|n| *n != best.config.benchmark) {
            anyhow::bail!(
                "run {id} evolved a generator for {}, not {name} (leave out --benchmark to use the run's)",
                best.config.benchmark
            );
        }
        let commit = best.summary.current_commit.clone();
        let started = Instant::now();
        let (view, persons) = match (&args.persons, args.split) {
            (Some(path), _) => {
                // Check the file before handing it to the sandbox: errors name the line.
                PersonTable::read(path, best.bench.zones_for_io())?;
                let view = best.persons_view(Split::Val)?;
                // A copy in the view, readable by the candidate's uid whatever the
                // original's permissions and folder.
                let copy = view.join("persons-input.csv");
                std::fs::copy(path, &copy)
                    .with_context(|| format!("cannot copy {}", path.display()))?;
                (view, sandbox::RolloutPersons::PersonsFile(copy))
            }
            (None, Some(split)) => {
                if split.split() == Split::Test {
                    scoring::log_test_read(&best.bench, &format!("generate --run {id} --split test (persons only; run {id} of {})", runs_root.display()))?;
                }
                let view = best.persons_view(split.split())?;
                (view, sandbox::RolloutPersons::Split(split.split().name().to_string()))
            }
            (None, None) => anyhow::bail!("give --persons FILE or --split NAME"),
        };
        let diaries = best.rollouts(&commit, &view, persons, &[args.seed], Some(population_limits()))?;
        best.memory.release_run(best.lock).await?;
        let bytes = diaries.into_iter().next().unwrap_or_default();
        if args.out.as_os_str() == "-" {
            std::io::stdout().lock().write_all(&bytes)?;
        } else {
            std::fs::write(&args.out, &bytes)
                .with_context(|| format!("cannot write {}", args.out.display()))?;
        }
        eprintln!(
            "generated {} diaries with run {id}'s generator {} in {:.1} s (sandboxed build and rollout) → {}",
            bytes.iter().filter(|&&b| b == b'\n').count().saturating_sub(1),
            &commit[..10],
            started.elapsed().as_secs_f64(),
            args.out.display()
        );
        Ok(ExitCode::SUCCESS)
    })
}
