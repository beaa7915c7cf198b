//! The evaluation phase: candidate and parent rolled out with the round's secret seeds and
//! compared, paired, on the selection part of the validation people — screening on the
//! decision seeds, then (if screening passed) the confirmation seeds pooled in, and the guard
//! benchmark. The seeds are revealed in this phase's record, after the rollouts.

use crate::evolution::bench_context::BenchContext;
use crate::evolution::paired_test::{paired_estimate, BootstrapPlan, SeedPair, SelectionPeople};
use crate::evolution::round::artifacts::{
    self, earlier_rejection, EvaluationArtifacts, Rejected, Step,
};
use crate::evolution::round::candidate::candidate_commit;
use crate::evolution::round::rollouts::{
    ensure_parent_rolled_out, ensure_rolled_out, worktree_name,
};
use crate::evolution::run::Run;
use crate::evolution::seeds::{secret_seeds, secret_u64, SecretStream};
use memory::{PairedEstimate, Phase, PhaseOutput, PhaseRecord};
use std::time::Instant;

pub async fn evaluation(run: &Run, r: u32) -> anyhow::Result<PhaseOutput> {
    let skipped = |because: Rejected| EvaluationArtifacts {
        step: Step::Skipped { because },
        decision_seeds: vec![],
        confirmation_seeds: vec![],
        screening: None,
        confirmation: None,
        guard: None,
        guard_validity: vec![],
        simplifies: false,
        bootstrap_secs: 0.0,
    };
    if let Some(because) = earlier_rejection(run, r, Phase::Evaluation).await? {
        return output(skipped(because));
    }
    let parent = run.memory.round_record(run.id, r).await?.parent_commit;
    let commit = candidate_commit(run, r).await?;
    let summary = run
        .memory
        .round_record(run.id, r)
        .await?
        .candidate
        .map(|c| c.summary)
        .unwrap_or_default();
    let rule = &run.settings.rule;
    let public = run.settings.evolution_seed_list();
    let decision_seeds = secret_seeds(
        &run.secret,
        SecretStream::Decision,
        r,
        rule.decision_seeds,
        &public,
    );
    let mut artifacts = EvaluationArtifacts {
        simplifies: summary.simplifies(),
        decision_seeds: decision_seeds.clone(),
        ..skipped(Rejected::new(memory::RoundOutcome::NoChange, ""))
    };
    artifacts.step = Step::Passed { secs: 0.0 };
    let started = Instant::now();

    // Screening on the decision seeds.
    if let Err(rejection) = roll_both(run, &run.main, &parent, &commit, &decision_seeds, r).await? {
        artifacts.step = Step::Rejected(rejection);
        return output(artifacts);
    }
    let mut bootstrap_secs = 0.0;
    let screening = compare(
        run,
        &run.main,
        &parent,
        &commit,
        &decision_seeds,
        r,
        0,
        &mut bootstrap_secs,
    )?;
    let passed = rule.screening_passes(artifacts.simplifies, &screening);
    artifacts.screening = Some(screening);
    if passed {
        // Confirmation on fresh seeds, pooled with the decision seeds.
        let mut avoid = public.clone();
        avoid.extend(&decision_seeds);
        let confirmation_seeds = secret_seeds(
            &run.secret,
            SecretStream::Confirmation,
            r,
            rule.confirmation_seeds,
            &avoid,
        );
        artifacts.confirmation_seeds = confirmation_seeds.clone();
        if let Err(rejection) =
            roll_both(run, &run.main, &parent, &commit, &confirmation_seeds, r).await?
        {
            artifacts.step = Step::Rejected(rejection);
            return output(artifacts);
        }
        let pooled: Vec<u64> = decision_seeds
            .iter()
            .chain(&confirmation_seeds)
            .copied()
            .collect();
        artifacts.confirmation = Some(compare(
            run,
            &run.main,
            &parent,
            &commit,
            &pooled,
            r,
            1,
            &mut bootstrap_secs,
        )?);
        // The guard benchmark, on the same pooled seeds.
        if let Some(guard) = &run.guard {
            if let Err(rejection) = roll_both(run, guard, &parent, &commit, &pooled, r).await? {
                artifacts.step = Step::Rejected(rejection);
                return output(artifacts);
            }
            artifacts.guard = Some(compare(
                run,
                guard,
                &parent,
                &commit,
                &pooled,
                r,
                2,
                &mut bootstrap_secs,
            )?);
        }
    }
    artifacts.bootstrap_secs = bootstrap_secs;
    artifacts.step = Step::Passed {
        secs: started.elapsed().as_secs_f64(),
    };
    output(artifacts)
}

/// Rolls out the parent and the candidate on `ctx` with `seeds` (each kept in the store).
async fn roll_both(
    run: &Run,
    ctx: &BenchContext,
    parent: &str,
    commit: &str,
    seeds: &[u64],
    r: u32,
) -> anyhow::Result<Result<(), Rejected>> {
    ensure_parent_rolled_out(run, ctx, parent, seeds, format!("parent-{r:04}")).await?;
    Ok(ensure_rolled_out(run, ctx, commit, seeds, worktree_name(r))
        .await?
        .map(|_| ()))
}

/// The paired estimate of candidate against parent on `ctx`'s selection people.
#[allow(clippy::too_many_arguments)]
fn compare(
    run: &Run,
    ctx: &BenchContext,
    parent: &str,
    commit: &str,
    seeds: &[u64],
    r: u32,
    stream: u64,
    secs: &mut f64,
) -> anyhow::Result<PairedEstimate> {
    let started = Instant::now();
    let select = |diaries: Vec<mobility::Diary>| -> Vec<mobility::Diary> {
        ctx.parts.selection.iter().map(|&i| diaries[i]).collect()
    };
    let mut pairs = Vec::with_capacity(seeds.len());
    for &seed in seeds {
        pairs.push(SeedPair {
            seed,
            parent: select(ctx.store.diaries(&ctx.bench, &ctx.val, parent, seed)?),
            candidate: select(ctx.store.diaries(&ctx.bench, &ctx.val, commit, seed)?),
        });
    }
    let (persons, real) = ctx.part_people(&ctx.parts.selection);
    let people = SelectionPeople {
        bench: &ctx.bench,
        persons,
        real,
    };
    let plan = BootstrapPlan {
        resamples: run.settings.rule.resamples,
        confidence: run.settings.rule.confidence,
        seed: secret_u64(&run.secret, SecretStream::Bootstrap, r, stream),
        threads: 2,
    };
    let estimate = paired_estimate(&people, &pairs, plan);
    *secs += started.elapsed().as_secs_f64();
    Ok(estimate)
}

fn output(artifacts: EvaluationArtifacts) -> anyhow::Result<PhaseOutput> {
    Ok(PhaseOutput {
        artifacts: artifacts::to_value(&artifacts)?,
        record: PhaseRecord::None,
    })
}
