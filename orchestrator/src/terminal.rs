//! How output meets the terminal: colours only on a terminal and without `NO_COLOR`
//! (<https://no-color.org>), and the default SIGPIPE action for commands whose output may
//! be piped into `head`.

use std::io::IsTerminal;

/// Whether to colour what goes to `stream`: it is a terminal and `NO_COLOR` is unset or
/// empty.
pub fn colour(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Restores the default action of SIGPIPE (Rust ignores it, which turns a closed pipe into
/// an error on every later write and a panic in `println!`): the process then ends quietly
/// when its reader goes away.
pub fn default_sigpipe() {
    // SAFETY: setting a signal disposition to its default has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
