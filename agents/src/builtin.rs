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

use crate::contract::{Agent, AgentError, Change, Proposal, ProposalRequest, Workbench};
use serde::{Deserialize, Serialize};
use similar::TextDiff;

/// Path of the tunables file inside the run repository.
pub const PARAMS_PATH: &str = "heuristics/src/params.rs";

/// First step of a move, as a fraction of the constant's range.
pub const INITIAL_STEP_FRACTION: f64 = 0.1;

/// A failed move whose step has been halved below this fraction of the range is exhausted.
pub const MIN_STEP_FRACTION: f64 = 0.02;

/// Largest step, as a fraction of the range, a promising move grows to.
pub const MAX_STEP_FRACTION: f64 = 0.8;

/// Priority multiplier of a move that was accepted the last time it was tried.
pub const REPEAT_SUCCESS_BOOST: f64 = 1.5;

/// Priority multiplier per failed try of the same move since the constant last changed.
/// Small, so the search goes broad before deep: every untried move of a constant whose
/// targets carry any of the Score comes before a smaller retry of a failed one.
pub const FAILURE_DAMPING: f64 = 0.03;

/// Priority multiplier of a promising move (it lowered the Score, within the noise).
pub const PROMISING_BOOST: f64 = 1.25;

/// Share of priority every constant keeps even when none of its targets rank high, so the
/// search still explores constants whose `Targets` lines are incomplete.
pub const BASE_RELEVANCE: f64 = 0.02;

/// A try whose Score moved by less than this had no effect: the move is ended in that
/// direction (for example a weight on a feature the survey does not have).
pub const NO_EFFECT: f64 = 1e-9;

/// A rejected move is *promising* when it lowered the Score by more than this share of
/// the noise floor: smaller gains are indistinguishable from the seeds' noise.
pub const PROMISING_SHARE_OF_FLOOR: f64 = 0.25;

/// Most moves one combination holds.
pub const MAX_COMBINED_MOVES: usize = 6;

/// One documented constant of `params.rs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tunable {
    pub name: String,
    pub integer: bool,
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
    pub targets: Vec<String>,
    /// The first doc line: what the constant controls.
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    fn sign(self) -> f64 {
        match self {
            Direction::Up => 1.0,
            Direction::Down => -1.0,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

/// One constant's part of a move the built-in agent made in an earlier round, and what
/// became of the move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PastMove {
    pub round: u32,
    pub tunable: String,
    pub direction: Direction,
    pub step_fraction: f64,
    pub accepted: bool,
    /// Parent Score − candidate Score (positive: the move helped); 0 when never scored.
    #[serde(default)]
    pub improvement: f64,
    /// Part of a combination: its outcome says nothing about this constant alone.
    #[serde(default)]
    pub combined: bool,
}

/// One constant's change in a planned move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edit {
    pub tunable: String,
    pub direction: Direction,
    pub step_fraction: f64,
    pub from: f64,
    pub to: f64,
    pub integer: bool,
}

impl Edit {
    fn describe(&self) -> String {
        format!(
            "{} {} from {} to {}",
            self.tunable,
            self.direction.word(),
            format_literal(self.from, self.integer),
            format_literal(self.to, self.integer)
        )
    }
}

/// Why a move was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MoveKind {
    /// One constant, chosen by attribution and memory.
    Single,
    /// Several promising moves together, each too small to clear the noise floor alone.
    Combination,
}

/// The move chosen this round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedMove {
    pub kind: MoveKind,
    /// One edit for a single move; several for a combination.
    pub edits: Vec<Edit>,
    pub priority: f64,
    /// The target diagnostics of a single move's constant, with their contribution to
    /// the Score; for a combination, each edit's earlier gain (`NAME gain`).
    pub evidence: Vec<(String, f64)>,
}

impl PlannedMove {
    /// The move's constants, as `A` or `A + B + …`.
    pub fn tunables(&self) -> String {
        let names: Vec<&str> = self.edits.iter().map(|e| e.tunable.as_str()).collect();
        names.join(" + ")
    }

