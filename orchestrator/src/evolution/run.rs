//! A run's lifecycle: create it (snapshot the workspace into the run repository, record
//! the frozen configuration), reopen it for resuming (refusing changed data), and drive
//! its rounds until the target is reached, the budget is spent, or the user interrupts.

use crate::evolution::agent_factory;
use crate::evolution::bench_context::BenchContext;
use crate::evolution::event_feed::EventFeed;
use crate::evolution::interrupt::Interrupt;
use crate::evolution::round;
use crate::evolution::settings::RunSettings;
use crate::evolution::settings_update::SettingsUpdate;
use crate::evolution::validation_split::make_view;
use crate::evolution::workbench::PreviewContext;
use crate::paths;
use crate::scoring;
use agents::{Agent, Budget, BudgetLimits, SharedBudget};
use anyhow::{bail, Context};
use memory::{Budgets, Memory, RunConfig, RunLock, RunStatus};
use sandbox::{IsolationChoice, RunRepo, Sandbox, SandboxConfig};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

/// The database of every run under a runs folder.
pub fn database_path(runs_root: &Path) -> PathBuf {
    runs_root.join("mobevolve.sqlite")
}

pub fn run_dir(runs_root: &Path, id: i64) -> PathBuf {
    runs_root.join(format!("run-{id}"))
}

/// The source workspace a new run snapshots: the one this binary was built from.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the orchestrator crate sits in the workspace")
        .to_path_buf()
}

/// Everything a round needs, opened once per process.
pub struct Run {
    pub id: i64,
    pub settings: RunSettings,
    pub dir: PathBuf,
    pub memory: Arc<Memory>,
    pub lock: Arc<RunLock>,
    pub repo: Arc<Mutex<RunRepo>>,
    pub sandbox: Arc<Sandbox>,
    /// The run's benchmark.
    pub main: Arc<BenchContext>,
    /// The guard benchmark, if the rule names one.
    pub guard: Option<Arc<BenchContext>>,
    /// The key of the run's secret seed stream.
    pub secret: String,
    /// `MOBEVOLVE_BENCH` for candidate tests: every prepared benchmark's train split and the
    /// evolution part of its validation split; never `test/`, never the selection part.
    pub view_root: PathBuf,
    pub templates: prompts::Templates,
    pub agent: Box<dyn Agent>,
    pub budget: Option<SharedBudget>,
    /// Set once the user asked to stop (checked between phases).
    pub interrupted: Arc<AtomicBool>,
    /// The stop request itself: waited on during a phase, cancels the sandbox.
    pub interrupt: Interrupt,
}

/// How a `drive` ended.
#[derive(Debug, Clone, PartialEq)]
pub enum DriveEnd {
    Finished,
    Interrupted,
    BudgetExhausted(String),
}

