//! The shared ground of the loop tests: one prepared benchmark and one degraded copy of the
//! workspace per test process, the `orchestrator` binary run as a child with a time limit,
//! and read-side views of a run (its database, its git repository, leftover worktrees and
//! sandbox processes).

use memory::{Memory, RoundRecord, RunStatus, Totals, TrajectoryPoint};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// The constant of `heuristics/src/params.rs` the tests degrade, and its degraded value:
/// always retrieving the neighbours' most central routine collapses the days' diversity and
/// raises the Score by about 0.3, far above the noise floor, so restoring it must be
/// accepted.
pub const DEGRADED: &str = "CONSENSUS_WEIGHT";
pub const DEGRADED_VALUE: &str = "30.0";
pub const PARAMS: &str = "heuristics/src/params.rs";
/// The uids candidate processes run as (each run folder gets one in this range).
pub const SANDBOX_UIDS: std::ops::Range<u32> = 61_000..65_000;

/// What every test shares: the prepared benchmarks and the degraded workspace.
pub struct Fixture {
    pub root: PathBuf,
    pub bench: PathBuf,
    pub workspace: PathBuf,
    /// The degraded `params.rs` (the text the scripted agents edit).
    pub params: String,
    /// The degraded constant's line as the repository has it, and as degraded.
    pub good_line: String,
    pub bad_line: String,
}

/// Runs never overlap (candidate sandboxes share one uid): every test holds this.
pub fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the orchestrator crate sits in the workspace")
        .to_path_buf()
}

pub fn data_dir() -> PathBuf {
    repo_root().join("../shared/data")
}

/// The fixture. The loop tests need the real surveys: without them this fails, saying what
/// is missing (`Option` is kept so the tests read `let Some(fx) = fixture()`).
pub fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    Some(FIXTURE.get_or_init(|| {
        let data = data_dir();
        assert!(
            data.is_dir(),
            "the real survey data folder {} is missing: the loop tests prepare their benchmark \
             from it (put the surveys there)",
            data.display()
        );
        make_fixture(&data)
    }))
}

/// The decision secret of every test run: killed and uninterrupted runs draw the same seeds.
pub const TEST_SECRET: &str = "0123456789abcdef0123456789abcdef";