    pub fn hypothesis(&self) -> String {
        let edits: Vec<String> = self.edits.iter().map(Edit::describe).collect();
        match self.kind {
            MoveKind::Single => {
                let evidence: Vec<String> = self
                    .evidence
                    .iter()
                    .map(|(d, c)| format!("{d} ({c:.4})"))
                    .collect();
                format!(
                    "Moving {} should lower {}, the diagnostics it targets.",
                    edits.join(", "),
                    if evidence.is_empty() {
                        "the Score".to_string()
                    } else {
                        evidence.join(", ")
                    }
                )
            }
            MoveKind::Combination => format!(
                "Each of these moves lowered the Score alone, by less than the noise floor; \
                 together they should clear it (summed gain {:.4}): {}.",
                self.priority,
                edits.join("; ")
            ),
        }
    }

    /// What the memory keeps of this move once it was decided: one entry per edit.
    pub fn outcomes(&self, round: u32, accepted: bool, improvement: f64) -> Vec<PastMove> {
        self.edits
            .iter()
            .map(|e| PastMove {
                round,
                tunable: e.tunable.clone(),
                direction: e.direction,
                step_fraction: e.step_fraction,
                accepted,
                improvement,
                combined: self.kind == MoveKind::Combination,
            })
            .collect()
    }
}

