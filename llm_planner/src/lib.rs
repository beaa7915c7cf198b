//! LLM-based diary generators over any OpenAI-compatible endpoint, to weigh the evolved
//! heuristics against (the MobEvolve paper's LLMob rows; TrajGenAgent's planner–executor):
//!
//! - **Planner–executor** ([`ExecutorKind::Statistical`]): for each person the model gets
//!   their features (and, few-shot, the days of the most similar train people) and returns a
//!   day plan as JSON ([`plan`]); the [`StatisticalExecutor`] turns it into the benchmark's
//!   diary (times snapped to slots, Travel between places, zones drawn from a destination
//!   model learned on train) and checks it (Home at the home zone, spell and travel times
//!   plausible for the data). An unusable reply (bad JSON, or a plan the executor refuses)
//!   goes back to the model with the reason, at most `max_revisions` times; then the person
//!   gets the counted fallback, the `nearest1` baseline's diary.
//! - **Direct** ([`ExecutorKind::None`], LLMob-style): the model writes the 24 slots (and
//!   zones) itself ([`direct`]); only their form is checked.
//!
//! Calls go through the `agents` crate's transport (async-openai over a tower stack:
//! concurrency limit, retries with backoff honouring `Retry-After`, a timeout per attempt;
//! key from `OPENAI_API_KEY`). Every response is cached by the hash of its request
//! ([`cache`]) before it is read, so a rerun sends no request for what it already has; a
//! budget ([`EndpointConfig::budget_usd`]) stops the generation cleanly, and a rerun with a
//! larger one continues. Tokens, USD and latency are counted per person ([`PersonRecord`],
//! [`RunSummary`]).

pub mod cache;
mod destinations;
pub mod direct;
mod executor;
mod generate;
mod llm;
pub mod plan;
mod prompt;
mod summary;

pub use destinations::{SpellLimits, SPELL_QUANTILE};
pub use executor::{Infeasible, StatisticalExecutor, INSERTED_TRIP_MINUTES, MAX_SPEED_KMH};
pub use generate::{
    person_seed, ExecutorKind, FallbackReason, Generation, LlmGenerator, PersonOutcome,
    PersonRecord, PlannerConfig, Prompting, SetupError, Stop,
};
pub use llm::{reply_text, CallCounts, CallError, EndpointConfig};
pub use prompt::{diary_as_reply, ReplyFormat, HOME_ZONE};
pub use summary::{PerPerson, RunSummary, SummaryScores};
