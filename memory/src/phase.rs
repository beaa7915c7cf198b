//! The phases of one evolution round, in order, and the states a phase goes through.

use std::fmt;

/// One phase of a round. The derive order is the execution order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Run the current accepted generator on the validation population.
    ParentRollout,
    /// Evaluate it and compile the attribution record the agent will see.
    Attribution,
    /// Prompt the agent and receive its proposal (the rendered prompt is stored).
    Proposal,
    /// Apply the proposed change to a candidate generator (a git commit).
    Apply,
    /// Build the candidate.
    Build,
    /// Tests and validity checks of the candidate.
    Verification,
    /// Evaluate the candidate on the validation split.
    Evaluation,
    /// Accept or reject against the parent (writes the verification record).
    Decision,
    /// Memory evolution: write the trial with its lesson.
    Report,
}

impl Phase {
    /// All phases in execution order.
    pub const ALL: [Phase; 9] = [
        Phase::ParentRollout,
        Phase::Attribution,
        Phase::Proposal,
        Phase::Apply,
        Phase::Build,
        Phase::Verification,
        Phase::Evaluation,
        Phase::Decision,
        Phase::Report,
    ];

    /// The name stored in the database.
    pub fn name(self) -> &'static str {
        match self {
            Phase::ParentRollout => "parent_rollout",
            Phase::Attribution => "attribution",
            Phase::Proposal => "proposal",
            Phase::Apply => "apply",
            Phase::Build => "build",
            Phase::Verification => "verification",
            Phase::Evaluation => "evaluation",
            Phase::Decision => "decision",
            Phase::Report => "report",
        }
    }

    /// Position in the round, 0 for [`Phase::ParentRollout`].
    pub fn position(self) -> usize {
        self as usize
    }

    /// The phase with this stored name.
    pub fn from_name(name: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a phase stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseState {
    /// Not started.
    Pending,
    /// Started and not finished: if no process owns the run, its owner died during it.
    Running,
    /// Finished; its artifacts can be reused.
    Done,
    /// Ended with an error; to be redone.
    Failed,
    /// Stopped by the user (Ctrl-C) before it finished; to be redone. Not a failure.
    Interrupted,
}

impl PhaseState {
    /// The name stored in the database.
    pub fn name(self) -> &'static str {
        match self {
            PhaseState::Pending => "pending",
            PhaseState::Running => "running",
            PhaseState::Done => "done",
            PhaseState::Failed => "failed",
            PhaseState::Interrupted => "interrupted",
        }
    }

    /// The state with this stored name.
    pub fn from_name(name: &str) -> Option<PhaseState> {
        [
            PhaseState::Pending,
            PhaseState::Running,
            PhaseState::Done,
            PhaseState::Failed,
            PhaseState::Interrupted,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }
}

impl fmt::Display for PhaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_order_is_execution_order() {
        for (i, p) in Phase::ALL.into_iter().enumerate() {
            assert_eq!(Phase::from_name(p.name()), Some(p));
            assert_eq!(p.position(), i);
        }
        assert!(Phase::Decision < Phase::Report);
        assert_eq!(Phase::from_name("nope"), None);
        assert_eq!(PhaseState::from_name("done"), Some(PhaseState::Done));
        assert_eq!(
            PhaseState::from_name("interrupted"),
            Some(PhaseState::Interrupted)
        );
    }
}
