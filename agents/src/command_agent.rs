//! The `command` agent: runs a user-given command line (for example `codex exec …`, `claude -p …`,
//! `aider …`) through `sh -c` inside the candidate worktree.
//!
//! # Protocol (for the README)
//!
//! The command runs with the worktree as its current directory, standard input closed, and these
//! environment variables:
//!
//! | variable | value |
//! | --- | --- |
//! | `MOBEVOLVE_PROMPT_FILE` | a file holding the round prompt (Markdown; it ends with the instructions) |
//! | `MOBEVOLVE_SYSTEM_FILE` | a file holding the system prompt |
//! | `MOBEVOLVE_WORKTREE` | the absolute path of the worktree (also the current directory) |
//! | `MOBEVOLVE_ROUND` | the round number |
//! | `MOBEVOLVE_RUN` | the run id |
//! | `MOBEVOLVE_PROPOSAL_FILE` | where to write the proposal: `<worktree>/.mobevolve/proposal.json` (the folder exists) |
//!
//! The rest of the environment is the orchestrator's, without its own `MOBEVOLVE_*`
//! variables (the benchmark, runs and data folders are none of the agent's business).
//! The prompt files live in a temporary folder outside the worktree, removed afterwards. The
//! change is whatever the command leaves edited in the worktree (it must not commit). If
//! `.mobevolve/proposal.json` exists it is read for `{"target", "hypothesis", "rationale"}`
//! (strings; a missing or unreadable file or field gives "unspecified") and then deleted.
//! A non-zero exit status is a failure; so is leaving the worktree unchanged. A command still
//! running at the timeout is killed with its whole process group; so is one whose round is
//! cancelled (its future dropped). Standard output and error are captured, capped.
//!
//! With a [`CommandJail`] (the orchestrator always gives one) the command runs isolated:
//! its own unprivileged user, the worktree writable, the network, and nothing of the run's
//! records; the jail's pid namespace takes every process the command started — in any
//! session — down with it at the timeout, on cancellation and with the orchestrator. The
//! jail shows the system folders and those of `PATH`; the files and folders named by
//! absolute paths in the command line (a script, a configuration file) are shown read-only
//! too.
//!
//! Example: `claude -p "$(cat "$MOBEVOLVE_SYSTEM_FILE" "$MOBEVOLVE_PROMPT_FILE")"`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::contract::{Agent, AgentError, Change, Proposal, ProposalRequest, Workbench};
use crate::diff_reply::UNSPECIFIED;

/// A process to start in the agent's jail.
#[derive(Debug, Clone)]
pub struct JailRequest {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// The whole environment of the process.
    pub env: Vec<(String, String)>,
    /// The candidate worktree: the current folder, writable.
    pub worktree: PathBuf,
    /// Folders the process may read besides its view (the prompt files).
    pub readable: Vec<PathBuf>,
}

/// Starts the command isolated from the run's records; implemented by the orchestrator over
/// the sandbox's agent jail.
pub trait CommandJail: Send + Sync {
    /// A command running `request` as the agent's unprivileged user. Its pid must lead a
    /// process group whose death takes every process it started down with it.
    fn command(&self, request: &JailRequest) -> Result<std::process::Command, String>;

    /// Called once the command's group was killed (at its end, timeout or cancellation):
    /// kills whatever could have escaped it (a jail killed while it was starting).
    fn sweep(&self) {}
}

/// Settings of the `command` agent.
#[derive(Clone)]
pub struct CommandConfig {
    /// The command line, run with `sh -c`.
    pub command: String,
    pub timeout: Duration,
    /// Bytes kept of standard output and of standard error each.
    pub output_cap: usize,
    /// Where the command runs; `None` runs it directly as this process's user, in a process
    /// group of its own (workers that start their own session then escape the timeout).
    pub jail: Option<Arc<dyn CommandJail>>,
}

impl std::fmt::Debug for CommandConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandConfig")
            .field("command", &self.command)
            .field("timeout", &self.timeout)
            .field("output_cap", &self.output_cap)
            .field("jailed", &self.jail.is_some())
            .finish()
    }
}

