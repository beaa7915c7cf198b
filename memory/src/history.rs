//! Read-side queries over a run's record: the trajectory of Scores, one round's full
//! record, and the run's totals.

use std::time::Duration;

use crate::change_summary::ChangeSummary;
use crate::outcome::RoundOutcome;
use crate::records::{
    AttributionRecord, Candidate, Metrics, Proposal, StepOutcome, Trial, VerificationRecord,
};
use crate::{Memory, MemoryError, PhaseEntry};

/// One round of the trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct TrajectoryPoint {
    /// The round.
    pub round: u32,
    /// The parent's (current generator's) score at the round's start.
    pub parent_score: Option<f64>,
    /// The candidate's score, if evaluated.
    pub candidate_score: Option<f64>,
    /// The decision, if made.
    pub accepted: Option<bool>,
    /// Its kind, if made.
    pub outcome: Option<RoundOutcome>,
    /// The accepted generator's Score after the round: the accepted candidate's, else the
    /// parent's pooled estimate at this round (estimates move as seeds pool, so this can
    /// rise; the minimum over rounds would be biased low and is not kept).
    pub current: Option<f64>,
}

/// The two Scores a run's summary shows (status, report, dashboard), each the latest pooled
/// estimate on the selection part of the validation people (the rounds' parent Scores): the
/// starting generator's, and the accepted generator's now. With nothing accepted they are the
/// same number; the minimum of the pooled estimates is not used, as it is biased low (seeds
/// pool, estimates move).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreSummary {
    /// The starting generator's Score: the last parent Score recorded while it was the
    /// parent (every round up to and including the first accepted one).
    pub initial: Option<f64>,
    /// The current (accepted) generator's Score after the last round.
    pub current: Option<f64>,
}

impl ScoreSummary {
    /// The summary of a trajectory (see [`Memory::trajectory`]).
    pub fn of(points: &[TrajectoryPoint]) -> ScoreSummary {
        let first_accepted = points
            .iter()
            .position(|p| p.accepted == Some(true))
            .map_or(points.len(), |i| i + 1);
        ScoreSummary {
            initial: points[..first_accepted]
                .iter()
                .rev()
                .find_map(|p| p.parent_score),
            current: points.iter().rev().find_map(|p| p.current),
        }
    }
}

/// Everything recorded about one round.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundRecord {
    /// The run.
    pub run: i64,
    /// The round.
    pub round: u32,
    /// The accepted generator the round started from.
    pub parent_commit: String,
    /// The candidate, once applied.
    pub candidate: Option<Candidate>,
    /// Start (ms since the epoch).
    pub started_at: i64,
    /// End of the Report phase (ms since the epoch).
    pub finished_at: Option<i64>,
    /// The phase log.
    pub phases: Vec<PhaseEntry>,
    /// attribution_record.
    pub attribution: Option<AttributionRecord>,
    /// The proposal with its prompt.
    pub proposal: Option<Proposal>,
    /// verification_record.
    pub verification: Option<VerificationRecord>,
    /// trial_memory.
    pub trial: Option<Trial>,
    /// The LLM calls made in the round.
    pub llm_calls: Vec<LlmCallInfo>,
}

/// An LLM call without its request and response text.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmCallInfo {
    /// Step of the loop.
    pub step: String,
    /// Model.
    pub model: String,
    /// Request hash.
    pub request_hash: String,
    /// Prompt tokens.
    pub tokens_in: u64,
    /// Completion tokens.
    pub tokens_out: u64,
    /// Cost in US dollars.
    pub cost_usd: f64,
    /// Latency in milliseconds.
    pub latency_ms: u64,
}

/// Totals of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    /// Rounds started.
    pub rounds: u32,
    /// Rounds whose Report phase is done.
    pub finished_rounds: u32,
    /// Accepted candidates.
    pub accepted: u32,
    /// Rejected candidates.
    pub rejected: u32,
    /// LLM calls recorded.
    pub llm_calls: u32,
    /// Prompt tokens.
    pub tokens_in: u64,
    /// Completion tokens.
    pub tokens_out: u64,
    /// LLM spend in US dollars.
    pub cost_usd: f64,
    /// Time spent inside phases (done or failed attempts), summed.
    pub phase_time: Duration,
    /// From the run's creation to its last write.
    pub elapsed: Duration,
}

