//! Rounds and their phase log. Each phase's result, its artifacts and its typed record are
//! written in one `BEGIN IMMEDIATE` transaction, so after a crash a phase is either wholly
//! done (reuse it) or not (redo it); [`Memory::resume_point`] says which.

use sqlx::{Sqlite, Transaction};

use crate::clock::now_ms;
use crate::events::RunEvent;
use crate::evolution_context::{failure_key, intervention_signature};
use crate::outcome::RoundOutcome;
use crate::records::{PhaseOutput, PhaseRecord, Trial, VerificationRecord};
use crate::{Memory, MemoryError, Phase, PhaseState, RunLock};

/// One phase's row in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseEntry {
    /// The phase.
    pub phase: Phase,
    /// Its state.
    pub state: PhaseState,
    /// How many times it was started.
    pub attempts: u32,
    /// Last start (ms since the epoch).
    pub started_at: Option<i64>,
    /// End of the last attempt (ms since the epoch).
    pub finished_at: Option<i64>,
    /// The artifacts written when it was done.
    pub artifacts: Option<serde_json::Value>,
    /// The error of a failed attempt.
    pub error: Option<String>,
}

/// Where a run should continue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResumePoint {
    /// The round.
    pub round: u32,
    /// The first phase of that round not done.
    pub phase: Phase,
    /// Whether the round is already recorded (else call [`Memory::begin_round`]).
    pub round_started: bool,
    /// `Running` if the last owner died during the phase, `Failed` if it failed,
    /// `Interrupted` if the user stopped it, `Pending` if it was never started.
    pub found: PhaseState,
}

type Tx = Transaction<'static, Sqlite>;

