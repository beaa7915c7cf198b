//! LLM calls: every request and response with tokens, cost and latency, keyed by the
//! SHA-256 of the canonical request JSON so a resumed run replays a stored response
//! instead of paying for it again.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::clock::now_ms;
use crate::{Memory, MemoryError, RunLock};

/// One LLM call to record.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmCall {
    /// The round it belongs to, if any.
    pub round: Option<u32>,
    /// The step of the loop that made it (e.g. `proposal`, `lesson`).
    pub step: String,
    /// The model that answered.
    pub model: String,
    /// The request as sent (hashed canonically).
    pub request: Value,
    /// The response text.
    pub response: String,
    /// Prompt tokens.
    pub tokens_in: u64,
    /// Completion tokens.
    pub tokens_out: u64,
    /// Cost in US dollars.
    pub cost_usd: f64,
    /// Latency in milliseconds.
    pub latency_ms: u64,
}

/// A stored response, as replayed.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    /// The response text.
    pub response: String,
    /// The model that answered.
    pub model: String,
    /// The round of the original call.
    pub round: Option<u32>,
    /// The step of the original call.
    pub step: String,
    /// Prompt tokens.
    pub tokens_in: u64,
    /// Completion tokens.
    pub tokens_out: u64,
    /// Cost in US dollars of the original call.
    pub cost_usd: f64,
    /// Latency of the original call.
    pub latency_ms: u64,
}

/// JSON with object keys sorted at every level and no insignificant whitespace, so equal
/// requests hash equally whatever order their fields were built in.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Lower-case hex SHA-256 of [`canonical_json`] of the request.
pub fn request_hash(request: &Value) -> String {
    hex_sha256(canonical_json(request).as_bytes())
}

pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Memory {
    /// The stored response to the request with this hash in `run`, if any.
    pub async fn llm_call_lookup(
        &self,
        run: i64,
        request_hash: &str,
    ) -> Result<Option<StoredResponse>, MemoryError> {
        type Row = (String, String, Option<i64>, String, i64, i64, f64, i64);
        let row: Option<Row> = sqlx::query_as(
            "SELECT response, model, round, step, tokens_in, tokens_out, cost_usd, latency_ms
             FROM llm_calls WHERE run_id = ? AND request_hash = ?",
        )
        .bind(run)
        .bind(request_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.sql(format!("looking up LLM call {request_hash} of run {run}")))?;
        Ok(row.map(
            |(response, model, round, step, tokens_in, tokens_out, cost_usd, latency_ms)| {
                StoredResponse {
                    response,
                    model,
                    round: round.and_then(|r| u32::try_from(r).ok()),
                    step,
                    tokens_in: tokens_in.max(0) as u64,
                    tokens_out: tokens_out.max(0) as u64,
                    cost_usd,
                    latency_ms: latency_ms.max(0) as u64,
                }
            },
        ))
    }

    /// Record a call; returns its request hash. A call whose request is already stored for
    /// this run is not recorded twice (the first response stays the one replayed).
    pub async fn llm_call_record(
        &self,
        lock: &RunLock,
        call: &LlmCall,
    ) -> Result<String, MemoryError> {
        let run = lock.run();
        self.check_lock(lock, run)?;
        let hash = request_hash(&call.request);
        let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO llm_calls (run_id, round, step, request_hash, model, request, response,
                    tokens_in, tokens_out, cost_usd, latency_ms, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (run_id, request_hash) DO NOTHING",
        )
        .bind(run)
        .bind(call.round.map(i64::from))
        .bind(&call.step)
        .bind(&hash)
        .bind(&call.model)
        .bind(canonical_json(&call.request))
        .bind(&call.response)
        .bind(as_i64(call.tokens_in))
        .bind(as_i64(call.tokens_out))
        .bind(call.cost_usd)
        .bind(as_i64(call.latency_ms))
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(self.sql(format!("recording an LLM call of run {run}")))?;
        Ok(hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let a = json!({"b": 1, "a": {"y": [1, {"d": "x", "c": null}], "x": 2.5}});
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"x":2.5,"y":[1,{"c":null,"d":"x"}]},"b":1}"#
        );
    }

    #[test]
    fn hash_ignores_key_order_but_not_content() {
        let a = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
        let b = json!({"messages": [{"content": "hi", "role": "user"}], "model": "m"});
        let c = json!({"messages": [{"content": "hi!", "role": "user"}], "model": "m"});
        assert_eq!(request_hash(&a), request_hash(&b));
        assert_ne!(request_hash(&a), request_hash(&c));
        // SHA-256 of the empty object "{}".
        assert_eq!(
            request_hash(&json!({})),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }
}
