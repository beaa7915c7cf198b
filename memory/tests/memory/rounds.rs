//! A full round written and read back, phase-order enforcement, the LLM cache, totals.

use memory::{
    request_hash, LlmCall, Memory, MemoryError, Phase, PhaseOutput, PhaseRecord, PhaseState,
    RunStatus, ScoreSummary,
};
use serde_json::json;

use crate::support::{config, run_phases, run_round, RoundPlan, TempDir};

fn llm_call(round: u32, content: &str, tokens_in: u64, cost: f64) -> LlmCall {
    LlmCall {
        round: Some(round),
        step: "proposal".into(),
        model: "claude-test".into(),
        request: json!({"model": "claude-test", "messages": [{"role": "user", "content": content}]}),
        response: format!("answer to {content}"),
        tokens_in,
        tokens_out: 100,
        cost_usd: cost,
        latency_ms: 1500,
    }
}

#[tokio::test]
async fn full_round_is_written_and_read_back_after_reopening() {
    let dir = TempDir::new("full-round");
    let memory = Memory::open(dir.db()).await.unwrap();
    let lock = memory.create_run(&config(), "00").await.unwrap();
    let run = lock.run();
    let plan = RoundPlan::new(1, "c0", 0.86, 0.80, true);
    run_round(&memory, &lock, &plan).await;
    memory
        .llm_call_record(&lock, &llm_call(1, "propose", 5000, 0.25))
        .await
        .unwrap();
    memory.release_run(lock).await.unwrap();
    memory.close().await.unwrap();

    let memory = Memory::open(dir.db()).await.unwrap();
    let record = memory.round_record(run, 1).await.unwrap();
    assert_eq!(record.parent_commit, "c0");
    assert_eq!(record.candidate, Some(plan.candidate()));
    assert_eq!(record.attribution, Some(plan.attribution()));
    assert_eq!(record.proposal, Some(plan.proposal()));
    assert_eq!(
        record.proposal.as_ref().unwrap().prompt,
        "PROMPT for round 1"
    );
    assert_eq!(record.verification, Some(plan.verification()));
    assert_eq!(record.trial, Some(plan.trial()));
    assert!(record.finished_at.is_some());
    assert_eq!(record.phases.len(), 9);
    for (entry, phase) in record.phases.iter().zip(Phase::ALL) {
        assert_eq!(entry.phase, phase);
        assert_eq!(entry.state, PhaseState::Done);
        assert_eq!(entry.attempts, 1);
        assert_eq!(
            entry.artifacts,
            Some(json!({"phase": phase.name(), "round": 1}))
        );
        assert!(entry.finished_at >= entry.started_at);
    }
    assert_eq!(record.llm_calls.len(), 1);
    assert_eq!(record.llm_calls[0].tokens_in, 5000);

    // The accepted candidate became the run's current generator; the run is listed.
    let runs = memory.list_runs().await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].config, config());
    assert_eq!(runs[0].current_commit, "c1");
    assert_eq!(runs[0].status, RunStatus::Active);
    assert_eq!(runs[0].last_owner, None, "release_run clears the owner");

    let resume = memory.resume_point(run).await.unwrap();
    assert_eq!((resume.round, resume.phase), (2, Phase::ParentRollout));
    assert!(!resume.round_started);
}

#[tokio::test]
async fn trajectory_and_totals_follow_the_decisions() {
    let dir = TempDir::new("trajectory");
    let memory = Memory::open(dir.db()).await.unwrap();
    let lock = memory.create_run(&config(), "00").await.unwrap();
    let run = lock.run();
    let plans = [
        RoundPlan::new(1, "c0", 0.86, 0.80, true),
        // Round 2's parent estimate (more seeds pooled) is above the candidate Score of
        // round 1 that made it the parent: the trajectory follows the estimate.
        RoundPlan::new(2, "c1", 0.82, 0.83, false),
        RoundPlan::new(3, "c1", 0.82, 0.70, true),
        RoundPlan::new(4, "c3", 0.72, 0.75, false),
    ];
    for (i, plan) in plans.iter().enumerate() {
        run_round(&memory, &lock, plan).await;
        let content = format!("round {i}");
        memory
            .llm_call_record(&lock, &llm_call(plan.round, &content, 1000, 0.5))
            .await
            .unwrap();
    }
    let points = memory.trajectory(run).await.unwrap();
    type Point = (u32, Option<f64>, Option<bool>, Option<f64>);
    let got: Vec<Point> = points
        .iter()
        .map(|p| (p.round, p.candidate_score, p.accepted, p.current))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, Some(0.80), Some(true), Some(0.80)),
            (2, Some(0.83), Some(false), Some(0.82)),
            (3, Some(0.70), Some(true), Some(0.70)),
            (4, Some(0.75), Some(false), Some(0.72)),
        ]
    );
    assert_eq!(points[0].parent_score, Some(0.86));
    assert_eq!(points[3].current, Some(0.72));
    // The summary gives the starting generator's own latest estimate and the current one's.
    assert_eq!(
        ScoreSummary::of(&points),
        ScoreSummary {
            initial: Some(0.86),
            current: Some(0.72)
        }
    );

    let totals = memory.totals(run).await.unwrap();
    assert_eq!(totals.rounds, 4);
    assert_eq!(totals.finished_rounds, 4);
    assert_eq!((totals.accepted, totals.rejected), (2, 2));
    assert_eq!(totals.llm_calls, 4);
    assert_eq!(totals.tokens_in, 4000);
    assert_eq!(totals.tokens_out, 400);
    assert!((totals.cost_usd - 2.0).abs() < 1e-12);
    assert!(totals.elapsed >= totals.phase_time.min(totals.elapsed));
    assert_eq!(memory.run_summary(run).await.unwrap().current_commit, "c3");
}

