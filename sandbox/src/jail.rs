//! Isolation of one untrusted process tree: a minimal file-system view, no network, an
//! unprivileged uid, rlimits, a seccomp network tripwire, and a session of its own.
//!
//! Two implementations with the same view:
//! * **bubblewrap** (preferred): `bwrap` (as root, privileged mode) unshares net, pid, ipc,
//!   uts and cgroup namespaces and builds the view; `setpriv` then drops to the sandbox uid.
//! * **namespaces** (fallback): the child unshares mount, net, ipc and uts namespaces itself
//!   between fork and exec, bind-mounts the same view, chroots into it and drops to the uid.
//!
//! The view's root is a *capture folder* on the host owned by the sandbox uid: the only
//! writable places are the bound worktree/scratch/target folders and the capture folder
//! itself, so any write "outside" lands in the capture folder, where the supervisor finds it
//! after the run (and it never reaches the host). Everything else (`/usr`, `/etc`, the
//! toolchain, the registry, the benchmark) is bound read-only at its own path; nothing else of
//! the host (other runs, the data, the test split) is visible.

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

/// Which isolation is in force (recorded with every candidate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Isolation {
    Bubblewrap {
        bwrap: PathBuf,
        version: String,
        uid: u32,
    },
    Namespaces {
        uid: u32,
    },
}

impl Isolation {
    pub fn uid(&self) -> u32 {
        match self {
            Isolation::Bubblewrap { uid, .. } | Isolation::Namespaces { uid } => *uid,
        }
    }

    /// A one-line description for logs and run records.
    pub fn describe(&self) -> String {
        let common = "no network (net namespace + socket tripwire), minimal read-only view, rlimits (AS, NPROC, FSIZE), own session";
        match self {
            Isolation::Bubblewrap { version, uid, .. } => {
                format!("bubblewrap {version} (net/pid/ipc/uts namespaces), uid {uid}, {common}")
            }
            Isolation::Namespaces { uid } => format!(
                "Linux namespaces via unshare (mount/net/ipc/uts, chroot; no pid namespace), uid {uid}, {common}"
            ),
        }
    }
}

