//! The generator: per person, a conversation with the model (ask, read, execute, ask for a
//! revision with the reason, at most `max_revisions` times, then the counted fallback),
//! people in parallel up to the concurrency limit, stopping cleanly on the budget or an
//! endpoint that does not answer.

use crate::cache::ResponseCache;
use crate::direct::parse_slots;
use crate::executor::StatisticalExecutor;
use crate::llm::{reply_text, CallCounts, CallError, EndpointConfig, LlmClient};
use crate::plan::parse_plan;
use crate::prompt::{self, ReplyFormat};
use baselines::{Baseline, BaselineKind, FeatureSpace};
use mobility::{Benchmark, Diary, Person, SplitData};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Zero-shot or few-shot prompting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompting {
    /// The person's features only.
    ZeroShot,
    /// Plus the days of the `examples` train people nearest in the [`FeatureSpace`] (of
    /// the same segment when it has train people).
    FewShot { examples: usize },
}

/// Who turns the model's reply into a diary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutorKind {
    /// The model plans; the [`StatisticalExecutor`] places, times and checks the plan.
    Statistical,
    /// The model writes the slots itself (LLMob-style).
    None,
}

impl ExecutorKind {
    pub fn name(self) -> &'static str {
        match self {
            ExecutorKind::Statistical => "statistical",
            ExecutorKind::None => "none",
        }
    }
}

impl Prompting {
    pub fn name(self) -> &'static str {
        match self {
            Prompting::ZeroShot => "zero-shot",
            Prompting::FewShot { .. } => "few-shot",
        }
    }
}

/// Settings of the generator.
#[derive(Debug, Clone)]
pub struct PlannerConfig {
    pub prompting: Prompting,
    pub executor: ExecutorKind,
    /// Corrected replies asked for after an unusable one (malformed or infeasible), per person.
    pub max_revisions: u32,
    /// Seeds each person's zone draws and the request's `seed` field.
    pub seed: u64,
    pub endpoint: EndpointConfig,
}

/// What became of one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonOutcome {
    /// The model's reply, executed.
    Generated,
    /// No usable reply within the revisions: the fallback diary (the `nearest1` copy).
    Fallback(FallbackReason),
    /// The generation stopped (budget or endpoint) before this person was done.
    NotDone,
}

/// Why the last reply of a person who fell back was unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FallbackReason {
    Malformed,
    Infeasible,
}

/// One person's conversation in figures.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecord {
    pub outcome: PersonOutcome,
    /// Calls answered by the endpoint now.
    pub sent: u32,
    /// Calls answered from the cache.
    pub cached: u32,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_usd: f64,
    /// Sum of the calls' recorded latencies (the original ones for cached calls).
    pub latency_ms: u64,
    /// Replies that could not be read (bad JSON, wrong form).
    pub malformed: u32,
    /// Plans the executor refused.
    pub infeasible: u32,
}

impl PersonRecord {
    fn new() -> PersonRecord {
        PersonRecord {
            outcome: PersonOutcome::NotDone,
            sent: 0,
            cached: 0,
            tokens_in: 0,
            tokens_out: 0,
            cost_usd: 0.0,
            latency_ms: 0,
            malformed: 0,
            infeasible: 0,
        }
    }

    /// Calls made for this person.
    pub fn calls(&self) -> u32 {
        self.sent + self.cached
    }

    /// Corrected replies asked for.
    pub fn revisions(&self) -> u32 {
        self.calls().saturating_sub(1)
    }
}

/// Why a generation stopped before every person was done.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    Budget(String),
    Endpoint(String),
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Budget(m) => write!(f, "budget reached: {m}"),
            Stop::Endpoint(m) => write!(f, "endpoint failed: {m}"),
        }
    }
}

/// The result of [`LlmGenerator::generate`], aligned with the targets.
#[derive(Debug, Clone)]
pub struct Generation {
    /// `None` for people not done (the generation stopped first).
    pub diaries: Vec<Option<Diary>>,
    pub people: Vec<PersonRecord>,
    /// The first reason the generation stopped, if it did.
    pub stop: Option<Stop>,
    pub counts: CallCounts,
    /// USD of the calls answered by the endpoint in this process.
    pub spent_now_usd: f64,
    /// Wall time of the whole generation, in milliseconds.
    pub wall_ms: f64,
}

