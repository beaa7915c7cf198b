//! Runs that live for days on shared machines: stopped with Ctrl-C in any phase, changed
//! on resume, continued past a spent budget, served, cleaned up and deleted, and refused up
//! front where candidates cannot be isolated.
//!
//! - `ctrl_c_…`: a `command`-agent run gets SIGINT in each of the nine phases of round 1 in
//!   turn (in the long phases while the candidate or agent process it waits for runs; the
//!   short ones held by `MOBEVOLVE_HOLD_AT`), and once a double SIGINT: every stop takes
//!   seconds, records the phase as interrupted, leaves no process (not even the agent's
//!   worker in its own session), and `resume` redoes the phase. `run` without `--new`
//!   refuses a conflicting flag. The last resume changes the rounds and the agent timeout;
//!   round 2's agent starts a worker in its own session and outlives the timeout (case 09):
//!   the round is rejected and the worker is gone.
//! - `a_spent_budget_…`: an `openai` run stopped by its spending cap continues with
//!   `resume --budget-usd --model --base-url`; the changes are recorded.
//! - `a_finished_run_…`: `generate --run --persons` in the namespace sandbox and in the
//!   default mode, `export` that builds with `--locked`, broken pipes, the test-read log,
//!   `gc` (records kept) and `rm`.
//! - `without_root_…`: as an ordinary user on a machine that refuses user namespaces, `run`
//!   fails before creating anything and says what is missing.

use crate::harness::{self, Fixture};
use crate::scripts;
use agents::scripted_server::ScriptedServer;
use memory::{Memory, Phase, PhaseState, RunStatus};
use std::os::unix::process::CommandExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Longest any one orchestrator process may take (a cold build of the generator included).
const LIMIT: Duration = Duration::from_secs(900);
/// Longest a stop may take after SIGINT before the test fails.
const STOP_LIMIT: Duration = Duration::from_secs(60);

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A finished orchestrator process stopped by signals.
struct Stopped {
    status: ExitStatus,
    stderr: String,
    /// From the first SIGINT to the process's exit.
    latency: Duration,
}

/// Runs the binary with `args` and `env`, sends `signals` SIGINTs (1 ms apart) once
/// `ready(stderr so far)` holds, and waits for it to exit.
fn interrupt_when(
    args: &[String],
    env: &[(&str, String)],
    log: &Path,
    signals: usize,
    ready: impl Fn(&str) -> bool,
) -> Stopped {
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    let err_path = log.with_extension("err");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_orchestrator"));
    cmd.args(args)
        .env_remove("MOBEVOLVE_KILL_AT")
        .env_remove("MOBEVOLVE_HOLD_AT")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(log.with_extension("out")).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let started = Instant::now();
    let read = || std::fs::read_to_string(&err_path).unwrap_or_default();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "`orchestrator {}` ended ({status}) before it could be interrupted:\n{}",
                args.join(" "),
                read()
            );
        }
        if ready(&read()) {
            break;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("the moment to interrupt never came:\n{}", read());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Instant::now();
    for n in 1..=signals {
        // SAFETY: a signal to our own child.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGINT);
        }
        // Two signals sent back to back can arrive as one (signal delivery coalesces
        // pending signals): the next is sent once the first has been seen.
        while n < signals
            && !read().contains("interrupt: stopping the current phase")
            && sent.elapsed() < STOP_LIMIT
            && child.try_wait().unwrap().is_none()
        {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if sent.elapsed() > STOP_LIMIT {
            let _ = child.kill();
            panic!("no exit {STOP_LIMIT:?} after SIGINT:\n{}", read());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Stopped {
        status,
        stderr: read(),
        latency: sent.elapsed(),
    }
}

/// The state of `phase` in round `round` of run 1, if the round exists.
fn phase_state(runs: &Path, round: u32, phase: Phase) -> Option<PhaseState> {
    let state = harness::try_run_state(runs, 1)?;
    let record = state.rounds.iter().find(|r| r.round == round)?;
    record
        .phases
        .iter()
        .find(|e| e.phase == phase)
        .map(|e| e.state)
}

/// Live processes whose command line holds `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if entry.file_name().to_string_lossy().parse::<u32>().is_err() {
            continue;
        }
        let cmd = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        let zombie = status
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z'));
        if cmd.contains(marker) && !zombie {
            found.push(format!("{}: {cmd}", entry.file_name().to_string_lossy()));
        }
    }
    found
}

