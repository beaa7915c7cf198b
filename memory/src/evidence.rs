//! The statistical evidence a decision rests on, as recorded with the round: the paired
//! comparison of candidate and parent on the selection people, on the round's decision
//! seeds and (when screening passed) its confirmation seeds, and on the guard benchmark.

use serde::{Deserialize, Serialize};

/// Which question the paired test answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestKind {
    /// Is the candidate better than the parent by at least the minimum effect?
    Superiority,
    /// A simplification: is the candidate no worse than the parent by more than the margin?
    NonInferiority,
}

/// Candidate against parent on the same people and seeds (Score units; lower is better,
/// so a positive improvement means the candidate is better).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedEstimate {
    /// The seeds both generators were rolled out with.
    pub seeds: Vec<u64>,
    /// People and households compared.
    pub people: usize,
    /// Households (the resampling unit).
    pub households: usize,
    /// Mean Score of the parent and the candidate over `seeds`.
    pub parent_score: f64,
    /// See `parent_score`.
    pub candidate_score: f64,
    /// parent − candidate, mean over the seeds.
    pub improvement: f64,
    /// Its standard error: households resampled with replacement (paired bootstrap, both
    /// Scores recomputed on every resample), which carries both the generators' randomness
    /// and the sampling of the people.
    pub standard_error: f64,
    /// One-sided lower confidence bound of the improvement.
    pub lower_bound: f64,
    /// One-sided upper confidence bound of the improvement.
    pub upper_bound: f64,
    /// Bootstrap resamples used.
    pub resamples: u32,
    /// Per seed: (seed, parent Score, candidate Score).
    pub per_seed: Vec<(u64, f64, f64)>,
    /// parent − candidate per group score (`individual`, `distribution`, `behavior`).
    pub group_improvements: Vec<(String, f64)>,
}

/// The guard benchmark's comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardEvidence {
    /// The guard benchmark.
    pub benchmark: String,
    /// Candidate against parent there.
    pub estimate: PairedEstimate,
    /// Largest worsening tolerated (Score units).
    pub margin: f64,
    /// Whether the guard held (the candidate is not significantly worse by more than the margin).
    pub passed: bool,
}

/// Everything the decision rule looked at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionEvidence {
    /// The test applied.
    pub test: TestKind,
    /// One-sided confidence of the bounds.
    pub confidence: f64,
    /// Minimum improvement for a superiority accept.
    pub min_effect: f64,
    /// Non-inferiority margin (for simplifications).
    pub margin: f64,
    /// The threshold the candidate's Score had to beat on the decision seeds (parent −
    /// what the rule asks), for charts: the acceptance band's edge.
    pub threshold: f64,
    /// The screening comparison on the round's decision seeds.
    pub screening: PairedEstimate,
    /// The comparison pooled over the decision and confirmation seeds, if screening passed.
    pub confirmation: Option<PairedEstimate>,
    /// The guard benchmark, if the run has one and it was reached.
    pub guard: Option<GuardEvidence>,
    /// The parent's pooled selection Score: the mean over every seed it was ever scored on
    /// in this run (never one lucky draw), and how many seeds that is.
    pub parent_pooled_score: f64,
    /// See `parent_pooled_score`.
    pub parent_pooled_seeds: usize,
}
