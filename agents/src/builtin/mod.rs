//! The built-in agent: an attribution-guided search over the documented tunable
//! constants of `heuristics/src/params.rs`. Not an LLM, and it says so in every proposal.
//!
//! Each round it
//! 1. parses `params.rs`: every `pub const NAME: f64|usize|u32 = literal;` with its doc
//!    comment, its `Range: lo..=hi` line and its `Targets: diag, diag` line;
//! 2. reads its own history (the evolution memory) per (constant, direction) since the
//!    constant last changed:
//!    - an untried move starts at [`INITIAL_STEP_FRACTION`] of the constant's range;
//!    - a move that failed (raised the Score, or lowered it by less than
//!      [`PROMISING_SHARE_OF_FLOOR`] of the noise floor) is retried with half its smallest
//!      step, damped by [`FAILURE_DAMPING`] so that every untried move comes first, until
//!      the step falls below [`MIN_STEP_FRACTION`]; undoing the last accepted change
//!      counts as a failed move;
//!    - a move that changed nothing ([`NO_EFFECT`]) ends that direction;
//!    - a move that lowered the Score by more, but not by more than the noise floor
//!      ("promising"), is retried with twice the step while that keeps helping, up to
//!      [`MAX_STEP_FRACTION`]; then it is *settled* at its best step;
//! 3. when the settled and promising moves of different constants together gained more
//!    than the noise floor, proposes them **combined** in one change (gains too small to
//!    be accepted alone add up); a combination that failed is not tried again, its
//!    strongest subsets are;
//! 4. otherwise proposes the single move whose target diagnostics carry the most of the
//!    Score (the attribution record's ranking), weighted by what the memory says; and
//! 5. returns a real unified diff of `params.rs`.
//!
//! The search is deterministic: same source, ranking, noise floor and history → same move.

mod moves;
mod rewrite;
mod search;
mod tunables;

pub use moves::{Direction, Edit, MoveKind, PastMove, PlannedMove};
pub use rewrite::{rewrite, unified_diff};
pub use search::*;
pub use tunables::{parse_tunables, Tunable};

use crate::contract::{Agent, AgentError, Change, Proposal, ProposalRequest, Workbench};
use serde::{Deserialize, Serialize};

/// Path of the tunables file inside the run repository.
pub const PARAMS_PATH: &str = "heuristics/src/params.rs";

/// The built-in agent as an [`Agent`]: reads `params.rs` through the workbench, the
/// ranking, noise floor and its own history from [`ProposalRequest::context`], and
/// proposes one move.
#[derive(Debug, Default)]
pub struct BuiltinAgent;

/// What the orchestrator puts in [`ProposalRequest::context`] for the built-in agent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BuiltinContext {
    pub ranked_diagnostics: Vec<(String, f64)>,
    pub builtin_history: Vec<PastMove>,
    /// The run's noise floor: a candidate must lower the Score by more to be accepted.
    #[serde(default)]
    pub noise_floor: f64,
}

#[async_trait::async_trait]
impl Agent for BuiltinAgent {
    fn name(&self) -> &str {
        "builtin"
    }

    fn return_mode(&self) -> prompts::ReturnMode {
        prompts::ReturnMode::Diff
    }

    async fn propose(
        &mut self,
        req: &ProposalRequest,
        bench: &dyn Workbench,
    ) -> Result<Proposal, AgentError> {
        let context: BuiltinContext = serde_json::from_value(req.context.clone()).map_err(|e| {
            AgentError::Setup(format!("the built-in agent's context is malformed: {e}"))
        })?;
        let source = bench
            .read_file(PARAMS_PATH)
            .map_err(|e| AgentError::Setup(format!("cannot read {PARAMS_PATH}: {e}")))?;
        let tunables = parse_tunables(&source);
        if tunables.is_empty() {
            return Err(AgentError::NoChange(format!(
                "{PARAMS_PATH} documents no tunable constant (`/// Range: lo..=hi` lines)"
            )));
        }
        let combination = plan_combination_move(&tunables, &context);
        let (planned, previewed) = match combination {
            Some(c) => (c, Vec::new()),
            None => {
                let singles = plan_singles(
                    &tunables,
                    &context.ranked_diagnostics,
                    &context.builtin_history,
                    context.noise_floor,
                    PREVIEWED_MOVES,
                );
                if singles.is_empty() {
                    return Err(AgentError::Declined(
                        "every documented move of params.rs is exhausted".into(),
                    ));
                }
                choose_by_preview(&source, singles, bench).await?
            }
        };
        let new = rewrite(&source, &planned).ok_or_else(|| {
            AgentError::Protocol(format!(
                "could not rewrite {} in {PARAMS_PATH}",
                planned.tunables()
            ))
        })?;
        let target = match planned.kind {
            MoveKind::Single => planned.evidence.first().map(|(d, _)| d.clone()),
            MoveKind::Combination => None,
        }
        .unwrap_or_else(|| "Score".to_string());
        Ok(Proposal {
            agent: "builtin".into(),
            model: None,
            target,
            hypothesis: planned.hypothesis(),
            rationale: rationale(&planned, &tunables, &context.ranked_diagnostics),
            change: Change::Diff(unified_diff(PARAMS_PATH, &source, &new)),
            steps: 1,
            transcript: serde_json::json!({ "builtin_move": planned, "previewed": previewed }),
        })
    }
}