/// The external agent of the interruption test: round 1's first call sleeps (with a
/// worker in its own session) until interrupted, later calls restore the degraded
/// constant; round 2 starts a worker in its own session and hangs past its timeout.
fn sleepy_agent(fx: &Fixture, dir: &Path, marker: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let script = dir.join("agent.sh");
    let (bad, good) = (&fx.bad_line, &fx.good_line);
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n\
             if [ \"$MOBEVOLVE_ROUND\" = 2 ]; then\n\
               setsid sh -c 'sleep 1002.{marker}' </dev/null >/dev/null 2>&1 &\n\
               exec sleep 1003.{marker}\n\
             fi\n\
             if [ ! -e \"$HOME/slept\" ]; then\n\
               touch \"$HOME/slept\"\n\
               setsid sh -c 'sleep 1000.{marker}' </dev/null >/dev/null 2>&1 &\n\
               exec sleep 1001.{marker}\n\
             fi\n\
             sed -i 's/^{bad}$/{good}/' {params}\n\
             printf '{{\"target\": \"first_nonhome_hour_jsd\", \"hypothesis\": \"days lost their diversity\", \
             \"rationale\": \"restore the consensus weight\"}}' > \"$MOBEVOLVE_PROPOSAL_FILE\"\n",
            params = harness::PARAMS,
        ),
    )
    .unwrap();
    script
}

/// How one phase is caught: held by the hook, or while a process of the run is alive.
enum Catch {
    Held,
    Candidate,
    Agent,
}

