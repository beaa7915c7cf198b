//! Opening read-only (the dashboard's way): reads follow another handle's commits, every
//! write fails, and missing and older databases are refused untouched (newer ones are refused by
//! the same check as `Memory::open`, tested in `opening.rs`).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use memory::{Memory, MemoryError, Phase};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::support::{bytes, config, run_phases, run_round, RoundPlan, TempDir};

fn migrations_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations")
}

#[tokio::test]
async fn a_read_only_handle_sees_commits_and_cannot_write() {
    let dir = TempDir::new("read-only");
    let writer = Memory::open(dir.db()).await.unwrap();
    let lock = writer.create_run(&config(), "00").await.unwrap();
    run_round(&writer, &lock, &RoundPlan::new(1, "c0", 0.9, 0.8, true)).await;

    let reader = Memory::open_read_only(dir.db()).await.unwrap();
    let seen = reader.events_since(1, 0, 1000).await.unwrap();
    assert!(seen.len() > 10, "{}", seen.len());
    let last = seen.last().unwrap().id;

    // A phase recorded after the reader opened is visible to it.
    let plan = RoundPlan::new(2, "c1", 0.8, 0.85, false);
    run_phases(&writer, &lock, &plan, &[Phase::ParentRollout]).await;
    let new = reader.events_since(1, last, 1000).await.unwrap();
    let kinds: Vec<&str> = new.iter().map(|e| e.event.kind()).collect();
    assert_eq!(kinds, ["round_started", "phase_started", "phase_finished"]);
    assert_eq!(reader.trajectory(1).await.unwrap().len(), 2);

    // Writing through the reader fails: it cannot even take a run's lock and write.
    let err = reader.create_run(&config(), "00").await.unwrap_err();
    assert!(matches!(err, MemoryError::Sql { .. }), "{err}");
    assert!(
        err.to_string().contains("readonly") || err.to_string().contains("read-only"),
        "{err}"
    );
    assert_eq!(writer.list_runs().await.unwrap().len(), 1);
}

#[tokio::test]
async fn missing_and_older_databases_are_refused_untouched() {
    let dir = TempDir::new("read-only-refusals");
    let err = Memory::open_read_only(dir.db()).await.unwrap_err();
    assert!(matches!(err, MemoryError::Io { .. }), "{err}");
    assert!(!dir.db().exists());

    // Only the first migration applied: an older build's database.
    let mut old = Migrator::new(migrations_dir()).await.unwrap();
    let first = old.iter().next().unwrap().clone();
    old.migrations = Cow::Owned(vec![first]);
    let options = SqliteConnectOptions::new()
        .filename(dir.db())
        .create_if_missing(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    old.run(&pool).await.unwrap();
    pool.close().await;
    let before = bytes(&dir.db());
    let err = Memory::open_read_only(dir.db()).await.unwrap_err();
    let MemoryError::OlderSchema { missing, .. } = err else {
        panic!("{err}");
    };
    let second = Migrator::new(migrations_dir())
        .await
        .unwrap()
        .iter()
        .nth(1)
        .unwrap()
        .version;
    assert_eq!(missing, second);
    assert_eq!(bytes(&dir.db()), before);
}
