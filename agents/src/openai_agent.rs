//! The `openai` agent: any OpenAI-compatible chat-completions endpoint, through async-openai and
//! our tower stack ([`crate::transport`]).
//!
//! Every LLM call is hashed ([`crate::request_hash`] over the request body plus run, round and
//! step) and looked up in the [`LlmCallStore`] first: a hit replays the stored response and sends
//! no HTTP request, so a resumed run never pays twice. Otherwise the run's [`Budget`] is checked
//! (the call is refused, unsent, if its estimate would cross a limit), the request is sent, and the
//! response is recorded (tokens, cost, latency, attempts) before it is interpreted.
//!
//! Two modes:
//! - **tools** (default): a tool-calling loop over the worktree (list_files, read_file, search,
//!   apply_edit, write_file, apply_diff, check_build, submit). Every tool call, and every reply
//!   without tool calls, uses one of `max_steps` steps. Invalid arguments or unknown tools get an
//!   error result, never a crash. `submit` is accepted only when the worktree has a change that
//!   builds (checked if no clean `check_build` followed the last edit); a submit whose change does
//!   not build counts as a repair, bounded by `max_repairs`. At the step bound: if
//!   `salvage_unsubmitted` is set and the worktree holds a change that builds, it is proposed with
//!   the hypothesis marked as not submitted; otherwise [`AgentError::StepLimit`].
//! - **diff** (for models without tool calling): the reply carries TARGET / HYPOTHESIS / RATIONALE
//!   and one ```diff block; it is applied and built, and on failure the worktree is reset and the
//!   repair prompt sent, at most `max_repairs` times.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::budget::{cost_usd, SharedBudget};
use crate::call_store::{request_hash, LlmCallRecord, LlmCallStore};
use crate::contract::{Agent, AgentError, Change, Proposal, ProposalRequest, Workbench};
use crate::diff_reply::{parse_diff_reply, UNSPECIFIED};
use crate::transport::{ChatTransport, TransportConfig, TransportError};
use crate::worktree_tools::{
    parse_tool_call, run_simple_tool, tool_definitions, ToolCall, ToolRequest, BUILD_ERRORS_BUDGET,
};

/// How the model returns its change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenAiMode {
    Tools,
    Diff,
}

/// Settings of the `openai` agent.
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// e.g. `https://api.openai.com/v1`, or a local server `http://127.0.0.1:8080/v1`.
    pub base_url: String,
    pub model: String,
    /// `None` for local servers that need no key.
    pub api_key: Option<String>,
    pub temperature: Option<f64>,
    /// Sent as `max_completion_tokens` when set, and reserved in the budget check.
    pub max_completion_tokens: Option<u32>,
    pub mode: OpenAiMode,
    /// Tool-mode step bound (tool calls, plus replies without tool calls).
    pub max_steps: u32,
    /// Repairs after a change that does not apply or build.
    pub max_repairs: u32,
    /// USD per million input tokens.
    pub price_in_per_mtok: f64,
    /// USD per million output tokens.
    pub price_out_per_mtok: f64,
    pub call_timeout: Duration,
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub retry_after_max: Duration,
    pub jitter_seed: u64,
    pub max_concurrency: usize,
    pub max_response_bytes: usize,
    pub salvage_unsubmitted: bool,
    pub templates: prompts::Templates,
}

impl OpenAiConfig {
    /// Defaults: tools mode, 30 steps, 3 repairs, 300 s per attempt, 4 retries (1 s → 30 s
    /// backoff), price 0 (set it for a paid endpoint), API key from `OPENAI_API_KEY` if set.
    pub fn new(base_url: &str, model: &str) -> OpenAiConfig {
        OpenAiConfig {
            base_url: base_url.to_string(),
            model: model.to_string(),
            api_key: crate::transport::api_key_from_env(),
            temperature: None,
            max_completion_tokens: None,
            mode: OpenAiMode::Tools,
            max_steps: 30,
            max_repairs: 3,
            price_in_per_mtok: 0.0,
            price_out_per_mtok: 0.0,
            call_timeout: Duration::from_secs(300),
            max_retries: 4,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            retry_after_max: Duration::from_secs(120),
            jitter_seed: 0x6d6f_6265_766f_6c76,
            max_concurrency: 4,
            max_response_bytes: 8 << 20,
            salvage_unsubmitted: true,
            templates: prompts::Templates::builtin(),
        }
    }
}