#[tokio::test]
async fn llm_calls_replay_by_request_hash_within_their_run() {
    let dir = TempDir::new("llm-cache");
    let memory = Memory::open(dir.db()).await.unwrap();
    let lock = memory.create_run(&config(), "00").await.unwrap();
    let other = memory.create_run(&config(), "00").await.unwrap();
    let call = llm_call(1, "hello", 10, 0.01);
    let hash = memory.llm_call_record(&lock, &call).await.unwrap();
    // Same request with its keys in another order: same hash, stored response replayed.
    let reordered =
        json!({"messages": [{"content": "hello", "role": "user"}], "model": "claude-test"});
    assert_eq!(request_hash(&reordered), hash);
    let stored = memory
        .llm_call_lookup(lock.run(), &hash)
        .await
        .unwrap()
        .expect("stored response");
    assert_eq!(stored.response, "answer to hello");
    assert_eq!(
        (stored.tokens_in, stored.tokens_out, stored.latency_ms),
        (10, 100, 1500)
    );
    assert_eq!(stored.round, Some(1));
    // Another request misses; another run does not see this run's calls.
    let miss = request_hash(&json!({"model": "claude-test", "messages": []}));
    assert_eq!(
        memory.llm_call_lookup(lock.run(), &miss).await.unwrap(),
        None
    );
    assert_eq!(
        memory.llm_call_lookup(other.run(), &hash).await.unwrap(),
        None
    );
    // Recording the same request again keeps the first response and counts once.
    let mut again = call.clone();
    again.response = "different".into();
    memory.llm_call_record(&lock, &again).await.unwrap();
    let stored = memory
        .llm_call_lookup(lock.run(), &hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.response, "answer to hello");
    assert_eq!(memory.totals(lock.run()).await.unwrap().llm_calls, 1);
}

#[tokio::test]
async fn phases_out_of_order_or_with_the_wrong_record_are_refused() {
    let dir = TempDir::new("order");
    let memory = Memory::open(dir.db()).await.unwrap();
    let lock = memory.create_run(&config(), "00").await.unwrap();
    let run = lock.run();
    let plan = RoundPlan::new(1, "c0", 0.9, 0.8, true);

    let err = memory.begin_round(&lock, 2, "c0").await.unwrap_err();
    assert!(
        err.to_string().contains("the next round of this run is 1"),
        "{err}"
    );
    let err = memory
        .begin_phase(&lock, 1, Phase::ParentRollout)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("call begin_round"), "{err}");

    run_phases(&memory, &lock, &plan, &[Phase::ParentRollout]).await;
    // Idempotent begin with the same parent; another parent is refused.
    memory.begin_round(&lock, 1, "c0").await.unwrap();
    assert!(memory.begin_round(&lock, 1, "cX").await.is_err());
    // Skipping Attribution.
    let err = memory
        .record_phase(&lock, 1, Phase::Proposal, &plan.output(Phase::Proposal))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "run 1, round 1, phase proposal: the earlier phase attribution is pending, not done"
    );
    // Attribution without its record.
    let bare = PhaseOutput {
        artifacts: json!({}),
        record: PhaseRecord::None,
    };
    let err = memory
        .record_phase(&lock, 1, Phase::Attribution, &bare)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("got no record"), "{err}");
    // Redoing a done phase.
    let err = memory
        .record_phase(&lock, 1, Phase::ParentRollout, &bare)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already done"), "{err}");
    // A refused write changed nothing.
    assert_eq!(
        memory.next_phase(run, 1).await.unwrap(),
        Some(Phase::Attribution)
    );
    // A failed phase is redone; its error is logged and attempts counted.
    memory
        .begin_phase(&lock, 1, Phase::Attribution)
        .await
        .unwrap();
    memory
        .fail_phase(&lock, 1, Phase::Attribution, "evaluator crashed")
        .await
        .unwrap();
    let resume = memory.resume_point(run).await.unwrap();
    assert_eq!(
        (resume.round, resume.phase, resume.found),
        (1, Phase::Attribution, PhaseState::Failed)
    );
    run_phases(&memory, &lock, &plan, &Phase::ALL[1..7]).await;
    let log = memory.phase_log(run, 1).await.unwrap();
    assert_eq!(log[1].attempts, 2);
    assert_eq!(log[1].error, None);
    // A trial that contradicts the decision is refused.
    memory
        .record_phase(&lock, 1, Phase::Decision, &plan.output(Phase::Decision))
        .await
        .unwrap();
    let mut wrong = plan.trial();
    wrong.accepted = false;
    let err = memory
        .record_phase(
            &lock,
            1,
            Phase::Report,
            &PhaseOutput {
                artifacts: json!({}),
                record: PhaseRecord::Trial(wrong),
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("accepted = false"), "{err}");
    // The next round cannot start before this one is finished.
    let err = memory.begin_round(&lock, 2, "c1").await.unwrap_err();
    assert!(
        err.to_string().contains("phase report is not done"),
        "{err}"
    );
}

