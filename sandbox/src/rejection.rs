//! Why a candidate was rejected (one precise variant per reason, stored as JSON), and the
//! infrastructure errors that are not the candidate's fault.

use serde::Serialize;
use std::fmt;

/// The sandboxed phase a limit was hit in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Build,
    Test,
    Rollout,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Build => "build",
            Phase::Test => "test",
            Phase::Rollout => "rollout",
        })
    }
}

/// A candidate rejection. `Display` is one clear sentence meant for the agent and the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rejection {
    #[error("the diff is malformed at line {line}: {reason}")]
    MalformedDiff { line: usize, reason: String },
    #[error("the diff does not apply to `{file}` at hunk `{hunk}`: {reason}")]
    DiffDoesNotApply {
        file: String,
        hunk: String,
        reason: String,
    },
    #[error("the change touches `{path}`, which is outside the editable scope: {why}")]
    OutsideScope { path: String, why: String },
    #[error("the change is too large: {what} exceeds the limit of {limit}")]
    TooLarge { what: String, limit: u64 },
    #[error("the change is empty")]
    EmptyChange,
    #[error("the candidate does not compile:\n{trimmed}")]
    CompileError { trimmed: String },
    #[error("the candidate's tests or validity checks failed:\n{trimmed}")]
    TestsFailed { trimmed: String },
    #[error("the {phase} phase exceeded its wall-time limit of {limit_secs} s and was killed")]
    Timeout { phase: Phase, limit_secs: u64 },
    #[error("the {phase} phase ran out of memory (limit {limit_bytes} bytes of address space)")]
    MemoryLimit { phase: Phase, limit_bytes: u64 },
    #[error("the {phase} phase hit the process limit ({limit} processes/threads)")]
    ProcessLimit { phase: Phase, limit: u64 },
    #[error("the {phase} phase printed more than {limit} bytes and was killed")]
    OutputLimit { phase: Phase, limit: u64 },
    #[error("the {phase} phase wrote a file larger than {limit} bytes")]
    FileSizeLimit { phase: Phase, limit: u64 },
    #[error("the {phase} phase tried to open a network socket; candidates have no network")]
    NetworkDenied { phase: Phase },
    #[error("the {phase} phase wrote `{path}`, outside its worktree and scratch folder")]
    WroteOutsideWorktree { phase: Phase, path: String },
    #[error(
        "the rollout is not deterministic: with the same seed, line {line} differs \
         (first run `{first}`, second run `{second}`)"
    )]
    NonDeterministic {
        line: usize,
        first: String,
        second: String,
    },
    #[error("the rollout is too slow: {us_per_person} µs per person, budget {budget} µs")]
    TooSlow { us_per_person: u64, budget: u64 },
    #[error("the rollout failed with {exit}:\n{stderr}")]
    RolloutFailed { exit: String, stderr: String },
    #[error("the rollout output is invalid: {reason}")]
    BadRolloutOutput { reason: String },
}

/// Something went wrong that is not the candidate's fault (I/O, git, a missing tool).
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("git: {context}: {source}")]
    Git {
        context: String,
        #[source]
        source: git2::Error,
    },
    #[error("{0}")]
    Setup(String),
    /// The work was cancelled (Ctrl-C); the process it waited for was killed.
    #[error("cancelled (interrupted by the user)")]
    Cancelled,
}

impl SandboxError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> SandboxError {
        let context = context.into();
        move |source| SandboxError::Io { context, source }
    }
    pub(crate) fn git(context: impl Into<String>) -> impl FnOnce(git2::Error) -> SandboxError {
        let context = context.into();
        move |source| SandboxError::Git { context, source }
    }
}
