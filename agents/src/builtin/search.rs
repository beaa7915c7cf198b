//! Choosing this round's move from the attribution ranking and the memory of earlier tries:
//! single moves ranked by relevance and memory, combinations of sub-floor gains. Every
//! tunable number of the search is a documented constant here.

use super::moves::{Direction, Edit, MoveKind, PastMove, PlannedMove};
use super::tunables::Tunable;

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

/// A failed try whose improvement lies within this many standard errors below zero did
/// not show that the move hurts: its step was too small to tell from the noise. The next
/// try of such a move doubles the step (a larger change shows more clearly, in either
/// direction) instead of halving it.
pub const INCONCLUSIVE_Z: f64 = 2.0;

/// Most moves one combination holds.
pub const MAX_COMBINED_MOVES: usize = 6;

/// Single moves previewed per round (when the workbench can preview): the best by preview
/// improvement is proposed. A combination is proposed without previews (its parts were
/// each measured already).
pub const PREVIEWED_MOVES: usize = 3;

/// The `n` single moves of highest priority, at most one per constant, best first.
pub fn plan_singles(
    tunables: &[Tunable],
    ranked: &[(String, f64)],
    history: &[PastMove],
    noise_floor: f64,
    n: usize,
) -> Vec<PlannedMove> {
    let mut out: Vec<PlannedMove> = Vec::new();
    let mut excluded: Vec<String> = Vec::new();
    while out.len() < n {
        let rest: Vec<Tunable> = tunables
            .iter()
            .filter(|t| !excluded.contains(&t.name))
            .cloned()
            .collect();
        let Some(next) = plan_single(&rest, ranked, history, noise_floor) else {
            break;
        };
        excluded.push(next.edits[0].tunable.clone());
        out.push(next);
    }
    out
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
pub(super) struct NextTry {
    pub(super) edit: Edit,
    pub(super) factor: f64,
}

/// What the memory says of one (constant, direction) since the constant last changed.
pub(super) struct MoveMemory {
    /// The next single try, or `None` when the move is exhausted or settled.
    pub(super) next: Option<NextTry>,
    /// The move at its best step with its gain, when it lowered the Score.
    pub(super) gain: Option<(Edit, f64)>,
}

impl MoveMemory {
    pub(super) fn of(
        t: &Tunable,
        direction: Direction,
        history: &[PastMove],
        noise_floor: f64,
    ) -> MoveMemory {
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
                standard_error: None,
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
        // Failed every time, but no try showed harm beyond its noise: try twice the largest
        // step (when that is a new value) before going smaller.
        let largest = tries.iter().map(|m| m.step_fraction).fold(0.0, f64::max);
        let inconclusive = tries.iter().all(|m| {
            m.standard_error
                .is_some_and(|se| m.improvement > -INCONCLUSIVE_Z * se)
        });
        if inconclusive && largest * 2.0 <= MAX_STEP_FRACTION + 1e-12 {
            let grown = edit(largest * 2.0)
                .filter(|e| edit(largest).is_none_or(|tried| (tried.to - e.to).abs() > 1e-12));
            if let Some(edit) = grown {
                return MoveMemory {
                    next: Some(NextTry {
                        edit,
                        factor: FAILURE_DAMPING.powi(tries.len() as i32),
                    }),
                    gain: None,
                };
            }
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
pub(super) fn step(t: &Tunable, direction: Direction, fraction: f64) -> Option<f64> {
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
