//! The candidate's phases: apply the change (and record what was really applied), build it,
//! and verify it (the crate's tests, determinism, latency and the validity of its diaries on
//! the public evolution seeds).

use crate::evolution::change;
use crate::evolution::disk::unless_disk_full;
use crate::evolution::round::artifacts::{
    self, earlier_rejection, rejected, ApplyArtifacts, BuildArtifacts, ProposalArtifacts,
    Rejected, RolloutInfo, Step, VerificationArtifacts,
};
use crate::evolution::round::rollouts::{
    fresh_worktree, remove_worktree, rollout_request, with_repo, worktree_name,
};
use crate::evolution::run::Run;
use memory::{Candidate, ChangeSummary, Phase, PhaseOutput, PhaseRecord, RoundOutcome, ValidityCheck};
use std::collections::BTreeMap;
use std::time::Instant;

/// The files of `prefix` at `commit`, as text.
fn texts_at(
    repo: &sandbox::RunRepo,
    commit: &str,
    prefix: &str,
) -> anyhow::Result<BTreeMap<String, String>> {
    Ok(repo
        .files_at(commit, prefix)?
        .into_iter()
        .map(|(p, b)| (p, String::from_utf8_lossy(&b).into_owned()))
        .collect())
}

pub async fn apply(run: &Run, r: u32) -> anyhow::Result<PhaseOutput> {
    let parent = run.memory.round_record(run.id, r).await?.parent_commit;
    let proposal: ProposalArtifacts = artifacts::load(run, r, Phase::Proposal).await?;
    let nothing = |rejection: Rejected| -> anyhow::Result<PhaseOutput> {
        Ok(PhaseOutput {
            artifacts: artifacts::to_value(&ApplyArtifacts {
                commit: parent.clone(),
                rejection: Some(rejection),
            })?,
            record: PhaseRecord::Candidate(Candidate {
                commit: parent.clone(),
                diff: String::new(),
                summary: ChangeSummary::default(),
            }),
        })
    };
    if proposal.diff.trim().is_empty() {
        // An agent that proposes nothing after an edit was refused for reaching outside the
        // editable scope is rejected for that violation.
        if let Some(refusal) = proposal.scope_refusals.last() {
            let why = proposal
                .failure
                .as_ref()
                .map_or("the agent then proposed nothing".to_string(), |f| f.message.clone());
            return nothing(Rejected {
                message: format!("{} ({why})", refusal.message),
                ..refusal.clone()
            });
        }
        return nothing(match &proposal.failure {
            Some(f) => Rejected::new(f.outcome, f.message.clone()),
            None => Rejected::new(RoundOutcome::NoChange, "the agent changed nothing"),
        });
    }
    let wt = fresh_worktree(run, worktree_name(r), parent.clone()).await?;
    let diff = proposal.diff.clone();
    let wt2 = wt.clone();
    let parent2 = parent.clone();
    let applied = with_repo(run, move |repo, sandbox| {
        let limits = sandbox.config().change.clone();
        match repo.apply_diff(&wt2, &diff, &limits)? {
            Ok(change) => {
                let files: Vec<&str> = change.files.keys().map(String::as_str).collect();
                let message = format!("candidate {}: {}", wt2.name, files.join(", "));
                let commit = repo.commit_candidate(&wt2, &change, &message)?;
                // What was really applied: the repository's diff, and the files around it.
                let applied_diff = repo.diff_of(&commit)?;
                let before = texts_at(repo, &parent2, "heuristics/")?;
                let after = texts_at(repo, &commit, "heuristics/")?;
                let summary = change::summarize(&before, &after, change.notes.clone());
                Ok(Ok((commit, applied_diff, summary)))
            }
            Err(rejection) => {
                repo.reject(&wt2, &rejection, Some(&diff))?;
                Ok(Err(rejection))
            }
        }
    })
    .await;
    remove_worktree(run, wt).await?;
    match applied? {
        Ok((commit, applied_diff, summary)) if summary.is_empty() => {
            let _ = (commit, applied_diff);
            nothing(Rejected::new(
                RoundOutcome::NoChange,
                "the change leaves every file as it was",
            ))
        }
        Ok((commit, applied_diff, summary)) => Ok(PhaseOutput {
            artifacts: artifacts::to_value(&ApplyArtifacts {
                commit: commit.clone(),
                rejection: None,
            })?,
            record: PhaseRecord::Candidate(Candidate {
                commit,
                diff: applied_diff,
                summary,
            }),
        }),
        Err(rejection) => nothing(rejected(&rejection)),
    }
}

/// The candidate commit of round `r` (apply must not have rejected it).
pub async fn candidate_commit(run: &Run, r: u32) -> anyhow::Result<String> {
    let apply: ApplyArtifacts = artifacts::load(run, r, Phase::Apply).await?;
    anyhow::ensure!(
        apply.rejection.is_none(),
        "round {r}: the candidate was rejected at apply"
    );
    Ok(apply.commit)
}

