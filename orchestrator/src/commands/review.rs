//! The review commands: `status` (runs and their progress), `show` (one round's report)
//! and `diff` (one round's change, rendered with `similar`, coloured on a terminal).

use crate::cli::{ColorChoice, DiffArgs, ShowArgs, StatusArgs};
use crate::commands::run::runtime;
use crate::evolution::run::{database_path, run_dir};
use anyhow::{bail, Context};
use memory::Memory;
use sandbox::RunRepo;
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

pub async fn open_memory(runs_root: &Path) -> anyhow::Result<Memory> {
    let db = database_path(runs_root);
    if !db.is_file() {
        bail!(
            "no runs database at {} (start a run with `orchestrator run`, or pass --runs DIR)",
            db.display()
        );
    }
    Ok(Memory::open(&db).await?)
}

pub fn status(args: StatusArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let memory = open_memory(&args.runs.dir).await?;
        let mut rows = Vec::new();
        for run in memory.list_runs().await? {
            let totals = memory.totals(run.id).await?;
            let trajectory = memory.trajectory(run.id).await?;
            let scores = memory::ScoreSummary::of(&trajectory);
            let (initial, best) = (scores.initial, scores.current.or(scores.initial));
            let driven = match memory.lock_run(run.id).await {
                Ok(lock) => {
                    memory.release_run(lock).await?;
                    false
                }
                Err(_) => true,
            };
            rows.push(json!({
                "run": run.id,
                "benchmark": run.config.benchmark,
                "agent": run.config.agent,
                "model": run.config.model,
                "status": if driven { "running".to_string() } else { run.status.name().to_string() },
                "status_reason": run.status_reason,
                "rounds_finished": totals.finished_rounds,
                "rounds_target": run.config.budgets.max_rounds,
                "accepted": totals.accepted,
                "initial_score": initial,
                "best_score": best,
                "current_commit": run.current_commit,
                "tokens": totals.tokens_in + totals.tokens_out,
                "cost_usd": totals.cost_usd,
                "updated": memory::format_utc(run.updated_at),
            }));
        }
        if args.json {
            println!("{}", serde_json::to_string_pretty(&rows)?);
            return Ok(ExitCode::SUCCESS);
        }
        if rows.is_empty() {
            println!("no runs yet: start one with `orchestrator run`");
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "{:>4}  {:<14} {:<8} {:<9} {:>7} {:>8} {:>9} {:>9} {:>10}  updated",
            "run", "benchmark", "agent", "status", "rounds", "accepted", "initial", "best", "cost USD"
        );
        let mut reasons = Vec::new();
        for r in rows {
            if let (Some(reason), Some("failed")) = (r["status_reason"].as_str(), r["status"].as_str()) {
                reasons.push(format!("run {}: failed: {reason}", r["run"]));
            }
            let score = |v: &serde_json::Value| v.as_f64().map(|s| format!("{s:.4}")).unwrap_or("—".into());
            println!(
                "{:>4}  {:<14} {:<8} {:<9} {:>7} {:>8} {:>9} {:>9} {:>10.4}  {}",
                r["run"].as_i64().unwrap_or_default(),
                r["benchmark"].as_str().unwrap_or(""),
                r["agent"].as_str().unwrap_or(""),
                r["status"].as_str().unwrap_or(""),
                format!(
                    "{}/{}",
                    r["rounds_finished"],
                    r["rounds_target"].as_u64().map(|n| n.to_string()).unwrap_or("?".into())
                ),
                r["accepted"].as_u64().unwrap_or_default(),
                score(&r["initial_score"]),
                score(&r["best_score"]),
                r["cost_usd"].as_f64().unwrap_or(0.0),
                r["updated"].as_str().unwrap_or("")
            );
        }
        for reason in reasons {
            println!("{reason}");
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let memory = open_memory(&args.runs.dir).await?;
        let config = memory.run_config(args.run).await?;
        let record = memory
            .round_record(args.run, args.round)
            .await
            .with_context(|| format!("run {} has no round {}", args.run, args.round))?;
        if args.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&report::round_json(&record, &config))?
            );
        } else {
            print!("{}", report::render_round(&record, &config));
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn diff(args: DiffArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let memory = open_memory(&args.runs.dir).await?;
        let record = memory
            .round_record(args.run, args.round)
            .await
            .with_context(|| format!("run {} has no round {}", args.run, args.round))?;
        let candidate = record.candidate.with_context(|| {
            format!(
                "round {} of run {} has no candidate yet",
                args.round, args.run
            )
        })?;
        let colour = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => crate::terminal::colour(&std::io::stdout()) && !args.json,
        };
        let repo = RunRepo::open(&run_dir(&args.runs.dir, args.run))?;
        let committed = candidate.commit != record.parent_commit;
        // A change that was never applied is shown as the agent sent it.
        let proposed = if committed {
            candidate.diff.clone()
        } else {
            record
                .phases
                .iter()
                .find(|e| e.phase == memory::Phase::Proposal)
                .and_then(|e| e.artifacts.as_ref())
                .and_then(|a| a["diff"].as_str().map(str::to_string))
                .unwrap_or_default()
        };
        let files = if committed {
            candidate
                .summary
                .files
                .iter()
                .map(|f| f.path.clone())
                .collect()
        } else {
            changed_files(&proposed)
        };
        if args.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "run": args.run,
                    "round": args.round,
                    "parent": record.parent_commit,
                    "candidate": candidate.commit,
                    "applied": committed,
                    "files": files,
                    "summary": candidate.summary,
                    "diff": proposed,
                }))?
            );
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "run {} round {}: {} → {}",
            args.run,
            args.round,
            short(&record.parent_commit),
            short(&candidate.commit)
        );
        if !committed {
            // The change never became a commit (it did not apply): show it as proposed.
            if proposed.trim().is_empty() {
                println!("(the agent proposed no change)");
            } else {
                println!("(the proposed change was not applied; shown as the agent sent it)");
                print!("{}", colour_unified(&proposed, colour));
            }
            return Ok(ExitCode::SUCCESS);
        }
        println!("{}", candidate.summary.headline());
        for note in &candidate.summary.notes {
            println!("note: {note}");
        }
        for file in files {
            let old = repo
                .read_file_at(&record.parent_commit, &file)?
                .unwrap_or_default();
            let new = repo
                .read_file_at(&candidate.commit, &file)?
                .unwrap_or_default();
            print!("{}", render_file_diff(&file, &old, &new, colour));
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(10)]
}