/// Finds a working bubblewrap (and `setpriv`), or `None`.
pub fn detect_bubblewrap(uid: u32) -> Option<Isolation> {
    let bwrap = ["/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())?;
    if !Path::new(SETPRIV).exists() {
        return None;
    }
    let out = Command::new(&bwrap).arg("--version").output().ok()?;
    let version = String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_start_matches("bubblewrap ")
        .to_string();
    let works = Command::new(&bwrap)
        .args([
            "--unshare-net",
            "--unshare-pid",
            "--ro-bind",
            "/",
            "/",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "true",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    works.then_some(Isolation::Bubblewrap {
        bwrap,
        version,
        uid,
    })
}

const SETPRIV: &str = "/usr/bin/setpriv";

/// What one jailed process sees and runs.
#[derive(Debug, Clone)]
pub struct JailSpec {
    /// Host folders bound read-only at the same path.
    pub read_only: Vec<PathBuf>,
    /// Host folders bound read-only at another path: (host, inside).
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

impl JailSpec {
    fn all_read_only(&self) -> Vec<PathBuf> {
        let mut ro = system_read_only();
        ro.extend(system_links().1);
        ro.extend(self.read_only.iter().cloned());
        ro
    }

    /// Every bind as (host path, inside path, writable), parents before nested folders.
    fn binds(&self) -> Vec<(PathBuf, PathBuf, bool)> {
        let mut all: Vec<(PathBuf, PathBuf, bool)> = self
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

    /// Creates the capture root with every mount point, owned by `uid`.
    pub fn prepare_root(&self, uid: u32) -> Result<PreparedRoot, SandboxError> {
        let root = &self.capture_root;
        if root.exists() {
            crate::fs_safety::remove_tree(root)?;
        }
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
                        std::os::unix::fs::lchown(&full, Some(uid), Some(uid))
                            .map_err(SandboxError::io("chown"))?;
                    }
                }
            }
            Ok(())
        };
        fs::create_dir_all(root)
            .map_err(SandboxError::io(format!("creating {}", root.display())))?;
        fs::set_permissions(root, fs::Permissions::from_mode(0o755))
            .map_err(SandboxError::io("chmod"))?;
        std::os::unix::fs::lchown(root, Some(uid), Some(uid)).map_err(SandboxError::io("chown"))?;
        for dir in self.mount_points() {
            mkdir(dir.strip_prefix("/").unwrap_or(&dir), &mut created)?;
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

    /// The command that runs the spec under `isolation`, with rlimits, the socket tripwire, a
    /// new session and (fallback) the namespace setup applied between fork and exec.
    pub fn command(&self, isolation: &Isolation) -> Result<Command, SandboxError> {
        let uid = isolation.uid();
        let limits = self.limits.clone();
        let filter = crate::seccomp_filter::network_filter();
        let mut cmd;
        let mut namespace_setup: Option<NamespaceSetup> = None;
        match isolation {
            Isolation::Bubblewrap { bwrap, .. } => {
                cmd = Command::new(bwrap);
                cmd.args([
                    "--unshare-net",
                    "--unshare-pid",
                    "--unshare-ipc",
                    "--unshare-uts",
                    "--unshare-cgroup-try",
                    "--die-with-parent",
                    "--new-session",
                    "--cap-add",
                    "CAP_SETUID,CAP_SETGID",
                ]);
                cmd.arg("--bind").arg(&self.capture_root).arg("/");
                for (host, inside, writable) in self.binds() {
                    cmd.arg(if writable { "--bind" } else { "--ro-bind" })
                        .arg(&host)
                        .arg(&inside);
                }
                cmd.args(["--dev", "/dev", "--proc", "/proc", "--chdir"])
                    .arg(&self.cwd);
                cmd.arg(SETPRIV)
                    .arg(format!("--reuid={uid}"))
                    .arg(format!("--regid={uid}"))
                    .args([
                        "--clear-groups",
                        "--inh-caps=-all",
                        "--bounding-set=-all",
                        "--no-new-privs",
                        "--",
                    ])
                    .arg(&self.program)
                    .args(&self.args);
            }
            Isolation::Namespaces { .. } => {
                cmd = Command::new(&self.program);
                cmd.args(&self.args);
                namespace_setup = Some(NamespaceSetup::new(self, uid)?);
            }
        }
        cmd.env_clear();
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.current_dir("/");
        // SAFETY: getpid has no preconditions.
        let parent = unsafe { libc::getpid() };
        // SAFETY: the closure only makes async-signal-safe system calls on data prepared above.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setsid() < 0 {
                    return Err(io::Error::last_os_error());
                }
                libc::prctl(
                    libc::PR_SET_PDEATHSIG,
                    libc::SIGKILL as libc::c_ulong,
                    0,
                    0,
                    0,
                );
                // The parent may have died between the fork and the prctl: then no signal
                // will ever come, and the child must not outlive it.
                if libc::getppid() != parent {
                    return Err(io::Error::from_raw_os_error(libc::ESRCH));
                }
                set_rlimit(libc::RLIMIT_AS, limits.memory_bytes)?;
                set_rlimit(libc::RLIMIT_NPROC, limits.max_processes)?;
                set_rlimit(libc::RLIMIT_FSIZE, limits.max_file_bytes)?;
                set_rlimit(libc::RLIMIT_CORE, 0)?;
                if let Some(setup) = &namespace_setup {
                    setup.enter()?;
                }
                crate::seccomp_filter::install(&filter)?;
                Ok(())
            });
        }
        Ok(cmd)
    }
}

const DEVICES: [&str; 5] = [
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
];

