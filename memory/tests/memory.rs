//! Integration tests of the memory crate on real SQLite files in temporary folders.
//! The modules live in `tests/memory/` (one test binary for the crate).

#[path = "memory/context.rs"]
mod context;
#[path = "memory/crash.rs"]
mod crash;
#[path = "memory/final_evaluations.rs"]
mod final_evaluations;
#[path = "memory/lifecycle.rs"]
mod lifecycle;
#[path = "memory/opening.rs"]
mod opening;
#[path = "memory/read_only.rs"]
mod read_only;
#[path = "memory/rounds.rs"]
mod rounds;
#[path = "memory/support.rs"]
mod support;
