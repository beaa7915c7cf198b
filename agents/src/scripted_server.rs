//! A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for tests (cargo
//! feature `scripted-server`). It answers each request with the next scripted reply (a
//! completion, an HTTP status with headers, or no answer at all) and records every request
//! body it received, so a test can assert exactly what an agent sent and how often.
//!
//! In *deterministic* mode ([`ScriptedServer::start_deterministic`]) a request whose body
//! equals one it already answered gets the same answer again, as a model at temperature 0
//! would, instead of the next scripted one; such repeats are listed by
//! [`ScriptedServer::repeats`].
//!
//! With [`ScriptedServer::start_responding`] every answer is computed from the request body
//! by a function instead (a model that answers each prompt on its own), for tests and benches
//! that send many requests concurrently.
//!
//! It speaks just enough HTTP/1.1: one request per connection, `Content-Length` bodies,
//! `Connection: close` answers. When the script is exhausted it answers 400.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Scripted {
    /// `200 OK` with this JSON body.
    Json(Value),
    /// Any status, extra headers and a raw body (e.g. `429` with `Retry-After`).
    Status {
        code: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Read the request and never answer (the connection stays open for an hour).
    Hang,
}

/// Computes the answer to one request body ([`ScriptedServer::start_responding`]).
pub type Responder = Arc<dyn Fn(&Value) -> Scripted + Send + Sync>;

/// The server; it stops when dropped (if it owns its runtime) or with its runtime.
pub struct ScriptedServer {
    /// Base URL to give the agent, e.g. `http://127.0.0.1:41234/v1`.
    pub url: String,
    state: Arc<ServerState>,
    runtime: Option<tokio::runtime::Runtime>,
}

/// What the connections share.
struct ServerState {
    requests: Mutex<Vec<Value>>,
    count: AtomicUsize,
    remaining: Mutex<VecDeque<Scripted>>,
    /// Deterministic mode: the answer given to each request body so far.
    answers: Option<Mutex<HashMap<String, Scripted>>>,
    /// Indexes (into `requests`) of requests answered from `answers`.
    repeats: Mutex<Vec<usize>>,
    /// How long every answer takes (a model thinking), so a request can be caught in flight.
    latency: Duration,
    /// The answer to `GET …/models` (not part of the script, not recorded as a request).
    models: Mutex<Scripted>,
    /// Answers computed from the request instead of the script.
    responder: Option<Responder>,
}

