//! `orchestrator gc` and `orchestrator rm`: the disk a run folder takes, given back.
//!
//! `gc` removes what a run can rebuild or no longer needs — its build folders (the
//! candidates' shared `target/` and cargo home, the external agent's `target/`), the
//! benchmark view (rebuilt when the run is resumed), the rollouts (diaries) of candidates
//! that were not accepted, sandbox and worktree leftovers, and staging folders of runs
//! whose creation died — and keeps every record: the database, the run's git repository
//! (every candidate commit), settings, round reports, reports, evaluations and the diaries
//! of accepted generators. Runs being driven are skipped. `rm RUN` deletes one run, after
//! confirmation.

use crate::cli::{GcArgs, RmArgs};
use crate::commands::review::open_memory;
use crate::commands::run::runtime;
use crate::evolution::run::{database_path, run_dir};
use anyhow::{bail, Context};
use memory::Memory;
use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Bytes a file tree takes on disk (allocated blocks; symlinks not followed).
pub fn disk_usage(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    let mut total = meta.blocks() * 512;
    if meta.is_dir() {
        if let Ok(entries) = std::fs::read_dir(path) {
            for entry in entries.flatten() {
                total += disk_usage(&entry.path());
            }
        }
    }
    total
}

/// `12.3 MB`.
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// One thing `gc` removes.
struct Item {
    what: &'static str,
    path: PathBuf,
    bytes: u64,
}

/// The commits whose diaries a run keeps: its initial generator and every accepted one.
async fn kept_commits(memory: &Memory, run: i64) -> anyhow::Result<BTreeSet<String>> {
    let summary = memory.run_summary(run).await?;
    let mut kept = BTreeSet::from([summary.config.initial_commit, summary.current_commit]);
    let totals = memory.totals(run).await?;
    for round in 1..=totals.rounds {
        let record = memory.round_record(run, round).await?;
        kept.insert(record.parent_commit);
        let accepted = record.verification.as_ref().is_some_and(|v| v.accepted);
        if let (true, Some(candidate)) = (accepted, record.candidate) {
            kept.insert(candidate.commit);
        }
    }
    Ok(kept)
}

/// What `gc` would remove from run `id`'s folder.
async fn leftovers(memory: &Memory, id: i64, dir: &Path) -> anyhow::Result<Vec<Item>> {
    let mut items = Vec::new();
    let mut add = |what: &'static str, path: PathBuf| {
        if std::fs::symlink_metadata(&path).is_ok() {
            let bytes = disk_usage(&path);
            items.push(Item { what, path, bytes });
        }
    };
    add("build folder", dir.join("target"));
    add("cargo home", dir.join("cargo-home"));
    add(
        "agent's build folder",
        dir.join("agent-home").join("target"),
    );
    add("benchmark view", dir.join("bench-view"));
    add("sandbox leftovers", dir.join("sandbox-root"));
    if let Ok(entries) = std::fs::read_dir(dir.join("worktrees")) {
        for entry in entries.flatten() {
            add("worktree leftover", entry.path());
        }
    }
    let kept = kept_commits(memory, id).await?;
    if let Ok(commits) = std::fs::read_dir(dir.join("evaluations")) {
        for commit in commits.flatten() {
            let name = commit.file_name().to_string_lossy().into_owned();
            if kept.contains(&name) {
                continue;
            }
            for file in std::fs::read_dir(commit.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let path = file.path();
                if path.extension().is_some_and(|x| x == "csv" || x == "tmp") {
                    add("rejected candidates' diaries", path);
                }
            }
        }
    }
    Ok(items)
}

fn remove(path: &Path) -> anyhow::Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
    .with_context(|| format!("cannot remove {}", path.display()))
}

/// Staging folders `.new-<pid>-<time>` of run creations whose process is gone.
fn dead_staging(runs_root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(runs_root).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(".new-")
            .and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            found.push(entry.path());
        }
    }
    found
}

