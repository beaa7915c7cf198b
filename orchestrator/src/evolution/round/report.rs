//! The report phase: the trial and its lesson enter the memory, the rejected candidate's
//! diaries are pruned, and the round's report is written.

use crate::evolution::round::artifacts::{
    self, ApplyArtifacts, DecisionArtifacts, ProposalArtifacts, ReportArtifacts,
};
use crate::evolution::run::Run;
use anyhow::Context;
use memory::{Phase, PhaseOutput, PhaseRecord, RoundOutcome, RoundRecord, Trial};

/// The lesson stored with the trial: what was tried, what happened, what to take from it.
pub fn lesson(record: &RoundRecord, outcome: RoundOutcome, reason: &str) -> String {
    let proposal = record.proposal.as_ref();
    let target = proposal.map_or("?", |p| p.failure_mode.as_str());
    let what = record
        .candidate
        .as_ref()
        .filter(|c| !c.summary.is_empty())
        .map_or_else(|| "no change".to_string(), |c| c.summary.headline());
    let verdict = outcome.label().to_uppercase();
    let Some(v) = &record.verification else {
        return format!("{verdict} — {what}: {reason}");
    };
    let Some(c) = &v.comparison else {
        return format!(
            "{verdict} before scoring — {reason}. The change ({what}; targeting {target}) never \
             produced diaries that could be compared: fix it or abandon it."
        );
    };
    let mut moves: Vec<(&String, &f64)> = c.diagnostics.iter().collect();
    moves.sort_by(|a, b| a.1.total_cmp(b.1));
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
        "{verdict} — {what} (targeting {target}) moved the selection Score by {:+.4}. Best gains: \
         {}. Worst losses: {}. {reason}",
        c.score,
        if gains.is_empty() {
            "none".into()
        } else {
            gains.join(", ")
        },
        if losses.is_empty() {
            "none".into()
        } else {
            losses.join(", ")
        },
    )
}

pub async fn report(run: &Run, r: u32) -> anyhow::Result<PhaseOutput> {
    let record = run.memory.round_record(run.id, r).await?;
    let decision: DecisionArtifacts = artifacts::load(run, r, Phase::Decision).await?;
    let proposal_artifacts: ProposalArtifacts = artifacts::load(run, r, Phase::Proposal).await?;
    let apply: ApplyArtifacts = artifacts::load(run, r, Phase::Apply).await?;
    let verification = record
        .verification
        .as_ref()
        .context("the decision's verification record is missing")?;
    let proposal = record
        .proposal
        .clone()
        .context("the proposal record is missing")?;
    let candidate = record
        .candidate
        .clone()
        .context("the candidate record is missing")?;
    let accepted = decision.outcome == RoundOutcome::Accepted;
    let lesson = lesson(&record, decision.outcome, &decision.reason);
    let intervention = if candidate.summary.is_empty() {
        proposal_artifacts.failure.as_ref().map_or_else(
            || "no change".to_string(),
            |f| format!("no change ({})", f.message),
        )
    } else {
        candidate.summary.headline()
    };
    let trial = Trial {
        failure_mode: proposal.failure_mode.clone(),
        target_diagnostic: proposal.target_diagnostic.clone(),
        hypothesis: proposal.hypothesis.clone(),
        intervention: intervention.clone(),
        diff: candidate.diff.clone(),
        rationale: proposal.rationale.clone(),
        before: verification.parent_metrics.clone(),
        after: verification.metrics.clone(),
        accepted,
        lesson: lesson.clone(),
    };
    // A rejected candidate's diaries go (its evaluations stay). Nothing of the parent's is
    // touched: a round without a candidate commit has nothing to prune.
    if !accepted && apply.rejection.is_none() && apply.commit != record.parent_commit {
        run.main.store.prune_diaries(&apply.commit)?;
        if let Some(guard) = &run.guard {
            guard.store.prune_diaries(&apply.commit)?;
        }
    }
    // The round's page, by the `report` crate (the run's report, rewritten after the round,
    // rewrites it with its neighbours' links).
    let mut full = record.clone();
    full.trial = Some(trial.clone());
    let config = run.memory.run_config(run.id).await?;
    let neighbours = report::RoundNeighbours {
        previous: r.checked_sub(1).filter(|p| *p > 0),
        next: None,
    };
    let (path, _) =
        report::write_round_report(&full, &config, &run.dir.join("report"), neighbours)?;
    Ok(PhaseOutput {
        artifacts: artifacts::to_value(&ReportArtifacts {
            report: path,
            agent: proposal_artifacts.agent,
        })?,
        record: PhaseRecord::Trial(trial),
    })
}
