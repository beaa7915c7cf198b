//! Building generators and rolling them out in the sandbox, off the async runtime, with
//! every rollout kept in the benchmark's store so a (commit, seed) is never rolled out twice.

use crate::evolution::bench_context::BenchContext;
use crate::evolution::disk::unless_disk_full;
use crate::evolution::round::artifacts::{rejected, Rejected};
use crate::evolution::run::Run;
use memory::RoundOutcome;
use anyhow::anyhow;
use sandbox::{RolloutPersons, RolloutRequest, Worktree};

/// Runs a blocking sandbox operation on the run repository off the async runtime.
pub async fn with_repo<T: Send + 'static>(
    run: &Run,
    f: impl FnOnce(&sandbox::RunRepo, &sandbox::Sandbox) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let repo = run.repo.clone();
    let sandbox = run.sandbox.clone();
    tokio::task::spawn_blocking(move || {
        let repo = repo
            .lock()
            .map_err(|_| anyhow!("the run repository lock is poisoned"))?;
        f(&repo, &sandbox)
    })
    .await?
}

/// A fresh worktree `name` at `commit` (any leftover of the same name is removed first).
pub async fn fresh_worktree(run: &Run, name: String, commit: String) -> anyhow::Result<Worktree> {
    with_repo(run, move |repo, _| {
        repo.cleanup_stale_worktrees()?;
        Ok(repo.create_worktree(&name, &commit)?)
    })
    .await
}

pub async fn remove_worktree(run: &Run, wt: Worktree) -> anyhow::Result<()> {
    with_repo(run, move |repo, _| Ok(repo.remove_worktree(&wt)?)).await
}

/// The name of round `r`'s candidate worktree.
pub fn worktree_name(r: u32) -> String {
    format!("round-{r:04}")
}

/// A rollout of `ctx`'s validation people (both parts) with `seed`.
pub fn rollout_request(ctx: &BenchContext, seed: u64) -> RolloutRequest {
    RolloutRequest {
        bench: ctx.view.clone(),
        persons: RolloutPersons::PersonsFile(ctx.persons_file.clone()),
        seed,
        threads: Some(2),
    }
}

/// Makes sure `commit` of an accepted generator is rolled out on `ctx` with every seed of
/// `seeds`, building it in a worktree named `worktree` if any is missing. Returns whether
/// everything was already stored. A parent that no longer builds or rolls out here is an
/// error of the phase: it did both when it was verified.
pub async fn ensure_parent_rolled_out(
    run: &Run,
    ctx: &BenchContext,
    commit: &str,
    seeds: &[u64],
    worktree: String,
) -> anyhow::Result<bool> {
    match ensure_rolled_out(run, ctx, commit, seeds, worktree).await? {
        Ok(reused) => Ok(reused),
        Err(r) => Err(anyhow!(
            "the accepted generator {commit} failed on {}: {}",
            ctx.name,
            r.message
        )),
    }
}

/// [`ensure_parent_rolled_out`] for a verified candidate: a failed build or rollout, or
/// invalid diaries, are the candidate's rejection.
pub async fn ensure_rolled_out(
    run: &Run,
    ctx: &BenchContext,
    commit: &str,
    seeds: &[u64],
    worktree: String,
) -> anyhow::Result<Result<bool, Rejected>> {
    let missing: Vec<u64> = seeds
        .iter()
        .copied()
        .filter(|s| !ctx.store.has_rollout(commit, *s))
        .collect();
    if missing.is_empty() {
        return Ok(Ok(true));
    }
    let wt = fresh_worktree(run, worktree, commit.to_string()).await?;
    let requests: Vec<RolloutRequest> = missing.iter().map(|s| rollout_request(ctx, *s)).collect();
    let wt2 = wt.clone();
    let outputs = with_repo(run, move |repo, sandbox| {
        if let Err(r) = sandbox.build(repo, &wt2)? {
            return Ok(Err(unless_disk_full(repo, r)?));
        }
        let mut out = Vec::new();
        for req in &requests {
            match sandbox.rollout_once_checked(repo, &wt2, req)? {
                Ok((verified, _)) => out.push((req.seed, verified.diaries)),
                Err(r) => return Ok(Err(unless_disk_full(repo, r)?)),
            }
        }
        Ok(Ok(out))
    })
    .await;
    remove_worktree(run, wt).await?;
    let outputs = match outputs? {
        Ok(o) => o,
        Err(r) => return Ok(Err(rejected(&r))),
    };
    for (seed, diaries) in outputs {
        ctx.store.save_diaries(commit, seed, &diaries)?;
        let validity = ctx.store.validity(&ctx.bench, &ctx.val, commit, seed);
        if !validity.is_valid() {
            return Ok(Err(Rejected::new(
                RoundOutcome::InvalidDiaries,
                format!(
                    "the diaries of seed {seed} on {} fail the validity checks: {}",
                    ctx.name,
                    validity.to_text()
                ),
            )));
        }
        ctx.store
            .evaluate(&ctx.bench, &ctx.val, &ctx.parts, commit, seed)?;
    }
    Ok(Ok(false))
}
