//! Failures that are not the candidate's: an agent that cannot work is refused before
//! anything is created; an endpoint that starts refusing mid-run stops the run (failed,
//! with its reason, resumable) without a trial or a lesson; a round whose agent changes
//! nothing touches nothing of the parent's.

use crate::harness::{self, PARAMS};
use crate::scripts;
use agents::scripted_server::{Scripted, ScriptedServer};
use memory::{Phase, PhaseState, RoundOutcome, RunStatus};
use std::time::Duration;

fn refused(code: u16, message: &str) -> Scripted {
    Scripted::Status {
        code,
        headers: vec![],
        body: serde_json::json!({"error": {"message": message, "type": "test"}}).to_string(),
    }
}

#[test]
fn an_agent_that_cannot_work_is_refused_before_anything_is_created() {
    let _serial = harness::serial();
    let Some(fx) = harness::fixture() else { return };
    let runs = fx.root.join("runs-refused");
    let attempt = |extra: &[&str], log: &str| {
        let mut args = harness::tiny_run_args(fx, &fx.bench, &runs, 1);
        args.extend(extra.iter().map(|s| s.to_string()));
        harness::orchestrator(&args, &[], Duration::from_secs(120), &fx.root.join(log))
    };
    // Nothing listens on port 1.
    let out = attempt(
        &[
            "--agent",
            "openai",
            "--base-url",
            "http://127.0.0.1:1/v1",
            "--model",
            "m",
        ],
        "logs/refused-unreachable",
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("cannot be reached"), "{}", out.stderr);
    // The key is refused.
    let server = ScriptedServer::start_in_background(vec![]);
    server.set_models_reply(refused(401, "Incorrect API key provided"));
    let out = attempt(
        &[
            "--agent",
            "openai",
            "--base-url",
            &server.url,
            "--model",
            "m",
        ],
        "logs/refused-401",
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("HTTP 401") && out.stderr.contains("Incorrect API key"),
        "{}",
        out.stderr
    );
    // The model is not served.
    server.set_models_reply(Scripted::Json(
        serde_json::json!({"object": "list", "data": [{"id": "served-model"}]}),
    ));
    let out = attempt(
        &[
            "--agent",
            "openai",
            "--base-url",
            &server.url,
            "--model",
            "gpt-typo",
        ],
        "logs/refused-model",
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("`gpt-typo`") && out.stderr.contains("served-model"),
        "{}",
        out.stderr
    );
    // A command that does not exist.
    let out = attempt(
        &[
            "--agent",
            "command",
            "--agent-command",
            "no-such-agent-program --flag",
        ],
        "logs/refused-command",
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("`no-such-agent-program` is not found"),
        "{}",
        out.stderr
    );
    assert_eq!(server.request_count(), 0, "no chat request was sent");
    // Nothing was created: no run, no run folder.
    assert!(
        !runs.join("mobevolve.sqlite").exists() && !runs.join("run-1").exists(),
        "a refused run left files in {}",
        runs.display()
    );
}