#[test]
fn ctrl_c_in_every_phase_stops_within_seconds_and_resume_redoes_the_phase() {
    let _serial = harness::serial();
    let Some(fx) = harness::fixture() else { return };
    let root = fx.root.join("interrupts");
    let runs = root.join("runs");
    let marker = format!("{}424242", std::process::id());
    let script = sleepy_agent(fx, &root.join("agent"), &marker);
    let command = format!("sh {}", script.display());
    let mut first = harness::tiny_run_args(fx, &fx.bench, &runs, 1);
    first.extend(strings(&[
        "--agent",
        "command",
        "--agent-command",
        &command,
    ]));
    let resume = harness::resume_args_on(&fx.bench, &runs, 1);
    let plan = [
        (Phase::ParentRollout, Catch::Candidate, 1),
        (Phase::Attribution, Catch::Held, 1),
        (Phase::Proposal, Catch::Agent, 1),
        (Phase::Apply, Catch::Held, 1),
        (Phase::Build, Catch::Candidate, 1),
        (Phase::Verification, Catch::Candidate, 1),
        (Phase::Verification, Catch::Candidate, 2),
        (Phase::Evaluation, Catch::Held, 1),
        (Phase::Decision, Catch::Held, 1),
        (Phase::Report, Catch::Held, 1),
    ];
    let mut figures = Vec::new();
    for (i, (phase, catch, signals)) in plan.iter().enumerate() {
        let args = if i == 0 { &first } else { &resume };
        let mut env = Vec::new();
        if matches!(catch, Catch::Held) {
            env.push(("MOBEVOLVE_HOLD_AT", format!("1:{}", phase.name())));
        }
        let held = format!("holding round 1, phase {}", phase.name());
        let log = root.join(format!("logs/{i}-{}", phase.name()));
        let out = interrupt_when(args, &env, &log, *signals, |stderr| match catch {
            Catch::Held => stderr.contains(&held),
            Catch::Agent => !processes_with(&format!("1001.{marker}")).is_empty(),
            Catch::Candidate => {
                phase_state(&runs, 1, *phase) == Some(PhaseState::Running)
                    && !harness::sandbox_processes(fx).is_empty()
            }
        });
        eprintln!(
            "SIGINT ×{signals} in {}: exit {:?} after {:.2} s",
            phase.name(),
            out.status.code().or(out.status.signal()),
            out.latency.as_secs_f64()
        );
        figures.push((phase.name(), *signals, out.latency));
        assert_eq!(out.status.code(), Some(130), "{}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        assert!(out.stderr.contains("interrupt: stopping the current phase"));
        if *signals == 2 {
            assert!(
                out.stderr.contains("second interrupt: exiting now"),
                "{}",
                out.stderr
            );
        } else {
            assert_eq!(
                phase_state(&runs, 1, *phase),
                Some(PhaseState::Interrupted),
                "{}",
                out.stderr
            );
            assert!(out.stderr.contains(&format!(
                "round 1: {} interrupted; `orchestrator resume 1` redoes it",
                phase.name()
            )));
            assert_eq!(harness::run_state(&runs, 1).status, RunStatus::Stopped);
        }
        // Nothing the phase waited for survives: no candidate, no agent, no worker. A process
        // SIGKILLed by the sweep of a second Ctrl-C is gone once it is reaped (moments later).
        let settled = Instant::now();
        while !(harness::sandbox_processes(fx).is_empty()
            && harness::bwrap_processes(fx).is_empty())
            && settled.elapsed() < Duration::from_secs(5)
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            harness::sandbox_processes(fx).is_empty() && harness::bwrap_processes(fx).is_empty(),
            "{:?} {:?}",
            harness::sandbox_processes(fx),
            harness::bwrap_processes(fx)
        );
        let left = processes_with(&marker);
        assert!(left.is_empty(), "the agent's processes survived: {left:?}");

        if i == 0 {
            // `run` without --new would continue this run: a flag that differs is refused.
            let mut again = first.clone();
            again.retain(|a| a != "--new");
            again.extend(strings(&["--seed", "9"]));
            let out = harness::orchestrator(&again, &[], LIMIT, &root.join("logs/conflict"));
            assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
            assert!(
                out.stderr.contains("`run` would continue interrupted run 1, but this flag differs from its settings: --seed 9 (the run has 7)"),
                "{}",
                out.stderr
            );
            assert_eq!(
                phase_state(&runs, 1, Phase::ParentRollout),
                Some(PhaseState::Interrupted)
            );
        }
    }

    // The last resume changes the target and the agent's timeout; round 2's agent hangs
    // with a worker in its own session (case 09).
    let mut last = resume.clone();
    last.extend(strings(&["--rounds", "2", "--agent-timeout", "5"]));
    let out = harness::orchestrator(&last, &[], LIMIT, &root.join("logs/last"));
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    assert!(out
        .stderr
        .contains("run 1: rounds changed from 1 to 2 (from round 1 on)"));
    let left = processes_with(&marker);
    assert!(
        left.is_empty(),
        "the agent's worker outlived its timeout: {left:?}"
    );
    let state = harness::run_state(&runs, 1);
    assert_eq!(state.status, RunStatus::Finished);
    let r1 = state.round(1);
    for entry in &r1.phases {
        assert_eq!(entry.state, PhaseState::Done, "{}", entry.phase.name());
        let expected = if entry.phase == Phase::Verification {
            3
        } else {
            2
        };
        assert_eq!(entry.attempts, expected, "{}", entry.phase.name());
    }
    assert_eq!(
        harness::artifacts(r1, Phase::Decision)["outcome"],
        "accepted"
    );
    let r2 = state.round(2);
    let error = harness::artifacts(r2, Phase::Proposal)["failure"]["message"].to_string();
    assert!(error.contains("did not finish within 5s"), "{error}");
    assert_eq!(
        harness::artifacts(r2, Phase::Decision)["outcome"],
        "agent_failed"
    );

    let db = runs.join("mobevolve.sqlite");
    let (summary, changes) = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let memory = Memory::open(&db).await.unwrap();
        (
            memory.run_summary(1).await.unwrap(),
            memory.settings_changes(1).await.unwrap(),
        )
    });
    assert_eq!(summary.config.budgets.max_rounds, Some(2));
    let shown: Vec<String> = changes
        .iter()
        .map(|c| {
            format!(
                "{} {} → {} from {}",
                c.change.setting, c.change.old_value, c.change.new_value, c.from_round
            )
        })
        .collect();
    assert_eq!(
        shown,
        ["rounds 1 → 2 from 1", "agent_timeout_secs 3600 → 5 from 1"]
    );
    harness::assert_no_worktrees(&runs.join("run-1"));
    eprintln!("time from SIGINT to exit, by phase:");
    for (phase, signals, latency) in figures {
        eprintln!(
            "  {phase:<15} {} {:.2} s",
            if signals == 2 { "(twice)" } else { "       " },
            latency.as_secs_f64()
        );
    }
}

