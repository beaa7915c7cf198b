//! The proposal phase: the round's prompt, the agent's change, and how the agent failed
//! when it did. A failure of the agent's infrastructure (endpoint unreachable, key refused,
//! command missing) is not the candidate's rejection: it is an error of the phase, retried,
//! then stopping the run.

use crate::evolution::round::artifacts::{
    self, AgentFailure, AttributionArtifacts, ParentRolloutArtifacts, ProposalArtifacts, Rejected,
};
use crate::evolution::round::prompt::{
    best_label, code_for_prompt, editable_sources, preview_help, top_diagnostics, SCOPE_RULES,
};
use crate::evolution::round::rollouts::{fresh_worktree, remove_worktree, worktree_name};
use crate::evolution::run::Run;
use crate::evolution::workbench::WorktreeBench;
use agents::{AgentError, BuiltinContext, Change, PlannedMove, ProposalRequest, Workbench};
use anyhow::Context;
use memory::{Phase, PhaseOutput, PhaseRecord, RoundOutcome};

/// What the proposal phase produced.
pub enum ProposalResult {
    Recorded(Box<PhaseOutput>),
    /// The LLM budget is spent: the run stops cleanly.
    BudgetExhausted(String),
}

/// An agent failure that is the infrastructure's, not the candidate's: the phase fails.
#[derive(Debug, thiserror::Error)]
#[error("the agent is unavailable: {0}")]
pub struct AgentUnavailable(pub String);

/// How an agent error is recorded: a kind of rejection, or (infrastructure) an error.
pub fn classify(error: &AgentError) -> Result<RoundOutcome, AgentUnavailable> {
    match error {
        AgentError::Refused {
            status: 401 | 403 | 404,
            ..
        } => Err(AgentUnavailable(error.to_string())),
        AgentError::Transport { .. } | AgentError::Setup(_) | AgentError::Unavailable(_) => {
            Err(AgentUnavailable(error.to_string()))
        }
        AgentError::NoChange(_) => Ok(RoundOutcome::NoChange),
        AgentError::Declined(_) => Ok(RoundOutcome::AgentDeclined),
        _ => Ok(RoundOutcome::AgentFailed),
    }
}