impl Generation {
    pub fn is_complete(&self) -> bool {
        self.diaries.iter().all(Option::is_some)
    }
}

/// Errors before any person is generated.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot set up the LLM client: {0}")]
    Client(String),
}

/// The generator, fitted on a train split.
pub struct LlmGenerator {
    config: PlannerConfig,
    bench: Benchmark,
    train: SplitData,
    space: FeatureSpace,
    executor: StatisticalExecutor,
    fallback: Baseline,
    client: LlmClient,
}

impl LlmGenerator {
    /// Fits the executor, the feature space (few-shot) and the fallback on `train`; LLM
    /// responses are cached in `cache_dir`.
    pub fn new(
        config: PlannerConfig,
        bench: &Benchmark,
        train: SplitData,
        cache_dir: &Path,
    ) -> Result<LlmGenerator, SetupError> {
        let client = LlmClient::new(config.endpoint.clone(), ResponseCache::new(cache_dir))
            .map_err(SetupError::Client)?;
        Ok(LlmGenerator {
            executor: StatisticalExecutor::fit(bench, &train),
            space: FeatureSpace::fit(&train),
            fallback: Baseline::fit(BaselineKind::Nearest1, bench, &train),
            bench: bench.clone(),
            train,
            client,
            config,
        })
    }

    pub fn config(&self) -> &PlannerConfig {
        &self.config
    }

    fn format(&self) -> ReplyFormat {
        match self.config.executor {
            ExecutorKind::Statistical => ReplyFormat::Plan,
            ExecutorKind::None => ReplyFormat::Slots,
        }
    }

    fn first_messages(&self, person: &Person) -> Vec<Value> {
        let format = self.format();
        let examples: Vec<(&Person, &Diary)> = match self.config.prompting {
            Prompting::ZeroShot => Vec::new(),
            Prompting::FewShot { examples } => self
                .space
                .nearest(person, examples + 1)
                .into_iter()
                .filter(|&i| self.train.people()[i].id != person.id)
                .take(examples)
                .map(|i| (&self.train.people()[i], &self.train.diaries[i]))
                .collect(),
        };
        vec![
            json!({"role": "system", "content": prompt::system_prompt(format, self.bench.task)}),
            json!({"role": "user", "content": prompt::user_prompt(
                person,
                &self.train.persons.feature_names,
                &self.bench,
                &examples,
                format,
            )}),
        ]
    }

    fn body(&self, messages: &[Value], person: &Person) -> Value {
        let e = &self.config.endpoint;
        prompt::request_body(
            &e.model,
            messages,
            e.temperature,
            e.max_completion_tokens,
            u64::from(person_seed(self.config.seed, &person.id).0),
            e.json_mode,
        )
    }