impl Run {
    /// Starts a new run: snapshot, configuration, view of the benchmarks. `secret` keys the
    /// run's decision seeds (fresh from the OS when `None`).
    pub async fn create(
        settings: RunSettings,
        secret: Option<String>,
        bench_root: &Path,
        runs_root: &Path,
    ) -> anyhow::Result<Run> {
        let secret = match secret {
            Some(s) => {
                anyhow::ensure!(
                    s.len() >= 16 && s.chars().all(|c| c.is_ascii_hexdigit()),
                    "--decision-secret must be at least 16 hex digits"
                );
                s
            }
            None => crate::evolution::seeds::new_secret()?,
        };
        // Nothing is created before candidates are known to be isolable on this machine
        // (as root, or rootless with user namespaces), and the toolchain is found.
        Sandbox::new(sandbox_config(SandboxConfig::default().sandbox_uid)?)
            .context("cannot start a run")?;
        // Both benchmarks must be intact before anything is created.
        let share = settings.rule.selection_share;
        let staging_name = format!(
            ".new-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_nanos()
        );
        let staging = runs_root.join(&staging_name);
        let main = BenchContext::open(bench_root, &settings.benchmark, &staging, share)?;
        if let Some(guard) = &settings.rule.guard {
            BenchContext::open(bench_root, guard, &staging, share)?;
        }
        std::fs::create_dir_all(runs_root)
            .with_context(|| format!("cannot create {}", runs_root.display()))?;
        let memory = Memory::open(database_path(runs_root)).await?;
        let initial_commit = {
            let repo = RunRepo::init_from(
                &staging,
                &settings.workspace,
                settings.generator_from.as_deref(),
            )?;
            repo.main_head()?
        };
        make_view(bench_root, &staging.join("bench-view"), share)?;
        let config = RunConfig {
            benchmark: settings.benchmark.clone(),
            benchmark_hash: main.content_hash.clone(),
            evaluator_version: evaluator::EVALUATOR_VERSION.to_string(),
            agent: settings.agent.name().to_string(),
            model: settings.agent.model(),
            seeds: settings.evolution_seed_list(),
            acceptance_rule: settings.rule_text(),
            rule: serde_json::to_value(&settings.rule)?,
            budgets: Budgets {
                max_rounds: Some(settings.rounds),
                max_tokens: match &settings.agent {
                    crate::evolution::settings::AgentSettings::Openai { max_tokens, .. } => {
                        *max_tokens
                    }
                    _ => None,
                },
                max_cost_usd: match &settings.agent {
                    crate::evolution::settings::AgentSettings::Openai { budget_usd, .. } => {
                        *budget_usd
                    }
                    _ => None,
                },
                max_wall_secs: None,
            },
            initial_commit,
        };
        let lock = memory.create_run(&config, &secret).await?;
        let dir = run_dir(runs_root, lock.run());
        std::fs::rename(&staging, &dir)
            .with_context(|| format!("moving {} to {}", staging.display(), dir.display()))?;
        crate::evolution::evaluations::write_atomic(
            &dir.join("settings.json"),
            serde_json::to_string_pretty(&settings)?.as_bytes(),
        )?;
        eprintln!(
            "run {} created: {} with the {} agent, {} rounds, folder {}",
            lock.run(),
            settings.benchmark,
            settings.agent.name(),
            settings.rounds,
            dir.display()
        );
        Run::assemble(memory, lock, settings, dir, bench_root, secret).await
    }

    /// Reopens run `id` for driving (refused while another process drives it, or when the
    /// benchmark's content changed since the run started).
    pub async fn reopen(
        id: i64,
        bench_root: &Path,
        runs_root: &Path,
        change: &SettingsUpdate,
    ) -> anyhow::Result<Run> {
        let db = database_path(runs_root);
        if !db.is_file() {
            bail!(
                "no runs database at {} (start a run with `orchestrator run`)",
                db.display()
            );
        }
        let memory = Memory::open(&db).await?;
        let config = memory.run_config(id).await?;
        let secret = memory.decision_secret(id).await?;
        let lock = memory.lock_run(id).await?;
        let dir = run_dir(runs_root, id);
        let settings_path = dir.join("settings.json");
        let mut settings: RunSettings = serde_json::from_str(
            &std::fs::read_to_string(&settings_path)
                .with_context(|| format!("run {id}: cannot read {}", settings_path.display()))?,
        )
        .with_context(|| format!("run {id}: {} is not valid", settings_path.display()))?;
        if !change.is_empty() {
            let from_round = memory.resume_point(id).await?.round;
            let changes = change.apply(id, &mut settings, from_round)?;
            if !changes.is_empty() {
                let budgets = Budgets {
                    max_rounds: Some(settings.rounds),
                    max_tokens: settings.agent.max_tokens(),
                    max_cost_usd: settings.agent.budget_usd(),
                    ..config.budgets.clone()
                };
                memory
                    .change_settings(
                        &lock,
                        from_round,
                        &changes,
                        &change.command,
                        &settings.agent.model(),
                        &budgets,
                    )
                    .await?;
                crate::evolution::evaluations::write_atomic(
                    &settings_path,
                    serde_json::to_string_pretty(&settings)?.as_bytes(),
                )?;
                for c in &changes {
                    eprintln!(
                        "run {id}: {} changed from {} to {} (from round {from_round} on)",
                        c.setting, c.old_value, c.new_value
                    );
                }
            }
        }
        let bench =
            mobility::Benchmark::open(&paths::benchmark_dir(bench_root, &config.benchmark)?)?;
        let content_hash = scoring::content_hash(&bench)?;
        if content_hash != config.benchmark_hash {
            bail!(
                "run {id} cannot continue: the benchmark {} changed since the run started \
                 (content hash was {}, is now {}). The data, the splits and the evaluator are frozen \
                 during a run; restore the original prepared benchmark or start a new run",
                config.benchmark,
                scoring::short_hash(&config.benchmark_hash),
                scoring::short_hash(&content_hash)
            );
        }
        scoring::verify_content(&bench).with_context(|| {
            format!(
                "run {id} cannot continue: the benchmark {} no longer matches the content hash \
                 {} the run started with. The data, the splits and the evaluator are frozen \
                 during a run; restore the original prepared benchmark or start a new run",
                config.benchmark,
                scoring::short_hash(&config.benchmark_hash)
            )
        })?;
        if config.evaluator_version != evaluator::EVALUATOR_VERSION {
            bail!(
                "run {id} was scored by evaluator {} but this binary has evaluator {}; the evaluator \
                 is frozen during a run",
                config.evaluator_version,
                evaluator::EVALUATOR_VERSION
            );
        }
        let view_root = dir.join("bench-view");
        if !view_root
            .join(&config.benchmark)
            .join("manifest.json")
            .is_file()
        {
            make_view(bench_root, &view_root, settings.rule.selection_share)?;
        }
        Run::assemble(memory, lock, settings, dir, bench_root, secret).await
    }

