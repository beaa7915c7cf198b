//! A test hook for crash tests: `MOBEVOLVE_KILL_AT=<round>:<phase>:<during|after>` makes
//! the process SIGKILL itself in that round, either once the phase's work is done but
//! before it is recorded (`during`), or right after it is recorded (`after`). Unset, it
//! costs one environment lookup per phase.

use memory::Phase;

pub const KILL_AT_ENV: &str = "MOBEVOLVE_KILL_AT";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    During,
    After,
}

pub fn maybe_kill(round: u32, phase: Phase, moment: Moment) {
    let Ok(spec) = std::env::var(KILL_AT_ENV) else {
        return;
    };
    let mut parts = spec.split(':');
    let (Some(r), Some(p), Some(m)) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    let wanted = match m {
        "during" => Moment::During,
        "after" => Moment::After,
        _ => return,
    };
    if r.parse() == Ok(round) && p == phase.name() && wanted == moment {
        eprintln!("{KILL_AT_ENV}: killing the process in round {round}, phase {p} ({m})");
        // SAFETY: sending a signal to our own pid has no memory-safety preconditions.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

pub const HOLD_AT_ENV: &str = "MOBEVOLVE_HOLD_AT";

/// A test hook for interruption tests: `MOBEVOLVE_HOLD_AT=<round>:<phase>` makes that phase
/// wait, before its work, until it is interrupted (a phase that is over in milliseconds
/// can then be caught by a signal). Unset, it costs one environment lookup per phase.
pub async fn maybe_hold(round: u32, phase: Phase) {
    let Ok(spec) = std::env::var(HOLD_AT_ENV) else {
        return;
    };
    if spec == format!("{round}:{}", phase.name()) {
        eprintln!(
            "{HOLD_AT_ENV}: holding round {round}, phase {}",
            phase.name()
        );
        std::future::pending::<()>().await;
    }
}
