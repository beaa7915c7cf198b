//! The `inbox` agent: a person (or any outside process) answers each round through files.
//!
//! # Hand-off protocol (for the README)
//!
//! For round N the agent writes, in `<inbox>/round-<N>/`:
//!
//! | file | content |
//! | --- | --- |
//! | `prompt.md` | the round prompt (it ends with the instructions) |
//! | `system.md` | the system prompt |
//! | `worktree.txt` | the absolute path of the candidate worktree |
//! | `request.json` | `{"run", "round", "worktree", "instructions"}` |
//!
//! (`request.json` last: its appearance means the round is ready) and then polls (every `poll_interval`, until the optional `timeout`) for the answer:
//!
//! - `done`: the change is ready. Its content may be empty or a JSON object
//!   `{"target", "hypothesis", "rationale"}` (missing or unreadable fields give "unspecified").
//!   The change is `<inbox>/round-<N>/change.diff` if that file exists (a unified diff, paths
//!   relative to the repository root, not yet applied), otherwise whatever was left edited in the
//!   worktree (do not commit).
//! - `reject`: the person declines the round (its content, if any, is the reason).
//!
//! Write the change (or `change.diff`) first and `done` last. An answer already present when the
//! round starts is used (a resumed run does not ask twice) if `request.json` names the same run;
//! answer files left by another run are removed first.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::command_agent::read_proposal_fields;
use crate::contract::{Agent, AgentError, Change, Proposal, ProposalRequest, Workbench};

/// Settings of the `inbox` agent.
#[derive(Debug, Clone)]
pub struct InboxConfig {
    pub dir: PathBuf,
    pub poll_interval: Duration,
    /// `None` waits forever.
    pub timeout: Option<Duration>,
    pub templates: prompts::Templates,
}

impl InboxConfig {
    /// Polls every 2 s, no timeout.
    pub fn new(dir: &Path) -> InboxConfig {
        InboxConfig {
            dir: dir.to_path_buf(),
            poll_interval: Duration::from_secs(2),
            timeout: None,
            templates: prompts::Templates::builtin(),
        }
    }
}

/// The `inbox` agent.
pub struct InboxAgent {
    config: InboxConfig,
}

impl InboxAgent {
    pub fn new(config: InboxConfig) -> InboxAgent {
        InboxAgent { config }
    }

    /// The folder of a round.
    pub fn round_dir(&self, round: u32) -> PathBuf {
        self.config.dir.join(format!("round-{round}"))
    }
}

const ANSWER_FILES: [&str; 3] = ["done", "reject", "change.diff"];

fn io_error(what: &str, path: &Path, e: std::io::Error) -> AgentError {
    AgentError::Setup(format!("{what} {}: {e}", path.display()))
}

#[async_trait]
impl Agent for InboxAgent {
    async fn preflight(&mut self) -> Result<(), AgentError> {
        let dir = &self.config.dir;
        std::fs::create_dir_all(dir).map_err(|e| {
            AgentError::Unavailable(format!("cannot create the inbox {}: {e}", dir.display()))
        })?;
        let probe = dir.join(".mobevolve-write-check");
        std::fs::write(&probe, b"ok").map_err(|e| {
            AgentError::Unavailable(format!("cannot write in the inbox {}: {e}", dir.display()))
        })?;
        let _ = std::fs::remove_file(&probe);
        Ok(())
    }

    fn name(&self) -> &str {
        "inbox"
    }

    fn return_mode(&self) -> prompts::ReturnMode {
        prompts::ReturnMode::Command
    }

