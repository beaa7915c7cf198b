//! `orchestrator bench`: the speed figures users and issues ask for, printed.
//!
//! The population figure is the one a user gets: `orchestrator generate` itself is run,
//! as a child process, on a persons file of `--people` people, writing a file in each
//! format; its wall time, CPU time (user + system, from `wait4`) and peak memory are
//! reported, everything included (process start, reading the benchmark, building the
//! generator, reading the persons, generating, formatting, writing).

use crate::cli::{BenchArgs, FormatArg};
use crate::paths;
use anyhow::Context;
use mobility::{Benchmark, Person, Split};
use std::io::{BufRead, Write};
use std::path::Path;
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
        generator_figures(&bench)?;
        population_figures(&bench, &args)?;
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

/// The generator alone (what an evolution round's rollout costs per person).
fn generator_figures(bench: &Benchmark) -> anyhow::Result<()> {
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
        "generator  {} validation people, each new, on 1 thread, in memory: {:.2} µs/person (best of 5)",
        persons.len(),
        cold * 1e6 / persons.len() as f64
    );
    Ok(())
}

/// `orchestrator generate --persons FILE --format F --out FILE` for each format, timed
/// from outside as a user would see it.
fn population_figures(bench: &Benchmark, args: &BenchArgs) -> anyhow::Result<()> {
    let formats: Vec<FormatArg> = if args.format.is_empty() {
        vec![
            FormatArg::Slots,
            FormatArg::Episodes,
            FormatArg::Matsim,
            FormatArg::Pam,
        ]
    } else {
        args.format.clone()
    };
    let location = bench.zones_for_io().is_some();
    let dir = tempdir(&args.scratch, &bench.name)?;
    let persons = dir.join("persons.csv");
    write_persons(bench, args.people, &persons)?;
    let exe = std::env::current_exe().context("finding the orchestrator binary")?;
    for format in formats {
        let format = format.format();
        if format == plans::Format::Matsim && !location {
            continue;
        }
        for gzip in [false, true].into_iter().filter(|&g| !g || args.gzip) {
            let suffix = if gzip { ".gz" } else { "" };
            let out = dir.join(format!("population.{}{suffix}", format.extension()));
            let mut cmd = std::process::Command::new(&exe);
            cmd.arg("generate")
                .args(["--benchmark", &bench.name, "--format", format.name()])
                .arg("--bench")
                .arg(bench.dir.parent().unwrap_or(Path::new(".")))
                .arg("--persons")
                .arg(&persons)
                .arg("--out")
                .arg(&out)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped());
            let started = Instant::now();
            let child = cmd.spawn().context("starting orchestrator generate")?;
            let usage = wait_with_usage(child)?;
            let wall = started.elapsed().as_secs_f64();
            if !usage.success {
                anyhow::bail!(
                    "orchestrator generate --format {} failed: {}",
                    format.name(),
                    usage.stderr
                );
            }
            let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            println!(
                "generate   {} people, {:<8} {:>3}: {:.2} s wall, {:.2} s CPU ({:.2} µs/person wall), peak {:.0} MB, {:.0} MB written",
                args.people,
                format.name(),
                if gzip { ".gz" } else { "" },
                wall,
                usage.cpu_seconds,
                wall * 1e6 / args.people.max(1) as f64,
                usage.max_rss_kb as f64 / 1024.0,
                bytes as f64 / 1e6,
            );
            let _ = std::fs::remove_file(&out);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A fresh folder for the benchmark's persons file and outputs.
fn tempdir(scratch: &Path, bench: &str) -> anyhow::Result<std::path::PathBuf> {
    let dir = scratch.join(format!("bench-generate-{bench}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// A persons file of `people` people: the validation split's people over and over, each
/// copy with new person and household ids (`<id>-<copy>`).
fn write_persons(bench: &Benchmark, people: usize, path: &Path) -> anyhow::Result<()> {
    let source = bench.split_dir(Split::Val).join("persons.csv");
    let file = std::fs::File::open(&source)
        .with_context(|| format!("cannot read {}", source.display()))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let header = lines.next().context("empty persons file")??;
    let rows: Vec<String> = lines.collect::<Result<_, _>>()?;
    anyhow::ensure!(!rows.is_empty(), "{} has no people", source.display());
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "{header}")?;
    for i in 0..people {
        let (copy, row) = (i / rows.len(), &rows[i % rows.len()]);
        let mut fields = row.splitn(3, ',');
        let (id, household, rest) = (
            fields.next().unwrap_or(""),
            fields.next().unwrap_or(""),
            fields.next().unwrap_or(""),
        );
        writeln!(out, "{id}-{copy},{household}-{copy},{rest}")?;
    }
    out.flush()?;
    Ok(())
}

struct Usage {
    success: bool,
    cpu_seconds: f64,
    max_rss_kb: i64,
    stderr: String,
}

/// Waits for `child` with `wait4`, which also gives its CPU time and peak memory.
fn wait_with_usage(mut child: std::process::Child) -> anyhow::Result<Usage> {
    use std::io::Read;
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut stderr)?;
    }
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the child is ours and not yet waited for; status and usage are valid.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    anyhow::ensure!(pid > 0, "wait4: {}", std::io::Error::last_os_error());
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok(Usage {
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        cpu_seconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        max_rss_kb: usage.ru_maxrss,
        stderr,
    })
}