pub async fn build(run: &Run, r: u32) -> anyhow::Result<PhaseOutput> {
    let step = match earlier_rejection(run, r, Phase::Build).await? {
        Some(because) => Step::Skipped { because },
        None => {
            let commit = candidate_commit(run, r).await?;
            let wt = fresh_worktree(run, worktree_name(r), commit).await?;
            let wt2 = wt.clone();
            let result = with_repo(run, move |repo, sandbox| {
                Ok(match sandbox.build(repo, &wt2)? {
                    Ok(time) => Ok(time),
                    Err(rejection) => {
                        let rejection = unless_disk_full(repo, rejection)?;
                        repo.reject(&wt2, &rejection, None)?;
                        Err(rejection)
                    }
                })
            })
            .await;
            remove_worktree(run, wt).await?;
            match result? {
                Ok(time) => Step::Passed {
                    secs: time.as_secs_f64(),
                },
                Err(rejection) => Step::Rejected(rejected(&rejection)),
            }
        }
    };
    Ok(PhaseOutput {
        artifacts: artifacts::to_value(&BuildArtifacts { step })?,
        record: PhaseRecord::None,
    })
}

pub async fn verification(run: &Run, r: u32) -> anyhow::Result<PhaseOutput> {
    let skipped = |because: Rejected| VerificationArtifacts {
        step: Step::Skipped { because },
        tests_secs: None,
        rollouts: vec![],
        validity: vec![],
        evolution_scores: vec![],
    };
    if let Some(because) = earlier_rejection(run, r, Phase::Verification).await? {
        return output(skipped(because));
    }
    let commit = candidate_commit(run, r).await?;
    let wt = fresh_worktree(run, worktree_name(r), commit.clone()).await?;
    let wt2 = wt.clone();
    let view_root = run.view_root.clone();
    let requests: Vec<sandbox::RolloutRequest> = run
        .settings
        .evolution_seed_list()
        .iter()
        .map(|s| rollout_request(&run.main, *s))
        .collect();
    let outcome = with_repo(run, move |repo, sandbox| {
        let started = Instant::now();
        let reject = |repo: &sandbox::RunRepo, rejection| -> anyhow::Result<_> {
            let rejection = unless_disk_full(repo, rejection)?;
            repo.reject(&wt2, &rejection, None)?;
            Ok(Err(rejection))
        };
        // The shared target folder may hold another commit's binary after a restart.
        if let Err(rejection) = sandbox.build(repo, &wt2)? {
            return reject(repo, rejection);
        }
        if let Err(rejection) = sandbox.test(repo, &wt2, Some(&view_root))? {
            return reject(repo, rejection);
        }
        let tests_secs = started.elapsed().as_secs_f64();
        let mut rollouts = Vec::new();
        for (k, req) in requests.iter().enumerate() {
            // The first seed is rolled out twice and compared byte for byte.
            let result = if k == 0 {
                sandbox.rollout(repo, &wt2, req)?
            } else {
                sandbox.rollout_once_checked(repo, &wt2, req)?
            };
            match result {
                Ok((verified, time)) => rollouts.push((req.seed, verified, time, k == 0)),
                Err(rejection) => return reject(repo, rejection),
            }
        }
        Ok(Ok((tests_secs, rollouts)))
    })
    .await;
    remove_worktree(run, wt).await?;
    let (tests_secs, rollouts) = match outcome? {
        Ok(x) => x,
        Err(rejection) => {
            return output(VerificationArtifacts {
                step: Step::Rejected(rejected(&rejection)),
                ..skipped(Rejected::new(RoundOutcome::NoChange, ""))
            })
        }
    };
    let ctx = &run.main;
    let mut validity = Vec::new();
    let mut infos = Vec::new();
    let mut scores = Vec::new();
    let mut invalid = None;
    for (seed, verified, time, checked) in rollouts {
        ctx.store.save_diaries(&commit, seed, &verified.diaries)?;
        let report = ctx.store.validity(&ctx.bench, &ctx.val, &commit, seed);
        validity.push(ValidityCheck {
            name: format!("diaries of seed {seed}"),
            passed: report.is_valid(),
            detail: report.to_text(),
        });
        infos.push(RolloutInfo {
            seed,
            us_per_person: verified.us_per_person,
            secs: time.as_secs_f64(),
            determinism_checked: checked,
        });
        if report.is_valid() {
            let e = ctx
                .store
                .evaluate(&ctx.bench, &ctx.val, &ctx.parts, &commit, seed)?;
            scores.push(e.evolution.score);
        } else if invalid.is_none() {
            invalid = Some(format!(
                "the diaries of seed {seed} fail the validity checks: {}",
                report.to_text()
            ));
        }
    }
    let step = match invalid {
        Some(why) => Step::Rejected(Rejected::new(RoundOutcome::InvalidDiaries, why)),
        None => Step::Passed { secs: tests_secs },
    };
    output(VerificationArtifacts {
        step,
        tests_secs: Some(tests_secs),
        rollouts: infos,
        validity,
        evolution_scores: scores,
    })
}

fn output(artifacts: VerificationArtifacts) -> anyhow::Result<PhaseOutput> {
    Ok(PhaseOutput {
        artifacts: artifacts::to_value(&artifacts)?,
        record: PhaseRecord::None,
    })
}