pub fn gc(args: GcArgs) -> anyhow::Result<ExitCode> {
    let runs_root = std::path::absolute(&args.runs.dir)?;
    runtime()?.block_on(async move {
        if !database_path(&runs_root).is_file() {
            println!("nothing to clean: no runs in {}", runs_root.display());
            return Ok(ExitCode::SUCCESS);
        }
        let memory = open_memory(&runs_root).await?;
        let verb = if args.dry_run { "would free" } else { "freed" };
        let mut total = 0u64;
        let mut cleaned = 0;
        let mut skipped = Vec::new();
        for run in memory.list_runs().await? {
            let lock = match memory.lock_run(run.id).await {
                Ok(lock) => lock,
                Err(_) => {
                    skipped.push(run.id);
                    continue;
                }
            };
            let dir = run_dir(&runs_root, run.id);
            let items = leftovers(&memory, run.id, &dir).await;
            let items = match items {
                Ok(items) => items,
                Err(e) => {
                    memory.release_run(lock).await?;
                    return Err(e);
                }
            };
            let mut by_kind: Vec<(&str, u64, usize)> = Vec::new();
            for item in &items {
                if !args.dry_run {
                    remove(&item.path)?;
                }
                match by_kind.iter_mut().find(|(w, _, _)| *w == item.what) {
                    Some(row) => {
                        row.1 += item.bytes;
                        row.2 += 1;
                    }
                    None => by_kind.push((item.what, item.bytes, 1)),
                }
            }
            memory.release_run(lock).await?;
            let freed: u64 = items.iter().map(|i| i.bytes).sum();
            if freed > 0 {
                cleaned += 1;
                let parts: Vec<String> = by_kind
                    .iter()
                    .map(|(what, bytes, n)| {
                        if *n > 1 {
                            format!("{what} ({n}) {}", megabytes(*bytes))
                        } else {
                            format!("{what} {}", megabytes(*bytes))
                        }
                    })
                    .collect();
                println!(
                    "run {}: {verb} {} — {}",
                    run.id,
                    megabytes(freed),
                    parts.join(", ")
                );
            }
            total += freed;
        }
        for staging in dead_staging(&runs_root) {
            let bytes = disk_usage(&staging);
            if !args.dry_run {
                remove(&staging)?;
            }
            println!(
                "{}: {verb} {} (an interrupted run creation)",
                staging.display(),
                megabytes(bytes)
            );
            total += bytes;
        }
        let skipped_note = if skipped.is_empty() {
            String::new()
        } else {
            format!(
                "; skipped run{} {} (being driven by another process)",
                if skipped.len() == 1 { "" } else { "s" },
                skipped
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        println!(
            "{verb} {} in {cleaned} run{} under {}{skipped_note}; every record is kept",
            megabytes(total),
            if cleaned == 1 { "" } else { "s" },
            runs_root.display()
        );
        Ok(ExitCode::SUCCESS)
    })
}

pub fn rm(args: RmArgs) -> anyhow::Result<ExitCode> {
    let runs_root = std::path::absolute(&args.runs.dir)?;
    runtime()?.block_on(async move {
        let memory = open_memory(&runs_root).await?;
        let summary = memory.run_summary(args.run).await?;
        let lock = memory.lock_run(args.run).await?;
        let dir = run_dir(&runs_root, args.run);
        let bytes = disk_usage(&dir);
        let totals = memory.totals(args.run).await?;
        let what = format!(
            "run {} ({}, {} agent, {} of {} rounds finished, {} accepted; folder {}, {})",
            args.run,
            summary.config.benchmark,
            summary.config.agent,
            totals.finished_rounds,
            summary
                .config
                .budgets
                .max_rounds
                .map(|n| n.to_string())
                .unwrap_or("?".into()),
            totals.accepted,
            dir.display(),
            megabytes(bytes)
        );
        if !args.yes {
            let stdin = std::io::stdin();
            if !stdin.is_terminal() {
                memory.release_run(lock).await?;
                bail!("not deleting {what} without confirmation: pass --yes");
            }
            eprint!("Delete {what}, with all its records? [y/N] ");
            std::io::stderr().flush()?;
            let mut answer = String::new();
            stdin.lock().read_line(&mut answer)?;
            if !matches!(answer.trim(), "y" | "Y" | "yes") {
                memory.release_run(lock).await?;
                eprintln!("kept run {}", args.run);
                return Ok(ExitCode::FAILURE);
            }
        }
        // The folder is moved aside first: if the database refuses the deletion, it is
        // put back and nothing is lost.
        let aside = runs_root.join(format!(".deleting-run-{}-{}", args.run, std::process::id()));
        let moved = dir.exists();
        if moved {
            std::fs::rename(&dir, &aside)
                .with_context(|| format!("cannot move {} aside", dir.display()))?;
        }
        if let Err(e) = memory.delete_run(lock).await {
            if moved {
                let _ = std::fs::rename(&aside, &dir);
            }
            return Err(e.into());
        }
        if moved {
            remove(&aside)?;
        }
        println!("deleted run {} (freed {})", args.run, megabytes(bytes));
        Ok(ExitCode::SUCCESS)
    })
}
