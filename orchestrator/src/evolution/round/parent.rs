//! The first two phases: the parent (the current generator) rolled out on the public
//! evolution seeds, and its attribution record, pooled over those seeds, on the evolution
//! part of the validation people.

use crate::evolution::evaluations::{mean_metrics, Part};
use crate::evolution::reference::reference_levels;
use crate::evolution::round::artifacts::{self, AttributionArtifacts, ParentRolloutArtifacts};
use crate::evolution::round::rollouts::ensure_parent_rolled_out;
use crate::evolution::run::Run;
use anyhow::Context;
use memory::{Phase, PhaseOutput, PhaseRecord};
use mobility::{Diary, Person};
use serde_json::json;
use std::fmt::Write;

pub async fn parent_rollout(run: &Run, r: u32) -> anyhow::Result<PhaseOutput> {
    let parent = run.memory.round_record(run.id, r).await?.parent_commit;
    let seeds = run.settings.evolution_seed_list();
    let reused =
        ensure_parent_rolled_out(run, &run.main, &parent, &seeds, format!("parent-{r:04}")).await?;
    let evolution_scores = seeds
        .iter()
        .map(|&s| {
            run.main
                .store
                .load(&parent, s)
                .map(|e| e.evolution.score)
                .with_context(|| format!("the evaluation of {parent} with seed {s} is missing"))
        })
        .collect::<anyhow::Result<Vec<f64>>>()?;
    Ok(PhaseOutput {
        artifacts: artifacts::to_value(&ParentRolloutArtifacts {
            parent,
            seeds,
            evolution_scores,
            reused,
        })?,
        record: PhaseRecord::None,
    })
}

pub async fn attribution(run: &Run, r: u32) -> anyhow::Result<PhaseOutput> {
    let rolled: ParentRolloutArtifacts = artifacts::load(run, r, Phase::ParentRollout).await?;
    let ctx = &run.main;
    let evaluations = rolled
        .seeds
        .iter()
        .map(|&s| {
            ctx.store
                .load(&rolled.parent, s)
                .with_context(|| format!("the evaluation of {} seed {s} is missing", rolled.parent))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let pooled = pooled_evaluation(evaluations.iter().map(|e| e.part(Part::Evolution)));
    // The "where" of the record (hours, confusion, segments, people) over every seed's diaries.
    let (persons, real) = ctx.part_people(&ctx.parts.evolution);
    let mut all_persons: Vec<Person> = Vec::new();
    let mut all_real: Vec<Diary> = Vec::new();
    let mut all_generated: Vec<Diary> = Vec::new();
    for &seed in &rolled.seeds {
        let generated = ctx
            .store
            .diaries(&ctx.bench, &ctx.val, &rolled.parent, seed)?;
        for (k, &i) in ctx.parts.evolution.iter().enumerate() {
            all_persons.push(persons[k].clone());
            all_real.push(*real[k]);
            all_generated.push(generated[i]);
        }
    }
    let options = evaluator::AttributionOptions {
        top_diagnostics: 0,
        ..evaluator::AttributionOptions::default()
    };
    let record = evaluator::attribution(
        &ctx.bench,
        &all_persons,
        &all_real,
        &all_generated,
        &pooled,
        &options,
    );
    let reference = reference_levels(&run.dir, ctx, &rolled.seeds)?;
    let spreads = diagnostic_spreads(evaluations.iter().map(|e| e.part(Part::Evolution)));
    let mut text = format!(
        "Pooled over the {} public evolution seeds {:?} on the evolution part of the validation \
         people ({} people). The verdict is taken on other people (the selection part) with \
         secret seeds: these are the numbers a preview reproduces, not the verdict's.\n\n",
        rolled.seeds.len(),
        rolled.seeds,
        ctx.parts.evolution.len()
    );
    let _ = writeln!(
        text,
        "Diagnostics, biggest contribution first: mean over the seeds, ± its seed-to-seed \
         standard deviation, and `ref` = what a no-skill generator scores (random same-segment \
         training diaries). A diagnostic whose ± is not small next to its distance from 0 is \
         mostly noise; one near or above its ref is where the generator has little skill."
    );
    let _ = writeln!(
        text,
        "  {:<36} {:>8} {:>8} {:>8} {:>7}",
        "diagnostic", "mean", "±sd", "ref", "weight"
    );
    for d in &record.ranked_diagnostics {
        let sd = spreads.get(&d.name).copied().unwrap_or(f64::NAN);
        let reference = reference
            .diagnostics
            .get(&d.name)
            .copied()
            .unwrap_or(f64::NAN);
        let _ = writeln!(
            text,
            "  {:<36} {:>8.4} {:>8.4} {:>8.4} {:>7}",
            d.name, d.value, sd, reference, d.weight
        );
    }
    text.push('\n');
    text.push_str(&record.to_text_with(&options));
    let mut findings = serde_json::to_value(&record)?;
    findings["seed_spread"] = json!(spreads);
    findings["reference"] = json!(reference.diagnostics);
    findings["seeds"] = json!(rolled.seeds);
    Ok(PhaseOutput {
        artifacts: artifacts::to_value(&AttributionArtifacts {
            seeds: rolled.seeds.clone(),
            people: ctx.parts.evolution.len(),
        })?,
        record: PhaseRecord::Attribution(memory::AttributionRecord {
            text,
            metrics: mean_metrics(evaluations.iter().map(|e| e.part(Part::Evolution))),
            findings,
        }),
    })
}

/// The mean of several evaluations, diagnostic by diagnostic.
pub fn pooled_evaluation<'a>(
    evaluations: impl IntoIterator<Item = &'a evaluator::Evaluation>,
) -> evaluator::Evaluation {
    let all: Vec<&evaluator::Evaluation> = evaluations.into_iter().collect();
    let n = all.len().max(1) as f64;
    let mut pooled = all
        .first()
        .map(|e| (*e).clone())
        .expect("at least one evaluation to pool");
    for (k, d) in pooled.diagnostics.iter_mut().enumerate() {
        d.value = all.iter().map(|e| e.diagnostics[k].value).sum::<f64>() / n;
    }
    pooled.individual = all.iter().map(|e| e.individual).sum::<f64>() / n;
    pooled.distribution = all.iter().map(|e| e.distribution).sum::<f64>() / n;
    pooled.behavior = all.iter().map(|e| e.behavior).sum::<f64>() / n;
    pooled.score = all.iter().map(|e| e.score).sum::<f64>() / n;
    pooled
}

/// Seed-to-seed standard deviation of every diagnostic (NaN with one seed).
fn diagnostic_spreads<'a>(
    evaluations: impl IntoIterator<Item = &'a evaluator::Evaluation>,
) -> std::collections::BTreeMap<String, f64> {
    let all: Vec<&evaluator::Evaluation> = evaluations.into_iter().collect();
    let mut out = std::collections::BTreeMap::new();
    let Some(first) = all.first() else {
        return out;
    };
    for (k, d) in first.diagnostics.iter().enumerate() {
        let values: Vec<f64> = all.iter().map(|e| e.diagnostics[k].value).collect();
        let n = values.len() as f64;
        let sd = if values.len() < 2 {
            f64::NAN
        } else {
            let mean = values.iter().sum::<f64>() / n;
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        };
        out.insert(d.name.clone(), sd);
    }
    out
}
