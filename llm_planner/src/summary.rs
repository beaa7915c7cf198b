//! The figures of one generation, written as a small JSON file next to the diaries
//! (`<out>.summary.json`) so that reports can list the generator beside the others.

use crate::generate::{FallbackReason, Generation, PersonOutcome, PlannerConfig, Prompting};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Scores of the diaries against the split (filled in by whoever evaluates them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryScores {
    pub score: f64,
    pub individual: f64,
    pub distribution: f64,
    pub behavior: f64,
    /// Mean of the first-non-home and last-return-home MAEs, minutes.
    pub temporal_mae_min: f64,
    /// Location task only, km.
    pub spatial_mae_km: Option<f64>,
    pub activity_weighted_f1: f64,
}

/// Means over the people who got a diary (from the model or the fallback).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerPerson {
    /// LLM calls (first request plus revisions).
    pub calls: f64,
    pub tokens_in: f64,
    pub tokens_out: f64,
    pub usd: f64,
    /// Sum of the person's call latencies, retries included (as recorded when the calls
    /// were made, so a rerun from the cache reports the same figure).
    pub latency_ms: f64,
}

/// Everything a comparison table needs about one LLM generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// e.g. `LLM planner, few-shot (3), statistical executor, gpt-4.1-mini`.
    pub generator: String,
    pub prompting: String,
    pub examples: usize,
    pub executor: String,
    pub model: String,
    pub base_url: String,
    pub benchmark: String,
    pub split: String,
    pub content_hash: String,
    pub seed: u64,
    pub max_revisions: u32,
    pub people: usize,
    /// People with a diary (model or fallback).
    pub generated: usize,
    pub complete: bool,
    /// Why the generation stopped early, if it did.
    pub stopped: Option<String>,
    pub from_model: usize,
    pub fallbacks: usize,
    pub fallbacks_malformed: usize,
    pub fallbacks_infeasible: usize,
    /// Corrected replies asked for, over every person.
    pub revisions: u64,
    pub malformed_replies: u64,
    pub infeasible_plans: u64,
    /// LLM calls of the people (cached or not).
    pub calls: u64,
    /// Requests answered by the endpoint in this invocation (0 on a rerun from the cache).
    pub requests_sent: u64,
    pub responses_from_cache: u64,
    /// HTTP requests in this invocation, retries included.
    pub http_attempts: u64,
    pub retries: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub price_in_per_mtok: f64,
    pub price_out_per_mtok: f64,
    /// Cost of every call of the people, cached ones included, at these prices.
    pub usd: f64,
    /// Cost of the requests sent in this invocation.
    pub usd_spent_now: f64,
    pub per_person: PerPerson,
    /// Wall time of this invocation and per person.
    pub wall_ms: f64,
    pub wall_ms_per_person: f64,
    pub evaluation: Option<SummaryScores>,
}

impl RunSummary {
    /// The figures of `generation`, made by a generator with `config`.
    pub fn new(
        config: &PlannerConfig,
        generation: &Generation,
        benchmark: &str,
        split: &str,
        content_hash: &str,
    ) -> RunSummary {
        let e = &config.endpoint;
        let (prompting, examples) = match config.prompting {
            Prompting::ZeroShot => ("zero-shot", 0),
            Prompting::FewShot { examples } => ("few-shot", examples),
        };
        let shots = if examples > 0 {
            format!("{prompting} ({examples})")
        } else {
            prompting.to_string()
        };
        let generator = match config.executor {
            crate::ExecutorKind::Statistical => {
                format!("LLM planner, {shots}, statistical executor, {}", e.model)
            }
            crate::ExecutorKind::None => format!("LLM direct, {shots}, {}", e.model),
        };
        let done: Vec<_> = generation
            .people
            .iter()
            .filter(|p| p.outcome != PersonOutcome::NotDone)
            .collect();
        let count = |f: &dyn Fn(&PersonOutcome) -> bool| {
            generation.people.iter().filter(|p| f(&p.outcome)).count()
        };
        let n = done.len().max(1) as f64;
        let sum = |f: &dyn Fn(&crate::PersonRecord) -> f64| done.iter().map(|p| f(p)).sum::<f64>();
        let all = &generation.people;
        RunSummary {
            generator,
            prompting: prompting.to_string(),
            examples,
            executor: config.executor.name().to_string(),
            model: e.model.clone(),
            base_url: e.base_url.clone(),
            benchmark: benchmark.to_string(),
            split: split.to_string(),
            content_hash: content_hash.to_string(),
            seed: config.seed,
            max_revisions: config.max_revisions,
            people: all.len(),
            generated: done.len(),
            complete: generation.is_complete(),
            stopped: generation.stop.as_ref().map(ToString::to_string),
            from_model: count(&|o| *o == PersonOutcome::Generated),
            fallbacks: count(&|o| matches!(o, PersonOutcome::Fallback(_))),
            fallbacks_malformed: count(&|o| {
                *o == PersonOutcome::Fallback(FallbackReason::Malformed)
            }),
            fallbacks_infeasible: count(&|o| {
                *o == PersonOutcome::Fallback(FallbackReason::Infeasible)
            }),
            revisions: all.iter().map(|p| u64::from(p.revisions())).sum(),
            malformed_replies: all.iter().map(|p| u64::from(p.malformed)).sum(),
            infeasible_plans: all.iter().map(|p| u64::from(p.infeasible)).sum(),
            calls: all.iter().map(|p| u64::from(p.calls())).sum(),
            requests_sent: generation.counts.sent,
            responses_from_cache: generation.counts.cached,
            http_attempts: generation.counts.http_attempts,
            retries: generation.counts.retries,
            tokens_in: all.iter().map(|p| p.tokens_in).sum(),
            tokens_out: all.iter().map(|p| p.tokens_out).sum(),
            price_in_per_mtok: e.price_in_per_mtok,
            price_out_per_mtok: e.price_out_per_mtok,
            usd: all.iter().map(|p| p.cost_usd).sum(),
            usd_spent_now: generation.spent_now_usd,
            per_person: PerPerson {
                calls: sum(&|p| f64::from(p.calls())) / n,
                tokens_in: sum(&|p| p.tokens_in as f64) / n,
                tokens_out: sum(&|p| p.tokens_out as f64) / n,
                usd: sum(&|p| p.cost_usd) / n,
                latency_ms: sum(&|p| p.latency_ms as f64) / n,
            },
            wall_ms: generation.wall_ms,
            wall_ms_per_person: generation.wall_ms / all.len().max(1) as f64,
            evaluation: None,
        }
    }

    /// Where the summary of the diaries file `out` goes: `<out without extension>.summary.json`.
    pub fn path_for(out: &Path) -> PathBuf {
        out.with_extension("summary.json")
    }

    /// Reads a summary; the error names the file.
    pub fn read(path: &Path) -> Result<RunSummary, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{}: not an LLM generation summary: {e}", path.display()))
    }

    /// Writes the summary (temporary file, then rename).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let tmp = path.with_extension("summary.json.tmp");
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, text + "\n")?;
        std::fs::rename(&tmp, path)
    }
}
