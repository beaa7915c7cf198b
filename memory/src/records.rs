//! The typed records a run writes: its configuration, evaluator metrics, and the records of
//! the evolution context (attribution record, proposal, verification record, trial).
//!
//! Metrics and free-form findings are stored as JSON text columns; everything the loop
//! queries on (scores, the targeted diagnostic, accept/reject) is also a plain column.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::change_summary::ChangeSummary;
use crate::evidence::DecisionEvidence;
use crate::outcome::RoundOutcome;

/// The frozen configuration of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// Prepared benchmark name, e.g. `atus-2014`.
    pub benchmark: String,
    /// The benchmark's content hash (from its manifest).
    pub benchmark_hash: String,
    /// The evaluator's version string.
    pub evaluator_version: String,
    /// The coding agent, e.g. `claude-code`.
    pub agent: String,
    /// The model the agent uses.
    pub model: String,
    /// Rollout seeds.
    pub seeds: Vec<u64>,
    /// The acceptance rule in words, as shown to people and agents.
    pub acceptance_rule: String,
    /// The acceptance rule's parameters (JSON written by the orchestrator; frozen).
    pub rule: serde_json::Value,
    /// Budgets.
    pub budgets: Budgets,
    /// The generator the run starts from (a git commit).
    pub initial_commit: String,
}

/// Limits of a run; `None` = unlimited.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Budgets {
    /// Rounds.
    pub max_rounds: Option<u32>,
    /// LLM tokens, in plus out.
    pub max_tokens: Option<u64>,
    /// LLM spend in US dollars.
    pub max_cost_usd: Option<f64>,
    /// Wall time in seconds.
    pub max_wall_secs: Option<u64>,
}

/// Status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Being evolved (or interrupted and resumable).
    Active,
    /// Ran to the end of its budget.
    Finished,
    /// Stopped by an unrecoverable error.
    Failed,
    /// Stopped by the user.
    Stopped,
}

impl RunStatus {
    /// The name stored in the database.
    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Active => "active",
            RunStatus::Finished => "finished",
            RunStatus::Failed => "failed",
            RunStatus::Stopped => "stopped",
        }
    }

    /// The status with this stored name.
    pub fn from_name(name: &str) -> Option<RunStatus> {
        [
            RunStatus::Active,
            RunStatus::Finished,
            RunStatus::Failed,
            RunStatus::Stopped,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }
}

/// One evaluation's numbers: the Score, the three group scores and every diagnostic by name.
/// Lower is better everywhere.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Individual + Distribution + Behavior.
    pub score: f64,
    /// Group scores by name (`individual`, `distribution`, `behavior`).
    pub groups: BTreeMap<String, f64>,
    /// Diagnostics by name.
    pub diagnostics: BTreeMap<String, f64>,
}

/// Candidate minus parent, for the score, each group and each diagnostic both have.
/// Negative = the candidate is better.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Score difference.
    pub score: f64,
    /// Group differences.
    pub groups: BTreeMap<String, f64>,
    /// Diagnostic differences.
    pub diagnostics: BTreeMap<String, f64>,
}

impl Comparison {
    /// `candidate − parent` on every shared key.
    pub fn between(parent: &Metrics, candidate: &Metrics) -> Comparison {
        let diff = |a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>| {
            b.iter()
                .filter_map(|(k, v)| a.get(k).map(|p| (k.clone(), v - p)))
                .collect()
        };
        Comparison {
            score: candidate.score - parent.score,
            groups: diff(&parent.groups, &candidate.groups),
            diagnostics: diff(&parent.diagnostics, &candidate.diagnostics),
        }
    }
}

/// attribution_record: what the agent was shown about the parent's failures this round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributionRecord {
    /// The record exactly as rendered for the agent.
    pub text: String,
    /// The parent's metrics.
    pub metrics: Metrics,
    /// Localized evidence: slots, segments, confusions, example diaries (free-form JSON).
    pub findings: serde_json::Value,
}

/// The agent's proposal and the prompt that produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// The rendered prompt sent to the agent.
    pub prompt: String,
    /// The failure mode the proposal targets.
    pub failure_mode: String,
    /// The diagnostic it expects to improve, if it names one.
    pub target_diagnostic: Option<String>,
    /// Why the agent thinks the failure happens.
    pub hypothesis: String,
    /// One line: what it changes.
    pub intervention: String,
    /// Why this change should fix it.
    pub rationale: String,
}

/// The candidate generator the proposal was applied to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Its git commit (the parent's when nothing was applied).
    pub commit: String,
    /// The diff from the parent, as applied: read back from the repository after applying,
    /// never the agent's text ("" when nothing was applied).
    pub diff: String,
    /// The applied change summarised once, for every reader.
    pub summary: ChangeSummary,
}

