//! Choosing the isolation: each candidate mode is tried with a real jailed `true` (the
//! same view, namespaces and uid change a candidate gets), so a mode that is installed but
//! cannot work on this machine is never chosen, and a refusal says what is missing.

use super::{Isolation, JailSpec};
use crate::config::{IsolationChoice, PhaseLimits};
use crate::rejection::SandboxError;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub(super) const SETPRIV: &str = "/usr/bin/setpriv";
pub(super) const PRLIMIT: &str = "/usr/bin/prlimit";

fn find_bwrap() -> Option<PathBuf> {
    ["/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// A working bubblewrap for `uid`/`gid`, or why not.
fn bubblewrap(uid: u32, gid: u32, rootless: bool) -> Result<Isolation, String> {
    let bwrap = find_bwrap().ok_or("bubblewrap (`bwrap`) is not installed")?;
    let helper = if rootless { PRLIMIT } else { SETPRIV };
    if !Path::new(helper).exists() {
        return Err(format!("{helper} (util-linux) is missing"));
    }
    let out = Command::new(&bwrap)
        .arg("--version")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bwrap.display()))?;
    let version = String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_start_matches("bubblewrap ")
        .to_string();
    let isolation = Isolation::Bubblewrap {
        bwrap,
        version,
        uid,
        gid,
        rootless,
    };
    probe(&isolation)?;
    Ok(isolation)
}

/// Runs `true` in a minimal jail under `isolation`.
pub(super) fn probe(isolation: &Isolation) -> Result<(), String> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let root = std::env::temp_dir().join(format!("mobevolve-probe-{}-{nanos}", std::process::id()));
    let program = ["/usr/bin/true", "/bin/true"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .ok_or("neither /usr/bin/true nor /bin/true exists")?;
    let spec = JailSpec {
        read_only: vec![],
        read_only_at: vec![],
        read_write: vec![],
        capture_root: root.clone(),
        cwd: PathBuf::from("/"),
        env: vec![],
        program,
        args: vec![],
        limits: PhaseLimits {
            wall_time: Duration::from_secs(10),
            memory_bytes: 1 << 30,
            max_processes: 64,
            max_file_bytes: 1 << 20,
        },
        network: false,
    };
    let result = (|| {
        spec.prepare_root(isolation.owner())
            .map_err(|e| e.to_string())?;
        let mut cmd = spec.command(isolation).map_err(|e| e.to_string())?;
        let out = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("a jailed `true` could not start: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "a jailed `true` failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    })();
    let _ = crate::fs_safety::remove_tree(&root);
    result
}

/// Why unprivileged user namespaces are unavailable, when a known switch says so.
fn user_namespace_switches() -> Vec<String> {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .ok()
            .map(|s| s.trim().to_string())
    };
    let mut found = Vec::new();
    if read("/proc/sys/user/max_user_namespaces").as_deref() == Some("0") {
        found.push("user.max_user_namespaces is 0".to_string());
    }
    if read("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") {
        found.push("kernel.unprivileged_userns_clone is 0".to_string());
    }
    if read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").as_deref() == Some("1") {
        found.push("kernel.apparmor_restrict_unprivileged_userns is 1 (AppArmor)".to_string());
    }
    found
}

/// The isolation to use for `choice`: as root, candidates run as `uid`; otherwise
/// (rootless) as the caller's own uid inside a user namespace. Fails, saying what is
/// missing, when no mode works.
pub fn choose(choice: IsolationChoice, uid: u32) -> Result<Isolation, SandboxError> {
    // SAFETY: these getters have no preconditions.
    let (rootless, uid, gid) = unsafe {
        if libc::geteuid() == 0 {
            (false, uid, uid)
        } else {
            (true, libc::getuid(), libc::getgid())
        }
    };
    if !rootless && uid == 0 {
        return Err(SandboxError::Setup("sandbox_uid must not be 0".into()));
    }
    let namespaces = || {
        let isolation = Isolation::Namespaces { uid, gid, rootless };
        probe(&isolation).map(|()| isolation)
    };
    let bubblewrap = || bubblewrap(uid, gid, rootless);
    type Attempt<'a> = (&'a str, &'a dyn Fn() -> Result<Isolation, String>);
    let mut failures = Vec::new();
    let tries: Vec<Attempt> = match choice {
        IsolationChoice::Bubblewrap => vec![("bubblewrap", &bubblewrap)],
        IsolationChoice::Namespaces => vec![("namespaces", &namespaces)],
        IsolationChoice::Auto => vec![("bubblewrap", &bubblewrap), ("namespaces", &namespaces)],
    };
    for (name, attempt) in tries {
        match attempt() {
            Ok(isolation) => return Ok(isolation),
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    let mut message = match choice {
        IsolationChoice::Bubblewrap => "bubblewrap was requested but does not work".to_string(),
        IsolationChoice::Namespaces => {
            "the namespace sandbox was requested but does not work".to_string()
        }
        IsolationChoice::Auto => {
            "no isolation for candidate code works on this machine".to_string()
        }
    };
    message.push_str(&format!(" ({})", failures.join("; ")));
    if rootless {
        let switches = user_namespace_switches();
        message.push_str(&format!(
            ". Without root, candidates are isolated in unprivileged user namespaces{}; \
             run as root, allow unprivileged user namespaces, or install a setuid bubblewrap",
            if switches.is_empty() {
                String::new()
            } else {
                format!(", which this machine disables ({})", switches.join(", "))
            }
        ));
    }
    Err(SandboxError::Setup(message))
}