#[test]
fn a_spent_budget_is_raised_on_resume_with_a_new_model_and_endpoint() {
    let _serial = harness::serial();
    let Some(fx) = harness::fixture() else { return };
    let runs = fx.root.join("runs-budget");
    let first = ScriptedServer::start_in_background(scripts::out_of_scope_rounds(1));
    let mut args = harness::run_args(fx, &runs, &first.url, "diff", 2);
    // Each reply reports 10 completion tokens: $10 at this price, past the $5 cap.
    args.extend(strings(&[
        "--max-repairs",
        "0",
        "--price-out",
        "1000000",
        "--budget-usd",
        "5",
    ]));
    let out = harness::orchestrator(&args, &[], LIMIT, &fx.root.join("logs/budget-1"));
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    assert!(
        out.stderr.contains("the LLM budget is spent"),
        "{}",
        out.stderr
    );
    let state = harness::run_state(&runs, 1);
    assert_eq!(state.status, RunStatus::Stopped);
    assert_eq!(state.totals.finished_rounds, 1);
    assert_eq!(first.requests().len(), 1);

    // More budget, another model, another endpoint.
    let second = ScriptedServer::start_in_background(scripts::out_of_scope_rounds(1));
    let mut resume = harness::resume_args(fx, &runs, 1);
    resume.extend(strings(&[
        "--budget-usd",
        "25",
        "--model",
        "scripted-2",
        "--base-url",
        &second.url,
    ]));
    let out = harness::orchestrator(&resume, &[], LIMIT, &fx.root.join("logs/budget-2"));
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    assert!(out
        .stderr
        .contains("run 1: budget_usd changed from 5 to 25"));
    let state = harness::run_state(&runs, 1);
    assert_eq!(state.status, RunStatus::Finished);
    assert_eq!(state.totals.finished_rounds, 2);
    assert!(
        (state.totals.cost_usd - 20.0).abs() < 1e-6,
        "{}",
        state.totals.cost_usd
    );
    assert_eq!(
        first.requests().len(),
        1,
        "the old endpoint was called again"
    );
    let requests = second.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["model"], "scripted-2");
    let status = Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .args(["status", "--json", "--runs"])
        .arg(&runs)
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(rows[0]["rounds_target"], 2);
    assert!(rows[0]["model"]
        .as_str()
        .unwrap()
        .starts_with("scripted-2 @ http://127.0.0.1:"));
}

