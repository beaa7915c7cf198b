//! Telling a full disk (the machine's fault: the phase fails and is redone on resume) from a
//! candidate that merely fails (a rejection recorded against it).

use anyhow::anyhow;

/// Below this much free space, a sandboxed phase that failed with ENOSPC failed because the
/// disk is full, not because of the candidate.
const DISK_FULL_BYTES: u64 = 512 << 20;

/// `rejection`, unless it is the machine's fault: the phase failed with "No space left on
/// device" and the run folder's file system really is (nearly) full. That is an error of
/// the phase, which fails unrecorded and is redone by `resume` once there is room, never a
/// rejection recorded against the candidate. (The free-space check keeps a candidate that
/// merely prints the message from stopping the run.)
pub fn unless_disk_full(
    repo: &sandbox::RunRepo,
    rejection: sandbox::Rejection,
) -> anyhow::Result<sandbox::Rejection> {
    let text = rejection.to_string();
    let Some(line) = text
        .lines()
        .find(|l| l.contains("No space left on device") || l.contains("os error 28"))
    else {
        return Ok(rejection);
    };
    match free_bytes(repo.run_dir()) {
        Some(free) if free < DISK_FULL_BYTES => Err(anyhow!(
            "the disk holding {} is full ({} MB free): {}",
            repo.run_dir().display(),
            free >> 20,
            line.trim().trim_start_matches("error: ")
        )),
        _ => Ok(rejection),
    }
}

/// Bytes available to unprivileged writers on the file system holding `path`.
pub fn free_bytes(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: `c_path` is a valid NUL-terminated string and `stat` a writable statvfs.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    Some(stat.f_bavail as u64 * stat.f_frsize as u64)
}
