//! The namespace sandbox's process chain, built between `fork` and `exec` of the jailed
//! command (everything here runs in a forked child, so it only makes async-signal-safe
//! system calls on data prepared before the fork):
//!
//! ```text
//! supervisor ── keeper (host pid namespace; own session; dies with the supervisor)
//!                 └── init (pid 1 of a new pid namespace; builds the view, drops to the uid)
//!                       └── program (exec'd; everything it starts stays in the namespace)
//! ```
//!
//! The keeper unshares the namespaces (a user namespace too when rootless, with the
//! caller's uid and gid mapped to themselves), then forks the namespace's init. Init mounts
//! the view, chroots, drops to the sandbox uid, and only *then* sets its parent-death
//! signal (a uid change clears it), so it dies with the keeper whatever happens; when init
//! dies the kernel kills every process left in the namespace, including ones that started
//! their own session. Init reaps orphans, and when the program ends it hands its wait
//! status to the keeper and exits; the keeper exits the same way (same code, or killed by
//! the same signal), so the supervisor sees the program's own status.

use crate::config::PhaseLimits;
use std::ffi::CString;
use std::io;

/// One bind of the view: `src` on the host onto `dst` inside the capture root.
pub(super) struct Bind {
    pub src: CString,
    pub dst: CString,
    pub read_only: bool,
}

/// Everything the chain needs, allocated before the fork.
pub(super) struct Launch {
    pub root: CString,
    pub binds: Vec<Bind>,
    pub proc_target: CString,
    pub cwd: CString,
    pub uid: u32,
    pub gid: u32,
    /// `/proc/self/{uid,gid}_map` lines when rootless (a user namespace is created).
    pub id_maps: Option<(Vec<u8>, Vec<u8>)>,
    /// No network namespace is created when the command needs the network (agents).
    pub network: bool,
    pub limits: PhaseLimits,
    /// The seccomp program installed in the program's process (none with network).
    pub filter: Option<Vec<libc::sock_filter>>,
}

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

pub(super) fn set_rlimit(resource: libc::__rlimit_resource_t, value: u64) -> io::Result<()> {
    let value = if value == u64::MAX {
        libc::RLIM_INFINITY
    } else {
        value as libc::rlim_t
    };
    let lim = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: plain system call with a valid pointer.
    cvt(unsafe { libc::setrlimit(resource, &lim) }).map(drop)
}

/// Sets SIGKILL as the parent-death signal and fails if `parent` is already gone (then no
/// signal would ever come).
pub(super) fn die_with(parent: libc::pid_t) -> io::Result<()> {
    // SAFETY: plain system calls.
    unsafe {
        cvt(libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        ))?;
        if libc::getppid() != parent {
            return Err(io::Error::from_raw_os_error(libc::ESRCH));
        }
    }
    Ok(())
}

/// Closes every descriptor from 3 up except those in `keep`.
fn close_all_except(keep: &[libc::c_int]) {
    let mut keep_sorted = [libc::c_int::MAX; 4];
    for (slot, fd) in keep_sorted.iter_mut().zip(keep) {
        *slot = *fd;
    }
    keep_sorted.sort_unstable();
    let mut first: libc::c_uint = 3;
    for fd in keep_sorted {
        let last = if fd == libc::c_int::MAX {
            libc::c_uint::MAX
        } else {
            fd as libc::c_uint
        };
        if last > first {
            close_range(first, last - 1);
        }
        if fd == libc::c_int::MAX {
            return;
        }
        first = first.max(fd as libc::c_uint + 1);
    }
}

fn close_range(first: libc::c_uint, last: libc::c_uint) {
    // SAFETY: closing descriptors has no memory-safety preconditions.
    unsafe {
        if libc::syscall(libc::SYS_close_range, first, last, 0) != 0 {
            // Kernels before 5.9: close one by one (descriptors above 65536 are not used).
            for fd in first..=last.min(65_536) {
                libc::close(fd as libc::c_int);
            }
        }
    }
}

fn write_file(path: &std::ffi::CStr, bytes: &[u8]) -> io::Result<()> {
    // SAFETY: a NUL-terminated path and a valid buffer.
    unsafe {
        let fd = cvt(libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC))?;
        let n = libc::write(fd, bytes.as_ptr().cast(), bytes.len());
        let result = if n == bytes.len() as isize {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        };
        libc::close(fd);
        result
    }
}

