//! Runs and who drives them: creating a run, taking its lock, status and listing.
//!
//! A run is driven by at most one process. The lock is an OS advisory lock (`flock`) on
//! `<db>.run-<id>.lock`, held by an open file descriptor inside [`RunLock`]; the kernel
//! releases it when the owner exits for any reason, SIGKILL included. The owner's pid, host
//! and start time are recorded in `runs` only to explain a refusal. Every write of a run's
//! record takes a `&RunLock`, so only the owner can write.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use sqlx::Row;

use crate::clock::{format_utc, now_ms};
use crate::events::RunEvent;
use crate::records::{Budgets, RunConfig, RunStatus};
use crate::{Memory, MemoryError};

/// Proof that this process drives a run. Dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    run: i64,
    db_path: PathBuf,
    lock_path: PathBuf,
    /// Holding the descriptor open holds the `flock`.
    _file: File,
}

impl RunLock {
    /// The run this lock is for.
    pub fn run(&self) -> i64 {
        self.run
    }

    /// The lock file.
    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }
}

/// One row of [`Memory::list_runs`].
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// Run id.
    pub id: i64,
    /// Its configuration.
    pub config: RunConfig,
    /// Its status.
    pub status: RunStatus,
    /// Why it has that status, when recorded (`failed: <reason>`).
    pub status_reason: Option<String>,
    /// The current accepted generator.
    pub current_commit: String,
    /// Creation time (ms since the epoch).
    pub created_at: i64,
    /// Last write (ms since the epoch).
    pub updated_at: i64,
    /// The last recorded owner: pid, host, since (ms). May be stale when nobody holds the lock.
    pub last_owner: Option<(i64, String, i64)>,
}

