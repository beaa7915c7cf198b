//! `orchestrator bench-rule`: measures the acceptance rule by driving the real loop.
//!
//! 1. **False accepts.** A run whose agent (a `command` agent) proposes only behaviour-neutral
//!    changes: each round re-salts the four decisions' random streams in
//!    `heuristics/src/lib.rs`, a candidate with exactly the parent's distribution of diaries.
//!    Every accept is a false accept. The same candidates are also judged by the rule this
//!    project used before (unpaired means over the public seeds against σ/√k measured on the
//!    initial generator), from the same rollouts, for comparison.
//! 2. **Recorded vs fresh.** The run's recorded Score of its final generator (the pooled
//!    selection Score) against the same generator's mean on fresh seeds.
//! 3. **Power.** Runs whose workspace has known constants damaged (moved towards the far end
//!    of their documented `Range:` by a fraction: small, medium, large); each round's agent
//!    repairs one. The true effect of every repair is measured afterwards on fresh seeds
//!    (paired, whole validation split), and the share accepted is reported by effect size.

use crate::cli::BenchRuleArgs;
use crate::commands::run::runtime;
use crate::evolution::best_generator::BestGenerator;
use crate::evolution::evaluations::write_atomic;
use crate::evolution::run::database_path;
use crate::evolution::validation_split::ValidationParts;
use crate::scoring;
use anyhow::{bail, Context};
use memory::{Memory, RoundOutcome};
use mobility::{Diary, Split};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Constants the power runs damage (those present in `params.rs` with a `Range:` line).
const DAMAGED: [&str; 8] = [
    "SHIFT_PROBABILITY",
    "STRETCH_PROBABILITY",
    "NEIGHBOURS_K",
    "SIMILARITY_TEMPERATURE",
    "CONSENSUS_WEIGHT",
    "SIMILARITY_WEIGHT_WORK",
    "TRAVEL_INSERT_PROBABILITY",
    "PARTICIPATION_SHRINKAGE",
];
/// Damage levels: the fraction of the way from the current value to the far end of its range.
const LEVELS: [(&str, f64); 3] = [("small", 0.1), ("medium", 0.3), ("large", 0.7)];
/// Effect-size bins (Score units) of the power table.
const BINS: [f64; 5] = [0.0, 0.005, 0.01, 0.02, 0.05];