impl Memory {
    /// Record the start of `round` from the accepted generator `parent_commit`, with all its
    /// phases pending. Rounds count from 1 and follow a finished round. Calling it again for
    /// an already recorded round with the same parent is a no-op (for resuming).
    pub async fn begin_round(
        &self,
        lock: &RunLock,
        round: u32,
        parent_commit: &str,
    ) -> Result<(), MemoryError> {
        let run = lock.run();
        self.check_lock(lock, run)?;
        let seq = |detail: String| MemoryError::Sequence {
            run,
            round,
            phase: "-",
            detail,
        };
        let mut tx = self.begin_immediate().await?;
        let existing: Option<String> =
            sqlx::query_scalar("SELECT parent_commit FROM rounds WHERE run_id = ? AND round = ?")
                .bind(run)
                .bind(i64::from(round))
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.sql("reading rounds"))?;
        if let Some(parent) = existing {
            if parent == parent_commit {
                return Ok(());
            }
            return Err(seq(format!(
                "already started from parent {parent}, not {parent_commit}"
            )));
        }
        let last: Option<i64> =
            sqlx::query_scalar("SELECT max(round) FROM rounds WHERE run_id = ?")
                .bind(run)
                .fetch_one(&mut *tx)
                .await
                .map_err(self.sql("reading rounds"))?;
        let expected = last.map_or(1, |l| l + 1);
        if i64::from(round) != expected {
            return Err(seq(format!("the next round of this run is {expected}")));
        }
        if let Some(last) = last {
            let open: Option<String> = sqlx::query_scalar(
                "SELECT phase FROM round_phases WHERE run_id = ? AND round = ? AND state != 'done'
                 ORDER BY position LIMIT 1",
            )
            .bind(run)
            .bind(last)
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.sql("reading the phase log"))?;
            if let Some(open) = open {
                return Err(seq(format!(
                    "round {last} is not finished: its phase {open} is not done"
                )));
            }
        }
        let now = now_ms();
        sqlx::query(
            "INSERT INTO rounds (run_id, round, parent_commit, started_at) VALUES (?, ?, ?, ?)",
        )
        .bind(run)
        .bind(i64::from(round))
        .bind(parent_commit)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(self.sql("inserting a round"))?;
        for phase in Phase::ALL {
            sqlx::query(
                "INSERT INTO round_phases (run_id, round, phase, position) VALUES (?, ?, ?, ?)",
            )
            .bind(run)
            .bind(i64::from(round))
            .bind(phase.name())
            .bind(phase.position() as i64)
            .execute(&mut *tx)
            .await
            .map_err(self.sql("inserting the phase log"))?;
        }
        let event = RunEvent::RoundStarted {
            round,
            parent_commit: parent_commit.to_string(),
        };
        self.append_event(&mut tx, run, &event).await?;
        self.touch_run(&mut tx, run, now).await?;
        tx.commit()
            .await
            .map_err(self.sql("committing a new round"))?;
        Ok(())
    }

    /// Mark `phase` as running. Every earlier phase of the round must be done.
    pub async fn begin_phase(
        &self,
        lock: &RunLock,
        round: u32,
        phase: Phase,
    ) -> Result<(), MemoryError> {
        let run = lock.run();
        self.check_lock(lock, run)?;
        let mut tx = self.begin_immediate().await?;
        self.check_phase_order(&mut tx, run, round, phase).await?;
        let now = now_ms();
        sqlx::query(
            "UPDATE round_phases SET state = 'running', attempts = attempts + 1, started_at = ?,
                    finished_at = NULL, error = NULL
             WHERE run_id = ? AND round = ? AND phase = ?",
        )
        .bind(now)
        .bind(run)
        .bind(i64::from(round))
        .bind(phase.name())
        .execute(&mut *tx)
        .await
        .map_err(self.sql("starting a phase"))?;
        let attempt: i64 = sqlx::query_scalar(
            "SELECT attempts FROM round_phases WHERE run_id = ? AND round = ? AND phase = ?",
        )
        .bind(run)
        .bind(i64::from(round))
        .bind(phase.name())
        .fetch_one(&mut *tx)
        .await
        .map_err(self.sql("reading a phase's attempts"))?;
        let event = RunEvent::PhaseStarted {
            round,
            phase: phase.name().into(),
            attempt: u32::try_from(attempt).unwrap_or(u32::MAX),
        };
        self.append_event(&mut tx, run, &event).await?;
        self.touch_run(&mut tx, run, now).await?;
        tx.commit()
            .await
            .map_err(self.sql("committing a phase start"))?;
        Ok(())
    }

    /// Finish `phase`: in one transaction write its typed record, its artifacts, and mark it
    /// done. Attribution, Proposal, Apply, Decision and Report need their record kind (see
    /// [`PhaseRecord::phase`]); the other phases take [`PhaseRecord::None`]. The Decision's
    /// verification record sets the round's scores and, when accepted, the run's current
    /// generator to the candidate commit.
    pub async fn record_phase(
        &self,
        lock: &RunLock,
        round: u32,
        phase: Phase,
        output: &PhaseOutput,
    ) -> Result<(), MemoryError> {
        let run = lock.run();
        self.check_lock(lock, run)?;
        let seq = |detail: String| MemoryError::Sequence {
            run,
            round,
            phase: phase.name(),
            detail,
        };
        let expected = match phase {
            Phase::Attribution
            | Phase::Proposal
            | Phase::Apply
            | Phase::Decision
            | Phase::Report => Some(phase),
            _ => None,
        };
        if output.record.phase() != expected {
            let wanted = match expected {
                Some(_) => "its typed record",
                None => "PhaseRecord::None",
            };
            return Err(seq(format!(
                "this phase is recorded with {wanted}, got {}",
                output.record.kind()
            )));
        }
        let artifacts = serde_json::to_string(&output.artifacts)
            .map_err(self.json(format!("round_phases.artifacts of round {round} {phase}")))?;
        let mut tx = self.begin_immediate().await?;
        self.check_phase_order(&mut tx, run, round, phase).await?;
        let r = i64::from(round);
        match &output.record {
            PhaseRecord::None => {}
            PhaseRecord::Attribution(a) => {
                sqlx::query(
                    "INSERT INTO attribution_records (run_id, round, text, metrics, findings)
                     VALUES (?, ?, ?, ?, ?)",
                )
                .bind(run)
                .bind(r)
                .bind(&a.text)
                .bind(self.to_json(&a.metrics, "attribution_records.metrics")?)
                .bind(self.to_json(&a.findings, "attribution_records.findings")?)
                .execute(&mut *tx)
                .await
                .map_err(self.sql("writing the attribution record"))?;
            }
            PhaseRecord::Proposal(p) => {
                sqlx::query(
                    "INSERT INTO proposals (run_id, round, prompt, failure_mode, target_diagnostic,
                                            hypothesis, intervention, rationale)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(run)
                .bind(r)
                .bind(&p.prompt)
                .bind(&p.failure_mode)
                .bind(&p.target_diagnostic)
                .bind(&p.hypothesis)
                .bind(&p.intervention)
                .bind(&p.rationale)
                .execute(&mut *tx)
                .await
                .map_err(self.sql("writing the proposal"))?;
            }
            PhaseRecord::Candidate(c) => {
                sqlx::query(
                    "UPDATE rounds SET candidate_commit = ?, candidate_diff = ?, change_summary = ?
                     WHERE run_id = ? AND round = ?",
                )
                .bind(&c.commit)
                .bind(&c.diff)
                .bind(self.to_json(&c.summary, "rounds.change_summary")?)
                .bind(run)
                .bind(r)
                .execute(&mut *tx)
                .await
                .map_err(self.sql("writing the candidate"))?;
            }
            PhaseRecord::Verification(v) => {
                self.write_verification(&mut tx, run, round, v).await?;
            }
            PhaseRecord::Trial(t) => {
                self.write_trial(&mut tx, run, round, t).await?;
            }
        }
        let now = now_ms();
        let started: Option<i64> = sqlx::query_scalar(
            "SELECT started_at FROM round_phases WHERE run_id = ? AND round = ? AND phase = ?",
        )
        .bind(run)
        .bind(r)
        .bind(phase.name())
        .fetch_one(&mut *tx)
        .await
        .map_err(self.sql("reading a phase start"))?;
        let secs = started.map_or(0.0, |s| (now - s).max(0) as f64 / 1000.0);
        self.append_event(
            &mut tx,
            run,
            &RunEvent::PhaseFinished {
                round,
                phase: phase.name().into(),
                secs,
            },
        )
        .await?;
        match &output.record {
            PhaseRecord::Verification(v) => {
                let event = RunEvent::Decision {
                    round,
                    outcome: v.outcome,
                    reason: v.reason.clone(),
                    parent_score: v.metrics.as_ref().map(|_| v.parent_metrics.score),
                    candidate_score: v.metrics.as_ref().map(|m| m.score),
                };
                self.append_event(&mut tx, run, &event).await?;
            }
            PhaseRecord::Trial(_) => {
                let outcome: Option<String> =
                    sqlx::query_scalar("SELECT outcome FROM rounds WHERE run_id = ? AND round = ?")
                        .bind(run)
                        .bind(r)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(self.sql("reading the round's outcome"))?;
                let outcome = outcome
                    .as_deref()
                    .and_then(RoundOutcome::from_name)
                    .ok_or_else(|| seq("the round has no recorded decision".into()))?;
                self.append_event(&mut tx, run, &RunEvent::RoundFinished { round, outcome })
                    .await?;
            }
            _ => {}
        }
        sqlx::query(
            "UPDATE round_phases SET state = 'done', artifacts = ?, error = NULL,
                    started_at = coalesce(started_at, ?), finished_at = ?,
                    attempts = max(attempts, 1)
             WHERE run_id = ? AND round = ? AND phase = ?",
        )
        .bind(artifacts)
        .bind(now)
        .bind(now)
        .bind(run)
        .bind(r)
        .bind(phase.name())
        .execute(&mut *tx)
        .await
        .map_err(self.sql("marking a phase done"))?;
        if phase == Phase::Report {
            sqlx::query("UPDATE rounds SET finished_at = ? WHERE run_id = ? AND round = ?")
                .bind(now)
                .bind(run)
                .bind(r)
                .execute(&mut *tx)
                .await
                .map_err(self.sql("finishing a round"))?;
        }
        self.touch_run(&mut tx, run, now).await?;
        tx.commit()
            .await
            .map_err(self.sql(format!("committing round {round} phase {phase}")))?;
        Ok(())
    }

    /// Mark `phase` as failed with `error`; it will be redone.
    pub async fn fail_phase(
        &self,
        lock: &RunLock,
        round: u32,
        phase: Phase,
        error: &str,
    ) -> Result<(), MemoryError> {
        let run = lock.run();
        self.check_lock(lock, run)?;
        let mut tx = self.begin_immediate().await?;
        self.check_phase_order(&mut tx, run, round, phase).await?;
        let now = now_ms();
        sqlx::query(
            "UPDATE round_phases SET state = 'failed', error = ?, finished_at = ?,
                    started_at = coalesce(started_at, ?), attempts = max(attempts, 1)
             WHERE run_id = ? AND round = ? AND phase = ?",
        )
        .bind(error)
        .bind(now)
        .bind(now)
        .bind(run)
        .bind(i64::from(round))
        .bind(phase.name())
        .execute(&mut *tx)
        .await
        .map_err(self.sql("marking a phase failed"))?;
        let event = RunEvent::PhaseFailed {
            round,
            phase: phase.name().into(),
            error: error.to_string(),
        };
        self.append_event(&mut tx, run, &event).await?;
        self.touch_run(&mut tx, run, now).await?;
        tx.commit()
            .await
            .map_err(self.sql("committing a phase failure"))?;
        Ok(())
    }

    /// Mark `phase` as interrupted by the user (Ctrl-C): not done, not failed; it will be
    /// redone. Its artifacts stay empty.
    pub async fn interrupt_phase(
        &self,
        lock: &RunLock,
        round: u32,
        phase: Phase,
    ) -> Result<(), MemoryError> {
        let run = lock.run();
        self.check_lock(lock, run)?;
        let mut tx = self.begin_immediate().await?;
        self.check_phase_order(&mut tx, run, round, phase).await?;
        let now = now_ms();
        sqlx::query(
            "UPDATE round_phases SET state = 'interrupted', error = NULL, finished_at = ?,
                    started_at = coalesce(started_at, ?), attempts = max(attempts, 1)
             WHERE run_id = ? AND round = ? AND phase = ?",
        )
        .bind(now)
        .bind(now)
        .bind(run)
        .bind(i64::from(round))
        .bind(phase.name())
        .execute(&mut *tx)
        .await
        .map_err(self.sql("marking a phase interrupted"))?;
        let event = RunEvent::PhaseInterrupted {
            round,
            phase: phase.name().into(),
        };
        self.append_event(&mut tx, run, &event).await?;
        self.touch_run(&mut tx, run, now).await?;
        tx.commit()
            .await
            .map_err(self.sql("committing a phase interruption"))?;
        Ok(())
    }

    /// The phase log of one round, in phase order.
    pub async fn phase_log(&self, run: i64, round: u32) -> Result<Vec<PhaseEntry>, MemoryError> {
        let rows: Vec<PhaseRow> = sqlx::query_as(
            "SELECT phase, state, attempts, started_at, finished_at, artifacts, error
             FROM round_phases WHERE run_id = ? AND round = ? ORDER BY position",
        )
        .bind(run)
        .bind(i64::from(round))
        .fetch_all(&self.pool)
        .await
        .map_err(self.sql(format!("reading the phase log of run {run} round {round}")))?;
        if rows.is_empty() {
            return Err(MemoryError::Sequence {
                run,
                round,
                phase: "-",
                detail: "no such round".into(),
            });
        }
        rows.into_iter()
            .map(|row| self.phase_entry(run, round, row))
            .collect()
    }

    /// The first phase of `round` that is not done, `None` when the round is complete.
    pub async fn next_phase(&self, run: i64, round: u32) -> Result<Option<Phase>, MemoryError> {
        Ok(self
            .phase_log(run, round)
            .await?
            .into_iter()
            .find(|e| e.state != PhaseState::Done)
            .map(|e| e.phase))
    }

    /// Where to continue `run`: the first phase not done of its last round, or the first
    /// phase of the next round.
    pub async fn resume_point(&self, run: i64) -> Result<ResumePoint, MemoryError> {
        self.run_summary(run).await?;
        let last: Option<i64> =
            sqlx::query_scalar("SELECT max(round) FROM rounds WHERE run_id = ?")
                .bind(run)
                .fetch_one(&self.pool)
                .await
                .map_err(self.sql("reading rounds"))?;
        let fresh = |round: u32| ResumePoint {
            round,
            phase: Phase::ParentRollout,
            round_started: false,
            found: PhaseState::Pending,
        };
        let Some(last) = last else {
            return Ok(fresh(1));
        };
        let last = u32::try_from(last).map_err(|_| MemoryError::BadValue {
            path: self.path.clone(),
            context: format!("rounds.round of run {run}"),
            value: last.to_string(),
        })?;
        let open = self
            .phase_log(run, last)
            .await?
            .into_iter()
            .find(|e| e.state != PhaseState::Done);
        Ok(match open {
            Some(e) => ResumePoint {
                round: last,
                phase: e.phase,
                round_started: true,
                found: e.state,
            },
            None => fresh(last + 1),
        })
    }

    pub(crate) async fn begin_immediate(&self) -> Result<Tx, MemoryError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(self.sql("starting a write transaction"))
    }

    pub(crate) fn to_json<T: serde::Serialize>(
        &self,
        value: &T,
        context: &str,
    ) -> Result<String, MemoryError> {
        serde_json::to_string(value).map_err(self.json(context))
    }

    async fn touch_run(&self, tx: &mut Tx, run: i64, now: i64) -> Result<(), MemoryError> {
        sqlx::query("UPDATE runs SET updated_at = ? WHERE id = ?")
            .bind(now)
            .bind(run)
            .execute(&mut **tx)
            .await
            .map_err(self.sql("updating the run"))?;
        Ok(())
    }

    /// Fail unless the round exists, every phase before `phase` is done and `phase` is not.
    async fn check_phase_order(
        &self,
        tx: &mut Tx,
        run: i64,
        round: u32,
        phase: Phase,
    ) -> Result<(), MemoryError> {
        let states: Vec<(String, String)> = sqlx::query_as(
            "SELECT phase, state FROM round_phases WHERE run_id = ? AND round = ?
             ORDER BY position",
        )
        .bind(run)
        .bind(i64::from(round))
        .fetch_all(&mut **tx)
        .await
        .map_err(self.sql("reading the phase log"))?;
        let seq = |detail: String| MemoryError::Sequence {
            run,
            round,
            phase: phase.name(),
            detail,
        };
        if states.is_empty() {
            return Err(seq("the round was not started (call begin_round)".into()));
        }
        for (name, state) in &states {
            if name == phase.name() {
                if state == "done" {
                    return Err(seq("already done; reuse its artifacts".into()));
                }
                return Ok(());
            }
            if state != "done" {
                return Err(seq(format!(
                    "the earlier phase {name} is {state}, not done"
                )));
            }
        }
        Err(seq("missing from the phase log".into()))
    }

    async fn write_verification(
        &self,
        tx: &mut Tx,
        run: i64,
        round: u32,
        v: &VerificationRecord,
    ) -> Result<(), MemoryError> {
        let r = i64::from(round);
        let candidate: Option<String> = sqlx::query_scalar(
            "SELECT candidate_commit FROM rounds WHERE run_id = ? AND round = ?",
        )
        .bind(run)
        .bind(r)
        .fetch_one(&mut **tx)
        .await
        .map_err(self.sql("reading the candidate"))?;
        let metrics = v
            .metrics
            .as_ref()
            .map(|m| self.to_json(m, "verification_records.metrics"))
            .transpose()?;
        let comparison = v
            .comparison
            .as_ref()
            .map(|c| self.to_json(c, "verification_records.comparison"))
            .transpose()?;
        let evidence = v
            .evidence
            .as_ref()
            .map(|e| self.to_json(e, "verification_records.evidence"))
            .transpose()?;
        if v.accepted != (v.outcome == RoundOutcome::Accepted) {
            return Err(MemoryError::Sequence {
                run,
                round,
                phase: Phase::Decision.name(),
                detail: format!(
                    "the record says accepted = {} with the outcome {}",
                    v.accepted,
                    v.outcome.name()
                ),
            });
        }
        sqlx::query(
            "INSERT INTO verification_records (run_id, round, build_ok, build_log, tests_ok,
                    tests_log, validity, metrics, parent_metrics, comparison, accepted, reason,
                    outcome, evidence)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(run)
        .bind(r)
        .bind(v.build.ok)
        .bind(&v.build.log)
        .bind(v.tests.ok)
        .bind(&v.tests.log)
        .bind(self.to_json(&v.validity, "verification_records.validity")?)
        .bind(metrics)
        .bind(self.to_json(&v.parent_metrics, "verification_records.parent_metrics")?)
        .bind(comparison)
        .bind(v.accepted)
        .bind(&v.reason)
        .bind(v.outcome.name())
        .bind(evidence)
        .execute(&mut **tx)
        .await
        .map_err(self.sql("writing the verification record"))?;
        sqlx::query(
            "UPDATE rounds SET accepted = ?, outcome = ?, parent_score = ?, candidate_score = ?
             WHERE run_id = ? AND round = ?",
        )
        .bind(v.accepted)
        .bind(v.outcome.name())
        .bind(
            v.evidence
                .as_ref()
                .map_or(v.parent_metrics.score, |e| e.parent_pooled_score),
        )
        .bind(v.metrics.as_ref().map(|m| m.score))
        .bind(run)
        .bind(r)
        .execute(&mut **tx)
        .await
        .map_err(self.sql("writing the decision"))?;
        if v.accepted {
            let Some(commit) = candidate else {
                return Err(MemoryError::Sequence {
                    run,
                    round,
                    phase: Phase::Decision.name(),
                    detail: "accepted, but the Apply phase recorded no candidate commit".into(),
                });
            };
            sqlx::query("UPDATE runs SET current_commit = ? WHERE id = ?")
                .bind(commit)
                .bind(run)
                .execute(&mut **tx)
                .await
                .map_err(self.sql("promoting the candidate"))?;
        }
        Ok(())
    }

    async fn write_trial(
        &self,
        tx: &mut Tx,
        run: i64,
        round: u32,
        t: &Trial,
    ) -> Result<(), MemoryError> {
        let r = i64::from(round);
        let decided: Option<bool> =
            sqlx::query_scalar("SELECT accepted FROM rounds WHERE run_id = ? AND round = ?")
                .bind(run)
                .bind(r)
                .fetch_one(&mut **tx)
                .await
                .map_err(self.sql("reading the decision"))?;
        if decided != Some(t.accepted) {
            return Err(MemoryError::Sequence {
                run,
                round,
                phase: Phase::Report.name(),
                detail: format!(
                    "the trial says accepted = {} but the decision was {:?}",
                    t.accepted, decided
                ),
            });
        }
        let (target_before, target_after) = t.target_values();
        let after = t
            .after
            .as_ref()
            .map(|m| self.to_json(m, "trial_memory.metrics_after"))
            .transpose()?;
        sqlx::query(
            "INSERT INTO trial_memory (run_id, round, failure_mode, failure_key, target_diagnostic,
                    hypothesis, intervention, diff, intervention_signature, rationale,
                    metrics_before, metrics_after, score_before, score_after, target_before,
                    target_after, accepted, lesson)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(run)
        .bind(r)
        .bind(&t.failure_mode)
        .bind(failure_key(&t.failure_mode))
        .bind(&t.target_diagnostic)
        .bind(&t.hypothesis)
        .bind(&t.intervention)
        .bind(&t.diff)
        .bind(intervention_signature(&t.diff, &t.intervention))
        .bind(&t.rationale)
        .bind(self.to_json(&t.before, "trial_memory.metrics_before")?)
        .bind(after)
        .bind(t.before.score)
        .bind(t.after.as_ref().map(|m| m.score))
        .bind(target_before)
        .bind(target_after)
        .bind(t.accepted)
        .bind(&t.lesson)
        .execute(&mut **tx)
        .await
        .map_err(self.sql("writing the trial"))?;
        Ok(())
    }

    fn phase_entry(&self, run: i64, round: u32, row: PhaseRow) -> Result<PhaseEntry, MemoryError> {
        let bad = |column: &str, value: String| MemoryError::BadValue {
            path: self.path.clone(),
            context: format!("round_phases.{column} of run {run} round {round}"),
            value,
        };
        let (phase, state, attempts, started_at, finished_at, artifacts, error) = row;
        let phase = Phase::from_name(&phase).ok_or_else(|| bad("phase", phase.clone()))?;
        let state = PhaseState::from_name(&state).ok_or_else(|| bad("state", state.clone()))?;
        let artifacts = artifacts
            .map(|a| serde_json::from_str(&a))
            .transpose()
            .map_err(self.json(format!(
                "round_phases.artifacts of run {run} round {round} {phase}"
            )))?;
        Ok(PhaseEntry {
            phase,
            state,
            attempts: u32::try_from(attempts).map_err(|_| bad("attempts", attempts.to_string()))?,
            started_at,
            finished_at,
            artifacts,
            error,
        })
    }
}

type PhaseRow = (
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);