impl Memory {
    /// Record a new run and take its lock. `decision_secret` keys the stream the run's
    /// decision seeds are drawn from: kept out of every listing, read back only with
    /// [`Memory::decision_secret`].
    pub async fn create_run(
        &self,
        config: &RunConfig,
        decision_secret: &str,
    ) -> Result<RunLock, MemoryError> {
        let now = now_ms();
        let seeds = serde_json::to_string(&config.seeds).map_err(self.json("runs.seeds"))?;
        let budgets = serde_json::to_string(&config.budgets).map_err(self.json("runs.budgets"))?;
        let rule = serde_json::to_string(&config.rule).map_err(self.json("runs.rule"))?;
        let mut tx = self.begin_immediate().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO runs (benchmark, benchmark_hash, evaluator_version, agent, model, seeds,
                               acceptance_rule, budgets, initial_commit, current_commit,
                               created_at, updated_at, rule, decision_secret)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&config.benchmark)
        .bind(&config.benchmark_hash)
        .bind(&config.evaluator_version)
        .bind(&config.agent)
        .bind(&config.model)
        .bind(seeds)
        .bind(&config.acceptance_rule)
        .bind(budgets)
        .bind(&config.initial_commit)
        .bind(&config.initial_commit)
        .bind(now)
        .bind(now)
        .bind(rule)
        .bind(decision_secret)
        .fetch_one(&mut *tx)
        .await
        .map_err(self.sql("creating a run"))?;
        let event = RunEvent::RunCreated {
            benchmark: config.benchmark.clone(),
            agent: config.agent.clone(),
        };
        self.append_event(&mut tx, id, &event).await?;
        tx.commit()
            .await
            .map_err(self.sql("committing a new run"))?;
        self.lock_run(id).await
    }

    /// The key of run `run`'s decision-seed stream (see [`Memory::create_run`]).
    pub async fn decision_secret(&self, run: i64) -> Result<String, MemoryError> {
        let secret: Option<String> =
            sqlx::query_scalar("SELECT decision_secret FROM runs WHERE id = ?")
                .bind(run)
                .fetch_optional(&self.pool)
                .await
                .map_err(self.sql(format!("reading the decision secret of run {run}")))?
                .flatten();
        secret.ok_or_else(|| MemoryError::BadValue {
            path: self.path.clone(),
            context: format!("runs.decision_secret of run {run}"),
            value: "NULL (a run created before the statistical rule cannot be continued)".into(),
        })
    }

    /// Take the lock of an existing run, or explain who holds it.
    pub async fn lock_run(&self, run: i64) -> Result<RunLock, MemoryError> {
        self.run_config(run).await?;
        let lock_path = self.lock_path(run);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .map_err(|source| MemoryError::Io {
                path: lock_path.clone(),
                what: "opening the run lock file",
                source,
            })?;
        // SAFETY: flock on a descriptor we own and keep open; no memory is shared.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let source = std::io::Error::last_os_error();
            if source.raw_os_error() == Some(libc::EWOULDBLOCK) {
                return Err(self.locked_error(run, lock_path).await);
            }
            return Err(MemoryError::Io {
                path: lock_path,
                what: "locking the run",
                source,
            });
        }
        let now = now_ms();
        sqlx::query(
            "UPDATE runs SET owner_pid = ?, owner_host = ?, owner_since = ?, updated_at = ?
             WHERE id = ?",
        )
        .bind(i64::from(std::process::id()))
        .bind(host_name())
        .bind(now)
        .bind(now)
        .bind(run)
        .execute(&self.pool)
        .await
        .map_err(self.sql(format!("recording the owner of run {run}")))?;
        Ok(RunLock {
            run,
            db_path: self.path.clone(),
            lock_path,
            _file: file,
        })
    }

    /// Give up a run: clear the recorded owner, then release the lock.
    pub async fn release_run(&self, lock: RunLock) -> Result<(), MemoryError> {
        self.check_lock(&lock, lock.run)?;
        sqlx::query(
            "UPDATE runs SET owner_pid = NULL, owner_host = NULL, owner_since = NULL
             WHERE id = ? AND owner_pid = ?",
        )
        .bind(lock.run)
        .bind(i64::from(std::process::id()))
        .execute(&self.pool)
        .await
        .map_err(self.sql(format!("clearing the owner of run {}", lock.run)))?;
        drop(lock);
        Ok(())
    }

    /// Delete a run and everything recorded about it (rounds, phases, records, LLM calls,
    /// final evaluations, settings changes), then release and remove its lock file.
    pub async fn delete_run(&self, lock: RunLock) -> Result<(), MemoryError> {
        let run = lock.run;
        self.check_lock(&lock, run)?;
        // The child tables first: not every one cascades from `runs`.
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(self.sql("starting a deletion"))?;
        for table in [
            "trial_memory",
            "verification_records",
            "proposals",
            "attribution_records",
            "round_phases",
            "rounds",
            "llm_calls",
            "final_evaluations",
            "run_settings_changes",
            "run_events",
            "runs",
        ] {
            let column = if table == "runs" { "id" } else { "run_id" };
            sqlx::query(&format!("DELETE FROM {table} WHERE {column} = ?"))
                .bind(run)
                .execute(&mut *tx)
                .await
                .map_err(self.sql(format!("deleting run {run} from {table}")))?;
        }
        tx.commit()
            .await
            .map_err(self.sql(format!("committing the deletion of run {run}")))?;
        let path = lock.lock_path.clone();
        drop(lock);
        let _ = std::fs::remove_file(path);
        Ok(())
    }

    /// Set a run's status, with why (shown as `failed: <reason>`, `stopped: <reason>`).
    pub async fn set_run_status(
        &self,
        lock: &RunLock,
        status: RunStatus,
        reason: Option<&str>,
    ) -> Result<(), MemoryError> {
        self.check_lock(lock, lock.run)?;
        let mut tx = self.begin_immediate().await?;
        sqlx::query("UPDATE runs SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?")
            .bind(status.name())
            .bind(reason)
            .bind(now_ms())
            .bind(lock.run)
            .execute(&mut *tx)
            .await
            .map_err(self.sql(format!("setting the status of run {}", lock.run)))?;
        let event = RunEvent::StatusChanged {
            status: status.name().into(),
            reason: reason.map(str::to_string),
        };
        self.append_event(&mut tx, lock.run, &event).await?;
        tx.commit()
            .await
            .map_err(self.sql(format!("committing the status of run {}", lock.run)))?;
        Ok(())
    }

    /// A run's configuration.
    pub async fn run_config(&self, run: i64) -> Result<RunConfig, MemoryError> {
        Ok(self.run_summary(run).await?.config)
    }

    /// One run's summary.
    pub async fn run_summary(&self, run: i64) -> Result<RunSummary, MemoryError> {
        let row = sqlx::query(&format!("{RUN_COLUMNS} WHERE id = ?"))
            .bind(run)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.sql(format!("reading run {run}")))?;
        match row {
            Some(row) => self.run_from_row(&row),
            None => Err(MemoryError::UnknownRun {
                path: self.path.clone(),
                run,
            }),
        }
    }

    /// Every run, oldest first.
    pub async fn list_runs(&self) -> Result<Vec<RunSummary>, MemoryError> {
        let rows = sqlx::query(&format!("{RUN_COLUMNS} ORDER BY id"))
            .fetch_all(&self.pool)
            .await
            .map_err(self.sql("listing runs"))?;
        rows.iter().map(|r| self.run_from_row(r)).collect()
    }

    /// Fail unless `lock` is this database's lock for `run`.
    pub(crate) fn check_lock(&self, lock: &RunLock, run: i64) -> Result<(), MemoryError> {
        if lock.run != run || lock.db_path != self.path {
            return Err(MemoryError::WrongLock {
                held: lock.run,
                held_path: lock.db_path.clone(),
                run,
            });
        }
        Ok(())
    }

    fn lock_path(&self, run: i64) -> PathBuf {
        let mut name = OsString::from(self.path.as_os_str());
        name.push(format!(".run-{run}.lock"));
        PathBuf::from(name)
    }

    async fn locked_error(&self, run: i64, lock_path: PathBuf) -> MemoryError {
        let owner = self.run_summary(run).await.ok().and_then(|s| s.last_owner);
        let (pid, host, since) = match owner {
            Some((pid, host, since)) => (pid.to_string(), host, format_utc(since)),
            None => ("?".into(), "?".into(), "?".into()),
        };
        MemoryError::RunLocked {
            run,
            pid,
            host,
            since,
            lock_path,
        }
    }

    fn run_from_row(&self, row: &sqlx::sqlite::SqliteRow) -> Result<RunSummary, MemoryError> {
        let get = |e: sqlx::Error| MemoryError::Sql {
            path: self.path.clone(),
            context: "reading a runs row".into(),
            source: e,
        };
        let id: i64 = row.try_get("id").map_err(get)?;
        let seeds: String = row.try_get("seeds").map_err(get)?;
        let budgets: String = row.try_get("budgets").map_err(get)?;
        let status: String = row.try_get("status").map_err(get)?;
        let owner_pid: Option<i64> = row.try_get("owner_pid").map_err(get)?;
        let owner_host: Option<String> = row.try_get("owner_host").map_err(get)?;
        let owner_since: Option<i64> = row.try_get("owner_since").map_err(get)?;
        let seeds: Vec<u64> =
            serde_json::from_str(&seeds).map_err(self.json(format!("runs.seeds of run {id}")))?;
        let rule: Option<String> = row.try_get("rule").map_err(get)?;
        let rule: serde_json::Value = match rule {
            Some(text) => {
                serde_json::from_str(&text).map_err(self.json(format!("runs.rule of run {id}")))?
            }
            None => serde_json::Value::Null,
        };
        let budgets: Budgets = serde_json::from_str(&budgets)
            .map_err(self.json(format!("runs.budgets of run {id}")))?;
        let status = RunStatus::from_name(&status).ok_or_else(|| MemoryError::BadValue {
            path: self.path.clone(),
            context: format!("runs.status of run {id}"),
            value: status.clone(),
        })?;
        Ok(RunSummary {
            id,
            config: RunConfig {
                benchmark: row.try_get("benchmark").map_err(get)?,
                benchmark_hash: row.try_get("benchmark_hash").map_err(get)?,
                evaluator_version: row.try_get("evaluator_version").map_err(get)?,
                agent: row.try_get("agent").map_err(get)?,
                model: row.try_get("model").map_err(get)?,
                seeds,
                acceptance_rule: row.try_get("acceptance_rule").map_err(get)?,
                rule,
                budgets,
                initial_commit: row.try_get("initial_commit").map_err(get)?,
            },
            status,
            status_reason: row.try_get("status_reason").map_err(get)?,
            current_commit: row.try_get("current_commit").map_err(get)?,
            created_at: row.try_get("created_at").map_err(get)?,
            updated_at: row.try_get("updated_at").map_err(get)?,
            last_owner: match (owner_pid, owner_host, owner_since) {
                (Some(p), Some(h), Some(s)) => Some((p, h, s)),
                _ => None,
            },
        })
    }
}

const RUN_COLUMNS: &str =
    "SELECT id, benchmark, benchmark_hash, evaluator_version, agent, model, seeds,
        acceptance_rule, budgets, initial_commit, current_commit, status, created_at, updated_at,
        owner_pid, owner_host, owner_since, rule, status_reason FROM runs";

/// This machine's host name, `?` if unknown.
fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "?".into())
}