/// Runs the binary with stdout a pipe whose reader is already gone.
fn into_closed_pipe(args: &[&str]) -> std::process::Output {
    let mut fds = [0; 2];
    // SAFETY: a valid two-element array.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just created and are owned here.
    let (read, write) = unsafe {
        use std::os::fd::FromRawFd;
        (
            std::os::fd::OwnedFd::from_raw_fd(fds[0]),
            std::os::fd::OwnedFd::from_raw_fd(fds[1]),
        )
    };
    drop(read);
    Command::new(env!("CARGO_BIN_EXE_orchestrator"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(write))
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

fn assert_quiet_end(out: &std::process::Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() || out.status.signal() == Some(libc::SIGPIPE),
        "{what}: {} {stderr}",
        out.status
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{what}: {stderr}"
    );
}

#[test]
fn a_finished_run_serves_generate_and_export_then_gc_and_rm_clean_up() {
    let _serial = harness::serial();
    let Some(fx) = harness::fixture() else { return };
    let root = fx.root.join("served");
    let runs = root.join("runs");
    let args = harness::tiny_run_args(fx, &fx.bench, &runs, 1);
    let out = harness::orchestrator(&args, &[], LIMIT, &root.join("logs/run"));
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr);
    let runs_s = runs.display().to_string();
    let bench_s = fx.bench.display().to_string();
    let bin = env!("CARGO_BIN_EXE_orchestrator");

    // generate --run --persons, without --benchmark, in the namespace sandbox and in the
    // default mode: the same diaries.
    let val = std::fs::read_to_string(fx.bench.join("atus-2014/val/persons.csv")).unwrap();
    let persons = root.join("people.csv");
    std::fs::write(
        &persons,
        val.lines().take(41).collect::<Vec<_>>().join("\n") + "\n",
    )
    .unwrap();
    let mut outputs = Vec::new();
    for mode in ["namespaces", "auto"] {
        let target = root.join(format!("diaries-{mode}.csv"));
        let out = Command::new(bin)
            .args(["generate", "--run", "1", "--persons"])
            .arg(&persons)
            .arg("--out")
            .arg(&target)
            .args(["--runs", &runs_s, "--bench", &bench_s])
            .env("MOBEVOLVE_ISOLATION", mode)
            .env("RUST_LOG", "info")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "generate in {mode}: {stderr}");
        // Logs on a file: no colour codes, RFC 3339 UTC times; the mode asked for is used.
        assert!(!stderr.contains('\u{1b}'), "{stderr}");
        let ready = stderr
            .lines()
            .find(|l| l.contains("sandbox ready"))
            .unwrap_or_else(|| panic!("no isolation logged: {stderr}"));
        assert!(
            ready
                .split_whitespace()
                .next()
                .is_some_and(|t| t.ends_with('Z') && t.contains('T')),
            "{ready}"
        );
        if mode == "namespaces" {
            assert!(ready.contains("isolation=Linux namespaces"), "{ready}");
        }
        let diaries = std::fs::read_to_string(&target).unwrap();
        assert_eq!(diaries.lines().count(), 41, "{mode}");
        outputs.push(diaries);
    }
    assert_eq!(outputs[0], outputs[1]);

    // export: a standalone workspace that builds with its own Cargo.lock.
    let export = root.join("export");
    let out = Command::new(bin)
        .args(["export", "1"])
        .arg(&export)
        .args(["--runs", &runs_s])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(export.join("Cargo.lock").is_file());
    let build = Command::new("cargo")
        .args(["build", "--offline", "--locked", "--bin", "rollout"])
        .current_dir(&export)
        .env("CARGO_TARGET_DIR", export.join("target"))
        .output()
        .expect("cargo must be on PATH to build the exported crate");
    assert!(
        build.status.success(),
        "the export does not build with --locked:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );

    // Output into a closed pipe ends quietly; the test-split read is logged in ISO 8601.
    let log = fx.bench.join("atus-2014/test-reads.log");
    let before = std::fs::read_to_string(&log).unwrap_or_default();
    for args in [
        vec![
            "evaluate", "--run", "1", "--split", "test", "--json", "--runs", &runs_s, "--bench",
            &bench_s,
        ],
        vec!["diff", "1", "1", "--runs", &runs_s],
        vec!["status", "--json", "--runs", &runs_s],
        vec!["show", "1", "1", "--runs", &runs_s],
    ] {
        assert_quiet_end(&into_closed_pipe(&args), &args.join(" "));
    }
    let logged = std::fs::read_to_string(&log).unwrap();
    let line = logged[before.len()..]
        .lines()
        .next()
        .expect("no test-read logged");
    let when = line.split('\t').next().unwrap();
    assert!(
        when.len() == 20 && when.as_bytes()[10] == b'T' && when.ends_with('Z'),
        "{line}"
    );
    assert!(line.contains(&format!("run 1 of {runs_s}")), "{line}");

    // gc frees the build folders and keeps every record.
    let run_dir = runs.join("run-1");
    assert!(run_dir.join("target").is_dir());
    let out = Command::new(bin)
        .args(["gc", "--runs", &runs_s])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    eprintln!("{text}");
    let freed: f64 = text
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("freed "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no total in {text}"));
    assert!(freed > 10.0, "{text}");
    assert!(!run_dir.join("target").exists() && run_dir.join("repo").is_dir());
    for args in [
        vec!["show", "1", "1", "--runs", &runs_s],
        vec!["report", "1", "--runs", &runs_s, "--bench", &bench_s],
    ] {
        let out = Command::new(bin).args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let state = harness::run_state(&runs, 1);
    assert_eq!(
        (state.status, state.totals.finished_rounds),
        (RunStatus::Finished, 1)
    );

    // rm asks first (no terminal: refused), then deletes with --yes.
    let out = Command::new(bin)
        .args(["rm", "1", "--runs", &runs_s])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --yes"));
    assert!(run_dir.is_dir());
    let out = Command::new(bin)
        .args(["rm", "1", "--yes", "--runs", &runs_s])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!run_dir.exists());
    assert!(harness::try_run_state(&runs, 1).is_none());
}

/// A uid for the rootless test (no passwd entry needed).
const PLAIN_UID: u32 = 60_998;

/// The rootless test's seccomp filter: `unshare` and `clone` with CLONE_NEWUSER fail with
/// EPERM, `clone3` with ENOSYS — a machine that refuses unprivileged user namespaces.
fn user_namespace_denial() -> Vec<libc::sock_filter> {
    const LD: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
    const JEQ: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
    const JSET: u16 = (libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K) as u16;
    const RET: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
    let op = |code, k, jt, jf| libc::sock_filter { code, jt, jf, k };
    vec![
        op(LD, 0, 0, 0),
        op(JEQ, libc::SYS_clone3 as u32, 0, 1),
        op(RET, 0x0005_0000 | libc::ENOSYS as u32, 0, 0),
        op(JEQ, libc::SYS_unshare as u32, 1, 0),
        op(JEQ, libc::SYS_clone as u32, 0, 3),
        op(LD, 16, 0, 0),
        op(JSET, libc::CLONE_NEWUSER as u32, 0, 1),
        op(RET, 0x0005_0000 | libc::EPERM as u32, 0, 0),
        op(RET, 0x7fff_0000, 0, 0),
    ]
}

#[test]
fn without_root_or_user_namespaces_a_run_refuses_before_creating_anything() {
    let _serial = harness::serial();
    let Some(fx) = harness::fixture() else { return };
    let runs = fx.root.join("runs-plain");
    std::fs::create_dir_all(&runs).unwrap();
    std::os::unix::fs::chown(&runs, Some(PLAIN_UID), Some(PLAIN_UID)).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_orchestrator"));
    let filter = user_namespace_denial();
    let mut cmd = Command::new(bin);
    cmd.args(harness::tiny_run_args(fx, &fx.bench, &runs, 1))
        .env_remove("HOME")
        .current_dir("/")
        .stdin(Stdio::null());
    // SAFETY: only async-signal-safe system calls on data prepared before the fork.
    unsafe {
        cmd.pre_exec(move || {
            let check = |r: libc::c_int| {
                if r != 0 {
                    Err(std::io::Error::last_os_error())
                } else {
                    Ok(())
                }
            };
            check(libc::setgroups(0, std::ptr::null()))?;
            check(libc::setresgid(PLAIN_UID, PLAIN_UID, PLAIN_UID))?;
            check(libc::setresuid(PLAIN_UID, PLAIN_UID, PLAIN_UID))?;
            check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))?;
            let prog = libc::sock_fprog {
                len: filter.len() as u16,
                filter: filter.as_ptr() as *mut libc::sock_filter,
            };
            check(libc::prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_FILTER as libc::c_ulong,
                &prog as *const libc::sock_fprog as libc::c_ulong,
                0,
                0,
            ))
        });
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot start a run")
            && stderr.contains("no isolation for candidate code works on this machine")
            && stderr.contains("unprivileged user namespaces"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(&runs).unwrap().flatten().collect();
    assert!(left.is_empty(), "the refused run left {left:?}");
}