/// Waits for `pid` (retrying on EINTR); its raw wait status, or `None` on an error.
fn wait_for(pid: libc::pid_t) -> Option<libc::c_int> {
    let mut status = 0;
    loop {
        // SAFETY: a valid pointer to a local.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            return Some(status);
        }
        if r < 0 && errno() != libc::EINTR {
            return None;
        }
    }
}

/// Ends this process the way `status` says the program ended: the same exit code, or
/// killed by the same signal.
fn exit_like(status: libc::c_int) -> ! {
    // SAFETY: signal-disposition and process-exit system calls.
    unsafe {
        if libc::WIFSIGNALED(status) {
            let sig = libc::WTERMSIG(status);
            libc::signal(sig, libc::SIG_DFL);
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, sig);
            libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            libc::kill(libc::getpid(), sig);
            libc::_exit(128 + sig);
        }
        libc::_exit(if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            127
        })
    }
}

/// The mount flags a remount must keep: a user namespace may not clear flags that the
/// source mount has (nodev, noexec, nosuid, read-only, its atime mode).
fn kept_flags(path: &std::ffi::CStr) -> libc::c_ulong {
    // SAFETY: a NUL-terminated path and a zeroed out-structure. (glibc's statvfs takes the
    // flags from the statfs system call on any kernel since 2.6.36: no file is read.)
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut s) } != 0 {
        return 0;
    }
    let f = s.f_flag as libc::c_ulong;
    let mut m = 0;
    for (st, ms) in [
        (libc::ST_RDONLY, libc::MS_RDONLY),
        (libc::ST_NOSUID, libc::MS_NOSUID),
        (libc::ST_NODEV, libc::MS_NODEV),
        (libc::ST_NOEXEC, libc::MS_NOEXEC),
        (libc::ST_NODIRATIME, libc::MS_NODIRATIME),
    ] {
        if f & st != 0 {
            m |= ms;
        }
    }
    if f & libc::ST_NOATIME != 0 {
        m |= libc::MS_NOATIME;
    } else if f & libc::ST_RELATIME != 0 {
        m |= libc::MS_RELATIME;
    } else {
        m |= libc::MS_STRICTATIME;
    }
    m
}

impl Launch {
    /// The keeper's part, run in the child between fork and exec. It returns `Ok` only in
    /// the program's own process (which then execs); the keeper and init never return.
    pub(super) fn enter(&self, parent: libc::pid_t) -> io::Result<()> {
        // SAFETY: system calls on data prepared before the fork.
        unsafe {
            cvt(libc::setsid())?;
            die_with(parent)?;
            set_rlimit(libc::RLIMIT_AS, self.limits.memory_bytes)?;
            set_rlimit(libc::RLIMIT_FSIZE, self.limits.max_file_bytes)?;
            set_rlimit(libc::RLIMIT_CORE, 0)?;
            let mut flags =
                libc::CLONE_NEWNS | libc::CLONE_NEWPID | libc::CLONE_NEWIPC | libc::CLONE_NEWUTS;
            if !self.network {
                flags |= libc::CLONE_NEWNET;
            }
            if self.id_maps.is_some() {
                flags |= libc::CLONE_NEWUSER;
            }
            cvt(libc::unshare(flags))?;
            if let Some((uid_map, gid_map)) = &self.id_maps {
                write_file(c"/proc/self/setgroups", b"deny")?;
                write_file(c"/proc/self/uid_map", uid_map)?;
                write_file(c"/proc/self/gid_map", gid_map)?;
            }
            // After the user namespace exists: its own count of the uid's processes is
            // what the limit applies to (set before, it would cap the user's whole count).
            set_rlimit(libc::RLIMIT_NPROC, self.limits.max_processes)?;
            // Credentials may have changed: set the parent-death signal again.
            die_with(parent)?;
            let mut status = [0; 2];
            cvt(libc::pipe2(status.as_mut_ptr(), libc::O_CLOEXEC))?;
            let mut alive = [0; 2];
            cvt(libc::pipe2(alive.as_mut_ptr(), libc::O_CLOEXEC))?;
            let init = cvt(libc::fork())?;
            if init == 0 {
                libc::close(status[0]);
                libc::close(alive[1]);
                return self.init(status[1], alive[0]);
            }
            libc::close(status[1]);
            libc::close(alive[0]);
            // Drop the spawner's error pipe: from now on init and the program report
            // setup and exec errors through their copies.
            close_all_except(&[status[0], alive[1]]);
            let init_status = wait_for(init).unwrap_or(127 << 8);
            let mut buf = [0u8; 4];
            let n = libc::read(status[0], buf.as_mut_ptr().cast(), 4);
            exit_like(if n == 4 {
                libc::c_int::from_ne_bytes(buf)
            } else {
                init_status
            })
        }
    }

