//! The acceptance rule, frozen for a run: a candidate is promoted only if every validity
//! check passes, its validation Score beats the parent's by more than the noise floor,
//! and (optionally) no group score worsens by more than the guardrail.

use serde::{Deserialize, Serialize};

/// The rule as configured when the run started (stored with the run, never changed).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AcceptanceRule {
    /// Minimum Score improvement (parent − candidate) that counts as real.
    pub noise_floor: f64,
    /// Maximum worsening allowed in any of Individual, Distribution, Behavior.
    pub max_group_regression: Option<f64>,
}

/// The scores compared by the rule (means over the evaluation seeds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub score: f64,
    pub individual: f64,
    pub distribution: f64,
    pub behavior: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub accepted: bool,
    pub reason: String,
    /// parent − candidate (positive is better).
    pub improvement: f64,
}

impl AcceptanceRule {
    pub fn decide(&self, parent: &Scores, candidate: &Scores, valid: bool) -> Decision {
        let improvement = parent.score - candidate.score;
        let reject = |reason: String| Decision {
            accepted: false,
            reason,
            improvement,
        };
        if !valid {
            return reject("the candidate's diaries fail the validity checks".into());
        }
        if let Some(limit) = self.max_group_regression {
            for (name, p, c) in [
                ("Individual", parent.individual, candidate.individual),
                ("Distribution", parent.distribution, candidate.distribution),
                ("Behavior", parent.behavior, candidate.behavior),
            ] {
                if c - p > limit {
                    return reject(format!(
                        "{name} worsened by {:.4} (guardrail {limit:.4})",
                        c - p
                    ));
                }
            }
        }
        if improvement > self.noise_floor {
            Decision {
                accepted: true,
                reason: format!(
                    "Score improved by {improvement:.4} ({:.4} → {:.4}), above the noise floor {:.4}",
                    parent.score, candidate.score, self.noise_floor
                ),
                improvement,
            }
        } else if improvement.abs() < 0.00005 {
            reject(format!(
                "Score unchanged at four decimals ({:.4} → {:.4})",
                parent.score, candidate.score
            ))
        } else if improvement > 0.0 {
            reject(format!(
                "Score improved by {improvement:.4} ({:.4} → {:.4}), within the noise floor {:.4}",
                parent.score, candidate.score, self.noise_floor
            ))
        } else {
            reject(format!(
                "Score worsened by {:.4} ({:.4} → {:.4})",
                -improvement, parent.score, candidate.score
            ))
        }
    }
}

/// The noise floor from the Scores of one generator under several seeds: the standard
/// error of a mean of `eval_seeds` rollouts, σ/√k, where σ is the sample standard
/// deviation of the single-seed Scores. A candidate is compared with its parent on the
/// same seeds, so the seed noise the two share cancels; what remains is at most the
/// uncertainty of each mean.
pub fn noise_floor(single_seed_scores: &[f64], eval_seeds: u32) -> f64 {
    let n = single_seed_scores.len();
    if n < 2 {
        return 0.0;
    }
    let mean = single_seed_scores.iter().sum::<f64>() / n as f64;
    let var = single_seed_scores
        .iter()
        .map(|s| (s - mean).powi(2))
        .sum::<f64>()
        / (n - 1) as f64;
    var.sqrt() / (eval_seeds.max(1) as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(score: f64, i: f64, d: f64, b: f64) -> Scores {
        Scores {
            score,
            individual: i,
            distribution: d,
            behavior: b,
        }
    }

    #[test]
    fn accepts_only_above_the_noise_floor() {
        let rule = AcceptanceRule {
            noise_floor: 0.01,
            max_group_regression: None,
        };
        let parent = s(2.0, 1.0, 0.5, 0.5);
        assert!(
            rule.decide(&parent, &s(1.98, 1.0, 0.48, 0.5), true)
                .accepted
        );
        let within = rule.decide(&parent, &s(1.995, 1.0, 0.495, 0.5), true);
        assert!(!within.accepted && within.reason.contains("within the noise floor"));
        let same = rule.decide(&parent, &parent, true);
        assert!(!same.accepted && same.reason.starts_with("Score unchanged"));
        let worse = rule.decide(&parent, &s(2.1, 1.0, 0.6, 0.5), true);
        assert!(!worse.accepted && worse.reason.contains("worsened by 0.1000"));
    }

    #[test]
    fn invalid_candidates_are_rejected_whatever_their_score() {
        let rule = AcceptanceRule {
            noise_floor: 0.0,
            max_group_regression: None,
        };
        let d = rule.decide(&s(2.0, 1.0, 0.5, 0.5), &s(0.1, 0.0, 0.0, 0.1), false);
        assert!(!d.accepted && d.reason.contains("validity"));
    }

    #[test]
    fn the_guardrail_rejects_a_group_regression() {
        let rule = AcceptanceRule {
            noise_floor: 0.0,
            max_group_regression: Some(0.05),
        };
        let d = rule.decide(&s(2.0, 1.0, 0.5, 0.5), &s(1.8, 0.7, 0.6, 0.5), true);
        assert!(
            !d.accepted && d.reason.starts_with("Distribution worsened"),
            "{}",
            d.reason
        );
    }

    #[test]
    fn noise_floor_is_the_standard_error_of_a_k_seed_mean() {
        // σ of [1, 2, 3] is 1; with k = 4 seeds per mean, σ/√4 = 0.5.
        assert!((noise_floor(&[1.0, 2.0, 3.0], 1) - 1.0).abs() < 1e-12);
        assert!((noise_floor(&[1.0, 2.0, 3.0], 4) - 0.5).abs() < 1e-12);
        assert_eq!(noise_floor(&[1.5], 3), 0.0);
    }
}