#[tokio::test]
async fn a_lock_from_another_database_is_refused() {
    let a = TempDir::new("lock-a");
    let b = TempDir::new("lock-b");
    let memory_a = Memory::open(a.db()).await.unwrap();
    let memory_b = Memory::open(b.db()).await.unwrap();
    let lock_a = memory_a.create_run(&config(), "00").await.unwrap();
    let _lock_b = memory_b.create_run(&config(), "00").await.unwrap();
    let err = memory_b.begin_round(&lock_a, 1, "c0").await.unwrap_err();
    assert!(matches!(err, MemoryError::WrongLock { .. }), "{err}");
}

#[tokio::test]
async fn every_record_is_announced_by_an_event_another_connection_can_follow() {
    let dir = TempDir::new("events");
    let memory = Memory::open(dir.db()).await.unwrap();
    let lock = memory.create_run(&config(), "00").await.unwrap();
    let run = lock.run();
    // A reader on its own connection pool, as a dashboard in another process would be.
    let reader = Memory::open(dir.db()).await.unwrap();
    let created = reader.events_since(run, 0, 100).await.unwrap();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].event.kind(), "run_created");
    let last_seen = created[0].id;

    run_round(&memory, &lock, &RoundPlan::new(1, "c0", 0.86, 0.80, true)).await;
    memory
        .set_run_status(&lock, RunStatus::Stopped, Some("interrupted by the user"))
        .await
        .unwrap();
    let events = reader.events_since(run, last_seen, 1000).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.event.kind()).collect();
    let mut expected = vec!["round_started"];
    for phase in Phase::ALL {
        expected.push("phase_started");
        expected.push("phase_finished");
        if phase == Phase::Decision {
            expected.push("decision");
        }
        if phase == Phase::Report {
            expected.push("round_finished");
        }
    }
    expected.push("status_changed");
    assert_eq!(kinds, expected);
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    match &events
        .iter()
        .find(|e| e.event.kind() == "decision")
        .unwrap()
        .event
    {
        memory::RunEvent::Decision {
            round,
            outcome,
            candidate_score,
            ..
        } => {
            assert_eq!(*round, 1);
            assert_eq!(*outcome, memory::RoundOutcome::Accepted);
            assert_eq!(*candidate_score, Some(0.80));
        }
        other => panic!("expected the decision, got {other:?}"),
    }
    assert_eq!(
        events.last().unwrap().event,
        memory::RunEvent::StatusChanged {
            status: "stopped".into(),
            reason: Some("interrupted by the user".into())
        }
    );
    // Asking again from the last id seen gives nothing new.
    let tail = reader
        .events_since(run, events.last().unwrap().id, 10)
        .await
        .unwrap();
    assert!(tail.is_empty());
    let summary = reader.run_summary(run).await.unwrap();
    assert_eq!(summary.status, RunStatus::Stopped);
    assert_eq!(
        summary.status_reason.as_deref(),
        Some("interrupted by the user")
    );
}

#[tokio::test]
async fn with_nothing_accepted_the_summary_gives_one_score_as_the_estimate_moves() {
    // Pooled estimates of the same parent move as seeds pool: the summary must not show the
    // lowest of them as a "best" that differs from the initial generator's Score.
    let dir = TempDir::new("nothing-accepted");
    let memory = Memory::open(dir.db()).await.unwrap();
    let lock = memory.create_run(&config(), "00").await.unwrap();
    let plans = [
        RoundPlan::new(1, "c0", 0.90, 0.95, false),
        RoundPlan::new(2, "c0", 0.87, 0.91, false),
        RoundPlan::new(3, "c0", 0.88, 0.93, false),
    ];
    for plan in &plans {
        run_round(&memory, &lock, plan).await;
    }
    let points = memory.trajectory(lock.run()).await.unwrap();
    assert_eq!(
        ScoreSummary::of(&points),
        ScoreSummary {
            initial: Some(0.88),
            current: Some(0.88)
        }
    );
}
