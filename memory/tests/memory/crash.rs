//! Real second processes: the test binary re-executes one of its own tests in a child mode
//! (selected by an environment variable) that takes a run, writes some phases, reports
//! `READY` and waits to be SIGKILLed.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use memory::{Memory, MemoryError, Phase, PhaseState};

use crate::support::{config, run_phases, run_round, RoundPlan, TempDir};

const CHILD_ENV: &str = "MOBEVOLVE_MEMORY_TEST_CHILD";
const DB_ENV: &str = "MOBEVOLVE_MEMORY_TEST_DB";

/// A child process killed (SIGKILL) and reaped on drop, so a failing test leaves none behind.
struct ChildGuard(Child);

impl ChildGuard {
    fn pid(&self) -> u32 {
        self.0.id()
    }

    fn kill(&mut self) {
        // Child::kill sends SIGKILL on Unix.
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Re-run the test `test_name` of this binary as a child in `mode`; return once it
/// printed READY.
fn spawn_child(test_name: &str, mode: &str, db: &Path) -> ChildGuard {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, mode)
        .env(DB_ENV, db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let guard = ChildGuard(child);
    let (tx, rx) = mpsc::channel();
    // The reader thread ends when the child's stdout closes (the child dies).
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // libtest prints `test <name> ... ` before the test's own output on that line.
            if let Some(at) = line.find("MEMORY-CHILD-READY") {
                let _ = tx.send(line[at..].to_string());
            }
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the child process never reported READY");
    assert_eq!(line, format!("MEMORY-CHILD-READY {}", guard.pid()));
    guard
}

/// In a child process: do what `mode` says, report READY, and wait to be killed.
async fn child_main(mode: &str) -> ! {
    let db = std::env::var(DB_ENV).unwrap();
    let memory = Memory::open(&db).await.unwrap();
    let lock = memory.lock_run(1).await.unwrap();
    let plan = RoundPlan::new(1, "c0", 0.9, 0.8, true);
    match mode {
        "between-phases" => {
            run_phases(
                &memory,
                &lock,
                &plan,
                &[Phase::ParentRollout, Phase::Attribution],
            )
            .await;
        }
        "mid-phase" => {
            memory.begin_round(&lock, 1, "c0").await.unwrap();
            memory
                .begin_phase(&lock, 1, Phase::ParentRollout)
                .await
                .unwrap();
        }
        other => panic!("unknown child mode {other}"),
    }
    println!("MEMORY-CHILD-READY {}", std::process::id());
    loop {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

fn child_mode() -> Option<String> {
    std::env::var(CHILD_ENV).ok()
}

/// A fresh database with run 1 created and released.
async fn database_with_a_run(dir: &TempDir) {
    let memory = Memory::open(dir.db()).await.unwrap();
    let lock = memory.create_run(&config(), "00").await.unwrap();
    assert_eq!(lock.run(), 1);
    memory.release_run(lock).await.unwrap();
    memory.close().await.unwrap();
}

#[tokio::test]
async fn killed_between_phases_leaves_a_log_that_says_what_to_redo() {
    if let Some(mode) = child_mode() {
        child_main(&mode).await;
    }
    let dir = TempDir::new("killed");
    database_with_a_run(&dir).await;
    let mut child = spawn_child(
        "crash::killed_between_phases_leaves_a_log_that_says_what_to_redo",
        "between-phases",
        &dir.db(),
    );
    child.kill();

    // A new process view of the file left behind (possibly with a WAL to recover).
    let memory = Memory::open(dir.db()).await.unwrap();
    let resume = memory.resume_point(1).await.unwrap();
    assert_eq!(
        (
            resume.round,
            resume.phase,
            resume.round_started,
            resume.found
        ),
        (1, Phase::Proposal, true, PhaseState::Pending)
    );
    let log = memory.phase_log(1, 1).await.unwrap();
    let states: Vec<PhaseState> = log.iter().map(|e| e.state).collect();
    assert_eq!(
        &states[..3],
        &[PhaseState::Done, PhaseState::Done, PhaseState::Pending]
    );
    // The done phases' results are there to reuse.
    assert_eq!(
        log[1].artifacts,
        Some(serde_json::json!({"phase": "attribution", "round": 1}))
    );
    let record = memory.round_record(1, 1).await.unwrap();
    let plan = RoundPlan::new(1, "c0", 0.9, 0.8, true);
    assert_eq!(record.attribution, Some(plan.attribution()));
    assert_eq!(record.proposal, None);

    // The run can be taken over and the round finished from the Proposal.
    let lock = memory.lock_run(1).await.unwrap();
    run_phases(&memory, &lock, &plan, &Phase::ALL[2..]).await;
    assert_eq!(memory.next_phase(1, 1).await.unwrap(), None);
    run_round(&memory, &lock, &RoundPlan::new(2, "c1", 0.8, 0.7, true)).await;
    assert_eq!(memory.totals(1).await.unwrap().accepted, 2);
}

#[tokio::test]
async fn a_second_process_on_the_same_run_is_refused_until_the_owner_dies() {
    if let Some(mode) = child_mode() {
        child_main(&mode).await;
    }
    let dir = TempDir::new("two-processes");
    database_with_a_run(&dir).await;
    let mut child = spawn_child(
        "crash::a_second_process_on_the_same_run_is_refused_until_the_owner_dies",
        "mid-phase",
        &dir.db(),
    );
    let memory = Memory::open(dir.db()).await.unwrap();
    let err = memory.lock_run(1).await.unwrap_err();
    assert!(matches!(err, MemoryError::RunLocked { .. }), "{err:?}");
    let message = err.to_string();
    let expected = format!("run 1 is being driven by pid {} on ", child.pid());
    assert!(message.starts_with(&expected), "{message}");
    assert!(
        message.contains("Z; refusing to drive it from a second process"),
        "{message}"
    );
    // Other runs stay free.
    let other = memory.create_run(&config(), "00").await.unwrap();
    assert_eq!(other.run(), 2);

    child.kill();
    // The kernel released the lock with the process.
    let lock = memory.lock_run(1).await.unwrap();
    let owner = memory.run_summary(1).await.unwrap().last_owner.unwrap();
    assert_eq!(owner.0, i64::from(std::process::id()));
    // The owner died during ParentRollout: redo it.
    let resume = memory.resume_point(1).await.unwrap();
    assert_eq!(
        (resume.round, resume.phase, resume.found),
        (1, Phase::ParentRollout, PhaseState::Running)
    );
    run_round(&memory, &lock, &RoundPlan::new(1, "c0", 0.9, 0.8, true)).await;
    let log = memory.phase_log(1, 1).await.unwrap();
    assert_eq!(log[0].attempts, 2, "the killed attempt and the redo");
    // Within one process a second lock on the same run is refused as well.
    let err = memory.lock_run(1).await.unwrap_err();
    assert!(matches!(err, MemoryError::RunLocked { .. }), "{err:?}");
}