/// Outcome of a build or test step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepOutcome {
    /// Whether it succeeded.
    pub ok: bool,
    /// Its (possibly truncated) log.
    pub log: String,
}

/// One validity check of the candidate's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidityCheck {
    /// Check name.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// What it found.
    pub detail: String,
}

/// verification_record: everything the decision rests on, and the decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerificationRecord {
    /// Build.
    pub build: StepOutcome,
    /// Tests.
    pub tests: StepOutcome,
    /// Validity checks.
    pub validity: Vec<ValidityCheck>,
    /// The candidate's metrics, if it got as far as evaluation.
    pub metrics: Option<Metrics>,
    /// The parent's metrics.
    pub parent_metrics: Metrics,
    /// Candidate minus parent (see [`Comparison::between`]), if evaluated.
    pub comparison: Option<Comparison>,
    /// Promoted to the current generator?
    pub accepted: bool,
    /// The kind of decision.
    pub outcome: RoundOutcome,
    /// Why, in one sentence.
    pub reason: String,
    /// The statistics the decision rests on, if the candidate was scored.
    pub evidence: Option<DecisionEvidence>,
}

/// trial_memory: one completed heuristic-evolution trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// The failure mode targeted.
    pub failure_mode: String,
    /// The diagnostic it targeted, if named.
    pub target_diagnostic: Option<String>,
    /// The hypothesis.
    pub hypothesis: String,
    /// One line: the intervention.
    pub intervention: String,
    /// The intervention as a diff.
    pub diff: String,
    /// The agent's rationale.
    pub rationale: String,
    /// The parent's metrics.
    pub before: Metrics,
    /// The candidate's metrics, if it was evaluated.
    pub after: Option<Metrics>,
    /// Accepted or rejected.
    pub accepted: bool,
    /// The consolidated lesson.
    pub lesson: String,
}

impl Trial {
    /// The targeted diagnostic before and after, when both are known.
    pub fn target_values(&self) -> (Option<f64>, Option<f64>) {
        let Some(name) = &self.target_diagnostic else {
            return (None, None);
        };
        (
            self.before.diagnostics.get(name).copied(),
            self.after
                .as_ref()
                .and_then(|m| m.diagnostics.get(name).copied()),
        )
    }
}

/// The typed record a phase writes together with its artifacts.
#[derive(Debug, Clone, PartialEq)]
pub enum PhaseRecord {
    /// No typed record; artifacts only.
    None,
    /// For [`crate::Phase::Attribution`].
    Attribution(AttributionRecord),
    /// For [`crate::Phase::Proposal`].
    Proposal(Proposal),
    /// For [`crate::Phase::Apply`].
    Candidate(Candidate),
    /// For [`crate::Phase::Decision`]: the verification record with the decision.
    Verification(Box<VerificationRecord>),
    /// For [`crate::Phase::Report`].
    Trial(Trial),
}

impl PhaseRecord {
    /// The phase this kind of record belongs to (`None` fits every phase).
    pub fn phase(&self) -> Option<crate::Phase> {
        use crate::Phase;
        match self {
            PhaseRecord::None => None,
            PhaseRecord::Attribution(_) => Some(Phase::Attribution),
            PhaseRecord::Proposal(_) => Some(Phase::Proposal),
            PhaseRecord::Candidate(_) => Some(Phase::Apply),
            PhaseRecord::Verification(_) => Some(Phase::Decision),
            PhaseRecord::Trial(_) => Some(Phase::Report),
        }
    }

    /// A short name for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            PhaseRecord::None => "no record",
            PhaseRecord::Attribution(_) => "an attribution record",
            PhaseRecord::Proposal(_) => "a proposal",
            PhaseRecord::Candidate(_) => "a candidate",
            PhaseRecord::Verification(_) => "a verification record",
            PhaseRecord::Trial(_) => "a trial",
        }
    }
}

/// What finishing a phase writes, in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseOutput {
    /// Paths, hashes and small results the phase produced (reused on resume).
    pub artifacts: serde_json::Value,
    /// The typed record, if this phase has one.
    pub record: PhaseRecord,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(score: f64, d: &[(&str, f64)]) -> Metrics {
        Metrics {
            score,
            groups: BTreeMap::new(),
            diagnostics: d.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn comparison_is_candidate_minus_parent_on_shared_keys() {
        let c = Comparison::between(
            &m(1.0, &[("a", 0.5), ("b", 0.25)]),
            &m(0.75, &[("a", 0.25), ("c", 1.0)]),
        );
        assert_eq!(c.score, -0.25);
        assert_eq!(c.diagnostics.len(), 1);
        assert_eq!(c.diagnostics["a"], -0.25);
    }
}
