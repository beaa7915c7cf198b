//! One round, phase by phase. Each phase reads what earlier phases recorded (their typed
//! artifacts in the database, files in the run folder), does its work, and is recorded in
//! one transaction before the next starts. A process that dies mid-round therefore resumes
//! at the first unrecorded phase, with nothing to remember.
//!
//! Phases: parent rollout → attribution (`parent`) → proposal (`proposal`, `prompt`) →
//! apply → build → verification (`candidate`) → evaluation (`evaluation`) → decision
//! (`decision`) → report (`report`). Once a candidate is rejected, the later phases up to the
//! decision record that they were skipped and the decision records the rejection.

pub mod artifacts;
mod candidate;
mod decision;
mod evaluation;
mod parent;
mod prompt;
mod proposal;
mod report;
mod rollouts;

pub use parent::pooled_evaluation;
pub use proposal::AgentUnavailable;
pub use rollouts::rollout_request;

use crate::evolution::event_feed::EventFeed;
use crate::evolution::faults;
use crate::evolution::progress::Progress;
use crate::evolution::run::Run;
use memory::{Phase, PhaseOutput, ResumePoint};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How a round ended.
pub enum RoundEnd {
    Done,
    Interrupted,
    BudgetExhausted(String),
}

/// What a phase produced: its record, or a reason to stop the run cleanly.
enum PhaseResult {
    Output(Box<PhaseOutput>),
    BudgetExhausted(String),
}

/// How long to wait before asking an unavailable agent again, attempt by attempt; after the
/// last, the run stops (failed, resumable).
const AGENT_RETRY_DELAYS: [Duration; 2] = [Duration::from_secs(5), Duration::from_secs(15)];

/// Drives one round from `point`; after every record it makes, `feed` hands the new events to
/// the terminal and the report writer.
pub async fn run_round(
    run: &mut Run,
    point: ResumePoint,
    progress: &Progress,
    feed: &mut EventFeed,
) -> anyhow::Result<RoundEnd> {
    let r = point.round;
    if !point.round_started {
        let parent = run.memory.run_summary(run.id).await?.current_commit;
        run.memory.begin_round(&run.lock, r, &parent).await?;
    }
    let mut phase = point.phase;
    let mut agent_attempt = 0;
    loop {
        if run.interrupted.load(Ordering::SeqCst) {
            return Ok(RoundEnd::Interrupted);
        }
        run.memory.begin_phase(&run.lock, r, phase).await?;
        feed.deliver(run, progress).await?;
        let started = Instant::now();
        // On Ctrl-C the phase's future is dropped (an agent's processes die with it) and
        // the sandbox kills the candidate it waits for; the phase is recorded as
        // interrupted, not failed, and redone on resume.
        let interrupt = run.interrupt.clone();
        let result = tokio::select! {
            result = async {
                faults::maybe_hold(r, phase).await;
                execute(run, r, phase).await
            } => result,
            () = interrupt.wait() => Err(anyhow::anyhow!("interrupted")),
        };
        let output = match result {
            Err(_) if interrupt.is_requested() => {
                run.memory.interrupt_phase(&run.lock, r, phase).await?;
                feed.deliver(run, progress).await?;
                return Ok(RoundEnd::Interrupted);
            }
            Ok(PhaseResult::Output(output)) => *output,
            Ok(PhaseResult::BudgetExhausted(why)) => {
                run.memory.fail_phase(&run.lock, r, phase, &why).await?;
                progress.line(&format!(
                    "round {r}: the LLM budget is spent ({why}); the run stops here"
                ));
                return Ok(RoundEnd::BudgetExhausted(why));
            }
            Err(e) => {
                let message = format!("{e:#}");
                let recorded = run.memory.fail_phase(&run.lock, r, phase, &message).await;
                if e.downcast_ref::<AgentUnavailable>().is_some()
                    && agent_attempt < AGENT_RETRY_DELAYS.len()
                    && recorded.is_ok()
                {
                    let delay = AGENT_RETRY_DELAYS[agent_attempt];
                    agent_attempt += 1;
                    progress.line(&format!(
                        "round {r}: {message}; asking again in {} s",
                        delay.as_secs()
                    ));
                    // A Ctrl-C during the wait stops the run at the next phase check.
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        () = interrupt.wait() => {}
                    }
                    continue;
                }
                let context = match recorded {
                    Ok(()) => format!("round {r}, phase {}", phase.name()),
                    // A full disk or a read-only folder can refuse this write too: the
                    // phase's own error is the one to report.
                    Err(db) => format!(
                        "round {r}, phase {} (the failure could not be recorded: {db})",
                        phase.name()
                    ),
                };
                return Err(e.context(context));
            }
        };
        tracing::debug!(
            round = r,
            phase = phase.name(),
            secs = started.elapsed().as_secs_f64(),
            "phase done"
        );
        faults::maybe_kill(r, phase, faults::Moment::During);
        run.memory
            .record_phase(&run.lock, r, phase, &output)
            .await?;
        faults::maybe_kill(r, phase, faults::Moment::After);
        feed.deliver(run, progress).await?;
        match Phase::ALL.get(phase.position() + 1) {
            Some(next) => phase = *next,
            None => return Ok(RoundEnd::Done),
        }
    }
}

async fn execute(run: &mut Run, r: u32, phase: Phase) -> anyhow::Result<PhaseResult> {
    let output = match phase {
        Phase::ParentRollout => parent::parent_rollout(run, r).await?,
        Phase::Attribution => parent::attribution(run, r).await?,
        Phase::Proposal => {
            return Ok(match proposal::proposal(run, r).await? {
                proposal::ProposalResult::Recorded(output) => PhaseResult::Output(output),
                proposal::ProposalResult::BudgetExhausted(why) => PhaseResult::BudgetExhausted(why),
            })
        }
        Phase::Apply => candidate::apply(run, r).await?,
        Phase::Build => candidate::build(run, r).await?,
        Phase::Verification => candidate::verification(run, r).await?,
        Phase::Evaluation => evaluation::evaluation(run, r).await?,
        Phase::Decision => decision::decision(run, r).await?,
        Phase::Report => report::report(run, r).await?,
    };
    Ok(PhaseResult::Output(Box::new(output)))
}
