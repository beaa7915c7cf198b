//! How a round ended: the closed set of decisions a round can record, by kind.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of decision a round recorded. Every reader (`show`, reports, charts, the
/// dashboard, the agent's memory) names a round by this, never by parsing the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundOutcome {
    /// Promoted: the new current generator.
    Accepted,
    /// The agent changed nothing (or only whitespace); nothing was built.
    NoChange,
    /// The agent (or the person at the inbox) declined the round.
    AgentDeclined,
    /// The agent produced no usable change (reply unusable, step or repair limit, command
    /// failed, timed out).
    AgentFailed,
    /// The diff could not be parsed or does not apply to the parent.
    MalformedDiff,
    /// The change reaches outside the editable scope (or is too large).
    OutsideScope,
    /// The candidate does not compile.
    CompileError,
    /// The candidate's tests failed.
    TestFailure,
    /// A sandbox limit was hit: time, memory, processes, output, network, writes outside
    /// the worktree, a failed or non-deterministic rollout, a rollout too slow.
    LimitExceeded,
    /// The candidate's diaries fail the validity checks.
    InvalidDiaries,
    /// Scored, but not better than the parent by the rule (or a group score regressed).
    NotBetter,
    /// Better on the decision seeds, but the confirmation on fresh seeds did not hold.
    NotConfirmed,
    /// Better on the run's benchmark, but significantly worse on its guard benchmark.
    GuardRegression,
}

impl RoundOutcome {
    /// Every outcome, in display order.
    pub const ALL: [RoundOutcome; 13] = [
        RoundOutcome::Accepted,
        RoundOutcome::NoChange,
        RoundOutcome::AgentDeclined,
        RoundOutcome::AgentFailed,
        RoundOutcome::MalformedDiff,
        RoundOutcome::OutsideScope,
        RoundOutcome::CompileError,
        RoundOutcome::TestFailure,
        RoundOutcome::LimitExceeded,
        RoundOutcome::InvalidDiaries,
        RoundOutcome::NotBetter,
        RoundOutcome::NotConfirmed,
        RoundOutcome::GuardRegression,
    ];

    /// The name stored in the database and used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            RoundOutcome::Accepted => "accepted",
            RoundOutcome::NoChange => "no_change",
            RoundOutcome::AgentDeclined => "agent_declined",
            RoundOutcome::AgentFailed => "agent_failed",
            RoundOutcome::MalformedDiff => "malformed_diff",
            RoundOutcome::OutsideScope => "outside_scope",
            RoundOutcome::CompileError => "compile_error",
            RoundOutcome::TestFailure => "test_failure",
            RoundOutcome::LimitExceeded => "limit_exceeded",
            RoundOutcome::InvalidDiaries => "invalid_diaries",
            RoundOutcome::NotBetter => "not_better",
            RoundOutcome::NotConfirmed => "not_confirmed",
            RoundOutcome::GuardRegression => "guard_regression",
        }
    }

    /// The outcome with this stored name.
    pub fn from_name(name: &str) -> Option<RoundOutcome> {
        RoundOutcome::ALL.into_iter().find(|o| o.name() == name)
    }

    /// A short label for people ("compile error", "not confirmed").
    pub fn label(self) -> &'static str {
        match self {
            RoundOutcome::Accepted => "accepted",
            RoundOutcome::NoChange => "no change",
            RoundOutcome::AgentDeclined => "agent declined",
            RoundOutcome::AgentFailed => "agent failed",
            RoundOutcome::MalformedDiff => "malformed diff",
            RoundOutcome::OutsideScope => "outside scope",
            RoundOutcome::CompileError => "compile error",
            RoundOutcome::TestFailure => "test failure",
            RoundOutcome::LimitExceeded => "limit exceeded",
            RoundOutcome::InvalidDiaries => "invalid diaries",
            RoundOutcome::NotBetter => "not better",
            RoundOutcome::NotConfirmed => "not confirmed",
            RoundOutcome::GuardRegression => "guard regression",
        }
    }

    /// Whether the candidate was scored against its parent (it built, passed its tests and
    /// produced diaries).
    pub fn was_scored(self) -> bool {
        matches!(
            self,
            RoundOutcome::Accepted
                | RoundOutcome::InvalidDiaries
                | RoundOutcome::NotBetter
                | RoundOutcome::NotConfirmed
                | RoundOutcome::GuardRegression
        )
    }
}

impl fmt::Display for RoundOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_distinct() {
        for o in RoundOutcome::ALL {
            assert_eq!(RoundOutcome::from_name(o.name()), Some(o));
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(json, format!("\"{}\"", o.name()));
        }
        let mut names: Vec<_> = RoundOutcome::ALL.iter().map(|o| o.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), RoundOutcome::ALL.len());
        assert_eq!(RoundOutcome::from_name("build_failed"), None);
    }
}
