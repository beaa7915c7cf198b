//! `orchestrator generate`: diaries for new people (a synthetic population) or a split's
//! people, in any of the `plans` formats, to a file (`.gz` by name) or standard output,
//! whole or one shard of many.

use crate::cli::{GenerateArgs, Shard};
use crate::paths;
use crate::scoring;
use anyhow::Context;
use mobility::{Benchmark, Person, PersonTable, Split};
use plans::{Format, Generation, Output, Point};
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

/// People read from a `--persons` file per step: with the diaries generated from them,
/// what `generate` holds in memory, whatever the file's size.
const PERSONS_CHUNK: usize = heuristics::population::STREAM_CHUNK;

/// The columns of a persons file that give a person's own home coordinates.
const HOME_COLUMNS: [&str; 2] = ["home_x", "home_y"];

pub fn run(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    if let Some(run) = args.run {
        return generate_with_run(run, &args);
    }
    match generate(&args) {
        Ok(line) => {
            eprintln!("{line}");
            Ok(ExitCode::SUCCESS)
        }
        // `generate --out - | head`: the reader has what it wanted; stop quietly.
        Err(e) if reader_went_away(&e) => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e),
    }
}

/// True when the error is standard output's reader going away (a broken pipe).
fn reader_went_away(e: &anyhow::Error) -> bool {
    e.chain().any(plans::is_broken_pipe)
}

/// Generates and writes the population; returns the summary line.
fn generate(args: &GenerateArgs) -> anyhow::Result<String> {
    let name = args
        .benchmark
        .as_deref()
        .context("--benchmark is required (or --run RUN)")?;
    let bench = Benchmark::open(&paths::benchmark_dir(&args.bench.dir, name)?)?;
    let started = Instant::now();
    let train = bench.read_split(Split::Train)?;
    let state = heuristics::GeneratorState::build(&bench, &train);
    let build_time = started.elapsed();
    let format = args.format.format();
    let generation = Generation::new(&bench, &state, format, args.seed, args.threads, &args.mode)?;
    let shard = args.shard.unwrap_or(Shard { index: 0, count: 1 });
    // A persons file is checked against the benchmark (`group`/`day_type` derived when
    // absent) as it is read.
    let rules = match &args.persons {
        Some(_) => Some(survey::population::PopulationRules::of_benchmark(&bench)?),
        None => None,
    };
    let chunks = person_chunks(&bench, rules.as_ref(), args, shard)?;

    let started = Instant::now();
    let mut out = Output::create(&args.out)?;
    let mut traces = match &args.traces {
        Some(path) => match Output::create(path) {
            Ok(t) => Some(t),
            Err(e) => {
                out.discard();
                return Err(e.into());
            }
        },
        None => None,
    };
    let written = write_population(
        &generation,
        &state,
        chunks,
        shard,
        &mut out,
        traces.as_mut(),
    );
    let written = match written {
        Ok(n) => n,
        Err(e) => {
            out.discard();
            if let Some(t) = traces {
                t.discard();
            }
            return Err(e);
        }
    };
    out.finish()?;
    if let Some(t) = traces {
        t.finish()?;
    }
    let elapsed = started.elapsed();
    let shard_note = match args.shard {
        Some(s) => format!(" (shard {}/{})", s.index, s.count),
        None => String::new(),
    };
    Ok(format!(
        "generated {} people ({}){} for {} in {:.2} s ({:.2} µs/person; state built in {:.0} ms) → {}",
        written,
        format.name(),
        shard_note,
        bench.name,
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / written.max(1) as f64,
        build_time.as_secs_f64() * 1e3,
        args.out.display()
    ))
}

/// Chunks of people of the shard: a persons file is streamed (any size in bounded
/// memory), its shard being a byte range of the file; a split is read whole, its shard
/// being a range of its people. Each chunk comes with the people's own home points.
type PersonChunk = anyhow::Result<(PersonTable, Vec<Option<Point>>)>;

