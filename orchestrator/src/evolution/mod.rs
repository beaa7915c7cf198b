//! The evolution loop: a run's rounds, each phase recorded before the next begins.
//!
//! - `run`: creating, reopening and driving runs; `settings`: what a run is started with;
//! - `round`: the nine phases of a round, one module per phase or group of phases;
//! - `rule` and `paired_test`: the frozen acceptance rule and the paired comparison it rests
//!   on; `seeds`: public and secret seeds; `validation_split`: the evolution and selection
//!   parts of the validation people and the run's view of the benchmarks;
//! - `bench_context`, `evaluations`, `reference`: a benchmark as a run uses it, its store of
//!   rollouts and evaluations, and the no-skill reference levels;
//! - `change`: the applied change, summarised once; `disk`: telling a full disk from a bad
//!   candidate;
//! - `workbench`, `llm_store`, `agent_factory`: the agents' view of the worktree and the
//!   memory, and the configured agent;
//! - `best_generator`: a finished run's best generator for `evaluate`, `generate`, `export`;
//! - `progress`: what the terminal shows; `faults`: the crash-test hook.

pub mod agent_factory;
pub mod agent_jail;
pub mod bench_context;
pub mod best_generator;
pub mod change;
pub mod disk;
pub mod evaluations;
pub mod event_feed;
pub mod faults;
pub mod interrupt;
pub mod llm_store;
pub mod paired_test;
pub mod progress;
pub mod reference;
pub mod round;
pub mod rule;
pub mod run;
pub mod run_report;
pub mod seeds;
pub mod settings;
pub mod settings_update;
pub mod validation_split;
pub mod workbench;
