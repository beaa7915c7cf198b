//! The `openai` agent in tool mode, one run serving three tests (the crash test replays the
//! same run and compares itself with it): round 1 fixes the degraded constant through tool
//! calls after a 429 and a timeout, round 2 tries to write protected files, and the dollar
//! budget stops the run before round 3.

use crate::harness::{self, Fixture, Outcome, RunState, PARAMS};
use crate::scripts::{self, TOKENS_OUT, TOOL_MAX_STEPS, TOOL_ROUND_1_CALLS, TOOL_ROUND_2_CALLS};
use agents::scripted_server::ScriptedServer;
use memory::{Phase, RunStatus};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// `$1` per completion token: round 1 costs $50, round 2 $40; the cap is crossed by the
/// last call of round 2, so round 3 never starts.
pub const BUDGET_USD: f64 = 85.0;
pub const ROUNDS: u32 = 3;

/// The uninterrupted tool-mode run.
pub struct ToolRun {
    pub run_dir: PathBuf,
    pub outcome_code: Option<i32>,
    pub stderr: String,
    pub requests: Vec<serde_json::Value>,
    pub state: RunState,
}

/// `orchestrator run` arguments of the tool-mode run.
pub fn args(fx: &Fixture, runs: &Path, url: &str) -> Vec<String> {
    let mut a = harness::run_args(fx, runs, url, "tools", ROUNDS);
    for extra in [
        "--max-steps".to_string(),
        TOOL_MAX_STEPS.to_string(),
        "--budget-usd".into(),
        BUDGET_USD.to_string(),
        "--price-in".into(),
        "0".into(),
        "--price-out".into(),
        "1000000".into(),
        "--llm-timeout".into(),
        "2".into(),
    ] {
        a.push(extra);
    }
    a
}

/// The run, made once per test process (`Err` with the reason if it could not be made).
pub fn reference(fx: &'static Fixture) -> &'static Result<ToolRun, String> {
    static RUN: OnceLock<Result<ToolRun, String>> = OnceLock::new();
    RUN.get_or_init(|| {
        std::panic::catch_unwind(|| make_reference(fx)).map_err(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the reference run panicked".into())
        })
    })
}

fn make_reference(fx: &Fixture) -> ToolRun {
    let server = ScriptedServer::start_in_background(scripts::tool_mode(fx));
    let runs = fx.root.join("runs-tools");
    let out: Outcome = harness::orchestrator(
        &args(fx, &runs, &server.url),
        &[],
        Duration::from_secs(600),
        &fx.root.join("logs/tools-run"),
    );
    let state = harness::run_state(&runs, 1);
    ToolRun {
        run_dir: runs.join("run-1"),
        outcome_code: out.status.code(),
        stderr: out.stderr,
        requests: server.requests(),
        state,
    }
}

fn setup() -> Option<(&'static Fixture, &'static ToolRun)> {
    let fx = harness::fixture()?;
    let run = match reference(fx) {
        Ok(run) => run,
        Err(e) => panic!("the tool-mode run failed: {e}"),
    };
    Some((fx, run))
}

#[test]
fn a_good_change_is_accepted_after_a_rate_limit_and_a_timeout() {
    let _serial = harness::serial();
    let Some((fx, run)) = setup() else { return };
    let s = &run.state;
    let r1 = s.round(1);
    // The 429 and the unanswered request were retried with the same body.
    assert!(
        run.requests.len() >= TOOL_ROUND_1_CALLS + 2,
        "{}",
        run.stderr
    );
    assert_eq!(
        run.requests[0], run.requests[1],
        "the 429 retry changed the request"
    );
    assert_eq!(
        run.requests[1], run.requests[2],
        "the timeout retry changed the request"
    );
    assert_ne!(run.requests[2], run.requests[3]);
    // … and recorded once each: five paid calls in round 1.
    assert_eq!(r1.llm_calls.len(), TOOL_ROUND_1_CALLS, "{:?}", r1.llm_calls);
    assert!(r1.llm_calls.iter().all(|c| c.tokens_out == TOKENS_OUT));
    // The tool loop ran against the real worktree.
    let results = harness::tool_results(&run.requests[TOOL_ROUND_1_CALLS + 1]);
    assert!(results[0].contains(PARAMS), "{results:?}");
    assert!(results[1].contains(&fx.bad_line), "{results:?}");
    assert!(results[2].starts_with("ok: edited"), "{results:?}");
    assert_eq!(results[3], "ok: it builds");
    // Accepted: the decision, the trajectory, the run's current commit and `main`.
    let decision = harness::artifacts(r1, Phase::Decision);
    assert_eq!(decision["outcome"], "accepted", "{decision}");
    let candidate = r1
        .candidate
        .as_ref()
        .expect("round 1 has a candidate")
        .commit
        .clone();
    assert_eq!(decision["new_main"], serde_json::json!(candidate));
    assert_ne!(candidate, s.initial_commit);
    assert_eq!(r1.parent_commit, s.initial_commit);
    assert_eq!(s.current_commit, candidate);
    assert_eq!(harness::main_commit(&run.run_dir), candidate);
    let params = harness::git(&run.run_dir, &["show", &format!("main:{PARAMS}")]);
    assert!(params.contains(&fx.good_line));
    let t = &s.trajectory[0];
    assert_eq!(t.accepted, Some(true));
    let v = r1.verification.as_ref().unwrap();
    let evidence = v
        .evidence
        .as_ref()
        .expect("a scored decision has its evidence");
    let pooled = evidence
        .confirmation
        .as_ref()
        .expect("confirmed on fresh seeds");
    assert!(
        pooled.lower_bound > 0.05,
        "the fix should be a large, significant improvement: {pooled:?}"
    );
    assert_eq!(pooled.seeds.len(), 4, "2 decision and 2 confirmation seeds");
    assert!(v.accepted && v.build.ok && v.tests.ok, "{v:?}");
    assert!(v.validity.iter().all(|c| c.passed));
    harness::assert_no_worktrees(&run.run_dir);
}

