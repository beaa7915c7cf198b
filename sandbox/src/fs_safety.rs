//! File-system operations on folders a candidate could have written to: they never follow
//! symlinks, and reads are bounded.

use crate::rejection::SandboxError;
use std::fs;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Removes a folder tree without following symlinks.
pub fn remove_tree(path: &Path) -> Result<(), SandboxError> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path)
            .map_err(SandboxError::io(format!("removing {}", path.display()))),
        Ok(_) => {
            fs::remove_file(path).map_err(SandboxError::io(format!("removing {}", path.display())))
        }
        Err(_) => Ok(()),
    }
}

/// `lchown -R uid:uid path`.
pub fn chown_tree(path: &Path, uid: u32) -> Result<(), SandboxError> {
    std::os::unix::fs::lchown(path, Some(uid), Some(uid))
        .map_err(SandboxError::io(format!("chown {}", path.display())))?;
    let meta =
        fs::symlink_metadata(path).map_err(SandboxError::io(format!("stat {}", path.display())))?;
    if meta.is_dir() {
        for entry in
            fs::read_dir(path).map_err(SandboxError::io(format!("reading {}", path.display())))?
        {
            let entry = entry.map_err(SandboxError::io(format!("reading {}", path.display())))?;
            chown_tree(&entry.path(), uid)?;
        }
    }
    Ok(())
}

/// Reads a regular file a candidate wrote, refusing symlinks and anything over `max` bytes.
pub fn read_candidate_file(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    if meta.len() > max {
        return Err(format!("{} is larger than {max} bytes", path.display()));
    }
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(bytes)
}
