//! One round, phase by phase. Each phase reads what earlier phases recorded (their
//! artifacts in the database, files in the run folder), does its work, and is recorded
//! in one transaction before the next starts. A process that dies mid-round therefore
//! resumes at the first unrecorded phase, with nothing to remember.
//!
//! Phases: parent rollout → attribution → proposal → apply → build → verification →
//! evaluation → decision → report. Once a candidate is rejected (its change does not
//! apply, does not build, fails its tests or limits), the phases up to the decision are
//! recorded as skipped and the decision records the rejection.

use crate::evolution::decision::{noise_floor, AcceptanceRule, Scores};
use crate::evolution::evaluations::{mean_metrics, mean_scores};
use crate::evolution::faults;
use crate::evolution::progress::Progress;
use crate::evolution::run::Run;
use crate::evolution::workbench::WorktreeBench;
use crate::scoring::EvaluationReport;
use agents::{AgentError, BuiltinContext, Change, PlannedMove, ProposalRequest, Workbench};
use anyhow::{anyhow, Context};
use memory::{
    Candidate, Phase, PhaseOutput, PhaseRecord, ResumePoint, StepOutcome, Trial, ValidityCheck,
    VerificationRecord,
};
use mobility::DiaryTable;
use sandbox::{RolloutPersons, RolloutRequest, Worktree};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::time::Instant;

/// How a round ended.
pub enum RoundEnd {
    Done,
    Interrupted,
    BudgetExhausted(String),
}

/// What a phase produced: its record, or a reason to stop the run cleanly.
enum PhaseResult {
    Output(Box<PhaseOutput>),
    BudgetExhausted(String),
}

/// The rules of the editable scope, as the agent is told them (the sandbox enforces them).
pub const SCOPE_RULES: &str = "\
- Only Rust sources under heuristics/src/ may change (new .rs files there are allowed).
- heuristics/Cargo.toml (no new dependencies), heuristics/tests/ (the validity guards), mobility/,
  the evaluator, the data and every other file are protected.
- No symlinks, binary files, `..` or absolute paths; a change is at most 64 files and 200 KB.";

/// Why a candidate was turned down before it could be scored.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Rejected {
    /// `agent`, or the sandbox's rejection kind (`compile_error`, `timeout`, …).
    kind: String,
    message: String,
}

pub async fn run_round(
    run: &mut Run,
    point: ResumePoint,
    progress: &Progress,
) -> anyhow::Result<RoundEnd> {
    let r = point.round;
    if !point.round_started {
        let parent = run.memory.run_summary(run.id).await?.current_commit;
        run.memory.begin_round(&run.lock, r, &parent).await?;
    }
    let mut phase = point.phase;
    loop {
        if run.interrupted.load(Ordering::SeqCst) {
            return Ok(RoundEnd::Interrupted);
        }
        progress.phase(r, phase);
        run.memory.begin_phase(&run.lock, r, phase).await?;
        let started = Instant::now();
        // On Ctrl-C the phase's future is dropped (an agent's processes die with it) and
        // the sandbox kills the candidate it waits for; the phase is recorded as
        // interrupted, not failed, and redone on resume.
        let interrupt = run.interrupt.clone();
        let result = tokio::select! {
            result = async {
                faults::maybe_hold(r, phase).await;
                execute(run, r, phase, progress).await
            } => result,
            () = interrupt.wait() => Err(anyhow!("interrupted")),
        };
        let output = match result {
            Err(_) if interrupt.is_requested() => {
                run.memory.interrupt_phase(&run.lock, r, phase).await?;
                progress.line(&format!(
                    "round {r}: {} interrupted; `orchestrator resume {}` redoes it",
                    phase.name(),
                    run.id
                ));
                return Ok(RoundEnd::Interrupted);
            }
            Ok(PhaseResult::Output(output)) => *output,
            Ok(PhaseResult::BudgetExhausted(why)) => {
                run.memory.fail_phase(&run.lock, r, phase, &why).await?;
                progress.line(&format!(
                    "round {r}: the LLM budget is spent ({why}); the run stops here"
                ));
                return Ok(RoundEnd::BudgetExhausted(why));
            }
            Err(e) => {
                let message = format!("{e:#}");
                let context = match run.memory.fail_phase(&run.lock, r, phase, &message).await {
                    Ok(()) => format!("round {r}, phase {}", phase.name()),
                    // A full disk or a read-only folder can refuse this write too: the
                    // phase's own error is the one to report.
                    Err(db) => format!(
                        "round {r}, phase {} (the failure could not be recorded: {db})",
                        phase.name()
                    ),
                };
                return Err(e.context(context));
            }
        };
        tracing::debug!(
            round = r,
            phase = phase.name(),
            secs = started.elapsed().as_secs_f64(),
            "phase done"
        );
        faults::maybe_kill(r, phase, faults::Moment::During);
        run.memory
            .record_phase(&run.lock, r, phase, &output)
            .await?;
        faults::maybe_kill(r, phase, faults::Moment::After);
        match Phase::ALL.get(phase.position() + 1) {
            Some(next) => phase = *next,
            None => return Ok(RoundEnd::Done),
        }
    }
}

