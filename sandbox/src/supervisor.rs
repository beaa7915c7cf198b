//! Runs one jailed process tree to completion under its limits: wall time (the whole tree is
//! SIGKILLed, without the child's cooperation), captured output (killed past the cap),
//! cancellation (killed at once), and a watch on the tree's task count; afterwards it
//! sweeps up stray processes and lists writes that landed outside the allowed folders.

use crate::cancel::CancelToken;
use crate::jail::{
    descendant_tasks, kill_all_of_uid, kill_group, kill_jail, sweep_uid, Isolation, JailSpec,
};
use crate::rejection::SandboxError;
use std::io::Read;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

/// How a supervised process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit code {c}"),
            Exit::Signal(s) => write!(f, "signal {s}"),
        }
    }
}

/// Everything observed about one supervised run.
#[derive(Debug, Clone)]
pub struct Finished {
    pub exit: Exit,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
    pub timed_out: bool,
    pub output_exceeded: bool,
    /// Highest task count of the jailed tree seen while it ran (the jail's own keeper and
    /// init, or bubblewrap's two processes, not counted).
    pub peak_tasks: u64,
    /// Sandbox paths written outside the allowed folders.
    pub foreign_writes: Vec<String>,
}

impl Finished {
    pub fn success(&self) -> bool {
        self.exit == Exit::Code(0) && !self.timed_out && !self.output_exceeded
    }
}

fn exit_of(status: ExitStatus, isolation: &Isolation) -> Exit {
    use std::os::unix::process::ExitStatusExt;
    if let Some(sig) = status.signal() {
        return Exit::Signal(sig);
    }
    let code = status.code().unwrap_or(-1);
    // bubblewrap reports a child killed by signal N as exit code 128 + N (the namespace
    // sandbox's keeper dies of the same signal instead).
    if matches!(isolation, Isolation::Bubblewrap { .. }) && (129..=128 + 64).contains(&code) {
        return Exit::Signal(code - 128);
    }
    Exit::Code(code)
}

fn reader(
    mut pipe: impl Read + Send + 'static,
    total: Arc<AtomicU64>,
    cap: u64,
    exceeded: Arc<AtomicBool>,
) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 64 * 1024];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let before = total.fetch_add(n as u64, Ordering::SeqCst);
                    if before + n as u64 > cap {
                        exceeded.store(true, Ordering::SeqCst);
                    }
                    let room = cap.saturating_sub(before) as usize;
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
        }
        let _ = tx.send(kept);
    });
    rx
}

/// Processes of a jail that are not the candidate's: the keeper and init of the namespace
/// sandbox, bubblewrap's monitor and init.
const JAIL_OWN_TASKS: u64 = 2;

/// Runs `spec` under `isolation`, capturing at most `output_cap` bytes of stdout + stderr.
/// Returns [`SandboxError::Cancelled`] (the tree killed) when `cancel` is or becomes set.
pub fn run(
    spec: &JailSpec,
    isolation: &Isolation,
    output_cap: u64,
    cancel: &CancelToken,
) -> Result<Finished, SandboxError> {
    if cancel.is_cancelled() {
        return Err(SandboxError::Cancelled);
    }
    let uid = isolation.uid();
    let by_uid = !isolation.rootless();
    // Nothing of an earlier run may linger under the sandbox uid (it would count against
    // the process limit and could interfere). Rootless, the uid is the caller's: the pid
    // namespace alone contains the tree.
    if by_uid && !sweep_uid(uid, Duration::from_secs(10)) {
        return Err(SandboxError::Setup(format!(
            "processes of sandbox uid {uid} survive SIGKILL; is another sandbox using the same uid?"
        )));
    }
    let prepared = spec.prepare_root(isolation.owner())?;
    let mut cmd = spec.command(isolation)?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(SandboxError::io(format!(
        "starting {}",
        spec.program.display()
    )))?;
    let pgid = child.id() as libc::pid_t;
    let total = Arc::new(AtomicU64::new(0));
    let exceeded = Arc::new(AtomicBool::new(false));
    let out_rx = reader(
        child.stdout.take().expect("piped"),
        total.clone(),
        output_cap,
        exceeded.clone(),
    );
    let err_rx = reader(
        child.stderr.take().expect("piped"),
        total,
        output_cap,
        exceeded.clone(),
    );
    let deadline = start + spec.limits.wall_time;
    let mut timed_out = false;
    let mut output_exceeded = false;
    let mut cancelled = false;
    let mut peak_tasks = 0;
    let mut next_sample = Instant::now();
    // When the kill was first asked for: the jail's leader is killed outright only after
    // a grace period (it may be creating its namespace; see `kill_jail`).
    let mut kill_asked: Option<Instant> = None;
    let mut kill_tree = || {
        // The child leads its own process group (setsid); when the pid namespace's init
        // dies, the kernel kills everything left in the namespace.
        let asked = *kill_asked.get_or_insert_with(Instant::now);
        kill_jail(pgid, asked.elapsed() > Duration::from_secs(2));
        if by_uid {
            kill_all_of_uid(uid);
        }
    };
    let status = loop {
        if let Some(status) = child.try_wait().map_err(SandboxError::io("waiting"))? {
            break status;
        }
        let now = Instant::now();
        if cancel.is_cancelled() {
            cancelled = true;
            kill_tree();
        } else if now >= deadline {
            timed_out = true;
            kill_tree();
        } else if exceeded.load(Ordering::SeqCst) {
            output_exceeded = true;
            kill_tree();
        }
        if now >= next_sample {
            let tasks = descendant_tasks(pgid).saturating_sub(JAIL_OWN_TASKS);
            peak_tasks = peak_tasks.max(tasks);
            next_sample = now + Duration::from_millis(100);
        }
        thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    // Sweep up anything that outlived the main process (daemonised or re-parented).
    kill_group(pgid);
    if by_uid {
        kill_all_of_uid(uid);
    }
    if by_uid {
        sweep_uid(uid, Duration::from_secs(5));
    }
    let collect =
        |rx: mpsc::Receiver<Vec<u8>>| rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
    let stdout = collect(out_rx);
    let stderr = collect(err_rx);
    output_exceeded |= exceeded.load(Ordering::SeqCst);
    let foreign_writes = spec.foreign_writes(&prepared);
    let _ = crate::fs_safety::remove_tree(&spec.capture_root);
    if cancelled {
        return Err(SandboxError::Cancelled);
    }
    Ok(Finished {
        exit: exit_of(status, isolation),
        stdout,
        stderr,
        elapsed,
        timed_out,
        output_exceeded,
        peak_tasks,
        foreign_writes,
    })
}