pub fn run(args: BenchRuleArgs) -> anyhow::Result<ExitCode> {
    let root = std::path::absolute(&args.out)?.join(&args.benchmark);
    let bench_root = std::path::absolute(&args.bench.dir)?;
    std::fs::create_dir_all(&root)?;
    let workspace = root.join("workspace");
    copy_workspace(&crate::evolution::run::workspace_root(), &workspace)?;
    let mut summary = json!({ "benchmark": args.benchmark, "fresh_seeds": args.fresh_seeds });

    // 1 and 2: behaviour-neutral candidates.
    let neutral_runs = root.join("neutral-runs");
    let script = root.join("neutral.sh");
    std::fs::write(&script, NEUTRAL_SCRIPT)?;
    if !finished(&neutral_runs)? {
        let _ = std::fs::remove_dir_all(&neutral_runs);
        drive(
            &args,
            &bench_root,
            &workspace,
            &neutral_runs,
            args.neutral,
            &format!("sh {}", script.display()),
        )?;
    }
    let neutral = runtime()?.block_on(neutral_report(&args, &bench_root, &neutral_runs))?;
    summary["neutral"] = neutral;

    // 3: repairs of damaged constants.
    let mut trials = Vec::new();
    for (level, fraction) in LEVELS {
        let damaged = root.join(format!("workspace-{level}"));
        copy_workspace(&workspace, &damaged)?;
        let params_path = damaged.join("heuristics/src/params.rs");
        // Damaged from the pristine copy every time: a rerun that finds the damaged copy
        // made by an earlier invocation rewrites the same text (damage is deterministic)
        // instead of damaging it twice.
        let params = std::fs::read_to_string(workspace.join("heuristics/src/params.rs"))?;
        let (damaged_params, repairs) = damage(&params, fraction);
        std::fs::write(&params_path, damaged_params)?;
        let repair_script = root.join(format!("repair-{level}.sh"));
        std::fs::write(&repair_script, repair_script_text(&repairs))?;
        let runs = root.join(format!("power-{level}"));
        if !finished(&runs)? {
            let _ = std::fs::remove_dir_all(&runs);
            drive(
                &args,
                &bench_root,
                &damaged,
                &runs,
                repairs.len() as u32,
                &format!("sh {}", repair_script.display()),
            )?;
        }
        for t in runtime()?.block_on(power_trials(&args, &bench_root, &runs, &repairs))? {
            let mut t = t;
            t["level"] = json!(level);
            trials.push(t);
        }
    }
    let mut table = Vec::new();
    for (k, lo) in BINS.iter().enumerate() {
        let hi = BINS.get(k + 1).copied().unwrap_or(f64::INFINITY);
        let in_bin: Vec<&serde_json::Value> = trials
            .iter()
            .filter(|t| {
                let e = t["true_effect"].as_f64().unwrap_or(f64::NAN);
                e >= *lo && e < hi
            })
            .collect();
        let accepted = in_bin
            .iter()
            .filter(|t| t["accepted"] == json!(true))
            .count();
        table.push(json!({
            "effect_from": lo, "effect_to": if hi.is_finite() { json!(hi) } else { json!(null) },
            "trials": in_bin.len(), "accepted": accepted,
        }));
    }
    let harmful: Vec<&serde_json::Value> = trials
        .iter()
        .filter(|t| t["true_effect"].as_f64().is_some_and(|e| e < 0.0))
        .collect();
    summary["power"] = json!({ "trials": trials, "by_effect": table,
        "harmful_repairs": harmful.len(),
        "harmful_accepted": harmful.iter().filter(|t| t["accepted"] == json!(true)).count() });
    write_atomic(
        &root.join("summary.json"),
        serde_json::to_string_pretty(&summary)?.as_bytes(),
    )?;
    print_summary(&summary);
    println!("\n(full figures: {})", root.join("summary.json").display());
    Ok(ExitCode::SUCCESS)
}

/// Whether the runs folder holds a finished run (a rerun reuses it).
fn finished(runs: &Path) -> anyhow::Result<bool> {
    if !database_path(runs).is_file() {
        return Ok(false);
    }
    runtime()?.block_on(async {
        let memory = Memory::open(database_path(runs)).await?;
        Ok(memory
            .run_summary(1)
            .await
            .is_ok_and(|s| s.status == memory::RunStatus::Finished))
    })
}

/// Runs `orchestrator run` (this binary) with a command agent.
fn drive(
    args: &BenchRuleArgs,
    bench_root: &Path,
    workspace: &Path,
    runs: &Path,
    rounds: u32,
    command: &str,
) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    eprintln!("bench-rule: {rounds} rounds in {}", runs.display());
    let status = Command::new(exe)
        .args(["run", "--new", "--benchmark", &args.benchmark])
        .args(["--rounds", &rounds.to_string()])
        .args(["--agent", "command", "--agent-command", command])
        .args(["--agent-timeout", "300"])
        .arg("--workspace")
        .arg(workspace)
        .arg("--runs")
        .arg(runs)
        .arg("--bench")
        .arg(bench_root)
        .args(
            args.decision_secret
                .iter()
                .flat_map(|s| ["--decision-secret".to_string(), s.clone()]),
        )
        .status()
        .context("starting `orchestrator run`")?;
    if !status.success() {
        bail!(
            "`orchestrator run` in {} ended with {status}",
            runs.display()
        );
    }
    Ok(())
}

