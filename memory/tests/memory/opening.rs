//! Opening: migration from nothing, from an empty file and from an older schema; idempotent
//! re-open; refusal, without modification, of newer, foreign and corrupt files.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use memory::{Memory, MemoryError};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::support::{bytes, config, run_round, RoundPlan, TempDir};

fn migrations_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations")
}

async fn all_migrations() -> Vec<i64> {
    let migrator = Migrator::new(migrations_dir()).await.unwrap();
    migrator.iter().map(|m| m.version).collect()
}

async fn raw_pool(path: &Path) -> sqlx::SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap()
}

/// Checkpoint and close, so the main file holds every write.
async fn close_raw(pool: sqlx::SqlitePool) {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

async fn tables(memory: &Memory) -> Vec<String> {
    let pool = raw_pool(memory.path()).await;
    let names = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    close_raw(pool).await;
    names
}

/// Every table of the schema, sorted.
fn expected_tables() -> Vec<String> {
    [
        "_sqlx_migrations",
        "attribution_records",
        "final_evaluations",
        "llm_calls",
        "proposals",
        "round_phases",
        "rounds",
        "run_events",
        "run_settings_changes",
        "runs",
        "trial_memory",
        "verification_records",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[tokio::test]
async fn a_missing_or_empty_file_is_migrated_and_reopening_is_idempotent() {
    let dir = TempDir::new("fresh");
    let known = all_migrations().await;
    assert!(known.len() >= 4, "{known:?}");

    // No file at all.
    let memory = Memory::open(dir.db()).await.unwrap();
    assert_eq!(memory.applied_migrations().await.unwrap(), known);
    assert_eq!(tables(&memory).await, expected_tables());
    let lock = memory.create_run(&config(), "00").await.unwrap();
    run_round(&memory, &lock, &RoundPlan::new(1, "c0", 0.9, 0.8, true)).await;
    drop(lock);
    memory.close().await.unwrap();

    // Re-open twice: nothing re-applied, nothing lost.
    for _ in 0..2 {
        let memory = Memory::open(dir.db()).await.unwrap();
        assert_eq!(memory.applied_migrations().await.unwrap(), known);
        assert_eq!(memory.list_runs().await.unwrap().len(), 1);
        assert_eq!(memory.totals(1).await.unwrap().finished_rounds, 1);
        memory.close().await.unwrap();
    }

    // A zero-byte file is an empty database.
    let empty = dir.path().join("empty.sqlite");
    std::fs::write(&empty, b"").unwrap();
    let memory = Memory::open(&empty).await.unwrap();
    assert_eq!(memory.applied_migrations().await.unwrap(), known);
    assert!(memory.list_runs().await.unwrap().is_empty());
}

#[tokio::test]
async fn phase_logs_survive_the_migration_that_adds_the_interrupted_state() {
    let dir = TempDir::new("phases");
    let db = dir.db();
    // A database written before phases could be `interrupted` (the table is rebuilt).
    let mut old = Migrator::new(migrations_dir()).await.unwrap();
    let before: Vec<_> = old
        .iter()
        .filter(|m| m.version < 20260701000001)
        .cloned()
        .collect();
    old.migrations = Cow::Owned(before);
    let pool = raw_pool(&db).await;
    old.run(&pool).await.unwrap();
    close_raw(pool).await;
    {
        // Rounds written by that version: its pool, its schema.
        let pool = raw_pool(&db).await;
        sqlx::query(
            "INSERT INTO runs (benchmark, benchmark_hash, evaluator_version, agent, model, seeds,
                    acceptance_rule, budgets, initial_commit, current_commit, created_at, updated_at)
             VALUES ('atus-2014', 'h', 'e', 'a', 'm', '[1]', 'r', '{}', 'c0', 'c0', 1, 2)",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO rounds (run_id, round, parent_commit, started_at) VALUES (1, 1, 'c0', 5)",
        )
        .execute(&pool)
        .await
        .unwrap();
        for (position, (phase, state)) in [("parent_rollout", "done"), ("attribution", "failed")]
            .iter()
            .enumerate()
        {
            sqlx::query(
                "INSERT INTO round_phases (run_id, round, phase, position, state, attempts, artifacts, error)
                 VALUES (1, 1, ?, ?, ?, 1, '{\"k\": 1}', 'boom')",
            )
            .bind(phase)
            .bind(position as i64)
            .bind(state)
            .execute(&pool)
            .await
            .unwrap();
        }
        close_raw(pool).await;
    }
    let memory = Memory::open(&db).await.unwrap();
    assert_eq!(
        memory.applied_migrations().await.unwrap(),
        all_migrations().await
    );
    let log = memory.phase_log(1, 1).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].state, memory::PhaseState::Done);
    assert_eq!(log[0].artifacts, Some(serde_json::json!({"k": 1})));
    assert_eq!(log[1].state, memory::PhaseState::Failed);
    assert_eq!(log[1].error.as_deref(), Some("boom"));
    // The new state can be written, and the round still cascades from its run.
    let lock = memory.lock_run(1).await.unwrap();
    memory
        .begin_phase(&lock, 1, memory::Phase::Attribution)
        .await
        .unwrap();
    memory
        .interrupt_phase(&lock, 1, memory::Phase::Attribution)
        .await
        .unwrap();
    assert_eq!(
        memory.phase_log(1, 1).await.unwrap()[1].state,
        memory::PhaseState::Interrupted
    );
    memory.delete_run(lock).await.unwrap();
    assert!(memory.phase_log(1, 1).await.is_err());
}