impl Memory {
    /// Per round: parent and candidate scores, decision, and the accepted generator's Score.
    pub async fn trajectory(&self, run: i64) -> Result<Vec<TrajectoryPoint>, MemoryError> {
        self.run_summary(run).await?;
        type Row = (i64, Option<f64>, Option<f64>, Option<bool>, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT round, parent_score, candidate_score, accepted, outcome FROM rounds
             WHERE run_id = ? ORDER BY round",
        )
        .bind(run)
        .fetch_all(&self.pool)
        .await
        .map_err(self.sql(format!("reading the trajectory of run {run}")))?;
        let mut current: Option<f64> = None;
        let mut points = Vec::with_capacity(rows.len());
        for (round, parent_score, candidate_score, accepted, outcome) in rows {
            let outcome = outcome
                .map(|name| {
                    RoundOutcome::from_name(&name).ok_or_else(|| MemoryError::BadValue {
                        path: self.path.clone(),
                        context: format!("rounds.outcome of run {run} round {round}"),
                        value: name,
                    })
                })
                .transpose()?;
            // The parent's Score is its pooled estimate at this round: it replaces the
            // current generator's earlier (fewer-seed) estimate.
            if parent_score.is_some() {
                current = parent_score;
            }
            if accepted == Some(true) && candidate_score.is_some() {
                current = candidate_score;
            }
            points.push(TrajectoryPoint {
                round: u32::try_from(round).unwrap_or(0),
                parent_score,
                candidate_score,
                accepted,
                outcome,
                current,
            });
        }
        Ok(points)
    }

    /// The full record of one round.
    pub async fn round_record(&self, run: i64, round: u32) -> Result<RoundRecord, MemoryError> {
        let phases = self.phase_log(run, round).await?;
        let r = i64::from(round);
        let ctx = |what: &str| format!("reading {what} of run {run} round {round}");
        type RoundRow = (
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            i64,
            Option<i64>,
        );
        let (
            parent_commit,
            candidate_commit,
            candidate_diff,
            change_summary,
            started_at,
            finished_at,
        ): RoundRow = sqlx::query_as(
            "SELECT parent_commit, candidate_commit, candidate_diff, change_summary, started_at,
                    finished_at
             FROM rounds WHERE run_id = ? AND round = ?",
        )
        .bind(run)
        .bind(r)
        .fetch_one(&self.pool)
        .await
        .map_err(self.sql(ctx("the round")))?;

        let attribution: Option<(String, String, String)> = sqlx::query_as(
            "SELECT text, metrics, findings FROM attribution_records WHERE run_id = ? AND round = ?",
        )
        .bind(run)
        .bind(r)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.sql(ctx("the attribution record")))?;
        let attribution = attribution
            .map(|(text, metrics, findings)| {
                Ok::<_, MemoryError>(AttributionRecord {
                    text,
                    metrics: self.parse_json(&metrics, &ctx("attribution_records.metrics"))?,
                    findings: self.parse_json(&findings, &ctx("attribution_records.findings"))?,
                })
            })
            .transpose()?;

