//! One LLM call: the response cache first, then the budget, then the `agents` crate's
//! OpenAI-compatible transport (async-openai through a tower stack: concurrency limit,
//! retries with exponential backoff and `Retry-After`, a timeout per attempt), and the
//! response recorded in the cache before it is interpreted.
//!
//! The budget covers every call of the output, cached ones included (at their recorded
//! tokens and today's prices): a rerun with the same `--budget-usd` replays what it can and
//! stops where the first run stopped, sending nothing; a larger budget continues from there.
//! A call is refused, unsent, when the cost spent so far, plus the estimates of the calls in
//! flight, plus its own estimate (request bytes / 4 input tokens and `max_completion_tokens`
//! output tokens) would cross the budget.

use crate::cache::{request_hash, CacheError, CachedCall, ResponseCache};
use agents::budget::cost_usd;
use agents::transport::{ChatTransport, TransportConfig, TransportError};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where and how to call the model.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// e.g. `https://api.openai.com/v1`, or a local server `http://127.0.0.1:8080/v1`.
    pub base_url: String,
    pub model: String,
    /// `None` for local servers that need no key (see `agents::transport::api_key_from_env`).
    pub api_key: Option<String>,
    /// Sent when set; the endpoint's default otherwise.
    pub temperature: Option<f64>,
    /// Sent as `max_completion_tokens`; also the output tokens reserved by the budget check.
    pub max_completion_tokens: Option<u32>,
    /// Send `response_format: {"type": "json_object"}` (servers without it may refuse it).
    pub json_mode: bool,
    /// USD per million input tokens.
    pub price_in_per_mtok: f64,
    /// USD per million output tokens.
    pub price_out_per_mtok: f64,
    /// Stop cleanly before a call that would cross this spend (cached calls included).
    pub budget_usd: Option<f64>,
    /// Limit for one HTTP attempt, body included.
    pub call_timeout: Duration,
    /// Retries after the first attempt (rate limits, 5xx, time-outs, network errors).
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// The longest `Retry-After` honoured.
    pub retry_after_max: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
}

impl EndpointConfig {
    /// Defaults: key from `OPENAI_API_KEY`, JSON mode, 1,000 completion tokens, price 0,
    /// no budget, 120 s per attempt, 4 retries (1 s → 30 s backoff, `Retry-After` up to
    /// 120 s), 8 requests in flight.
    pub fn new(base_url: &str, model: &str) -> EndpointConfig {
        EndpointConfig {
            base_url: base_url.to_string(),
            model: model.to_string(),
            api_key: agents::transport::api_key_from_env(),
            temperature: None,
            max_completion_tokens: Some(1_000),
            json_mode: true,
            price_in_per_mtok: 0.0,
            price_out_per_mtok: 0.0,
            budget_usd: None,
            call_timeout: Duration::from_secs(120),
            max_retries: 4,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            retry_after_max: Duration::from_secs(120),
            concurrency: 8,
        }
    }
}

/// A call's response and what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct CallOutcome {
    pub response: Value,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// At today's prices.
    pub cost_usd: f64,
    /// Recorded latency (for a cached call, that of the original call).
    pub latency_ms: u64,
    /// Answered from the cache: no request was sent.
    pub cached: bool,
}

/// Why a call was not answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// The budget would be crossed; nothing was sent.
    #[error("the budget is reached: {0}")]
    Budget(String),
    /// An earlier call stopped the generation; only cached calls are answered now.
    #[error("generation stopped earlier; only cached responses are used")]
    Stopped,
    /// Time-outs, network errors, 429 or 5xx after every retry.
    #[error("the endpoint did not answer after {attempts} attempt(s): {message}")]
    Unreachable { attempts: u32, message: String },
    /// A 4xx other than a retried 429 (a wrong model, key or request): retrying cannot help.
    #[error("the endpoint refused the request (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    #[error("{0}")]
    Cache(String),
}

impl From<CacheError> for CallError {
    fn from(e: CacheError) -> CallError {
        CallError::Cache(e.to_string())
    }
}

/// Counters over every call of the client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallCounts {
    /// Calls answered by the endpoint now.
    pub sent: u64,
    /// Calls answered from the cache.
    pub cached: u64,
    /// HTTP requests sent, retries included.
    pub http_attempts: u64,
    /// Retries scheduled by the transport.
    pub retries: u64,
}

#[derive(Debug, Default)]
struct Spend {
    /// Every call's cost so far, cached ones included.
    usd: f64,
    /// Estimates of the calls in flight.
    reserved_usd: f64,
    /// Calls answered by the endpoint in this process.
    now_usd: f64,
}

/// The cache, the budget and the transport, shared by every person's conversation.
pub(crate) struct LlmClient {
    config: EndpointConfig,
    transport: ChatTransport,
    cache: ResponseCache,
    spend: Mutex<Spend>,
    stopped: AtomicBool,
    sent: AtomicU64,
    cached: AtomicU64,
}

impl LlmClient {
    pub fn new(config: EndpointConfig, cache: ResponseCache) -> Result<LlmClient, String> {
        if config.model.trim().is_empty() {
            return Err("no model name was given".into());
        }
        let transport = ChatTransport::new(TransportConfig {
            base_url: config.base_url.clone(),
            api_key: config.api_key.clone(),
            call_timeout: config.call_timeout,
            max_retries: config.max_retries,
            backoff_base: config.backoff_base,
            backoff_max: config.backoff_max,
            retry_after_max: config.retry_after_max,
            jitter_seed: 0x6c6c_6d5f_706c_616e,
            max_concurrency: config.concurrency.max(1),
            max_response_bytes: 4 << 20,
        })?;
        Ok(LlmClient {
            config,
            transport,
            cache,
            spend: Mutex::new(Spend::default()),
            stopped: AtomicBool::new(false),
            sent: AtomicU64::new(0),
            cached: AtomicU64::new(0),
        })
    }

