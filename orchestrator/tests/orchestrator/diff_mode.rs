//! The `openai` agent in diff mode (`--max-repairs 1`), one three-round run: a malformed
//! diff repaired into the fix (accepted), diffs outside the editable scope (rejected as
//! `outside_scope`), and a compile error repaired into a change that is built and scored.

use crate::harness::{self, PARAMS};
use crate::scripts::{self, COMMENT};
use agents::scripted_server::ScriptedServer;
use memory::{Phase, RunStatus};
use std::time::Duration;

#[test]
fn malformed_protected_and_broken_diffs_are_repaired_or_rejected() {
    let _serial = harness::serial();
    let Some(fx) = harness::fixture() else { return };
    let server = ScriptedServer::start_in_background(scripts::diff_mode(fx));
    let runs = fx.root.join("runs-diff");
    let mut args = harness::run_args(fx, &runs, &server.url, "diff", 3);
    args.extend(["--max-repairs".to_string(), "1".to_string()]);
    let out = harness::orchestrator(
        &args,
        &[],
        Duration::from_secs(600),
        &fx.root.join("logs/diff-run"),
    );
    assert!(out.status.success(), "{}", out.stderr);
    let run_dir = runs.join("run-1");
    let s = harness::run_state(&runs, 1);
    assert_eq!(s.status, RunStatus::Finished);
    assert_eq!(server.remaining(), 0, "the script was not used up");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 6, "{}", out.stderr);
    for (r, record) in s.rounds.iter().enumerate() {
        assert_eq!(record.llm_calls.len(), 2, "round {}", r + 1);
    }

    // Round 1: the repair prompt names the malformed diff; the fix is accepted.
    let repair = harness::last_user(&reqs[1]);
    assert!(repair.contains("attempt 1 of 1"), "{repair}");
    assert!(
        repair.contains("malformed") || repair.contains("does not apply"),
        "{repair}"
    );
    let r1 = s.round(1);
    let candidate = r1.candidate.as_ref().unwrap().commit.clone();
    assert_eq!(
        harness::artifacts(r1, Phase::Decision)["outcome"],
        "accepted"
    );
    assert_eq!(s.trajectory[0].accepted, Some(true));
    assert_eq!(harness::main_commit(&run_dir), candidate);
    assert_eq!(
        harness::git(&run_dir, &["rev-parse", "main~1"]),
        s.initial_commit
    );
    let main_params = harness::git(&run_dir, &["show", &format!("main:{PARAMS}")]);
    assert!(main_params.contains(&fx.good_line));

    // Round 2: both diffs leave the editable scope; the repairs run out.
    let repair = harness::last_user(&reqs[3]);
    assert!(
        repair.contains("evaluator/src/backdoor.rs")
            && repair.contains("outside the editable scope"),
        "{repair}"
    );
    let r2 = s.round(2);
    let apply = harness::artifacts(r2, Phase::Apply);
    assert_eq!(apply["rejection"]["outcome"], "outside_scope", "{apply}");
    let reason = harness::artifacts(r2, Phase::Decision)["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        reason.starts_with("outside_scope: ") && reason.contains("heuristics/Cargo.toml"),
        "{reason}"
    );
    assert_eq!(
        r2.verification.as_ref().unwrap().outcome,
        memory::RoundOutcome::OutsideScope
    );
    assert!(r2.verification.as_ref().unwrap().metrics.is_none());
    assert_eq!(
        harness::artifacts(r2, Phase::Build)["step"]["result"],
        "skipped"
    );
    assert!(
        harness::git(&run_dir, &["ls-tree", "-r", "--name-only", "main"])
            .lines()
            .all(|p| p != "evaluator/src/backdoor.rs")
    );

    // Round 3: the compile error goes back to the model; the repaired change is applied,
    // built, verified and scored — a comment changes nothing, so it scores exactly like
    // its parent on the same seeds and is rejected as not better, not before scoring.
    let repair = harness::last_user(&reqs[5]);
    assert!(
        repair.contains("compile error") && repair.contains("mismatched types"),
        "{repair}"
    );
    let r3 = s.round(3);
    assert_eq!(r3.parent_commit, candidate);
    let apply = harness::artifacts(r3, Phase::Apply);
    assert!(apply["rejection"].is_null(), "{apply}");
    assert_eq!(
        harness::artifacts(r3, Phase::Build)["step"]["result"],
        "passed"
    );
    assert_eq!(
        harness::artifacts(r3, Phase::Verification)["step"]["result"],
        "passed"
    );
    let v = r3.verification.as_ref().unwrap();
    assert!(v.build.ok && v.tests.ok && !v.accepted, "{v:?}");
    assert_eq!(v.outcome, memory::RoundOutcome::NotBetter, "{}", v.reason);
    let screening = &v.evidence.as_ref().expect("scored").screening;
    assert_eq!(screening.improvement, 0.0, "a comment changed the score");
    assert_eq!(screening.parent_score, screening.candidate_score);
    // The applied change is the comment, recorded as applied.
    let summary = &r3.candidate.as_ref().unwrap().summary;
    assert_eq!(summary.files.len(), 1);
    assert_eq!(summary.files[0].path, PARAMS);
    assert!(summary.constants.is_empty());
    let commit3 = &r3.candidate.as_ref().unwrap().commit;
    let rejected = harness::git(
        &run_dir,
        &["rev-parse", "refs/mobevolve/rejected/round-0003"],
    );
    assert_eq!(&rejected, commit3);
    let kept = harness::git(&run_dir, &["show", &format!("{commit3}:{PARAMS}")]);
    assert!(kept.contains(COMMENT.trim_end()));
    assert_eq!(harness::main_commit(&run_dir), candidate);
    assert_eq!(s.current_commit, candidate);
    harness::assert_no_worktrees(&run_dir);
    harness::assert_no_sandbox_processes(fx);
}
