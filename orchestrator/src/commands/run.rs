//! `orchestrator run` and `orchestrator resume`: start, continue and drive evolution runs.

use crate::cli::{ResumeArgs, RunArgs};
use crate::evolution::run::{database_path, run_dir, DriveEnd, Run};
use crate::evolution::settings::RunSettings;
use crate::evolution::settings_update::{conflicts, SettingsUpdate};
use anyhow::Context;
use memory::{Memory, RunStatus};
use std::process::ExitCode;

/// `run`: continues the latest interrupted run of the same benchmark and agent (refusing
/// flags given on the command line that differ from its settings), or starts a new one.
/// `given(id)` says whether the flag with clap id `id` was given on the command line.
pub fn run(mut args: RunArgs, given: &dyn Fn(&str) -> bool) -> anyhow::Result<ExitCode> {
    // Candidate processes run in other root folders: every path they get is absolute.
    args.bench.dir = std::path::absolute(&args.bench.dir)?;
    args.runs.dir = std::path::absolute(&args.runs.dir)?;
    runtime()?.block_on(async move {
        let settings = RunSettings::from_args(&args)?;
        // An agent that cannot work is refused before any run is created.
        let templates = match &settings.prompts_dir {
            Some(d) => prompts::Templates::from_dir(d)?,
            None => prompts::Templates::builtin(),
        };
        crate::evolution::agent_factory::preflight(&settings.agent, templates).await?;
        let resumable = if args.new {
            None
        } else {
            latest_interrupted(&args.runs.dir, &settings).await?
        };
        let mut run = match resumable {
            Some(id) => {
                let stored = stored_settings(&args.runs.dir, id)?;
                let differ = conflicts(&settings, &stored, given);
                if !differ.is_empty() {
                    anyhow::bail!(
                        "`run` would continue interrupted run {id}, but {} from its settings: {}. \
                         Pass --new to start a new run with them; a run's rounds, budget and \
                         token caps, model, endpoint and agent timeout can be changed with \
                         `orchestrator resume {id} --rounds N --budget-usd X --max-tokens N \
                         --model M --base-url URL --agent-timeout SECS`",
                        if differ.len() == 1 { "this flag differs" } else { "these flags differ" },
                        differ.join(", ")
                    );
                }
                eprintln!(
                    "continuing interrupted run {id} ({} with the {} agent); pass --new to start a fresh run",
                    settings.benchmark,
                    settings.agent.name()
                );
                Run::reopen(id, &args.bench.dir, &args.runs.dir, &SettingsUpdate::default())
                    .await?
            }
            None => {
                Run::create(
                    settings,
                    args.rule.decision_secret.clone(),
                    &args.bench.dir,
                    &args.runs.dir,
                )
                .await?
            }
        };
        finish(drive(&mut run).await?, &run)
    })
}

pub fn resume(mut args: ResumeArgs) -> anyhow::Result<ExitCode> {
    args.bench.dir = std::path::absolute(&args.bench.dir)?;
    args.runs.dir = std::path::absolute(&args.runs.dir)?;
    let update = SettingsUpdate {
        rounds: args.rounds,
        budget_usd: args.budget_usd,
        max_tokens: args.max_tokens,
        model: args.model.clone(),
        base_url: args.base_url.clone(),
        agent_timeout_secs: args.agent_timeout,
        command: std::env::args().collect::<Vec<_>>().join(" "),
    };
    runtime()?.block_on(async move {
        let mut run = Run::reopen(args.run, &args.bench.dir, &args.runs.dir, &update).await?;
        finish(drive(&mut run).await?, &run)
    })
}

/// The settings run `id` was started (or last resumed) with.
fn stored_settings(runs_root: &std::path::Path, id: i64) -> anyhow::Result<RunSettings> {
    let path = run_dir(runs_root, id).join("settings.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("run {id}: cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("run {id}: {} is not valid", path.display()))
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

async fn drive(run: &mut Run) -> anyhow::Result<DriveEnd> {
    // A resumed run may have been extended: keep the settings file in step.
    crate::evolution::evaluations::write_atomic(
        &run.dir.join("settings.json"),
        serde_json::to_string_pretty(&run.settings)?.as_bytes(),
    )?;
    run.drive().await
}

fn finish(end: DriveEnd, run: &Run) -> anyhow::Result<ExitCode> {
    match end {
        DriveEnd::Finished => {
            eprintln!(
                "run {} finished {} rounds; see `orchestrator report {}`",
                run.id, run.settings.rounds, run.id
            );
            Ok(ExitCode::SUCCESS)
        }
        DriveEnd::Interrupted => {
            eprintln!(
                "run {} stopped; continue with `orchestrator resume {}`",
                run.id, run.id
            );
            Ok(ExitCode::from(130))
        }
        DriveEnd::BudgetExhausted(why) => {
            eprintln!("run {} stopped: the LLM budget is spent ({why})", run.id);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The most recent run of the same benchmark and agent that did not finish and that no
/// process is driving.
async fn latest_interrupted(
    runs_root: &std::path::Path,
    settings: &RunSettings,
) -> anyhow::Result<Option<i64>> {
    let db = database_path(runs_root);
    if !db.is_file() {
        return Ok(None);
    }
    let memory = Memory::open(&db).await?;
    let mut runs = memory.list_runs().await?;
    runs.sort_by_key(|r| std::cmp::Reverse(r.id));
    for summary in runs {
        if summary.config.benchmark != settings.benchmark
            || summary.config.agent != settings.agent.name()
            || !matches!(
                summary.status,
                RunStatus::Active | RunStatus::Stopped | RunStatus::Failed
            )
        {
            continue;
        }
        if let Ok(lock) = memory.lock_run(summary.id).await {
            memory.release_run(lock).await?;
            return Ok(Some(summary.id));
        }
    }
    Ok(None)
}
