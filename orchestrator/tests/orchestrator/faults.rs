//! Faults from outside the loop, and hostile candidates through it. Each fault must be
//! reported by the orchestrator as one clear error line (non-zero exit, no panic) that
//! names the file or folder and the cause, must lose nothing already recorded, and once
//! the fault is removed `orchestrator resume` must continue the run to its end:
//!
//! - the runs folder's disk fills up in the middle of a round (a small tmpfs), then grows;
//! - a run is SIGKILLed while its candidate is being built; then, in turn, the database is
//!   held by another process's exclusive transaction, the run folder is read-only, a data
//!   file of the benchmark is changed and then deleted; each refusal leaves the record
//!   untouched, and after the candidate's worktree is deleted the resumed round recreates
//!   it and decides exactly as an uninterrupted run of the same round did;
//! - a `command` agent proposes a different hostile change every round (a `build.rs`, a
//!   network connection, writes outside the worktree, a memory bomb, a fork bomb, a read of
//!   the test split, an endless loop): every round is recorded as a rejection of the right
//!   kind, `main` never moves, nothing escapes and no candidate process survives.
//!
//! The tests mount file systems, so they run as root, like every loop test.

use crate::harness::{self, Fixture, RunState};
use memory::{Phase, PhaseState, RunStatus};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Time limit of one orchestrator process (a fresh run folder builds everything once).
const LIMIT: Duration = Duration::from_secs(900);

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// `orchestrator run --new` of a tiny run on `bench`, in `runs`, with `extra` arguments
/// (the built-in agent unless `extra` says otherwise).
fn new_run(fx: &Fixture, bench: &Path, runs: &Path, rounds: u32, extra: &[&str]) -> Vec<String> {
    let mut args = harness::tiny_run_args(fx, bench, runs, rounds);
    args.extend(strings(extra));
    args
}

fn resume(bench: &Path, runs: &Path, run: i64) -> Vec<String> {
    harness::resume_args_on(bench, runs, run)
}

/// The error the orchestrator printed: a failure exit (1, not a signal), no panic, and
/// exactly one `error:` line, which is returned.
fn reported_error(out: &harness::Outcome) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected a reported failure, got {}:\n{}",
        out.status,
        out.stderr
    );
    assert!(
        !out.stderr.contains("panicked") && !out.stderr.contains("backtrace"),
        "the orchestrator panicked:\n{}",
        out.stderr
    );
    let start = out
        .stderr
        .find("error: ")
        .unwrap_or_else(|| panic!("no `error:` line:\n{}", out.stderr));
    let error = out.stderr[start..].trim_end();
    assert!(
        !error.contains('\n'),
        "the error is not one line:\n{}",
        out.stderr
    );
    for cause in ["(os error ", "(code: "] {
        assert!(
            error.matches(cause).count() <= 1,
            "the cause is repeated: {error}"
        );
    }
    error.to_string()
}

fn assert_mentions(error: &str, needles: &[&str]) {
    for needle in needles {
        assert!(error.contains(needle), "`{needle}` is not in: {error}");
    }
}

/// Everything `before` recorded is still recorded, unchanged, in `after`: finished rounds
/// entirely, the phases done in an unfinished round with their artifacts.
fn assert_nothing_lost(before: &RunState, after: &RunState) {
    assert_eq!(before.initial_commit, after.initial_commit);
    for old in &before.rounds {
        let new = after.round(old.round);
        if old.finished_at.is_some() {
            assert_eq!(old, new, "round {} changed", old.round);
            continue;
        }
        assert_eq!(old.parent_commit, new.parent_commit);
        for entry in old.phases.iter().filter(|e| e.state == PhaseState::Done) {
            let now = new
                .phases
                .iter()
                .find(|e| e.phase == entry.phase)
                .expect("a recorded phase disappeared");
            assert_eq!(now.state, PhaseState::Done, "{}", entry.phase.name());
            assert_eq!(now.artifacts, entry.artifacts, "{}", entry.phase.name());
        }
        for (what, was, is) in [
            (
                "attribution",
                old.attribution.is_some(),
                new.attribution == old.attribution,
            ),
            (
                "proposal",
                old.proposal.is_some(),
                new.proposal == old.proposal,
            ),
            (
                "candidate",
                old.candidate.is_some(),
                new.candidate == old.candidate,
            ),
        ] {
            assert!(!was || is, "round {}: the {what} record changed", old.round);
        }
    }
}

