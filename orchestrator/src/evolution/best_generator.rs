//! A run's generator used outside the loop: the final evaluation (`evaluate --run`), a
//! population (`generate --run`) and the standalone crate (`export`). The run is locked
//! while this happens, so it cannot race the loop for the shared build folder.

use crate::evolution::run::{database_path, run_dir, sandbox_uid};
use crate::evolution::settings::RunSettings;
use crate::paths;
use crate::scoring;
use anyhow::{anyhow, bail, Context};
use memory::{Memory, RunConfig, RunLock, RunSummary};
use mobility::{Benchmark, Split};
use sandbox::{Limits, RolloutPersons, RolloutRequest, RunRepo, Sandbox};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub struct BestGenerator {
    pub memory: Memory,
    pub lock: RunLock,
    pub summary: RunSummary,
    pub config: RunConfig,
    pub settings: RunSettings,
    pub dir: PathBuf,
    pub repo: RunRepo,
    pub bench: Benchmark,
}

impl BestGenerator {
    /// Opens and locks run `id` (refused while another process drives it).
    pub async fn open(
        id: i64,
        runs_root: &Path,
        bench_root: &Path,
    ) -> anyhow::Result<BestGenerator> {
        let db = database_path(runs_root);
        if !db.is_file() {
            bail!("no runs database at {}", db.display());
        }
        let memory = Memory::open(&db).await?;
        let config = memory.run_config(id).await?;
        let lock = memory.lock_run(id).await?;
        let summary = memory.run_summary(id).await?;
        let dir = run_dir(runs_root, id);
        let settings: RunSettings = serde_json::from_str(
            &std::fs::read_to_string(dir.join("settings.json"))
                .with_context(|| format!("run {id}: cannot read its settings.json"))?,
        )?;
        let bench = Benchmark::open(&paths::benchmark_dir(bench_root, &config.benchmark)?)?;
        let hash = scoring::content_hash(&bench)?;
        if hash != config.benchmark_hash {
            bail!(
                "the benchmark {} changed since run {id} started (content hash {} → {})",
                config.benchmark,
                scoring::short_hash(&config.benchmark_hash),
                scoring::short_hash(&hash)
            );
        }
        let repo = RunRepo::open(&dir)?;
        repo.cleanup_stale_worktrees()?;
        Ok(BestGenerator {
            memory,
            lock,
            summary,
            config,
            settings,
            dir,
            repo,
            bench,
        })
    }

    /// A view for a final rollout on `split`: train (the generator's state), the split's
    /// persons (not its diaries), zones and manifest.
    pub fn persons_view(&self, split: Split) -> anyhow::Result<PathBuf> {
        let view = self.dir.join("bench-final").join(&self.bench.name);
        if view.exists() {
            std::fs::remove_dir_all(&view)?;
        }
        let train = view.join(Split::Train.name());
        std::fs::create_dir_all(&train)?;
        for file in ["persons.csv", "diaries.csv"] {
            std::fs::copy(
                self.bench.split_dir(Split::Train).join(file),
                train.join(file),
            )?;
        }
        let target = view.join(split.name());
        std::fs::create_dir_all(&target)?;
        std::fs::copy(
            self.bench.split_dir(split).join("persons.csv"),
            target.join("persons.csv"),
        )?;
        for file in ["manifest.json", "zones.csv"] {
            if self.bench.dir.join(file).is_file() {
                std::fs::copy(self.bench.dir.join(file), view.join(file))?;
            }
        }
        Ok(view)
    }

    /// Builds `commit` in the sandbox and rolls it out once per seed (each rollout twice,
    /// to check determinism). `limits` lets large populations through.
    pub fn rollouts(
        &self,
        commit: &str,
        view: &Path,
        persons: RolloutPersons,
        seeds: &[u64],
        limits: Option<Limits>,
    ) -> anyhow::Result<Vec<Vec<u8>>> {
        let mut config = crate::evolution::run::sandbox_config(sandbox_uid(&self.dir))?;
        if let Some(limits) = limits {
            config.limits = limits;
        }
        let sandbox = Sandbox::new(config)?;
        let name = format!("final-{}", &commit[..commit.len().min(12)]);
        let wt = self.repo.create_worktree(&name, commit)?;
        let result = (|| {
            sandbox
                .build(&self.repo, &wt)?
                .map_err(|r| anyhow!("the generator {commit} does not build: {r}"))?;
            let mut out = Vec::new();
            for &seed in seeds {
                let request = RolloutRequest {
                    bench: view.to_path_buf(),
                    persons: persons.clone(),
                    seed,
                    threads: Some(2),
                };
                let (verified, _) = sandbox
                    .rollout(&self.repo, &wt, &request)?
                    .map_err(|r| anyhow!("the rollout of {commit} failed: {r}"))?;
                out.push(verified.diaries);
            }
            Ok(out)
        })();
        self.repo.remove_worktree(&wt)?;
        result
    }
}

/// Sandbox limits for a large population: an hour and 64 GiB of output.
pub fn population_limits() -> Limits {
    let mut limits = Limits::default();
    limits.rollout.wall_time = Duration::from_secs(3600);
    limits.rollout.max_file_bytes = 64 << 30;
    limits
}
