//! The moves of the search: which constant goes which way by how much, what a planned move
//! says about itself, and what the memory keeps of it.

use super::rewrite::format_literal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub(super) fn sign(self) -> f64 {
        match self {
            Direction::Up => 1.0,
            Direction::Down => -1.0,
        }
    }

    pub(super) fn word(self) -> &'static str {
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
    /// Standard error of `improvement` (paired, over the seeds and people it was measured
    /// on), when it was measured: what tells a harmful move from one too small to see.
    #[serde(default)]
    pub standard_error: Option<f64>,
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
    pub(super) fn describe(&self) -> String {
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

    /// What the memory keeps of this move once it was decided: one entry per edit, with
    /// the improvement measured and its standard error.
    pub fn outcomes(
        &self,
        round: u32,
        accepted: bool,
        improvement: f64,
        standard_error: Option<f64>,
    ) -> Vec<PastMove> {
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
                standard_error,
            })
            .collect()
    }
}