        type ProposalRow = (String, String, Option<String>, String, String, String);
        let proposal: Option<ProposalRow> = sqlx::query_as(
            "SELECT prompt, failure_mode, target_diagnostic, hypothesis, intervention, rationale
             FROM proposals WHERE run_id = ? AND round = ?",
        )
        .bind(run)
        .bind(r)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.sql(ctx("the proposal")))?;
        let proposal = proposal.map(
            |(prompt, failure_mode, target_diagnostic, hypothesis, intervention, rationale)| {
                Proposal {
                    prompt,
                    failure_mode,
                    target_diagnostic,
                    hypothesis,
                    intervention,
                    rationale,
                }
            },
        );

        type VerificationRow = (
            bool,
            String,
            bool,
            String,
            String,
            Option<String>,
            String,
            Option<String>,
            bool,
            String,
            Option<String>,
            Option<String>,
        );
        let verification: Option<VerificationRow> = sqlx::query_as(
            "SELECT build_ok, build_log, tests_ok, tests_log, validity, metrics, parent_metrics,
                    comparison, accepted, reason, outcome, evidence
             FROM verification_records WHERE run_id = ? AND round = ?",
        )
        .bind(run)
        .bind(r)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.sql(ctx("the verification record")))?;
        let verification = verification
            .map(|v| {
                Ok::<_, MemoryError>(VerificationRecord {
                    build: StepOutcome { ok: v.0, log: v.1 },
                    tests: StepOutcome { ok: v.2, log: v.3 },
                    validity: self.parse_json(&v.4, &ctx("verification_records.validity"))?,
                    metrics: v
                        .5
                        .map(|m| self.parse_json(&m, &ctx("verification_records.metrics")))
                        .transpose()?,
                    parent_metrics: self
                        .parse_json(&v.6, &ctx("verification_records.parent_metrics"))?,
                    comparison: v
                        .7
                        .map(|c| self.parse_json(&c, &ctx("verification_records.comparison")))
                        .transpose()?,
                    accepted: v.8,
                    outcome: v
                        .10
                        .as_deref()
                        .and_then(RoundOutcome::from_name)
                        .ok_or_else(|| MemoryError::BadValue {
                            path: self.path.clone(),
                            context: ctx("verification_records.outcome"),
                            value: v.10.clone().unwrap_or_else(|| "NULL".into()),
                        })?,
                    reason: v.9,
                    evidence: v
                        .11
                        .map(|e| self.parse_json(&e, &ctx("verification_records.evidence")))
                        .transpose()?,
                })
            })
            .transpose()?;

        type TrialRow = (
            String,
            Option<String>,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            bool,
            String,
        );
        let trial: Option<TrialRow> = sqlx::query_as(
            "SELECT failure_mode, target_diagnostic, hypothesis, intervention, diff, rationale,
                    metrics_before, metrics_after, accepted, lesson
             FROM trial_memory WHERE run_id = ? AND round = ?",
        )
        .bind(run)
        .bind(r)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.sql(ctx("the trial")))?;
        let trial = trial
            .map(|t| {
                Ok::<_, MemoryError>(Trial {
                    failure_mode: t.0,
                    target_diagnostic: t.1,
                    hypothesis: t.2,
                    intervention: t.3,
                    diff: t.4,
                    rationale: t.5,
                    before: self
                        .parse_json::<Metrics>(&t.6, &ctx("trial_memory.metrics_before"))?,
                    after: t
                        .7
                        .map(|m| self.parse_json(&m, &ctx("trial_memory.metrics_after")))
                        .transpose()?,
                    accepted: t.8,
                    lesson: t.9,
                })
            })
            .transpose()?;

        let calls: Vec<(String, String, String, i64, i64, f64, i64)> = sqlx::query_as(
            "SELECT step, model, request_hash, tokens_in, tokens_out, cost_usd, latency_ms
             FROM llm_calls WHERE run_id = ? AND round = ? ORDER BY id",
        )
        .bind(run)
        .bind(r)
        .fetch_all(&self.pool)
        .await
        .map_err(self.sql(ctx("the LLM calls")))?;
        let llm_calls = calls
            .into_iter()
            .map(|c| LlmCallInfo {
                step: c.0,
                model: c.1,
                request_hash: c.2,
                tokens_in: c.3.max(0) as u64,
                tokens_out: c.4.max(0) as u64,
                cost_usd: c.5,
                latency_ms: c.6.max(0) as u64,
            })
            .collect();

        Ok(RoundRecord {
            run,
            round,
            parent_commit,
            candidate: candidate_commit
                .map(|commit| {
                    Ok::<_, MemoryError>(Candidate {
                        commit,
                        diff: candidate_diff.unwrap_or_default(),
                        summary: match &change_summary {
                            Some(text) => self.parse_json(text, &ctx("rounds.change_summary"))?,
                            None => ChangeSummary::default(),
                        },
                    })
                })
                .transpose()?,
            started_at,
            finished_at,
            phases,
            attribution,
            proposal,
            verification,
            trial,
            llm_calls,
        })
    }

    /// Rounds, decisions, tokens, cost and time of a run.
    pub async fn totals(&self, run: i64) -> Result<Totals, MemoryError> {
        let summary = self.run_summary(run).await?;
        let (rounds, finished, accepted, rejected): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT count(*), count(finished_at), coalesce(sum(accepted = 1), 0),
                    coalesce(sum(accepted = 0), 0)
             FROM rounds WHERE run_id = ?",
        )
        .bind(run)
        .fetch_one(&self.pool)
        .await
        .map_err(self.sql(format!("counting the rounds of run {run}")))?;
        let (calls, tokens_in, tokens_out, cost): (i64, i64, i64, f64) = sqlx::query_as(
            "SELECT count(*), coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0),
                    coalesce(sum(cost_usd), 0.0)
             FROM llm_calls WHERE run_id = ?",
        )
        .bind(run)
        .fetch_one(&self.pool)
        .await
        .map_err(self.sql(format!("summing the LLM calls of run {run}")))?;
        let phase_ms: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(finished_at - started_at), 0) FROM round_phases
             WHERE run_id = ? AND state IN ('done', 'failed') AND started_at IS NOT NULL
                   AND finished_at IS NOT NULL",
        )
        .bind(run)
        .fetch_one(&self.pool)
        .await
        .map_err(self.sql(format!("summing the phase times of run {run}")))?;
        let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        let ms = |n: i64| Duration::from_millis(u64::try_from(n).unwrap_or(0));
        Ok(Totals {
            rounds: count(rounds),
            finished_rounds: count(finished),
            accepted: count(accepted),
            rejected: count(rejected),
            llm_calls: count(calls),
            tokens_in: tokens_in.max(0) as u64,
            tokens_out: tokens_out.max(0) as u64,
            cost_usd: cost,
            phase_time: ms(phase_ms),
            elapsed: ms(summary.updated_at - summary.created_at),
        })
    }

    pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
        &self,
        text: &str,
        context: &str,
    ) -> Result<T, MemoryError> {
        serde_json::from_str(text).map_err(self.json(context))
    }
}
