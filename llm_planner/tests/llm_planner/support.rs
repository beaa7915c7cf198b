//! Running the generator against a scripted server.

use llm_planner::{
    EndpointConfig, ExecutorKind, Generation, LlmGenerator, PlannerConfig, Prompting,
};
use mobility::{Benchmark, Person, Split};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Zero-shot planner settings for `url`: one request at a time (so scripted replies go to
/// people in order), 2 revisions, short back-offs, no key, JSON mode off.
pub fn config(url: &str) -> PlannerConfig {
    let mut endpoint = EndpointConfig::new(url, "test-model");
    endpoint.api_key = None;
    endpoint.json_mode = false;
    endpoint.concurrency = 1;
    endpoint.call_timeout = Duration::from_secs(30);
    endpoint.max_retries = 2;
    endpoint.backoff_base = Duration::from_millis(100);
    endpoint.backoff_max = Duration::from_secs(1);
    PlannerConfig {
        prompting: Prompting::ZeroShot,
        executor: ExecutorKind::Statistical,
        max_revisions: 2,
        seed: 7,
        endpoint,
    }
}

/// Fits the generator on the benchmark's train split and generates for the val people.
pub async fn generate(config: PlannerConfig, bench: &Benchmark, cache: &Path) -> Generation {
    let generator = Arc::new(
        LlmGenerator::new(
            config,
            bench,
            bench.read_split(Split::Train).unwrap(),
            cache,
        )
        .unwrap(),
    );
    let val = bench.persons(Split::Val).unwrap();
    generator.generate(&val.persons).await
}

pub fn val_people(bench: &Benchmark) -> Vec<Person> {
    bench.persons(Split::Val).unwrap().persons
}

/// The messages of a recorded request.
pub fn messages(request: &Value) -> Vec<Value> {
    request["messages"].as_array().cloned().unwrap_or_default()
}

/// The text of the user message that opens a recorded request.
pub fn first_user(request: &Value) -> String {
    messages(request)
        .iter()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string()
}