/// A move the search previewed this round, and what the preview found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewedMove {
    pub planned: PlannedMove,
    /// Parent − move Score on the preview seeds (`None`: could not be previewed).
    pub improvement: Option<f64>,
    pub standard_error: Option<f64>,
}

/// The combination the memory calls for, if any.
fn plan_combination_move(tunables: &[Tunable], context: &BuiltinContext) -> Option<PlannedMove> {
    let planned = plan_move(
        tunables,
        &context.ranked_diagnostics,
        &context.builtin_history,
        context.noise_floor,
    )?;
    (planned.kind == MoveKind::Combination).then_some(planned)
}

/// Previews each candidate move (written into the worktree, then reset) and returns the
/// one with the best preview improvement, with every preview. Without previews (a workbench
/// that cannot), the first (highest-priority) move.
async fn choose_by_preview(
    source: &str,
    candidates: Vec<PlannedMove>,
    bench: &dyn Workbench,
) -> Result<(PlannedMove, Vec<PreviewedMove>), AgentError> {
    let mut previewed = Vec::with_capacity(candidates.len());
    for planned in candidates {
        let Some(new) = rewrite(source, &planned) else {
            continue;
        };
        bench
            .write_file(PARAMS_PATH, &new)
            .map_err(|e| AgentError::Setup(format!("cannot write {PARAMS_PATH}: {e}")))?;
        let preview = bench.preview().await;
        bench.reset();
        previewed.push(PreviewedMove {
            planned,
            improvement: preview.improvement,
            standard_error: preview.standard_error,
        });
        if preview.improvement.is_none() {
            // No previews here: the highest-priority move, as the search ranked it.
            break;
        }
    }
    let best = previewed
        .iter()
        .max_by(|a, b| {
            let key = |p: &PreviewedMove| p.improvement.unwrap_or(f64::NEG_INFINITY);
            key(a).total_cmp(&key(b)).then(std::cmp::Ordering::Greater)
        })
        .map(|p| p.planned.clone())
        .ok_or_else(|| AgentError::Protocol(format!("could not rewrite {PARAMS_PATH}")))?;
    Ok((best, previewed))
}

/// Why the built-in search chose `planned`, in a sentence or two.
fn rationale(planned: &PlannedMove, tunables: &[Tunable], ranked: &[(String, f64)]) -> String {
    match planned.kind {
        MoveKind::Single => {
            let edit = &planned.edits[0];
            let summary = tunables
                .iter()
                .find(|t| t.name == edit.tunable)
                .map(|t| t.summary.as_str())
                .unwrap_or_default();
            let total: f64 = ranked
                .iter()
                .map(|(_, c)| c.max(0.0))
                .sum::<f64>()
                .max(1e-12);
            let share: f64 = planned
                .evidence
                .iter()
                .map(|(_, c)| c.max(0.0))
                .sum::<f64>();
            format!(
                "Built-in search (no LLM): {} — {summary} Chosen because its Targets carry \
                 {:.1}% of the Score's attributed error, weighted by earlier tries of the move; \
                 step {:.1}% of its range.",
                edit.tunable,
                100.0 * share / total,
                edit.step_fraction * 100.0
            )
        }
        MoveKind::Combination => format!(
            "Built-in search (no LLM): combining {} moves that each lowered the Score by less \
             than the noise floor ({}).",
            planned.edits.len(),
            planned
                .evidence
                .iter()
                .map(|(n, g)| format!("{n} {g:.4}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests;