    /// One diary per target (in order) where the generation got that far, with figures.
    /// At most `endpoint.concurrency` people are in conversation at once.
    pub async fn generate(self: &Arc<Self>, targets: &[Person]) -> Generation {
        let started = Instant::now();
        let limit = Arc::new(tokio::sync::Semaphore::new(
            self.config.endpoint.concurrency.max(1),
        ));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, person) in targets.iter().enumerate() {
            let permit = limit
                .clone()
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let generator = self.clone();
            let person = person.clone();
            tasks.spawn(async move {
                let result = generator.person(&person).await;
                drop(permit);
                (index, result)
            });
        }
        let mut diaries = vec![None; targets.len()];
        let mut people = vec![PersonRecord::new(); targets.len()];
        let mut stop = None;
        while let Some(joined) = tasks.join_next().await {
            let (index, (diary, record, stopped)) = joined.expect("a person's task panicked");
            diaries[index] = diary;
            people[index] = record;
            if stop.is_none() {
                stop = stopped;
            }
        }
        Generation {
            diaries,
            people,
            stop,
            counts: self.client.counts(),
            spent_now_usd: self.client.spent_now_usd(),
            wall_ms: started.elapsed().as_secs_f64() * 1e3,
        }
    }

    /// One person's conversation.
    async fn person(&self, person: &Person) -> (Option<Diary>, PersonRecord, Option<Stop>) {
        let mut record = PersonRecord::new();
        let mut rng = ChaCha8Rng::seed_from_u64(person_seed(self.config.seed, &person.id).1);
        let mut messages = self.first_messages(person);
        let format = self.format();
        let mut last_problem = FallbackReason::Malformed;
        for attempt in 0..=self.config.max_revisions {
            let body = self.body(&messages, person);
            let outcome = match self.client.call(&body).await {
                Ok(o) => o,
                Err(e) => {
                    let stop = match e {
                        CallError::Stopped => None,
                        CallError::Budget(m) => Some(Stop::Budget(m)),
                        other => Some(Stop::Endpoint(other.to_string())),
                    };
                    if stop.is_some() {
                        tracing::warn!(person = %person.id, "stopping the generation: {}", stop.as_ref().map(ToString::to_string).unwrap_or_default());
                        self.client.stop();
                    }
                    return (None, record, stop);
                }
            };
            if outcome.cached {
                record.cached += 1;
            } else {
                record.sent += 1;
            }
            record.tokens_in += outcome.tokens_in;
            record.tokens_out += outcome.tokens_out;
            record.cost_usd += outcome.cost_usd;
            record.latency_ms += outcome.latency_ms;
            let text = reply_text(&outcome.response);
            let problem = match &text {
                Err(e) => {
                    record.malformed += 1;
                    last_problem = FallbackReason::Malformed;
                    e.clone()
                }
                Ok(text) => match self.read(text, person, &mut rng, format) {
                    Ok(diary) => {
                        record.outcome = PersonOutcome::Generated;
                        return (Some(diary), record, None);
                    }
                    Err((reason, problem)) => {
                        match reason {
                            FallbackReason::Malformed => record.malformed += 1,
                            FallbackReason::Infeasible => record.infeasible += 1,
                        }
                        last_problem = reason;
                        problem
                    }
                },
            };
            tracing::debug!(person = %person.id, attempt, "unusable reply: {problem}");
            if attempt < self.config.max_revisions {
                let echoed: String = text.unwrap_or_default().chars().take(8_000).collect();
                messages.push(json!({"role": "assistant", "content": echoed}));
                messages.push(
                    json!({"role": "user", "content": prompt::revision_prompt(&problem, format)}),
                );
            }
        }
        record.outcome = PersonOutcome::Fallback(last_problem);
        let diary = self.fallback.generate(std::slice::from_ref(person), 0)[0];
        (Some(diary), record, None)
    }

    /// A reply to a diary, or why it is unusable.
    fn read(
        &self,
        text: &str,
        person: &Person,
        rng: &mut ChaCha8Rng,
        format: ReplyFormat,
    ) -> Result<Diary, (FallbackReason, String)> {
        match format {
            ReplyFormat::Slots => {
                parse_slots(text, &self.bench).map_err(|e| (FallbackReason::Malformed, e))
            }
            ReplyFormat::Plan => {
                let plan = parse_plan(text).map_err(|e| (FallbackReason::Malformed, e))?;
                self.executor
                    .execute(&plan, person, rng)
                    .map_err(|e| (FallbackReason::Infeasible, e.to_string()))
            }
        }
    }
}

/// A person's request seed (sent to the endpoint) and zone-draw seed, from the run seed and
/// the person id (SHA-256), so a person's requests and diary never depend on who else is
/// generated.
pub fn person_seed(seed: u64, person_id: &str) -> (u32, u64) {
    let mut hasher = Sha256::new();
    hasher.update(seed.to_le_bytes());
    hasher.update(person_id.as_bytes());
    let d = hasher.finalize();
    let request = u32::from_le_bytes([d[0], d[1], d[2], d[3]]);
    let draws = u64::from_le_bytes([d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11]]);
    (request, draws)
}
