//! `orchestrator baseline llm-planner` end to end: the binary against a scripted
//! OpenAI-compatible server on 127.0.0.1 (a model that answers with the first example's
//! day) on the real benchmarks, prepared into a temp folder: a scored run whose figures land
//! next to the diaries, a rerun that sends nothing, and a budget stop that a rerun
//! continues. Also the classic baselines' refusal of LLM options.

use crate::harness::{data_dir, orchestrator};
use agents::scripted_server::{text, with_usage, Responder, ScriptedServer};
use llm_planner::RunSummary;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(600);

/// Both benchmarks prepared once per test process.
fn bench_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let data = data_dir();
        assert!(
            data.is_dir(),
            "the real surveys are missing: no folder {}",
            data.display()
        );
        let root =
            std::env::temp_dir().join(format!("mobevolve-llm-baseline-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let out = orchestrator(
            &args(&[
                "data",
                "prepare",
                "--data",
                &data.display().to_string(),
                "--out",
                &root.join("bench").display().to_string(),
            ]),
            &[],
            LIMIT,
            &root.join("logs/prepare"),
        );
        assert!(out.status.success(), "data prepare failed: {}", out.stderr);
        root
    })
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// A model that copies the first example's day (the plan of the most similar train
/// person); usage is request bytes / 4 in and reply bytes / 4 out.
fn copy_first_example() -> Responder {
    Arc::new(|request: &serde_json::Value| {
        let prompt = request["messages"][1]["content"].as_str().unwrap_or("");
        let plan = prompt
            .lines()
            .find_map(|l| l.strip_prefix("Reply: "))
            .unwrap_or("{}")
            .to_string();
        with_usage(
            text(&plan),
            request.to_string().len() as u64 / 4,
            (plan.len() as u64 / 4).max(1),
        )
    })
}

/// The scripted server on a runtime of its own (the test thread blocks on the binary).
fn server() -> (tokio::runtime::Runtime, ScriptedServer) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(ScriptedServer::start_responding(
        copy_first_example(),
        Duration::ZERO,
    ));
    (runtime, server)
}

