//! The built-in agent: an attribution-guided search over the documented tunable
//! constants of `heuristics/src/params.rs`. Not an LLM, and it says so in every proposal.
//!
//! Each round it
//! 1. parses `params.rs`: every `pub const NAME: f64|usize|u32 = literal;` with its doc
//!    comment, its `Range: lo..=hi` line and its `Targets: diag, diag` line;
//! 2. scores each (constant, direction) move by how much of the current Score its target
//!    diagnostics carry (the attribution record's ranking), damped by the moves that
//!    already failed (the evolution memory) and boosted when the same move was accepted
//!    last time;
//! 3. steps the best move by a fraction of the constant's range: a rejected move that
//!    still lowered the Score (a real gain, within the noise floor) is retried with twice
//!    the step; one that raised it is retried with half the step, and dropped below
//!    [`MIN_STEP_FRACTION`]; and
//! 4. returns a real unified diff of `params.rs`.
//!
//! The search is deterministic: same source, ranking and history → same move.

use crate::contract::{Agent, AgentError, Change, Proposal, ProposalRequest, Workbench};
use serde::{Deserialize, Serialize};
use similar::TextDiff;

/// Path of the tunables file inside the run repository.
pub const PARAMS_PATH: &str = "heuristics/src/params.rs";

/// First step of a move, as a fraction of the constant's range.
pub const INITIAL_STEP_FRACTION: f64 = 0.05;

/// A move whose step has been halved below this fraction of the range is exhausted.
pub const MIN_STEP_FRACTION: f64 = 0.01;

/// Priority multiplier of a move that was accepted the last time it was tried.
pub const REPEAT_SUCCESS_BOOST: f64 = 1.5;

/// Priority multiplier per rejection of the same move since the constant last changed.
pub const FAILURE_DAMPING: f64 = 0.5;

/// Largest step, as a fraction of the range, a promising move grows to.
pub const MAX_STEP_FRACTION: f64 = 0.4;

/// Priority multiplier of a rejected move that still lowered the Score.
pub const PROMISING_BOOST: f64 = 1.25;

/// Share of priority every constant keeps even when none of its targets rank high, so the
/// search still explores constants whose `Targets` lines are incomplete.
pub const BASE_RELEVANCE: f64 = 0.02;

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
}

/// A move the built-in agent made in an earlier round, and what became of it.
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
}

/// The move chosen this round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedMove {
    pub tunable: String,
    pub direction: Direction,
    pub step_fraction: f64,
    pub from: f64,
    pub to: f64,
    pub integer: bool,
    pub priority: f64,
    /// The target diagnostics of the constant, with their contribution to the Score.
    pub evidence: Vec<(String, f64)>,
}

impl PlannedMove {
    pub fn literal(&self) -> String {
        format_literal(self.to, self.integer)
    }

    pub fn hypothesis(&self) -> String {
        let evidence: Vec<String> = self
            .evidence
            .iter()
            .map(|(d, c)| format!("{d} ({c:.4})"))
            .collect();
        format!(
            "Moving {} {} from {} to {} should lower {}, the diagnostics it targets.",
            self.tunable,
            match self.direction {
                Direction::Up => "up",
                Direction::Down => "down",
            },
            format_literal(self.from, self.integer),
            self.literal(),
            if evidence.is_empty() {
                "the Score".to_string()
            } else {
                evidence.join(", ")
            }
        )
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
/// `ranked` is the attribution record's diagnostics with their contribution to the Score.
pub fn plan_move(
    tunables: &[Tunable],
    ranked: &[(String, f64)],
    history: &[PastMove],
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
            let Some((step_fraction, memory_factor)) = move_memory(t, direction, history) else {
                continue;
            };
            let Some(to) = step(t, direction, step_fraction) else {
                continue;
            };
            let priority = relevance * memory_factor;
            let better = match &best {
                None => true,
                Some(b) => priority > b.priority + 1e-12,
            };
            if better {
                best = Some(PlannedMove {
                    tunable: t.name.clone(),
                    direction,
                    step_fraction,
                    from: t.value,
                    to,
                    integer: t.integer,
                    priority,
                    evidence: evidence.clone(),
                });
            }
        }
    }
    best
}

