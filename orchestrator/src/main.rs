//! The `orchestrator` command line: prepare benchmarks, evaluate diaries, run baselines,
//! generate populations, and evolve the generator.
//!
//! `main` parses the arguments and hands each subcommand to its module in `commands/`.

mod cli;
mod commands;
mod evolution;
mod paths;
mod scoring;
mod terminal;

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

fn main() -> ExitCode {
    let matches = cli::Cli::command().get_matches();
    let cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if !matches!(
        cli.command,
        cli::Command::Run(_) | cli::Command::Resume(_) | cli::Command::Generate(_)
    ) {
        // A reader that stops early (`| head`) ends the command quietly, as for any Unix
        // tool. A run keeps Rust's default (an error on a closed pipe, not a silent death);
        // `generate --out -` stops writing on the broken pipe and exits 0, removing no file.
        terminal::default_sigpipe();
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        // Timestamps are RFC 3339 in UTC (the default timer); colours only on a terminal.
        .with_ansi(terminal::colour(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let explicit = matches
        .subcommand()
        .map(|(_, sub)| sub.clone())
        .unwrap_or_default();
    let given = |id: &str| {
        explicit.try_get_raw(id).ok().flatten().is_some()
            && explicit.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
    };
    match commands::dispatch(cli.command, &given) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, `: `-separated, each cause said once: many of
/// our errors already end with their source's message, which `{:#}` would repeat.
fn one_line(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let cause = cause.to_string();
        if text.ends_with(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    text
}
