//! Shared fixtures: temporary folders, a run configuration, metrics and a full round.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use memory::{
    AttributionRecord, Budgets, Candidate, ChangeSummary, Comparison, FileChange, Memory, Metrics,
    Phase, PhaseOutput, PhaseRecord, Proposal, RoundOutcome, RunConfig, RunLock, StepOutcome,
    Trial, ValidityCheck, VerificationRecord,
};
use serde_json::json;

/// A fresh folder under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "mobevolve-memory-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn db(&self) -> PathBuf {
        self.0.join("run.sqlite")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn config() -> RunConfig {
    RunConfig {
        benchmark: "atus-2014".into(),
        benchmark_hash: "sha256:abc123".into(),
        evaluator_version: "evaluator 0.1.0".into(),
        agent: "claude-code".into(),
        model: "claude-test".into(),
        seeds: vec![7, 11],
        acceptance_rule: "score < parent - 1e-4".into(),
        rule: serde_json::json!({"confidence": 0.95}),
        budgets: Budgets {
            max_rounds: Some(40),
            max_tokens: None,
            max_cost_usd: Some(25.5),
            max_wall_secs: Some(86_400),
        },
        initial_commit: "c0".into(),
    }
}

pub fn metrics(score: f64, diagnostics: &[(&str, f64)]) -> Metrics {
    Metrics {
        score,
        groups: BTreeMap::from([
            ("individual".to_string(), score * 0.5),
            ("distribution".to_string(), score * 0.3),
            ("behavior".to_string(), score * 0.2),
        ]),
        diagnostics: diagnostics
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
    }
}

/// What one test round proposes and measures.
#[derive(Clone)]
pub struct RoundPlan {
    pub round: u32,
    pub parent_commit: String,
    pub failure_mode: String,
    pub target: String,
    pub diff: String,
    pub intervention: String,
    pub before: Metrics,
    pub after: Metrics,
    pub accepted: bool,
}

impl RoundPlan {
    pub fn new(round: u32, parent: &str, before: f64, after: f64, accepted: bool) -> RoundPlan {
        RoundPlan {
            round,
            parent_commit: parent.into(),
            failure_mode: format!("failure {round}"),
            target: "hourly_jsd_mean".into(),
            diff: format!(
                "--- a/h.rs\n+++ b/h.rs\n@@ -1 +1 @@\n-let p = 0.{round};\n+let p = 0.{round}5;\n"
            ),
            intervention: format!("change p in round {round}"),
            before: metrics(before, &[("hourly_jsd_mean", before / 10.0)]),
            after: metrics(after, &[("hourly_jsd_mean", after / 10.0)]),
            accepted,
        }
    }

    pub fn candidate_commit(&self) -> String {
        format!("c{}", self.round)
    }

    pub fn attribution(&self) -> AttributionRecord {
        AttributionRecord {
            text: format!("Round {}: afternoon Travel under-predicted", self.round),
            metrics: self.before.clone(),
            findings: json!({"slots": [14, 15, 16], "segment": "employed/weekday"}),
        }
    }

    pub fn proposal(&self) -> Proposal {
        Proposal {
            prompt: format!("PROMPT for round {}", self.round),
            failure_mode: self.failure_mode.clone(),
            target_diagnostic: Some(self.target.clone()),
            hypothesis: "anchors collapsed".into(),
            intervention: self.intervention.clone(),
            rationale: "keep sparse anchors".into(),
        }
    }

    pub fn verification(&self) -> VerificationRecord {
        VerificationRecord {
            build: StepOutcome {
                ok: true,
                log: "Finished".into(),
            },
            tests: StepOutcome {
                ok: true,
                log: "12 passed".into(),
            },
            validity: vec![ValidityCheck {
                name: "24 slots".into(),
                passed: true,
                detail: "all diaries complete".into(),
            }],
            metrics: Some(self.after.clone()),
            parent_metrics: self.before.clone(),
            comparison: Some(Comparison::between(&self.before, &self.after)),
            accepted: self.accepted,
            outcome: if self.accepted {
                RoundOutcome::Accepted
            } else {
                RoundOutcome::NotBetter
            },
            reason: if self.accepted {
                "score improved".into()
            } else {
                "score got worse".into()
            },
            evidence: None,
        }
    }

    pub fn candidate(&self) -> Candidate {
        Candidate {
            commit: self.candidate_commit(),
            diff: self.diff.clone(),
            summary: ChangeSummary {
                files: vec![FileChange {
                    path: "heuristics/src/params.rs".into(),
                    added: 1,
                    removed: 1,
                    created: None,
                }],
                ..ChangeSummary::default()
            },
        }
    }

    pub fn trial(&self) -> Trial {
        Trial {
            failure_mode: self.failure_mode.clone(),
            target_diagnostic: Some(self.target.clone()),
            hypothesis: "anchors collapsed".into(),
            intervention: self.intervention.clone(),
            diff: self.diff.clone(),
            rationale: "keep sparse anchors".into(),
            before: self.before.clone(),
            after: Some(self.after.clone()),
            accepted: self.accepted,
            lesson: format!("lesson of round {}", self.round),
        }
    }

    /// The output of `phase` in this plan.
    pub fn output(&self, phase: Phase) -> PhaseOutput {
        let record = match phase {
            Phase::Attribution => PhaseRecord::Attribution(self.attribution()),
            Phase::Proposal => PhaseRecord::Proposal(self.proposal()),
            Phase::Apply => PhaseRecord::Candidate(self.candidate()),
            Phase::Decision => PhaseRecord::Verification(Box::new(self.verification())),
            Phase::Report => PhaseRecord::Trial(self.trial()),
            _ => PhaseRecord::None,
        };
        PhaseOutput {
            artifacts: json!({"phase": phase.name(), "round": self.round}),
            record,
        }
    }
}

/// Begin the round (idempotent) and run the given phases of it in order.
pub async fn run_phases(memory: &Memory, lock: &RunLock, plan: &RoundPlan, phases: &[Phase]) {
    memory
        .begin_round(lock, plan.round, &plan.parent_commit)
        .await
        .unwrap();
    for &phase in phases {
        memory.begin_phase(lock, plan.round, phase).await.unwrap();
        memory
            .record_phase(lock, plan.round, phase, &plan.output(phase))
            .await
            .unwrap();
    }
}

/// A whole round.
pub async fn run_round(memory: &Memory, lock: &RunLock, plan: &RoundPlan) {
    run_phases(memory, lock, plan, &Phase::ALL).await;
}

/// A file's bytes, to check it was not modified.
pub fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}