pub async fn proposal(run: &mut Run, r: u32) -> anyhow::Result<ProposalResult> {
    let rolled: ParentRolloutArtifacts = artifacts::load(run, r, Phase::ParentRollout).await?;
    let _: AttributionArtifacts = artifacts::load(run, r, Phase::Attribution).await?;
    let parent = rolled.parent.clone();
    let attribution = run
        .memory
        .round_record(run.id, r)
        .await?
        .attribution
        .context("the attribution record of this round is missing")?;
    let context = run
        .memory
        .evolution_context(run.id, memory::ContextLimits::default())
        .await?;
    let mode = run.agent.return_mode();
    let wt = fresh_worktree(run, worktree_name(r), parent.clone()).await?;
    let sources = editable_sources(&wt.path);
    let top = top_diagnostics(&attribution.findings)?;
    let rule = run.settings.rule.describe();
    let system_prompt = run.templates.system(&prompts::SystemInput {
        location_task: run.main.bench.task == mobility::Task::ActivityLocation,
        scope_rules: SCOPE_RULES.to_string(),
        rule: rule.clone(),
    })?;
    let round_prompt = run.templates.round(
        &prompts::RoundInput {
            round: r,
            benchmark: run.main.name.clone(),
            task: evaluator::task_name(run.main.bench.task).to_string(),
            parent_commit: parent.clone(),
            parent_score: attribution.metrics.score,
            best: best_label(run).await?,
            rule,
            attribution: attribution.text.clone(),
            memory_lines: context.lines_text(),
            memory_details: context.detail_entries(),
            files: sources.keys().cloned().collect(),
            code: code_for_prompt(&sources, &top, mode),
            preview: preview_help(run.agent.name(), mode),
            mode,
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
    let bench = WorktreeBench::new(
        run.repo.clone(),
        run.sandbox.clone(),
        wt.clone(),
        Some(run.preview_context(&parent)),
    );
    let result = run.agent.propose(&request, &bench).await;
    let agent = run.agent.name().to_string();
    let (diff, proposal, failure) = match result {
        Ok(p) => {
            let diff = match &p.change {
                Change::Diff(d) => d.clone(),
                Change::EditedWorktree => bench.current_diff(),
            };
            (diff, Some(p), None)
        }
        Err(AgentError::BudgetExhausted { detail }) => {
            drop(bench);
            remove_worktree(run, wt).await?;
            return Ok(ProposalResult::BudgetExhausted(detail));
        }
        Err(e) => match classify(&e) {
            Ok(outcome) => (
                String::new(),
                None,
                Some(AgentFailure {
                    outcome,
                    message: e.to_string(),
                }),
            ),
            Err(unavailable) => {
                drop(bench);
                remove_worktree(run, wt).await?;
                return Err(unavailable.into());
            }
        },
    };
    let scope_refusals: Vec<Rejected> = bench
        .scope_refusals()
        .iter()
        .map(artifacts::rejected)
        .collect();
    let previews = bench.previews();
    drop(bench);
    remove_worktree(run, wt).await?;
    let target = proposal
        .as_ref()
        .map(|p| p.target.clone())
        .unwrap_or_else(|| "none (the agent made no proposal)".into());
    let known = evaluator::diagnostic_inventory(run.main.bench.task);
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
            .or_else(|| failure.as_ref().map(|f| f.message.clone()))
            .unwrap_or_default(),
        // The applied change's summary replaces this at apply; until then, what was asked.
        intervention: if diff.trim().is_empty() {
            "no change".into()
        } else {
            "a change (summarised once applied)".into()
        },
        rationale: proposal
            .as_ref()
            .map(|p| p.rationale.clone())
            .unwrap_or_default(),
    };
    let artifacts = ProposalArtifacts {
        agent,
        model: proposal.as_ref().and_then(|p| p.model.clone()),
        steps: proposal.as_ref().map(|p| p.steps),
        transcript: proposal.as_ref().map(|p| p.transcript.clone()),
        diff,
        failure,
        scope_refusals,
        system_prompt,
        prompt_omissions: round_prompt.cuts,
        previews,
    };
    Ok(ProposalResult::Recorded(Box::new(PhaseOutput {
        artifacts: artifacts::to_value(&artifacts)?,
        record: PhaseRecord::Proposal(record),
    })))
}

/// The built-in agent's evidence: the ranking and its earlier moves with their outcome. A
/// history entry it cannot read is an error of the phase, never a silently forgotten try.
async fn builtin_context(
    run: &Run,
    r: u32,
    findings: &serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let ranked: Vec<(String, f64)> = findings["ranked_diagnostics"]
        .as_array()
        .context("the attribution record has no ranked diagnostics")?
        .iter()
        .map(|d| {
            let name = d["name"]
                .as_str()
                .context("a ranked diagnostic has no name")?;
            let value = d["value"]
                .as_f64()
                .context("a ranked diagnostic has no value")?;
            let weight = d["weight"]
                .as_f64()
                .context("a ranked diagnostic has no weight")?;
            Ok((name.to_string(), value * weight))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut history = Vec::new();
    let mut needed_gain = None;
    for earlier in 1..r {
        let proposal: ProposalArtifacts = artifacts::load(run, earlier, Phase::Proposal).await?;
        let decision: artifacts::DecisionArtifacts =
            artifacts::load(run, earlier, Phase::Decision).await?;
        let evaluation: artifacts::EvaluationArtifacts =
            artifacts::load(run, earlier, Phase::Evaluation).await?;
        let Some(transcript) = proposal.transcript else {
            continue; // the agent made no proposal that round
        };
        let Some(planned) = transcript.get("builtin_move") else {
            continue; // another agent's round (a run's agent never changes, but be exact)
        };
        let planned: PlannedMove = serde_json::from_value(planned.clone()).with_context(|| {
            format!("round {earlier}: the built-in agent's recorded move cannot be read")
        })?;
        let improvement = evaluation
            .screening
            .as_ref()
            .map(|s| s.improvement)
            .unwrap_or(0.0);
        let standard_error = evaluation.screening.as_ref().map(|s| s.standard_error);
        if let Some(s) = &evaluation.screening {
            let z = crate::evolution::paired_test::normal_quantile(run.settings.rule.confidence);
            needed_gain = Some((z * s.standard_error).max(run.settings.rule.min_effect));
        }
        history.extend(planned.outcomes(
            earlier,
            decision.outcome == RoundOutcome::Accepted,
            improvement,
            standard_error,
        ));
        // The moves it previewed but did not propose: what their previews found.
        if let Some(previewed) = transcript.get("previewed") {
            let previewed: Vec<agents::builtin::PreviewedMove> =
                serde_json::from_value(previewed.clone()).with_context(|| {
                    format!("round {earlier}: the built-in agent's previews cannot be read")
                })?;
            for p in previewed {
                if p.planned == planned {
                    continue;
                }
                if let Some(gain) = p.improvement {
                    history.extend(p.planned.outcomes(earlier, false, gain, p.standard_error));
                }
            }
        }
    }
    Ok(serde_json::to_value(BuiltinContext {
        ranked_diagnostics: ranked,
        builtin_history: history,
        // What the rule needed last time a candidate was scored (a first guess before).
        noise_floor: needed_gain.unwrap_or(0.01),
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infrastructure_failures_are_not_rejections() {
        let unavailable = [
            AgentError::Refused {
                status: 401,
                message: "bad key".into(),
            },
            AgentError::Refused {
                status: 403,
                message: "forbidden".into(),
            },
            AgentError::Refused {
                status: 404,
                message: "no such model".into(),
            },
            AgentError::Transport {
                attempts: 5,
                message: "connection refused".into(),
            },
            AgentError::Setup("cannot write the prompt".into()),
            AgentError::Unavailable("command not found".into()),
        ];
        for e in unavailable {
            assert!(classify(&e).is_err(), "{e} was taken for a rejection");
        }
        let rejections = [
            (
                AgentError::Refused {
                    status: 400,
                    message: "context too long".into(),
                },
                RoundOutcome::AgentFailed,
            ),
            (
                AgentError::Protocol("not JSON".into()),
                RoundOutcome::AgentFailed,
            ),
            (
                AgentError::StepLimit { steps: 30 },
                RoundOutcome::AgentFailed,
            ),
            (
                AgentError::Timeout(std::time::Duration::from_secs(1)),
                RoundOutcome::AgentFailed,
            ),
            (
                AgentError::NoChange("nothing edited".into()),
                RoundOutcome::NoChange,
            ),
            (
                AgentError::Declined("not today".into()),
                RoundOutcome::AgentDeclined,
            ),
        ];
        for (e, outcome) in rejections {
            assert_eq!(classify(&e).unwrap(), outcome, "{e}");
        }
    }
}
