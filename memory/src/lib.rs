//! The run's durable record in SQLite (sqlx): runs, round phases, trials, attribution and
//! verification records, LLM calls.
//!
//! An evolution run is days of compute and LLM spend; this crate makes its record survive
//! crashes, be queryable, and give the agent its memory.
//!
//! - [`Memory::open_read_only`] opens an existing database for readers in other processes
//!   (the dashboard): nothing is migrated or written.
//! - [`Memory::open`] checks an existing file read-only (corrupt files and databases from a
//!   newer mobevolve are refused untouched), then opens it in WAL mode with foreign keys and
//!   a busy timeout and applies the SQL migrations of `migrations/`.
//! - A run is driven by one process at a time: [`Memory::create_run`] / [`Memory::lock_run`]
//!   return a [`RunLock`] (an OS file lock the kernel releases when the owner dies), and
//!   every write takes it.
//! - A round is a sequence of [`Phase`]s; [`Memory::record_phase`] writes a phase's result,
//!   artifacts and typed record in one transaction, and [`Memory::resume_point`] tells a
//!   restarted process which phase to redo.
//! - Queries for the loop: [`Memory::evolution_context`], [`Memory::trajectory`],
//!   [`Memory::round_record`], [`Memory::totals`], [`Memory::list_runs`].
//! - Reads of the test split are logged with [`Memory::record_final_evaluation`] (no run
//!   lock needed) and listed by [`Memory::final_evaluations`].
//! - LLM calls are stored by [`request_hash`] so a resumed run replays instead of paying.
//! - Every record is announced by a [`RunEvent`] appended in the same transaction;
//!   [`Memory::events_since`] lets a reader in any process follow a run live.
//! - A resume that changes a run's settings records each change
//!   ([`Memory::change_settings`], [`Memory::settings_changes`]); [`Memory::delete_run`]
//!   removes a run's whole record.
//!
//! Only this crate touches SQLite; no sqlx type appears in its API except as an error source.

mod change_summary;
mod clock;
mod database;
mod error;
mod events;
mod evidence;
mod evolution_context;
mod final_evaluation;
mod history;
mod llm_cache;
mod outcome;
mod phase;
mod phase_log;
mod read_only;
mod records;
mod runs;
mod settings_changes;

pub use change_summary::{ChangeSummary, ConstantChange, FileChange};
pub use clock::{format_utc, now_ms};
pub use database::Memory;
pub use error::MemoryError;
pub use events::{RunEvent, StoredEvent};
pub use evidence::{DecisionEvidence, GuardEvidence, PairedEstimate, TestKind};
pub use evolution_context::{
    failure_key, intervention_signature, ContextLimits, EvolutionContext, TrialLine, TrialSummary,
};
pub use final_evaluation::FinalEvaluation;
pub use history::{LlmCallInfo, RoundRecord, ScoreSummary, Totals, TrajectoryPoint};
pub use llm_cache::{canonical_json, request_hash, LlmCall, StoredResponse};
pub use outcome::RoundOutcome;
pub use phase::{Phase, PhaseState};
pub use phase_log::{PhaseEntry, ResumePoint};
pub use records::{
    AttributionRecord, Budgets, Candidate, Comparison, Metrics, PhaseOutput, PhaseRecord, Proposal,
    RunConfig, RunStatus, StepOutcome, Trial, ValidityCheck, VerificationRecord,
};
pub use runs::{RunLock, RunSummary};
pub use settings_changes::{RecordedChange, SettingChange};