/// Re-salts every decision's stream: a behaviour-neutral change, different in every round.
const NEUTRAL_SCRIPT: &str = r#"#!/bin/sh
# A behaviour-neutral candidate: new salts for the four decisions' random streams.
set -e
f=heuristics/src/lib.rs
r=${MOBEVOLVE_ROUND:?}
sed -i -E "s/^(    Participation = )[0-9]+,/\1$((r * 10 + 1)),/; s/^(    Retrieval = )[0-9]+,/\1$((r * 10 + 2)),/; s/^(    Adaptation = )[0-9]+,/\1$((r * 10 + 3)),/; s/^(    Refinement = )[0-9]+,/\1$((r * 10 + 4)),/" "$f"
grep -q "Participation = $((r * 10 + 1))," "$f"
printf '{"target":"none (behaviour-neutral re-salt)","hypothesis":"no effect","rationale":"measures the rule"}' > "$MOBEVOLVE_PROPOSAL_FILE"
"#;

/// One damaged constant: its name and the original and damaged source literals.
#[derive(Debug, Clone)]
struct Repair {
    name: String,
    original: String,
    damaged: String,
}

/// `params.rs` with each of [`DAMAGED`] moved `fraction` of the way to the far end of its
/// range (integers rounded, at least one step), and the repairs that undo it.
fn damage(params: &str, fraction: f64) -> (String, Vec<Repair>) {
    let mut text = params.to_string();
    let mut repairs = Vec::new();
    let mut range: Option<(f64, f64)> = None;
    for line in params.lines() {
        let t = line.trim();
        if let Some(r) = t.strip_prefix("/// Range:") {
            range = r
                .trim()
                .split_once("..=")
                .and_then(|(lo, hi)| Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?)));
            continue;
        }
        let Some(rest) = t.strip_prefix("pub const ") else {
            continue;
        };
        let Some((name, rest)) = rest.split_once(':') else {
            continue;
        };
        let (name, (Some((lo, hi)), Some((ty, value)))) =
            (name.trim(), (range.take(), rest.split_once('=')))
        else {
            continue;
        };
        if !DAMAGED.contains(&name) {
            continue;
        }
        let literal = value.trim().trim_end_matches(';').trim().to_string();
        let Ok(v) = literal.parse::<f64>() else {
            continue;
        };
        let far = if (hi - v).abs() >= (v - lo).abs() {
            hi
        } else {
            lo
        };
        let target = v + fraction * (far - v);
        let damaged = if ty.trim() == "usize" {
            let mut d = target.round();
            if d == v {
                d = v + (far - v).signum();
            }
            format!("{}", d as i64)
        } else {
            format!("{target:?}")
        };
        let old_line = line.to_string();
        let new_line = old_line.replacen(&format!("= {literal};"), &format!("= {damaged};"), 1);
        text = text.replacen(&old_line, &new_line, 1);
        repairs.push(Repair {
            name: name.to_string(),
            original: literal,
            damaged,
        });
    }
    (text, repairs)
}

/// A command agent that restores, in round N, the N-th damaged constant.
fn repair_script_text(repairs: &[Repair]) -> String {
    let mut s = String::from(
        "#!/bin/sh\n# Repairs one damaged constant per round (a known real improvement).\nset -e\nf=heuristics/src/params.rs\ncase \"${MOBEVOLVE_ROUND:?}\" in\n",
    );
    for (i, r) in repairs.iter().enumerate() {
        s.push_str(&format!(
            "{}) sed -i -E 's/^(pub const {}: [a-z0-9]+ = ){};/\\1{};/' \"$f\"; grep -q 'pub const {}: .* = {};' \"$f\";;\n",
            i + 1,
            r.name,
            regex_literal(&r.damaged),
            r.original,
            r.name,
            r.original
        ));
    }
    s.push_str("esac\nprintf '{\"target\":\"repair\",\"hypothesis\":\"restores a damaged constant\",\"rationale\":\"measures the rule\"}' > \"$MOBEVOLVE_PROPOSAL_FILE\"\n");
    s
}

fn regex_literal(s: &str) -> String {
    s.replace('.', "\\.")
}

