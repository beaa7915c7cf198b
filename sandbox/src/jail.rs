//! Isolation of one untrusted process tree: a minimal file-system view, no network (unless
//! asked for, for agents), an unprivileged uid, rlimits, a seccomp network tripwire, a
//! session and a pid namespace of its own.
//!
//! Two implementations with the same view, each in two privilege modes:
//! * **bubblewrap** (preferred): `bwrap` unshares the net, pid, ipc, uts and cgroup
//!   namespaces and builds the view. As root (privileged mode) `setpriv` then drops to the
//!   sandbox uid; rootless, bubblewrap creates a user namespace and `prlimit` sets the
//!   process limit inside it.
//! * **namespaces** (fallback): the child unshares the namespaces itself (a user namespace
//!   too when rootless) between fork and exec, and a pid-1 of its own builds the view,
//!   chroots and drops to the uid (see [`namespaces`]).
//!
//! As root, candidates run as a dedicated unprivileged uid; rootless, as the caller's own
//! uid mapped into a user namespace, without capabilities. In every mode, the whole tree
//! lives in a pid namespace whose init dies with its parent, so nothing the candidate
//! starts — in its own session or not — outlives a kill, a timeout or the orchestrator.
//!
//! The view's root is a *capture folder* on the host owned by the sandbox uid: the only
//! writable places are the bound worktree/scratch/target folders and the capture folder
//! itself, so any write "outside" lands in the capture folder, where the supervisor finds it
//! after the run (and it never reaches the host). Everything else (`/usr`, `/etc`, the
//! toolchain, the registry, the benchmark) is bound read-only at its own path; nothing else of
//! the host (other runs, the data, the test split) is visible.

mod detect;
mod namespaces;
mod processes;

use crate::config::PhaseLimits;
use crate::rejection::SandboxError;
use serde::Serialize;
use std::collections::BTreeSet;
use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub use detect::choose as detect;
pub use processes::{
    children_of, descendant_tasks, kill_all_of_uid, kill_group, kill_jail, sweep_uid, tasks_of_uid,
};

/// Which isolation is in force (recorded with every candidate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Isolation {
    Bubblewrap {
        bwrap: PathBuf,
        version: String,
        uid: u32,
        gid: u32,
        /// Not root: bubblewrap builds a user namespace, candidates keep the caller's uid.
        rootless: bool,
    },
    Namespaces {
        uid: u32,
        gid: u32,
        /// Not root: a user namespace maps the caller's uid and gid to themselves.
        rootless: bool,
    },
}

impl Isolation {
    /// The uid candidate processes run as.
    pub fn uid(&self) -> u32 {
        match self {
            Isolation::Bubblewrap { uid, .. } | Isolation::Namespaces { uid, .. } => *uid,
        }
    }

    pub fn gid(&self) -> u32 {
        match self {
            Isolation::Bubblewrap { gid, .. } | Isolation::Namespaces { gid, .. } => *gid,
        }
    }

    /// Whether this process is not root (candidates keep its uid, in a user namespace).
    pub fn rootless(&self) -> bool {
        match self {
            Isolation::Bubblewrap { rootless, .. } | Isolation::Namespaces { rootless, .. } => {
                *rootless
            }
        }
    }

    /// The owner files given to candidates must have: the sandbox uid as root, nobody to
    /// change rootless (they are the caller's already).
    pub fn owner(&self) -> Option<u32> {
        (!self.rootless()).then(|| self.uid())
    }

    /// The same isolation for another uid (as root; rootless, the uid is the caller's).
    pub fn with_uid(&self, new_uid: u32) -> Isolation {
        let mut copy = self.clone();
        if !self.rootless() {
            match &mut copy {
                Isolation::Bubblewrap { uid, gid, .. } | Isolation::Namespaces { uid, gid, .. } => {
                    *uid = new_uid;
                    *gid = new_uid;
                }
            }
        }
        copy
    }

