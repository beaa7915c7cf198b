//! The evolution loop: a run's rounds, each phase recorded before the next begins.
//!
//! `run` creates and reopens runs and drives their rounds; `round` holds the phases;
//! `decision` the frozen acceptance rule; `evaluations` the per-commit rollout cache;
//! `workbench` and `llm_store` adapt the sandbox and the memory to the agents' traits.

pub mod agent_factory;
pub mod agent_jail;
pub mod best_generator;
pub mod decision;
pub mod evaluations;
pub mod faults;
pub mod interrupt;
pub mod llm_store;
pub mod progress;
pub mod round;
pub mod run;
pub mod settings;
pub mod settings_update;
pub mod workbench;
