//! The driving process's consumers of the run's event stream.
//!
//! Every record a round makes is announced by a [`RunEvent`] appended in the same transaction
//! (`memory`); the dashboard streams those events to browsers. The process that drives the
//! run consumes the very same stream: after each phase is begun, recorded, failed or
//! interrupted, [`EventFeed::deliver`] reads the events recorded since its last call and
//! hands them to the terminal's progress (the phase in the bar, one line per finished round,
//! interrupted phases, setting changes) and to the report writer (the run's report is
//! rewritten when a round finishes). Nothing is shown or written that was not recorded.

use crate::evolution::progress::Progress;
use crate::evolution::run::Run;
use memory::{Memory, RoundOutcome, RoundRecord, RunEvent};

/// Events read per query.
const PAGE: u32 = 256;

/// A position in one run's event stream, and the round's decision until the round finishes.
pub struct EventFeed {
    after: i64,
    decision: Option<(u32, RoundOutcome, String)>,
}

impl EventFeed {
    /// A feed of the events recorded from now on (earlier ones were shown by the process
    /// that recorded them).
    pub async fn from_now(memory: &Memory, run: i64) -> anyhow::Result<EventFeed> {
        Ok(EventFeed {
            after: memory.last_event_id(run).await?,
            decision: None,
        })
    }

    /// Hands every event recorded since the last call to the terminal and the report writer.
    /// A report that cannot be rewritten is said on the terminal, not an error of the run.
    pub async fn deliver(&mut self, run: &Run, progress: &Progress) -> anyhow::Result<()> {
        loop {
            let events = run.memory.events_since(run.id, self.after, PAGE).await?;
            let Some(last) = events.last() else {
                return Ok(());
            };
            self.after = last.id;
            for stored in events {
                self.consume(run, progress, stored.event).await?;
            }
        }
    }

    async fn consume(
        &mut self,
        run: &Run,
        progress: &Progress,
        event: RunEvent,
    ) -> anyhow::Result<()> {
        match event {
            RunEvent::RoundStarted { round, .. } => progress.round(round),
            RunEvent::PhaseStarted {
                round,
                phase,
                attempt,
            } => progress.phase(round, &phase, attempt),
            RunEvent::PhaseInterrupted { round, phase } => progress.line(&format!(
                "round {round}: {phase} interrupted; `orchestrator resume {}` redoes it",
                run.id
            )),
            RunEvent::Decision {
                round,
                outcome,
                reason,
                ..
            } => self.decision = Some((round, outcome, reason)),
            RunEvent::RoundFinished { round, outcome } => {
                let reason = match self.decision.take() {
                    Some((r, _, reason)) if r == round => reason,
                    // The decision was shown by an earlier process (a resume after a crash
                    // between the decision and the report): its reason is in the record.
                    _ => String::new(),
                };
                let record = run.memory.round_record(run.id, round).await?;
                progress.line(&round_line(
                    &record,
                    run.settings.agent.name(),
                    outcome,
                    &reason,
                ));
                // The report is rewritten after every round.
                if let Err(e) = crate::evolution::run_report::write(run).await {
                    progress.line(&format!("the run report could not be rewritten: {e:#}"));
                }
            }
            RunEvent::SettingChanged { setting, old, new } => {
                progress.line(&format!("{setting} changed from {old} to {new}"))
            }
            // Shown by the driver with its context (a retry, the error the run stops with),
            // or not the terminal's business.
            RunEvent::PhaseFailed { .. }
            | RunEvent::PhaseFinished { .. }
            | RunEvent::RunCreated { .. }
            | RunEvent::FinalEvaluation { .. }
            | RunEvent::StatusChanged { .. } => {}
        }
        Ok(())
    }
}

/// The terminal's line for a finished round: agent, change, the paired Scores the decision
/// compared, and the verdict with its reason.
pub fn round_line(
    record: &RoundRecord,
    agent: &str,
    outcome: RoundOutcome,
    reason: &str,
) -> String {
    let change = record
        .trial
        .as_ref()
        .map_or_else(|| "no change".to_string(), |t| t.intervention.clone());
    let scores = match record.verification.as_ref() {
        Some(v) => match v.evidence.as_ref() {
            Some(e) => {
                let paired = e.confirmation.as_ref().unwrap_or(&e.screening);
                format!(
                    "Score {:.4} → {:.4} (paired, {} seeds)",
                    paired.parent_score,
                    paired.candidate_score,
                    paired.seeds.len()
                )
            }
            None => format!("Score {:.4}", v.parent_metrics.score),
        },
        None => "not scored".to_string(),
    };
    let reason = if reason.is_empty() {
        record
            .verification
            .as_ref()
            .map_or("", |v| v.reason.as_str())
    } else {
        reason
    };
    let verdict = if outcome == RoundOutcome::Accepted {
        "ACCEPTED".to_string()
    } else {
        format!("{}: {reason}", outcome.label())
    };
    format!(
        "round {}: {agent} · {change} · {scores} · {verdict}",
        record.round
    )
}