/// Counters of one agent (all rounds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallStats {
    /// Calls answered by the endpoint (recorded).
    pub paid_calls: u32,
    /// Calls answered from the store (no HTTP request).
    pub replayed_calls: u32,
    /// HTTP requests sent, retries included.
    pub http_attempts: u32,
    pub retries: u32,
    /// Time waited before retries (backoff or `Retry-After`), in milliseconds.
    pub backoff_ms: u64,
}

/// The `openai` agent.
pub struct OpenAiAgent {
    config: OpenAiConfig,
    transport: ChatTransport,
    budget: SharedBudget,
    store: Arc<dyn LlmCallStore>,
    paid_calls: u32,
    replayed_calls: u32,
}

/// One LLM reply, read leniently.
struct Reply {
    /// `None` when the reply has no usable message (the reason is in `problem`).
    message: Option<Message>,
    problem: String,
    finish_reason: Option<String>,
    tokens_in: u64,
    replayed: bool,
    hash: String,
}

struct Message {
    content: String,
    tool_calls: Vec<ToolCall>,
}

/// Bytes of a reply's text sent back in the conversation.
const ECHO_BUDGET: usize = 20_000;
/// Bytes of a text kept in the transcript.
const TRANSCRIPT_BUDGET: usize = 1_500;

const NUDGE: &str = "Reply with tool calls only. Make one focused change, check_build, then call submit with target, hypothesis and rationale.";

impl OpenAiAgent {
    pub fn new(
        config: OpenAiConfig,
        budget: SharedBudget,
        store: Arc<dyn LlmCallStore>,
    ) -> Result<OpenAiAgent, AgentError> {
        if config.model.trim().is_empty() {
            return Err(AgentError::Setup("no model name was given".into()));
        }
        let transport = ChatTransport::new(TransportConfig {
            base_url: config.base_url.clone(),
            api_key: config.api_key.clone(),
            call_timeout: config.call_timeout,
            max_retries: config.max_retries,
            backoff_base: config.backoff_base,
            backoff_max: config.backoff_max,
            retry_after_max: config.retry_after_max,
            jitter_seed: config.jitter_seed,
            max_concurrency: config.max_concurrency,
            max_response_bytes: config.max_response_bytes,
        })
        .map_err(AgentError::Setup)?;
        Ok(OpenAiAgent {
            config,
            transport,
            budget,
            store,
            paid_calls: 0,
            replayed_calls: 0,
        })
    }

    pub fn stats(&self) -> CallStats {
        use std::sync::atomic::Ordering;
        let s = self.transport.stats();
        CallStats {
            paid_calls: self.paid_calls,
            replayed_calls: self.replayed_calls,
            http_attempts: s.http_attempts.load(Ordering::SeqCst),
            retries: s.retries.load(Ordering::SeqCst),
            backoff_ms: s.backoff_ms.load(Ordering::SeqCst),
        }
    }

    fn request_body(&self, messages: &[Value], tools: Option<&Value>) -> Value {
        let mut body = json!({
            "model": self.config.model,
            "messages": messages,
            "stream": false,
        });
        if let Some(t) = self.config.temperature {
            body["temperature"] = json!(t);
        }
        if let Some(m) = self.config.max_completion_tokens {
            body["max_completion_tokens"] = json!(m);
        }
        if let Some(tools) = tools {
            body["tools"] = tools.clone();
            body["tool_choice"] = json!("auto");
        }
        body
    }