    async fn propose(
        &mut self,
        req: &ProposalRequest,
        bench: &dyn Workbench,
    ) -> Result<Proposal, AgentError> {
        let dir = self.round_dir(req.round);
        std::fs::create_dir_all(&dir).map_err(|e| io_error("cannot create", &dir, e))?;
        // Answers left by another run must not be taken for this one.
        let request_path = dir.join("request.json");
        let same_run = std::fs::read_to_string(&request_path)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .is_some_and(|v| v["run"].as_i64() == Some(req.run_id));
        if !same_run {
            let _ = std::fs::remove_file(&request_path);
            for name in ANSWER_FILES {
                let _ = std::fs::remove_file(dir.join(name));
            }
        }
        let instructions = self
            .config
            .templates
            .command_instructions()
            .map_err(|e| AgentError::Setup(e.to_string()))?;
        let worktree = req.worktree.display().to_string();
        let request = json!({
            "run": req.run_id,
            "round": req.round,
            "worktree": worktree,
            "instructions": format!(
                "{instructions}\nWhen the change is ready, create the file `done` in this folder (optionally holding a JSON object with target, hypothesis and rationale); to put a unified diff in `change.diff` here instead of editing the worktree is also accepted. Create `reject` to decline the round."
            ),
        });
        for (name, content) in [
            ("prompt.md", req.round_prompt.clone()),
            ("system.md", req.system_prompt.clone()),
            ("worktree.txt", format!("{worktree}\n")),
            (
                "request.json",
                serde_json::to_string_pretty(&request).unwrap_or_default(),
            ),
        ] {
            // Written whole then renamed, so a watcher never reads a half-written file;
            // request.json comes last and signals that the round is ready.
            let path = dir.join(name);
            let partial = dir.join(format!(".{name}.partial"));
            std::fs::write(&partial, content).map_err(|e| io_error("cannot write", &partial, e))?;
            std::fs::rename(&partial, &path).map_err(|e| io_error("cannot write", &path, e))?;
        }
        tracing::info!(dir = %dir.display(), "waiting for a person to answer the round");

        let started = Instant::now();
        loop {
            // A preview asked for: answered in `preview-result.md`, the request removed.
            if dir.join("preview").exists() {
                let text = bench.preview().await.text;
                let result = dir.join("preview-result.md");
                let partial = dir.join(".preview-result.md.partial");
                std::fs::write(&partial, &text)
                    .map_err(|e| io_error("cannot write", &partial, e))?;
                std::fs::rename(&partial, &result)
                    .map_err(|e| io_error("cannot write", &result, e))?;
                let _ = std::fs::remove_file(dir.join("preview"));
                continue;
            }
            if let Ok(reason) = std::fs::read_to_string(dir.join("reject")) {
                let reason = reason.trim();
                // `AgentError::Declined` says "the agent declined the round: <this>".
                return Err(AgentError::Declined(if reason.is_empty() {
                    "no reason given in `reject`".to_string()
                } else {
                    prompts::truncate(reason, 2_000)
                }));
            }
            if dir.join("done").exists() {
                break;
            }
            if let Some(limit) = self.config.timeout {
                if started.elapsed() >= limit {
                    return Err(AgentError::Timeout(limit));
                }
            }
            tokio::time::sleep(self.config.poll_interval).await;
        }
        let done = std::fs::read(dir.join("done")).unwrap_or_default();
        let done = String::from_utf8_lossy(&done[..done.len().min(1 << 20)]).into_owned();
        let (target, hypothesis, rationale, problem) = read_proposal_fields(&done);
        let change = match std::fs::read(dir.join("change.diff")) {
            Ok(bytes) => {
                let diff = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
                if diff.trim().is_empty() {
                    return Err(AgentError::NoChange("change.diff is empty".into()));
                }
                Change::Diff(diff)
            }
            Err(_) => {
                if bench.current_diff().trim().is_empty() {
                    return Err(AgentError::NoChange(
                        "`done` was written but the worktree is unchanged and there is no change.diff"
                            .into(),
                    ));
                }
                Change::EditedWorktree
            }
        };
        Ok(Proposal {
            agent: "inbox".into(),
            model: None,
            target,
            hypothesis,
            rationale,
            change,
            steps: 1,
            transcript: json!({
                "inbox": dir.display().to_string(),
                "waited_ms": started.elapsed().as_millis() as u64,
                "done_file": problem.unwrap_or_else(|| "read".to_string()),
            }),
        })
    }
}