    async fn assemble(
        memory: Memory,
        lock: RunLock,
        settings: RunSettings,
        dir: PathBuf,
        bench_root: &Path,
        secret: String,
    ) -> anyhow::Result<Run> {
        let share = settings.rule.selection_share;
        let main = Arc::new(BenchContext::open(
            bench_root,
            &settings.benchmark,
            &dir,
            share,
        )?);
        let guard = match &settings.rule.guard {
            Some(name) => Some(Arc::new(BenchContext::open(bench_root, name, &dir, share)?)),
            None => None,
        };
        let repo = RunRepo::open(&dir)?;
        let stale = repo.cleanup_stale_worktrees()?;
        if !stale.is_empty() {
            // The last process died with candidates open, maybe in the middle of a build.
            let caches = repo.discard_incremental_caches()?;
            tracing::info!(
                "removed stale worktrees ({}) and {caches} incremental build caches",
                stale.join(", ")
            );
        }
        let sandbox = Sandbox::new(sandbox_config(sandbox_uid(&dir))?)?;
        tracing::info!("candidate isolation: {}", sandbox.isolation().describe());
        // An external agent sees nothing of the runs, the benchmarks or the raw data.
        let runs_root = dir.parent().unwrap_or(&dir).to_path_buf();
        let mut hidden = vec![runs_root, bench_root.to_path_buf()];
        let data = std::env::var_os(paths::DATA_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(paths::DEFAULT_DATA_DIR));
        hidden.extend(std::path::absolute(data).ok());
        let jail = sandbox.agent_jail(&dir, hidden)?;
        let memory = Arc::new(memory);
        let lock = Arc::new(lock);
        let templates = match &settings.prompts_dir {
            Some(d) => prompts::Templates::from_dir(d)?,
            None => prompts::Templates::builtin(),
        };
        let spent = memory.totals(lock.run()).await?;
        let (agent, budget) = agent_factory::make_agent(
            &settings.agent,
            memory.clone(),
            lock.clone(),
            (spent.cost_usd, spent.tokens_in + spent.tokens_out),
            templates.clone(),
            Arc::new(crate::evolution::agent_jail::JailedAgents(jail)),
        )?;
        let interrupted = Arc::new(AtomicBool::new(false));
        let uids = match sandbox.isolation().owner() {
            Some(uid) => vec![uid, sandbox::agent_jail::agent_uid(uid)],
            None => Vec::new(),
        };
        let interrupt = Interrupt::new(interrupted.clone(), sandbox.cancel_token(), uids);
        Ok(Run {
            id: lock.run(),
            view_root: dir.join("bench-view"),
            main,
            guard,
            secret,
            settings,
            dir,
            memory,
            lock,
            repo: Arc::new(Mutex::new(repo)),
            sandbox: Arc::new(sandbox),
            templates,
            agent,
            budget,
            interrupted,
            interrupt,
        })
    }

    /// What an agent's preview of a change in round worktree compares against.
    pub fn preview_context(&self, parent: &str) -> PreviewContext {
        PreviewContext {
            bench: self.main.clone(),
            parent: parent.to_string(),
            seeds: self.settings.evolution_seed_list(),
            confidence: self.settings.rule.confidence,
        }
    }