    /// A one-line description for logs and run records.
    pub fn describe(&self) -> String {
        let common = "pid namespace that dies with the orchestrator, minimal read-only view, \
                      rlimits (AS, NPROC, FSIZE), own session, no network (net namespace + socket tripwire)";
        let who = if self.rootless() {
            format!(
                "rootless (user namespace), candidates keep uid {} without capabilities",
                self.uid()
            )
        } else {
            format!("as root, candidates run as uid {}", self.uid())
        };
        match self {
            Isolation::Bubblewrap { version, .. } => {
                format!("bubblewrap {version} (net/pid/ipc/uts namespaces), {who}, {common}")
            }
            Isolation::Namespaces { .. } => {
                format!("Linux namespaces (mount/pid/net/ipc/uts, chroot), {who}, {common}")
            }
        }
    }
}

/// What one jailed process sees and runs.
#[derive(Debug, Clone)]
pub struct JailSpec {
    /// Host folders (or files) bound read-only at the same path.
    pub read_only: Vec<PathBuf>,
    /// Host folders (or files) bound read-only at another path: (host, inside).
    pub read_only_at: Vec<(PathBuf, PathBuf)>,
    /// Host folders bound read-write at the same path (must be owned by the sandbox uid).
    pub read_write: Vec<PathBuf>,
    /// The host folder that becomes `/` (created fresh, owned by the sandbox uid).
    pub capture_root: PathBuf,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub limits: PhaseLimits,
    /// Keep the host's network (external agents); candidates never get it.
    pub network: bool,
}

/// The capture folder after preparation: what we created, so anything else is a candidate's.
pub struct PreparedRoot {
    pub created: BTreeSet<PathBuf>,
}

fn system_read_only() -> Vec<PathBuf> {
    ["/usr", "/etc"].iter().map(PathBuf::from).collect()
}

/// `/bin`, `/lib`… that are symlinks into `/usr` on merged-usr systems, else folders to bind.
fn system_links() -> (Vec<(PathBuf, PathBuf)>, Vec<PathBuf>) {
    let mut links = Vec::new();
    let mut dirs = Vec::new();
    for p in ["/bin", "/sbin", "/lib", "/lib64", "/lib32"] {
        let path = PathBuf::from(p);
        match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                if let Ok(target) = fs::read_link(&path) {
                    links.push((path, target));
                }
            }
            Ok(m) if m.is_dir() => dirs.push(path),
            _ => {}
        }
    }
    (links, dirs)
}

/// One bind: host path, path inside, writable.
type BindSpec = (PathBuf, PathBuf, bool);

impl JailSpec {
    fn all_read_only(&self) -> Vec<PathBuf> {
        let mut ro = system_read_only();
        ro.extend(system_links().1);
        ro.extend(self.read_only.iter().cloned());
        ro
    }

    /// Every bind as (host path, inside path, writable), parents before nested folders.
    fn binds(&self) -> Vec<BindSpec> {
        let mut all: Vec<BindSpec> = self
            .all_read_only()
            .into_iter()
            .map(|p| (p.clone(), p, false))
            .chain(
                self.read_only_at
                    .iter()
                    .map(|(h, i)| (h.clone(), i.clone(), false)),
            )
            .chain(self.read_write.iter().map(|p| (p.clone(), p.clone(), true)))
            .collect();
        all.sort_by_key(|(_, p, _)| p.components().count());
        all
    }

    fn mount_points(&self) -> Vec<PathBuf> {
        self.binds()
            .into_iter()
            .map(|(_, inside, _)| inside)
            .collect()
    }

