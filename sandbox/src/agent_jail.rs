//! An external coding agent's jail: the candidates' isolation (same modes, pid namespace,
//! minimal read-only view) with the network the agent needs, its own unprivileged uid (as
//! root; rootless, the caller's), the candidate worktree and a persistent home writable,
//! and nothing of the run's records: no database, no benchmark, no other run, no test split.
//!
//! The agent sees, read-only: the system folders, `/opt`, the folders of the orchestrator's
//! `PATH` (so installed agent CLIs work; the toolchain's `bin` comes first), the toolchain
//! and the cargo registry (so it can build and test its change offline), and the folders
//! the caller adds (the prompt files). It writes only the worktree, its home (kept across
//! rounds in the run folder: `HOME`, its `.cargo` and build folder) and a private `/tmp`.

use crate::config::PhaseLimits;
use crate::jail::{Isolation, JailSpec};
use crate::rejection::SandboxError;
use crate::Sandbox;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What to run in the agent jail.
#[derive(Debug, Clone)]
pub struct AgentCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// The environment (nothing of the orchestrator's is passed unless listed here).
    pub env: Vec<(String, String)>,
    /// The candidate worktree: the current folder, writable.
    pub worktree: PathBuf,
    /// Extra folders or files the agent may read (a file brings its folder when that
    /// folder hides nothing of the run's records).
    pub readable: Vec<PathBuf>,
}

/// The jail of a run's external agent.
#[derive(Debug, Clone)]
pub struct AgentJail {
    isolation: Isolation,
    toolchain: PathBuf,
    registry: PathBuf,
    home: PathBuf,
    capture_root: PathBuf,
    hidden: Vec<PathBuf>,
}

/// The agent's uid as root: its own, distinct from every candidate uid (61000–64999).
pub fn agent_uid(candidate_uid: u32) -> u32 {
    candidate_uid + 10_000
}

impl Sandbox {
    /// The agent jail of the run in `run_dir`. Nothing under `hidden` (the runs folder, the
    /// prepared benchmarks, the raw data) is ever bound into it, whatever `PATH` says.
    pub fn agent_jail(
        &self,
        run_dir: &Path,
        hidden: Vec<PathBuf>,
    ) -> Result<AgentJail, SandboxError> {
        let isolation = self.isolation().with_uid(agent_uid(self.isolation().uid()));
        let home = run_dir.join("agent-home");
        // The registry's mount point must exist in the (bound) home itself.
        std::fs::create_dir_all(home.join(".cargo").join("registry"))
            .map_err(SandboxError::io(format!("creating {}", home.display())))?;
        Ok(AgentJail {
            isolation,
            toolchain: self.toolchain().to_path_buf(),
            registry: self.cargo_registry().to_path_buf(),
            home,
            capture_root: run_dir.join("sandbox-root").join("agent"),
            hidden,
        })
    }
}

impl AgentJail {
    /// The uid the agent runs as.
    pub fn uid(&self) -> u32 {
        self.isolation.uid()
    }

    /// Kills every process of the agent's own uid (as root; rootless there is no uid of
    /// the agent's own, and its pid namespace alone holds its processes).
    pub fn sweep(&self) {
        if let Some(uid) = self.isolation.owner() {
            crate::jail::kill_all_of_uid(uid);
        }
    }

    /// The agent's home folder (persistent across rounds).
    pub fn home(&self) -> &Path {
        &self.home
    }

    fn is_hidden(&self, path: &Path) -> bool {
        self.hidden
            .iter()
            .any(|h| path.starts_with(h) || h.starts_with(path))
    }

    /// The command that runs `agent` in the jail. Its pid leads a process group; killing
    /// the group (or the orchestrator dying) kills every process the agent started.
    pub fn command(&self, agent: &AgentCommand) -> Result<std::process::Command, SandboxError> {
        if let Some(uid) = self.isolation.owner() {
            crate::fs_safety::chown_tree(&agent.worktree, uid)?;
            // The home is kept across rounds: only a new one needs its owner set.
            let meta = std::fs::symlink_metadata(&self.home).map_err(SandboxError::io("stat"))?;
            if std::os::unix::fs::MetadataExt::uid(&meta) != uid {
                crate::fs_safety::chown_tree(&self.home, uid)?;
            }
        }
        let mut read_only: Vec<PathBuf> = vec![self.toolchain.clone()];
        for extra in ["/opt"] {
            if Path::new(extra).is_dir() {
                read_only.push(PathBuf::from(extra));
            }
        }
        // DNS: /etc/resolv.conf may point into /run (systemd-resolved).
        if let Ok(target) = std::fs::canonicalize("/etc/resolv.conf") {
            if let Some(dir) = target.parent().filter(|d| !d.starts_with("/etc")) {
                read_only.push(dir.to_path_buf());
            }
        }
        let path_var = std::env::var_os("PATH").unwrap_or_default();
        // The system folders (and their merged-usr links) are in every view already.
        let system = ["/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/lib32"];
        for dir in std::env::split_paths(&path_var) {
            if dir.is_absolute() && dir.is_dir() && !system.iter().any(|s| dir.starts_with(s)) {
                read_only.push(dir);
            }
        }
        // A readable file brings its folder (a script's siblings), unless that folder holds
        // something hidden or is a top-level one (`/tmp`): then the file alone.
        for path in &agent.readable {
            let folder = path
                .parent()
                .filter(|_| path.is_file())
                .filter(|f| f.components().count() > 2 && !self.is_hidden(f));
            read_only.push(
                folder
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| path.clone()),
            );
        }
        read_only.retain(|p| !self.is_hidden(p) && p != Path::new("/"));
        read_only.sort();
        read_only.dedup();
        // Nested folders are bound once, through their parent.
        let mut kept: Vec<PathBuf> = Vec::new();
        for p in read_only {
            if !kept.iter().any(|k| p.starts_with(k)) {
                kept.push(p);
            }
        }
        let cargo_home = self.home.join(".cargo");
        let mut read_only_at = Vec::new();
        if self.registry.is_dir() {
            read_only_at.push((self.registry.clone(), cargo_home.join("registry")));
        }
        let mut env: Vec<(String, String)> = agent
            .env
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "HOME" | "TMPDIR" | "PATH"))
            .cloned()
            .collect();
        env.extend([
            ("HOME".to_string(), self.home.display().to_string()),
            ("TMPDIR".into(), "/tmp".into()),
            (
                "PATH".into(),
                format!(
                    "{}/bin:{}",
                    self.toolchain.display(),
                    std::env::join_paths(
                        std::env::split_paths(&path_var).filter(|d| !self.is_hidden(d))
                    )
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default()
                ),
            ),
            ("CARGO_HOME".into(), cargo_home.display().to_string()),
            (
                "CARGO_TARGET_DIR".into(),
                self.home.join("target").display().to_string(),
            ),
        ]);
        let spec = JailSpec {
            read_only: kept,
            read_only_at,
            read_write: vec![agent.worktree.clone(), self.home.clone()],
            capture_root: self.capture_root.clone(),
            cwd: agent.worktree.clone(),
            env,
            program: agent.program.clone(),
            args: agent.args.clone(),
            limits: PhaseLimits {
                // The agent's own timeout applies; these only stop a runaway.
                wall_time: Duration::MAX,
                memory_bytes: u64::MAX,
                max_processes: 4096,
                max_file_bytes: u64::MAX,
            },
            network: true,
        };
        spec.prepare_root(self.isolation.owner())?;
        spec.command(&self.isolation)
    }
}
