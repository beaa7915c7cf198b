//! The paired comparison of a candidate with its parent on the same people and seeds.
//!
//! Both generators are rolled out with the same seeds; each person's random stream depends
//! on the seed and the person's id only, so wherever the two generators' logic agrees they
//! draw the same randomness (common random numbers) and the noise cancels.
//!
//! The point estimate is the mean over seeds of parent Score − candidate Score. Its
//! uncertainty comes from two sources: the generators' randomness (the seeds) and the people
//! (the Score is a population statistic of a sample of households). A paired bootstrap over
//! households carries both: each resample draws the households with replacement, and both
//! Scores of every seed are recomputed on that same resample (`evaluator::evaluate_weighted`);
//! since a person's generated diaries are independent draws, resampling people resamples the
//! generators' randomness too. The standard error is the standard deviation of the resampled
//! estimates, and the one-sided bounds are the estimate ∓ z·SE with z the standard normal
//! quantile of the confidence.

use memory::PairedEstimate;
use mobility::{Benchmark, Diary, Person};
use std::collections::HashMap;

/// One benchmark's selection people, their real diaries and their households.
pub struct SelectionPeople<'a> {
    pub bench: &'a Benchmark,
    pub persons: Vec<&'a Person>,
    pub real: Vec<&'a Diary>,
}

/// Generated diaries of the selection people (aligned with [`SelectionPeople::persons`]) for
/// one seed, by the parent and by the candidate.
pub struct SeedPair {
    pub seed: u64,
    pub parent: Vec<Diary>,
    pub candidate: Vec<Diary>,
}

/// How the bootstrap runs.
#[derive(Debug, Clone, Copy)]
pub struct BootstrapPlan {
    pub resamples: u32,
    pub confidence: f64,
    /// Seed of the resampling stream (drawn from the run's secret stream per round).
    pub seed: u64,
    pub threads: usize,
}

/// Candidate against parent on `people` over `pairs` (see the module doc).
pub fn paired_estimate(
    people: &SelectionPeople<'_>,
    pairs: &[SeedPair],
    plan: BootstrapPlan,
) -> PairedEstimate {
    let persons: Vec<Person> = people.persons.iter().map(|p| (*p).clone()).collect();
    let real: Vec<Diary> = people.real.iter().map(|d| *(*d)).collect();
    let mut household_of: Vec<u32> = Vec::with_capacity(persons.len());
    let mut households: HashMap<&str, u32> = HashMap::new();
    for p in &persons {
        let next = households.len() as u32;
        let key = crate::evolution::validation_split::household_key(&p.id, &p.household_id);
        household_of.push(*households.entry(key).or_insert(next));
    }
    let household_count = households.len();
    let score = |generated: &[Diary], weights: Option<&[u32]>| {
        evaluator::evaluate_weighted(people.bench, &persons, &real, generated, weights)
    };
    let mut per_seed = Vec::with_capacity(pairs.len());
    let mut groups = [0.0f64; 3];
    for pair in pairs {
        let p = score(&pair.parent, None);
        let c = score(&pair.candidate, None);
        per_seed.push((pair.seed, p.score, c.score));
        groups[0] += p.individual - c.individual;
        groups[1] += p.distribution - c.distribution;
        groups[2] += p.behavior - c.behavior;
    }
    let k = pairs.len().max(1) as f64;
    let parent_score = per_seed.iter().map(|s| s.1).sum::<f64>() / k;
    let candidate_score = per_seed.iter().map(|s| s.2).sum::<f64>() / k;
    let improvement = parent_score - candidate_score;

    // The resamples, split over the threads; each resample's weights come from its own
    // stream, so the result does not depend on the number of threads.
    let resample = |b: u32| -> f64 {
        let mut rng = SplitMix64(plan.seed ^ SplitMix64(u64::from(b)).next());
        let mut drawn = vec![0u32; household_count];
        for _ in 0..household_count {
            drawn[(rng.next() % household_count as u64) as usize] += 1;
        }
        let weights: Vec<u32> = household_of.iter().map(|&h| drawn[h as usize]).collect();
        pairs
            .iter()
            .map(|pair| {
                score(&pair.parent, Some(&weights)).score
                    - score(&pair.candidate, Some(&weights)).score
            })
            .sum::<f64>()
            / k
    };
    let threads = plan.threads.max(1);
    let mut estimates: Vec<f64> = if household_count == 0 || pairs.is_empty() {
        Vec::new()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let resample = &resample;
                    scope.spawn(move || {
                        (0..plan.resamples)
                            .filter(|b| *b as usize % threads == t)
                            .map(|b| (b, resample(b)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut all: Vec<(u32, f64)> = handles
                .into_iter()
                .flat_map(|h| h.join().expect("a bootstrap worker panicked"))
                .collect();
            all.sort_by_key(|(b, _)| *b);
            all.into_iter().map(|(_, d)| d).collect()
        })
    };
    let standard_error = sample_sd(&estimates);
    estimates.clear();
    let z = normal_quantile(plan.confidence);
    PairedEstimate {
        seeds: pairs.iter().map(|p| p.seed).collect(),
        people: persons.len(),
        households: household_count,
        parent_score,
        candidate_score,
        improvement,
        standard_error,
        lower_bound: improvement - z * standard_error,
        upper_bound: improvement + z * standard_error,
        resamples: plan.resamples,
        per_seed,
        group_improvements: vec![
            ("individual".into(), groups[0] / k),
            ("distribution".into(), groups[1] / k),
            ("behavior".into(), groups[2] / k),
        ],
    }
}

/// Sample standard deviation; NaN with fewer than two values.
fn sample_sd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::NAN;
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// The standard normal quantile Φ⁻¹(p), 0 < p < 1 (P. J. Acklam's rational approximation,
/// relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    let low = 0.02425;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -normal_quantile(1.0 - p)
    }
}