    /// Creates the capture root with every mount point (a folder, or an empty file for a
    /// bound file), owned by `owner` (none: the caller, rootless).
    pub fn prepare_root(&self, owner: Option<u32>) -> Result<PreparedRoot, SandboxError> {
        let root = &self.capture_root;
        if root.exists() {
            crate::fs_safety::remove_tree(root)?;
        }
        let own = |path: &Path| -> Result<(), SandboxError> {
            if let Some(uid) = owner {
                std::os::unix::fs::lchown(path, Some(uid), Some(uid))
                    .map_err(SandboxError::io(format!("chown {}", path.display())))?;
            }
            Ok(())
        };
        let mut created = BTreeSet::new();
        let mkdir = |rel: &Path, created: &mut BTreeSet<PathBuf>| -> Result<(), SandboxError> {
            let mut acc = PathBuf::new();
            for c in rel.components() {
                if let std::path::Component::Normal(n) = c {
                    acc.push(n);
                    if created.insert(acc.clone()) {
                        let full = root.join(&acc);
                        fs::create_dir(&full)
                            .or_else(|e| {
                                if e.kind() == io::ErrorKind::AlreadyExists {
                                    Ok(())
                                } else {
                                    Err(e)
                                }
                            })
                            .map_err(SandboxError::io(format!("creating {}", full.display())))?;
                        fs::set_permissions(&full, fs::Permissions::from_mode(0o755))
                            .map_err(SandboxError::io("chmod"))?;
                        own(&full)?;
                    }
                }
            }
            Ok(())
        };
        fs::create_dir_all(root)
            .map_err(SandboxError::io(format!("creating {}", root.display())))?;
        fs::set_permissions(root, fs::Permissions::from_mode(0o755))
            .map_err(SandboxError::io("chmod"))?;
        own(root)?;
        for (host, inside, _) in self.binds() {
            let rel = inside.strip_prefix("/").unwrap_or(&inside).to_path_buf();
            if host.is_file() {
                if let Some(parent) = rel.parent() {
                    mkdir(parent, &mut created)?;
                }
                if created.insert(rel.clone()) {
                    let full = root.join(&rel);
                    fs::write(&full, b"").map_err(SandboxError::io(format!(
                        "creating the mount point {}",
                        full.display()
                    )))?;
                }
            } else {
                mkdir(&rel, &mut created)?;
            }
        }
        for dir in ["dev", "proc", "tmp"] {
            mkdir(Path::new(dir), &mut created)?;
        }
        for dev in DEVICES {
            let rel = Path::new(dev).strip_prefix("/").unwrap();
            fs::write(root.join(rel), b"")
                .map_err(SandboxError::io("creating a device mount point"))?;
            created.insert(rel.to_path_buf());
        }
        for (link, target) in system_links().0 {
            let rel = link.strip_prefix("/").unwrap().to_path_buf();
            std::os::unix::fs::symlink(&target, root.join(&rel))
                .map_err(SandboxError::io("creating a symlink"))?;
            created.insert(rel);
        }
        Ok(PreparedRoot { created })
    }

    /// Everything in the capture root that the preparation did not create (sandbox paths).
    pub fn foreign_writes(&self, prepared: &PreparedRoot) -> Vec<String> {
        let mut found = Vec::new();
        let mut stack = vec![PathBuf::new()];
        while let Some(rel) = stack.pop() {
            let Ok(entries) = fs::read_dir(self.capture_root.join(&rel)) else {
                continue;
            };
            for entry in entries.flatten() {
                let child = rel.join(entry.file_name());
                let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
                if !prepared.created.contains(&child) {
                    found.push(format!("/{}", child.display()));
                } else if is_dir && !self.is_mount_point(&child) {
                    stack.push(child);
                }
            }
        }
        found.sort();
        found
    }

    fn is_mount_point(&self, rel: &Path) -> bool {
        let abs = Path::new("/").join(rel);
        self.mount_points().contains(&abs)
    }

