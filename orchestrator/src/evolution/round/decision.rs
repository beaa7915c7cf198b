//! The decision phase: the frozen rule applied to what the earlier phases recorded, and
//! `main` moved (or the candidate filed as rejected) accordingly. It computes nothing
//! expensive: the statistics were made in the evaluation phase.

use crate::evolution::evaluations::{mean_metrics, Part};
use crate::evolution::round::artifacts::{
    self, earlier_rejection, ApplyArtifacts, BuildArtifacts, DecisionArtifacts,
    EvaluationArtifacts, Step, VerificationArtifacts,
};
use crate::evolution::round::rollouts::{with_repo, worktree_name};
use crate::evolution::rule::RuleInputs;
use crate::evolution::run::Run;
use anyhow::Context;
use memory::{
    Comparison, Phase, PhaseOutput, PhaseRecord, RoundOutcome, StepOutcome, VerificationRecord,
};

pub async fn decision(run: &Run, r: u32) -> anyhow::Result<PhaseOutput> {
    let round = run.memory.round_record(run.id, r).await?;
    let parent = round.parent_commit.clone();
    let apply: ApplyArtifacts = artifacts::load(run, r, Phase::Apply).await?;
    let build: BuildArtifacts = artifacts::load(run, r, Phase::Build).await?;
    let verification: VerificationArtifacts = artifacts::load(run, r, Phase::Verification).await?;
    let evaluation: EvaluationArtifacts = artifacts::load(run, r, Phase::Evaluation).await?;
    let ctx = &run.main;

    // The parent's pooled selection Score: every seed it was ever scored on in this run.
    let parent_seeds = ctx.store.evaluated_seeds(&parent);
    anyhow::ensure!(
        !parent_seeds.is_empty(),
        "the parent {parent} has no stored evaluation"
    );
    let parent_evaluations: Vec<_> = parent_seeds
        .iter()
        .map(|s| {
            ctx.store
                .load(&parent, *s)
                .context("a parent evaluation vanished")
        })
        .collect::<anyhow::Result<_>>()?;
    let parent_pooled = mean_metrics(parent_evaluations.iter().map(|e| e.part(Part::Selection)));

    let step_outcome = |step: &Step| StepOutcome {
        ok: matches!(step, Step::Passed { .. }),
        log: match step {
            Step::Passed { secs } => format!("passed in {secs:.1} s"),
            Step::Rejected(r) => r.message.clone(),
            Step::Skipped { because } => format!("skipped: {}", because.message),
        },
    };
    let (outcome, reason, evidence, metrics, paired_parent) =
        match earlier_rejection(run, r, Phase::Decision).await? {
            Some(rejected) => {
                let reason = match &rejected.sandbox_kind {
                    Some(kind) => format!("{kind}: {}", rejected.message),
                    None => rejected.message,
                };
                (rejected.outcome, reason, None, None, None)
            }
            None => {
                let screening = evaluation
                    .screening
                    .as_ref()
                    .context("the evaluation phase recorded no screening comparison")?;
                let verdict = run.settings.rule.decide(&RuleInputs {
                    valid: diaries_valid(&verification.validity),
                    simplifies: evaluation.simplifies,
                    screening,
                    confirmation: evaluation.confirmation.as_ref(),
                    guard: evaluation.guard.as_ref(),
                    parent_pooled: (parent_pooled.score, parent_seeds.len()),
                });
                let last = evaluation.confirmation.as_ref().unwrap_or(screening);
                let candidate = mean_selection(run, &apply.commit, &last.seeds)?;
                let paired = mean_selection(run, &parent, &last.seeds)?;
                (
                    verdict.outcome,
                    verdict.reason,
                    Some(verdict.evidence),
                    Some(candidate),
                    Some(paired),
                )
            }
        };
    let accepted = outcome == RoundOutcome::Accepted;
    let committed = apply.rejection.is_none();
    let name = worktree_name(r);
    let reason_for_git = reason.clone();
    let round_parent = parent.clone();
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
            if committed {
                repo.reject_scored(&name, &reason_for_git)?;
            }
            Ok(None)
        }
    })
    .await?;
    let comparison = match (&paired_parent, &metrics) {
        (Some(p), Some(c)) => Some(Comparison::between(p, c)),
        _ => None,
    };
    let validity = verification.validity.clone();
    Ok(PhaseOutput {
        artifacts: artifacts::to_value(&DecisionArtifacts {
            outcome,
            reason: reason.clone(),
            new_main,
        })?,
        record: PhaseRecord::Verification(Box::new(VerificationRecord {
            build: step_outcome(&build.step),
            tests: step_outcome(&verification.step),
            validity,
            metrics,
            parent_metrics: parent_pooled,
            comparison,
            accepted,
            outcome,
            reason,
            evidence,
        })),
    })
}

/// Mean selection-part metrics of `commit` over `seeds`.
fn mean_selection(run: &Run, commit: &str, seeds: &[u64]) -> anyhow::Result<memory::Metrics> {
    let evaluations: Vec<_> = seeds
        .iter()
        .map(|s| {
            run.main
                .store
                .load(commit, *s)
                .with_context(|| format!("the evaluation of {commit} with seed {s} is missing"))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(mean_metrics(
        evaluations.iter().map(|e| e.part(Part::Selection)),
    ))
}

/// Whether the candidate's diaries passed their validity checks: every check passed, and
/// there was at least one (no checks is no evidence).
fn diaries_valid(checks: &[memory::ValidityCheck]) -> bool {
    !checks.is_empty() && checks.iter().all(|c| c.passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_validity_check_is_no_evidence_of_validity() {
        let check = |passed| memory::ValidityCheck {
            name: "diaries of seed 7".into(),
            passed,
            detail: String::new(),
        };
        assert!(!diaries_valid(&[]));
        assert!(diaries_valid(&[check(true), check(true)]));
        assert!(!diaries_valid(&[check(true), check(false)]));
    }
}
