//! The agents' LLM call cache ([`agents::LlmCallStore`]) over the run's database: a
//! resumed run replays a stored response instead of paying for the call again.

use agents::{LlmCallRecord, LlmCallStore, StoredCall};
use memory::{LlmCall, Memory, RunLock};
use std::sync::Arc;

pub struct MemoryLlmStore {
    pub memory: Arc<Memory>,
    pub lock: Arc<RunLock>,
}

#[async_trait::async_trait]
impl LlmCallStore for MemoryLlmStore {
    async fn lookup(&self, request_hash: &str) -> Option<StoredCall> {
        let stored = match self
            .memory
            .llm_call_lookup(self.lock.run(), request_hash)
            .await
        {
            Ok(s) => s?,
            Err(e) => {
                tracing::error!("LLM call lookup failed: {e}");
                return None;
            }
        };
        let response = serde_json::from_str(&stored.response).ok()?;
        Some(StoredCall {
            response,
            tokens_in: stored.tokens_in,
            tokens_out: stored.tokens_out,
            cost_usd: stored.cost_usd,
        })
    }

    async fn record(&self, call: &LlmCallRecord) {
        // The agents hash `{run_id, round, step, request}` canonically; the memory hashes
        // the request it is given the same way, so both name the call identically.
        let keyed = serde_json::json!({
            "run_id": call.run_id,
            "round": call.round,
            "step": call.step,
            "request": call.request,
        });
        let stored = LlmCall {
            round: Some(call.round),
            step: call.step.to_string(),
            model: call.model.clone(),
            request: keyed,
            response: call.response.to_string(),
            tokens_in: call.tokens_in,
            tokens_out: call.tokens_out,
            cost_usd: call.cost_usd,
            latency_ms: call.latency_ms,
        };
        match self.memory.llm_call_record(&self.lock, &stored).await {
            Ok(hash) if hash != call.request_hash => tracing::error!(
                "LLM call stored under {hash} but the agent looks it up as {}; a resume would pay again",
                call.request_hash
            ),
            Ok(_) => {}
            Err(e) => tracing::error!("recording an LLM call failed: {e}"),
        }
    }
}