/// Parses the documented constants of `params.rs`. Constants without a `Range:` line
/// are not tunable by the built-in agent and are skipped.
pub fn parse_tunables(source: &str) -> Vec<Tunable> {
    let mut tunables = Vec::new();
    let mut doc: Vec<String> = Vec::new();
    for line in source.lines() {
        let trimmed = line.trim();
        if let Some(text) = trimmed.strip_prefix("///") {
            doc.push(text.trim().to_string());
            continue;
        }
        if trimmed.starts_with("#[") {
            continue;
        }
        if let Some(c) = parse_const_line(trimmed) {
            if let Some((lo, hi)) = doc.iter().find_map(|d| parse_range(d)) {
                let targets = doc
                    .iter()
                    .find_map(|d| d.strip_prefix("Targets:"))
                    .map(|t| {
                        t.split(',')
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                tunables.push(Tunable {
                    name: c.0,
                    integer: c.1,
                    value: c.2,
                    lo,
                    hi,
                    targets,
                    summary: doc.first().cloned().unwrap_or_default(),
                });
            }
        }
        doc.clear();
    }
    tunables
}

/// `pub const NAME: TYPE = LITERAL;` → (name, is_integer, value).
fn parse_const_line(line: &str) -> Option<(String, bool, f64)> {
    let rest = line.strip_prefix("pub const ")?;
    let (name, rest) = rest.split_once(':')?;
    let (ty, rest) = rest.split_once('=')?;
    let literal = rest.trim().strip_suffix(';')?.trim().replace('_', "");
    let integer = match ty.trim() {
        "f64" | "f32" => false,
        "usize" | "u32" | "u64" | "u16" | "u8" | "i32" | "i64" => true,
        _ => return None,
    };
    let value: f64 = literal.parse().ok()?;
    Some((name.trim().to_string(), integer, value))
}

/// `Range: lo..=hi` → (lo, hi).
fn parse_range(doc: &str) -> Option<(f64, f64)> {
    let range = doc.strip_prefix("Range:")?.trim();
    let (lo, hi) = range.split_once("..=")?;
    let lo: f64 = lo.trim().replace('_', "").parse().ok()?;
    let hi: f64 = hi.trim().replace('_', "").parse().ok()?;
    (lo < hi).then_some((lo, hi))
}

/// Chooses this round's move, or `None` when every move is exhausted.
///
/// `ranked` is the attribution record's diagnostics with their contribution to the Score;
/// `noise_floor` the run's acceptance margin.
pub fn plan_move(
    tunables: &[Tunable],
    ranked: &[(String, f64)],
    history: &[PastMove],
    noise_floor: f64,
) -> Option<PlannedMove> {
    plan_combination(tunables, history, noise_floor)
        .or_else(|| plan_single(tunables, ranked, history, noise_floor))
}

/// The single move with the highest priority: the share of the Score its constant's
/// targets carry, times what the memory says of the move.
fn plan_single(
    tunables: &[Tunable],
    ranked: &[(String, f64)],
    history: &[PastMove],
    noise_floor: f64,
) -> Option<PlannedMove> {
    let total: f64 = ranked
        .iter()
        .map(|(_, c)| c.max(0.0))
        .sum::<f64>()
        .max(1e-12);
    let mut best: Option<PlannedMove> = None;
    for t in tunables {
        let evidence: Vec<(String, f64)> = ranked
            .iter()
            .filter(|(d, _)| t.targets.iter().any(|x| x == d))
            .map(|(d, c)| (d.clone(), *c))
            .collect();
        let relevance =
            BASE_RELEVANCE + evidence.iter().map(|(_, c)| c.max(0.0)).sum::<f64>() / total;
        for direction in [Direction::Up, Direction::Down] {
            let Some(next) = MoveMemory::of(t, direction, history, noise_floor).next else {
                continue;
            };
            let priority = relevance * next.factor;
            let better = match &best {
                None => true,
                Some(b) => priority > b.priority + 1e-12,
            };
            if better {
                best = Some(PlannedMove {
                    kind: MoveKind::Single,
                    edits: vec![next.edit],
                    priority,
                    evidence: evidence.clone(),
                });
            }
        }
    }
    best
}

/// The strongest untried combination of the promising moves of different constants whose
/// summed gains exceed the noise floor: all of them first, then ever smaller subsets of
/// the strongest (down to two).
fn plan_combination(
    tunables: &[Tunable],
    history: &[PastMove],
    noise_floor: f64,
) -> Option<PlannedMove> {
    // The best promising move per constant, strongest first.
    let mut members: Vec<(Edit, f64)> = tunables
        .iter()
        .filter_map(|t| {
            [Direction::Up, Direction::Down]
                .into_iter()
                .filter_map(|d| MoveMemory::of(t, d, history, noise_floor).gain)
                .max_by(|a, b| a.1.total_cmp(&b.1))
        })
        .collect();
    members.sort_by(|a, b| b.1.total_cmp(&a.1));
    members.truncate(MAX_COMBINED_MOVES);
    let tried = tried_combinations(history);
    for n in (2..=members.len()).rev() {
        let subset = &members[..n];
        let gain: f64 = subset.iter().map(|(_, g)| g).sum();
        if gain <= noise_floor {
            // Smaller subsets gain even less.
            return None;
        }
        let key = combination_key(
            subset
                .iter()
                .map(|(e, _)| (&e.tunable, e.direction, e.step_fraction)),
        );
        if tried.contains(&key) {
            continue;
        }
        return Some(PlannedMove {
            kind: MoveKind::Combination,
            edits: subset.iter().map(|(e, _)| e.clone()).collect(),
            priority: gain,
            evidence: subset
                .iter()
                .map(|(e, g)| (format!("{} gain", e.tunable), *g))
                .collect(),
        });
    }
    None
}

/// The combinations already tried, each as its [`combination_key`].
fn tried_combinations(history: &[PastMove]) -> Vec<String> {
    let mut rounds: Vec<u32> = history
        .iter()
        .filter(|m| m.combined)
        .map(|m| m.round)
        .collect();
    rounds.dedup();
    rounds
        .into_iter()
        .map(|round| {
            combination_key(
                history
                    .iter()
                    .filter(|m| m.combined && m.round == round)
                    .map(|m| (&m.tunable, m.direction, m.step_fraction)),
            )
        })
        .collect()
}

/// A combination's identity: its (constant, direction, step) triples, sorted.
fn combination_key<'a>(edits: impl Iterator<Item = (&'a String, Direction, f64)>) -> String {
    let mut parts: Vec<String> = edits
        .map(|(name, d, step)| format!("{name}:{}:{step:.6}", d.word()))
        .collect();
    parts.sort();
    parts.join(",")
}

/// The next try of a move and its priority factor.
struct NextTry {
    edit: Edit,
    factor: f64,
}

