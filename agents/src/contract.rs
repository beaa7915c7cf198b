//! The contract between the evolution loop and a coding agent: what a round asks for
//! ([`ProposalRequest`]), what an agent returns ([`Proposal`]), the worktree it works on
//! ([`Workbench`], implemented by the orchestrator over the sandbox) and how it fails
//! ([`AgentError`]).

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// One round's request to an agent. The prompts are already rendered (prompts crate) for the
/// [`prompts::ReturnMode`] the agent reported through [`Agent::return_mode`].
#[derive(Debug, Clone)]
pub struct ProposalRequest {
    pub run_id: i64,
    pub round: u32,
    pub system_prompt: String,
    pub round_prompt: String,
    /// Absolute path of the candidate git worktree (already reset to the parent commit).
    pub worktree: PathBuf,
    /// Structured evidence for agents that do not read prose (the built-in search):
    /// `{"ranked_diagnostics": [[name, contribution], …], "builtin_history": [PastMove, …]}`.
    /// LLM agents ignore it; it never enters a request hash.
    pub context: serde_json::Value,
}

/// What an agent proposes: one change, with the failure mode it targets and why.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// "openai", "command", "inbox" or "builtin".
    pub agent: String,
    pub model: Option<String>,
    pub target: String,
    pub hypothesis: String,
    pub rationale: String,
    pub change: Change,
    /// LLM calls (openai), or 1 for an external command or a person.
    pub steps: u32,
    /// What was said, compact (long texts cut), for the run record.
    pub transcript: serde_json::Value,
}

/// Where the change is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A unified diff (paths relative to the repository root) that has NOT been applied to the
    /// worktree: the orchestrator applies it (scope-checked) itself.
    Diff(String),
    /// The worktree already holds the change (read it with [`Workbench::current_diff`]).
    EditedWorktree,
}

/// One line found by [`Workbench::search`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub path: String,
    /// 1-based.
    pub line: usize,
    pub text: String,
}

/// What a preview found: the text for an agent that reads, and the numbers for one that
/// computes (`None` when the change could not be previewed: the text says why).
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub text: String,
    /// Parent Score − the change's Score, mean over the preview seeds (positive = better).
    pub improvement: Option<f64>,
    /// Its standard error.
    pub standard_error: Option<f64>,
}

/// Result of compiling the candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    pub ok: bool,
    /// Compiler errors, already trimmed to something a prompt can carry.
    pub errors: String,
}

/// The candidate worktree as the agent may see and change it. Implemented by the orchestrator over
/// the sandbox; every write is scope-checked there (a refused write is an `Err` with a sentence
/// saying why, which the agent sends back to the model).
#[async_trait]
pub trait Workbench: Send + Sync {
    /// Editable and readable files, relative to the worktree root.
    fn list_files(&self) -> Vec<String>;
    fn read_file(&self, path: &str) -> Result<String, String>;
    /// Fixed-string search over the readable files.
    fn search(&self, pattern: &str) -> Vec<SearchHit>;
    fn write_file(&self, path: &str, content: &str) -> Result<(), String>;
    /// Applies a unified diff atomically (all or nothing).
    fn apply_diff(&self, diff: &str) -> Result<(), String>;
    async fn check_build(&self) -> CheckOutcome;
    /// The worktree against the parent commit ("" when unchanged).
    fn current_diff(&self) -> String;
    /// Back to the parent commit.
    fn reset(&self);
    /// A paired comparison of the worktree as it is with the parent on the public seeds (the
    /// mean Score difference, its standard error, every diagnostic's change). Never the
    /// verdict's people or seeds.
    async fn preview(&self) -> Preview {
        Preview {
            text: "Previews are not available here.".into(),
            improvement: None,
            standard_error: None,
        }
    }
}

/// A coding agent. `propose` may be cancelled by dropping its future: the command agent then kills
/// its process group; nothing else is left running.
#[async_trait]
pub trait Agent: Send {
    fn name(&self) -> &str;
    /// How the round prompt must ask for the change.
    fn return_mode(&self) -> prompts::ReturnMode;
    /// Checks, before a run starts or resumes, that the agent can work at all (endpoint
    /// reachable, key accepted, model served; command found; folder writable). A failure
    /// here stops the run before anything is recorded.
    async fn preflight(&mut self) -> Result<(), AgentError> {
        Ok(())
    }
    async fn propose(
        &mut self,
        req: &ProposalRequest,
        bench: &dyn Workbench,
    ) -> Result<Proposal, AgentError>;
}

/// Why an agent produced no proposal. `Display` is a sentence for the run log.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AgentError {
    /// The run's LLM budget would be exceeded by the next call; no request was sent. The loop
    /// should stop cleanly.
    #[error("the LLM budget is exhausted: {detail}; no request was sent")]
    BudgetExhausted { detail: String },
    /// The endpoint could not be reached or kept failing (timeouts, 429, 5xx) after all retries.
    #[error("the LLM endpoint failed after {attempts} attempt(s): {message}")]
    Transport { attempts: u32, message: String },
    /// The endpoint refused the request for a reason retrying cannot fix (HTTP 4xx other than 429,
    /// e.g. a bad API key, an unknown model, an exhausted quota).
    #[error("the LLM endpoint refused the request (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    /// The reply could not be used at all (not JSON, no message).
    #[error("the LLM reply could not be used: {0}")]
    Protocol(String),
    /// The agent finished without a change (nothing edited).
    #[error("no change was proposed: {0}")]
    NoChange(String),
    /// The agent (or the person) declined the round.
    #[error("the agent declined the round: {0}")]
    Declined(String),
    /// The agent cannot run at all (its command cannot start, its endpoint is gone): an
    /// infrastructure failure, not the candidate's.
    #[error("the agent is unavailable: {0}")]
    Unavailable(String),
    /// The tool-calling loop reached its step bound without a submitted change that builds.
    #[error("the agent used all {steps} steps without submitting a change that builds")]
    StepLimit { steps: u32 },
    /// The change still failed (did not apply, did not compile, unreadable reply) after every
    /// allowed repair.
    #[error("the change still failed after {repairs} repair attempt(s) ({kind}): {last_error}")]
    RepairsExhausted {
        repairs: u32,
        kind: String,
        last_error: String,
    },
    /// An external command failed (non-zero exit, could not start).
    #[error("the agent command failed: {0}")]
    Command(String),
    /// A command or a person did not finish in time.
    #[error("the agent did not finish within {0:?}")]
    Timeout(Duration),
    /// The round was cancelled by the loop.
    #[error("the agent was cancelled")]
    Cancelled,
    /// The agent could not be set up or could not write its files (configuration, I/O, prompts).
    #[error("the agent could not run: {0}")]
    Setup(String),
}
