//! The record of every LLM call, keyed by a hash of the request, so that a resumed run replays a
//! stored response instead of paying for the same call twice. The orchestrator implements
//! [`LlmCallStore`] over the `memory` crate; [`MemoryCallStore`] keeps calls in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A stored response, replayed instead of sending the request again.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCall {
    /// The response JSON exactly as recorded (see [`LlmCallRecord::response`]).
    pub response: Value,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_usd: f64,
}

/// One paid call, recorded right after its response arrived (before it is interpreted).
#[derive(Debug, Clone, PartialEq)]
pub struct LlmCallRecord {
    pub run_id: i64,
    pub round: u32,
    /// 0-based LLM call index within the round.
    pub step: u32,
    /// Lower-case hex SHA-256 of the canonical request (see [`request_hash`]).
    pub request_hash: String,
    pub model: String,
    /// The request body sent (model, messages, tools, temperature, ...).
    pub request: Value,
    /// The response body; a body that was not JSON is stored as `{"unparseable_body": "<text>"}`.
    pub response: Value,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// True when the server reported no usage and the tokens are estimates (bytes / 4).
    pub tokens_estimated: bool,
    pub cost_usd: f64,
    pub latency_ms: u64,
    /// HTTP attempts made for this call (1 + retries).
    pub attempts: u32,
}

/// Where LLM calls are recorded and looked up.
#[async_trait]
pub trait LlmCallStore: Send + Sync {
    /// The stored response for this request hash, if any.
    async fn lookup(&self, request_hash: &str) -> Option<StoredCall>;
    async fn record(&self, call: &LlmCallRecord);
}

/// An in-memory store (tests, or runs without a database).
#[derive(Debug, Default)]
pub struct MemoryCallStore {
    calls: Mutex<Vec<LlmCallRecord>>,
    index: Mutex<HashMap<String, usize>>,
}

impl MemoryCallStore {
    pub fn new() -> MemoryCallStore {
        MemoryCallStore::default()
    }

    /// Every recorded call, in order.
    pub fn calls(&self) -> Vec<LlmCallRecord> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Pre-loads a stored response under a hash (tests, imports).
    pub fn insert(&self, record: LlmCallRecord) {
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        self.index
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(record.request_hash.clone(), calls.len());
        calls.push(record);
    }
}

#[async_trait]
impl LlmCallStore for MemoryCallStore {
    async fn lookup(&self, request_hash: &str) -> Option<StoredCall> {
        let index = *self
            .index
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(request_hash)?;
        let calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        let c = &calls[index];
        Some(StoredCall {
            response: c.response.clone(),
            tokens_in: c.tokens_in,
            tokens_out: c.tokens_out,
            cost_usd: c.cost_usd,
        })
    }

    async fn record(&self, call: &LlmCallRecord) {
        self.insert(call.clone());
    }
}

/// The request hash: SHA-256 (lower-case hex) of the canonical JSON of
/// `{"run_id", "round", "step", "request"}` where `request` is the request body (model, messages,
/// tools, temperature, ...). Canonical = object keys sorted at every level, no whitespace, so the
/// hash does not depend on how serde_json orders maps.
pub fn request_hash(run_id: i64, round: u32, step: u32, request: &Value) -> String {
    let keyed = serde_json::json!({
        "run_id": run_id,
        "round": round,
        "step": step,
        "request": request,
    });
    let mut text = String::new();
    canonical_json(&keyed, &mut text);
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `value` as JSON with object keys sorted at every level and no whitespace.
pub fn canonical_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical_json(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_ignores_key_order_but_not_content_or_step() {
        let a = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.2});
        let b: Value = serde_json::from_str(
            r#"{"temperature":0.2,"messages":[{"content":"hi","role":"user"}],"model":"m"}"#,
        )
        .unwrap();
        assert_eq!(request_hash(1, 2, 3, &a), request_hash(1, 2, 3, &b));
        assert_ne!(request_hash(1, 2, 3, &a), request_hash(1, 2, 4, &a));
        assert_ne!(request_hash(1, 2, 3, &a), request_hash(2, 2, 3, &a));
        let c = json!({"model": "m", "messages": [{"role": "user", "content": "hi!"}], "temperature": 0.2});
        assert_ne!(request_hash(1, 2, 3, &a), request_hash(1, 2, 3, &c));
        assert_eq!(request_hash(1, 2, 3, &a).len(), 64);
    }

    #[test]
    fn canonical_json_escapes_keys_and_strings() {
        let mut s = String::new();
        canonical_json(&json!({"b\"": [1, "x\n"], "a": null}), &mut s);
        assert_eq!(s, r#"{"a":null,"b\"":[1,"x\n"]}"#);
    }
}
