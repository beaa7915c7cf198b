//! Both real benchmarks, prepared from `shared/data` by the survey crate into a temp dir:
//! few-shot prompts built from real people, answered by a scripted model that returns the
//! plan of the first example, become valid diaries.

use crate::fixture::temp_dir;
use crate::support::{config, first_user};
use agents::scripted_server::{text, with_usage, Responder, ScriptedServer};
use llm_planner::{LlmGenerator, PersonOutcome, Prompting};
use mobility::{Benchmark, DiaryTable, Split, Task};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn data_dir() -> PathBuf {
    std::env::var_os("MOBEVOLVE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
}

/// Prepares the built-in benchmark `name` into a temp dir.
fn prepare(name: &str) -> Benchmark {
    let data = data_dir();
    assert!(
        data.is_dir(),
        "the real surveys are missing: no folder {} (set MOBEVOLVE_DATA)",
        data.display()
    );
    let (_, survey_config) = survey::builtin_configs()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no built-in survey config {name}"));
    let out = temp_dir(&format!("real-{name}"));
    survey::prepare(&survey_config, &data, &out)
        .unwrap_or_else(|e| panic!("preparing {name} failed: {e}"));
    Benchmark::open(&out.join(name)).unwrap()
}

/// A model that copies the first example's plan.
fn copy_first_example() -> Responder {
    Arc::new(|request: &serde_json::Value| {
        let prompt = first_user(request);
        let plan = prompt
            .lines()
            .find_map(|l| l.strip_prefix("Reply: "))
            .unwrap_or("{}")
            .to_string();
        with_usage(
            text(&plan),
            request.to_string().len() as u64 / 4,
            plan.len() as u64 / 4,
        )
    })
}

async fn check(name: &str, task: Task) {
    let bench = prepare(name);
    assert_eq!(bench.task, task);
    let train = bench.read_split(Split::Train).unwrap();
    let val = bench.read_split(Split::Val).unwrap();
    let n = 60;
    let people = &val.people()[..n];
    let server = ScriptedServer::start_responding(copy_first_example(), Duration::ZERO).await;
    let mut c = config(&server.url);
    c.prompting = Prompting::FewShot { examples: 3 };
    c.endpoint.concurrency = 8;
    let generator = Arc::new(LlmGenerator::new(c, &bench, train, &temp_dir("real-cache")).unwrap());
    let g = generator.generate(people).await;
    assert!(g.is_complete(), "{name}: {:?}", g.stop);
    let from_model = g
        .people
        .iter()
        .filter(|p| p.outcome == PersonOutcome::Generated)
        .count();
    // The examples are real days of similar people: nearly all are feasible plans.
    assert!(
        from_model * 10 >= n * 9,
        "{name}: only {from_model} of {n} plans were used"
    );
    let diaries: Vec<_> = g.diaries.iter().map(|d| d.unwrap()).collect();
    let table = DiaryTable {
        person_ids: people.iter().map(|p| p.id.clone()).collect(),
        diaries: diaries.clone(),
    };
    let report = evaluator::check_validity(&bench, people, &table);
    assert!(report.is_valid(), "{name}: {}", report.to_text());
    let e = evaluator::evaluate(&bench, people, &val.diaries[..n], &diaries);
    assert!(e.score.is_finite() && e.score > 0.0, "{name}: {}", e.score);
}

#[tokio::test]
async fn real_atus_plans_become_valid_diaries() {
    check("atus-2014", Task::Activity).await;
}

#[tokio::test]
async fn real_santiago_plans_become_valid_diaries_with_zones() {
    check("santiago-2012", Task::ActivityLocation).await;
}