impl ScriptedServer {
    /// Starts the server on the current tokio runtime.
    pub async fn start(script: Vec<Scripted>) -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding 127.0.0.1:0");
        ScriptedServer::serve_on(listener, script, false, Duration::ZERO, None, None)
    }

    /// Starts the server on the current tokio runtime; each request is answered, `latency`
    /// after it was read, with `responder(body)` (the body is `null` if it is not JSON).
    pub async fn start_responding(responder: Responder, latency: Duration) -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding 127.0.0.1:0");
        ScriptedServer::serve_on(listener, Vec::new(), false, latency, None, Some(responder))
    }

    /// Starts the server on a runtime of its own (one worker thread), for tests that block
    /// (for example while a child process talks to the server).
    pub fn start_in_background(script: Vec<Scripted>) -> ScriptedServer {
        ScriptedServer::background(script, false, Duration::ZERO)
    }

    /// Like [`ScriptedServer::start_in_background`], in deterministic mode: a request equal
    /// to one already answered gets the same answer again. Every answer is sent `latency`
    /// after its request was read.
    pub fn start_deterministic(script: Vec<Scripted>, latency: Duration) -> ScriptedServer {
        ScriptedServer::background(script, true, latency)
    }

    fn background(script: Vec<Scripted>, deterministic: bool, latency: Duration) -> ScriptedServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime for the scripted server");
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("binding 127.0.0.1:0");
        let _guard = runtime.enter();
        ScriptedServer::serve_on(
            listener,
            script,
            deterministic,
            latency,
            Some(runtime),
            None,
        )
    }

    fn serve_on(
        listener: TcpListener,
        script: Vec<Scripted>,
        deterministic: bool,
        latency: Duration,
        runtime: Option<tokio::runtime::Runtime>,
        responder: Option<Responder>,
    ) -> ScriptedServer {
        let url = format!(
            "http://{}/v1",
            listener.local_addr().expect("a bound address")
        );
        let state = Arc::new(ServerState {
            requests: Mutex::new(Vec::new()),
            count: AtomicUsize::new(0),
            remaining: Mutex::new(VecDeque::from(script)),
            answers: deterministic.then(|| Mutex::new(HashMap::new())),
            repeats: Mutex::new(Vec::new()),
            latency,
            models: Mutex::new(Scripted::Json(json!({"object": "list", "data": []}))),
            responder,
        });
        let shared = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        ScriptedServer {
            url,
            state,
            runtime,
        }
    }

    /// What `GET …/models` answers from now on (default: an empty list, which lets any model
    /// name pass an agent's preflight).
    pub fn set_models_reply(&self, reply: Scripted) {
        *lock(&self.state.models) = reply;
    }

    /// Appends answers to the script.
    pub fn extend_script(&self, more: Vec<Scripted>) {
        lock(&self.state.remaining).extend(more);
    }

    /// Every request body received, in order (retries and repeats included).
    pub fn requests(&self) -> Vec<Value> {
        lock(&self.state.requests).clone()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.state.count.load(Ordering::SeqCst)
    }

    /// Scripted replies not used yet.
    pub fn remaining(&self) -> usize {
        lock(&self.state.remaining).len()
    }

    /// Deterministic mode: the indexes (into [`ScriptedServer::requests`]) of the requests
    /// that repeated an earlier one and were answered as it was.
    pub fn repeats(&self) -> Vec<usize> {
        lock(&self.state.repeats).clone()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn serve(mut stream: TcpStream, state: Arc<ServerState>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let Ok(n) = stream.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let Ok(n) = stream.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body: Value =
        serde_json::from_slice(&buf[head_end..head_end + length]).unwrap_or(Value::Null);
    let is_models = head
        .lines()
        .next()
        .is_some_and(|l| l.starts_with("GET ") && l.contains("/models"));
    let next = if is_models {
        Some(lock(&state.models).clone())
    } else if let Some(responder) = &state.responder {
        let answer = responder(&body);
        lock(&state.requests).push(body);
        state.count.fetch_add(1, Ordering::SeqCst);
        Some(answer)
    } else {
        let mut requests = lock(&state.requests);
        let index = requests.len();
        let key = body.to_string();
        requests.push(body);
        state.count.fetch_add(1, Ordering::SeqCst);
        let earlier = state
            .answers
            .as_ref()
            .and_then(|a| lock(a).get(&key).cloned());
        match earlier {
            Some(answer) => {
                lock(&state.repeats).push(index);
                Some(answer)
            }
            None => {
                let next = lock(&state.remaining).pop_front();
                if let (Some(answers), Some(answer)) = (&state.answers, &next) {
                    lock(answers).insert(key, answer.clone());
                }
                next
            }
        }
    };
    if !state.latency.is_zero() && !is_models {
        tokio::time::sleep(state.latency).await;
    }
    let (code, headers, body) = match next {
        Some(Scripted::Json(v)) => (200, vec![], v.to_string()),
        Some(Scripted::Status {
            code,
            headers,
            body,
        }) => (code, headers, body),
        Some(Scripted::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        None => (
            400,
            vec![],
            json!({"error": {"message": "script exhausted", "type": "test"}}).to_string(),
        ),
    };
    let mut response = format!(
        "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        response.push_str(&format!("{k}: {v}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&body);
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// A chat completion carrying `message` (usage: 100 prompt and 20 completion tokens).
pub fn completion(message: Value, finish: &str) -> Value {
    json!({
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "test-model",
        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    })
}

/// A reply with tool calls `(name, arguments text)`; call ids are `call_<i>_<name>`.
pub fn tool_calls(calls: &[(&str, &str)]) -> Scripted {
    let calls: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (name, args))| {
            json!({"id": format!("call_{i}_{name}"), "type": "function",
                   "function": {"name": name, "arguments": args}})
        })
        .collect();
    Scripted::Json(completion(
        json!({"role": "assistant", "content": null, "tool_calls": calls}),
        "tool_calls",
    ))
}

/// A plain text reply.
pub fn text(content: &str) -> Scripted {
    Scripted::Json(completion(
        json!({"role": "assistant", "content": content}),
        "stop",
    ))
}

/// The same reply reporting other token usage.
///
/// # Panics
/// If `reply` is not a [`Scripted::Json`].
pub fn with_usage(reply: Scripted, tokens_in: u64, tokens_out: u64) -> Scripted {
    let Scripted::Json(mut v) = reply else {
        panic!("with_usage needs a JSON reply")
    };
    v["usage"] = json!({"prompt_tokens": tokens_in, "completion_tokens": tokens_out,
                        "total_tokens": tokens_in + tokens_out});
    Scripted::Json(v)
}

/// A `429 Too Many Requests` rate-limit answer with `Retry-After: <secs>`.
pub fn rate_limited(retry_after_secs: u64) -> Scripted {
    Scripted::Status {
        code: 429,
        headers: vec![("Retry-After", retry_after_secs.to_string())],
        body: json!({"error": {"message": "Rate limit reached, slow down", "type": "rate_limit_error"}})
            .to_string(),
    }
}

/// Tool-call arguments as JSON text.
pub fn args(v: Value) -> String {
    v.to_string()
}

/// Every tool-result text of a recorded chat request, in order.
pub fn tool_results(request: &Value) -> Vec<String> {
    messages(request)
        .filter(|m| m["role"] == "tool")
        .map(|m| m["content"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The last user message of a recorded chat request (empty if there is none).
pub fn last_user(request: &Value) -> String {
    messages(request)
        .rev()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string()
}

fn messages(request: &Value) -> std::slice::Iter<'_, Value> {
    request["messages"]
        .as_array()
        .map(|a| a.iter())
        .unwrap_or_default()
}
