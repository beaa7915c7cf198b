//! Reference levels of the diagnostics, for agents to tell signal from noise: what a
//! generator with no skill scores — each person gets the real diary of a random training
//! person of the same segment (on the location task, slots at the donor's home zone move to
//! the person's home zone). Computed once per run on the evolution part, averaged over the
//! evolution seeds, and kept in `<run>/reference.json`.

use crate::evolution::bench_context::BenchContext;
use crate::evolution::evaluations::write_atomic;
use mobility::{Diary, Split};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReferenceLevels {
    pub benchmark: String,
    pub seeds: Vec<u64>,
    /// Diagnostic name → mean value.
    pub diagnostics: BTreeMap<String, f64>,
    pub score: f64,
}

/// The run's reference levels, computed on first use.
pub fn reference_levels(
    run_dir: &Path,
    ctx: &BenchContext,
    seeds: &[u64],
) -> anyhow::Result<ReferenceLevels> {
    let path = run_dir.join(format!("reference-{}.json", ctx.name));
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Ok(levels) = serde_json::from_str::<ReferenceLevels>(&text) {
            if levels.seeds == seeds {
                return Ok(levels);
            }
        }
    }
    let train = ctx.bench.read_split(Split::Train)?;
    let mut by_segment: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, p) in train.people().iter().enumerate() {
        by_segment.entry(p.segment().index()).or_default().push(i);
    }
    let (persons, real) = ctx.part_people(&ctx.parts.evolution);
    let persons: Vec<mobility::Person> = persons.into_iter().cloned().collect();
    let real: Vec<Diary> = real.into_iter().cloned().collect();
    let mut sums: BTreeMap<String, f64> = BTreeMap::new();
    let mut score = 0.0;
    for &seed in seeds {
        let generated: Vec<Diary> = persons
            .iter()
            .map(|p| {
                let pool = by_segment
                    .get(&p.segment().index())
                    .filter(|v| !v.is_empty())
                    .cloned()
                    .unwrap_or_else(|| (0..train.people().len()).collect());
                let draw = heuristics::person_seed(seed, &p.id) as usize % pool.len();
                let donor = &train.people()[pool[draw]];
                let mut diary = train.diaries[pool[draw]];
                if let (Some(locs), Some(from), Some(to)) =
                    (diary.locations.as_mut(), donor.home_zone, p.home_zone)
                {
                    for l in locs.iter_mut() {
                        if *l == from {
                            *l = to;
                        }
                    }
                }
                diary
            })
            .collect();
        let e = evaluator::evaluate(&ctx.bench, &persons, &real, &generated);
        score += e.score / seeds.len() as f64;
        for d in &e.diagnostics {
            *sums.entry(d.name.clone()).or_default() += d.value / seeds.len() as f64;
        }
    }
    let levels = ReferenceLevels {
        benchmark: ctx.name.clone(),
        seeds: seeds.to_vec(),
        diagnostics: sums,
        score,
    };
    write_atomic(&path, serde_json::to_string_pretty(&levels)?.as_bytes())?;
    Ok(levels)
}
