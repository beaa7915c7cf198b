//! End-to-end tests of the evolution loop: the `orchestrator` binary drives real runs on the
//! prepared ATUS-2014 benchmark, with the `openai` agent talking to a scripted
//! chat-completions server on 127.0.0.1, from a copy of the workspace whose generator was
//! deliberately degraded (so the scripted fix is a large, real improvement).
//!
//! - `tool_mode`: a good change through tool calls is accepted despite a 429 and a timeout;
//!   a write to a protected path is refused and recorded as an `outside_scope` rejection; the
//!   budget cap stops the run cleanly.
//! - `diff_mode`: a malformed diff, then a good one after the repair prompt; a protected-path
//!   diff; a compile error, then a repaired change that is built and scored.
//! - `crash_resume`: SIGKILL in each of the nine phases, resumed each time, ends exactly
//!   where the uninterrupted run ended, without any LLM request sent twice.
//! - `faults`: a full disk, a locked database, a read-only run folder, changed or missing
//!   data and a deleted worktree are reported clearly, lose nothing and are resumed past;
//!   hostile candidates are each rejected for their own reason and nothing escapes.
//! - `agent_failures`: an agent that cannot work is refused before anything is created; an
//!   endpoint refusing mid-run stops the run (failed, resumable) with no trial; a round whose
//!   agent changes nothing keeps the parent's rollouts.
//! - `generate`: every output format to files, `.gz` and standard output; shards that
//!   concatenate to the whole output; a closed pipe exits 0 quietly; refusals.
//! - `random_kills`: at least 50 SIGKILLs at random moments (timers and phase boundaries)
//!   over a several-round run end where the uninterrupted run ended; only a request in
//!   flight at a kill is ever sent again; no worktree, process or lock is left behind.
//! - `llm_baseline`: `baseline llm-planner` against the scripted server on both real
//!   benchmarks: scored figures next to the diaries, a rerun that sends nothing, a budget
//!   stop with a partial file that a rerun finishes; classic baselines refuse LLM options.
//!
//! Candidate sandboxes share one uid, so the runs never overlap: every test holds
//! [`harness::serial`]. Run with
//! `cargo test -p orchestrator --test orchestrator -- --test-threads 1`.

#[path = "orchestrator/harness.rs"]
mod harness;
#[path = "orchestrator/scripts.rs"]
mod scripts;

#[path = "orchestrator/agent_failures.rs"]
mod agent_failures;
#[path = "orchestrator/crash_resume.rs"]
mod crash_resume;
#[path = "orchestrator/diff_mode.rs"]
mod diff_mode;
#[path = "orchestrator/faults.rs"]
mod faults;
#[path = "orchestrator/generate.rs"]
mod generate;
#[path = "orchestrator/llm_baseline.rs"]
mod llm_baseline;
#[path = "orchestrator/random_kills.rs"]
mod random_kills;
#[path = "orchestrator/shared_machines.rs"]
mod shared_machines;
#[path = "orchestrator/tool_mode.rs"]
mod tool_mode;
