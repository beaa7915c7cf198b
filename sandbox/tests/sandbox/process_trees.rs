//! Every process a jail starts dies with it: at the end of a run, on cancellation, and when
//! the process that started the jail is SIGKILLed (the orchestrator killed with `kill -9`),
//! including processes that started a session of their own.

use crate::jail_support::{
    hand_over, helper, marker, mode, processes_with, role, shell, wait_until, Scratch,
};
use sandbox::{jail, supervisor, CancelToken, SandboxConfig, SandboxError};
use std::time::{Duration, Instant};

fn isolation() -> sandbox::Isolation {
    jail::detect(mode(), SandboxConfig::default().sandbox_uid).unwrap()
}

/// A script that leaves a worker in a session of its own and one in its process group,
/// then waits: the shape of a build or an agent that daemonises helpers.
fn leaves_workers(mark: &str) -> String {
    format!(
        "setsid sleep 1000.{mark} </dev/null >/dev/null 2>&1 &\n\
         sleep 1001.{mark} &\n\
         echo started\n\
         exec sleep 1002.{mark}"
    )
}

#[test]
fn workers_in_their_own_session_die_when_the_run_ends() {
    let iso = isolation();
    let scratch = Scratch::new("session");
    let mark = marker();
    let mut spec = shell(&scratch.0, &leaves_workers(&mark), false, vec![]);
    spec.limits.wall_time = Duration::from_secs(3);
    hand_over(&scratch.0, iso.owner());
    let finished = supervisor::run(&spec, &iso, 1 << 20, &CancelToken::new()).unwrap();
    assert!(finished.timed_out, "{finished:?}");
    assert_eq!(String::from_utf8_lossy(&finished.stdout), "started\n");
    let left = processes_with(&mark);
    assert!(left.is_empty(), "survivors {left:?} ({})", iso.describe());
}

#[test]
fn a_cancelled_run_is_killed_at_once() {
    let iso = isolation();
    let scratch = Scratch::new("cancel");
    let mark = marker();
    let spec = shell(&scratch.0, &leaves_workers(&mark), false, vec![]);
    hand_over(&scratch.0, iso.owner());
    let cancel = CancelToken::new();
    let trigger = cancel.clone();
    let watcher_mark = mark.clone();
    let watcher = std::thread::spawn(move || {
        // Cancel once the jailed workers are up.
        assert!(wait_until(Duration::from_secs(20), || {
            processes_with(&watcher_mark).len() >= 3
        }));
        trigger.cancel();
        Instant::now()
    });
    let result = supervisor::run(&spec, &iso, 1 << 20, &cancel);
    let cancelled_at = watcher.join().unwrap();
    eprintln!("cancel → return: {:?}", cancelled_at.elapsed());
    assert!(matches!(result, Err(SandboxError::Cancelled)), "{result:?}");
    assert!(processes_with(&mark).is_empty());
    // Later runs are refused at once.
    let again = supervisor::run(&spec, &iso, 1 << 20, &cancel);
    assert!(matches!(again, Err(SandboxError::Cancelled)), "{again:?}");
}

/// The helper: starts the jail and waits to be killed.
fn start_jail_and_wait(mark: &str) {
    let iso = isolation();
    let scratch = Scratch::new("parent");
    let spec = shell(&scratch.0, &leaves_workers(mark), false, vec![]);
    hand_over(&scratch.0, iso.owner());
    spec.prepare_root(iso.owner()).unwrap();
    let mut child = spec.command(&iso).unwrap().spawn().unwrap();
    let _ = child.wait();
    std::thread::sleep(Duration::from_secs(600));
}

#[test]
fn the_whole_tree_dies_with_a_sigkilled_parent() {
    if let Some(mark) = role().and_then(|r| r.strip_prefix("jail-parent:").map(str::to_string)) {
        start_jail_and_wait(&mark);
        return;
    }
    let mark = marker();
    let mut parent = helper(
        "process_trees::the_whole_tree_dies_with_a_sigkilled_parent",
        &format!("jail-parent:{mark}"),
    )
    .stdout(std::process::Stdio::null())
    .spawn()
    .unwrap();
    let up = wait_until(Duration::from_secs(30), || processes_with(&mark).len() >= 3);
    let running = processes_with(&mark);
    parent.kill().unwrap(); // SIGKILL: no cleanup code runs in the parent
    parent.wait().unwrap();
    assert!(up, "the jailed workers never started: {running:?}");
    let gone = wait_until(Duration::from_secs(10), || processes_with(&mark).is_empty());
    assert!(
        gone,
        "processes outlived their SIGKILLed parent: {:?} ({})",
        processes_with(&mark),
        isolation().describe()
    );
}