fn set_rlimit(resource: libc::__rlimit_resource_t, value: u64) -> io::Result<()> {
    let lim = libc::rlimit {
        rlim_cur: value as libc::rlim_t,
        rlim_max: value as libc::rlim_t,
    };
    // SAFETY: plain system call with a valid pointer.
    if unsafe { libc::setrlimit(resource, &lim) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn cstr(p: &Path) -> Result<CString, SandboxError> {
    CString::new(p.as_os_str().as_bytes())
        .map_err(|_| SandboxError::Setup(format!("NUL in path {}", p.display())))
}

/// The fallback's namespace + mount setup, with every string allocated before fork.
struct NamespaceSetup {
    root: CString,
    /// (source, target inside root, read_only)
    binds: Vec<(CString, CString, bool)>,
    proc_target: CString,
    cwd: CString,
    uid: u32,
}

impl NamespaceSetup {
    fn new(spec: &JailSpec, uid: u32) -> Result<NamespaceSetup, SandboxError> {
        let root = &spec.capture_root;
        let inside = |p: &Path| cstr(&root.join(p.strip_prefix("/").unwrap_or(p)));
        let mut binds = Vec::new();
        for (host, inner, writable) in spec.binds() {
            binds.push((cstr(&host)?, inside(&inner)?, !writable));
        }
        for dev in DEVICES {
            binds.push((cstr(Path::new(dev))?, inside(Path::new(dev))?, false));
        }
        Ok(NamespaceSetup {
            root: cstr(root)?,
            binds,
            proc_target: inside(Path::new("/proc"))?,
            cwd: cstr(&spec.cwd)?,
            uid,
        })
    }

    /// Runs in the child between fork and exec (as root).
    fn enter(&self) -> io::Result<()> {
        // SAFETY: system calls with NUL-terminated strings prepared before fork.
        unsafe {
            let check = |r: libc::c_int| {
                if r != 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(())
                }
            };
            check(libc::unshare(
                libc::CLONE_NEWNS | libc::CLONE_NEWNET | libc::CLONE_NEWIPC | libc::CLONE_NEWUTS,
            ))?;
            let none = c"none".as_ptr();
            check(libc::mount(
                none,
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ))?;
            check(libc::mount(
                self.root.as_ptr(),
                self.root.as_ptr(),
                std::ptr::null(),
                libc::MS_BIND,
                std::ptr::null(),
            ))?;
            for (src, dst, ro) in &self.binds {
                check(libc::mount(
                    src.as_ptr(),
                    dst.as_ptr(),
                    std::ptr::null(),
                    libc::MS_BIND | libc::MS_REC,
                    std::ptr::null(),
                ))?;
                let mut flags = libc::MS_BIND | libc::MS_REMOUNT | libc::MS_NOSUID;
                if *ro {
                    flags |= libc::MS_RDONLY;
                }
                check(libc::mount(
                    none,
                    dst.as_ptr(),
                    std::ptr::null(),
                    flags,
                    std::ptr::null(),
                ))?;
            }
            check(libc::mount(
                c"proc".as_ptr(),
                self.proc_target.as_ptr(),
                c"proc".as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                std::ptr::null(),
            ))?;
            check(libc::chdir(self.root.as_ptr()))?;
            check(libc::chroot(c".".as_ptr()))?;
            check(libc::chdir(self.cwd.as_ptr()))?;
            check(libc::setgroups(0, std::ptr::null()))?;
            check(libc::setresgid(self.uid, self.uid, self.uid))?;
            check(libc::setresuid(self.uid, self.uid, self.uid))?;
            check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))?;
        }
        Ok(())
    }
}

/// Kills every process of `uid` (the sandbox uid): forks, drops to the uid, `kill(-1)`.
pub fn kill_all_of_uid(uid: u32) {
    // SAFETY: the child only makes async-signal-safe calls before `_exit`.
    unsafe {
        let pid = libc::fork();
        if pid == 0 {
            if libc::setgroups(0, std::ptr::null()) == 0
                && libc::setresgid(uid, uid, uid) == 0
                && libc::setresuid(uid, uid, uid) == 0
            {
                libc::kill(-1, libc::SIGKILL);
            }
            libc::_exit(0);
        } else if pid > 0 {
            let mut status = 0;
            libc::waitpid(pid, &mut status, 0);
        }
    }
}

/// Kills every process of `uid` and waits (up to `timeout`) until they are gone and reaped,
/// so that they no longer count against the next run's process limit. Returns whether
/// none is left.
pub fn sweep_uid(uid: u32, timeout: std::time::Duration) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        kill_all_of_uid(uid);
        if tasks_of_uid(uid) == 0 {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Number of tasks (threads included, zombies too) currently owned by `uid`, from /proc.
pub fn tasks_of_uid(uid: u32) -> u64 {
    let mut total = 0;
    let Ok(entries) = fs::read_dir("/proc") else {
        return 0;
    };
    let want = format!("Uid:\t{uid}\t");
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.as_bytes().iter().all(u8::is_ascii_digit) {
            continue;
        }
        let Ok(status) = fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        if !status.lines().any(|l| l.starts_with(&want)) {
            continue;
        }
        total += status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .and_then(|t| t.trim().parse::<u64>().ok())
            .unwrap_or(1);
    }
    total
}
