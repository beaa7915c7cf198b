//! `rollout` — the binary the sandbox builds and runs for every candidate generator.
//!
//! ```text
//! rollout --bench <DIR> (--split train|val|test | --persons <FILE>) --seed <N> --out <FILE>
//!         [--traces <FILE.jsonl>] [--threads <N>]
//! ```
//!
//! The state is built from `<DIR>/train`; the targets are the persons of the split (or a
//! persons CSV in the prepared format). The diaries CSV goes to `--out` (`-` = stdout) in
//! the order of the persons file; `--traces` writes one JSON object per person and line.
//! Same seed, data and code give the same bytes whatever `--threads` (default: all cores).
//! `--help` prints the usage. Exit code 0 on success (and for `--help`), 2 on bad
//! arguments, 1 on unreadable or invalid input.

use heuristics::population::align_features;
use heuristics::{write_population, GeneratorState};
use mobility::{Benchmark, PersonTable, Split};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: rollout --bench <DIR> (--split train|val|test | --persons <FILE>) --seed <N> --out <FILE|-> [--traces <FILE.jsonl>] [--threads <N>]";

/// Where the target persons come from.
enum Targets {
    Split(Split),
    File(PathBuf),
}

/// What the command line asks for.
enum Command {
    /// Print the usage and exit 0.
    Help,
    /// Generate.
    Run(Args),
}

struct Args {
    bench: PathBuf,
    targets: Targets,
    seed: u64,
    out: PathBuf,
    traces: Option<PathBuf>,
    threads: usize,
}

fn parse_args(mut argv: impl Iterator<Item = String>) -> Result<Command, String> {
    let (mut bench, mut split, mut persons, mut seed, mut out, mut traces, mut threads) =
        (None, None, None, None, None, None, None);
    while let Some(flag) = argv.next() {
        let mut value = || argv.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--bench" => bench = Some(PathBuf::from(value()?)),
            "--split" => {
                let v = value()?;
                split = Some(
                    Split::parse(&v).ok_or(format!("--split: `{v}` is not train, val or test"))?,
                );
            }
            "--persons" => persons = Some(PathBuf::from(value()?)),
            "--seed" => {
                let v = value()?;
                seed = Some(
                    v.parse::<u64>()
                        .map_err(|_| format!("--seed: `{v}` is not a non-negative integer"))?,
                );
            }
            "--out" => out = Some(PathBuf::from(value()?)),
            "--traces" => traces = Some(PathBuf::from(value()?)),
            "--threads" => {
                let v = value()?;
                threads = Some(
                    v.parse::<usize>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or(format!("--threads: `{v}` is not a positive integer"))?,
                );
            }
            "-h" | "--help" => return Ok(Command::Help),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let targets = match (split, persons) {
        (Some(s), None) => Targets::Split(s),
        (None, Some(p)) => Targets::File(p),
        _ => return Err("give exactly one of --split and --persons".into()),
    };
    Ok(Command::Run(Args {
        bench: bench.ok_or("--bench is required")?,
        targets,
        seed: seed.ok_or("--seed is required")?,
        out: out.ok_or("--out is required")?,
        traces,
        threads: threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
    }))
}

fn run(args: Args) -> Result<(), String> {
    let bench = Benchmark::open(&args.bench).map_err(|e| e.to_string())?;
    let train = bench.read_split(Split::Train).map_err(|e| e.to_string())?;
    let state = GeneratorState::build(&bench, &train);
    let table = match &args.targets {
        Targets::Split(split) => bench.persons(*split),
        Targets::File(path) => PersonTable::read(path, bench.zones_for_io()),
    }
    .map_err(|e| e.to_string())?;
    let persons = align_features(&state, &table);
    let create = |path: &PathBuf| {
        File::create(path).map_err(|e| format!("{}: cannot create: {e}", path.display()))
    };
    let mut traces = match &args.traces {
        Some(path) => Some(BufWriter::new(create(path)?)),
        None => None,
    };
    let traces_out = traces.as_mut().map(|t| t as &mut dyn Write);
    let written = if args.out.as_os_str() == "-" {
        write_population(
            &state,
            &persons,
            args.seed,
            args.threads,
            io::stdout().lock(),
            traces_out,
        )
    } else {
        write_population(
            &state,
            &persons,
            args.seed,
            args.threads,
            create(&args.out)?,
            traces_out,
        )
    };
    written.map_err(|e| format!("{}: write failed: {e}", args.out.display()))?;
    if let Some(mut t) = traces {
        t.flush()
            .map_err(|e| format!("traces: write failed: {e}"))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(args)) => args,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("rollout: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rollout: {message}");
            ExitCode::FAILURE
        }
    }
}