/// What the memory says of one (constant, direction) since the constant last changed.
struct MoveMemory {
    /// The next single try, or `None` when the move is exhausted or settled.
    next: Option<NextTry>,
    /// The move at its best step with its gain, when it lowered the Score.
    gain: Option<(Edit, f64)>,
}

impl MoveMemory {
    fn of(t: &Tunable, direction: Direction, history: &[PastMove], noise_floor: f64) -> MoveMemory {
        let of_this: Vec<&PastMove> = history.iter().filter(|m| m.tunable == t.name).collect();
        let since_change = match of_this.iter().rposition(|m| m.accepted) {
            Some(i) => &of_this[i + 1..],
            None => &of_this[..],
        };
        let last_accepted = of_this.last().filter(|m| m.accepted);
        let repeats_success =
            matches!(last_accepted, Some(m) if m.direction == direction && !m.combined);
        // Undoing the last accepted change returns to a value known to be worse: it counts
        // as a failed try at that step.
        let undo = of_this
            .iter()
            .rev()
            .find(|m| m.accepted)
            .filter(|m| m.direction != direction)
            .map(|m| PastMove {
                direction,
                accepted: false,
                combined: false,
                improvement: -m.improvement.abs().max(1e-6),
                ..(*m).clone()
            });
        let tries: Vec<&PastMove> = undo
            .iter()
            .chain(
                since_change
                    .iter()
                    .copied()
                    .filter(|m| m.direction == direction && !m.combined),
            )
            .collect();
        let edit = |fraction: f64| {
            step(t, direction, fraction).map(|to| Edit {
                tunable: t.name.clone(),
                direction,
                step_fraction: fraction,
                from: t.value,
                to,
                integer: t.integer,
            })
        };
        // A try that changed nothing at all (or was never scored) ends this direction:
        // the constant may be inert on this benchmark, or past a point where it matters.
        if tries.iter().any(|m| m.improvement.abs() < NO_EFFECT) {
            return MoveMemory {
                next: None,
                gain: None,
            };
        }
        let Some(best) = tries
            .iter()
            .max_by(|a, b| a.improvement.total_cmp(&b.improvement))
        else {
            // Untried: start small after a success in this direction, else at the initial step.
            let fraction = match last_accepted {
                Some(m) if repeats_success => m.step_fraction,
                _ => INITIAL_STEP_FRACTION,
            };
            let factor = if repeats_success {
                REPEAT_SUCCESS_BOOST
            } else {
                1.0
            };
            return MoveMemory {
                next: edit(fraction).map(|edit| NextTry { edit, factor }),
                gain: None,
            };
        };
        if best.improvement > PROMISING_SHARE_OF_FLOOR * noise_floor {
            // Promising: grow the step while the largest step tried is also the best one.
            let best_edit = edit(best.step_fraction);
            let largest = tries.iter().map(|m| m.step_fraction).fold(0.0, f64::max);
            let grown = (best.step_fraction >= largest - 1e-12
                && best.step_fraction * 2.0 <= MAX_STEP_FRACTION + 1e-12)
                .then(|| edit(best.step_fraction * 2.0))
                .flatten()
                // Clamped at the end of the range: nothing new to try.
                .filter(|e| {
                    best_edit
                        .as_ref()
                        .is_none_or(|b| (b.to - e.to).abs() > 1e-12)
                });
            return MoveMemory {
                next: grown.map(|edit| NextTry {
                    edit,
                    factor: PROMISING_BOOST,
                }),
                gain: best_edit.map(|e| (e, best.improvement)),
            };
        }
        // Failed every time: retry with half the smallest step tried.
        let smallest = tries
            .iter()
            .map(|m| m.step_fraction)
            .fold(f64::MAX, f64::min);
        let fraction = smallest / 2.0;
        let next = (fraction >= MIN_STEP_FRACTION)
            .then(|| edit(fraction))
            .flatten()
            .map(|edit| NextTry {
                edit,
                factor: FAILURE_DAMPING.powi(tries.len() as i32),
            });
        MoveMemory { next, gain: None }
    }
}