/// `mount …` (the tests run as root).
fn mount(args: &[&str]) {
    let out = Command::new("mount").args(args).output().expect("mount");
    assert!(
        out.status.success(),
        "mount {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A mount made by a test, lazily unmounted when dropped (even when the test fails).
struct Mounted(PathBuf);

impl Mounted {
    fn tmpfs(dir: &Path, megabytes: u32) -> Mounted {
        std::fs::create_dir_all(dir).unwrap();
        let size = format!("size={megabytes}m");
        mount(&[
            "-t",
            "tmpfs",
            "-o",
            &size,
            "tmpfs",
            &dir.display().to_string(),
        ]);
        Mounted(dir.to_path_buf())
    }

    fn resize(&self, megabytes: u32) {
        let opts = format!("remount,size={megabytes}m");
        mount(&["-o", &opts, &self.0.display().to_string()]);
    }

    /// `dir` mounted read-only over itself.
    fn read_only(dir: &Path) -> Mounted {
        let d = dir.display().to_string();
        mount(&["--bind", &d, &d]);
        let guard = Mounted(dir.to_path_buf());
        mount(&["-o", "remount,bind,ro", &d]);
        guard
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// A `sqlite3` process holding `BEGIN EXCLUSIVE` on a database until dropped.
struct ExclusiveLock(Child);

impl ExclusiveLock {
    /// Fails the test, saying what is missing, when the `sqlite3` command-line shell is
    /// absent (`.ci/run` installs it).
    fn take(db: &Path) -> ExclusiveLock {
        // `-bail`: if the lock cannot be taken the shell exits instead of answering.
        let mut child = Command::new("sqlite3")
            .arg("-bail")
            .arg(db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "the locked-database step needs the `sqlite3` command-line shell \
                     (apt-get install sqlite3): {e}"
                )
            });
        let stdin = child.stdin.as_mut().unwrap();
        stdin
            .write_all(b".timeout 10000\nBEGIN EXCLUSIVE;\nSELECT 'holding';\n")
            .unwrap();
        stdin.flush().unwrap();
        // The shell answers only once the exclusive lock is taken.
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "holding", "sqlite3 did not take the lock");
        ExclusiveLock(child)
    }
}

impl Drop for ExclusiveLock {
    fn drop(&mut self) {
        if let Some(stdin) = self.0.stdin.as_mut() {
            let _ = stdin.write_all(b"ROLLBACK;\n.quit\n");
        }
        drop(self.0.stdin.take());
        if self.0.wait().is_err() {
            let _ = self.0.kill();
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "cp -a {} {}",
        from.display(),
        to.display()
    );
}

/// Starts `orchestrator args` and SIGKILLs it as soon as `ready` holds (polled), failing
/// past `LIMIT` or if it exits first.
fn kill_when(args: &[String], log: &Path, ready: impl Fn() -> bool) {
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .args(args)
        .env_remove("MOBEVOLVE_KILL_AT")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(log.with_extension("out")).unwrap())
        .stderr(std::fs::File::create(log.with_extension("err")).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !ready() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the orchestrator ended ({status}) before it was killed:\n{}",
                std::fs::read_to_string(log.with_extension("err")).unwrap_or_default()
            );
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the state to kill in never came");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

fn phase_state(state: &RunState, round: u32, phase: Phase) -> Option<PhaseState> {
    state
        .rounds
        .iter()
        .find(|r| r.round == round)?
        .phases
        .iter()
        .find(|e| e.phase == phase)
        .map(|e| e.state)
}

#[test]
fn a_full_disk_mid_run_is_reported_with_its_cause_and_resume_finishes_once_it_grows() {
    let _serial = harness::serial();
    let Some(fx) = harness::fixture() else { return };
    // The parent's build and rollouts need about 100 MB, the candidate's test build about
    // 200 MB more: 150 MB fills up in round 1, after the parent rollout was recorded.
    let disk = fx.root.join("faults-disk");
    let tmpfs = Mounted::tmpfs(&disk, 150);
    let runs = disk.join("runs");
    let log = |name: &str| fx.root.join("logs/faults-disk").join(name);

    let out = harness::orchestrator(
        &new_run(fx, &fx.bench, &runs, 1, &[]),
        &[],
        LIMIT,
        &log("run"),
    );
    let error = reported_error(&out);
    assert!(
        error.contains("No space left on device") || error.contains("disk is full"),
        "the cause is not named: {error}"
    );
    assert_mentions(&error, &["round 1, phase "]);
    assert!(
        error.contains(&runs.display().to_string()),
        "the full folder is not named: {error}"
    );
    let before = harness::run_state(&runs, 1);
    assert_eq!(
        phase_state(&before, 1, Phase::ParentRollout),
        Some(PhaseState::Done),
        "the disk should fill up after the parent rollout: {error}"
    );
    // The full disk is not blamed on the candidate: no decision was recorded.
    assert!(before.round(1).verification.is_none(), "{error}");
    harness::assert_no_sandbox_processes(fx);

    tmpfs.resize(1024);
    let out = harness::orchestrator(&resume(&fx.bench, &runs, 1), &[], LIMIT, &log("resume"));
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    let after = harness::run_state(&runs, 1);
    assert_eq!(after.status, RunStatus::Finished);
    assert_nothing_lost(&before, &after);
    let verdict = after
        .round(1)
        .verification
        .as_ref()
        .expect("round 1 decided");
    assert!(
        !verdict.reason.contains("No space left"),
        "{}",
        verdict.reason
    );
    harness::assert_no_worktrees(&runs.join("run-1"));
    harness::assert_no_sandbox_processes(fx);
}

#[test]
fn a_killed_run_refuses_a_locked_database_a_read_only_folder_and_changed_data_then_recovers_its_deleted_worktree(
) {
    let _serial = harness::serial();
    let Some(fx) = harness::fixture() else { return };
    let root = fx.root.join("faults-recorded");
    // A private copy of the benchmark: this test changes and deletes its files.
    let bench = root.join("bench");
    std::fs::create_dir_all(&root).unwrap();
    copy_dir(&fx.bench, &bench);
    let runs = root.join("runs");
    let log = |name: &str| fx.root.join("logs/faults-recorded").join(name);

    // Run 1, uninterrupted: the reference for the recovered round.
    let out = harness::orchestrator(
        &new_run(fx, &bench, &runs, 1, &[]),
        &[],
        LIMIT,
        &log("reference"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    let reference = harness::run_state(&runs, 1);

    // Run 2, the same run, SIGKILLed while its candidate is built in its worktree.
    let run_dir = runs.join("run-2");
    let worktree = run_dir.join("worktrees/round-0001");
    let building = run_dir.join("sandbox-root/round-0001-build");
    // Previews build in the same worktree during the proposal: the candidate's own build is
    // the one after its change was applied.
    kill_when(&new_run(fx, &bench, &runs, 1, &[]), &log("killed"), || {
        building.exists()
            && harness::try_run_state(&runs, 2)
                .is_some_and(|s| phase_state(&s, 1, Phase::Apply) == Some(PhaseState::Done))
    });
    let killed = harness::run_state(&runs, 2);
    assert_eq!(
        phase_state(&killed, 1, Phase::Apply),
        Some(PhaseState::Done)
    );
    assert_ne!(
        phase_state(&killed, 1, Phase::Build),
        Some(PhaseState::Done)
    );
    assert!(worktree.is_dir(), "the killed build left no worktree");
    let resume_2 = resume(&bench, &runs, 2);

    // The database held by another process's exclusive transaction.
    let db = runs.join("mobevolve.sqlite");
    {
        let lock = ExclusiveLock::take(&db);
        let out = harness::orchestrator(&resume_2, &[], LIMIT, &log("locked"));
        drop(lock);
        let error = reported_error(&out);
        assert_mentions(&error, &["database is locked", &db.display().to_string()]);
        assert_nothing_lost(&killed, &harness::run_state(&runs, 2));
    }

    // The run folder read-only.
    {
        let _ro = Mounted::read_only(&run_dir);
        let out = harness::orchestrator(&resume_2, &[], LIMIT, &log("read-only"));
        let error = reported_error(&out);
        assert_mentions(
            &error,
            &["Read-only file system", &run_dir.display().to_string()],
        );
    }
    assert_nothing_lost(&killed, &harness::run_state(&runs, 2));

    // One byte of a validation file changed, then the file deleted.
    let persons = bench.join("atus-2014/val/persons.csv");
    let original = std::fs::read(&persons).unwrap();
    let mut changed = original.clone();
    let at = changed.len() / 2;
    changed[at] = if changed[at] == b'1' { b'2' } else { b'1' };
    std::fs::write(&persons, &changed).unwrap();
    let out = harness::orchestrator(&resume_2, &[], LIMIT, &log("changed-data"));
    let error = reported_error(&out);
    assert_mentions(
        &error,
        &[
            "run 2 cannot continue",
            "content hash",
            &persons.display().to_string(),
            "changed",
        ],
    );
    std::fs::remove_file(&persons).unwrap();
    let out = harness::orchestrator(&resume_2, &[], LIMIT, &log("deleted-data"));
    let error = reported_error(&out);
    assert_mentions(
        &error,
        &[
            "run 2 cannot continue",
            &persons.display().to_string(),
            "No such file",
        ],
    );
    std::fs::write(&persons, &original).unwrap();
    assert_nothing_lost(&killed, &harness::run_state(&runs, 2));

    // The candidate's worktree (and every scratch folder) deleted: resume recreates them.
    for folder in ["worktrees", "scratch", "sandbox-root"] {
        let _ = std::fs::remove_dir_all(run_dir.join(folder));
    }
    let out = harness::orchestrator(&resume_2, &[], LIMIT, &log("resumed"));
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    let recovered = harness::run_state(&runs, 2);
    assert_nothing_lost(&killed, &recovered);
    assert_eq!(recovered.status, RunStatus::Finished);
    // The same round as the uninterrupted run: same commits, scores and decision.
    assert_eq!(recovered.initial_commit, reference.initial_commit);
    assert_eq!(recovered.current_commit, reference.current_commit);
    assert_eq!(recovered.trajectory, reference.trajectory);
    let (mine, theirs) = (recovered.round(1), reference.round(1));
    assert_eq!(mine.candidate, theirs.candidate);
    let (a, b) = (
        mine.verification.as_ref().unwrap(),
        theirs.verification.as_ref().unwrap(),
    );
    assert_eq!((a.accepted, &a.reason), (b.accepted, &b.reason));
    assert_eq!(a.metrics, b.metrics);
    assert_eq!(
        mine.trial.as_ref().map(|t| &t.lesson),
        theirs.trial.as_ref().map(|t| &t.lesson)
    );
    assert_eq!(
        mine.phases
            .iter()
            .find(|e| e.phase == Phase::Build)
            .unwrap()
            .attempts,
        2,
        "the killed build was not redone"
    );
    harness::assert_no_worktrees(&run_dir);
    harness::assert_no_sandbox_processes(fx);
}

/// One hostile change: what the `command` agent writes, and the rejection it must get.
struct Hostile {
    what: &'static str,
    /// Code put at the top of the rollout binary's `run` (after its arguments were read,
    /// so the crate's own tests, which only run `rollout --help`, never reach it).
    rollout: Option<String>,
    /// A `heuristics/build.rs` to add instead.
    build_rs: Option<String>,
    /// The rejection kind, and words its message must hold.
    kind: &'static str,
    says: &'static [&'static str],
}

const MARKER: &str = "mobevolve-faults-escaped";

fn hostile_changes(fx: &Fixture, run_dir: &Path) -> Vec<Hostile> {
    let tmp_marker = format!("/tmp/{MARKER}");
    let run_marker = run_dir.join(MARKER).display().to_string();
    let test_split = fx
        .bench
        .join("atus-2014/test/persons.csv")
        .display()
        .to_string();
    vec![
        Hostile {
            what: "a build script that phones home and drops a file",
            rollout: None,
            build_rs: Some(format!(
                "fn main() {{\n    let _ = std::net::TcpStream::connect(\"127.0.0.1:9\");\n    \
                 let _ = std::fs::write({tmp_marker:?}, b\"escaped\");\n}}\n"
            )),
            kind: "outside_scope",
            says: &["heuristics/build.rs"],
        },
        Hostile {
            what: "a TCP connection to 127.0.0.1",
            rollout: Some("let _ = std::net::TcpStream::connect(\"127.0.0.1:9\");".into()),
            build_rs: None,
            kind: "network_denied",
            says: &["rollout", "network"],
        },
        Hostile {
            what: "writes outside the worktree",
            rollout: Some(format!(
                "let _ = std::fs::write({tmp_marker:?}, b\"escaped\");\n    \
                 let _ = std::fs::write({run_marker:?}, b\"escaped\");"
            )),
            build_rs: None,
            kind: "wrote_outside_worktree",
            says: &["rollout", MARKER],
        },
        Hostile {
            what: "a memory bomb",
            rollout: Some(
                "let bomb = vec![1u8; 3 << 30];\n    std::hint::black_box(&bomb);".into(),
            ),
            build_rs: None,
            kind: "memory_limit",
            says: &["rollout", "memory"],
        },
        Hostile {
            what: "a fork bomb",
            rollout: Some(
                "if std::env::var_os(\"HOSTILE_CHILD\").is_some() {\n        \
                 std::thread::sleep(std::time::Duration::from_secs(30));\n        \
                 return Ok(());\n    }\n    \
                 let mut children = Vec::new();\n    \
                 for _ in 0..100_000 {\n        \
                 children.push(\n            \
                 std::process::Command::new(std::env::current_exe().unwrap())\n                \
                 .args(std::env::args().skip(1))\n                \
                 .env(\"HOSTILE_CHILD\", \"1\")\n                \
                 .stdin(std::process::Stdio::null())\n                \
                 .stdout(std::process::Stdio::null())\n                \
                 .stderr(std::process::Stdio::null())\n                \
                 .spawn()\n                \
                 .expect(\"fork bomb\"),\n        \
                 );\n    }"
                    .into(),
            ),
            build_rs: None,
            kind: "process_limit",
            says: &["rollout", "process limit"],
        },
        Hostile {
            what: "a read of the test split, then a panic",
            rollout: Some(format!(
                "for path in [args.bench.join(\"test/persons.csv\"), \
                 std::path::PathBuf::from({test_split:?})] {{\n        \
                 if std::fs::read(&path).is_ok() {{\n            \
                 panic!(\"READ THE TEST SPLIT at {{}}\", path.display());\n        }}\n    }}\n    \
                 panic!(\"the test split is out of reach\");"
            )),
            build_rs: None,
            kind: "rollout_failed",
            says: &["the test split is out of reach"],
        },
        Hostile {
            what: "an endless loop",
            rollout: Some("while std::hint::black_box(true) {}".into()),
            build_rs: None,
            kind: "timeout",
            says: &["rollout", "wall-time limit"],
        },
    ]
}

/// Writes the per-round files and the agent script that copies them into the worktree.
fn hostile_agent(fx: &Fixture, dir: &Path, changes: &[Hostile]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let rollout_rs =
        std::fs::read_to_string(fx.workspace.join("heuristics/src/bin/rollout.rs")).unwrap();
    let anchor = "fn run(args: Args) -> Result<(), String> {\n";
    assert_eq!(
        rollout_rs.matches(anchor).count(),
        1,
        "the rollout binary has no `{anchor}`"
    );
    for (i, change) in changes.iter().enumerate() {
        let round = i + 1;
        if let Some(code) = &change.rollout {
            let text = rollout_rs.replace(anchor, &format!("{anchor}    {code}\n"));
            std::fs::write(dir.join(format!("round-{round}.rs")), text).unwrap();
        }
        if let Some(build) = &change.build_rs {
            std::fs::write(dir.join(format!("round-{round}.build.rs")), build).unwrap();
        }
        std::fs::write(dir.join(format!("round-{round}.what")), change.what).unwrap();
    }
    let script = dir.join("agent.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nset -eu\nf={dir}/round-$MOBEVOLVE_ROUND\n\
             if [ -f \"$f.rs\" ]; then cp \"$f.rs\" heuristics/src/bin/rollout.rs; fi\n\
             if [ -f \"$f.build.rs\" ]; then cp \"$f.build.rs\" heuristics/build.rs; fi\n\
             mkdir -p \"$(dirname \"$MOBEVOLVE_PROPOSAL_FILE\")\"\n\
             printf '{{\"target\": \"hostile\", \"hypothesis\": \"%s\", \"rationale\": \"fault test\"}}' \
             \"$(cat \"$f.what\")\" > \"$MOBEVOLVE_PROPOSAL_FILE\"\n",
            dir = dir.display()
        ),
    )
    .unwrap();
    script
}

#[test]
fn hostile_candidates_are_each_rejected_for_their_own_reason_and_nothing_escapes() {
    let _serial = harness::serial();
    let Some(fx) = harness::fixture() else { return };
    let root = fx.root.join("faults-hostile");
    let runs = root.join("runs");
    let run_dir = runs.join("run-1");
    let changes = hostile_changes(fx, &run_dir);
    let tmp_marker = Path::new("/tmp").join(MARKER);
    let _ = std::fs::remove_file(&tmp_marker);
    let script = hostile_agent(fx, &root.join("agent"), &changes);
    let command = format!("sh {}", script.display());
    let rounds = changes.len() as u32;
    let args = new_run(
        fx,
        &fx.bench,
        &runs,
        rounds,
        &[
            "--agent",
            "command",
            "--agent-command",
            &command,
            "--agent-timeout",
            "60",
        ],
    );
    let out = harness::orchestrator(&args, &[], LIMIT, &fx.root.join("logs/faults-hostile"));
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);

    let state = harness::run_state(&runs, 1);
    assert_eq!(state.status, RunStatus::Finished);
    assert_eq!(state.rounds.len(), changes.len());
    for (i, change) in changes.iter().enumerate() {
        let round = state.round(i as u32 + 1);
        let verdict = round
            .verification
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no decision", change.what));
        assert!(!verdict.accepted, "{} was accepted", change.what);
        assert!(verdict.metrics.is_none(), "{} was scored", change.what);
        let prefix = format!("{}: ", change.kind);
        assert!(
            verdict.reason.starts_with(&prefix),
            "{}: expected `{prefix}…`, got: {}",
            change.what,
            verdict.reason
        );
        let expected = if change.kind == "outside_scope" {
            memory::RoundOutcome::OutsideScope
        } else {
            memory::RoundOutcome::LimitExceeded
        };
        assert_eq!(verdict.outcome, expected, "{}", change.what);
        assert_mentions(&verdict.reason, change.says);
        assert!(!verdict.reason.contains("READ THE TEST SPLIT"));
    }
    assert_eq!(state.current_commit, state.initial_commit);
    assert_eq!(harness::main_commit(&run_dir), state.initial_commit);
    assert!(!tmp_marker.exists(), "{} escaped", tmp_marker.display());
    assert!(!run_dir.join(MARKER).exists(), "the run folder was written");
    harness::assert_no_worktrees(&run_dir);
    harness::assert_no_sandbox_processes(fx);
}
