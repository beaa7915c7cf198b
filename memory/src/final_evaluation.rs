//! Final evaluations: the log of every read of a held-out split (the test split) of a run's
//! generator, written by `orchestrator evaluate --run RUN --split test` and shown in the
//! run's report.
//!
//! Unlike the round records, writing one takes no [`crate::RunLock`]: the final evaluation
//! is made after (or beside) the evolution, usually while no process drives the run, and it
//! only appends a row; it never changes the run's generator, status or timestamps.

use crate::clock::now_ms;
use crate::events::RunEvent;
use crate::records::Metrics;
use crate::{Memory, MemoryError};

/// One logged final evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct FinalEvaluation {
    /// Row id (increasing in recording order).
    pub id: i64,
    /// The run.
    pub run: i64,
    /// The split read, e.g. `test`.
    pub split: String,
    /// The generator evaluated (a git commit).
    pub commit: String,
    /// Its metrics on that split.
    pub metrics: Metrics,
    /// Anything else the caller recorded (seeds, number of people, evaluator version, ...).
    pub evaluation: serde_json::Value,
    /// When it was recorded (ms since the epoch).
    pub created_at: i64,
}

impl Memory {
    /// Log a final evaluation of `run`'s generator `commit` on `split`; returns its id.
    ///
    /// Needs no [`crate::RunLock`] (see the module doc): it may be called while another
    /// process drives the run or while none does. The run must exist.
    pub async fn record_final_evaluation(
        &self,
        run: i64,
        split: &str,
        commit: &str,
        metrics: &Metrics,
        evaluation: &serde_json::Value,
    ) -> Result<i64, MemoryError> {
        self.run_summary(run).await?;
        let score = metrics.score;
        let metrics = self.to_json(metrics, "final_evaluations.metrics")?;
        let evaluation = self.to_json(evaluation, "final_evaluations.evaluation")?;
        let mut tx = self.begin_immediate().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO final_evaluations (run_id, split, \"commit\", metrics, evaluation,
                                            created_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(run)
        .bind(split)
        .bind(commit)
        .bind(metrics)
        .bind(evaluation)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(self.sql(format!(
            "recording a final evaluation of run {run} on {split}"
        )))?;
        let event = RunEvent::FinalEvaluation {
            split: split.to_string(),
            commit: commit.to_string(),
            score,
        };
        self.append_event(&mut tx, run, &event).await?;
        tx.commit().await.map_err(self.sql(format!(
            "committing a final evaluation of run {run} on {split}"
        )))?;
        Ok(id)
    }

    /// The final evaluations of `run`, oldest first.
    pub async fn final_evaluations(&self, run: i64) -> Result<Vec<FinalEvaluation>, MemoryError> {
        self.run_summary(run).await?;
        type Row = (i64, String, String, String, String, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, split, \"commit\", metrics, evaluation, created_at
             FROM final_evaluations WHERE run_id = ? ORDER BY id",
        )
        .bind(run)
        .fetch_all(&self.pool)
        .await
        .map_err(self.sql(format!("reading the final evaluations of run {run}")))?;
        rows.into_iter()
            .map(|(id, split, commit, metrics, evaluation, created_at)| {
                let ctx = |column: &str| format!("final_evaluations.{column} of row {id}");
                Ok(FinalEvaluation {
                    id,
                    run,
                    split,
                    commit,
                    metrics: self.parse_json(&metrics, &ctx("metrics"))?,
                    evaluation: self.parse_json(&evaluation, &ctx("evaluation"))?,
                    created_at,
                })
            })
            .collect()
    }
}
