//! A tiny seccomp-BPF filter that kills the process (SIGSYS) when it creates an
//! internet or packet socket. The network namespace already makes such sockets useless; the
//! filter turns the attempt into a signal the supervisor can report precisely. Unix sockets,
//! pipes and netlink stay allowed (cargo's jobserver and bubblewrap need them).

const RET_ALLOW: u32 = 0x7fff_0000;
const RET_KILL_PROCESS: u32 = 0x8000_0000;

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xC000_00B7;

const LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const JGE_K: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
const RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

/// The filter program (kept alive by the caller while it is installed).
pub fn network_filter() -> Vec<libc::sock_filter> {
    vec![
        // Foreign architectures (e.g. 32-bit syscalls) are killed outright.
        stmt(LD_W_ABS, 4),
        jump(JEQ_K, AUDIT_ARCH, 1, 0),
        stmt(RET_K, RET_KILL_PROCESS),
        stmt(LD_W_ABS, 0),
        // x32 syscalls (bit 30) are killed too.
        jump(JGE_K, 0x4000_0000, 0, 1),
        stmt(RET_K, RET_KILL_PROCESS),
        jump(JEQ_K, libc::SYS_socket as u32, 0, 5),
        stmt(LD_W_ABS, 16), // args[0], low 32 bits: the address family
        jump(JEQ_K, libc::AF_INET as u32, 2, 0),
        jump(JEQ_K, libc::AF_INET6 as u32, 1, 0),
        jump(JEQ_K, libc::AF_PACKET as u32, 0, 1),
        stmt(RET_K, RET_KILL_PROCESS),
        stmt(RET_K, RET_ALLOW),
    ]
}

/// Installs `filter` on the calling thread. Async-signal-safe (used between fork and exec).
///
/// # Safety
/// `filter` must be a valid program that outlives the call.
pub unsafe fn install(filter: &[libc::sock_filter]) -> std::io::Result<()> {
    unsafe {
        let prog = libc::sock_fprog {
            len: filter.len() as u16,
            filter: filter.as_ptr() as *mut libc::sock_filter,
        };
        if libc::prctl(
            libc::PR_SET_SECCOMP,
            libc::SECCOMP_MODE_FILTER as libc::c_ulong,
            &prog as *const libc::sock_fprog as libc::c_ulong,
            0,
            0,
        ) != 0
        {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
}
