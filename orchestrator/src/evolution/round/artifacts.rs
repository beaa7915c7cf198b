//! What each phase records for the phases after it (the `artifacts` column of the phase
//! log), as one typed structure per phase. A missing or malformed artifact is an error of
//! the phase that reads it — never a default that would pass a check.

use crate::evolution::run::Run;
use anyhow::{anyhow, Context};
use memory::{PairedEstimate, Phase, RoundOutcome, ValidityCheck};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Why a candidate was turned down before it was scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    pub outcome: RoundOutcome,
    pub message: String,
    /// The sandbox's own name of the rejection (`network_denied`, `timeout`, …), if it came
    /// from the sandbox.
    pub sandbox_kind: Option<String>,
}

impl Rejected {
    pub fn new(outcome: RoundOutcome, message: impl Into<String>) -> Rejected {
        Rejected {
            outcome,
            message: message.into(),
            sandbox_kind: None,
        }
    }
}

/// How a sandboxed step ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Step {
    /// It ran and passed.
    Passed { secs: f64 },
    /// It ran and rejected the candidate.
    Rejected(Rejected),
    /// It did not run: an earlier phase rejected the candidate.
    Skipped { because: Rejected },
}

impl Step {
    pub fn rejection(&self) -> Option<&Rejected> {
        match self {
            Step::Passed { .. } => None,
            Step::Rejected(r) | Step::Skipped { because: r } => Some(r),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ParentRolloutArtifacts {
    pub parent: String,
    /// The public evolution seeds.
    pub seeds: Vec<u64>,
    /// The parent's Score on the evolution part, per seed.
    pub evolution_scores: Vec<f64>,
    /// Whether every rollout was already stored.
    pub reused: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttributionArtifacts {
    pub seeds: Vec<u64>,
    pub people: usize,
}

/// How the agent failed to propose a change, if it did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgentFailure {
    pub outcome: RoundOutcome,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProposalArtifacts {
    pub agent: String,
    pub model: Option<String>,
    pub steps: Option<u32>,
    pub transcript: Option<serde_json::Value>,
    /// The change as the agent gave it (a diff text, or the worktree's edits as a diff).
    pub diff: String,
    pub failure: Option<AgentFailure>,
    /// Edits refused for reaching outside the editable scope.
    pub scope_refusals: Vec<Rejected>,
    pub system_prompt: String,
    /// What the prompt left out to fit its budget.
    pub prompt_omissions: Vec<String>,
    /// Previews the agent asked for.
    pub previews: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApplyArtifacts {
    /// The candidate commit (the parent's when nothing was applied).
    pub commit: String,
    pub rejection: Option<Rejected>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildArtifacts {
    pub step: Step,
}

/// One verification rollout.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RolloutInfo {
    pub seed: u64,
    pub us_per_person: u64,
    pub secs: f64,
    /// Rolled out twice and compared byte for byte.
    pub determinism_checked: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerificationArtifacts {
    pub step: Step,
    pub tests_secs: Option<f64>,
    pub rollouts: Vec<RolloutInfo>,
    pub validity: Vec<ValidityCheck>,
    /// The candidate's Score on the evolution part, per evolution seed.
    pub evolution_scores: Vec<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvaluationArtifacts {
    pub step: Step,
    /// Revealed here, after the verdict's rollouts: the round's secret seeds.
    pub decision_seeds: Vec<u64>,
    pub confirmation_seeds: Vec<u64>,
    pub screening: Option<PairedEstimate>,
    pub confirmation: Option<PairedEstimate>,
    pub guard: Option<PairedEstimate>,
    /// Validity of the guard benchmark's diaries (empty without a guard).
    pub guard_validity: Vec<ValidityCheck>,
    /// Whether the applied change makes the code simpler (non-inferiority applies).
    pub simplifies: bool,
    /// Time spent in the bootstrap, seconds.
    pub bootstrap_secs: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecisionArtifacts {
    pub outcome: RoundOutcome,
    pub reason: String,
    /// `main` after the decision, when it moved.
    pub new_main: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportArtifacts {
    pub report: std::path::PathBuf,
    pub agent: String,
}

/// The artifacts phase `phase` of round `r` recorded, as `T`.
pub async fn load<T: DeserializeOwned>(run: &Run, r: u32, phase: Phase) -> anyhow::Result<T> {
    let value = run
        .memory
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
        })?;
    serde_json::from_value(value).with_context(|| {
        format!(
            "round {r}: the artifacts of the {} phase are malformed",
            phase.name()
        )
    })
}

/// `artifacts` as the JSON a phase records.
pub fn to_value<T: Serialize>(artifacts: &T) -> anyhow::Result<serde_json::Value> {
    Ok(serde_json::to_value(artifacts)?)
}

/// The rejection recorded by the apply, build or verification phase of round `r`, if any
/// (the phases before `before` only).
pub async fn earlier_rejection(
    run: &Run,
    r: u32,
    before: Phase,
) -> anyhow::Result<Option<Rejected>> {
    if before > Phase::Apply {
        let apply: ApplyArtifacts = load(run, r, Phase::Apply).await?;
        if let Some(rej) = apply.rejection {
            return Ok(Some(rej));
        }
    }
    if before > Phase::Build {
        let build: BuildArtifacts = load(run, r, Phase::Build).await?;
        if let Some(rej) = build.step.rejection() {
            return Ok(Some(rej.clone()));
        }
    }
    if before > Phase::Verification {
        let v: VerificationArtifacts = load(run, r, Phase::Verification).await?;
        if let Some(rej) = v.step.rejection() {
            return Ok(Some(rej.clone()));
        }
    }
    if before > Phase::Evaluation {
        let e: EvaluationArtifacts = load(run, r, Phase::Evaluation).await?;
        if let Step::Skipped { because } = &e.step {
            return Ok(Some(because.clone()));
        }
        if let Step::Rejected(rej) = &e.step {
            return Ok(Some(rej.clone()));
        }
    }
    Ok(None)
}

/// The kind of a sandbox rejection.
pub fn outcome_of(rejection: &sandbox::Rejection) -> RoundOutcome {
    use sandbox::Rejection as R;
    match rejection {
        R::MalformedDiff { .. } | R::DiffDoesNotApply { .. } => RoundOutcome::MalformedDiff,
        R::OutsideScope { .. } | R::TooLarge { .. } => RoundOutcome::OutsideScope,
        R::EmptyChange => RoundOutcome::NoChange,
        R::CompileError { .. } => RoundOutcome::CompileError,
        R::TestsFailed { .. } => RoundOutcome::TestFailure,
        _ => RoundOutcome::LimitExceeded,
    }
}

/// A sandbox rejection as recorded.
pub fn rejected(rejection: &sandbox::Rejection) -> Rejected {
    let kind = serde_json::to_value(rejection)
        .ok()
        .and_then(|v| v["kind"].as_str().map(str::to_string));
    Rejected {
        outcome: outcome_of(rejection),
        message: rejection.to_string(),
        sandbox_kind: kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_malformed_artifact_is_an_error_never_a_default() {
        let complete = serde_json::json!({
            "step": {"result": "passed", "secs": 1.0},
            "tests_secs": 1.0,
            "rollouts": [],
            "validity": [{"name": "diaries of seed 7", "passed": true, "detail": "ok"}],
            "evolution_scores": [0.9],
        });
        assert!(serde_json::from_value::<VerificationArtifacts>(complete.clone()).is_ok());
        let mut missing = complete.clone();
        missing.as_object_mut().unwrap().remove("validity");
        let err = serde_json::from_value::<VerificationArtifacts>(missing).unwrap_err();
        assert!(err.to_string().contains("validity"), "{err}");
        let mut renamed = complete;
        let v = renamed.as_object_mut().unwrap().remove("validity").unwrap();
        renamed["validity_checks"] = v;
        assert!(serde_json::from_value::<VerificationArtifacts>(renamed).is_err());
    }
}