    /// One LLM call: replay, or budget check + send + record + charge.
    async fn call(
        &mut self,
        req: &ProposalRequest,
        step: u32,
        messages: &[Value],
        tools: Option<&Value>,
        last_tokens_in: u64,
    ) -> Result<Reply, AgentError> {
        let body = self.request_body(messages, tools);
        let hash = request_hash(req.run_id, req.round, step, &body);
        if let Some(stored) = self.store.lookup(&hash).await {
            self.replayed_calls += 1;
            tracing::info!(round = req.round, step, "LLM call replayed from the store");
            return Ok(read_reply(&stored.response, stored.tokens_in, hash, true));
        }
        let body_bytes = body.to_string().len() as u64;
        let est_in = (body_bytes / 4).max(last_tokens_in);
        let est_out = self.config.max_completion_tokens.unwrap_or(0) as u64;
        let est_usd = cost_usd(
            est_in,
            est_out,
            self.config.price_in_per_mtok,
            self.config.price_out_per_mtok,
        );
        {
            let budget = self.budget.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(detail) = budget.would_exceed(est_in + est_out, est_usd) {
                return Err(AgentError::BudgetExhausted { detail });
            }
        }
        let attempts_before = self.stats().http_attempts;
        let started = Instant::now();
        let result = self.transport.chat(&body).await;
        let latency_ms = started.elapsed().as_millis() as u64;
        let attempts = self.stats().http_attempts - attempts_before;
        let response = match result {
            Ok(v) => v,
            Err(TransportError::NotJson { body }) => {
                json!({ "unparseable_body": prompts::truncate(&body, 64_000) })
            }
            Err(TransportError::Unreachable { attempts, message }) => {
                return Err(AgentError::Transport { attempts, message })
            }
            Err(TransportError::Refused { status, message }) => {
                return Err(AgentError::Refused { status, message })
            }
            Err(TransportError::Other(m)) => {
                return Err(AgentError::Transport {
                    attempts,
                    message: m,
                })
            }
        };
        let usage = &response["usage"];
        let reported_in = usage["prompt_tokens"].as_u64();
        let reported_out = usage["completion_tokens"].as_u64();
        let tokens_estimated = reported_in.is_none() || reported_out.is_none();
        let tokens_in = reported_in.unwrap_or(est_in);
        let tokens_out =
            reported_out.unwrap_or_else(|| (response.to_string().len() as u64 / 4).max(1));
        let cost = cost_usd(
            tokens_in,
            tokens_out,
            self.config.price_in_per_mtok,
            self.config.price_out_per_mtok,
        );
        self.store
            .record(&LlmCallRecord {
                run_id: req.run_id,
                round: req.round,
                step,
                request_hash: hash.clone(),
                model: self.config.model.clone(),
                request: body,
                response: response.clone(),
                tokens_in,
                tokens_out,
                tokens_estimated,
                cost_usd: cost,
                latency_ms,
                attempts,
            })
            .await;
        self.budget
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .charge(tokens_in + tokens_out, cost);
        self.paid_calls += 1;
        Ok(read_reply(&response, tokens_in, hash, false))
    }

