//! Coding agents that propose a change to the generator, each round, in a candidate worktree.
//!
//! - [`OpenAiAgent`] (`openai`): any OpenAI-compatible chat-completions endpoint, through
//!   async-openai and a tower stack (concurrency limit, per-attempt timeout, retry with backoff);
//!   tool-calling or plain-diff mode; every call hashed, replayed from the [`LlmCallStore`] when
//!   already paid for, charged to the run's [`Budget`].
//! - [`CommandAgent`] (`command`): an external command line (`codex exec …`, `claude -p …`, …).
//! - [`InboxAgent`] (`inbox`): a person, through files in a folder.
//!
//! The contract with the evolution loop is in [`contract`]: [`ProposalRequest`] → [`Proposal`],
//! over a [`Workbench`] implemented by the orchestrator.
//!
//! With the cargo feature `scripted-server`, [`scripted_server`] provides a scripted
//! OpenAI-compatible server on 127.0.0.1 for tests (this crate's and the orchestrator's).

pub mod budget;
pub mod builtin;
pub mod call_store;
pub mod command_agent;
pub mod contract;
pub mod diff_reply;
pub mod inbox_agent;
pub mod openai_agent;
#[cfg(feature = "scripted-server")]
pub mod scripted_server;
pub mod transport;
pub mod worktree_tools;

pub use budget::{Budget, BudgetLimits, SharedBudget};
pub use builtin::{BuiltinAgent, BuiltinContext, PastMove, PlannedMove};
pub use call_store::{request_hash, LlmCallRecord, LlmCallStore, MemoryCallStore, StoredCall};

pub use contract::{
    Agent, AgentError, Change, CheckOutcome, Preview, Proposal, ProposalRequest, SearchHit,
    Workbench,
};

pub use command_agent::{CommandAgent, CommandConfig, CommandJail, JailRequest};
pub use inbox_agent::{InboxAgent, InboxConfig};
pub use openai_agent::{CallStats, OpenAiAgent, OpenAiConfig, OpenAiMode};