    /// The command that runs the spec under `isolation` (prepare the capture root first),
    /// with rlimits, the socket tripwire (without network), a new session and a pid
    /// namespace. Its pid leads a process group: killing that group kills the whole tree.
    pub fn command(&self, isolation: &Isolation) -> Result<Command, SandboxError> {
        let limits = self.limits.clone();
        let filter = (!self.network).then(crate::seccomp_filter::network_filter);
        let rootless = isolation.rootless();
        let mut cmd;
        let mut launch: Option<namespaces::Launch> = None;
        match isolation {
            Isolation::Bubblewrap {
                bwrap, uid, gid, ..
            } => {
                cmd = Command::new(bwrap);
                if rootless {
                    cmd.args(["--unshare-user", "--uid"])
                        .arg(uid.to_string())
                        .arg("--gid")
                        .arg(gid.to_string());
                }
                if !self.network {
                    cmd.arg("--unshare-net");
                }
                cmd.args([
                    "--unshare-pid",
                    "--unshare-ipc",
                    "--unshare-uts",
                    "--unshare-cgroup-try",
                    "--die-with-parent",
                    "--new-session",
                ]);
                if !rootless {
                    cmd.args(["--cap-add", "CAP_SETUID,CAP_SETGID"]);
                }
                cmd.arg("--bind").arg(&self.capture_root).arg("/");
                for (host, inside, writable) in self.binds() {
                    cmd.arg(if writable { "--bind" } else { "--ro-bind" })
                        .arg(&host)
                        .arg(&inside);
                }
                cmd.args(["--dev", "/dev", "--proc", "/proc", "--chdir"])
                    .arg(&self.cwd);
                if rootless {
                    // The process limit must be set inside bubblewrap's user namespace:
                    // set outside, it would cap every process of the user.
                    cmd.arg(detect::PRLIMIT)
                        .arg(format!("--nproc={0}:{0}", limits.max_processes))
                        .arg("--");
                } else {
                    cmd.arg(detect::SETPRIV)
                        .arg(format!("--reuid={uid}"))
                        .arg(format!("--regid={gid}"))
                        .args([
                            "--clear-groups",
                            "--inh-caps=-all",
                            "--bounding-set=-all",
                            "--no-new-privs",
                            "--",
                        ]);
                }
                cmd.arg(&self.program).args(&self.args);
            }
            Isolation::Namespaces { uid, gid, .. } => {
                cmd = Command::new(&self.program);
                cmd.args(&self.args);
                launch = Some(self.launch(*uid, *gid, rootless, filter.clone())?);
            }
        }
        cmd.env_clear();
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.current_dir("/");
        // SAFETY: getpid has no preconditions.
        let parent = unsafe { libc::getpid() };
        // SAFETY: the closure only makes async-signal-safe system calls on data prepared
        // above (see `namespaces` for the namespace chain).
        unsafe {
            cmd.pre_exec(move || {
                if let Some(launch) = &launch {
                    return launch.enter(parent);
                }
                if libc::setsid() < 0 {
                    return Err(io::Error::last_os_error());
                }
                namespaces::die_with(parent)?;
                namespaces::set_rlimit(libc::RLIMIT_AS, limits.memory_bytes)?;
                if !rootless {
                    namespaces::set_rlimit(libc::RLIMIT_NPROC, limits.max_processes)?;
                }
                namespaces::set_rlimit(libc::RLIMIT_FSIZE, limits.max_file_bytes)?;
                namespaces::set_rlimit(libc::RLIMIT_CORE, 0)?;
                if let Some(filter) = &filter {
                    if rootless && libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                        return Err(io::Error::last_os_error());
                    }
                    crate::seccomp_filter::install(filter)?;
                }
                Ok(())
            });
        }
        Ok(cmd)
    }

    /// The namespace chain's data, with every string allocated before the fork.
    fn launch(
        &self,
        uid: u32,
        gid: u32,
        rootless: bool,
        filter: Option<Vec<libc::sock_filter>>,
    ) -> Result<namespaces::Launch, SandboxError> {
        let root = &self.capture_root;
        let inside = |p: &Path| cstr(&root.join(p.strip_prefix("/").unwrap_or(p)));
        let mut binds = Vec::new();
        for (host, inner, writable) in self.binds() {
            binds.push(namespaces::Bind {
                src: cstr(&host)?,
                dst: inside(&inner)?,
                read_only: !writable,
            });
        }
        for dev in DEVICES {
            binds.push(namespaces::Bind {
                src: cstr(Path::new(dev))?,
                dst: inside(Path::new(dev))?,
                read_only: false,
            });
        }
        Ok(namespaces::Launch {
            root: cstr(root)?,
            binds,
            proc_target: inside(Path::new("/proc"))?,
            cwd: cstr(&self.cwd)?,
            uid,
            gid,
            id_maps: rootless.then(|| {
                (
                    format!("{uid} {uid} 1\n").into_bytes(),
                    format!("{gid} {gid} 1\n").into_bytes(),
                )
            }),
            network: self.network,
            limits: self.limits.clone(),
            filter,
        })
    }
}

const DEVICES: [&str; 5] = [
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
];

fn cstr(p: &Path) -> Result<CString, SandboxError> {
    CString::new(p.as_os_str().as_bytes())
        .map_err(|_| SandboxError::Setup(format!("NUL in path {}", p.display())))
}
