//! Finding and killing the processes of a jail: by process tree (every mode), and by uid
//! (when running as root, the candidate uid is a second net).

use std::collections::HashMap;
use std::fs;
use std::os::unix::ffi::OsStrExt;

/// SIGKILLs a process group (the jail's keeper or bubblewrap leads its own).
pub fn kill_group(pgid: libc::pid_t) {
    if pgid > 1 {
        // SAFETY: plain system call.
        unsafe {
            libc::killpg(pgid, libc::SIGKILL);
        }
    }
}

/// Kills a jail whose keeper (or bubblewrap) is `leader`: its children — the pid
/// namespace's init, whose death kills everything in the namespace — so that the leader
/// reaps them and exits by itself (killed at the same time, it would leave init's zombie to
/// the system's init, still counted against the sandbox uid). A leader without a child yet
/// may be about to create its namespace: killed then, bubblewrap's init could start after
/// its parent died and never learn of it. So the whole group is killed only with `force`
/// (call again until the leader is gone; force after a grace period).
pub fn kill_jail(leader: libc::pid_t, force: bool) {
    let children = children_of(leader);
    for child in &children {
        // SAFETY: plain system call.
        unsafe {
            libc::kill(*child, libc::SIGKILL);
        }
    }
    if force {
        kill_group(leader);
    }
}

/// The children of `pid`, from /proc.
pub fn children_of(pid: libc::pid_t) -> Vec<libc::pid_t> {
    pids()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let (ppid, _) = stat_of(&name)?;
            (ppid == pid).then(|| name.parse().ok()).flatten()
        })
        .collect()
}

/// Kills every process of `uid` (the sandbox uid): forks, drops to the uid, `kill(-1)`.
/// Only meaningful as root (then `uid` is a uid of its own); never call it for the
/// caller's own uid.
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

fn pids() -> impl Iterator<Item = fs::DirEntry> {
    fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().as_bytes().iter().all(u8::is_ascii_digit))
}

/// Number of tasks (threads included, zombies too) currently owned by `uid`, from /proc.
pub fn tasks_of_uid(uid: u32) -> u64 {
    let mut total = 0;
    let want = format!("Uid:\t{uid}\t");
    for entry in pids() {
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

/// `(parent pid, threads)` of a process, from `/proc/<pid>/stat` (whose second field, the
/// command name in parentheses, may itself hold spaces and parentheses).
fn stat_of(pid: &str) -> Option<(libc::pid_t, u64)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the command: state (3), ppid (4), …, num_threads (20).
    Some((fields.get(1)?.parse().ok()?, fields.get(17)?.parse().ok()?))
}

/// Tasks (threads included) of `root`'s descendants, `root` excluded. A jail's processes
/// all descend from its keeper (or bubblewrap): orphans are re-parented to the namespace's
/// init, so processes that start their own session still count.
pub fn descendant_tasks(root: libc::pid_t) -> u64 {
    let mut children: HashMap<libc::pid_t, Vec<(libc::pid_t, u64)>> = HashMap::new();
    for entry in pids() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|p| p.parse::<libc::pid_t>().ok()) else {
            continue;
        };
        if let Some((ppid, threads)) = stat_of(&name.to_string_lossy()) {
            children.entry(ppid).or_default().push((pid, threads));
        }
    }
    let mut total = 0;
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        for (child, threads) in children.get(&pid).into_iter().flatten() {
            total += threads;
            stack.push(*child);
        }
    }
    total
}