#[test]
fn an_endpoint_refusing_mid_run_stops_it_failed_and_resumable_without_a_trial() {
    let _serial = harness::serial();
    let Some(fx) = harness::fixture() else { return };
    let runs = fx.root.join("runs-midrun");
    // Every chat request of round 1 is refused: the first try and the loop's two retries.
    let server = ScriptedServer::start_in_background(vec![
        refused(401, "The API key was revoked"),
        refused(401, "The API key was revoked"),
        refused(401, "The API key was revoked"),
    ]);
    let args = harness::run_args(fx, &runs, &server.url, "diff", 1);
    let out = harness::orchestrator(
        &args,
        &[],
        Duration::from_secs(600),
        &fx.root.join("logs/midrun"),
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("HTTP 401"), "{}", out.stderr);
    let s = harness::run_state(&runs, 1);
    assert_eq!(s.status, RunStatus::Failed);
    let r1 = s.round(1);
    let state_of = |p: Phase| r1.phases.iter().find(|e| e.phase == p).unwrap().clone();
    assert_eq!(state_of(Phase::ParentRollout).state, PhaseState::Done);
    assert_eq!(state_of(Phase::Attribution).state, PhaseState::Done);
    let proposal = state_of(Phase::Proposal);
    assert_eq!(proposal.state, PhaseState::Failed);
    assert_eq!(proposal.attempts, 3, "the first try and two retries");
    assert!(proposal.error.as_deref().unwrap_or("").contains("401"));
    assert!(
        r1.trial.is_none() && r1.verification.is_none(),
        "a trial was recorded"
    );
    assert_eq!(
        s.totals.llm_calls, 0,
        "a refused request was recorded as a call"
    );
    let reason = block_status_reason(&runs);
    assert!(reason.contains("401"), "status reason: {reason}");

    // Still refused at the resume: stopped before the phase is tried again.
    server.set_models_reply(refused(401, "The API key was revoked"));
    let resume = harness::resume_args(fx, &runs, 1);
    let out = harness::orchestrator(
        &resume,
        &[],
        Duration::from_secs(120),
        &fx.root.join("logs/midrun-resume-401"),
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    let s = harness::run_state(&runs, 1);
    let again = s
        .round(1)
        .phases
        .iter()
        .find(|e| e.phase == Phase::Proposal)
        .unwrap()
        .attempts;
    assert_eq!(again, 3, "the proposal was tried with a refused key");

    // The key works again: the run continues where it stopped and finishes the round.
    server.set_models_reply(Scripted::Json(
        serde_json::json!({"object": "list", "data": []}),
    ));
    let fixed = scripts::fixed_params(fx);
    server.extend_script(vec![scripts::diff_reply(
        "first_nonhome_hour_jsd",
        "almost every day is shifted by an hour",
        &scripts::unified_diff(PARAMS, &fx.params, &fixed),
    )]);
    let out = harness::orchestrator(
        &resume,
        &[],
        Duration::from_secs(600),
        &fx.root.join("logs/midrun-resume-ok"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    let s = harness::run_state(&runs, 1);
    assert_eq!(s.status, RunStatus::Finished);
    let r1 = s.round(1);
    assert_eq!(
        r1.verification.as_ref().unwrap().outcome,
        RoundOutcome::Accepted
    );
    assert_eq!(s.totals.llm_calls, 1);
    harness::assert_absolute_facts(&s, &runs.join("run-1"));

    // The endpoint disappears: a resume that would need it refuses to start.
    drop(server);
    let mut more = harness::resume_args(fx, &runs, 1);
    more.extend(["--rounds".to_string(), "2".to_string()]);
    let out = harness::orchestrator(
        &more,
        &[],
        Duration::from_secs(120),
        &fx.root.join("logs/midrun-gone"),
    );
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("cannot be reached"), "{}", out.stderr);
    assert_eq!(harness::run_state(&runs, 1).totals.rounds, 1);
}

#[test]
fn a_round_whose_agent_changes_nothing_keeps_the_parents_rollouts() {
    let _serial = harness::serial();
    let Some(fx) = harness::fixture() else { return };
    let runs = fx.root.join("runs-nochange");
    let mut args = harness::tiny_run_args(fx, &fx.bench, &runs, 2);
    args.extend(["--agent", "command", "--agent-command", "true"].map(String::from));
    let out = harness::orchestrator(
        &args,
        &[],
        Duration::from_secs(600),
        &fx.root.join("logs/nochange"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    let s = harness::run_state(&runs, 1);
    assert_eq!(s.status, RunStatus::Finished);
    let run_dir = runs.join("run-1");
    for r in [1, 2] {
        let record = s.round(r);
        let v = record.verification.as_ref().unwrap();
        assert_eq!(v.outcome, RoundOutcome::NoChange, "round {r}: {}", v.reason);
        assert_eq!(record.candidate.as_ref().unwrap().commit, s.initial_commit);
        assert!(record.candidate.as_ref().unwrap().summary.is_empty());
        assert_eq!(record.trial.as_ref().unwrap().intervention, "no change (no change was proposed: the command finished without changing the worktree)");
    }
    // The parent's rollout of round 1 is still there and was reused by round 2.
    let parent = harness::artifacts(s.round(1), Phase::ParentRollout);
    let seed = parent["seeds"][0].as_u64().unwrap();
    let diaries = run_dir
        .join("evaluations/atus-2014")
        .join(&s.initial_commit)
        .join(format!("seed-{seed}.csv"));
    assert!(diaries.is_file(), "{} was deleted", diaries.display());
    assert_eq!(
        harness::artifacts(s.round(2), Phase::ParentRollout)["reused"],
        true
    );
    harness::assert_absolute_facts(&s, &run_dir);
    // The report was written after every round and shows the initial generator.
    let report = std::fs::read_to_string(run_dir.join("report/report.md")).unwrap();
    assert!(report.contains("initial generator"), "{report}");
}

fn block_status_reason(runs: &std::path::Path) -> String {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let memory = memory::Memory::open(runs.join("mobevolve.sqlite"))
                .await
                .unwrap();
            memory
                .run_summary(1)
                .await
                .unwrap()
                .status_reason
                .unwrap_or_default()
        })
}
