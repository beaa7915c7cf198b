//! The run's event stream: a closed set of events, appended in the same transaction as the
//! record they announce, so every consumer — the terminal, the report writer, a dashboard in
//! another process — sees exactly what was recorded, in order, and nothing that was not.

use serde::{Deserialize, Serialize};
use sqlx::{Sqlite, Transaction};

use crate::clock::now_ms;
use crate::outcome::RoundOutcome;
use crate::{Memory, MemoryError};

/// Something that happened to a run, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RunEvent {
    /// The run was created.
    RunCreated {
        /// Its benchmark.
        benchmark: String,
        /// Its agent.
        agent: String,
    },
    /// A round started from the current generator.
    RoundStarted {
        /// The round.
        round: u32,
        /// The current generator it starts from.
        parent_commit: String,
    },
    /// A phase started (or restarted after a crash or a failure).
    PhaseStarted {
        /// The round.
        round: u32,
        /// The phase's stored name.
        phase: String,
        /// Which attempt this is (1 = first).
        attempt: u32,
    },
    /// A phase finished and its result is recorded.
    PhaseFinished {
        /// The round.
        round: u32,
        /// The phase's stored name.
        phase: String,
        /// Wall time of the attempt, in seconds.
        secs: f64,
    },
    /// A phase failed (an error of the machine or the run, not of the candidate); it will be
    /// redone.
    PhaseFailed {
        /// The round.
        round: u32,
        /// The phase's stored name.
        phase: String,
        /// The error.
        error: String,
    },
    /// The user stopped a phase (Ctrl-C, SIGTERM); it will be redone on resume.
    PhaseInterrupted {
        /// The round.
        round: u32,
        /// The phase's stored name.
        phase: String,
    },
    /// The decision of a round is recorded.
    Decision {
        /// The round.
        round: u32,
        /// Its kind.
        outcome: RoundOutcome,
        /// Why, in one sentence.
        reason: String,
        /// The parent's Score the candidate was compared with, if scored.
        parent_score: Option<f64>,
        /// The candidate's Score, if scored.
        candidate_score: Option<f64>,
    },
    /// A round's report and lesson are recorded: the round is over.
    RoundFinished {
        /// The round.
        round: u32,
        /// Its kind.
        outcome: RoundOutcome,
    },
    /// A held-out split was read by an explicit final evaluation.
    FinalEvaluation {
        /// The split.
        split: String,
        /// The generator evaluated.
        commit: String,
        /// Its Score.
        score: f64,
    },
    /// The run's status changed (stopped, finished, failed, active again).
    StatusChanged {
        /// The new status's stored name.
        status: String,
        /// Why, when known.
        reason: Option<String>,
    },
    /// A changeable setting of the run was changed (on resume).
    SettingChanged {
        /// The setting.
        setting: String,
        /// The value before.
        old: String,
        /// The value after.
        new: String,
    },
}

impl RunEvent {
    /// The round the event belongs to, if any.
    pub fn round(&self) -> Option<u32> {
        match self {
            RunEvent::RoundStarted { round, .. }
            | RunEvent::PhaseStarted { round, .. }
            | RunEvent::PhaseFinished { round, .. }
            | RunEvent::PhaseFailed { round, .. }
            | RunEvent::PhaseInterrupted { round, .. }
            | RunEvent::Decision { round, .. }
            | RunEvent::RoundFinished { round, .. } => Some(*round),
            _ => None,
        }
    }

    /// The stored name of the event's kind (`round_started`, `decision`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            RunEvent::RunCreated { .. } => "run_created",
            RunEvent::RoundStarted { .. } => "round_started",
            RunEvent::PhaseStarted { .. } => "phase_started",
            RunEvent::PhaseFinished { .. } => "phase_finished",
            RunEvent::PhaseFailed { .. } => "phase_failed",
            RunEvent::PhaseInterrupted { .. } => "phase_interrupted",
            RunEvent::Decision { .. } => "decision",
            RunEvent::RoundFinished { .. } => "round_finished",
            RunEvent::FinalEvaluation { .. } => "final_evaluation",
            RunEvent::StatusChanged { .. } => "status_changed",
            RunEvent::SettingChanged { .. } => "setting_changed",
        }
    }
}

/// One stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Increasing id over the whole database: ask for events after the last one seen.
    pub id: i64,
    /// The run.
    pub run: i64,
    /// When it was recorded (ms since the epoch, UTC).
    pub at: i64,
    /// The event.
    pub event: RunEvent,
}

impl Memory {
    /// Appends `event` to run `run`'s stream inside the caller's transaction.
    pub(crate) async fn append_event(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        run: i64,
        event: &RunEvent,
    ) -> Result<(), MemoryError> {
        let json = serde_json::to_string(event).map_err(self.json("run_events.event"))?;
        sqlx::query(
            "INSERT INTO run_events (run_id, round, at, kind, event) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(run)
        .bind(event.round().map(i64::from))
        .bind(now_ms())
        .bind(event.kind())
        .bind(json)
        .execute(&mut **tx)
        .await
        .map_err(self.sql("appending a run event"))?;
        Ok(())
    }

    /// The id of run `run`'s newest event (0 when it has none): a reader that wants only
    /// what is recorded from now on asks for the events after it.
    pub async fn last_event_id(&self, run: i64) -> Result<i64, MemoryError> {
        let (id,): (Option<i64>,) =
            sqlx::query_as("SELECT max(id) FROM run_events WHERE run_id = ?")
                .bind(run)
                .fetch_one(&self.pool)
                .await
                .map_err(self.sql(format!("reading the last event of run {run}")))?;
        Ok(id.unwrap_or(0))
    }

    /// The events of run `run` recorded after event id `after` (0 = from the start), oldest
    /// first, at most `limit`. A reader in another process polls this to follow a live run.
    pub async fn events_since(
        &self,
        run: i64,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, MemoryError> {
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT id, at, event FROM run_events WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?",
        )
        .bind(run)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(self.sql(format!("reading the events of run {run}")))?;
        rows.into_iter()
            .map(|(id, at, json)| {
                Ok(StoredEvent {
                    id,
                    run,
                    at,
                    event: self.parse_json(&json, &format!("run_events.event {id}"))?,
                })
            })
            .collect()
    }
}