    async fn propose_with_tools(
        &mut self,
        req: &ProposalRequest,
        bench: &dyn Workbench,
    ) -> Result<Proposal, AgentError> {
        let tools = tool_definitions();
        let mut messages = vec![
            json!({"role": "system", "content": req.system_prompt}),
            json!({"role": "user", "content": req.round_prompt}),
        ];
        let mut log = Vec::new();
        let max_steps = self.config.max_steps;
        let (mut steps_used, mut llm_calls, mut build_failures) = (0u32, 0u32, 0u32);
        let mut built_clean = false;
        let mut last_tokens_in = 0;
        while steps_used < max_steps {
            let reply = self
                .call(req, llm_calls, &messages, Some(&tools), last_tokens_in)
                .await?;
            llm_calls += 1;
            last_tokens_in = last_tokens_in.max(reply.tokens_in);
            let mut entry =
                json!({"step": llm_calls - 1, "hash": reply.hash, "replayed": reply.replayed});
            let Some(message) = reply.message else {
                steps_used += 1;
                entry["problem"] = json!(reply.problem);
                log.push(entry);
                messages.push(json!({"role": "user", "content": format!("Your last reply could not be read ({}). {NUDGE}", reply.problem)}));
                continue;
            };
            if !message.content.is_empty() {
                entry["content"] = json!(prompts::truncate(&message.content, TRANSCRIPT_BUDGET));
            }
            if message.tool_calls.is_empty() {
                steps_used += 1;
                log.push(entry);
                messages.push(json!({"role": "assistant", "content": prompts::truncate(&message.content, ECHO_BUDGET)}));
                messages.push(json!({"role": "user", "content": NUDGE}));
                continue;
            }
            messages.push(assistant_with_tool_calls(&message));
            let mut calls_log = Vec::new();
            for call in &message.tool_calls {
                let result = if steps_used >= max_steps {
                    "error: the step limit is reached; this tool call was not run".to_string()
                } else {
                    steps_used += 1;
                    match parse_tool_call(call) {
                        Err(e) => e,
                        Ok(ToolRequest::CheckBuild) => {
                            let outcome = bench.check_build().await;
                            built_clean = outcome.ok;
                            if outcome.ok {
                                "ok: it builds".to_string()
                            } else {
                                format!(
                                    "build failed:\n{}",
                                    prompts::truncate(&outcome.errors, BUILD_ERRORS_BUDGET)
                                )
                            }
                        }
                        Ok(ToolRequest::Preview) => {
                            prompts::truncate(&bench.preview().await.text, BUILD_ERRORS_BUDGET)
                        }
                        Ok(ToolRequest::Submit {
                            target,
                            hypothesis,
                            rationale,
                        }) => {
                            if target.trim().is_empty() || hypothesis.trim().is_empty() {
                                "error: submit needs a non-empty target and hypothesis".to_string()
                            } else {
                                match self
                                    .try_submit(bench, &mut built_clean, &mut build_failures)
                                    .await?
                                {
                                    None => {
                                        calls_log
                                            .push(json!({"name": "submit", "result": "accepted"}));
                                        entry["tool_calls"] = json!(calls_log);
                                        log.push(entry);
                                        return Ok(self.proposal(
                                            target,
                                            hypothesis,
                                            rationale,
                                            Change::EditedWorktree,
                                            llm_calls,
                                            log,
                                        ));
                                    }
                                    Some(refusal) => refusal,
                                }
                            }
                        }
                        Ok(request) => {
                            let out = run_simple_tool(&request, bench);
                            if request.edits() {
                                built_clean = false;
                            }
                            out
                        }
                    }
                };
                calls_log.push(json!({
                    "name": prompts::truncate(&call.name, 80),
                    "arguments": prompts::truncate(&call.arguments, 400),
                    "result": prompts::truncate(&result, 400),
                }));
                messages.push(json!({"role": "tool", "tool_call_id": call.id, "content": result}));
            }
            entry["tool_calls"] = json!(calls_log);
            log.push(entry);
        }
        if self.config.salvage_unsubmitted && !bench.current_diff().trim().is_empty() {
            let builds = built_clean || bench.check_build().await.ok;
            if builds {
                return Ok(self.proposal(
                    UNSPECIFIED.to_string(),
                    "(not submitted: the agent reached its step limit; this is the change it left, which builds)"
                        .to_string(),
                    UNSPECIFIED.to_string(),
                    Change::EditedWorktree,
                    llm_calls,
                    log,
                ));
            }
        }
        Err(AgentError::StepLimit { steps: max_steps })
    }

    /// `None` = the submit is accepted (a change that builds); `Some(text)` = refused, sent back.
    async fn try_submit(
        &self,
        bench: &dyn Workbench,
        built_clean: &mut bool,
        build_failures: &mut u32,
    ) -> Result<Option<String>, AgentError> {
        if bench.current_diff().trim().is_empty() {
            return Ok(Some(
                "error: there is no change in the worktree yet; edit a file before submit"
                    .to_string(),
            ));
        }
        if !*built_clean {
            let outcome = bench.check_build().await;
            *built_clean = outcome.ok;
            if !outcome.ok {
                *build_failures += 1;
                if *build_failures > self.config.max_repairs {
                    return Err(AgentError::RepairsExhausted {
                        repairs: self.config.max_repairs,
                        kind: "compile error".into(),
                        last_error: prompts::truncate(&outcome.errors, 2_000),
                    });
                }
                return Ok(Some(format!(
                    "error: the change does not build (repair {} of {}); fix it and submit again:\n{}",
                    build_failures,
                    self.config.max_repairs,
                    prompts::truncate(&outcome.errors, BUILD_ERRORS_BUDGET)
                )));
            }
        }
        Ok(None)
    }