    /// Runs rounds until `settings.rounds` are finished; every phase is recorded before the
    /// next starts, so this can be called again after any interruption.
    pub async fn drive(&mut self) -> anyhow::Result<DriveEnd> {
        // Ctrl-C (or SIGTERM) stops the current phase within seconds — the candidate or
        // agent it waits for is killed — and records it as interrupted, to be redone on
        // resume; a second one exits at once. Nothing recorded is lost either way.
        let watcher = self.interrupt.watch_signals(self.id);
        let progress = crate::evolution::progress::Progress::new(self.settings.rounds);
        // Refuse to start (or resume) with an agent that cannot work: an unreachable endpoint,
        // a refused key, an unknown model, a missing command.
        if let Err(e) = self.agent.preflight().await {
            watcher.abort();
            progress.finish();
            bail!("the {} agent cannot work: {e}", self.agent.name());
        }
        let mut feed = EventFeed::from_now(&self.memory, self.id).await?;
        if self.memory.run_summary(self.id).await?.status != RunStatus::Active {
            self.memory
                .set_run_status(&self.lock, RunStatus::Active, Some("resumed"))
                .await?;
        }
        let end = loop {
            let point = self.memory.resume_point(self.id).await?;
            if point.round > self.settings.rounds {
                break DriveEnd::Finished;
            }
            if let Some(why) = self.budget_exhausted() {
                break DriveEnd::BudgetExhausted(why);
            }
            progress.round(point.round);
            let ended = match round::run_round(self, point, &progress, &mut feed).await {
                Ok(ended) => ended,
                Err(e) => {
                    watcher.abort();
                    progress.finish();
                    let reason = format!("{e:#}");
                    // Recorded so `status` says why; `resume` continues from the failed phase.
                    if let Err(db) = self
                        .memory
                        .set_run_status(&self.lock, RunStatus::Failed, Some(&reason))
                        .await
                    {
                        tracing::warn!("could not record the run's failure: {db}");
                    }
                    return Err(e);
                }
            };
            match ended {
                // The round's line and the report's rewrite came with its events.
                round::RoundEnd::Done => {}
                round::RoundEnd::Interrupted => break DriveEnd::Interrupted,
                round::RoundEnd::BudgetExhausted(why) => break DriveEnd::BudgetExhausted(why),
            }
        };
        // The watcher only requests a stop; it is not needed once driving ends.
        watcher.abort();
        progress.finish();
        let (status, reason) = match &end {
            DriveEnd::Finished => (RunStatus::Finished, None),
            DriveEnd::Interrupted => (RunStatus::Stopped, Some("interrupted".to_string())),
            DriveEnd::BudgetExhausted(why) => (
                RunStatus::Stopped,
                Some(format!("the LLM budget is spent: {why}")),
            ),
        };
        self.memory
            .set_run_status(&self.lock, status, reason.as_deref())
            .await?;
        Ok(end)
    }

    /// Why the budget is spent, if it is (checked between rounds).
    pub fn budget_exhausted(&self) -> Option<String> {
        let budget = self.budget.as_ref()?;
        let b = budget.lock().ok()?;
        b.would_exceed(0, 0.0)
    }
}

/// The sandbox settings of a run whose candidates run as `uid` (as root), in the isolation
/// mode `MOBEVOLVE_ISOLATION` asks for (auto by default).
pub fn sandbox_config(uid: u32) -> anyhow::Result<SandboxConfig> {
    Ok(SandboxConfig {
        sandbox_uid: uid,
        isolation: IsolationChoice::from_env()?,
        ..SandboxConfig::default()
    })
}

/// The unprivileged uid candidate processes of this run folder run as. The sandbox kills
/// every process of its uid when a candidate ends, so concurrent runs (or a run and an
/// `evaluate --run`) must not share one: it is derived from the folder's path.
pub fn sandbox_uid(run_dir: &Path) -> u32 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    run_dir.hash(&mut h);
    61_000 + (h.finish() % 4_000) as u32
}

/// Builds the agent's budget from the stored spend (so a resume continues the count).
pub fn shared_budget(limits: BudgetLimits, spent_usd: f64, spent_tokens: u64) -> SharedBudget {
    Budget::new(limits)
        .with_spent(spent_usd, spent_tokens)
        .shared()
}