/// The new value after a step, clamped to the range; `None` when it would not change.
fn step(t: &Tunable, direction: Direction, fraction: f64) -> Option<f64> {
    let mut delta = fraction * (t.hi - t.lo) * direction.sign();
    if t.integer {
        delta = delta.round();
        if delta == 0.0 {
            delta = direction.sign();
        }
    }
    let to = (t.value + delta).clamp(t.lo, t.hi);
    let to = if t.integer {
        to.round()
    } else {
        (to * 1e6).round() / 1e6
    };
    ((to - t.value).abs() > 1e-12).then_some(to)
}

fn format_literal(value: f64, integer: bool) -> String {
    if integer {
        format!("{}", value.round() as i64)
    } else {
        let s = format!("{value}");
        if s.contains('.') || s.contains('e') {
            s
        } else {
            format!("{s}.0")
        }
    }
}

/// `source` with each edited constant's literal replaced by its target value; `None` when
/// an edited constant is not in `source`.
pub fn rewrite(source: &str, planned: &PlannedMove) -> Option<String> {
    let mut out = String::with_capacity(source.len() + 16);
    let mut done = vec![false; planned.edits.len()];
    for line in source.split_inclusive('\n') {
        let edit = parse_const_line(line.trim())
            .and_then(|(name, _, _)| planned.edits.iter().position(|e| e.tunable == name))
            .filter(|&i| !done[i]);
        let Some(i) = edit else {
            out.push_str(line);
            continue;
        };
        let e = &planned.edits[i];
        let eq = line.find('=')?;
        let semi = line.rfind(';')?;
        out.push_str(&line[..eq + 1]);
        out.push(' ');
        out.push_str(&format_literal(e.to, e.integer));
        out.push_str(&line[semi..]);
        done[i] = true;
    }
    done.iter().all(|d| *d).then_some(out)
}

/// A unified diff (`--- a/<path>` / `+++ b/<path>`, 3 lines of context).
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

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
        let planned = plan_move(
            &tunables,
            &context.ranked_diagnostics,
            &context.builtin_history,
            context.noise_floor,
        )
        .ok_or_else(|| {
            AgentError::Declined("every documented move of params.rs is exhausted".into())
        })?;
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
            transcript: serde_json::json!({ "builtin_move": planned }),
        })
    }
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
mod tests {
    use super::*;

    const PARAMS: &str = r#"//! Tunables.

/// How many similar training people retrieval samples among.
/// Range: 1..=50
/// Targets: slot_accuracy_error, pair_jsd
pub const RETRIEVAL_TOP_K: usize = 10;

/// Probability of shifting an activity block by one hour.
/// Range: 0.0..=0.5
/// Targets: hourly_activity_jsd_mean, first_nonhome_hour_jsd
pub const SHIFT_PROBABILITY: f64 = 0.2;

/// Weight of a feature.
/// Range: 0.0..=5.0
/// Targets: travel_count_jsd
pub const WEIGHT_SEX: f64 = 0.5;

/// Not tunable: no range.
pub const SLOT_COUNT: usize = 24;
"#;

    fn ranked() -> Vec<(String, f64)> {
        vec![
            ("hourly_activity_jsd_mean".into(), 0.30),
            ("slot_accuracy_error".into(), 0.10),
            ("pair_jsd".into(), 0.05),
            ("travel_count_jsd".into(), 0.01),
        ]
    }

    fn tried(
        round: u32,
        tunable: &str,
        direction: Direction,
        step: f64,
        improvement: f64,
    ) -> PastMove {
        PastMove {
            round,
            tunable: tunable.into(),
            direction,
            step_fraction: step,
            accepted: false,
            improvement,
            combined: false,
        }
    }

    /// Two rejected moves of different constants that each gained less than a floor of
    /// 0.004, and together more.
    fn two_promising_moves() -> Vec<PastMove> {
        vec![
            tried(
                1,
                "SHIFT_PROBABILITY",
                Direction::Up,
                MAX_STEP_FRACTION,
                0.003,
            ),
            tried(2, "WEIGHT_SEX", Direction::Down, 0.1, 0.002),
        ]
    }