fn make_fixture(data: &Path) -> Fixture {
    remove_stale_roots();
    let root = std::env::temp_dir().join(format!("mobevolve-looptests-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let bench = root.join("bench");
    let out = orchestrator(
        &[
            "data".into(),
            "prepare".into(),
            "--data".into(),
            data.display().to_string(),
            "--out".into(),
            bench.display().to_string(),
        ],
        &[],
        Duration::from_secs(300),
        &root.join("prepare"),
    );
    assert!(out.status.success(), "data prepare failed:\n{}", out.stderr);
    assert!(bench.join("atus-2014/manifest.json").is_file());
    let workspace = root.join("workspace");
    copy_workspace(&repo_root(), &workspace);
    let params_path = workspace.join(PARAMS);
    let original = std::fs::read_to_string(&params_path).unwrap();
    let prefix = format!("pub const {DEGRADED}: f64 = ");
    let good_line = original
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("{PARAMS} has no line `{prefix}…`; update harness::DEGRADED"))
        .to_string();
    let bad_line = format!("{prefix}{DEGRADED_VALUE};");
    assert_ne!(
        good_line, bad_line,
        "{DEGRADED} is already {DEGRADED_VALUE}"
    );
    assert_eq!(original.matches(&good_line).count(), 1);
    let params = original.replace(&good_line, &bad_line);
    std::fs::write(&params_path, &params).unwrap();
    Fixture {
        root,
        bench,
        workspace,
        params,
        good_line,
        bad_line,
    }
}

/// Removes the roots of earlier test processes that are gone.
fn remove_stale_roots() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix("mobevolve-looptests-") else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Copies the repository's source (tracked files and new files git does not ignore; never
/// `target/` or `out/`) into `dst`.
fn copy_workspace(src: &Path, dst: &Path) {
    let out = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(src)
        .output()
        .expect("git ls-files");
    assert!(out.status.success(), "git ls-files failed");
    let mut copied = 0;
    for rel in out.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let rel = String::from_utf8_lossy(rel).into_owned();
        if rel.starts_with("target/") || rel.starts_with("out/") {
            continue;
        }
        let from = src.join(&rel);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = dst.join(&rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
        copied += 1;
    }
    assert!(
        copied > 20,
        "only {copied} files copied from {}",
        src.display()
    );
}

/// A finished `orchestrator` process.
pub struct Outcome {
    pub status: ExitStatus,
    pub stderr: String,
}

impl Outcome {
    pub fn killed_by(&self) -> Option<i32> {
        self.status.signal()
    }
}

/// Runs the binary with `args` (and `env` added; `MOBEVOLVE_KILL_AT` and `OPENAI_API_KEY`
/// removed unless given), killing it and failing the test past `limit`. Its output goes to
/// `<log>.out` / `<log>.err`.
pub fn orchestrator(
    args: &[String],
    env: &[(&str, String)],
    limit: Duration,
    log: &Path,
) -> Outcome {
    let started = Instant::now();
    let out = orchestrator_killed_at(args, env, limit, log);
    if out.killed_by() == Some(9) && started.elapsed() >= limit {
        panic!(
            "`orchestrator {}` took more than {limit:?}; its stderr:\n{}",
            args.join(" "),
            out.stderr
        );
    }
    out
}

/// Runs the binary as [`orchestrator`] does, but SIGKILLs it once `deadline` has passed
/// (a test's crash at a random moment) instead of failing.
pub fn orchestrator_killed_at(
    args: &[String],
    env: &[(&str, String)],
    deadline: Duration,
    log: &Path,
) -> Outcome {
    orchestrator_killed_when(args, env, log, |elapsed| elapsed >= deadline)
}

/// Runs the binary as [`orchestrator`] does, SIGKILLing it as soon as `kill_now` (asked
/// every few milliseconds with the time since the start) says so.
pub fn orchestrator_killed_when(
    args: &[String],
    env: &[(&str, String)],
    log: &Path,
    kill_now: impl Fn(Duration) -> bool,
) -> Outcome {
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    let err_path = log.with_extension("err");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_orchestrator"));
    cmd.args(args)
        .env_remove("MOBEVOLVE_KILL_AT")
        .env_remove("OPENAI_API_KEY")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(log.with_extension("out")).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("starting the orchestrator binary");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if kill_now(started.elapsed()) {
            let _ = child.kill(); // SIGKILL
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    eprintln!(
        "orchestrator {} → {status} in {:.1} s",
        args.iter().take(2).cloned().collect::<Vec<_>>().join(" "),
        started.elapsed().as_secs_f64()
    );
    Outcome { status, stderr }
}

/// `orchestrator run --new` arguments of a tiny run (1 evolution seed, 2 decision and 2
/// confirmation seeds, the test secret) on
/// the prepared benchmarks in `bench`, in `runs`, from the fixture's workspace; the agent
/// is the built-in one unless more arguments say otherwise.
pub fn tiny_run_args(fx: &Fixture, bench: &Path, runs: &Path, rounds: u32) -> Vec<String> {
    [
        "run",
        "--new",
        "--benchmark",
        "atus-2014",
        "--rounds",
        &rounds.to_string(),
        "--runs",
        &runs.display().to_string(),
        "--bench",
        &bench.display().to_string(),
        "--evolution-seeds",
        "1",
        "--decision-seeds",
        "2",
        "--confirmation-seeds",
        "2",
        "--bootstrap-resamples",
        "30",
        "--decision-secret",
        TEST_SECRET,
        "--workspace",
        &fx.workspace.display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// `orchestrator run` arguments of a tiny run with the `openai` agent at `url`.
pub fn run_args(fx: &Fixture, runs: &Path, url: &str, mode: &str, rounds: u32) -> Vec<String> {
    let mut args = tiny_run_args(fx, &fx.bench, runs, rounds);
    for extra in [
        "--agent",
        "openai",
        "--base-url",
        url,
        "--model",
        "scripted",
        "--agent-mode",
        mode,
    ] {
        args.push(extra.to_string());
    }
    args
}

pub fn resume_args(fx: &Fixture, runs: &Path, run: i64) -> Vec<String> {
    resume_args_on(&fx.bench, runs, run)
}

/// `orchestrator resume` arguments for a run on the prepared benchmarks in `bench`.
pub fn resume_args_on(bench: &Path, runs: &Path, run: i64) -> Vec<String> {
    vec![
        "resume".into(),
        run.to_string(),
        "--runs".into(),
        runs.display().to_string(),
        "--bench".into(),
        bench.display().to_string(),
    ]
}

/// Everything the database holds about a run.
#[derive(Debug, Clone)]
pub struct RunState {
    pub status: RunStatus,
    pub initial_commit: String,
    pub current_commit: String,
    pub trajectory: Vec<TrajectoryPoint>,
    pub rounds: Vec<RoundRecord>,
    pub totals: Totals,
}

impl RunState {
    pub fn round(&self, r: u32) -> &RoundRecord {
        self.rounds
            .iter()
            .find(|x| x.round == r)
            .unwrap_or_else(|| panic!("round {r} was never started"))
    }
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

pub fn run_state(runs: &Path, run: i64) -> RunState {
    try_run_state(runs, run).unwrap_or_else(|| panic!("run {run} is not in {}", runs.display()))
}

/// The run's state, or `None` while its database or its row does not exist yet.
pub fn try_run_state(runs: &Path, run: i64) -> Option<RunState> {
    let db = runs.join("mobevolve.sqlite");
    if !db.is_file() {
        return None;
    }
    block_on(async {
        let memory = Memory::open(&db).await.unwrap();
        let summary = memory.run_summary(run).await.ok()?;
        let totals = memory.totals(run).await.unwrap();
        let mut rounds = Vec::new();
        for r in 1..=totals.rounds {
            rounds.push(memory.round_record(run, r).await.unwrap());
        }
        Some(RunState {
            status: summary.status,
            initial_commit: summary.config.initial_commit.clone(),
            current_commit: summary.current_commit,
            trajectory: memory.trajectory(run).await.unwrap(),
            rounds,
            totals,
        })
    })
}

/// The artifacts a phase of a round recorded.
pub fn artifacts(record: &RoundRecord, phase: memory::Phase) -> serde_json::Value {
    record
        .phases
        .iter()
        .find(|e| e.phase == phase)
        .and_then(|e| e.artifacts.clone())
        .unwrap_or_else(|| panic!("round {}: no artifacts of {}", record.round, phase.name()))
}

/// Asserts that a run (`mine`, in `my_dir`) ended exactly as `theirs` (in `their_dir`):
/// status, commits (and `main`), trajectory, and round by round the parent, candidate,
/// decision, metrics, lesson and recorded LLM calls; and the totals of calls and cost.
pub fn assert_same_end(mine: &RunState, my_dir: &Path, theirs: &RunState, their_dir: &Path) {
    assert_eq!(mine.status, theirs.status);
    assert_eq!(mine.initial_commit, theirs.initial_commit);
    assert_eq!(mine.current_commit, theirs.current_commit);
    assert_eq!(main_commit(my_dir), main_commit(their_dir));
    assert_eq!(mine.trajectory, theirs.trajectory);
    assert_eq!(mine.rounds.len(), theirs.rounds.len());
    for (a, b) in mine.rounds.iter().zip(&theirs.rounds) {
        let round = a.round;
        assert_eq!(a.parent_commit, b.parent_commit, "round {round}");
        assert_eq!(a.candidate, b.candidate, "round {round}");
        let (va, vb) = (
            a.verification.as_ref().unwrap(),
            b.verification.as_ref().unwrap(),
        );
        assert_eq!(
            (va.accepted, va.outcome, &va.reason),
            (vb.accepted, vb.outcome, &vb.reason),
            "round {round}"
        );
        assert_eq!(va.evidence, vb.evidence, "round {round}");
        assert_eq!(va.metrics, vb.metrics, "round {round}");
        assert_eq!(
            a.trial.as_ref().map(|t| &t.lesson),
            b.trial.as_ref().map(|t| &t.lesson),
            "round {round}"
        );
        let hashes = |x: &RoundRecord| {
            x.llm_calls
                .iter()
                .map(|c| c.request_hash.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(hashes(a), hashes(b), "round {round}");
    }
    assert_eq!(mine.totals.llm_calls, theirs.totals.llm_calls);
    assert!((mine.totals.cost_usd - theirs.totals.cost_usd).abs() < 1e-9);
}

/// `git` on a run's repository.
pub fn git(run_dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(run_dir.join("repo"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn main_commit(run_dir: &Path) -> String {
    git(run_dir, &["rev-parse", "refs/heads/main"])
}

/// Fails if a candidate worktree is left in the run folder.
pub fn assert_no_worktrees(run_dir: &Path) {
    let dir = run_dir.join("worktrees");
    let left: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "worktrees left in {}: {left:?}",
        dir.display()
    );
}

/// Fails if a process of a sandbox uid that belongs to this test process's runs survives.
pub fn assert_no_sandbox_processes(fx: &Fixture) {
    let survivors = sandbox_processes(fx);
    assert!(
        survivors.is_empty(),
        "sandbox processes (uids {SANDBOX_UIDS:?}) survived: {survivors:?}"
    );
}

/// The live `bwrap` processes (they run as root, outside the sandbox uids) of this test
/// process's runs, as `pid: command line`.
pub fn bwrap_processes(fx: &Fixture) -> Vec<String> {
    let root = fx.root.display().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.parse::<u32>().is_err() {
            continue;
        }
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        if comm.trim() != "bwrap" {
            continue;
        }
        let cmd = std::fs::read_to_string(entry.path().join("cmdline")).unwrap_or_default();
        if cmd.contains(&root) {
            found.push(format!("{name}: {}", cmd.replace('\0', " ")));
        }
    }
    found
}

/// The live processes of a sandbox uid that belong to this test process's runs, as
/// `pid: command line`.
pub fn sandbox_processes(fx: &Fixture) -> Vec<String> {
    let root = fx.root.display().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.parse::<u32>().is_err() {
            continue;
        }
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let uid = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|u| u.parse::<u32>().ok());
        if !uid.is_some_and(|u| SANDBOX_UIDS.contains(&u)) {
            continue;
        }
        // Other projects' sandboxes may use the same uid: only ours count.
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let mine = [environ, cmdline]
            .iter()
            .any(|b| String::from_utf8_lossy(b).contains(&root));
        if mine {
            let cmd = std::fs::read_to_string(entry.path().join("cmdline")).unwrap_or_default();
            found.push(format!("{name}: {}", cmd.replace('\0', " ")));
        }
    }
    found
}

pub use agents::scripted_server::{last_user, tool_results};

/// Facts every finished round of a run must show on its own, whatever run it is compared
/// with: the recorded change is the change in the repository, its summary names every
/// constant the repository's diff changes, no generator was rolled out twice (every round
/// after the first reuses its parent's stored rollouts), and every round's prompt carries a
/// line for every earlier trial.
pub fn assert_absolute_facts(state: &RunState, run_dir: &Path) {
    for record in &state.rounds {
        let r = record.round;
        let Some(candidate) = &record.candidate else {
            continue;
        };
        if candidate.commit != record.parent_commit {
            let actual = git(
                run_dir,
                &[
                    "diff",
                    &record.parent_commit,
                    &candidate.commit,
                    "--",
                    "heuristics/",
                ],
            );
            let changed = |diff: &str| -> Vec<String> {
                let mut lines: Vec<String> = diff
                    .lines()
                    .filter(|l| {
                        (l.starts_with('+') || l.starts_with('-'))
                            && !l.starts_with("+++")
                            && !l.starts_with("---")
                    })
                    .map(str::to_string)
                    .collect();
                lines.sort();
                lines
            };
            assert_eq!(
                changed(&candidate.diff),
                changed(&actual),
                "round {r}: the recorded change is not the applied one"
            );
            for c in &candidate.summary.constants {
                let new = c.new.as_deref().unwrap_or("");
                assert!(
                    actual.contains(&format!("{}: ", c.name)) && actual.contains(new),
                    "round {r}: the summary names {} → {new}, the repository's diff does not",
                    c.name
                );
            }
            let constant_lines = changed(&actual)
                .iter()
                .filter(|l| l.starts_with('+') && l.contains("const "))
                .count();
            assert!(
                candidate.summary.constants.len() >= constant_lines.min(1),
                "round {r}: constants changed in the repository but not in the summary"
            );
        }
        if r > 1 {
            let parent = artifacts(record, memory::Phase::ParentRollout);
            assert_eq!(
                parent["reused"], true,
                "round {r}: the parent was rolled out again: {parent}"
            );
            let prompt = &record.proposal.as_ref().expect("a proposal").prompt;
            for earlier in 1..r {
                assert!(
                    prompt.contains(&format!("- r{earlier:03} ")),
                    "round {r}'s prompt has no line for trial {earlier}"
                );
            }
        }
    }
}