/// The neutral run's figures.
async fn neutral_report(
    args: &BenchRuleArgs,
    bench_root: &Path,
    runs: &Path,
) -> anyhow::Result<serde_json::Value> {
    let memory = Memory::open(database_path(runs)).await?;
    let trajectory = memory.trajectory(1).await?;
    let scored: Vec<_> = trajectory
        .iter()
        .filter(|p| p.outcome.is_some_and(RoundOutcome::was_scored))
        .collect();
    let accepted = trajectory
        .iter()
        .filter(|p| p.accepted == Some(true))
        .count();
    // The old rule, from the same rollouts: unpaired means over the public seeds on the whole
    // validation split, against σ/√k of the initial generator's single-seed Scores.
    let mut legacy_accepts = 0;
    let mut legacy_scored = 0;
    let best = BestGenerator::open(1, runs, bench_root).await?;
    let store = crate::evolution::evaluations::EvaluationStore::new(
        &best.dir,
        &best.config.benchmark,
        &scoring::content_hash(&best.bench)?,
    );
    let public = best.settings.evolution_seed_list();
    let initial = best.config.initial_commit.clone();
    let initial_scores: Vec<f64> = store
        .evaluated_seeds(&initial)
        .iter()
        .filter_map(|s| store.load(&initial, *s).map(|e| e.all.score))
        .collect();
    let floor = sd(&initial_scores) / (public.len() as f64).sqrt();
    for r in 1..=trajectory.len() as u32 {
        let record = memory.round_record(1, r).await?;
        let Some(candidate) = record
            .candidate
            .filter(|c| c.commit != record.parent_commit)
        else {
            continue;
        };
        let mean = |commit: &str| -> Option<f64> {
            let v: Vec<f64> = public
                .iter()
                .map(|s| store.load(commit, *s).map(|e| e.all.score))
                .collect::<Option<_>>()?;
            Some(v.iter().sum::<f64>() / v.len() as f64)
        };
        if let (Some(p), Some(c)) = (mean(&record.parent_commit), mean(&candidate.commit)) {
            legacy_scored += 1;
            if p - c > floor {
                legacy_accepts += 1;
            }
        }
    }
    // Recorded vs fresh, for the final generator on the selection part.
    let recorded = trajectory.last().and_then(|p| p.current);
    let current = best.summary.current_commit.clone();
    let fresh: Vec<u64> = (0..args.fresh_seeds as u64)
        .map(|i| 900_000_001 + i)
        .collect();
    let val = best.bench.read_split(Split::Val)?;
    let parts = ValidationParts::of(&val, best.settings.rule.selection_share);
    let diaries = fresh_diaries(&best, &current, &fresh)?;
    let selection_scores: Vec<f64> = diaries
        .iter()
        .map(|d| score_part(&best, &val, &parts.selection, d))
        .collect();
    let fresh_mean = selection_scores.iter().sum::<f64>() / selection_scores.len().max(1) as f64;
    let fresh_se = sd(&selection_scores) / (selection_scores.len() as f64).sqrt();
    best.memory.release_run(best.lock).await?;
    Ok(json!({
        "rounds": trajectory.len(),
        "scored": scored.len(),
        "accepted": accepted,
        "false_accept_rate": accepted as f64 / scored.len().max(1) as f64,
        "legacy_rule": { "scored": legacy_scored, "accepted": legacy_accepts,
            "false_accept_rate": legacy_accepts as f64 / legacy_scored.max(1) as f64,
            "noise_floor": floor, "floor_seeds": initial_scores.len() },
        "recorded_score": recorded,
        "fresh_score": fresh_mean,
        "fresh_standard_error": fresh_se,
        "recorded_minus_fresh": recorded.map(|r| r - fresh_mean),
    }))
}

