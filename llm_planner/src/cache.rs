//! The response cache: one JSON file per request, named by the request's hash, in a folder
//! next to the generator's output (`llm-cache/` by default).
//!
//! Why files and not the run database: this generator is a baseline, not an evolution run;
//! it has no run to attach calls to (the `memory` crate's LLM cache is keyed by run and
//! needs the run's lock), and a folder next to the output keeps the output, its figures and
//! what it cost together, to copy, inspect or delete as one. Each entry is written to a
//! temporary name and renamed, so a killed process leaves whole entries or none, and
//! concurrent writers of one entry (two people with the same request) cannot interleave.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// One cached call: the request, the response, and what it cost when it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedCall {
    pub request_hash: String,
    pub model: String,
    pub request: Value,
    /// The response body; a body that was not JSON is kept as `{"unparseable_body": text}`.
    pub response: Value,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// True when the endpoint reported no usage and the tokens are estimates (bytes / 4).
    pub tokens_estimated: bool,
    /// Latency of the call when it was made, retries included, in milliseconds.
    pub latency_ms: u64,
    /// HTTP attempts it took (1 + retries).
    pub attempts: u32,
}

/// Errors of the cache: the file, and what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("{path}: {what}: {source}")]
    Io {
        path: PathBuf,
        what: &'static str,
        source: std::io::Error,
    },
    #[error("{path}: not a cached LLM call ({message}); delete it to pay for the call again")]
    Corrupt { path: PathBuf, message: String },
}

/// Lower-case hex SHA-256 of the canonical JSON of a request body (object keys sorted at
/// every level, no whitespace), so equal requests have equal hashes however they were built.
pub fn request_hash(body: &Value) -> String {
    let mut text = String::new();
    agents::call_store::canonical_json(body, &mut text);
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A folder of cached calls.
#[derive(Debug, Clone)]
pub struct ResponseCache {
    dir: PathBuf,
}

impl ResponseCache {
    /// The cache in `dir` (created on first write).
    pub fn new(dir: &Path) -> ResponseCache {
        ResponseCache {
            dir: dir.to_path_buf(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, hash: &str) -> PathBuf {
        self.dir.join(format!("{hash}.json"))
    }

    /// The cached call with this hash, if any.
    pub fn get(&self, hash: &str) -> Result<Option<CachedCall>, CacheError> {
        let path = self.path(hash);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(CacheError::Io {
                    path,
                    what: "reading a cached call",
                    source,
                })
            }
        };
        let call: CachedCall = serde_json::from_str(&text).map_err(|e| CacheError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if call.request_hash != hash {
            return Err(CacheError::Corrupt {
                path,
                message: format!("it holds the call {}", call.request_hash),
            });
        }
        Ok(Some(call))
    }

    /// Stores a call (temporary file, then rename).
    pub fn put(&self, call: &CachedCall) -> Result<(), CacheError> {
        let io = |what| {
            let dir = self.dir.clone();
            move |source| CacheError::Io {
                path: dir,
                what,
                source,
            }
        };
        std::fs::create_dir_all(&self.dir).map_err(io("creating the cache folder"))?;
        let path = self.path(&call.request_hash);
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let tmp = self.dir.join(format!(
            ".{}.{}.{}.tmp",
            call.request_hash,
            std::process::id(),
            WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let text = serde_json::to_string(call).map_err(|e| CacheError::Corrupt {
            path: path.clone(),
            message: e.to_string(),
        })?;
        std::fs::write(&tmp, text).map_err(io("writing a cached call"))?;
        std::fs::rename(&tmp, &path).map_err(io("renaming a cached call into place"))?;
        Ok(())
    }
}
