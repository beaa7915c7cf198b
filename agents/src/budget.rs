//! The run's LLM budget (dollars and tokens), shared by every call of the run. A call that would
//! exceed it is refused before any request is sent.
//!
//! Replayed calls (found in the [`crate::LlmCallStore`]) are not charged: they cost nothing now.
//! A resumed run should seed the budget with what the store already recorded for the run
//! ([`Budget::with_spent`]).

use std::sync::{Arc, Mutex};

/// Limits; `None` = unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BudgetLimits {
    pub max_usd: Option<f64>,
    /// Input + output tokens.
    pub max_tokens: Option<u64>,
}

/// What has been spent against the limits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Budget {
    pub limits: BudgetLimits,
    pub spent_usd: f64,
    pub spent_tokens: u64,
    /// Paid calls charged.
    pub calls: u64,
}

/// The budget shared by the agents of a run.
pub type SharedBudget = Arc<Mutex<Budget>>;

impl Budget {
    pub fn new(limits: BudgetLimits) -> Budget {
        Budget {
            limits,
            ..Budget::default()
        }
    }

    /// Starts from an earlier spend (a resumed run).
    pub fn with_spent(mut self, usd: f64, tokens: u64) -> Budget {
        self.spent_usd = usd;
        self.spent_tokens = tokens;
        self
    }

    pub fn shared(self) -> SharedBudget {
        Arc::new(Mutex::new(self))
    }

    /// `Some(reason)` when a call estimated at `tokens` and `usd` would exceed a limit.
    pub fn would_exceed(&self, tokens: u64, usd: f64) -> Option<String> {
        if let Some(max) = self.limits.max_tokens {
            if self.spent_tokens.saturating_add(tokens) > max {
                return Some(format!(
                    "{} of {max} tokens spent and the next call needs about {tokens}",
                    self.spent_tokens
                ));
            }
        }
        if let Some(max) = self.limits.max_usd {
            if self.spent_usd + usd > max {
                return Some(format!(
                    "${:.4} of ${max:.4} spent and the next call costs about ${usd:.4}",
                    self.spent_usd
                ));
            }
        }
        None
    }

    pub fn charge(&mut self, tokens: u64, usd: f64) {
        self.spent_tokens = self.spent_tokens.saturating_add(tokens);
        self.spent_usd += usd;
        self.calls += 1;
    }
}

/// Dollar cost of a call at `price_in` / `price_out` USD per million tokens.
pub fn cost_usd(tokens_in: u64, tokens_out: u64, price_in: f64, price_out: f64) -> f64 {
    (tokens_in as f64 * price_in + tokens_out as f64 * price_out) / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_call_that_would_cross_a_limit() {
        let mut b = Budget::new(BudgetLimits {
            max_usd: Some(1.0),
            max_tokens: Some(1000),
        });
        assert_eq!(b.would_exceed(1000, 0.5), None);
        b.charge(600, 0.2);
        assert!(b.would_exceed(401, 0.0).unwrap().contains("600 of 1000"));
        assert_eq!(b.would_exceed(400, 0.8), None);
        assert!(b.would_exceed(10, 0.81).unwrap().contains("$0.2000"));
        assert!((cost_usd(1_000_000, 500_000, 2.0, 8.0) - 6.0).abs() < 1e-12);
    }
}
