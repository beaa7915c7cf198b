//! The external agent's jail: the network it needs, its own unprivileged uid, the worktree
//! and its home writable, and nothing of the run's records (database, benchmarks, other
//! folders) — whatever its `PATH` says; and every process it starts, in any session,
//! killed with it (an agent that leaves a worker in a session of its own, then times out).

use crate::jail_support::{marker, processes_with, wait_until, Scratch};
use sandbox::{AgentCommand, Sandbox, SandboxConfig};
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

struct Run {
    _scratch: Scratch,
    sandbox: Sandbox,
    run_dir: PathBuf,
    runs_root: PathBuf,
    bench_root: PathBuf,
    worktree: PathBuf,
    prompts: PathBuf,
}

fn run() -> Run {
    let scratch = Scratch::new("agent");
    let runs_root = scratch.0.join("runs");
    let run_dir = runs_root.join("run-1");
    let worktree = run_dir.join("worktrees/round-0001");
    std::fs::create_dir_all(worktree.join("heuristics/src")).unwrap();
    std::fs::write(worktree.join("heuristics/src/lib.rs"), "// generator\n").unwrap();
    std::fs::write(runs_root.join("mobevolve.sqlite"), "the run database").unwrap();
    let bench_root = scratch.0.join("bench");
    std::fs::create_dir_all(bench_root.join("atus-2014/test")).unwrap();
    std::fs::write(bench_root.join("atus-2014/test/persons.csv"), "person_id\n").unwrap();
    let prompts = scratch.0.join("prompt");
    std::fs::create_dir_all(&prompts).unwrap();
    std::fs::write(prompts.join("prompt.md"), "# Round 1\n").unwrap();
    // An agent script beside its data, and one beside the runs folder.
    std::fs::create_dir_all(scratch.0.join("tools")).unwrap();
    std::fs::write(scratch.0.join("tools/agent.sh"), "echo tool\n").unwrap();
    std::fs::write(scratch.0.join("tools/data.txt"), "tool data\n").unwrap();
    std::fs::write(scratch.0.join("top.sh"), "echo top\n").unwrap();
    let config = SandboxConfig {
        isolation: crate::jail_support::mode(),
        ..SandboxConfig::default()
    };
    Run {
        sandbox: Sandbox::new(config).unwrap(),
        _scratch: scratch,
        run_dir,
        runs_root,
        bench_root,
        worktree,
        prompts,
    }
}

impl Run {
    fn root(&self) -> PathBuf {
        self._scratch.0.clone()
    }
}

fn agent(r: &Run, script: &str) -> std::process::Command {
    let jail = r
        .sandbox
        .agent_jail(&r.run_dir, vec![r.runs_root.clone(), r.bench_root.clone()])
        .unwrap();
    let mut cmd = jail
        .command(&AgentCommand {
            program: PathBuf::from("/bin/bash"),
            args: vec!["-c".into(), script.into()],
            env: vec![
                ("AGENT_TOKEN".into(), "passed".into()),
                (
                    "RUNS".into(),
                    r.runs_root.join("mobevolve.sqlite").display().to_string(),
                ),
                (
                    "TEST_SPLIT".into(),
                    r.bench_root
                        .join("atus-2014/test/persons.csv")
                        .display()
                        .to_string(),
                ),
                (
                    "PROMPT".into(),
                    r.prompts.join("prompt.md").display().to_string(),
                ),
                ("SCRATCH".into(), r.root().display().to_string()),
            ],
            worktree: r.worktree.clone(),
            readable: vec![
                r.prompts.clone(),
                r.root().join("tools/agent.sh"),
                r.root().join("top.sh"),
            ],
        })
        .unwrap();
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd
}

#[test]
fn an_agent_has_the_network_and_its_worktree_but_not_the_runs_records() {
    let r = run();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let script = format!(
        "id -u\n\
         echo token=$AGENT_TOKEN\n\
         test -e \"$RUNS\" && echo database:visible || echo database:hidden\n\
         test -e \"$TEST_SPLIT\" && echo test-split:visible || echo test-split:hidden\n\
         ls \"$(dirname \"$RUNS\")\" 2>/dev/null | grep -c sqlite\n\
         cat \"$PROMPT\"\n\
         cat \"$SCRATCH/tools/data.txt\"\n\
         sh \"$SCRATCH/top.sh\"\n\
         echo '// edited' >> heuristics/src/lib.rs && echo worktree:writable\n\
         touch \"$HOME/.note\" && echo home:writable\n\
         touch /etc/agent 2>/dev/null && echo etc:writable || echo etc:read-only\n\
         (exec 3<>/dev/tcp/127.0.0.1/{port} && echo network:connected) || echo network:refused\n"
    );
    let out = agent(&r, &script).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<&str> = stdout.lines().collect();
    let expected_uid = if r.sandbox.isolation().rootless() {
        r.sandbox.isolation().uid()
    } else {
        sandbox::agent_jail::agent_uid(r.sandbox.isolation().uid())
    };
    assert_eq!(lines[0], expected_uid.to_string());
    assert_ne!(lines[0], "0");
    assert_eq!(
        &lines[1..],
        [
            "token=passed",
            "database:hidden",
            "test-split:hidden",
            "0",
            "# Round 1",
            "tool data",
            "top",
            "worktree:writable",
            "home:writable",
            "etc:read-only",
            "network:connected",
        ]
    );
    assert!(
        listener.accept().is_ok(),
        "the agent did not reach 127.0.0.1"
    );
    assert!(
        std::fs::read_to_string(r.worktree.join("heuristics/src/lib.rs"))
            .unwrap()
            .ends_with("// edited\n")
    );
}

#[test]
fn a_killed_agent_takes_its_own_session_workers_with_it() {
    let r = run();
    let mark = marker();
    // Case 09: the agent starts a worker in a session of its own (as Python's
    // `start_new_session=True` or `setsid` do) and one in its group, then waits.
    let script = format!(
        "setsid sh -c 'sleep 1000.{mark}' </dev/null >/dev/null 2>&1 &\n\
         sh -c 'sleep 1001.{mark}' &\n\
         echo started\n\
         exec sleep 1002.{mark}"
    );
    let mut child = agent(&r, &script).spawn().unwrap();
    let mut first = [0u8; 8];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    assert_eq!(&first, b"started\n");
    assert!(wait_until(Duration::from_secs(20), || processes_with(
        &mark
    )
    .len()
        >= 3));
    // What the command agent does at its timeout, on Ctrl-C, or when dropped.
    sandbox::jail::kill_group(child.id() as libc::pid_t);
    child.wait().unwrap();
    let gone = wait_until(Duration::from_secs(10), || processes_with(&mark).is_empty());
    assert!(gone, "survivors: {:?}", processes_with(&mark));
}
