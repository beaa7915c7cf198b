//! The acceptance rule, frozen with the run: a candidate is promoted only on statistical
//! evidence that it is better than its parent (or, for a change that makes the code
//! simpler, that it is no worse by more than a small margin), confirmed on fresh seeds, and
//! not significantly worse on the run's guard benchmark.
//!
//! The evidence is a [`memory::PairedEstimate`] (see `paired_test`): the improvement
//! (parent − candidate Score, positive = better), its standard error over households and
//! seeds, and its one-sided bounds at the rule's confidence.
//!
//! 1. Every validity check must pass.
//! 2. With `max_group_regression`, no group score may worsen by more than it.
//! 3. **Superiority** (any change): lower bound > 0 and improvement ≥ `min_effect`.
//!    **Non-inferiority** (a change with fewer code lines or constants and more of
//!    neither): lower bound > −`non_inferiority_margin`.
//! 4. Screening on the round's decision seeds; a pass is confirmed by the same test on the
//!    decision and confirmation seeds pooled.
//! 5. Guard: the candidate fails if, on the guard benchmark, its improvement's upper bound is
//!    below −`guard_margin` (it is significantly worse by more than the margin).
//!
//! Every comparison is strict where the rule says "beats": an improvement equal to its
//! threshold is not enough, and a NaN anywhere rejects.

use memory::{DecisionEvidence, GuardEvidence, PairedEstimate, RoundOutcome, TestKind};
use serde::{Deserialize, Serialize};

/// The rule's parameters (stored with the run; never changed by a resume).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptanceRule {
    /// One-sided confidence of every bound (default 0.95).
    pub confidence: f64,
    /// Smallest estimated improvement worth promoting (Score units).
    pub min_effect: f64,
    /// How much worse a simplification may be (Score units).
    pub non_inferiority_margin: f64,
    /// Seeds that screen a candidate, drawn per round from the secret stream.
    pub decision_seeds: u32,
    /// Fresh seeds that confirm a candidate that passed screening.
    pub confirmation_seeds: u32,
    /// Bootstrap resamples of the households.
    pub resamples: u32,
    /// Share of the validation households in the selection part.
    pub selection_share: f64,
    /// Largest worsening of Individual, Distribution or Behavior tolerated (none = any).
    pub max_group_regression: Option<f64>,
    /// The guard benchmark, if any.
    pub guard: Option<String>,
    /// Largest worsening on the guard benchmark tolerated before significance counts.
    pub guard_margin: f64,
}

impl Default for AcceptanceRule {
    fn default() -> Self {
        AcceptanceRule {
            confidence: 0.95,
            min_effect: 0.001,
            non_inferiority_margin: 0.002,
            decision_seeds: 8,
            confirmation_seeds: 8,
            resamples: 200,
            selection_share: 0.5,
            max_group_regression: None,
            guard: None,
            guard_margin: 0.002,
        }
    }
}

/// What the rule looked at for one candidate.
pub struct RuleInputs<'a> {
    pub valid: bool,
    /// Whether the applied change makes the code simpler (`ChangeSummary::simplifies`).
    pub simplifies: bool,
    pub screening: &'a PairedEstimate,
    pub confirmation: Option<&'a PairedEstimate>,
    pub guard: Option<&'a PairedEstimate>,
    pub parent_pooled: (f64, usize),
}

/// The rule's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub outcome: RoundOutcome,
    pub reason: String,
    pub evidence: DecisionEvidence,
}

/// Whether a comparison passes a test, and why not.
fn passes(rule: &AcceptanceRule, test: TestKind, e: &PairedEstimate) -> Result<(), String> {
    let numbers = [e.improvement, e.standard_error, e.lower_bound];
    if numbers.iter().any(|x| !x.is_finite()) {
        return Err(format!(
            "the comparison is not a number (improvement {}, standard error {})",
            e.improvement, e.standard_error
        ));
    }
    let pct = rule.confidence * 100.0;
    match test {
        TestKind::Superiority => {
            if e.lower_bound <= 0.0 {
                return Err(format!(
                    "improvement {:+.4} ± {:.4} (SE) over {} seeds and {} households: its \
                     one-sided {pct:.0}% lower bound {:+.4} is not above 0",
                    e.improvement,
                    e.standard_error,
                    e.seeds.len(),
                    e.households,
                    e.lower_bound
                ));
            }
            if e.improvement < rule.min_effect {
                return Err(format!(
                    "improvement {:+.4} is significant but below the minimum effect {:.4}",
                    e.improvement, rule.min_effect
                ));
            }
        }
        TestKind::NonInferiority => {
            if e.lower_bound <= -rule.non_inferiority_margin {
                return Err(format!(
                    "a simplification, but its improvement {:+.4} ± {:.4} has a one-sided \
                     {pct:.0}% lower bound {:+.4}, not above −{:.4} (the non-inferiority margin)",
                    e.improvement, e.standard_error, e.lower_bound, rule.non_inferiority_margin
                ));
            }
        }
    }
    Ok(())
}