impl CommandConfig {
    /// 30-minute timeout, 64 KiB of output kept, not jailed.
    pub fn new(command: &str) -> CommandConfig {
        CommandConfig {
            command: command.to_string(),
            timeout: Duration::from_secs(30 * 60),
            output_cap: 64 << 10,
            jail: None,
        }
    }
}

/// The orchestrator's variables that an agent must not see (they name the benchmarks —
/// with the test split —, the runs database and the raw data).
const PRIVATE_PREFIX: &str = "MOBEVOLVE_";

/// The `command` agent.
pub struct CommandAgent {
    config: CommandConfig,
}

impl CommandAgent {
    pub fn new(config: CommandConfig) -> CommandAgent {
        CommandAgent { config }
    }
}

/// The proposal fields a command or a person may leave; missing ones are "unspecified".
pub(crate) fn read_proposal_fields(text: &str) -> (String, String, String, Option<String>) {
    let field = |v: &Value, k: &str| {
        v[k].as_str()
            .map(|s| s.trim().chars().take(4_000).collect::<String>())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| UNSPECIFIED.to_string())
    };
    if text.trim().is_empty() {
        let u = || UNSPECIFIED.to_string();
        return (u(), u(), u(), None);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(v) => (
            field(&v, "target"),
            field(&v, "hypothesis"),
            field(&v, "rationale"),
            (!v.is_object()).then(|| "the proposal is not a JSON object".to_string()),
        ),
        Err(e) => {
            let u = || UNSPECIFIED.to_string();
            (
                u(),
                u(),
                u(),
                Some(format!("the proposal is not valid JSON: {e}")),
            )
        }
    }
}

/// Kills the process group on drop (timeout or cancellation), then lets the jail sweep.
struct GroupKiller {
    pgid: Option<u32>,
    jail: Option<Arc<dyn CommandJail>>,
}

impl GroupKiller {
    fn kill(&mut self) {
        if let Some(pgid) = self.pgid.take().and_then(|p| libc::pid_t::try_from(p).ok()) {
            if pgid > 1 {
                // SAFETY: a plain system call.
                unsafe {
                    libc::killpg(pgid, libc::SIGKILL);
                }
            }
            if let Some(jail) = &self.jail {
                jail.sweep();
            }
        }
    }
}

impl Drop for GroupKiller {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads a stream to its end, keeping at most `cap` bytes.
async fn read_capped<R: AsyncRead + Unpin>(mut stream: R, cap: usize) -> (Vec<u8>, usize) {
    let mut kept = Vec::new();
    let mut dropped = 0usize;
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len()).min(n);
                kept.extend_from_slice(&buf[..room]);
                dropped += n - room;
            }
        }
    }
    (kept, dropped)
}

fn shown((bytes, dropped): &(Vec<u8>, usize)) -> String {
    let mut s = String::from_utf8_lossy(bytes).into_owned();
    if *dropped > 0 {
        s.push_str(&format!("\n[… {dropped} more bytes not kept]"));
    }
    s
}

fn temp_prompt_dir(req: &ProposalRequest) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "mobevolve-command-{}-{}-{}-{nanos}",
        req.run_id,
        req.round,
        std::process::id()
    ))
}

/// The existing files and folders a command line names by absolute path
/// (`/opt/agent/run.sh`, `--config=/home/me/agent.toml`).
pub fn paths_named(command: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = command
        .split(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '=' | ':' | ';' | '(' | ')'))
        .filter(|t| t.starts_with('/') && t.len() > 1)
        .map(PathBuf::from)
        .filter(|p| p.is_dir() || p.is_file())
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Removes the prompt folder on every exit path.
struct RemoveDir(PathBuf);

impl Drop for RemoveDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn take_proposal_file(worktree: &Path) -> Option<String> {
    let path = worktree.join(".mobevolve").join("proposal.json");
    let text = std::fs::read(&path).ok()?;
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir(worktree.join(".mobevolve")); // only if now empty
    let cut = &text[..text.len().min(1 << 20)];
    Some(String::from_utf8_lossy(cut).into_owned())
}

