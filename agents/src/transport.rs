//! HTTP transport for OpenAI-compatible chat completions: an `async-openai` client whose requests go
//! through our own tower stack (async-openai's built-in retry is replaced, so the behaviour is ours
//! and testable):
//!
//! ```text
//! concurrency limit → retry (exponential backoff + seeded jitter, Retry-After) → timeout per attempt
//!   → reqwest, reading the whole body (capped) inside the attempt
//! ```
//!
//! Retried: HTTP 429 (except `insufficient_quota`), 5xx, attempt timeouts and network errors, at
//! most `max_retries` times. The body is read inside the timed attempt, so a server that sends
//! headers and then never finishes the body is cut by the same per-attempt timeout.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use serde_json::Value;
use tower::BoxError;

/// The environment variable holding the API key of an OpenAI-compatible endpoint.
pub const API_KEY_ENV: &str = "OPENAI_API_KEY";

/// The API key from [`API_KEY_ENV`], if set and non-empty (local servers need none). The key is
/// only ever sent as the `Authorization` header; it is never logged or recorded.
pub fn api_key_from_env() -> Option<String> {
    std::env::var(API_KEY_ENV).ok().filter(|k| !k.is_empty())
}

/// Transport settings.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8080/v1`.
    pub base_url: String,
    pub api_key: Option<String>,
    /// Limit for one HTTP attempt, body included.
    pub call_timeout: Duration,
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// The longest `Retry-After` honoured (longer ones are cut to this).
    pub retry_after_max: Duration,
    pub jitter_seed: u64,
    pub max_concurrency: usize,
    /// Bodies larger than this are refused (a hostile or broken server).
    pub max_response_bytes: usize,
}

/// Counters, shared with the tower stack.
#[derive(Debug, Default)]
pub struct TransportStats {
    /// HTTP requests sent (every attempt).
    pub http_attempts: AtomicU32,
    /// Retries scheduled.
    pub retries: AtomicU32,
    /// Time waited before retries (backoff or `Retry-After`), in milliseconds.
    pub backoff_ms: std::sync::atomic::AtomicU64,
    last_status: AtomicU16,
}

/// Why a chat call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportError {
    /// Timeouts, network errors, 429 or 5xx after every retry.
    Unreachable { attempts: u32, message: String },
    /// A 4xx (other than a retried 429): retrying cannot help.
    Refused { status: u16, message: String },
    /// A 2xx whose body is not JSON (kept so it can be recorded: it may have been paid for).
    NotJson { body: String },
    /// Anything else (client-side).
    Other(String),
}

/// Marker put on a 429 response whose body says the quota is exhausted (never retried).
#[derive(Clone, Copy)]
struct QuotaExhausted;

/// Sends chat-completion requests through async-openai and our tower stack.
pub struct ChatTransport {
    client: async_openai::Client<OpenAIConfig>,
    /// For the one plain request outside async-openai: the preflight's model list.
    http: reqwest::Client,
    config: TransportConfig,
    stats: Arc<TransportStats>,
}

impl ChatTransport {
    pub fn new(config: TransportConfig) -> Result<ChatTransport, String> {
        // TLS through rustls with the ring provider; an already installed provider is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(config.call_timeout)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let stats = Arc::new(TransportStats::default());
        let policy = BackoffPolicy {
            max_retries: config.max_retries,
            done: 0,
            base: config.backoff_base,
            max: config.backoff_max,
            retry_after_max: config.retry_after_max,
            rng: Arc::new(Mutex::new(config.jitter_seed)),
            stats: stats.clone(),
        };
        let service = tower::ServiceBuilder::new()
            .concurrency_limit(config.max_concurrency.max(1))
            .retry(policy)
            .timeout(config.call_timeout)
            .service(BufferedReqwest {
                client: http.clone(),
                max_bytes: config.max_response_bytes,
                stats: stats.clone(),
            });
        let mut openai = OpenAIConfig::new().with_api_base(config.base_url.trim_end_matches('/'));
        if let Some(key) = &config.api_key {
            openai = openai.with_api_key(key.clone());
        } else {
            openai = openai.with_api_key("");
        }
        let client = async_openai::Client::with_config(openai).with_http_service(service);
        Ok(ChatTransport {
            client,
            http,
            config,
            stats,
        })
    }