    /// The one edit of a single move.
    fn single(m: &PlannedMove) -> &Edit {
        assert_eq!(m.kind, MoveKind::Single, "{m:?}");
        assert_eq!(m.edits.len(), 1);
        &m.edits[0]
    }

    #[test]
    fn parses_documented_constants_only() {
        let t = parse_tunables(PARAMS);
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].name, "RETRIEVAL_TOP_K");
        assert!(t[0].integer);
        assert_eq!((t[0].value, t[0].lo, t[0].hi), (10.0, 1.0, 50.0));
        assert_eq!(
            t[1].targets,
            vec!["hourly_activity_jsd_mean", "first_nonhome_hour_jsd"]
        );
        assert_eq!(
            t[1].summary,
            "Probability of shifting an activity block by one hour."
        );
    }

    #[test]
    fn picks_the_constant_tied_to_the_worst_diagnostic() {
        let t = parse_tunables(PARAMS);
        let m = plan_move(&t, &ranked(), &[], 0.0).unwrap();
        let e = single(&m);
        assert_eq!(
            (e.tunable.as_str(), e.direction),
            ("SHIFT_PROBABILITY", Direction::Up)
        );
        assert!((e.to - 0.25).abs() < 1e-9, "{}", e.to);
        assert_eq!(
            m.evidence,
            vec![("hourly_activity_jsd_mean".to_string(), 0.30)]
        );
    }

    #[test]
    fn every_move_is_tried_once_before_a_failed_one_is_retried_smaller() {
        let t = parse_tunables(PARAMS);
        let fail = |round, dir, step| tried(round, "SHIFT_PROBABILITY", dir, step, -0.01);
        // After the up move failed, the down move of the same constant comes next.
        let m = plan_move(&t, &ranked(), &[fail(1, Direction::Up, 0.1)], 0.0).unwrap();
        assert_eq!(
            (single(&m).tunable.as_str(), single(&m).direction),
            ("SHIFT_PROBABILITY", Direction::Down)
        );
        // After both failed once, the next most relevant constant gets its turn …
        let mut h = vec![fail(1, Direction::Up, 0.1), fail(2, Direction::Down, 0.1)];
        let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
        assert_eq!(single(&m).tunable, "RETRIEVAL_TOP_K");
        for (round, direction) in [(3, Direction::Up), (4, Direction::Down)] {
            h.push(tried(round, "RETRIEVAL_TOP_K", direction, 0.1, -0.01));
        }
        // … then the least relevant one, untried: breadth before depth …
        let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
        assert_eq!(single(&m).tunable, "WEIGHT_SEX");
        for (round, direction) in [(5, Direction::Up), (6, Direction::Down)] {
            h.push(tried(round, "WEIGHT_SEX", direction, 0.1, -0.01));
        }
        // … and once every move failed, the most relevant returns with half the step.
        let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
        assert_eq!(single(&m).tunable, "SHIFT_PROBABILITY");
        assert!((single(&m).step_fraction - 0.05).abs() < 1e-12);
        // Exhausted moves are never proposed again.
        let mut h = Vec::new();
        let mut step = 0.1;
        while step >= MIN_STEP_FRACTION {
            h.push(fail(0, Direction::Up, step));
            h.push(fail(0, Direction::Down, step));
            step /= 2.0;
        }
        let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
        assert_ne!(single(&m).tunable, "SHIFT_PROBABILITY");
    }

    #[test]
    fn an_accepted_move_is_repeated_with_the_same_step() {
        let mut t = parse_tunables(PARAMS);
        t[1].value = 0.275;
        let h = vec![PastMove {
            accepted: true,
            ..tried(1, "SHIFT_PROBABILITY", Direction::Down, 0.05, 0.02)
        }];
        let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
        let e = single(&m);
        assert_eq!(
            (e.tunable.as_str(), e.direction),
            ("SHIFT_PROBABILITY", Direction::Down)
        );
        assert!((e.to - 0.25).abs() < 1e-9);
    }

    #[test]
    fn a_promising_move_grows_until_it_stops_helping_then_settles() {
        let t = parse_tunables(PARAMS);
        let promising = tried(1, "SHIFT_PROBABILITY", Direction::Up, 0.1, 0.004);
        let m = plan_move(&t, &ranked(), std::slice::from_ref(&promising), 0.0).unwrap();
        let e = single(&m);
        assert_eq!(
            (e.tunable.as_str(), e.direction),
            ("SHIFT_PROBABILITY", Direction::Up)
        );
        assert!((e.step_fraction - 0.2).abs() < 1e-12);
        assert!((e.to - 0.3).abs() < 1e-9);
        // Twice the step did worse: the move is settled, not retried at either step.
        let worse = tried(2, "SHIFT_PROBABILITY", Direction::Up, 0.2, 0.001);
        let h = vec![promising.clone(), worse];
        for _ in 0..2 {
            let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
            assert!(
                !(single(&m).tunable == "SHIFT_PROBABILITY"
                    && single(&m).direction == Direction::Up)
            );
        }
        // Once it reached the largest step, it is settled too.
        let at_max = tried(
            1,
            "SHIFT_PROBABILITY",
            Direction::Up,
            MAX_STEP_FRACTION,
            0.004,
        );
        let m = plan_move(&t, &ranked(), &[at_max], 0.0).unwrap();
        assert!(
            !(single(&m).tunable == "SHIFT_PROBABILITY" && single(&m).direction == Direction::Up)
        );
    }

    #[test]
    fn a_move_that_changed_nothing_ends_that_direction_only() {
        let t = parse_tunables(PARAMS);
        let h = vec![tried(1, "SHIFT_PROBABILITY", Direction::Up, 0.1, 0.0)];
        let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
        let e = single(&m);
        assert_eq!(
            (e.tunable.as_str(), e.direction),
            ("SHIFT_PROBABILITY", Direction::Down)
        );
        let mut h = h;
        h.push(tried(2, "SHIFT_PROBABILITY", Direction::Down, 0.1, 0.0));
        let m = plan_move(&t, &ranked(), &h, 0.0).unwrap();
        assert_ne!(single(&m).tunable, "SHIFT_PROBABILITY");
    }

    #[test]
    fn gains_below_a_share_of_the_noise_floor_are_failures() {
        let t = parse_tunables(PARAMS);
        let floor = 0.008;
        let h = vec![tried(1, "SHIFT_PROBABILITY", Direction::Up, 0.1, 0.001)];
        // 0.001 < 0.25 × 0.008: not promising, so the step is halved, not doubled.
        let m = plan_move(&t, &ranked(), &h, floor).unwrap();
        assert_eq!(single(&m).direction, Direction::Down);
        assert!(MoveMemory::of(&t[1], Direction::Up, &h, floor)
            .gain
            .is_none());
        let next = MoveMemory::of(&t[1], Direction::Up, &h, floor)
            .next
            .unwrap();
        assert!((next.edit.step_fraction - 0.05).abs() < 1e-12);
        // With a floor of 0.002 the same gain is promising.
        let next = MoveMemory::of(&t[1], Direction::Up, &h, 0.002)
            .next
            .unwrap();
        assert!((next.edit.step_fraction - 0.2).abs() < 1e-12);
    }

    #[test]
    fn gains_within_the_noise_are_combined_until_a_combination_is_tried() {
        let t = parse_tunables(PARAMS);
        let floor = 0.004;
        let mut h = two_promising_moves();
        // Together they gained more than the floor: proposed together, strongest first.
        let m = plan_move(&t, &ranked(), &h, floor).unwrap();
        assert_eq!(m.kind, MoveKind::Combination);
        assert_eq!(m.tunables(), "SHIFT_PROBABILITY + WEIGHT_SEX");
        assert!((m.priority - 0.005).abs() < 1e-12);
        let new = rewrite(PARAMS, &m).unwrap();
        assert!(
            new.contains("pub const SHIFT_PROBABILITY: f64 = 0.5;"),
            "{new}"
        );
        assert!(new.contains("pub const WEIGHT_SEX: f64 = 0.0;"), "{new}");
        // Not when they gained less than the floor together.
        let m = plan_move(&t, &ranked(), &h, 0.006).unwrap();
        assert_eq!(m.kind, MoveKind::Single);
        // A third promising move: all three first …
        h.push(tried(3, "RETRIEVAL_TOP_K", Direction::Down, 0.1, 0.0015));
        let m = plan_move(&t, &ranked(), &h, floor).unwrap();
        assert_eq!(
            m.tunables(),
            "SHIFT_PROBABILITY + WEIGHT_SEX + RETRIEVAL_TOP_K"
        );
        // … and once all three failed together, the strongest two.
        h.extend(m.outcomes(4, false, -0.001));
        let m = plan_move(&t, &ranked(), &h, floor).unwrap();
        assert_eq!(m.tunables(), "SHIFT_PROBABILITY + WEIGHT_SEX");
        // A failed combination is no failure of its moves alone, and is not tried again.
        h.extend(m.outcomes(5, false, -0.001));
        let m = plan_move(&t, &ranked(), &h, floor).unwrap();
        assert_eq!(m.kind, MoveKind::Single);
        let shift = MoveMemory::of(&t[1], Direction::Up, &h, floor);
        assert!((shift.gain.unwrap().1 - 0.003).abs() < 1e-12);
    }

    #[test]
    fn after_an_accepted_combination_undoing_it_comes_last() {
        let mut t = parse_tunables(PARAMS);
        let h0 = two_promising_moves();
        let combination = plan_move(&t, &ranked(), &h0, 0.004).unwrap();
        let mut h = h0.clone();
        h.extend(combination.outcomes(3, true, 0.005));
        t[1].value = 0.5;
        t[2].value = 0.0;
        // Both constants changed: no promising moves are left to combine; undoing either
        // change is known to be worse, so the untried constant comes first …
        let m = plan_move(&t, &ranked(), &h, 0.004).unwrap();
        assert_eq!(single(&m).tunable, "RETRIEVAL_TOP_K", "{m:?}");
        for (round, direction) in [(4, Direction::Up), (5, Direction::Down)] {
            h.push(tried(round, "RETRIEVAL_TOP_K", direction, 0.1, -0.01));
        }
        // … then a partial undo: half of the accepted step back.
        let m = plan_move(&t, &ranked(), &h, 0.004).unwrap();
        let e = single(&m);
        assert_eq!(
            (e.tunable.as_str(), e.direction),
            ("SHIFT_PROBABILITY", Direction::Down)
        );
        assert!((e.step_fraction - MAX_STEP_FRACTION / 2.0).abs() < 1e-12);
    }

    #[test]
    fn integer_moves_change_by_at_least_one_and_respect_the_range() {
        let t = Tunable {
            name: "K".into(),
            integer: true,
            value: 2.0,
            lo: 1.0,
            hi: 3.0,
            targets: vec![],
            summary: String::new(),
        };
        assert_eq!(step(&t, Direction::Up, 0.01), Some(3.0));
        assert_eq!(step(&t, Direction::Down, 0.9), Some(1.0));
        let at_top = Tunable { value: 3.0, ..t };
        assert_eq!(step(&at_top, Direction::Up, 0.5), None);
    }

    #[test]
    fn rewrite_and_diff_change_exactly_one_line() {
        let t = parse_tunables(PARAMS);
        let m = plan_move(&t, &ranked(), &[], 0.0).unwrap();
        let new = rewrite(PARAMS, &m).unwrap();
        assert!(new.contains("pub const SHIFT_PROBABILITY: f64 = 0.25;"));
        assert_eq!(parse_tunables(&new)[1].value, 0.25);
        let diff = unified_diff(PARAMS_PATH, PARAMS, &new);
        assert!(
            diff.starts_with("--- a/heuristics/src/params.rs\n+++ b/heuristics/src/params.rs\n@@")
        );
        assert_eq!(
            diff.lines()
                .filter(|l| l.starts_with('-') && !l.starts_with("---"))
                .count(),
            1
        );
        assert_eq!(
            diff.lines()
                .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
                .count(),
            1
        );
        assert!(m.hypothesis().contains("from 0.2 to 0.25"));
    }
}
