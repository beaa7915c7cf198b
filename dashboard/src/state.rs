//! What every handler shares: the runs folder, the run database opened read-only on first
//! use, the token's digest, and the event streams' limit and stop signal.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use memory::Memory;
use sha2::{Digest, Sha256};
use tokio::sync::{watch, OnceCell, Semaphore};

use crate::config::ServeConfig;
use crate::DashboardError;

/// The run database's file name in the runs folder.
pub(crate) const DATABASE_FILE: &str = "mobevolve.sqlite";

#[derive(Clone)]
pub(crate) struct AppState(Arc<Inner>);

struct Inner {
    runs_dir: PathBuf,
    memory: OnceCell<Memory>,
    token: Option<[u8; 32]>,
    poll_interval: Duration,
    streams: Arc<Semaphore>,
    stop: watch::Sender<bool>,
}

impl AppState {
    pub fn new(config: &ServeConfig) -> Result<AppState, DashboardError> {
        let runs_dir =
            std::fs::canonicalize(&config.runs_dir).map_err(|source| DashboardError::RunsDir {
                path: config.runs_dir.clone(),
                source,
            })?;
        let (stop, _) = watch::channel(false);
        Ok(AppState(Arc::new(Inner {
            runs_dir,
            memory: OnceCell::new(),
            token: config.token.as_deref().map(digest),
            poll_interval: config.poll_interval,
            streams: Arc::new(Semaphore::new(config.max_streams)),
            stop,
        })))
    }

    /// The canonical runs folder.
    pub fn runs_dir(&self) -> &Path {
        &self.0.runs_dir
    }

    /// The folder of run `run`.
    pub fn run_dir(&self, run: i64) -> PathBuf {
        self.0.runs_dir.join(format!("run-{run}"))
    }

    /// The run database, opened read-only the first time it exists (a runs folder may be
    /// served before its first run). `None` while there is no database.
    pub async fn memory(&self) -> Result<Option<&Memory>, memory::MemoryError> {
        let path = self.0.runs_dir.join(DATABASE_FILE);
        if self.0.memory.get().is_none() && !path.is_file() {
            return Ok(None);
        }
        self.0
            .memory
            .get_or_try_init(|| Memory::open_read_only(&path))
            .await
            .map(Some)
    }

    /// Whether a token is required, and whether `given` is it (compared as SHA-256 digests,
    /// so the comparison takes the same time whatever the input).
    pub fn token_required(&self) -> bool {
        self.0.token.is_some()
    }

    pub fn token_matches(&self, given: &str) -> bool {
        match &self.0.token {
            Some(expected) => {
                let got = digest(given);
                expected
                    .iter()
                    .zip(got)
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
            }
            None => true,
        }
    }

    pub fn poll_interval(&self) -> Duration {
        self.0.poll_interval
    }

    pub fn streams(&self) -> Arc<Semaphore> {
        self.0.streams.clone()
    }

    /// A receiver that sees `true` once the server shuts down.
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.0.stop.subscribe()
    }

    pub fn stop_streams(&self) {
        self.0.stop.send_replace(true);
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}