#[async_trait]
impl Agent for CommandAgent {
    async fn preflight(&mut self) -> Result<(), AgentError> {
        // The command's program must exist (a shell word list: the first word that is not an
        // environment assignment).
        let program = self
            .config
            .command
            .split_whitespace()
            .find(|w| !w.contains('='))
            .unwrap_or_default()
            .trim_matches(|c| c == '\'' || c == '"');
        if program.is_empty() {
            return Err(AgentError::Unavailable("the agent command is empty".into()));
        }
        let found = tokio::process::Command::new("sh")
            .arg("-c")
            .arg("command -v \"$1\"")
            .arg("sh")
            .arg(program)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await
            .map(|s| s.success())
            .unwrap_or(false);
        if !found {
            return Err(AgentError::Unavailable(format!(
                "the agent command's program `{program}` is not found (PATH={})",
                std::env::var("PATH").unwrap_or_default()
            )));
        }
        Ok(())
    }

    fn name(&self) -> &str {
        "command"
    }

    fn return_mode(&self) -> prompts::ReturnMode {
        prompts::ReturnMode::Command
    }

    async fn propose(
        &mut self,
        req: &ProposalRequest,
        bench: &dyn Workbench,
    ) -> Result<Proposal, AgentError> {
        let setup = |what: &str, e: std::io::Error| AgentError::Setup(format!("{what}: {e}"));
        let dir = temp_prompt_dir(req);
        std::fs::create_dir_all(&dir)
            .map_err(|e| setup(&format!("cannot create {}", dir.display()), e))?;
        let _cleanup = RemoveDir(dir.clone());
        let prompt_file = dir.join("prompt.md");
        let system_file = dir.join("system.md");
        std::fs::write(&prompt_file, &req.round_prompt)
            .map_err(|e| setup("cannot write the prompt file", e))?;
        std::fs::write(&system_file, &req.system_prompt)
            .map_err(|e| setup("cannot write the system file", e))?;
        // A stale proposal from an earlier attempt must not be taken for this one.
        let _ = take_proposal_file(&req.worktree);
        let proposal_dir = req.worktree.join(".mobevolve");
        std::fs::create_dir_all(&proposal_dir)
            .map_err(|e| setup(&format!("cannot create {}", proposal_dir.display()), e))?;
        let proposal_file = proposal_dir.join("proposal.json");
        // Previews: the script (readable in the jail) creates the request file in the
        // worktree's `.mobevolve` folder (writable there); the result appears beside it.
        let preview_request = proposal_dir.join("preview-request");
        let preview_result = proposal_dir.join("preview-result.md");
        let preview_script = dir.join("preview.sh");
        std::fs::write(
            &preview_script,
            format!(
                "#!/bin/sh\n# Asks the orchestrator for a preview of the worktree's change and prints it.\nrm -f '{result}'\n: > '{request}'\nwhile [ ! -f '{result}' ]; do sleep 1; done\ncat '{result}'\n",
                result = preview_result.display(),
                request = preview_request.display()
            ),
        )
        .map_err(|e| setup("cannot write the preview script", e))?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&preview_script, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| setup("cannot make the preview script executable", e))?;
        }

        let mut env: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| !k.starts_with(PRIVATE_PREFIX))
            .collect();
        for (k, v) in [
            ("MOBEVOLVE_PROMPT_FILE", prompt_file.display().to_string()),
            ("MOBEVOLVE_SYSTEM_FILE", system_file.display().to_string()),
            ("MOBEVOLVE_WORKTREE", req.worktree.display().to_string()),
            ("MOBEVOLVE_ROUND", req.round.to_string()),
            ("MOBEVOLVE_RUN", req.run_id.to_string()),
            (
                "MOBEVOLVE_PROPOSAL_FILE",
                proposal_file.display().to_string(),
            ),
            ("MOBEVOLVE_PREVIEW", preview_script.display().to_string()),
        ] {
            env.push((k.to_string(), v));
        }
        let started = Instant::now();
        let mut command = match &self.config.jail {
            Some(jail) => {
                let std_command = jail
                    .command(&JailRequest {
                        program: PathBuf::from("/bin/sh"),
                        args: vec!["-c".into(), self.config.command.clone()],
                        env,
                        worktree: req.worktree.clone(),
                        readable: std::iter::once(dir.clone())
                            .chain(paths_named(&self.config.command))
                            .collect(),
                    })
                    .map_err(AgentError::Setup)?;
                // The jail makes the process lead its own session and process group.
                tokio::process::Command::from(std_command)
            }
            None => {
                let mut c = tokio::process::Command::new("sh");
                c.arg("-c")
                    .arg(&self.config.command)
                    .current_dir(&req.worktree)
                    .env_clear()
                    .envs(env)
                    .process_group(0);
                c
            }
        };
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                AgentError::Unavailable(format!(
                    "cannot start `sh -c {}`: {e}",
                    self.config.command
                ))
            })?;
        let mut killer = GroupKiller {
            pgid: child.id(),
            jail: self.config.jail.clone(),
        };
        let cap = self.config.output_cap;
        let stdout = tokio::spawn(read_capped(child.stdout.take().expect("piped"), cap));
        let stderr = tokio::spawn(read_capped(child.stderr.take().expect("piped"), cap));

        let deadline = tokio::time::Instant::now() + self.config.timeout;
        let status = loop {
            tokio::select! {
                // `Child::wait` is cancel-safe: the poll below may win any number of times.
                waited = child.wait() => match waited {
                    Ok(status) => break Some(status),
                    Err(e) => {
                        return Err(AgentError::Command(format!(
                            "cannot wait for the command: {e}"
                        )))
                    }
                },
                _ = tokio::time::sleep_until(deadline) => break None,
                _ = tokio::time::sleep(PREVIEW_POLL) => {
                    if preview_request.exists() {
                        let text = bench.preview().await.text;
                        let partial = proposal_dir.join(".preview-result.partial");
                        if std::fs::write(&partial, text).is_ok() {
                            let _ = std::fs::rename(&partial, &preview_result);
                        }
                        let _ = std::fs::remove_file(&preview_request);
                    }
                }
            }
        };
        // Kill whatever is left of the group (children that outlived `sh`, or all on timeout).
        killer.kill();
        if status.is_none() {
            let _ = child.wait().await;
        }
        let grace = Duration::from_secs(5);
        let out = tokio::time::timeout(grace, stdout)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let err = tokio::time::timeout(grace, stderr)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let mut transcript = json!({
            "command": self.config.command,
            "duration_ms": started.elapsed().as_millis() as u64,
            "exit_code": status.and_then(|s| s.code()),
            "stdout": shown(&out),
            "stderr": shown(&err),
        });
        let Some(status) = status else {
            let _ = take_proposal_file(&req.worktree);
            return Err(AgentError::Timeout(self.config.timeout));
        };
        let proposal_text = take_proposal_file(&req.worktree);
        // 126/127: the shell could not find or run the command — nothing was tried.
        if matches!(status.code(), Some(126 | 127)) && bench.current_diff().trim().is_empty() {
            return Err(AgentError::Unavailable(format!(
                "`{}` could not run (exit {status}): {}",
                self.config.command,
                tail(&shown(&err), 1_000)
            )));
        }
        if !status.success() {
            return Err(AgentError::Command(format!(
                "`{}` exited with {status}; its standard error ends with: {}",
                self.config.command,
                tail(&shown(&err), 1_000)
            )));
        }
        if bench.current_diff().trim().is_empty() {
            return Err(AgentError::NoChange(
                "the command finished without changing the worktree".into(),
            ));
        }
        let (target, hypothesis, rationale, problem) =
            read_proposal_fields(proposal_text.as_deref().unwrap_or(""));
        transcript["proposal_file"] = json!(match (&proposal_text, &problem) {
            (None, _) => "absent".to_string(),
            (Some(_), Some(p)) => p.clone(),
            (Some(_), None) => "read".to_string(),
        });
        Ok(Proposal {
            agent: "command".into(),
            model: None,
            target,
            hypothesis,
            rationale,
            change: Change::EditedWorktree,
            steps: 1,
            transcript,
        })
    }
}

/// How often a running command's preview requests are looked for.
const PREVIEW_POLL: Duration = Duration::from_millis(300);

fn tail(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}