#[tokio::test]
async fn a_database_from_an_older_version_is_migrated_keeping_its_data() {
    let dir = TempDir::new("older");
    let db = dir.db();
    // Write the database as a build that only had the first migration (the runs table).
    let mut old = Migrator::new(migrations_dir()).await.unwrap();
    let first = old.iter().next().unwrap().clone();
    old.migrations = Cow::Owned(vec![first.clone()]);
    let pool = raw_pool(&db).await;
    old.run(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO runs (benchmark, benchmark_hash, evaluator_version, agent, model, seeds,
                acceptance_rule, budgets, initial_commit, current_commit, created_at, updated_at)
         VALUES ('santiago-2012', 'h', 'e', 'a', 'm', '[1]', 'r', '{}', 'c0', 'c0', 1, 2)",
    )
    .execute(&pool)
    .await
    .unwrap();
    close_raw(pool).await;

    let memory = Memory::open(&db).await.unwrap();
    assert_eq!(
        memory.applied_migrations().await.unwrap(),
        all_migrations().await
    );
    assert_eq!(tables(&memory).await, expected_tables());
    let runs = memory.list_runs().await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].config.benchmark, "santiago-2012");
    assert_eq!(runs[0].config.budgets, memory::Budgets::default());
    // The migrated database is fully usable.
    let lock = memory.lock_run(runs[0].id).await.unwrap();
    run_round(&memory, &lock, &RoundPlan::new(1, "c0", 0.9, 0.8, false)).await;
    assert_eq!(memory.totals(runs[0].id).await.unwrap().rejected, 1);
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused_untouched() {
    let dir = TempDir::new("newer");
    let db = dir.db();
    let memory = Memory::open(&db).await.unwrap();
    memory.create_run(&config(), "00").await.unwrap();
    memory.close().await.unwrap();
    let pool = raw_pool(&db).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99990101000000, 'from the future', 1, x'00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    close_raw(pool).await;
    let before = bytes(&db);

    let err = Memory::open(&db).await.unwrap_err();
    assert!(matches!(err, MemoryError::NewerSchema { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains(
            "database written by a newer mobevolve (migration 99990101000000, from the future)"
        ),
        "{message}"
    );
    assert!(message.contains("refusing to open it"), "{message}");
    assert_eq!(bytes(&db), before, "the refused database was modified");
}

#[tokio::test]
async fn a_sqlite_file_that_is_not_a_mobevolve_database_is_refused_untouched() {
    let dir = TempDir::new("foreign");
    let db = dir.db();
    let pool = raw_pool(&db).await;
    sqlx::query("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
        .execute(&pool)
        .await
        .unwrap();
    close_raw(pool).await;
    let before = bytes(&db);
    let err = Memory::open(&db).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("it has tables (photos) but no migration history"),
        "{err}"
    );
    assert_eq!(bytes(&db), before);
}

#[tokio::test]
async fn corrupt_files_are_refused_untouched() {
    let dir = TempDir::new("corrupt");

    // Not SQLite at all.
    let garbage = dir.path().join("garbage.sqlite");
    std::fs::write(&garbage, b"this is a CSV file,\nnot,a,database\n").unwrap();
    let err = Memory::open(&garbage).await.unwrap_err();
    assert!(matches!(err, MemoryError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("not a SQLite database"), "{err}");
    assert_eq!(
        bytes(&garbage),
        b"this is a CSV file,\nnot,a,database\n".to_vec()
    );

    // A real run database whose pages after the first were overwritten.
    let db = dir.db();
    let memory = Memory::open(&db).await.unwrap();
    let lock = memory.create_run(&config(), "00").await.unwrap();
    for round in 1..=3 {
        let parent = if round == 1 {
            "c0".to_string()
        } else {
            format!("c{}", round - 1)
        };
        run_round(
            &memory,
            &lock,
            &RoundPlan::new(round, &parent, 0.9, 0.8, true),
        )
        .await;
    }
    drop(lock);
    memory.close().await.unwrap();
    let mut data = bytes(&db);
    assert!(
        data.len() > 3 * 4096,
        "expected several pages, got {}",
        data.len()
    );
    for (i, b) in data[4096..].iter_mut().enumerate() {
        *b = (i % 251) as u8 ^ 0x5a;
    }
    std::fs::write(&db, &data).unwrap();
    let err = Memory::open(&db).await.unwrap_err();
    assert!(matches!(err, MemoryError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("refusing to open it"), "{err}");
    assert_eq!(bytes(&db), data, "the corrupt database was modified");

    // A truncated database.
    let truncated = dir.path().join("truncated.sqlite");
    std::fs::write(&truncated, &data[..1000]).unwrap();
    let err = Memory::open(&truncated).await.unwrap_err();
    assert!(matches!(err, MemoryError::Corrupt { .. }), "{err:?}");
    assert_eq!(bytes(&truncated), data[..1000].to_vec());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processes_opening_a_new_database_at_once_all_succeed() {
    // A `status` while a `run` creates the database: the migrations must not race.
    for attempt in 0..5 {
        let dir = TempDir::new(&format!("race-{attempt}"));
        let db = dir.db();
        let opens: Vec<_> = (0..6)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { Memory::open(&db).await.map(|_| ()) })
            })
            .collect();
        for open in opens {
            open.await.unwrap().unwrap();
        }
        let memory = Memory::open(&db).await.unwrap();
        assert_eq!(
            memory.applied_migrations().await.unwrap(),
            all_migrations().await
        );
    }
}