    /// The models the endpoint serves (`GET {base}/models`, one attempt within the call
    /// timeout). `Ok(None)` when the endpoint has no model list (HTTP 404 or 405): the caller
    /// cannot check the model then.
    pub async fn list_models(&self) -> Result<Option<Vec<String>>, TransportError> {
        let url = format!("{}/models", self.config.base_url.trim_end_matches('/'));
        let mut request = self.http.get(&url).timeout(self.config.call_timeout);
        if let Some(key) = self.config.api_key.as_deref().filter(|k| !k.is_empty()) {
            request = request.bearer_auth(key);
        }
        let response = request
            .send()
            .await
            .map_err(|e| TransportError::Unreachable {
                attempts: 1,
                message: format!("GET {url}: {e}"),
            })?;
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        if status == 404 || status == 405 {
            return Ok(None);
        }
        if !(200..300).contains(&status) {
            let message = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
                .unwrap_or_else(|| prompts::truncate(&body, 500));
            return Err(if status == 429 || status >= 500 {
                TransportError::Unreachable {
                    attempts: 1,
                    message: format!("GET {url}: HTTP {status}: {message}"),
                }
            } else {
                TransportError::Refused { status, message }
            });
        }
        let ids = serde_json::from_str::<Value>(&body).ok().and_then(|v| {
            v["data"].as_array().map(|data| {
                data.iter()
                    .filter_map(|m| m["id"].as_str().map(str::to_string))
                    .collect::<Vec<String>>()
            })
        });
        Ok(ids)
    }

    pub fn stats(&self) -> &TransportStats {
        &self.stats
    }

    /// The longest a call can take (every attempt timing out, every backoff at its maximum), plus
    /// slack: an outer safety net around the tower stack.
    pub fn call_deadline(&self) -> Duration {
        let c = &self.config;
        let attempts = c.max_retries + 1;
        c.call_timeout * attempts
            + c.backoff_max.max(c.retry_after_max) * c.max_retries
            + Duration::from_secs(5)
    }

    /// One chat-completion call (`request` is the whole body); returns the response JSON.
    pub async fn chat(&self, request: &Value) -> Result<Value, TransportError> {
        let before = self.stats.http_attempts.load(Ordering::SeqCst);
        let chat = self.client.chat();
        let call = chat.create_byot::<&Value, Value>(request);
        let result = match tokio::time::timeout(self.call_deadline(), call).await {
            Ok(r) => r,
            Err(_) => {
                return Err(TransportError::Unreachable {
                    attempts: self.stats.http_attempts.load(Ordering::SeqCst) - before,
                    message: format!("no complete answer within {:?}", self.call_deadline()),
                })
            }
        };
        let attempts = self.stats.http_attempts.load(Ordering::SeqCst) - before;
        let last_status = self.stats.last_status.load(Ordering::SeqCst);
        result.map_err(|e| classify(e, attempts, last_status, self.config.call_timeout))
    }
}

fn classify(
    error: OpenAIError,
    attempts: u32,
    last_status: u16,
    timeout: Duration,
) -> TransportError {
    match error {
        OpenAIError::ApiError(api) => {
            let status = api.status_code.as_u16();
            let message = prompts::truncate(&api.api_error.message, 2_000);
            if status == 429 || status >= 500 {
                TransportError::Unreachable {
                    attempts,
                    message: format!("HTTP {status}: {message}"),
                }
            } else {
                TransportError::Refused { status, message }
            }
        }
        OpenAIError::JSONDeserialize(_, body) => {
            if (200..300).contains(&last_status) {
                TransportError::NotJson { body }
            } else if last_status == 429 || last_status >= 500 {
                TransportError::Unreachable {
                    attempts,
                    message: format!("HTTP {last_status}: {}", prompts::truncate(&body, 2_000)),
                }
            } else {
                TransportError::Refused {
                    status: last_status,
                    message: prompts::truncate(&body, 2_000),
                }
            }
        }
        OpenAIError::Reqwest(e) => TransportError::Unreachable {
            attempts,
            message: e.to_string(),
        },
        OpenAIError::Boxed(boxed) => classify_boxed(boxed, attempts, last_status, timeout),
        other => TransportError::Other(other.to_string()),
    }
}

fn classify_boxed(
    boxed: BoxError,
    attempts: u32,
    last_status: u16,
    timeout: Duration,
) -> TransportError {
    if boxed.is::<tower::timeout::error::Elapsed>() {
        return TransportError::Unreachable {
            attempts,
            message: format!("no complete answer within {timeout:?} per attempt"),
        };
    }
    match boxed.downcast::<OpenAIError>() {
        Ok(inner) => match *inner {
            OpenAIError::Boxed(b) => classify_boxed(b, attempts, last_status, timeout),
            OpenAIError::InvalidArgument(m) => TransportError::Other(m),
            other => classify(other, attempts, last_status, timeout),
        },
        Err(other) => TransportError::Unreachable {
            attempts,
            message: other.to_string(),
        },
    }
}

/// The innermost service: sends the request and reads the whole body (capped) so the timeout and
/// the retry policy see complete responses.
#[derive(Clone)]
struct BufferedReqwest {
    client: reqwest::Client,
    max_bytes: usize,
    stats: Arc<TransportStats>,
}