/// What the memory says about a move: its next step size and a priority factor, or
/// `None` when it is exhausted. Only moves since the constant last changed count.
fn move_memory(t: &Tunable, direction: Direction, history: &[PastMove]) -> Option<(f64, f64)> {
    let since_change: Vec<&PastMove> = {
        let of_this: Vec<&PastMove> = history.iter().filter(|m| m.tunable == t.name).collect();
        let last_accept = of_this.iter().rposition(|m| m.accepted);
        match last_accept {
            Some(i) => of_this[i + 1..].to_vec(),
            None => of_this,
        }
    };
    let last_accepted = history
        .iter()
        .rfind(|m| m.tunable == t.name)
        .filter(|m| m.accepted);
    let failures: Vec<&&PastMove> = since_change
        .iter()
        .filter(|m| m.direction == direction && !m.accepted)
        .collect();
    let mut step_fraction = match last_accepted {
        Some(m) if m.direction == direction => m.step_fraction,
        _ => INITIAL_STEP_FRACTION,
    };
    let mut factor = 1.0;
    for failure in &failures {
        if failure.improvement > 0.0 {
            // Right direction, too small a gain to clear the noise floor: go further.
            step_fraction = (failure.step_fraction * 2.0).min(MAX_STEP_FRACTION);
            factor *= PROMISING_BOOST;
        } else {
            step_fraction = failure.step_fraction / 2.0;
            factor *= FAILURE_DAMPING;
        }
    }
    if step_fraction < MIN_STEP_FRACTION {
        return None;
    }
    // A promising move that already reached the largest step has nothing left to try.
    if let Some(last) = failures.last() {
        if last.improvement > 0.0 && last.step_fraction >= MAX_STEP_FRACTION {
            return None;
        }
    }
    if matches!(last_accepted, Some(m) if m.direction == direction) {
        factor *= REPEAT_SUCCESS_BOOST;
    }
    Some((step_fraction, factor))
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

/// `source` with the constant's literal replaced by the move's target value.
pub fn rewrite(source: &str, planned: &PlannedMove) -> Option<String> {
    let mut out = String::with_capacity(source.len() + 16);
    let mut done = false;
    for line in source.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if !done {
            if let Some((name, _, _)) = parse_const_line(trimmed.trim_end()) {
                if name == planned.tunable {
                    let eq = line.find('=')?;
                    let semi = line.rfind(';')?;
                    out.push_str(&line[..eq + 1]);
                    out.push(' ');
                    out.push_str(&planned.literal());
                    out.push_str(&line[semi..]);
                    done = true;
                    continue;
                }
            }
        }
        out.push_str(line);
    }
    done.then_some(out)
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
/// ranking and its own history from [`ProposalRequest::context`], and proposes one move.
#[derive(Debug, Default)]
pub struct BuiltinAgent;

/// What the orchestrator puts in [`ProposalRequest::context`] for the built-in agent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BuiltinContext {
    pub ranked_diagnostics: Vec<(String, f64)>,
    pub builtin_history: Vec<PastMove>,
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
        )
        .ok_or_else(|| {
            AgentError::NoChange("every documented move of params.rs is exhausted".into())
        })?;
        let new = rewrite(&source, &planned).ok_or_else(|| {
            AgentError::Protocol(format!(
                "could not rewrite {} in {PARAMS_PATH}",
                planned.tunable
            ))
        })?;
        let summary = tunables
            .iter()
            .find(|t| t.name == planned.tunable)
            .map(|t| t.summary.clone())
            .unwrap_or_default();
        let target = planned
            .evidence
            .first()
            .map(|(d, _)| d.clone())
            .unwrap_or_else(|| "Score".to_string());
        Ok(Proposal {
            agent: "builtin".into(),
            model: None,
            target,
            hypothesis: planned.hypothesis(),
            rationale: format!(
                "Built-in search (no LLM): {} — {summary} Chosen because its Targets carry {:.1}% of the Score's attributed error, \
                 damped by earlier failed moves; step {:.1}% of its range.",
                planned.tunable,
                100.0 * planned.evidence.iter().map(|(_, c)| c).sum::<f64>()
                    / context.ranked_diagnostics.iter().map(|(_, c)| c.max(0.0)).sum::<f64>().max(1e-12),
                planned.step_fraction * 100.0
            ),
            change: Change::Diff(unified_diff(PARAMS_PATH, &source, &new)),
            steps: 1,
            transcript: serde_json::json!({ "builtin_move": planned }),
        })
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

