//! Assembling a round's prompt: which code files to show in full (the ones the attribution
//! points to come first), the agent's memory, the best-so-far label, and how the agent can
//! preview a change.

use crate::evolution::run::Run;
use prompts::ReturnMode;
use std::collections::BTreeMap;

/// The rules of the editable scope, as the agent is told them (the sandbox enforces them).
pub const SCOPE_RULES: &str = "\
- Only Rust sources under heuristics/src/ may change (new .rs files there are allowed).
- heuristics/Cargo.toml (no new dependencies), heuristics/tests/ (the validity guards), mobility/,
  the evaluator, the data and every other file are protected.
- No symlinks, binary files, `..` or absolute paths; a change is at most 64 files and 200 KB.";

/// Diagnostics of the attribution record that lead the choice of files.
const TOP_DIAGNOSTICS: usize = 5;
/// Files shown in full to agents that can read the worktree themselves, besides params.rs.
const ATTRIBUTED_FILES: usize = 2;

/// The editable sources (path → text) of a worktree.
pub fn editable_sources(worktree: &std::path::Path) -> BTreeMap<String, String> {
    crate::evolution::workbench::worktree_files(worktree)
        .into_iter()
        .filter(|(p, _)| p.starts_with("heuristics/src/") && p.ends_with(".rs"))
        .map(|(p, b)| (p, String::from_utf8_lossy(&b).into_owned()))
        .collect()
}

/// The files to show in full, most important first: `params.rs`, then the files that use
/// the constants whose `Targets:` name the attribution's top diagnostics (most uses first),
/// then `lib.rs` and the rest. Agents that read the worktree themselves get `params.rs` and
/// the first attributed files only; diff mode gets everything (the prompt budget leaves out
/// whole files from the end).
pub fn code_for_prompt(
    sources: &BTreeMap<String, String>,
    top_diagnostics: &[String],
    mode: ReturnMode,
) -> Vec<(String, String)> {
    let params_path = "heuristics/src/params.rs";
    let params = sources.get(params_path).cloned().unwrap_or_default();
    let constants = constants_targeting(&params, top_diagnostics);
    let mut scored: Vec<(usize, &String)> = sources
        .iter()
        .filter(|(p, _)| p.as_str() != params_path)
        .map(|(p, text)| {
            let uses = constants
                .iter()
                .map(|c| text.matches(c.as_str()).count())
                .sum::<usize>();
            (uses, p)
        })
        .collect();
    scored.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| (a.1 != "heuristics/src/lib.rs").cmp(&(b.1 != "heuristics/src/lib.rs")))
            .then_with(|| a.1.cmp(b.1))
    });
    let mut out = Vec::new();
    if sources.contains_key(params_path) {
        out.push((params_path.to_string(), params));
    }
    let reads_worktree = !matches!(mode, ReturnMode::Diff);
    for (uses, path) in scored {
        if reads_worktree && (uses == 0 || out.len() > ATTRIBUTED_FILES) {
            break;
        }
        out.push((path.clone(), sources[path].clone()));
    }
    out
}

/// Names of the `params.rs` constants whose `Targets:` line names one of `diagnostics`.
fn constants_targeting(params: &str, diagnostics: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut targets_hit = false;
    for line in params.lines() {
        let t = line.trim();
        if let Some(list) = t.strip_prefix("/// Targets:") {
            targets_hit = list
                .split(',')
                .any(|d| diagnostics.iter().any(|x| x == d.trim()));
        } else if let Some(rest) = t.strip_prefix("pub const ") {
            if targets_hit {
                if let Some((name, _)) = rest.split_once(':') {
                    out.push(name.trim().to_string());
                }
            }
            targets_hit = false;
        }
    }
    out
}

/// The names of the top diagnostics of an attribution record's findings.
pub fn top_diagnostics(findings: &serde_json::Value) -> anyhow::Result<Vec<String>> {
    let ranked = findings["ranked_diagnostics"].as_array().ok_or_else(|| {
        anyhow::anyhow!("the attribution record has no ranked diagnostics")
    })?;
    ranked
        .iter()
        .take(TOP_DIAGNOSTICS)
        .map(|d| {
            d["name"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| anyhow::anyhow!("a ranked diagnostic has no name"))
        })
        .collect()
}

/// "3 changes accepted (rounds 2, 5, 9); the current generator was accepted in round 9" or
/// "no change accepted yet; the current generator is the initial one".
pub async fn best_label(run: &Run) -> anyhow::Result<String> {
    let trajectory = run.memory.trajectory(run.id).await?;
    let accepted: Vec<u32> = trajectory
        .iter()
        .filter(|p| p.accepted == Some(true))
        .map(|p| p.round)
        .collect();
    Ok(match accepted.last() {
        None => "no change accepted yet; the current generator is the initial one".into(),
        Some(last) => format!(
            "{} change{} accepted (round{} {}); the current generator was accepted in round {last}",
            accepted.len(),
            if accepted.len() == 1 { "" } else { "s" },
            if accepted.len() == 1 { "" } else { "s" },
            accepted
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// How the agent can preview a change, by agent kind.
pub fn preview_help(agent: &str, mode: ReturnMode) -> String {
    let what = "a paired comparison of the change with the current generator on the public \
                evolution seeds and the evolution part of the validation people: the mean Score \
                difference, its standard error and every diagnostic's change (never the \
                verdict's people or seeds)";
    match (agent, mode) {
        ("builtin", _) => "The built-in agent does not preview.".into(),
        (_, ReturnMode::Tools { .. }) => format!("Call the `preview` tool: {what}."),
        ("inbox", _) => format!(
            "Create an empty file `preview` in this round's inbox folder; the orchestrator \
             replaces it with `preview-result.md`: {what}. Wait for it before asking again."
        ),
        ("command", _) => format!(
            "Run `$MOBEVOLVE_PREVIEW` (a command in your environment) from the worktree: it \
             prints {what}."
        ),
        _ => format!("Previews give {what}; this agent mode cannot ask for one."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributed_files_come_first_and_worktree_agents_get_only_those() {
        let sources: BTreeMap<String, String> = [
            (
                "heuristics/src/params.rs",
                "/// Targets: pair_jsd, slot_accuracy_error\npub const K: usize = 1;\n/// Targets: night_work_count_jsd\npub const NIGHT: usize = 2;\n",
            ),
            ("heuristics/src/lib.rs", "mod a;\n"),
            ("heuristics/src/retrieval.rs", "use params::K; K K"),
            ("heuristics/src/refinement.rs", "NIGHT"),
            ("heuristics/src/adaptation.rs", "nothing"),
        ]
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
        let top = vec!["pair_jsd".to_string()];
        let diff = code_for_prompt(&sources, &top, ReturnMode::Diff);
        let names: Vec<&str> = diff.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            names,
            [
                "heuristics/src/params.rs",
                "heuristics/src/retrieval.rs",
                "heuristics/src/lib.rs",
                "heuristics/src/adaptation.rs",
                "heuristics/src/refinement.rs"
            ]
        );
        let tools = code_for_prompt(&sources, &top, ReturnMode::Command);
        let names: Vec<&str> = tools.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(names, ["heuristics/src/params.rs", "heuristics/src/retrieval.rs"]);
    }
}
