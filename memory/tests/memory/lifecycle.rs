//! What a run's owner does besides rounds: a phase interrupted by the user (not done, not
//! failed, redone on resume), settings changed on resume (recorded with the round they
//! apply from, and the run's model and budgets updated), and a run deleted whole.

use memory::{Budgets, Memory, Phase, PhaseOutput, PhaseRecord, PhaseState, SettingChange};
use serde_json::json;

use crate::support::{config, run_round, RoundPlan, TempDir};

#[tokio::test]
async fn an_interrupted_phase_is_neither_done_nor_failed_and_is_redone() {
    let dir = TempDir::new("interrupt");
    let memory = Memory::open(dir.db()).await.unwrap();
    let lock = memory.create_run(&config(), "00").await.unwrap();
    let run = lock.run();
    memory.begin_round(&lock, 1, "c0").await.unwrap();
    memory
        .begin_phase(&lock, 1, Phase::ParentRollout)
        .await
        .unwrap();
    memory
        .interrupt_phase(&lock, 1, Phase::ParentRollout)
        .await
        .unwrap();
    let entry = memory.phase_log(run, 1).await.unwrap()[0].clone();
    assert_eq!(entry.state, PhaseState::Interrupted);
    assert!(entry.error.is_none() && entry.artifacts.is_none());
    assert!(entry.finished_at.is_some());
    // A later phase cannot start before it is redone.
    assert!(memory
        .begin_phase(&lock, 1, Phase::Attribution)
        .await
        .is_err());
    memory.release_run(lock).await.unwrap();
    memory.close().await.unwrap();

    let memory = Memory::open(dir.db()).await.unwrap();
    let point = memory.resume_point(run).await.unwrap();
    assert_eq!(
        (point.round, point.phase, point.round_started, point.found),
        (1, Phase::ParentRollout, true, PhaseState::Interrupted)
    );
    let lock = memory.lock_run(run).await.unwrap();
    memory
        .begin_phase(&lock, 1, Phase::ParentRollout)
        .await
        .unwrap();
    memory
        .record_phase(
            &lock,
            1,
            Phase::ParentRollout,
            &PhaseOutput {
                artifacts: json!({"redone": true}),
                record: PhaseRecord::None,
            },
        )
        .await
        .unwrap();
    let entry = memory.phase_log(run, 1).await.unwrap()[0].clone();
    assert_eq!((entry.state, entry.attempts), (PhaseState::Done, 2));
}

#[tokio::test]
async fn settings_changes_are_recorded_and_update_the_run() {
    let dir = TempDir::new("settings");
    let memory = Memory::open(dir.db()).await.unwrap();
    let lock = memory.create_run(&config(), "00").await.unwrap();
    let run = lock.run();
    assert!(memory.settings_changes(run).await.unwrap().is_empty());
    let changes = vec![
        SettingChange {
            setting: "rounds".into(),
            old_value: "40".into(),
            new_value: "60".into(),
        },
        SettingChange {
            setting: "budget_usd".into(),
            old_value: "25.5".into(),
            new_value: "40".into(),
        },
    ];
    let budgets = Budgets {
        max_rounds: Some(60),
        max_cost_usd: Some(40.0),
        ..config().budgets
    };
    memory
        .change_settings(
            &lock,
            3,
            &changes,
            "orchestrator resume 1 --rounds 60 --budget-usd 40",
            "gpt-x @ http://h/v1",
            &budgets,
        )
        .await
        .unwrap();
    memory.release_run(lock).await.unwrap();
    memory.close().await.unwrap();

    let memory = Memory::open(dir.db()).await.unwrap();
    let summary = memory.run_summary(run).await.unwrap();
    assert_eq!(summary.config.budgets, budgets);
    assert_eq!(summary.config.model, "gpt-x @ http://h/v1");
    let recorded = memory.settings_changes(run).await.unwrap();
    assert_eq!(recorded.len(), 2);
    assert_eq!(
        recorded
            .iter()
            .map(|c| c.change.clone())
            .collect::<Vec<_>>(),
        changes
    );
    assert!(recorded.iter().all(|c| c.from_round == 3
        && c.command == "orchestrator resume 1 --rounds 60 --budget-usd 40"
        && c.changed_at > 0));
}

#[tokio::test]
async fn a_deleted_run_leaves_no_record_and_others_intact() {
    let dir = TempDir::new("delete");
    let memory = Memory::open(dir.db()).await.unwrap();
    let first = memory.create_run(&config(), "00").await.unwrap();
    let plan = RoundPlan::new(1, "c0", 0.86, 0.80, true);
    run_round(&memory, &first, &plan).await;
    let second = memory.create_run(&config(), "00").await.unwrap();
    run_round(&memory, &second, &plan).await;
    let lock_file = first.lock_path().to_path_buf();
    assert!(lock_file.exists());
    memory.delete_run(first).await.unwrap();
    assert!(!lock_file.exists());
    assert!(memory.run_summary(1).await.is_err());
    assert!(memory.phase_log(1, 1).await.is_err());
    let runs = memory.list_runs().await.unwrap();
    assert_eq!(runs.iter().map(|r| r.id).collect::<Vec<_>>(), [2]);
    assert_eq!(memory.totals(2).await.unwrap().finished_rounds, 1);
    assert!(memory.round_record(2, 1).await.unwrap().trial.is_some());
}
