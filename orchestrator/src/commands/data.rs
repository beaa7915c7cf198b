//! `orchestrator data prepare`: the real surveys → prepared benchmarks.

use crate::cli::{DataCommand, PrepareArgs};
use anyhow::Context;
use std::process::ExitCode;
use survey::SurveyConfig;

pub fn run(command: DataCommand) -> anyhow::Result<ExitCode> {
    match command {
        DataCommand::Prepare(args) => prepare(args),
    }
}

fn prepare(args: PrepareArgs) -> anyhow::Result<ExitCode> {
    if !args.data.dir.is_dir() {
        anyhow::bail!(
            "the survey folder {} does not exist: pass --data DIR or set MOBEVOLVE_DATA",
            args.data.dir.display()
        );
    }
    let configs: Vec<(String, SurveyConfig)> = if args.config.is_empty() {
        survey::builtin_configs()
    } else {
        args.config
            .iter()
            .map(|path| {
                let config = SurveyConfig::from_file(path)?;
                Ok((path.display().to_string(), config))
            })
            .collect::<anyhow::Result<_>>()?
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut summaries = Vec::new();
    for (name, config) in &configs {
        let summary = survey::prepare(config, &args.data.dir, &args.out)
            .with_context(|| format!("preparing {name}"))?;
        if !args.json {
            // The summary shows the warnings too.
            print!("{summary}");
        } else {
            for w in &summary.manifest.warnings {
                eprintln!("warning: {}: {w}", summary.manifest.name);
            }
        }
        summaries.push(summary);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summaries)?);
    }
    Ok(ExitCode::SUCCESS)
}