    /// Init: builds the view, drops privileges, starts the program, reaps until it ends.
    fn init(&self, status_w: libc::c_int, alive_r: libc::c_int) -> io::Result<()> {
        // SAFETY: system calls on data prepared before the fork.
        unsafe {
            self.mount_view()?;
            if self.id_maps.is_none() {
                cvt(libc::setgroups(0, std::ptr::null()))?;
                cvt(libc::setresgid(self.gid, self.gid, self.gid))?;
                cvt(libc::setresuid(self.uid, self.uid, self.uid))?;
            }
            cvt(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))?;
            // After the uid change, which clears it. The keeper cannot be identified by
            // getppid() from inside the namespace (it is 0 there), so check its pipe:
            // all write ends closed means it is gone.
            cvt(libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ))?;
            let mut pfd = libc::pollfd {
                fd: alive_r,
                events: libc::POLLIN,
                revents: 0,
            };
            libc::poll(&mut pfd, 1, 0);
            if pfd.revents & (libc::POLLHUP | libc::POLLERR) != 0 {
                libc::_exit(127);
            }
            let program = cvt(libc::fork())?;
            if program == 0 {
                libc::close(status_w);
                libc::close(alive_r);
                if let Some(filter) = &self.filter {
                    crate::seccomp_filter::install(filter)?;
                }
                return Ok(());
            }
            close_all_except(&[status_w, alive_r]);
            let mut program_status = 127 << 8;
            loop {
                let mut st = 0;
                let r = libc::waitpid(-1, &mut st, 0);
                if r == program {
                    program_status = st;
                    break;
                }
                if r < 0 && errno() != libc::EINTR {
                    break;
                }
            }
            let bytes = program_status.to_ne_bytes();
            libc::write(status_w, bytes.as_ptr().cast(), 4);
            // Init's exit kills whatever is left in the namespace.
            libc::_exit(0)
        }
    }

    /// Binds the view into the capture root, mounts /proc, chroots and enters `cwd`.
    fn mount_view(&self) -> io::Result<()> {
        // SAFETY: system calls with NUL-terminated strings prepared before the fork.
        unsafe {
            let none = c"none".as_ptr();
            let null = std::ptr::null();
            cvt(libc::mount(
                none,
                c"/".as_ptr(),
                null,
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ))?;
            cvt(libc::mount(
                self.root.as_ptr(),
                self.root.as_ptr(),
                null,
                libc::MS_BIND | libc::MS_REC,
                std::ptr::null(),
            ))?;
            for bind in &self.binds {
                cvt(libc::mount(
                    bind.src.as_ptr(),
                    bind.dst.as_ptr(),
                    null,
                    libc::MS_BIND | libc::MS_REC,
                    std::ptr::null(),
                ))?;
                let mut flags =
                    libc::MS_BIND | libc::MS_REMOUNT | libc::MS_NOSUID | kept_flags(&bind.dst);
                if bind.read_only {
                    flags |= libc::MS_RDONLY;
                }
                cvt(libc::mount(
                    none,
                    bind.dst.as_ptr(),
                    null,
                    flags,
                    std::ptr::null(),
                ))?;
            }
            cvt(libc::mount(
                c"proc".as_ptr(),
                self.proc_target.as_ptr(),
                c"proc".as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                std::ptr::null(),
            ))?;
            cvt(libc::chdir(self.root.as_ptr()))?;
            cvt(libc::chroot(c".".as_ptr()))?;
            cvt(libc::chdir(self.cwd.as_ptr()))?;
        }
        Ok(())
    }
}