fn person_chunks<'b>(
    bench: &'b Benchmark,
    rules: Option<&'b survey::population::PopulationRules>,
    args: &GenerateArgs,
    shard: Shard,
) -> anyhow::Result<Box<dyn Iterator<Item = PersonChunk> + 'b>> {
    match (&args.persons, args.split) {
        (Some(path), _) => {
            let path = path.clone();
            let rules = rules.context("the benchmark's population rules")?;
            let chunks = survey::population::read_chunks_with(
                rules,
                &path,
                PERSONS_CHUNK,
                &survey::population::ReadOptions {
                    part: Some((shard.index, shard.count)),
                    keep: HOME_COLUMNS.iter().map(|c| c.to_string()).collect(),
                },
            )?;
            for note in chunks.notes() {
                eprintln!("{}: {note}", path.display());
            }
            Ok(Box::new(chunks.map(move |table| {
                let table = table?;
                let homes = own_homes(&table, &path)?;
                Ok((table, homes))
            })))
        }
        (None, Some(split)) => {
            if split.split() == Split::Test {
                scoring::log_test_read(bench, "generate --split test (persons only)")?;
            }
            let mut table = bench.persons(split.split())?;
            let n = table.persons.len() as u64;
            let range = (n * shard.index / shard.count) as usize
                ..(n * (shard.index + 1) / shard.count) as usize;
            table.persons = table.persons.drain(range).collect();
            Ok(Box::new(std::iter::once(Ok((table, Vec::new())))))
        }
        (None, None) => anyhow::bail!("give --persons FILE or --split NAME"),
    }
}

/// The people's own home points, from the `home_x`, `home_y` columns when the file has
/// both (empty otherwise); a value that is not a number is an error naming the person.
fn own_homes(table: &PersonTable, path: &std::path::Path) -> anyhow::Result<Vec<Option<Point>>> {
    let (Some(xc), Some(yc)) = (
        table.feature_index(HOME_COLUMNS[0]),
        table.feature_index(HOME_COLUMNS[1]),
    ) else {
        return Ok(Vec::new());
    };
    table
        .persons
        .iter()
        .map(|p: &Person| {
            let (x, y) = (p.features[xc].as_str(), p.features[yc].as_str());
            if x.is_empty() && y.is_empty() {
                return Ok(None);
            }
            let number = |v: &str, column: &str| {
                v.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .with_context(|| {
                        format!(
                            "{}: person `{}`, field `{column}`: not a number: `{v}`",
                            path.display(),
                            p.id
                        )
                    })
            };
            Ok(Some((
                number(x, HOME_COLUMNS[0])?,
                number(y, HOME_COLUMNS[1])?,
            )))
        })
        .collect()
}

/// Writes the shard: the header on shard 0, the people, the footer on the last shard.
/// Returns the number of people written.
fn write_population(
    generation: &Generation<'_>,
    state: &heuristics::GeneratorState,
    chunks: Box<dyn Iterator<Item = PersonChunk> + '_>,
    shard: Shard,
    out: &mut Output,
    mut traces: Option<&mut Output>,
) -> anyhow::Result<usize> {
    if shard.index == 0 {
        out.write_all(&generation.header())
            .context("writing the population")?;
    }
    let mut written = 0usize;
    for chunk in chunks {
        let (table, homes) = chunk?;
        let persons = heuristics::population::align_features(state, &table);
        generation
            .write_part(
                &persons,
                &homes,
                out,
                traces.as_mut().map(|t| *t as &mut dyn Write),
            )
            .context("writing the population")?;
        written += persons.len();
    }
    if shard.index + 1 == shard.count {
        out.write_all(&generation.footer())
            .context("writing the population")?;
    }
    Ok(written)
}

/// `generate --run RUN`: the run's best generator, built and rolled out in the sandbox.
fn generate_with_run(id: i64, args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    use crate::evolution::best_generator::{population_limits, BestGenerator};
    if args.format.format() != Format::Slots || args.shard.is_some() {
        anyhow::bail!(
            "--run writes the slots format of the whole population; --format {} and --shard need the workspace's generator (drop --run)",
            args.format.format().name()
        );
    }
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
                // Checked against the benchmark and completed (`group`, `day_type`) before the
                // sandbox reads it: errors name the line.
                let view = best.persons_view(Split::Val)?;
                let rules = survey::population::PopulationRules::of_benchmark(&best.bench)?;
                let done = survey::population::complete_file(&rules, path, &view.join("population.csv"), PERSONS_CHUNK)?;
                done.notes.iter().for_each(|n| eprintln!("{}: {n}", path.display()));
                (view, sandbox::RolloutPersons::PersonsFile(done.path))
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
        let mut out = Output::create(&args.out)?;
        if let Err(e) = out.write_all(&bytes) {
            out.discard();
            if plans::is_broken_pipe(&e) {
                return Ok(ExitCode::SUCCESS);
            }
            return Err(e.into());
        }
        match out.finish() {
            Err(e) if plans::is_broken_pipe(&e) => return Ok(ExitCode::SUCCESS),
            r => r?,
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
