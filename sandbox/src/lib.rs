//! Candidate worktrees (git2), scope checks, and limited, isolated builds and rollouts of
//! untrusted generator code.
//!
//! * [`RunRepo`] — the run's git repository and candidate worktrees.
//! * [`unified_diff`] / [`scope`] — strict diff application and the editable scope.
//! * [`Sandbox`] — build, test and roll out a candidate under [`jail`] isolation, returning
//!   a [`CandidateReport`] with either the diaries or a precise [`Rejection`].
//!
//! * [`AgentJail`] — the same isolation for an external coding agent, with the network.
//!
//! Everything is synchronous (wrap it in `spawn_blocking` from async code). As root,
//! candidates are dropped to an unprivileged uid; as any other user they are isolated in
//! unprivileged user namespaces (see [`jail`]). A [`CancelToken`] stops whatever runs.

pub mod agent_jail;
mod cancel;
mod candidate_pipeline;
pub mod config;
mod fs_safety;
pub mod jail;
mod rejection;
mod run_repo;
pub mod scope;
mod seccomp_filter;
pub mod supervisor;
pub mod unified_diff;

pub use agent_jail::{AgentCommand, AgentJail};
pub use cancel::CancelToken;
pub use candidate_pipeline::{
    trim_compiler_errors, CandidateReport, Change, PhaseTimes, RolloutPersons, RolloutRequest,
    Sandbox, Verified,
};
pub use config::{
    ChangeLimits, IsolationChoice, Limits, PhaseLimits, SandboxConfig, ISOLATION_ENV,
};
pub use jail::Isolation;
pub use rejection::{Phase, Rejection, SandboxError};
pub use run_repo::{RunRepo, Worktree};
pub use scope::ChangeSet;
