//! Final evaluations (reads of the test split): logged without the run lock, read back in
//! order after reopening, refused for an unknown run, and leaving the run itself unchanged.

use memory::{Memory, MemoryError};
use serde_json::json;

use crate::support::{config, metrics, run_round, RoundPlan, TempDir};

#[tokio::test]
async fn final_evaluations_are_logged_without_the_lock_and_read_back_in_order() {
    let dir = TempDir::new("final-evaluations");
    let memory = Memory::open(dir.db()).await.unwrap();
    let lock = memory.create_run(&config(), "00").await.unwrap();
    let run = lock.run();
    run_round(&memory, &lock, &RoundPlan::new(1, "c0", 0.9, 0.8, true)).await;
    assert!(memory.final_evaluations(run).await.unwrap().is_empty());
    let before = memory.run_summary(run).await.unwrap();

    // While this process holds the lock, and after it released it: no lock is needed.
    let test_metrics = metrics(0.8125, &[("hourly_jsd_mean", 0.03125)]);
    let first = memory
        .record_final_evaluation(run, "test", "c1", &test_metrics, &json!({"people": 512}))
        .await
        .unwrap();
    memory.release_run(lock).await.unwrap();
    let second = memory
        .record_final_evaluation(
            run,
            "validation",
            "c0",
            &metrics(0.9, &[]),
            &json!({"seeds": [7, 11], "note": "initial generator"}),
        )
        .await
        .unwrap();
    assert!(second > first);
    memory.close().await.unwrap();

    let memory = Memory::open(dir.db()).await.unwrap();
    let logged = memory.final_evaluations(run).await.unwrap();
    assert_eq!(logged.len(), 2);
    assert_eq!(logged[0].id, first);
    assert_eq!(logged[0].run, run);
    assert_eq!(logged[0].split, "test");
    assert_eq!(logged[0].commit, "c1");
    assert_eq!(logged[0].metrics, test_metrics);
    assert_eq!(logged[0].evaluation, json!({"people": 512}));
    assert_eq!(
        (logged[1].split.as_str(), logged[1].commit.as_str()),
        ("validation", "c0")
    );
    assert_eq!(logged[1].evaluation["seeds"], json!([7, 11]));
    assert!(logged[0].created_at > 0 && logged[1].created_at >= logged[0].created_at);

    // The run's generator and record are untouched.
    let after = memory.run_summary(run).await.unwrap();
    assert_eq!(after.current_commit, "c1");
    assert_eq!(after.updated_at, before.updated_at);
    assert_eq!(memory.totals(run).await.unwrap().rounds, 1);

    // An unknown run is refused and nothing is written.
    let err = memory
        .record_final_evaluation(run + 1, "test", "c1", &test_metrics, &json!({}))
        .await
        .unwrap_err();
    assert!(
        matches!(err, MemoryError::UnknownRun { run: r, .. } if r == run + 1),
        "{err}"
    );
    assert!(matches!(
        memory.final_evaluations(run + 1).await,
        Err(MemoryError::UnknownRun { .. })
    ));
    assert_eq!(memory.final_evaluations(run).await.unwrap().len(), 2);
}