    async fn propose_with_diff(
        &mut self,
        req: &ProposalRequest,
        bench: &dyn Workbench,
    ) -> Result<Proposal, AgentError> {
        let mut messages = vec![
            json!({"role": "system", "content": req.system_prompt}),
            json!({"role": "user", "content": req.round_prompt}),
        ];
        let mut log = Vec::new();
        let (mut llm_calls, mut repairs) = (0u32, 0u32);
        let mut last_tokens_in = 0;
        loop {
            let reply = self
                .call(req, llm_calls, &messages, None, last_tokens_in)
                .await?;
            llm_calls += 1;
            last_tokens_in = last_tokens_in.max(reply.tokens_in);
            let content = reply
                .message
                .as_ref()
                .map(|m| m.content.clone())
                .unwrap_or_default();
            let truncated = reply.finish_reason.as_deref() == Some("length");
            let mut entry = json!({
                "step": llm_calls - 1, "hash": reply.hash, "replayed": reply.replayed,
                "content": prompts::truncate(&content, TRANSCRIPT_BUDGET),
            });
            let (kind, details) = match reply.message {
                None => ("unreadable reply", reply.problem.clone()),
                Some(_) => match parse_diff_reply(&content, truncated) {
                    Err(e) => ("unreadable reply", e),
                    Ok(parsed) => match bench.apply_diff(&parsed.diff) {
                        Err(e) => ("the diff did not apply", e),
                        Ok(()) => {
                            let outcome = bench.check_build().await;
                            if !outcome.ok {
                                ("compile error", outcome.errors)
                            } else if bench.current_diff().trim().is_empty() {
                                ("empty change", "the diff changes nothing".to_string())
                            } else {
                                entry["result"] = json!("applied and builds");
                                log.push(entry);
                                return Ok(self.proposal(
                                    parsed.target,
                                    parsed.hypothesis,
                                    parsed.rationale,
                                    Change::EditedWorktree,
                                    llm_calls,
                                    log,
                                ));
                            }
                        }
                    },
                },
            };
            entry["result"] = json!(format!(
                "{kind}: {}",
                prompts::truncate(&details, TRANSCRIPT_BUDGET)
            ));
            log.push(entry);
            bench.reset();
            if repairs >= self.config.max_repairs {
                return Err(AgentError::RepairsExhausted {
                    repairs,
                    kind: kind.to_string(),
                    last_error: prompts::truncate(&details, 2_000),
                });
            }
            repairs += 1;
            let repair = self
                .config
                .templates
                .repair(&prompts::RepairInput {
                    kind: kind.to_string(),
                    details,
                    attempt: repairs,
                    max_attempts: self.config.max_repairs,
                })
                .map_err(|e| AgentError::Setup(e.to_string()))?;
            messages.push(
                json!({"role": "assistant", "content": prompts::truncate(&content, ECHO_BUDGET)}),
            );
            messages.push(json!({"role": "user", "content": repair}));
        }
    }

    fn proposal(
        &self,
        target: String,
        hypothesis: String,
        rationale: String,
        change: Change,
        steps: u32,
        log: Vec<Value>,
    ) -> Proposal {
        Proposal {
            agent: "openai".into(),
            model: Some(self.config.model.clone()),
            target,
            hypothesis,
            rationale,
            change,
            steps,
            transcript: json!({
                "mode": match self.config.mode { OpenAiMode::Tools => "tools", OpenAiMode::Diff => "diff" },
                "calls": log,
            }),
        }
    }
}

/// The assistant message echoed back before the tool results (sanitised ids, names, arguments).
fn assistant_with_tool_calls(message: &Message) -> Value {
    let calls: Vec<Value> = message
        .tool_calls
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            })
        })
        .collect();
    let content = if message.content.is_empty() {
        Value::Null
    } else {
        json!(prompts::truncate(&message.content, ECHO_BUDGET))
    };
    json!({"role": "assistant", "content": content, "tool_calls": calls})
}