/// Every repair round: its outcome and its true effect on fresh seeds.
async fn power_trials(
    args: &BenchRuleArgs,
    bench_root: &Path,
    runs: &Path,
    repairs: &[Repair],
) -> anyhow::Result<Vec<serde_json::Value>> {
    let memory = Memory::open(database_path(runs)).await?;
    let trajectory = memory.trajectory(1).await?;
    let best = BestGenerator::open(1, runs, bench_root).await?;
    let val = best.bench.read_split(Split::Val)?;
    let fresh: Vec<u64> = (0..args.fresh_seeds as u64)
        .map(|i| 800_000_001 + i)
        .collect();
    let all: Vec<usize> = (0..val.people().len()).collect();
    let mut out = Vec::new();
    for (k, point) in trajectory.iter().enumerate() {
        let record = memory.round_record(1, point.round).await?;
        let Some(candidate) = record
            .candidate
            .filter(|c| c.commit != record.parent_commit)
        else {
            out.push(json!({"round": point.round, "repair": repairs.get(k).map(|r| &r.name),
                "outcome": point.outcome.map(|o| o.name()), "accepted": false, "true_effect": null}));
            continue;
        };
        let parent = fresh_diaries(&best, &record.parent_commit, &fresh)?;
        let cand = fresh_diaries(&best, &candidate.commit, &fresh)?;
        let diffs: Vec<f64> = parent
            .iter()
            .zip(&cand)
            .map(|(p, c)| score_part(&best, &val, &all, p) - score_part(&best, &val, &all, c))
            .collect();
        let effect = diffs.iter().sum::<f64>() / diffs.len() as f64;
        let r = repairs.get(k);
        out.push(json!({
            "round": point.round,
            "repair": r.map(|r| format!("{} {} → {}", r.name, r.damaged, r.original)),
            "outcome": point.outcome.map(|o| o.name()),
            "accepted": point.accepted == Some(true),
            "true_effect": effect,
            "true_effect_se": sd(&diffs) / (diffs.len() as f64).sqrt(),
        }));
    }
    best.memory.release_run(best.lock).await?;
    Ok(out)
}

/// `commit`'s diaries of every validation person for each of `seeds`.
fn fresh_diaries(
    best: &BestGenerator,
    commit: &str,
    seeds: &[u64],
) -> anyhow::Result<Vec<Vec<Diary>>> {
    let view = best.persons_view(Split::Val)?;
    let outputs = best.rollouts(
        commit,
        &view,
        sandbox::RolloutPersons::Split(Split::Val.name().to_string()),
        seeds,
        None,
    )?;
    let val = best.bench.read_split(Split::Val)?;
    let ids: Vec<&str> = val.people().iter().map(|p| p.id.as_str()).collect();
    outputs
        .into_iter()
        .map(|bytes| {
            let path = best.dir.join("bench-final").join("fresh.csv");
            write_atomic(&path, &bytes)?;
            let mut zones = best.bench.zones.clone();
            let location = best.bench.task == mobility::Task::ActivityLocation;
            let table = mobility::DiaryTable::read(&path, location.then_some(&mut zones))?;
            table.aligned_to(&ids).map_err(|m| anyhow::anyhow!(m))
        })
        .collect()
}

fn score_part(
    best: &BestGenerator,
    val: &mobility::SplitData,
    idx: &[usize],
    generated: &[Diary],
) -> f64 {
    let persons: Vec<mobility::Person> = idx.iter().map(|&i| val.people()[i].clone()).collect();
    let real: Vec<Diary> = idx.iter().map(|&i| val.diaries[i]).collect();
    let gen: Vec<Diary> = idx.iter().map(|&i| generated[i]).collect();
    evaluator::evaluate(&best.bench, &persons, &real, &gen).score
}

fn sd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::NAN;
    }
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