    /// From now on only cached calls are answered.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    pub fn counts(&self) -> CallCounts {
        let stats = self.transport.stats();
        CallCounts {
            sent: self.sent.load(Ordering::SeqCst),
            cached: self.cached.load(Ordering::SeqCst),
            http_attempts: u64::from(stats.http_attempts.load(Ordering::SeqCst)),
            retries: u64::from(stats.retries.load(Ordering::SeqCst)),
        }
    }

    /// USD of the calls answered by the endpoint in this process.
    pub fn spent_now_usd(&self) -> f64 {
        self.lock_spend().now_usd
    }

    fn cost(&self, tokens_in: u64, tokens_out: u64) -> f64 {
        cost_usd(
            tokens_in,
            tokens_out,
            self.config.price_in_per_mtok,
            self.config.price_out_per_mtok,
        )
    }

    fn lock_spend(&self) -> std::sync::MutexGuard<'_, Spend> {
        self.spend.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One chat-completion call with this request body.
    pub async fn call(&self, body: &Value) -> Result<CallOutcome, CallError> {
        let hash = request_hash(body);
        if let Some(c) = self.cache.get(&hash)? {
            let cost = self.cost(c.tokens_in, c.tokens_out);
            self.lock_spend().usd += cost;
            self.cached.fetch_add(1, Ordering::SeqCst);
            return Ok(CallOutcome {
                response: c.response,
                tokens_in: c.tokens_in,
                tokens_out: c.tokens_out,
                cost_usd: cost,
                latency_ms: c.latency_ms,
                cached: true,
            });
        }
        if self.is_stopped() {
            return Err(CallError::Stopped);
        }
        let est_in = body.to_string().len() as u64 / 4;
        let est_out = u64::from(self.config.max_completion_tokens.unwrap_or(0));
        let estimate = self.cost(est_in, est_out);
        {
            let mut spend = self.lock_spend();
            if let Some(max) = self.config.budget_usd {
                if spend.usd + spend.reserved_usd + estimate > max {
                    return Err(CallError::Budget(format!(
                        "${:.6} of ${max:.6} spent, ${:.6} reserved by calls in flight, and the next call \
                         costs about ${estimate:.6}",
                        spend.usd, spend.reserved_usd
                    )));
                }
            }
            spend.reserved_usd += estimate;
        }
        let attempts_before = self.transport.stats().http_attempts.load(Ordering::SeqCst);
        let started = Instant::now();
        let result = self.transport.chat(body).await;
        let latency_ms = started.elapsed().as_millis() as u64;
        let attempts = self
            .transport
            .stats()
            .http_attempts
            .load(Ordering::SeqCst)
            .saturating_sub(attempts_before);
        self.lock_spend().reserved_usd -= estimate;
        let response = match result {
            Ok(v) => v,
            Err(TransportError::NotJson { body }) => json!({ "unparseable_body": body }),
            Err(TransportError::Unreachable { attempts, message }) => {
                return Err(CallError::Unreachable { attempts, message })
            }
            Err(TransportError::Refused { status, message }) => {
                return Err(CallError::Refused { status, message })
            }
            Err(TransportError::Other(message)) => {
                return Err(CallError::Unreachable { attempts, message })
            }
        };
        let usage = &response["usage"];
        let (reported_in, reported_out) = (
            usage["prompt_tokens"].as_u64(),
            usage["completion_tokens"].as_u64(),
        );
        let tokens_estimated = reported_in.is_none() || reported_out.is_none();
        let tokens_in = reported_in.unwrap_or(est_in);
        let tokens_out =
            reported_out.unwrap_or_else(|| (response.to_string().len() as u64 / 4).max(1));
        self.cache.put(&CachedCall {
            request_hash: hash,
            model: self.config.model.clone(),
            request: body.clone(),
            response: response.clone(),
            tokens_in,
            tokens_out,
            tokens_estimated,
            latency_ms,
            attempts,
        })?;
        let cost = self.cost(tokens_in, tokens_out);
        {
            let mut spend = self.lock_spend();
            spend.usd += cost;
            spend.now_usd += cost;
        }
        self.sent.fetch_add(1, Ordering::SeqCst);
        Ok(CallOutcome {
            response,
            tokens_in,
            tokens_out,
            cost_usd: cost,
            latency_ms,
            cached: false,
        })
    }
}

/// The text of a chat-completion response's first message; `Err` says why there is none.
pub fn reply_text(response: &Value) -> Result<String, String> {
    if let Some(body) = response.get("unparseable_body").and_then(Value::as_str) {
        let clipped: String = body.chars().take(200).collect();
        return Err(format!("the endpoint's answer is not JSON: {clipped}"));
    }
    let Some(choice) = response["choices"].as_array().and_then(|c| c.first()) else {
        return Err(match response["error"]["message"].as_str() {
            Some(e) => format!("the endpoint answered with an error: {e}"),
            None => "the endpoint's answer has no choices".to_string(),
        });
    };
    match &choice["message"]["content"] {
        Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
        Value::Array(parts) => {
            let text: String = parts
                .iter()
                .filter_map(|p| p["text"].as_str().or_else(|| p.as_str()))
                .collect();
            if text.trim().is_empty() {
                Err("the reply is empty".to_string())
            } else {
                Ok(text)
            }
        }
        _ => Err("the reply is empty".to_string()),
    }
}
