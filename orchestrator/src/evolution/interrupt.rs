//! Stopping a run on the user's request (Ctrl-C, or SIGTERM from a cluster scheduler).
//!
//! The first signal requests a stop: the sandbox kills the candidate process it waits for
//! (its cancel token), the round's phase loop drops the phase in progress (an external
//! agent's process tree dies with it), records the phase as interrupted and returns; the
//! phase is redone on resume. A second signal exits at once, leaving the run as a crash
//! would (resumable, the phase still marked running).

use sandbox::CancelToken;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

/// The stop request of one run's driving process. Clones share it.
#[derive(Clone)]
pub struct Interrupt {
    requested: Arc<AtomicBool>,
    changed: Arc<watch::Sender<bool>>,
    sandbox: CancelToken,
    /// The run's own sandbox uids (as root): swept on the way out after a second signal.
    uids: Vec<u32>,
}

impl Interrupt {
    /// `requested` is the flag the round loop checks between phases; `sandbox` cancels the
    /// candidate processes; `uids` are the uids only this run's candidates and agent use
    /// (none rootless).
    pub fn new(requested: Arc<AtomicBool>, sandbox: CancelToken, uids: Vec<u32>) -> Interrupt {
        Interrupt {
            requested,
            changed: Arc::new(watch::channel(false).0),
            sandbox,
            uids,
        }
    }

    /// Requests the stop (idempotent).
    pub fn request(&self) {
        self.requested.store(true, Ordering::SeqCst);
        self.sandbox.cancel();
        self.changed.send_replace(true);
    }

    pub fn is_requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    /// Resolves once a stop is requested (at once if it already was).
    pub async fn wait(&self) {
        let mut rx = self.changed.subscribe();
        if self.is_requested() {
            return;
        }
        // The sender lives as long as `self`: an error cannot happen while we wait.
        let _ = rx.wait_for(|stop| *stop).await;
    }

    /// Watches for Ctrl-C and SIGTERM while a run is driven: the first requests a stop,
    /// the second exits the process at once (exit code 130). `run` names the run in the
    /// messages. Abort the returned task when driving ends.
    pub fn watch_signals(&self, run: i64) -> tokio::task::JoinHandle<()> {
        let interrupt = self.clone();
        tokio::spawn(async move {
            let Ok(mut term) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            else {
                return;
            };
            let mut signals = 0;
            loop {
                tokio::select! {
                    r = tokio::signal::ctrl_c() => if r.is_err() { return },
                    _ = term.recv() => {}
                }
                signals += 1;
                if signals == 1 {
                    eprintln!(
                        "\ninterrupt: stopping the current phase (it is redone by `orchestrator \
                         resume {run}`); press Ctrl-C again to exit at once"
                    );
                    interrupt.request();
                } else {
                    eprintln!(
                        "second interrupt: exiting now; `orchestrator resume {run}` continues the run"
                    );
                    // Jails die with this process (their parent-death signal); a jail caught
                    // while it was starting is swept by its uid.
                    for uid in &interrupt.uids {
                        sandbox::jail::kill_all_of_uid(*uid);
                    }
                    std::process::exit(130);
                }
            }
        })
    }
}
