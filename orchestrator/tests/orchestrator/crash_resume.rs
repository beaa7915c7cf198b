//! Crash safety: the tool-mode run again, SIGKILLed (`MOBEVOLVE_KILL_AT=1:<phase>:during`:
//! the phase's work done, not yet recorded) in each of the nine phases of round 1 in turn,
//! resumed after each kill, then run to its end. It must end exactly where the
//! uninterrupted run ended — same commits, scores and decisions — and the scripted server
//! must have received exactly the uninterrupted run's requests: a resumed phase replays
//! recorded LLM calls, it never sends one again.

use crate::harness::{self, Fixture};
use crate::scripts;
use crate::tool_mode;
use agents::scripted_server::ScriptedServer;
use memory::{Phase, PhaseState, RunStatus};
use std::path::Path;
use std::time::Duration;

fn kill_env(phase: Phase) -> Vec<(&'static str, String)> {
    vec![("MOBEVOLVE_KILL_AT", format!("1:{}:during", phase.name()))]
}

/// Checks a kill in `phase`: signal 9, the hook's message, earlier phases recorded,
/// the killed one started but not recorded.
fn assert_killed_in(out: &harness::Outcome, runs: &Path, phase: Phase) {
    assert_eq!(
        out.killed_by(),
        Some(9),
        "expected a SIGKILL in {}, got {}:\n{}",
        phase.name(),
        out.status,
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!(
            "killing the process in round 1, phase {}",
            phase.name()
        )),
        "{}",
        out.stderr
    );
    let state = harness::run_state(runs, 1);
    let log = &state.round(1).phases;
    for entry in log {
        if entry.phase.position() < phase.position() {
            assert_eq!(
                entry.state,
                PhaseState::Done,
                "{} before {}",
                entry.phase.name(),
                phase.name()
            );
        }
    }
    let killed = log
        .iter()
        .find(|e| e.phase == phase)
        .expect("the killed phase was begun");
    assert_ne!(
        killed.state,
        PhaseState::Done,
        "{} was recorded before the kill",
        phase.name()
    );
    assert!(killed.artifacts.is_none());
}

fn crash_every_phase(fx: &Fixture, url: &str, runs: &Path) {
    let phases = Phase::ALL;
    let log = |i: usize| fx.root.join(format!("logs/crash-{i}"));
    let limit = Duration::from_secs(400);
    let first = harness::orchestrator(
        &tool_mode::args(fx, runs, url),
        &kill_env(phases[0]),
        limit,
        &log(0),
    );
    assert_killed_in(&first, runs, phases[0]);
    for (i, phase) in phases.iter().enumerate().skip(1) {
        let out = harness::orchestrator(
            &harness::resume_args(fx, runs, 1),
            &kill_env(*phase),
            limit,
            &log(i),
        );
        assert_killed_in(&out, runs, *phase);
    }
    let last = harness::orchestrator(&harness::resume_args(fx, runs, 1), &[], limit, &log(99));
    assert_eq!(last.status.code(), Some(0), "{}", last.stderr);
    assert!(last.stderr.contains("budget"), "{}", last.stderr);
}

#[test]
fn a_sigkill_in_every_phase_then_resume_ends_like_the_uninterrupted_run() {
    let _serial = harness::serial();
    let Some(fx) = harness::fixture() else { return };
    let reference = match tool_mode::reference(fx) {
        Ok(r) => r,
        Err(e) => panic!("the uninterrupted tool-mode run failed: {e}"),
    };
    let server = ScriptedServer::start_in_background(scripts::tool_mode(fx));
    let runs = fx.root.join("runs-crash");
    crash_every_phase(fx, &server.url, &runs);

    let run_dir = runs.join("run-1");
    let s = harness::run_state(&runs, 1);
    let r = &reference.state;
    assert_eq!(s.status, RunStatus::Stopped);
    // Same commits (deterministic, the same accepted candidate), trajectory and decisions.
    harness::assert_same_end(&s, &run_dir, r, &reference.run_dir);
    // …and what must hold on its own, not only by comparison: the recorded change is the
    // applied one, nothing was rolled out twice, every prompt remembers every trial.
    harness::assert_absolute_facts(&s, &run_dir);
    assert_ne!(s.current_commit, s.initial_commit);
    let fix = &s.round(1).candidate.as_ref().unwrap().summary;
    assert_eq!(fix.constants.len(), 1, "{fix:?}");
    assert_eq!(fix.constants[0].name, harness::DEGRADED);
    assert_eq!(
        fix.constants[0].old.as_deref(),
        Some(harness::DEGRADED_VALUE)
    );
    // Every phase of round 1 was attempted twice (killed once, then redone) and is done.
    for entry in &s.round(1).phases {
        assert_eq!(entry.state, PhaseState::Done, "{}", entry.phase.name());
        assert_eq!(entry.attempts, 2, "{}", entry.phase.name());
    }
    // No LLM request was sent twice: the server saw exactly the uninterrupted run's requests.
    let requests = server.requests();
    assert_eq!(requests.len(), reference.requests.len());
    assert!(
        requests == reference.requests,
        "the requests differ from the uninterrupted run's"
    );
    harness::assert_no_worktrees(&run_dir);
    harness::assert_no_sandbox_processes(fx);
}