async fn execute(
    run: &mut Run,
    r: u32,
    phase: Phase,
    progress: &Progress,
) -> anyhow::Result<PhaseResult> {
    let output = match phase {
        Phase::ParentRollout => parent_rollout(run, r).await?,
        Phase::Attribution => attribution(run, r).await?,
        Phase::Proposal => return proposal(run, r).await,
        Phase::Apply => apply(run, r).await?,
        Phase::Build => build(run, r).await?,
        Phase::Verification => verification(run, r).await?,
        Phase::Evaluation => evaluation(run, r).await?,
        Phase::Decision => decision(run, r).await?,
        Phase::Report => report(run, r, progress).await?,
    };
    Ok(PhaseResult::Output(Box::new(output)))
}

fn output(artifacts: Value) -> PhaseOutput {
    PhaseOutput {
        artifacts,
        record: PhaseRecord::None,
    }
}

fn worktree_name(r: u32) -> String {
    format!("round-{r:04}")
}

/// The artifacts a finished phase of round `r` recorded.
async fn artifacts(run: &Run, r: u32, phase: Phase) -> anyhow::Result<Value> {
    run.memory
        .phase_log(run.id, r)
        .await?
        .into_iter()
        .find(|e| e.phase == phase)
        .and_then(|e| e.artifacts)
        .ok_or_else(|| {
            anyhow!(
                "round {r}: the {} phase has no recorded artifacts",
                phase.name()
            )
        })
}

async fn parent_commit(run: &Run, r: u32) -> anyhow::Result<String> {
    Ok(run.memory.round_record(run.id, r).await?.parent_commit)
}

/// The rejection recorded by an earlier phase of round `r`, if any.
async fn earlier_rejection(run: &Run, r: u32, before: Phase) -> anyhow::Result<Option<Rejected>> {
    for phase in [Phase::Apply, Phase::Build, Phase::Verification] {
        if phase.position() >= before.position() {
            break;
        }
        let a = artifacts(run, r, phase).await?;
        if let Some(rej) = a.get("rejection").filter(|v| !v.is_null()) {
            return Ok(Some(serde_json::from_value(rej.clone())?));
        }
    }
    Ok(None)
}

fn skipped(rejected: &Rejected) -> PhaseOutput {
    output(json!({ "skipped": format!("the candidate was rejected: {}", rejected.message) }))
}

/// Runs a blocking sandbox operation on the run repository off the async runtime.
async fn with_repo<T: Send + 'static>(
    run: &Run,
    f: impl FnOnce(&sandbox::RunRepo, &sandbox::Sandbox) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let repo = run.repo.clone();
    let sandbox = run.sandbox.clone();
    tokio::task::spawn_blocking(move || {
        let repo = repo
            .lock()
            .map_err(|_| anyhow!("the run repository lock is poisoned"))?;
        f(&repo, &sandbox)
    })
    .await?
}

/// A fresh worktree `name` at `commit` (any leftover of the same name is removed first).
async fn fresh_worktree(run: &Run, name: String, commit: String) -> anyhow::Result<Worktree> {
    with_repo(run, move |repo, _| {
        repo.cleanup_stale_worktrees()?;
        Ok(repo.create_worktree(&name, &commit)?)
    })
    .await
}

async fn remove_worktree(run: &Run, wt: Worktree) -> anyhow::Result<()> {
    with_repo(run, move |repo, _| Ok(repo.remove_worktree(&wt)?)).await
}

fn rollout_request(run: &Run, seed: u64) -> RolloutRequest {
    RolloutRequest {
        bench: run.view.clone(),
        persons: RolloutPersons::Split("val".into()),
        seed,
        threads: Some(2),
    }
}