#[test]
fn writes_to_protected_paths_are_refused_and_recorded_as_outside_scope() {
    let _serial = harness::serial();
    let Some((_fx, run)) = setup() else { return };
    let s = &run.state;
    let r2 = s.round(2);
    assert_eq!(r2.llm_calls.len(), TOOL_ROUND_2_CALLS);
    // The agent was told why each write was refused.
    let first_of_round_2 = run.requests.len() - TOOL_ROUND_2_CALLS;
    let results = harness::tool_results(&run.requests[first_of_round_2 + 1]);
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(
        results[0].contains("evaluator/src/lib.rs")
            && results[0].contains("outside the editable scope"),
        "{results:?}"
    );
    assert!(
        results[1].contains("heuristics/Cargo.toml")
            && results[1].contains("outside the editable scope"),
        "{results:?}"
    );
    // The round records the violation as its rejection, before anything was built.
    let apply = harness::artifacts(r2, Phase::Apply);
    assert_eq!(apply["rejection"]["outcome"], "outside_scope", "{apply}");
    let decision = harness::artifacts(r2, Phase::Decision);
    let reason = decision["reason"].as_str().unwrap();
    assert_eq!(decision["outcome"], "outside_scope");
    assert!(reason.starts_with("outside_scope: "), "{reason}");
    assert!(reason.contains("heuristics/Cargo.toml"), "{reason}");
    for phase in [Phase::Build, Phase::Verification, Phase::Evaluation] {
        assert_eq!(
            harness::artifacts(r2, phase)["step"]["result"],
            "skipped",
            "{}",
            phase.name()
        );
    }
    let v = r2.verification.as_ref().unwrap();
    assert!(!v.accepted && v.metrics.is_none());
    assert_eq!(
        r2.parent_commit,
        s.round(1).candidate.as_ref().unwrap().commit
    );
    assert_eq!(
        s.current_commit, r2.parent_commit,
        "a rejected round moved main"
    );
    assert_eq!(harness::main_commit(&run.run_dir), s.current_commit);
    assert_eq!(s.trajectory[1].accepted, Some(false));
    assert!(s.trajectory[1].candidate_score.is_none());
    // The evaluator of the run repository is untouched.
    let evaluator = harness::git(&run.run_dir, &["show", "main:evaluator/src/lib.rs"]);
    assert!(!evaluator.contains("pub fn score() -> f64 { 0.0 }"));
}

#[test]
fn the_budget_cap_stops_the_run_cleanly() {
    let _serial = harness::serial();
    let Some((fx, run)) = setup() else { return };
    let s = &run.state;
    assert_eq!(run.outcome_code, Some(0), "{}", run.stderr);
    assert_eq!(s.status, RunStatus::Stopped);
    assert!(run.stderr.contains("budget"), "{}", run.stderr);
    // Round 3 never started; rounds 1 and 2 finished.
    assert_eq!((s.totals.rounds, s.totals.finished_rounds), (2, 2));
    let spent = ((TOOL_ROUND_1_CALLS + TOOL_ROUND_2_CALLS) as u64 * TOKENS_OUT) as f64;
    assert!(
        (s.totals.cost_usd - spent).abs() < 1e-6,
        "{}",
        s.totals.cost_usd
    );
    assert!(s.totals.cost_usd > BUDGET_USD);
    assert_eq!(
        run.requests.len(),
        TOOL_ROUND_1_CALLS + 2 + TOOL_ROUND_2_CALLS,
        "a request was sent past the budget"
    );
    harness::assert_no_worktrees(&run.run_dir);
    harness::assert_no_sandbox_processes(fx);
}