impl AcceptanceRule {
    /// The one-line statement of the rule shown in `show`, reports and prompts.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "accept iff every validity check passes and, on the selection part of the \
             validation people ({:.0}% of the households, never shown to agents), paired with \
             the parent on {} secret decision seeds drawn for the round, the Score improvement's \
             one-sided {:.0}% lower bound (households resampled, {} resamples) is above 0 and \
             the improvement is at least {:.4} — or, for a change with fewer code lines or \
             constants and more of neither, the lower bound is above −{:.4}; confirmed on {} \
             fresh seeds pooled",
            self.selection_share * 100.0,
            self.decision_seeds,
            self.confidence * 100.0,
            self.resamples,
            self.min_effect,
            self.non_inferiority_margin,
            self.confirmation_seeds
        );
        if let Some(g) = self.max_group_regression {
            s.push_str(&format!("; no group score may worsen by more than {g:.4}"));
        }
        if let Some(guard) = &self.guard {
            s.push_str(&format!(
                "; and the candidate must not be significantly worse (by more than {:.4}) on \
                 the guard benchmark {guard}",
                self.guard_margin
            ));
        }
        s
    }

    /// Whether the screening comparison lets a candidate go on to confirmation.
    pub fn screening_passes(&self, simplifies: bool, screening: &PairedEstimate) -> bool {
        passes(self, self.test_for(simplifies), screening).is_ok()
    }

    fn test_for(&self, simplifies: bool) -> TestKind {
        if simplifies {
            TestKind::NonInferiority
        } else {
            TestKind::Superiority
        }
    }

    /// The candidate's Score the parent's had to beat on the screening seeds.
    fn threshold(&self, test: TestKind, e: &PairedEstimate) -> f64 {
        let z = crate::evolution::paired_test::normal_quantile(self.confidence);
        let needed = match test {
            TestKind::Superiority => (z * e.standard_error).max(self.min_effect),
            TestKind::NonInferiority => z * e.standard_error - self.non_inferiority_margin,
        };
        e.parent_score - needed
    }

    /// The verdict on a scored candidate.
    pub fn decide(&self, inputs: &RuleInputs<'_>) -> Verdict {
        let test = self.test_for(inputs.simplifies);
        let evidence = DecisionEvidence {
            test,
            confidence: self.confidence,
            min_effect: self.min_effect,
            margin: self.non_inferiority_margin,
            threshold: self.threshold(test, inputs.screening),
            screening: inputs.screening.clone(),
            confirmation: inputs.confirmation.cloned(),
            guard: inputs.guard.map(|g| GuardEvidence {
                benchmark: self.guard.clone().unwrap_or_default(),
                estimate: g.clone(),
                margin: self.guard_margin,
                passed: self.guard_holds(g).is_ok(),
            }),
            parent_pooled_score: inputs.parent_pooled.0,
            parent_pooled_seeds: inputs.parent_pooled.1,
        };
        let verdict = |outcome, reason: String| Verdict {
            outcome,
            reason,
            evidence: evidence.clone(),
        };
        if !inputs.valid {
            return verdict(
                RoundOutcome::InvalidDiaries,
                "the candidate's diaries fail the validity checks".into(),
            );
        }
        let last = inputs.confirmation.unwrap_or(inputs.screening);
        if let Some(limit) = self.max_group_regression {
            for (name, improvement) in &last.group_improvements {
                if -improvement > limit || improvement.is_nan() {
                    return verdict(
                        RoundOutcome::NotBetter,
                        format!(
                            "{name} worsened by {:.4} (the guardrail allows {limit:.4})",
                            -improvement
                        ),
                    );
                }
            }
        }
        if let Err(why) = passes(self, test, inputs.screening) {
            return verdict(RoundOutcome::NotBetter, why);
        }
        let Some(confirmation) = inputs.confirmation else {
            return verdict(
                RoundOutcome::NotConfirmed,
                "passed screening but was not confirmed on fresh seeds".into(),
            );
        };
        if let Err(why) = passes(self, test, confirmation) {
            return verdict(
                RoundOutcome::NotConfirmed,
                format!("passed screening, but with the confirmation seeds pooled: {why}"),
            );
        }
        if self.guard.is_some() {
            let Some(guard) = inputs.guard else {
                return verdict(
                    RoundOutcome::GuardRegression,
                    "the guard benchmark was not scored".into(),
                );
            };
            if let Err(why) = self.guard_holds(guard) {
                return verdict(RoundOutcome::GuardRegression, why);
            }
        }
        let kind = match test {
            TestKind::Superiority => "better",
            TestKind::NonInferiority => "simpler and no worse",
        };
        verdict(
            RoundOutcome::Accepted,
            format!(
                "{kind}: improvement {:+.4} ± {:.4} (SE), one-sided {:.0}% lower bound {:+.4}, \
                 over {} seeds (decision and confirmation) and {} households ({:.4} → {:.4})",
                confirmation.improvement,
                confirmation.standard_error,
                self.confidence * 100.0,
                confirmation.lower_bound,
                confirmation.seeds.len(),
                confirmation.households,
                confirmation.parent_score,
                confirmation.candidate_score
            ),
        )
    }

    fn guard_holds(&self, guard: &PairedEstimate) -> Result<(), String> {
        let name = self.guard.as_deref().unwrap_or("the guard benchmark");
        if !guard.upper_bound.is_finite() {
            return Err(format!("the comparison on {name} is not a number"));
        }
        if guard.upper_bound < -self.guard_margin {
            return Err(format!(
                "significantly worse on the guard benchmark {name}: improvement {:+.4} ± {:.4}, \
                 one-sided {:.0}% upper bound {:+.4} below −{:.4}",
                guard.improvement,
                guard.standard_error,
                self.confidence * 100.0,
                guard.upper_bound,
                self.guard_margin
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(improvement: f64, se: f64) -> PairedEstimate {
        let z = crate::evolution::paired_test::normal_quantile(0.95);
        PairedEstimate {
            seeds: vec![1, 2, 3],
            people: 100,
            households: 60,
            parent_score: 1.0,
            candidate_score: 1.0 - improvement,
            improvement,
            standard_error: se,
            lower_bound: improvement - z * se,
            upper_bound: improvement + z * se,
            resamples: 200,
            per_seed: vec![],
            group_improvements: vec![
                ("individual".into(), improvement),
                ("distribution".into(), 0.0),
                ("behavior".into(), 0.0),
            ],
        }
    }

    fn inputs<'a>(
        screening: &'a PairedEstimate,
        confirmation: Option<&'a PairedEstimate>,
    ) -> RuleInputs<'a> {
        RuleInputs {
            valid: true,
            simplifies: false,
            screening,
            confirmation,
            guard: None,
            parent_pooled: (1.0, 3),
        }
    }

    #[test]
    fn a_clear_confirmed_gain_is_accepted() {
        let rule = AcceptanceRule::default();
        let s = estimate(0.02, 0.005);
        let c = estimate(0.018, 0.004);
        let v = rule.decide(&inputs(&s, Some(&c)));
        assert_eq!(v.outcome, RoundOutcome::Accepted, "{}", v.reason);
        assert!(
            v.reason.starts_with("better: improvement +0.0180"),
            "{}",
            v.reason
        );
        assert!(v.evidence.threshold < 1.0 - 0.001);
    }

    #[test]
    fn a_lower_bound_equal_to_zero_is_not_enough() {
        let rule = AcceptanceRule::default();
        let z = crate::evolution::paired_test::normal_quantile(0.95);
        let mut s = estimate(0.01, 0.01 / z);
        s.lower_bound = 0.0;
        let v = rule.decide(&inputs(&s, Some(&s)));
        assert_eq!(v.outcome, RoundOutcome::NotBetter);
        assert!(v.reason.contains("is not above 0"), "{}", v.reason);
        s.lower_bound = 1e-12;
        assert_eq!(
            rule.decide(&inputs(&s, Some(&s))).outcome,
            RoundOutcome::Accepted
        );
    }

    #[test]
    fn the_minimum_effect_is_inclusive_and_binding() {
        let rule = AcceptanceRule {
            min_effect: 0.005,
            ..AcceptanceRule::default()
        };
        let tiny = estimate(0.004, 0.0001);
        let v = rule.decide(&inputs(&tiny, Some(&tiny)));
        assert_eq!(v.outcome, RoundOutcome::NotBetter);
        assert!(
            v.reason.contains("below the minimum effect"),
            "{}",
            v.reason
        );
        let exact = estimate(0.005, 0.0001);
        assert_eq!(
            rule.decide(&inputs(&exact, Some(&exact))).outcome,
            RoundOutcome::Accepted
        );
    }

    #[test]
    fn nan_anywhere_rejects() {
        let rule = AcceptanceRule::default();
        let mut s = estimate(0.02, 0.001);
        s.standard_error = f64::NAN;
        let v = rule.decide(&inputs(&s, Some(&s)));
        assert_eq!(v.outcome, RoundOutcome::NotBetter);
        assert!(v.reason.contains("not a number"));
        let good = estimate(0.02, 0.001);
        let mut bad = good.clone();
        bad.lower_bound = f64::NAN;
        assert_eq!(
            rule.decide(&inputs(&good, Some(&bad))).outcome,
            RoundOutcome::NotConfirmed
        );
    }

    #[test]
    fn screening_without_confirmation_is_not_confirmed() {
        let rule = AcceptanceRule::default();
        let s = estimate(0.02, 0.005);
        let weak = estimate(0.004, 0.005);
        assert_eq!(
            rule.decide(&inputs(&s, None)).outcome,
            RoundOutcome::NotConfirmed
        );
        let v = rule.decide(&inputs(&s, Some(&weak)));
        assert_eq!(v.outcome, RoundOutcome::NotConfirmed);
        assert!(
            v.reason.contains("confirmation seeds pooled"),
            "{}",
            v.reason
        );
    }

    #[test]
    fn a_simplification_is_judged_by_non_inferiority() {
        let rule = AcceptanceRule::default();
        let slightly_worse = estimate(-0.0005, 0.0005);
        let mut i = inputs(&slightly_worse, Some(&slightly_worse));
        assert_eq!(rule.decide(&i).outcome, RoundOutcome::NotBetter);
        i.simplifies = true;
        let v = rule.decide(&i);
        assert_eq!(v.outcome, RoundOutcome::Accepted, "{}", v.reason);
        assert_eq!(v.evidence.test, TestKind::NonInferiority);
        assert!(v.reason.starts_with("simpler and no worse"));
        let too_worse = estimate(-0.003, 0.0005);
        let mut i = inputs(&too_worse, Some(&too_worse));
        i.simplifies = true;
        assert_eq!(rule.decide(&i).outcome, RoundOutcome::NotBetter);
    }

    #[test]
    fn every_guardrail_rejects() {
        let good = estimate(0.02, 0.002);
        // Validity.
        let mut i = inputs(&good, Some(&good));
        i.valid = false;
        let rule = AcceptanceRule::default();
        assert_eq!(rule.decide(&i).outcome, RoundOutcome::InvalidDiaries);
        // A group regression.
        let mut regress = good.clone();
        regress.group_improvements[1].1 = -0.05;
        let rule_g = AcceptanceRule {
            max_group_regression: Some(0.01),
            ..AcceptanceRule::default()
        };
        let v = rule_g.decide(&inputs(&regress, Some(&regress)));
        assert_eq!(v.outcome, RoundOutcome::NotBetter);
        assert!(
            v.reason.starts_with("distribution worsened by 0.0500"),
            "{}",
            v.reason
        );
        // The guard benchmark: significantly worse rejects, a noisy tie passes, unscored rejects.
        let rule_guard = AcceptanceRule {
            guard: Some("santiago-2012".into()),
            ..AcceptanceRule::default()
        };
        let worse = estimate(-0.02, 0.002);
        let tie = estimate(-0.002, 0.004);
        let mut i = inputs(&good, Some(&good));
        i.guard = Some(&worse);
        let v = rule_guard.decide(&i);
        assert_eq!(v.outcome, RoundOutcome::GuardRegression);
        assert!(v.reason.contains("santiago-2012"));
        assert!(!v.evidence.guard.as_ref().unwrap().passed);
        i.guard = Some(&tie);
        assert_eq!(rule_guard.decide(&i).outcome, RoundOutcome::Accepted);
        i.guard = None;
        assert_eq!(rule_guard.decide(&i).outcome, RoundOutcome::GuardRegression);
    }
}