fn print_summary(s: &serde_json::Value) {
    let n = &s["neutral"];
    println!("bench-rule on {}", s["benchmark"].as_str().unwrap_or("?"));
    println!(
        "behaviour-neutral candidates: {} scored, {} accepted → false-accept rate {:.1}% (the \
         earlier rule on the same rollouts: {} of {}, {:.1}%, floor {:.4})",
        n["scored"],
        n["accepted"],
        n["false_accept_rate"].as_f64().unwrap_or(f64::NAN) * 100.0,
        n["legacy_rule"]["accepted"],
        n["legacy_rule"]["scored"],
        n["legacy_rule"]["false_accept_rate"]
            .as_f64()
            .unwrap_or(f64::NAN)
            * 100.0,
        n["legacy_rule"]["noise_floor"].as_f64().unwrap_or(f64::NAN),
    );
    println!(
        "recorded Score of the final generator {:.4}; on {} fresh seeds {:.4} ± {:.4}: gap {:+.4}",
        n["recorded_score"].as_f64().unwrap_or(f64::NAN),
        s["fresh_seeds"],
        n["fresh_score"].as_f64().unwrap_or(f64::NAN),
        n["fresh_standard_error"].as_f64().unwrap_or(f64::NAN),
        n["recorded_minus_fresh"].as_f64().unwrap_or(f64::NAN),
    );
    println!("power (repairs of damaged constants, true effect on fresh seeds):");
    println!(
        "  {:>14} {:>7} {:>9} {:>7}",
        "effect", "trials", "accepted", "share"
    );
    for b in s["power"]["by_effect"].as_array().into_iter().flatten() {
        let trials = b["trials"].as_u64().unwrap_or(0);
        let accepted = b["accepted"].as_u64().unwrap_or(0);
        let to = b["effect_to"]
            .as_f64()
            .map_or("∞".into(), |x| format!("{x:.3}"));
        println!(
            "  {:>14} {:>7} {:>9} {:>6.0}%",
            format!("{:.3}–{to}", b["effect_from"].as_f64().unwrap_or(0.0)),
            trials,
            accepted,
            if trials == 0 {
                f64::NAN
            } else {
                accepted as f64 * 100.0 / trials as f64
            }
        );
    }
    println!(
        "  repairs that in truth made things worse: {}, of which accepted: {}",
        s["power"]["harmful_repairs"], s["power"]["harmful_accepted"]
    );
}

/// Copies a workspace's source (tracked and untracked-but-not-ignored files) to `dst`.
fn copy_workspace(src: &Path, dst: &Path) -> anyhow::Result<PathBuf> {
    if dst.join("Cargo.toml").is_file() {
        return Ok(dst.to_path_buf());
    }
    let out = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(src)
        .output()
        .context("git ls-files")?;
    let files: Vec<String> = if out.status.success() {
        out.stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect()
    } else {
        // Not a git checkout (a copy made by this command): every file but build output.
        let mut all = Vec::new();
        let mut stack = vec![PathBuf::new()];
        while let Some(rel) = stack.pop() {
            for e in std::fs::read_dir(src.join(&rel))?.flatten() {
                let name = rel.join(e.file_name());
                if e.file_type()?.is_dir() {
                    if !matches!(e.file_name().to_str(), Some("target" | "out" | ".git")) {
                        stack.push(name);
                    }
                } else {
                    all.push(name.to_string_lossy().into_owned());
                }
            }
        }
        all
    };
    for rel in files {
        if rel.starts_with("target/") || rel.starts_with("out/") {
            continue;
        }
        let from = src.join(&rel);
        if !from.is_file() {
            continue;
        }
        let to = dst.join(&rel);
        std::fs::create_dir_all(to.parent().expect("a file in a folder"))?;
        std::fs::copy(&from, &to)?;
    }
    Ok(dst.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_moves_constants_towards_the_far_end_of_their_range() {
        let params = "/// Range: 0.0..=1.0\n/// Targets: x\npub const SHIFT_PROBABILITY: f64 = 0.1;\n/// Range: 1..=100\n/// Targets: x\npub const NEIGHBOURS_K: usize = 10;\n/// Range: 0.0..=5.0\npub const OTHER: f64 = 1.0;\n";
        let (text, repairs) = damage(params, 0.5);
        assert!(
            text.contains("pub const SHIFT_PROBABILITY: f64 = 0.55;"),
            "{text}"
        );
        assert!(
            text.contains("pub const NEIGHBOURS_K: usize = 55;"),
            "{text}"
        );
        assert!(text.contains("pub const OTHER: f64 = 1.0;"));
        assert_eq!(repairs.len(), 2);
        let script = repair_script_text(&repairs);
        assert!(
            script.contains(
                "1) sed -i -E 's/^(pub const SHIFT_PROBABILITY: [a-z0-9]+ = )0\\.55;/\\10.1;/'"
            ),
            "{script}"
        );
    }
}