/// Not tunable: no range.
pub const SLOT_COUNT: usize = 24;
"#;

    fn ranked() -> Vec<(String, f64)> {
        vec![
            ("hourly_activity_jsd_mean".into(), 0.30),
            ("slot_accuracy_error".into(), 0.10),
            ("pair_jsd".into(), 0.05),
        ]
    }

    #[test]
    fn parses_documented_constants_only() {
        let t = parse_tunables(PARAMS);
        assert_eq!(t.len(), 2);
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
        let m = plan_move(&t, &ranked(), &[]).unwrap();
        assert_eq!(m.tunable, "SHIFT_PROBABILITY");
        assert_eq!(m.direction, Direction::Up);
        assert!((m.to - 0.225).abs() < 1e-9, "{}", m.to);
        assert_eq!(
            m.evidence,
            vec![("hourly_activity_jsd_mean".to_string(), 0.30)]
        );
    }

    #[test]
    fn a_rejected_move_is_damped_then_halved_then_exhausted() {
        let t = parse_tunables(PARAMS);
        let fail = |round, dir, step| PastMove {
            round,
            tunable: "SHIFT_PROBABILITY".into(),
            direction: dir,
            step_fraction: step,
            accepted: false,
            improvement: -0.01,
        };
        // After the up move failed, the down move of the same constant comes next.
        let m = plan_move(&t, &ranked(), &[fail(1, Direction::Up, 0.15)]).unwrap();
        assert_eq!(
            (m.tunable.as_str(), m.direction),
            ("SHIFT_PROBABILITY", Direction::Down)
        );
        // After both failed once, the next most relevant constant gets its turn …
        let mut h = vec![fail(1, Direction::Up, 0.15), fail(2, Direction::Down, 0.15)];
        let m = plan_move(&t, &ranked(), &h).unwrap();
        assert_eq!(m.tunable, "RETRIEVAL_TOP_K");
        // … and once it failed both ways too, the first returns with half the step.
        for (round, direction) in [(3, Direction::Up), (4, Direction::Down)] {
            h.push(PastMove {
                tunable: "RETRIEVAL_TOP_K".into(),
                ..fail(round, direction, 0.15)
            });
        }
        let m = plan_move(&t, &ranked(), &h).unwrap();
        assert_eq!(m.tunable, "SHIFT_PROBABILITY");
        assert!((m.step_fraction - 0.075).abs() < 1e-12);
        // Exhausted moves are never proposed again.
        let mut h = Vec::new();
        let mut step = 0.15;
        while step >= MIN_STEP_FRACTION {
            h.push(fail(0, Direction::Up, step));
            h.push(fail(0, Direction::Down, step));
            step /= 2.0;
        }
        let m = plan_move(&t, &ranked(), &h).unwrap();
        assert_eq!(m.tunable, "RETRIEVAL_TOP_K");
    }

    #[test]
    fn an_accepted_move_is_repeated_with_the_same_step() {
        let mut t = parse_tunables(PARAMS);
        t[1].value = 0.275;
        let h = vec![PastMove {
            round: 1,
            tunable: "SHIFT_PROBABILITY".into(),
            direction: Direction::Down,
            step_fraction: 0.05,
            accepted: true,
            improvement: 0.02,
        }];
        let m = plan_move(&t, &ranked(), &h).unwrap();
        assert_eq!(
            (m.tunable.as_str(), m.direction),
            ("SHIFT_PROBABILITY", Direction::Down)
        );
        assert!((m.to - 0.25).abs() < 1e-9);
    }

    #[test]
    fn a_promising_rejected_move_is_retried_further_in_the_same_direction() {
        let t = parse_tunables(PARAMS);
        let promising = PastMove {
            round: 1,
            tunable: "SHIFT_PROBABILITY".into(),
            direction: Direction::Up,
            step_fraction: 0.05,
            accepted: false,
            improvement: 0.004,
        };
        let m = plan_move(&t, &ranked(), std::slice::from_ref(&promising)).unwrap();
        assert_eq!(
            (m.tunable.as_str(), m.direction),
            ("SHIFT_PROBABILITY", Direction::Up)
        );
        assert!((m.step_fraction - 0.10).abs() < 1e-12);
        assert!((m.to - 0.25).abs() < 1e-9);
        // Once it reached the largest step, it is exhausted.
        let at_max = PastMove {
            step_fraction: MAX_STEP_FRACTION,
            ..promising
        };
        let m = plan_move(&t, &ranked(), &[at_max]).unwrap();
        assert!(!(m.tunable == "SHIFT_PROBABILITY" && m.direction == Direction::Up));
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
        let m = plan_move(&t, &ranked(), &[]).unwrap();
        let new = rewrite(PARAMS, &m).unwrap();
        assert!(new.contains("pub const SHIFT_PROBABILITY: f64 = 0.225;"));
        assert_eq!(parse_tunables(&new)[1].value, 0.225);
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
        assert!(m.hypothesis().contains("from 0.2 to 0.225"));
    }
}