/// The files a unified diff touches (its `+++`/`---` paths).
fn changed_files(diff: &str) -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    for line in diff.lines() {
        let path = line
            .strip_prefix("+++ b/")
            .or_else(|| line.strip_prefix("--- a/"))
            .map(|p| p.trim().to_string());
        if let Some(p) = path {
            if !files.contains(&p) {
                files.push(p);
            }
        }
    }
    files
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const REVERSE: &str = "\x1b[7m";
const RESET: &str = "\x1b[0m";

/// One file's change with `similar`: hunks with 3 lines of context, changed words
/// highlighted inside changed lines when colour is on.
fn render_file_diff(path: &str, old: &str, new: &str, colour: bool) -> String {
    use similar::{ChangeTag, TextDiff};
    let diff = TextDiff::from_lines(old, new);
    let paint = |code: &str, text: &str| {
        if colour {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let mut out = paint(BOLD, &format!("--- a/{path}\n+++ b/{path}\n"));
    for group in diff.grouped_ops(3) {
        let (first, last) = (group[0], group[group.len() - 1]);
        out.push_str(&paint(
            CYAN,
            &format!(
                "@@ -{},{} +{},{} @@\n",
                first.old_range().start + 1,
                last.old_range().end - first.old_range().start,
                first.new_range().start + 1,
                last.new_range().end - first.new_range().start
            ),
        ));
        for op in &group {
            for change in diff.iter_inline_changes(op) {
                let (sign, code) = match change.tag() {
                    ChangeTag::Delete => ('-', RED),
                    ChangeTag::Insert => ('+', GREEN),
                    ChangeTag::Equal => (' ', ""),
                };
                let mut line = String::new();
                for (emphasised, text) in change.iter_strings_lossy() {
                    if colour && emphasised {
                        line.push_str(&format!("{REVERSE}{text}{RESET}{code}"));
                    } else {
                        line.push_str(&text);
                    }
                }
                if !line.ends_with('\n') {
                    line.push('\n');
                }
                if colour && !code.is_empty() {
                    out.push_str(&format!("{code}{sign}{line}{RESET}"));
                } else {
                    out.push(sign);
                    out.push_str(&line);
                }
            }
        }
    }
    out
}

/// A unified diff as text, lines coloured by their first character.
fn colour_unified(diff: &str, colour: bool) -> String {
    if !colour {
        return diff.to_string();
    }
    diff.lines()
        .map(|l| {
            let code = if l.starts_with("+++") || l.starts_with("---") {
                BOLD
            } else if l.starts_with('+') {
                GREEN
            } else if l.starts_with('-') {
                RED
            } else if l.starts_with("@@") {
                CYAN
            } else {
                ""
            };
            if code.is_empty() {
                format!("{l}\n")
            } else {
                format!("{code}{l}{RESET}\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_diff_shows_the_changed_line_with_context() {
        let old = "a\nb\nc\nd\n";
        let new = "a\nb\nX\nd\n";
        let plain = render_file_diff("f.rs", old, new, false);
        assert_eq!(
            plain,
            "--- a/f.rs\n+++ b/f.rs\n@@ -1,4 +1,4 @@\n a\n b\n-c\n+X\n d\n"
        );
        let coloured = render_file_diff("f.rs", old, new, true);
        assert!(coloured.contains(&format!("{RED}-")) && coloured.contains(&format!("{GREEN}+")));
    }

    #[test]
    fn changed_files_lists_each_path_once() {
        let diff = "--- a/x.rs\n+++ b/x.rs\n@@ -1 +1 @@\n-a\n+b\n--- /dev/null\n+++ b/y.rs\n@@ -0,0 +1 @@\n+c\n";
        assert_eq!(
            changed_files(diff),
            vec!["x.rs".to_string(), "y.rs".to_string()]
        );
    }
}