/// Reads a chat-completion response leniently.
fn read_reply(response: &Value, tokens_in: u64, hash: String, replayed: bool) -> Reply {
    let mut reply = Reply {
        message: None,
        problem: String::new(),
        finish_reason: None,
        tokens_in,
        replayed,
        hash,
    };
    if let Some(body) = response.get("unparseable_body").and_then(Value::as_str) {
        reply.problem = format!(
            "the endpoint answered with something that is not JSON: {}",
            prompts::truncate(body, 300)
        );
        return reply;
    }
    let Some(choice) = response["choices"].as_array().and_then(|c| c.first()) else {
        let error = &response["error"]["message"];
        reply.problem = match error.as_str() {
            Some(e) => format!(
                "the endpoint answered with an error: {}",
                prompts::truncate(e, 300)
            ),
            None => "the response has no choices".to_string(),
        };
        return reply;
    };
    reply.finish_reason = choice["finish_reason"].as_str().map(str::to_string);
    let m = &choice["message"];
    if !m.is_object() {
        reply.problem = "the response has no message".to_string();
        return reply;
    }
    let content = match &m["content"] {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str().or_else(|| p.as_str()))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    };
    let mut tool_calls = Vec::new();
    if let Some(calls) = m["tool_calls"].as_array() {
        for (i, c) in calls.iter().enumerate().take(64) {
            let id = match c["id"].as_str() {
                Some(id) if !id.is_empty() => id.chars().take(200).collect(),
                _ => format!("call_{i}"),
            };
            let f = &c["function"];
            let name = f["name"].as_str().unwrap_or("").chars().take(200).collect();
            let arguments = match &f["arguments"] {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            tool_calls.push(ToolCall {
                id,
                name,
                arguments,
            });
        }
    }
    reply.message = Some(Message {
        content,
        tool_calls,
    });
    reply
}

#[async_trait]
impl Agent for OpenAiAgent {
    fn name(&self) -> &str {
        "openai"
    }

    fn return_mode(&self) -> prompts::ReturnMode {
        match self.config.mode {
            OpenAiMode::Tools => prompts::ReturnMode::Tools {
                max_steps: self.config.max_steps,
            },
            OpenAiMode::Diff => prompts::ReturnMode::Diff,
        }
    }

    async fn preflight(&mut self) -> Result<(), AgentError> {
        let base = &self.config.base_url;
        match self.transport.list_models().await {
            Ok(Some(models)) if !models.is_empty() && !models.contains(&self.config.model) => {
                let mut shown: Vec<&str> = models.iter().map(String::as_str).take(20).collect();
                shown.sort_unstable();
                Err(AgentError::Unavailable(format!(
                    "the endpoint {base} does not serve the model `{}`; it serves: {}",
                    self.config.model,
                    shown.join(", ")
                )))
            }
            Ok(_) => Ok(()),
            Err(TransportError::Refused { status, message }) => Err(AgentError::Unavailable(
                format!("the endpoint {base} refused the request (HTTP {status}): {message}"),
            )),
            Err(TransportError::Unreachable { message, .. }) => Err(AgentError::Unavailable(
                format!("the endpoint {base} cannot be reached: {message}"),
            )),
            Err(e) => Err(AgentError::Unavailable(format!(
                "the endpoint {base} did not answer as expected: {e:?}"
            ))),
        }
    }

    async fn propose(
        &mut self,
        req: &ProposalRequest,
        bench: &dyn Workbench,
    ) -> Result<Proposal, AgentError> {
        match self.config.mode {
            OpenAiMode::Tools => self.propose_with_tools(req, bench).await,
            OpenAiMode::Diff => self.propose_with_diff(req, bench).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hostile_responses_without_panicking() {
        for response in [
            json!(null),
            json!({}),
            json!({"choices": []}),
            json!({"choices": [null]}),
            json!({"choices": [{"message": 3}]}),
            json!({"choices": [{"message": {"tool_calls": [null, 1, {"function": 2}]}}]}),
            json!({"error": {"message": "boom"}}),
            json!({"unparseable_body": "<html>"}),
        ] {
            let r = read_reply(&response, 0, "h".into(), false);
            if let Some(m) = r.message {
                for c in m.tool_calls {
                    assert!(!c.id.is_empty());
                }
            } else {
                assert!(!r.problem.is_empty());
            }
        }
        let r = read_reply(
            &json!({"choices": [{"finish_reason": "tool_calls", "message": {"content": [{"type": "text", "text": "hi"}],
                "tool_calls": [{"id": "a", "function": {"name": "read_file", "arguments": {"path": "x"}}}]}}]}),
            0,
            "h".into(),
            false,
        );
        let m = r.message.unwrap();
        assert_eq!(m.content, "hi");
        assert_eq!(m.tool_calls[0].arguments, r#"{"path":"x"}"#);
    }
}
