//! Integration tests of the LLM generators against the scripted OpenAI-compatible server on
//! 127.0.0.1 (`agents::scripted_server`), on small benchmarks of both tasks written to disk
//! and on the real benchmarks prepared from `shared/data`. The one test binary of the
//! crate; its modules live in `tests/llm_planner/`.

#[path = "llm_planner/fixture.rs"]
mod fixture;
#[path = "llm_planner/support.rs"]
mod support;

#[path = "llm_planner/accounting.rs"]
mod accounting;
#[path = "llm_planner/conversation.rs"]
mod conversation;
#[path = "llm_planner/endpoint.rs"]
mod endpoint;
#[path = "llm_planner/plans.rs"]
mod plans;
#[path = "llm_planner/real_data.rs"]
mod real_data;