impl tower::Service<HttpRequestFactory> for BufferedReqwest {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = Pin<Box<dyn Future<Output = Result<reqwest::Response, OpenAIError>> + Send>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), OpenAIError>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        let client = self.client.clone();
        let max_bytes = self.max_bytes;
        let stats = self.stats.clone();
        Box::pin(async move {
            let request = factory.build().await?;
            stats.http_attempts.fetch_add(1, Ordering::SeqCst);
            let mut response = client.execute(request).await?;
            let status = response.status();
            stats.last_status.store(status.as_u16(), Ordering::SeqCst);
            let headers = response.headers().clone();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                if body.len() + chunk.len() > max_bytes {
                    return Err(OpenAIError::InvalidArgument(format!(
                        "the response body is larger than {max_bytes} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            let quota = status.as_u16() == 429
                && String::from_utf8_lossy(&body).contains("insufficient_quota");
            let mut rebuilt = http::Response::builder().status(status);
            if let Some(h) = rebuilt.headers_mut() {
                *h = headers;
            }
            if quota {
                rebuilt = rebuilt.extension(QuotaExhausted);
            }
            let rebuilt = rebuilt.body(body).map_err(|e| {
                OpenAIError::InvalidArgument(format!("cannot rebuild the response: {e}"))
            })?;
            Ok(reqwest::Response::from(rebuilt))
        })
    }
}

/// Exponential backoff with seeded jitter, honouring `Retry-After`.
#[derive(Clone)]
struct BackoffPolicy {
    max_retries: u32,
    done: u32,
    base: Duration,
    max: Duration,
    retry_after_max: Duration,
    rng: Arc<Mutex<u64>>,
    stats: Arc<TransportStats>,
}

impl BackoffPolicy {
    /// A uniform number in [0, 1) from a SplitMix64 stream (seeded: runs are reproducible).
    fn next_unit(&self) -> f64 {
        let mut state = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Half the exponential delay fixed, half jittered.
    fn backoff(&self) -> Duration {
        let exp = self
            .base
            .saturating_mul(2u32.saturating_pow(self.done.min(20)))
            .min(self.max);
        exp / 2 + exp.mul_f64(0.5 * self.next_unit())
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

impl tower::retry::Policy<HttpRequestFactory, reqwest::Response, BoxError> for BackoffPolicy {
    type Future = Pin<Box<dyn Future<Output = ()> + Send>>;

    fn retry(
        &mut self,
        _req: &mut HttpRequestFactory,
        result: &mut Result<reqwest::Response, BoxError>,
    ) -> Option<Self::Future> {
        if self.done >= self.max_retries {
            return None;
        }
        let delay = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                let retryable = (status == 429
                    && response.extensions().get::<QuotaExhausted>().is_none())
                    || status >= 500;
                if !retryable {
                    return None;
                }
                match retry_after(response) {
                    Some(d) => d.min(self.retry_after_max),
                    None => self.backoff(),
                }
            }
            Err(error) => {
                let retryable = error.is::<tower::timeout::error::Elapsed>()
                    || matches!(error.downcast_ref::<OpenAIError>(), Some(OpenAIError::Reqwest(e)) if !e.is_builder());
                if !retryable {
                    return None;
                }
                self.backoff()
            }
        };
        self.done += 1;
        self.stats.retries.fetch_add(1, Ordering::SeqCst);
        tracing::warn!(retry = self.done, ?delay, "LLM call failed; retrying");
        self.stats
            .backoff_ms
            .fetch_add(delay.as_millis() as u64, Ordering::SeqCst);
        Some(Box::pin(tokio::time::sleep(delay)))
    }

    fn clone_request(&mut self, req: &HttpRequestFactory) -> Option<HttpRequestFactory> {
        Some(req.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(seed: u64) -> BackoffPolicy {
        BackoffPolicy {
            max_retries: 5,
            done: 0,
            base: Duration::from_millis(100),
            max: Duration::from_millis(1000),
            retry_after_max: Duration::from_secs(60),
            rng: Arc::new(Mutex::new(seed)),
            stats: Arc::new(TransportStats::default()),
        }
    }

    #[test]
    fn backoff_grows_is_capped_and_is_reproducible_per_seed() {
        let mut p = policy(7);
        let mut delays = Vec::new();
        for done in 0..6 {
            p.done = done;
            delays.push(p.backoff());
        }
        for (i, d) in delays.iter().enumerate() {
            let exp = (100u64 << i).min(1000);
            assert!(
                d.as_millis() as u64 >= exp / 2 && d.as_millis() as u64 <= exp,
                "{i}: {d:?}"
            );
        }
        let mut q = policy(7);
        let again: Vec<_> = (0..6)
            .map(|done| {
                q.done = done;
                q.backoff()
            })
            .collect();
        assert_eq!(delays, again);
        let mut r = policy(8);
        r.done = 5;
        assert_ne!(r.backoff(), delays[5]);
    }
}
