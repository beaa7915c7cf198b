//! One module per subcommand.

mod baseline;
mod bench;
mod bench_rule;
mod data;
mod evaluate;
mod export;
mod generate;
mod llm_planner;
mod maintenance;
mod report;
pub mod review;
pub mod run;
mod serve;

use crate::cli::Command;
use std::process::ExitCode;

/// Runs `command`; `given(id)` says whether its argument `id` was given on the command line.
pub fn dispatch(command: Command, given: &dyn Fn(&str) -> bool) -> anyhow::Result<ExitCode> {
    match command {
        Command::Data(cmd) => data::run(cmd),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Baseline(args) => baseline::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Bench(args) => bench::run(args),
        Command::BenchRule(args) => bench_rule::run(args),
        Command::Run(args) => run::run(*args, given),
        Command::Resume(args) => run::resume(args),
        Command::Status(args) => review::status(args),
        Command::Show(args) => review::show(args),
        Command::Diff(args) => review::diff(args),
        Command::Report(args) => report::report(args),
        Command::Export(args) => export::export(args),
        Command::Serve(args) => serve::run(args),
        Command::Gc(args) => maintenance::gc(args),
        Command::Rm(args) => maintenance::rm(args),
    }
}