/// Evaluations of `commit` for `seeds`, from the store or by building and rolling it out.
async fn ensure_evaluated(
    run: &Run,
    commit: &str,
    seeds: &[u64],
    worktree: String,
) -> anyhow::Result<(Vec<EvaluationReport>, bool)> {
    let missing: Vec<u64> = seeds
        .iter()
        .copied()
        .filter(|s| run.store.load(commit, *s).is_none())
        .collect();
    if !missing.is_empty() {
        let wt = fresh_worktree(run, worktree, commit.to_string()).await?;
        let requests: Vec<RolloutRequest> =
            missing.iter().map(|s| rollout_request(run, *s)).collect();
        let wt2 = wt.clone();
        let rollouts = with_repo(run, move |repo, sandbox| {
            if let Err(r) = sandbox.build(repo, &wt2)? {
                let r = unless_disk_full(repo, r)?;
                anyhow::bail!("the generator {} does not build: {r}", wt2.parent);
            }
            let mut out = Vec::new();
            for req in &requests {
                let (verified, _) = match sandbox.rollout(repo, &wt2, req)? {
                    Ok(x) => x,
                    Err(r) => {
                        let r = unless_disk_full(repo, r)?;
                        anyhow::bail!("the rollout of {} failed: {r}", wt2.parent)
                    }
                };
                out.push((req.seed, verified.diaries));
            }
            Ok(out)
        })
        .await?;
        remove_worktree(run, wt).await?;
        for (seed, diaries) in rollouts {
            run.store.save_diaries(commit, seed, &diaries)?;
            run.store
                .evaluate_saved(&run.bench, &run.val, commit, seed)?;
        }
    }
    let reports = seeds
        .iter()
        .map(|s| {
            run.store
                .load(commit, *s)
                .ok_or_else(|| anyhow!("the evaluation of {commit} with seed {s} is missing"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((reports, missing.is_empty()))
}

async fn parent_rollout(run: &Run, r: u32) -> anyhow::Result<PhaseOutput> {
    let parent = parent_commit(run, r).await?;
    let eval_seeds = run.settings.eval_seed_list();
    let seeds = if r == 1 {
        run.settings.noise_seed_list()
    } else {
        eval_seeds.clone()
    };
    let (reports, reused) =
        ensure_evaluated(run, &parent, &seeds, format!("parent-{r:04}")).await?;
    let scores: Vec<f64> = reports.iter().map(|e| e.evaluation.score).collect();
    let mean = mean_scores(&reports[..eval_seeds.len()]);
    let mut artifacts = json!({
        "parent": parent,
        "seeds": seeds,
        "scores": scores,
        "mean": mean,
        "reused": reused,
    });
    if r == 1 {
        let floor = noise_floor(&scores, run.settings.eval_seeds);
        artifacts["noise_floor"] = json!(floor);
        artifacts["noise_seeds"] = json!(seeds);
    }
    Ok(output(artifacts))
}

/// The acceptance rule, with the noise floor measured in round 1.
async fn acceptance_rule(run: &Run) -> anyhow::Result<AcceptanceRule> {
    let a = artifacts(run, 1, Phase::ParentRollout).await?;
    Ok(AcceptanceRule {
        noise_floor: a["noise_floor"]
            .as_f64()
            .context("round 1 recorded no noise floor")?,
        max_group_regression: run.settings.max_group_regression,
    })
}

async fn parent_reports(run: &Run, r: u32) -> anyhow::Result<Vec<EvaluationReport>> {
    let parent = parent_commit(run, r).await?;
    Ok(ensure_evaluated(
        run,
        &parent,
        &run.settings.eval_seed_list(),
        format!("parent-{r:04}"),
    )
    .await?
    .0)
}

async fn attribution(run: &Run, r: u32) -> anyhow::Result<PhaseOutput> {
    let parent = parent_commit(run, r).await?;
    let reports = parent_reports(run, r).await?;
    let seed = run.settings.seed;
    let path = run.store.diaries_path(&parent, seed);
    let mut zones = run.bench.zones.clone();
    let location = run.bench.task == mobility::Task::ActivityLocation;
    let table = DiaryTable::read(&path, location.then_some(&mut zones))?;
    let ids: Vec<&str> = run.val.people().iter().map(|p| p.id.as_str()).collect();
    let generated = table
        .aligned_to(&ids)
        .map_err(|m| anyhow!("{}: {m}", path.display()))?;
    let record = evaluator::attribution(
        &run.bench,
        run.val.people(),
        &run.val.diaries,
        &generated,
        &reports[0].evaluation,
        &evaluator::AttributionOptions::default(),
    );
    Ok(PhaseOutput {
        artifacts: json!({ "seed": seed, "diaries": path }),
        record: PhaseRecord::Attribution(memory::AttributionRecord {
            text: record.to_text(),
            metrics: mean_metrics(&reports),
            findings: serde_json::to_value(&record)?,
        }),
    })
}

/// The editable sources, most important first (the prompt budget cuts from the end).
fn editable_code(worktree: &std::path::Path) -> Vec<(String, String)> {
    const FIRST: [&str; 6] = [
        "params.rs",
        "lib.rs",
        "participation.rs",
        "retrieval.rs",
        "adaptation.rs",
        "refinement.rs",
    ];
    let files = crate::evolution::workbench::worktree_files(worktree);
    let mut code: Vec<(String, String)> = files
        .into_iter()
        .filter(|(p, _)| p.starts_with("heuristics/src/") && p.ends_with(".rs"))
        .map(|(p, b)| (p, String::from_utf8_lossy(&b).into_owned()))
        .collect();
    code.sort_by_key(|(p, _)| {
        let name = p.rsplit('/').next().unwrap_or(p);
        (
            FIRST.iter().position(|f| *f == name).unwrap_or(FIRST.len()),
            p.clone(),
        )
    });
    code
}

/// The built-in agent's evidence: the ranking and its earlier moves with their outcome.
async fn builtin_context(run: &Run, r: u32, findings: &Value) -> anyhow::Result<Value> {
    let ranked: Vec<(String, f64)> = findings["ranked_diagnostics"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| {
                    let value = d["value"].as_f64()?;
                    let weight = d["weight"].as_f64().unwrap_or(1.0);
                    Some((d["name"].as_str()?.to_string(), value * weight))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut history = Vec::new();
    for earlier in 1..r {
        let log = run.memory.phase_log(run.id, earlier).await?;
        let find = |p: Phase| {
            log.iter()
                .find(|e| e.phase == p)
                .and_then(|e| e.artifacts.clone())
        };
        let (Some(proposal), Some(decision)) = (find(Phase::Proposal), find(Phase::Decision))
        else {
            continue;
        };
        let Ok(planned) =
            serde_json::from_value::<PlannedMove>(proposal["transcript"]["builtin_move"].clone())
        else {
            continue;
        };
        history.extend(planned.outcomes(
            earlier,
            decision["accepted"].as_bool().unwrap_or(false),
            decision["improvement"].as_f64().unwrap_or(0.0),
        ));
    }
    Ok(serde_json::to_value(BuiltinContext {
        ranked_diagnostics: ranked,
        builtin_history: history,
        noise_floor: acceptance_rule(run).await?.noise_floor,
    })?)
}

async fn proposal(run: &mut Run, r: u32) -> anyhow::Result<PhaseResult> {
    let parent = parent_commit(run, r).await?;
    let rule = acceptance_rule(run).await?;
    let parent_mean: Scores =
        serde_json::from_value(artifacts(run, r, Phase::ParentRollout).await?["mean"].clone())?;
    let trajectory = run.memory.trajectory(run.id).await?;
    let (best_score, best_round) = trajectory
        .iter()
        .filter(|p| p.accepted == Some(true))
        .filter_map(|p| Some((p.candidate_score?, p.round)))
        .fold(
            (parent_mean.score, 0),
            |best, x| if x.0 < best.0 { x } else { best },
        );
    let attribution = run
        .memory
        .round_record(run.id, r)
        .await?
        .attribution
        .context("the attribution record of this round is missing")?;
    let memory_text = run
        .memory
        .evolution_context(run.id, memory::ContextLimits::default())
        .await?
        .to_text();
    let wt = fresh_worktree(run, worktree_name(r), parent.clone()).await?;
    let system_prompt = run.templates.system(&prompts::SystemInput {
        location_task: run.bench.task == mobility::Task::ActivityLocation,
        scope_rules: SCOPE_RULES.to_string(),
        noise_floor: rule.noise_floor,
    })?;
    let round_prompt = run.templates.round(
        &prompts::RoundInput {
            round: r,
            benchmark: run.bench.name.clone(),
            task: evaluator::task_name(run.bench.task).to_string(),
            parent_commit: parent.clone(),
            parent_score: parent_mean.score,
            noise_floor: rule.noise_floor,
            best_score,
            best_round,
            attribution: attribution.text.clone(),
            memory: memory_text,
            code: editable_code(&wt.path),
            mode: run.agent.return_mode(),
        },
        run.settings.prompt_budget,
    )?;
    let request = ProposalRequest {
        run_id: run.id,
        round: r,
        system_prompt: system_prompt.clone(),
        round_prompt: round_prompt.text.clone(),
        worktree: wt.path.clone(),
        context: builtin_context(run, r, &attribution.findings).await?,
    };
    let bench = WorktreeBench::new(run.repo.clone(), run.sandbox.clone(), wt.clone());
    let result = run.agent.propose(&request, &bench).await;
    let agent = run.agent.name().to_string();
    let (diff, proposal, error) = match result {
        Ok(p) => {
            let diff = match &p.change {
                Change::Diff(d) => d.clone(),
                Change::EditedWorktree => bench.current_diff(),
            };
            (diff, Some(p), None)
        }
        Err(AgentError::BudgetExhausted { detail }) => {
            remove_worktree(run, wt).await?;
            return Ok(PhaseResult::BudgetExhausted(detail));
        }
        Err(e) => (String::new(), None, Some(e.to_string())),
    };
    let scope_refusals: Vec<Rejected> = bench
        .scope_refusals()
        .iter()
        .map(sandbox_rejected)
        .collect();
    drop(bench);
    remove_worktree(run, wt).await?;
    let target = proposal
        .as_ref()
        .map(|p| p.target.clone())
        .unwrap_or_else(|| "none (the agent made no proposal)".into());
    let known = evaluator::diagnostic_inventory(run.bench.task);
    let target_diagnostic = known
        .iter()
        .map(|(name, _, _)| *name)
        .find(|name| target.contains(name))
        .map(str::to_string);
    let record = memory::Proposal {
        prompt: round_prompt.text.clone(),
        failure_mode: target,
        target_diagnostic,
        hypothesis: proposal
            .as_ref()
            .map(|p| p.hypothesis.clone())
            .unwrap_or_else(|| error.clone().unwrap_or_default()),
        intervention: diff_summary(&diff),
        rationale: proposal
            .as_ref()
            .map(|p| p.rationale.clone())
            .unwrap_or_default(),
    };
    Ok(PhaseResult::Output(Box::new(PhaseOutput {
        artifacts: json!({
            "agent": agent,
            "model": proposal.as_ref().and_then(|p| p.model.clone()),
            "steps": proposal.as_ref().map(|p| p.steps),
            "transcript": proposal.as_ref().map(|p| p.transcript.clone()),
            "diff": diff,
            "error": error,
            "scope_refusals": scope_refusals,
            "system_prompt": system_prompt,
            "prompt_cuts": round_prompt.cuts,
        }),
        record: PhaseRecord::Proposal(record),
    })))
}

/// `files: a, b; +n −m lines`.
pub fn diff_summary(diff: &str) -> String {
    if diff.trim().is_empty() {
        return "no change".into();
    }
    let files: Vec<&str> = diff
        .lines()
        .filter_map(|l| l.strip_prefix("+++ "))
        .map(|p| p.trim_start_matches("b/"))
        .collect();
    let added = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .count();
    let removed = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .count();
    let mut summary = format!("{}; +{added} −{removed} lines", files.join(", "));
    let constants = constant_changes(diff);
    if !constants.is_empty() {
        summary.push_str("; ");
        summary.push_str(&constants.join(", "));
    }
    summary
}

/// `NAME old → new` for every `const NAME: T = value;` line the diff changes.
fn constant_changes(diff: &str) -> Vec<String> {
    let constant = |line: &str| -> Option<(String, String)> {
        let rest = line.trim().strip_prefix("pub ").unwrap_or(line.trim());
        let (name, rest) = rest.strip_prefix("const ")?.split_once(':')?;
        let value = rest.split_once('=')?.1.trim().strip_suffix(';')?.trim();
        Some((name.trim().to_string(), value.to_string()))
    };
    let removed: Vec<(String, String)> = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .filter_map(|l| constant(&l[1..]))
        .collect();
    diff.lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .filter_map(|l| constant(&l[1..]))
        .filter_map(|(name, new)| {
            let (_, old) = removed.iter().find(|(n, _)| *n == name)?;
            (*old != new).then(|| format!("{name} {old} → {new}"))
        })
        .collect()
}

/// Below this much free space, a sandboxed phase that failed with ENOSPC failed because
/// the disk is full, not because of the candidate.
const DISK_FULL_BYTES: u64 = 512 << 20;

/// `rejection`, unless it is the machine's fault: the phase failed with "No space left on
/// device" and the run folder's file system really is (nearly) full. That is an error of
/// the phase, which fails unrecorded and is redone by `resume` once there is room, never a
/// rejection recorded against the candidate. (The free-space check keeps a candidate that
/// merely prints the message from stopping the run.)
fn unless_disk_full(
    repo: &sandbox::RunRepo,
    rejection: sandbox::Rejection,
) -> anyhow::Result<sandbox::Rejection> {
    let text = rejection.to_string();
    let Some(line) = text
        .lines()
        .find(|l| l.contains("No space left on device") || l.contains("os error 28"))
    else {
        return Ok(rejection);
    };
    match free_bytes(repo.run_dir()) {
        Some(free) if free < DISK_FULL_BYTES => Err(anyhow!(
            "the disk holding {} is full ({} MB free): {}",
            repo.run_dir().display(),
            free >> 20,
            line.trim().trim_start_matches("error: ")
        )),
        _ => Ok(rejection),
    }
}

/// Bytes available to unprivileged writers on the file system holding `path`.
fn free_bytes(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: `c_path` is a valid NUL-terminated string and `stat` a writable statvfs.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    Some(stat.f_bavail as u64 * stat.f_frsize as u64)
}

fn sandbox_rejected(rejection: &sandbox::Rejection) -> Rejected {
    let kind = serde_json::to_value(rejection)
        .ok()
        .and_then(|v| v["kind"].as_str().map(str::to_string))
        .unwrap_or_else(|| "rejected".into());
    Rejected {
        kind,
        message: rejection.to_string(),
    }
}

async fn apply(run: &Run, r: u32) -> anyhow::Result<PhaseOutput> {
    let parent = parent_commit(run, r).await?;
    let proposal = artifacts(run, r, Phase::Proposal).await?;
    let diff = proposal["diff"].as_str().unwrap_or_default().to_string();
    if diff.trim().is_empty() {
        let why = proposal["error"]
            .as_str()
            .map(|e| format!("the agent made no change: {e}"))
            .unwrap_or_else(|| "the agent made no change".into());
        // An agent that proposes nothing after an edit was refused for reaching outside the
        // editable scope is rejected for that violation (the sandbox's own kind and sentence).
        let refusal = proposal["scope_refusals"]
            .as_array()
            .and_then(|r| r.last())
            .and_then(|r| serde_json::from_value::<Rejected>(r.clone()).ok());
        let rejected = match refusal {
            Some(refusal) => Rejected {
                kind: refusal.kind,
                message: format!("{} ({why})", refusal.message),
            },
            None => Rejected {
                kind: "agent".into(),
                message: why,
            },
        };
        return Ok(PhaseOutput {
            artifacts: json!({ "rejection": rejected, "commit": parent }),
            record: PhaseRecord::Candidate(Candidate {
                commit: parent,
                diff,
            }),
        });
    }
    let wt = fresh_worktree(run, worktree_name(r), parent).await?;
    let diff_for_repo = diff.clone();
    let wt2 = wt.clone();
    let (commit, rejection) = with_repo(run, move |repo, sandbox| {
        let limits = sandbox.config().change.clone();
        match repo.apply_diff(&wt2, &diff_for_repo, &limits)? {
            Ok(change) => {
                let files: Vec<&str> = change.files.keys().map(String::as_str).collect();
                let message = format!("candidate {}: {}", wt2.name, files.join(", "));
                Ok((repo.commit_candidate(&wt2, &change, &message)?, None))
            }
            Err(rejection) => Ok((
                repo.reject(&wt2, &rejection, Some(&diff_for_repo))?,
                Some(rejection),
            )),
        }
    })
    .await?;
    remove_worktree(run, wt).await?;
    let rejected = rejection.as_ref().map(sandbox_rejected);
    Ok(PhaseOutput {
        artifacts: json!({ "commit": commit, "rejection": rejected }),
        record: PhaseRecord::Candidate(Candidate { commit, diff }),
    })
}

async fn candidate_commit(run: &Run, r: u32) -> anyhow::Result<String> {
    artifacts(run, r, Phase::Apply).await?["commit"]
        .as_str()
        .map(str::to_string)
        .context("the apply phase recorded no commit")
}

async fn build(run: &Run, r: u32) -> anyhow::Result<PhaseOutput> {
    if let Some(rejected) = earlier_rejection(run, r, Phase::Build).await? {
        return Ok(skipped(&rejected));
    }
    let commit = candidate_commit(run, r).await?;
    let wt = fresh_worktree(run, worktree_name(r), commit).await?;
    let wt2 = wt.clone();
    let result = with_repo(run, move |repo, sandbox| {
        Ok(match sandbox.build(repo, &wt2)? {
            Ok(time) => Ok(time),
            Err(rejection) => {
                let rejection = unless_disk_full(repo, rejection)?;
                repo.reject(&wt2, &rejection, None)?;
                Err(rejection)
            }
        })
    })
    .await?;
    remove_worktree(run, wt).await?;
    Ok(output(match result {
        Ok(time) => json!({ "ok": true, "secs": time.as_secs_f64(), "rejection": null }),
        Err(rejection) => json!({ "ok": false, "rejection": sandbox_rejected(&rejection) }),
    }))
}

async fn verification(run: &Run, r: u32) -> anyhow::Result<PhaseOutput> {
    if let Some(rejected) = earlier_rejection(run, r, Phase::Verification).await? {
        return Ok(skipped(&rejected));
    }
    let commit = candidate_commit(run, r).await?;
    let wt = fresh_worktree(run, worktree_name(r), commit.clone()).await?;
    let wt2 = wt.clone();
    let view_root = run.view_root.clone();
    let requests: Vec<RolloutRequest> = run
        .settings
        .eval_seed_list()
        .iter()
        .map(|s| rollout_request(run, *s))
        .collect();
    let outcome = with_repo(run, move |repo, sandbox| {
        let started = Instant::now();
        // The shared target folder may hold another commit's binary after a restart.
        if let Err(rejection) = sandbox.build(repo, &wt2)? {
            let rejection = unless_disk_full(repo, rejection)?;
            repo.reject(&wt2, &rejection, None)?;
            return Ok(Err(rejection));
        }
        if let Err(rejection) = sandbox.test(repo, &wt2, Some(&view_root))? {
            let rejection = unless_disk_full(repo, rejection)?;
            repo.reject(&wt2, &rejection, None)?;
            return Ok(Err(rejection));
        }
        let tests_secs = started.elapsed().as_secs_f64();
        let mut rollouts = Vec::new();
        for req in &requests {
            match sandbox.rollout(repo, &wt2, req)? {
                Ok((verified, time)) => rollouts.push((req.seed, verified, time)),
                Err(rejection) => {
                    let rejection = unless_disk_full(repo, rejection)?;
                    repo.reject(&wt2, &rejection, None)?;
                    return Ok(Err(rejection));
                }
            }
        }
        Ok(Ok((tests_secs, rollouts)))
    })
    .await?;
    remove_worktree(run, wt).await?;
    let (tests_secs, rollouts) = match outcome {
        Ok(x) => x,
        Err(rejection) => {
            return Ok(output(
                json!({ "ok": false, "rejection": sandbox_rejected(&rejection) }),
            ))
        }
    };
    let mut validity = Vec::new();
    let mut rollout_info = Vec::new();
    for (seed, verified, time) in rollouts {
        run.store.save_diaries(&commit, seed, &verified.diaries)?;
        let report = run.store.validity(&run.bench, &run.val, &commit, seed);
        validity.push(ValidityCheck {
            name: format!("diaries of seed {seed}"),
            passed: report.is_valid(),
            detail: report.to_text(),
        });
        rollout_info.push(json!({
            "seed": seed,
            "us_per_person": verified.us_per_person,
            "secs": time.as_secs_f64(),
            "deterministic": true,
        }));
    }
    Ok(output(json!({
        "ok": true,
        "tests_secs": tests_secs,
        "rollouts": rollout_info,
        "validity": validity,
        "rejection": null,
    })))
}

async fn evaluation(run: &Run, r: u32) -> anyhow::Result<PhaseOutput> {
    if let Some(rejected) = earlier_rejection(run, r, Phase::Evaluation).await? {
        return Ok(skipped(&rejected));
    }
    let commit = candidate_commit(run, r).await?;
    let mut reports = Vec::new();
    for seed in run.settings.eval_seed_list() {
        let report = match run.store.load(&commit, seed) {
            Some(report) => report,
            None => run
                .store
                .evaluate_saved(&run.bench, &run.val, &commit, seed)?,
        };
        reports.push(report);
    }
    Ok(output(json!({
        "seeds": run.settings.eval_seed_list(),
        "scores": reports.iter().map(|r| r.evaluation.score).collect::<Vec<_>>(),
        "mean": mean_scores(&reports),
    })))
}

async fn decision(run: &Run, r: u32) -> anyhow::Result<PhaseOutput> {
    let rule = acceptance_rule(run).await?;
    let parent_reports = parent_reports(run, r).await?;
    let parent_metrics = mean_metrics(&parent_reports);
    let parent_mean = mean_scores(&parent_reports);
    let build = artifacts(run, r, Phase::Build).await?;
    let verification = artifacts(run, r, Phase::Verification).await?;
    let step = |a: &Value, ok_key: &str| StepOutcome {
        ok: a[ok_key].as_bool().unwrap_or(false),
        log: a
            .get("rejection")
            .filter(|v| !v.is_null())
            .and_then(|v| v["message"].as_str())
            .or_else(|| a["skipped"].as_str())
            .unwrap_or("ok")
            .to_string(),
    };
    let validity: Vec<ValidityCheck> =
        serde_json::from_value(verification["validity"].clone()).unwrap_or_default();
    let name = worktree_name(r);
    let (accepted, reason, metrics, improvement) =
        match earlier_rejection(run, r, Phase::Decision).await? {
            Some(rejected) => (
                false,
                format!("rejected ({}): {}", rejected.kind, rejected.message),
                None,
                None,
            ),
            None => {
                let commit = candidate_commit(run, r).await?;
                let reports: Vec<EvaluationReport> = run
                    .settings
                    .eval_seed_list()
                    .iter()
                    .map(|s| {
                        run.store
                            .load(&commit, *s)
                            .context("a candidate evaluation is missing")
                    })
                    .collect::<anyhow::Result<_>>()?;
                let candidate = mean_scores(&reports);
                let valid = validity.iter().all(|v| v.passed);
                let d = rule.decide(&parent_mean, &candidate, valid);
                (
                    d.accepted,
                    d.reason,
                    Some(mean_metrics(&reports)),
                    Some(d.improvement),
                )
            }
        };
    let reason_for_git = reason.clone();
    let scored = metrics.is_some();
    let round_parent = parent_commit(run, r).await?;
    let new_main = with_repo(run, move |repo, _| {
        if accepted {
            // Only this phase moves `main` during a round: if it already moved, an earlier
            // attempt accepted the candidate and died before recording it. Accepting again
            // would put a second, merge commit on `main`.
            let main = repo.main_head()?;
            if main != round_parent {
                return Ok(Some(main));
            }
            Ok(Some(repo.accept(&name)?))
        } else {
            if scored {
                repo.reject_scored(&name, &reason_for_git)?;
            }
            Ok(None)
        }
    })
    .await?;
    let comparison = metrics
        .as_ref()
        .map(|m| memory::Comparison::between(&parent_metrics, m));
    Ok(PhaseOutput {
        artifacts: json!({
            "accepted": accepted,
            "reason": reason,
            "improvement": improvement,
            "noise_floor": rule.noise_floor,
            "new_main": new_main,
        }),
        record: PhaseRecord::Verification(VerificationRecord {
            build: step(&build, "ok"),
            tests: step(&verification, "ok"),
            validity,
            metrics,
            parent_metrics,
            comparison,
            accepted,
            reason,
        }),
    })
}

/// The lesson stored with the trial: what was tried, what happened, what to take from it.
fn lesson(record: &memory::RoundRecord, accepted: bool, reason: &str) -> String {
    let proposal = record.proposal.as_ref();
    let what = proposal
        .map(|p| p.intervention.as_str())
        .unwrap_or("no change");
    let target = proposal.map(|p| p.failure_mode.as_str()).unwrap_or("?");
    let Some(v) = &record.verification else {
        return format!("{what}: {reason}");
    };
    let Some(c) = &v.comparison else {
        return format!(
            "REJECTED before scoring — {reason}. The change to {what} (targeting {target}) must be \
             fixed or abandoned; it never produced diaries."
        );
    };
    let mut moves: Vec<(&String, &f64)> = c.diagnostics.iter().collect();
    moves.sort_by(|a, b| a.1.partial_cmp(b.1).unwrap_or(std::cmp::Ordering::Equal));
    let gains: Vec<String> = moves
        .iter()
        .take(3)
        .filter(|(_, d)| **d < 0.0)
        .map(|(n, d)| format!("{n} {d:+.4}"))
        .collect();
    let losses: Vec<String> = moves
        .iter()
        .rev()
        .take(3)
        .filter(|(_, d)| **d > 0.0)
        .map(|(n, d)| format!("{n} {d:+.4}"))
        .collect();
    format!(
        "{} — {what} (targeting {target}) moved the Score by {:+.4}. Best gains: {}. Worst losses: {}. {}",
        if accepted { "ACCEPTED" } else { "REJECTED" },
        c.score,
        if gains.is_empty() { "none".into() } else { gains.join(", ") },
        if losses.is_empty() { "none".into() } else { losses.join(", ") },
        reason
    )
}

async fn report(run: &Run, r: u32, progress: &Progress) -> anyhow::Result<PhaseOutput> {
    let record = run.memory.round_record(run.id, r).await?;
    let decision = artifacts(run, r, Phase::Decision).await?;
    let proposal_artifacts = artifacts(run, r, Phase::Proposal).await?;
    let accepted = decision["accepted"].as_bool().unwrap_or(false);
    let reason = decision["reason"].as_str().unwrap_or_default().to_string();
    let verification = record
        .verification
        .as_ref()
        .context("the decision's verification record is missing")?;
    let proposal = record
        .proposal
        .clone()
        .context("the proposal record is missing")?;
    let diff = proposal_artifacts["diff"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let agent = proposal_artifacts["agent"]
        .as_str()
        .unwrap_or("?")
        .to_string();
    let lesson = lesson(&record, accepted, &reason);
    let trial = Trial {
        failure_mode: proposal.failure_mode.clone(),
        target_diagnostic: proposal.target_diagnostic.clone(),
        hypothesis: proposal.hypothesis.clone(),
        intervention: proposal.intervention.clone(),
        diff: diff.clone(),
        rationale: proposal.rationale.clone(),
        before: verification.parent_metrics.clone(),
        after: verification.metrics.clone(),
        accepted,
        lesson: lesson.clone(),
    };
    if !accepted {
        // A candidate rejected before it was committed has nothing to prune.
        let apply = artifacts(run, r, Phase::Apply).await?;
        if let Some(commit) = apply["commit"].as_str() {
            run.store.prune_diaries(commit)?;
        }
    }
    let dir = run.dir.join("rounds");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("round-{r:04}.md"));
    let text = format!(
        "# Round {r}\n\nAgent: **{agent}**. Target: {}.\n\nHypothesis: {}\n\nChange: {}\n\n\
         Decision: **{}** — {reason}\n\nLesson: {lesson}\n\n```diff\n{diff}\n```\n",
        proposal.failure_mode,
        proposal.hypothesis,
        proposal.intervention,
        if accepted { "accepted" } else { "rejected" },
    );
    crate::evolution::evaluations::write_atomic(&path, text.as_bytes())?;
    let parent = verification.parent_metrics.score;
    let after = verification
        .metrics
        .as_ref()
        .map(|m| format!("{:.4}", m.score))
        .unwrap_or_else(|| "—".into());
    progress.line(&format!(
        "round {r}: {agent} · {} · Score {parent:.4} → {after} · {}",
        proposal.intervention,
        if accepted {
            "ACCEPTED".to_string()
        } else {
            format!("rejected: {reason}")
        }
    ));
    Ok(PhaseOutput {
        artifacts: json!({ "report": path, "agent": agent }),
        record: PhaseRecord::Trial(trial),
    })
}

#[cfg(test)]
mod tests {
    use super::diff_summary;

    #[test]
    fn a_diff_summary_names_the_files_lines_and_changed_constants() {
        let diff = concat!(
            "--- a/heuristics/src/params.rs\n",
            "+++ b/heuristics/src/params.rs\n",
            "@@ -1,3 +1,3 @@\n",
            " /// Range: 0.0..=5.0\n",
            "-pub const WEIGHT_WORK: f64 = 3.0;\n",
            "+pub const WEIGHT_WORK: f64 = 2.5;\n",
            "-pub const K: usize = 10;\n",
            "+pub const K: usize = 10; // unchanged value\n",
        );
        assert_eq!(
            diff_summary(diff),
            "heuristics/src/params.rs; +2 −2 lines; WEIGHT_WORK 3.0 → 2.5"
        );
        assert_eq!(diff_summary(""), "no change");
    }
}