fn planner(benchmark: &str, out: &Path, url: &str, extra: &[&str]) -> Vec<String> {
    let root = bench_root();
    let mut a = args(&[
        "baseline",
        "llm-planner",
        "--benchmark",
        benchmark,
        "--split",
        "val",
        "--bench",
        &root.join("bench").display().to_string(),
        "--out",
        &out.display().to_string(),
        "--base-url",
        url,
        "--model",
        "scripted",
        "--no-json-mode",
        "--price-in",
        "0.4",
        "--price-out",
        "1.6",
    ]);
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

#[test]
fn a_scored_generation_writes_its_figures_and_a_rerun_sends_nothing() {
    let root = bench_root();
    let (_rt, server) = server();
    let out = root.join("atus/diaries.csv");
    let run = orchestrator(
        &planner("atus-2014", &out, &server.url, &["--concurrency", "8"]),
        &[],
        LIMIT,
        &root.join("logs/atus-1"),
    );
    assert!(run.status.success(), "{}", run.stderr);
    let first = RunSummary::read(&RunSummary::path_for(&out)).unwrap();
    assert!(first.complete && first.stopped.is_none());
    assert_eq!(first.people, 1520, "every validation person of ATUS-2014");
    assert_eq!(first.requests_sent as usize, server.request_count());
    assert_eq!(first.calls, first.requests_sent);
    assert!(
        first.from_model * 10 >= first.people * 9,
        "{} of {} from the model",
        first.from_model,
        first.people
    );
    let usd = (first.tokens_in as f64 * 0.4 + first.tokens_out as f64 * 1.6) / 1e6;
    assert!(
        (first.usd - usd).abs() < 1e-9,
        "{} against {usd}",
        first.usd
    );
    let e = first
        .evaluation
        .as_ref()
        .expect("a complete validation generation is scored");
    assert!(e.score.is_finite() && e.score > 0.0);
    assert_eq!(e.spatial_mae_km, None, "ATUS has no zones");
    // The diaries are a valid predictions file for `evaluate`.
    let scored = orchestrator(
        &args(&[
            "evaluate",
            "--benchmark",
            "atus-2014",
            "--split",
            "val",
            "--bench",
            &root.join("bench").display().to_string(),
            "--predictions",
            &out.display().to_string(),
        ]),
        &[],
        LIMIT,
        &root.join("logs/atus-eval"),
    );
    assert!(scored.status.success(), "{}", scored.stderr);
    let bytes = std::fs::read(&out).unwrap();
    // The rerun: everything from the cache, the same file, the same figures.
    let sent = server.request_count();
    let again = orchestrator(
        &planner("atus-2014", &out, &server.url, &["--concurrency", "8"]),
        &[],
        LIMIT,
        &root.join("logs/atus-2"),
    );
    assert!(again.status.success(), "{}", again.stderr);
    assert_eq!(server.request_count(), sent, "a rerun must send no request");
    let second = RunSummary::read(&RunSummary::path_for(&out)).unwrap();
    assert_eq!(
        (
            second.requests_sent,
            second.responses_from_cache,
            second.usd_spent_now
        ),
        (0, first.calls, 0.0)
    );
    assert_eq!(
        (second.usd, second.evaluation.as_ref().map(|e| e.score)),
        (first.usd, Some(e.score))
    );
    assert_eq!(std::fs::read(&out).unwrap(), bytes);
}

#[test]
fn the_budget_stops_with_a_partial_file_and_a_rerun_with_more_finishes() {
    let root = bench_root();
    let (_rt, server) = server();
    let out = root.join("santiago/diaries.csv");
    // About $0.0005 a person at these prices: $0.004 covers a few of the 30.
    let stopped = orchestrator(
        &planner(
            "santiago-2012",
            &out,
            &server.url,
            &[
                "--limit",
                "30",
                "--concurrency",
                "1",
                "--budget-usd",
                "0.004",
            ],
        ),
        &[],
        LIMIT,
        &root.join("logs/santiago-1"),
    );
    assert_eq!(stopped.status.code(), Some(3), "{}", stopped.stderr);
    let partial = out.with_extension("partial.csv");
    let lines = std::fs::read_to_string(&partial).unwrap().lines().count();
    let first = RunSummary::read(&RunSummary::path_for(&out)).unwrap();
    assert!(
        !first.complete
            && first
                .stopped
                .as_deref()
                .unwrap_or("")
                .starts_with("budget reached")
    );
    assert!(
        first.generated > 0 && first.generated < 30,
        "{}",
        first.generated
    );
    assert_eq!(lines, first.generated + 1, "a header and the people done");
    assert!(first.usd <= 0.004);
    assert!(!out.exists(), "no final file for an unfinished generation");
    let finish = orchestrator(
        &planner(
            "santiago-2012",
            &out,
            &server.url,
            &["--limit", "30", "--budget-usd", "1"],
        ),
        &[],
        LIMIT,
        &root.join("logs/santiago-2"),
    );
    assert!(finish.status.success(), "{}", finish.stderr);
    let second = RunSummary::read(&RunSummary::path_for(&out)).unwrap();
    assert!(second.complete && second.generated == 30);
    assert_eq!(
        second.responses_from_cache, first.calls,
        "every call of the first run replayed"
    );
    assert_eq!(
        server.request_count() as u64,
        first.requests_sent + second.requests_sent
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 31);
    assert!(
        !partial.exists(),
        "the finished file supersedes the partial one"
    );
    assert!(
        second.evaluation.is_none(),
        "--limit: not the whole split, not scored"
    );
}

#[test]
fn classic_baselines_refuse_llm_options_and_nearest1_runs() {
    let root = bench_root();
    let bench = root.join("bench").display().to_string();
    let out = root.join("nearest1.csv").display().to_string();
    let refused = orchestrator(
        &args(&[
            "baseline",
            "marginal",
            "--benchmark",
            "atus-2014",
            "--split",
            "val",
            "--bench",
            &bench,
            "--out",
            &out,
            "--budget-usd",
            "3",
        ]),
        &[],
        LIMIT,
        &root.join("logs/refused"),
    );
    assert!(!refused.status.success());
    assert!(
        refused
            .stderr
            .contains("--budget-usd only apply to `baseline llm-planner`"),
        "{}",
        refused.stderr
    );
    let ran = orchestrator(
        &args(&[
            "baseline",
            "nearest1",
            "--benchmark",
            "santiago-2012",
            "--split",
            "val",
            "--bench",
            &bench,
            "--out",
            &out,
        ]),
        &[],
        LIMIT,
        &root.join("logs/nearest1"),
    );
    assert!(ran.status.success(), "{}", ran.stderr);
    let scored = orchestrator(
        &args(&[
            "evaluate",
            "--benchmark",
            "santiago-2012",
            "--split",
            "val",
            "--bench",
            &bench,
            "--predictions",
            &out,
        ]),
        &[],
        LIMIT,
        &root.join("logs/nearest1-eval"),
    );
    assert!(scored.status.success(), "{}", scored.stderr);
}