/// SplitMix64: a tiny, well-mixed stream for the resampling draws.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles_match_the_tables() {
        assert!((normal_quantile(0.95) - 1.644_853_626_951_472).abs() < 1e-8);
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-8);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.01) + 2.326_347_874_040_841).abs() < 1e-8);
        assert!(normal_quantile(1.0).is_nan() && normal_quantile(0.0).is_nan());
    }

    fn synthetic(
        task: mobility::Task,
        candidate_seed: u64,
    ) -> (Benchmark, Vec<Person>, Vec<Diary>, Vec<Diary>, Vec<Diary>) {
        let (bench, persons, real, parent) = evaluator::synthetic_split(task, 400, 1);
        let (_, _, _, candidate) = evaluator::synthetic_split(task, 400, candidate_seed);
        (bench, persons, real, parent, candidate)
    }

    #[test]
    fn identical_generators_have_zero_improvement_and_zero_error() {
        let (bench, persons, real, parent, _) = synthetic(mobility::Task::Activity, 2);
        let people = SelectionPeople {
            bench: &bench,
            persons: persons.iter().collect(),
            real: real.iter().collect(),
        };
        let pairs = vec![SeedPair {
            seed: 1,
            parent: parent.clone(),
            candidate: parent,
        }];
        let plan = BootstrapPlan {
            resamples: 20,
            confidence: 0.95,
            seed: 9,
            threads: 2,
        };
        let e = paired_estimate(&people, &pairs, plan);
        assert_eq!(e.improvement, 0.0);
        assert_eq!(e.standard_error, 0.0);
        assert_eq!(e.lower_bound, 0.0);
        assert_eq!(e.households, 200);
    }

    #[test]
    fn the_estimate_is_reproducible_and_independent_of_threads() {
        let (bench, persons, real, parent, candidate) =
            synthetic(mobility::Task::ActivityLocation, 5);
        let people = SelectionPeople {
            bench: &bench,
            persons: persons.iter().collect(),
            real: real.iter().collect(),
        };
        let pairs = vec![SeedPair {
            seed: 3,
            parent,
            candidate,
        }];
        let plan = |threads| BootstrapPlan {
            resamples: 30,
            confidence: 0.95,
            seed: 4,
            threads,
        };
        let one = paired_estimate(&people, &pairs, plan(1));
        let two = paired_estimate(&people, &pairs, plan(2));
        assert_eq!(one, two);
        assert!(one.standard_error > 0.0 && one.standard_error.is_finite());
        let z = normal_quantile(0.95);
        assert!((one.lower_bound - (one.improvement - z * one.standard_error)).abs() < 1e-12);
        assert!((one.parent_score - one.candidate_score - one.improvement).abs() < 1e-12);
    }
}
