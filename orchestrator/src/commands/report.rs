//! `orchestrator report RUN`: the run's Markdown and HTML report.

use crate::cli::ReportArgs;
use crate::commands::review::open_memory;
use crate::commands::run::runtime;
use crate::evolution::bench_context::BenchContext;
use crate::evolution::run::run_dir;
use crate::evolution::run_report::{comparison_rows, write_for, LlmSources};
use crate::evolution::settings::RunSettings;
use anyhow::Context;
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
