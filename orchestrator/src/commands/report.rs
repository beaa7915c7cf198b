//! `orchestrator report RUN` (Markdown + HTML) and `orchestrator export RUN DIR` (the
//! best generator as a standalone crate).

use crate::cli::{ExportArgs, ReportArgs};
use crate::commands::review::open_memory;
use crate::commands::run::runtime;
use crate::evolution::bench_context::BenchContext;
use crate::evolution::run::run_dir;
use crate::evolution::run_report::{comparison_rows, write_for, LlmSources};
use crate::evolution::settings::RunSettings;
use anyhow::Context;
use sandbox::RunRepo;
use std::process::ExitCode;

pub fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let memory = open_memory(&args.runs.dir).await?;
        let summary = memory.run_summary(args.run).await?;
        let dir = run_dir(&args.runs.dir, args.run);
        let settings: RunSettings = serde_json::from_str(
            &std::fs::read_to_string(dir.join("settings.json"))
                .with_context(|| format!("run {}: cannot read settings.json", args.run))?,
        )?;
        let ctx = BenchContext::open(
            &args.bench.dir,
            &summary.config.benchmark,
            &dir,
            settings.rule.selection_share,
        )?;
        let llm = LlmSources {
            dir: args.llm_dir.clone(),
            summaries: args.llm_summary.clone(),
        };
        if args.json {
            let comparison = comparison_rows(
                &dir,
                &ctx,
                &settings,
                &summary.config.initial_commit,
                &summary.current_commit,
                &llm,
            )?;
            let input = report::ReportInput::load(&memory, args.run, comparison).await?;
            println!("{}", serde_json::to_string_pretty(&input.to_json())?);
            return Ok(ExitCode::SUCCESS);
        }
        let out = args.out.clone().unwrap_or_else(|| dir.join("report"));
        let (md, html) = write_for(
            &memory,
            args.run,
            &dir,
            &ctx,
            &settings,
            &summary.config.initial_commit,
            &summary.current_commit,
            &llm,
            &out,
        )
        .await?;
        println!("{}\n{}", md.display(), html.display());
        Ok(ExitCode::SUCCESS)
    })
}

pub fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let memory = open_memory(&args.runs.dir).await?;
        let summary = memory.run_summary(args.run).await?;
        let repo = RunRepo::open(&run_dir(&args.runs.dir, args.run))?;
        let commit = summary.current_commit.clone();
        if args.dir.exists() && std::fs::read_dir(&args.dir)?.next().is_some() {
            anyhow::bail!("{} exists and is not empty", args.dir.display());
        }
        let mut files = repo.files_at(&commit, "heuristics/")?;
        files.extend(repo.files_at(&commit, "mobility/")?);
        let mut written = 0;
        for (path, bytes) in files {
            // The tests and examples need the evaluator and the importers: not exported.
            if path.starts_with("heuristics/tests/") || path.starts_with("heuristics/examples/") {
                continue;
            }
            let bytes = if path == "heuristics/Cargo.toml" {
                without_dev_dependencies(&String::from_utf8_lossy(&bytes)).into_bytes()
            } else {
                bytes
            };
            let target = args.dir.join(&path);
            std::fs::create_dir_all(target.parent().unwrap())?;
            std::fs::write(&target, bytes)?;
            written += 1;
        }
        std::fs::write(args.dir.join("Cargo.toml"), EXPORT_WORKSPACE)?;
        std::fs::write(
            args.dir.join("README.md"),
            format!(
                "# Generator of mobevolve run {} ({})\n\nCommit `{commit}` of the run repository.\n\n\
                 ```sh\ncargo build --release\ntarget/release/rollout --bench <prepared benchmark> \
                 --persons people.csv --seed 7 --out diaries.csv\n```\n",
                args.run, summary.config.benchmark
            ),
        )?;
        println!(
            "exported run {}'s generator ({}, {written} files) to {}",
            args.run,
            &commit[..10],
            args.dir.display()
        );
        Ok(ExitCode::SUCCESS)
    })
}

const EXPORT_WORKSPACE: &str = r#"[workspace]
resolver = "2"
members = ["heuristics", "mobility"]

[workspace.package]
edition = "2021"
version = "0.1.0"
license = "MIT OR Apache-2.0"

[profile.release]
codegen-units = 16
"#;

/// A manifest without its `[dev-dependencies]` table (they point into the mobevolve workspace).
fn without_dev_dependencies(manifest: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            skipping = trimmed == "[dev-dependencies]";
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
