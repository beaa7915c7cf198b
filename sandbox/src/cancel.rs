//! Cancellation of sandboxed work (Ctrl-C): once cancelled, the process a supervisor is
//! waiting for is killed with its whole tree within milliseconds, and every later run
//! returns [`SandboxError::Cancelled`](crate::SandboxError::Cancelled) at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A shared cancellation flag. Clones share it.
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    flag: Arc<AtomicBool>,
}

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Cancels every run that holds this token (there is no undo).
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}
