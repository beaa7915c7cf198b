//! What the jail-level tests share: jailed shell scripts, finding processes by a marker in
//! their command line, re-running this test binary as a helper process (a parent to kill,
//! an unprivileged user), and a seccomp filter that plays a machine without user namespaces.

use sandbox::jail::JailSpec;
use sandbox::{IsolationChoice, PhaseLimits};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Set in a re-run of this binary: which helper role to play.
pub const ROLE_ENV: &str = "MOBEVOLVE_SANDBOX_TEST_ROLE";

/// A temporary folder removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p =
            std::env::temp_dir().join(format!("sandbox-jail-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        Scratch(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A unique marker to put in a jailed command line: digits, to serve as the fraction of a
/// `sleep` duration (`sleep 1000.<marker>`).
pub fn marker() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{}{:09}", std::process::id(), nanos)
}

/// Pids of live (not zombie) processes whose command line contains `marker`.
pub fn processes_with(marker: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if !String::from_utf8_lossy(&cmdline).contains(marker) {
            continue;
        }
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        if status
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z'))
        {
            continue;
        }
        found.push(pid);
    }
    found
}

/// Waits until `done` holds (checked every 20 ms), at most `limit`; whether it did.
pub fn wait_until(limit: Duration, done: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if done() {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The isolation the suite runs in (`MOBEVOLVE_ISOLATION`).
pub fn mode() -> IsolationChoice {
    IsolationChoice::from_env().unwrap()
}

/// A jailed `/bin/sh -c script` (bash when `bash`), with `scratch` as its writable current
/// folder and `read_only` visible.
pub fn shell(scratch: &Path, script: &str, bash: bool, read_only: Vec<PathBuf>) -> JailSpec {
    let shell = if bash { "/bin/bash" } else { "/bin/sh" };
    assert!(
        Path::new(shell).exists(),
        "{shell} is missing: the jail tests need it"
    );
    let work = scratch.join("work");
    std::fs::create_dir_all(&work).unwrap();
    JailSpec {
        read_only,
        read_only_at: vec![],
        read_write: vec![work.clone()],
        capture_root: scratch.join("root"),
        cwd: work,
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        program: PathBuf::from(shell),
        args: vec!["-c".into(), script.into()],
        limits: PhaseLimits {
            wall_time: Duration::from_secs(30),
            memory_bytes: 1 << 30,
            max_processes: 64,
            max_file_bytes: 16 << 20,
        },
        network: false,
    }
}

/// Gives `scratch`'s work folder to `owner` (the sandbox uid as root).
pub fn hand_over(scratch: &Path, owner: Option<u32>) {
    if let Some(uid) = owner {
        let work = scratch.join("work");
        std::os::unix::fs::chown(&work, Some(uid), Some(uid)).unwrap();
    }
}

/// This test binary, re-run for the single test `name` in `role`.
pub fn helper(name: &str, role: &str) -> Command {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", name, "--nocapture", "--test-threads", "1"])
        .env(ROLE_ENV, role);
    cmd
}

/// The helper role this process plays, if it is a re-run.
pub fn role() -> Option<String> {
    std::env::var(ROLE_ENV).ok()
}

/// An unprivileged uid for the rootless tests (no passwd entry needed).
pub const PLAIN_UID: u32 = 60_999;

/// Makes `cmd` run as [`PLAIN_UID`] (set up between fork and exec; the test runs as root),
/// and, with `deny_user_namespaces`, under a seccomp filter that refuses to create user
/// namespaces, as a machine that disables them does.
pub fn as_plain_user(cmd: &mut Command, deny_user_namespaces: bool) {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe().unwrap();
    let mut dir = exe.parent().unwrap().to_path_buf();
    // Every folder up to the binary must be searchable by others.
    loop {
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&dir).unwrap().permissions(),
        );
        assert!(
            mode & 0o001 != 0,
            "{} is not searchable by other users (mode {mode:o}): the rootless tests run this \
             test binary as uid {PLAIN_UID}; put the target folder somewhere others can reach",
            dir.display()
        );
        if !dir.pop() {
            break;
        }
    }
    let filter = user_namespace_denial();
    cmd.env_remove("HOME").current_dir("/");
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
            if deny_user_namespaces {
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
                ))?;
            }
            Ok(())
        });
    }
}

/// `unshare` and `clone` with CLONE_NEWUSER fail with EPERM; `clone3` (whose flags a filter
/// cannot read) with ENOSYS, so callers fall back to `clone`.
fn user_namespace_denial() -> Vec<libc::sock_filter> {
    const LD: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
    const JEQ: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
    const JSET: u16 = (libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K) as u16;
    const RET: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
    const ALLOW: u32 = 0x7fff_0000;
    const ERRNO: u32 = 0x0005_0000;
    let op = |code, k, jt, jf| libc::sock_filter { code, jt, jf, k };
    let newuser = libc::CLONE_NEWUSER as u32;
    vec![
        op(LD, 0, 0, 0),                            // syscall number
        op(JEQ, libc::SYS_clone3 as u32, 0, 1),     //
        op(RET, ERRNO | libc::ENOSYS as u32, 0, 0), // clone3 → ENOSYS
        op(JEQ, libc::SYS_unshare as u32, 1, 0),    //
        op(JEQ, libc::SYS_clone as u32, 0, 3),      //
        op(LD, 16, 0, 0),                           // args[0], low 32 bits
        op(JSET, newuser, 0, 1),                    //
        op(RET, ERRNO | libc::EPERM as u32, 0, 0),  // with CLONE_NEWUSER → EPERM
        op(RET, ALLOW, 0, 0),
    ]
}
