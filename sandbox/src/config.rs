//! Limits and settings of the sandbox: change-size limits, per-phase resource limits, and
//! which isolation to use. Every field has a documented default.

use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

/// Limits on the size of a proposed change (checked before anything is applied or built).
#[derive(Debug, Clone, Serialize)]
pub struct ChangeLimits {
    /// Largest unified diff accepted, in bytes (default 200 KB).
    pub max_diff_bytes: usize,
    /// Most files a change may touch (default 64).
    pub max_files: usize,
    /// Largest size of any changed file after the change, in bytes (default 256 KB).
    pub max_file_bytes: usize,
}

impl Default for ChangeLimits {
    fn default() -> Self {
        ChangeLimits {
            max_diff_bytes: 200 * 1024,
            max_files: 64,
            max_file_bytes: 256 * 1024,
        }
    }
}

/// Resource limits of one sandboxed phase (build, test or rollout).
#[derive(Debug, Clone, Serialize)]
pub struct PhaseLimits {
    /// Wall time; the whole process tree is SIGKILLed when it is exceeded.
    pub wall_time: Duration,
    /// Address-space limit (RLIMIT_AS) of every process, in bytes.
    pub memory_bytes: u64,
    /// Most tasks (processes + threads) the sandbox user may have (RLIMIT_NPROC).
    pub max_processes: u64,
    /// Largest file any process may write (RLIMIT_FSIZE), in bytes.
    pub max_file_bytes: u64,
}

/// All the limits of a candidate's evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Limits {
    /// `cargo build --release` of the rollout binary (default 300 s, 8 GiB, 1024 tasks).
    pub build: PhaseLimits,
    /// `cargo test --release -p heuristics` (default 300 s, 8 GiB, 1024 tasks).
    pub test: PhaseLimits,
    /// One rollout (default 60 s, 2 GiB, 256 tasks, 256 MiB per file).
    pub rollout: PhaseLimits,
    /// Bytes of stdout + stderr captured per process; the process is killed past this (16 MiB).
    pub output_bytes: u64,
    /// Compiler / test output fed back to the agent is trimmed to this many bytes (4 KB).
    pub feedback_bytes: usize,
    /// Rollout latency budget per person, in microseconds (default 5 000).
    pub us_per_person_budget: u64,
    /// Fixed allowance per rollout (process start, reading the benchmark) not counted against
    /// the per-person budget, in microseconds (default 300 000).
    pub rollout_startup_allowance_us: u64,
}

impl Default for Limits {
    fn default() -> Self {
        const GIB: u64 = 1 << 30;
        let cargo = |secs| PhaseLimits {
            wall_time: Duration::from_secs(secs),
            memory_bytes: 8 * GIB,
            max_processes: 1024,
            max_file_bytes: 2 * GIB,
        };
        Limits {
            build: cargo(300),
            test: cargo(300),
            rollout: PhaseLimits {
                wall_time: Duration::from_secs(60),
                memory_bytes: 2 * GIB,
                max_processes: 256,
                max_file_bytes: 256 << 20,
            },
            output_bytes: 16 << 20,
            feedback_bytes: 4096,
            us_per_person_budget: 5_000,
            rollout_startup_allowance_us: 300_000,
        }
    }
}

/// Which isolation to use. As root or not, each mode is tried for real before it is
/// chosen (see [`crate::jail`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum IsolationChoice {
    /// bubblewrap when `bwrap` is found and works, Linux namespaces otherwise.
    Auto,
    /// bubblewrap or fail.
    Bubblewrap,
    /// Linux namespaces (unshare + pid-1 + chroot) and rlimits, without bubblewrap.
    Namespaces,
}

/// The environment variable that forces an isolation mode: `auto` (the default),
/// `bubblewrap` or `namespaces`.
pub const ISOLATION_ENV: &str = "MOBEVOLVE_ISOLATION";

impl IsolationChoice {
    /// The mode `MOBEVOLVE_ISOLATION` asks for (`Auto` when unset or empty).
    pub fn from_env() -> Result<IsolationChoice, crate::SandboxError> {
        match std::env::var(ISOLATION_ENV).unwrap_or_default().trim() {
            "" | "auto" => Ok(IsolationChoice::Auto),
            "bubblewrap" | "bwrap" => Ok(IsolationChoice::Bubblewrap),
            "namespaces" => Ok(IsolationChoice::Namespaces),
            other => Err(crate::SandboxError::Setup(format!(
                "{ISOLATION_ENV}={other} is not one of auto, bubblewrap, namespaces"
            ))),
        }
    }
}

/// Everything the sandbox needs to know.
#[derive(Debug, Clone, Serialize)]
pub struct SandboxConfig {
    pub change: ChangeLimits,
    pub limits: Limits,
    pub isolation: IsolationChoice,
    /// Unprivileged uid (and gid) every candidate process runs as when the sandbox runs as
    /// root (rootless, candidates keep the caller's uid in a user namespace). RLIMIT_NPROC
    /// is only enforced for non-root users, and the uid is also how stray processes are
    /// swept up, so sandboxes running at the same time must use different uids. Default 61000.
    pub sandbox_uid: u32,
    /// The `cargo` binary to run (default: the active toolchain's real cargo, not the rustup
    /// proxy).
    pub cargo: Option<PathBuf>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            change: ChangeLimits::default(),
            limits: Limits::default(),
            isolation: IsolationChoice::Auto,
            sandbox_uid: 61_000,
            cargo: None,
        }
    }
}
