//! Decision 2 — mobility retrieval: pick a reference routine from behaviourally similar
//! training people.
//!
//! Candidates are the mobile routines of the person's segment (and home zone, in the
//! location task, when there are enough of them). Each gets a similarity
//! (0 = identical profile, more negative = less alike) from age, sex, work profile, work
//! hours, diary day, household, income and home zone; the [`NEIGHBOURS_K`] most similar are
//! kept, and one is drawn with weight exp(temperature × (similarity − best) + typicality
//! weight × typicality + consensus weight × consensus), where consensus is how much the
//! routine agrees hour by hour with the other neighbours (a real, central routine).

use crate::features::{Profile, Role, UNKNOWN};
use crate::params::*;
use crate::state::GeneratorState;
use mobility::SLOTS;
use rand::Rng;
use std::collections::HashMap;
use std::sync::Arc;

/// A candidate routine and how similar its owner is to the target person.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    /// Index into `GeneratorState::routines`.
    pub routine: u32,
    /// Similarity (≤ 0).
    pub similarity: f64,
    /// How much the routine agrees with the other neighbours: the mean over hours of the
    /// share of the neighbours doing its activity at that hour (0..1).
    pub consensus: f64,
}

/// What the retrieval decision did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retrieved {
    /// Index into `GeneratorState::routines` of the chosen routine.
    pub routine: u32,
    /// Its similarity to the person.
    pub similarity: f64,
    /// How many neighbours were considered.
    pub neighbours: usize,
    /// The chosen neighbour's share of the choice weight.
    pub probability: f64,
}

/// Similarity of two profiles: minus the weighted sum of feature mismatches.
pub fn similarity(target: &Profile, candidate: &Profile) -> f64 {
    let number_gap = |a: u16, b: u16, scale: f64| {
        if a == UNKNOWN && b == UNKNOWN {
            0.0
        } else if a == UNKNOWN || b == UNKNOWN {
            UNKNOWN_FEATURE_MISMATCH
        } else {
            (f64::from(a.abs_diff(b)) / scale).min(1.0)
        }
    };
    let mut penalty = SIMILARITY_WEIGHT_AGE
        * number_gap(target.age, candidate.age, AGE_SCALE_YEARS)
        + SIMILARITY_WEIGHT_WORK_HOURS
            * number_gap(target.work_hours, candidate.work_hours, WORK_HOURS_SCALE);
    for (role, (&a, &b)) in Role::ALL
        .into_iter()
        .zip(target.codes.iter().zip(&candidate.codes))
    {
        let mismatch = match (a, b) {
            (0, 0) => 0.0,
            (0, _) | (_, 0) => UNKNOWN_FEATURE_MISMATCH,
            _ if a == b => 0.0,
            _ => 1.0,
        };
        penalty += role_weight(role) * mismatch;
    }
    if target.home_zone != candidate.home_zone {
        penalty += SIMILARITY_WEIGHT_HOME_ZONE;
    }
    -penalty
}

fn role_weight(role: Role) -> f64 {
    match role {
        Role::Sex => SIMILARITY_WEIGHT_SEX,
        Role::Work => SIMILARITY_WEIGHT_WORK,
        Role::Day => SIMILARITY_WEIGHT_DAY,
        Role::Household => SIMILARITY_WEIGHT_HOUSEHOLD,
        Role::Income => SIMILARITY_WEIGHT_INCOME,
    }
}

/// The [`NEIGHBOURS_K`] routines of the candidate pool (see
/// [`GeneratorState::candidate_pool`]) most similar to `profile`, best
/// first. Ties are broken by a hash of (profile, routine) so equal candidates share the
/// top places fairly yet deterministically.
pub fn neighbours(state: &GeneratorState, profile: &Profile) -> Vec<Neighbour> {
    let Some(pool) = state.candidate_pool(profile) else {
        return Vec::new();
    };
    let salt = profile_hash(profile);
    let k = NEIGHBOURS_K.max(1);
    // The best k so far, best first, as (similarity, tie-break hash, routine).
    let mut scored: Vec<(f64, u64, u32)> = Vec::with_capacity(k + 1);
    let better = |a: &(f64, u64, u32), b: &(f64, u64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    for (candidate, &i) in pool.profiles.iter().zip(&pool.routines) {
        let sim = similarity(profile, candidate);
        if scored.len() == k && sim < scored[k - 1].0 {
            continue;
        }
        let entry = (sim, mix(salt ^ u64::from(i)), i);
        let at = scored.partition_point(|x| better(x, &entry).is_lt());
        if at < k {
            scored.insert(at, entry);
            scored.truncate(k);
        }
    }
    let diary = |routine: u32| &state.routines[routine as usize].diary;
    let mut hourly = [[0.0f64; 5]; SLOTS];
    for &(_, _, routine) in &scored {
        for (hour, activity) in diary(routine).activities.iter().enumerate() {
            hourly[hour][activity.index()] += 1.0 / scored.len() as f64;
        }
    }
    scored
        .into_iter()
        .map(|(similarity, _, routine)| Neighbour {
            routine,
            similarity,
            consensus: (0..SLOTS)
                .map(|h| hourly[h][diary(routine).activities[h].index()])
                .sum::<f64>()
                / SLOTS as f64,
        })
        .collect()
}

/// Draws one neighbour (weights in the module doc). `None` when there are none.
pub fn choose(
    state: &GeneratorState,
    neighbours: &[Neighbour],
    rng: &mut impl Rng,
) -> Option<Retrieved> {
    let best = neighbours.first()?.similarity;
    let weight = |n: &Neighbour| {
        let typicality = state.routines[n.routine as usize].typicality;
        (SIMILARITY_TEMPERATURE * (n.similarity - best)
            + TYPICALITY_WEIGHT * typicality
            + CONSENSUS_WEIGHT * n.consensus)
            .exp()
    };
    let total: f64 = neighbours.iter().map(weight).sum();
    let mut draw = rng.gen::<f64>() * total;
    let mut chosen = neighbours[neighbours.len() - 1];
    for n in neighbours {
        draw -= weight(n);
        if draw < 0.0 {
            chosen = *n;
            break;
        }
    }
    Some(Retrieved {
        routine: chosen.routine,
        similarity: chosen.similarity,
        neighbours: neighbours.len(),
        probability: weight(&chosen) / total,
    })
}

/// Most neighbour lists a worker keeps (then it starts afresh). Not a behavioural tunable.
pub const NEIGHBOUR_CACHE_CAPACITY: usize = 1 << 17;

/// Neighbour lists by profile: people with the same profile have the same neighbours, so
/// one worker computes each list once (large populations repeat profiles a lot).
#[derive(Debug, Default)]
pub struct NeighbourCache {
    lists: HashMap<Profile, Arc<[Neighbour]>>,
}

impl NeighbourCache {
    /// The neighbours of `profile`, computed on first use.
    pub fn get(&mut self, state: &GeneratorState, profile: &Profile) -> Arc<[Neighbour]> {
        if self.lists.len() >= NEIGHBOUR_CACHE_CAPACITY {
            // Bounded memory for populations with ever-new profiles.
            self.lists.clear();
        }
        self.lists
            .entry(*profile)
            .or_insert_with(|| neighbours(state, profile).into())
            .clone()
    }
}

fn profile_hash(profile: &Profile) -> u64 {
    let mut h = mix(u64::from(profile.age) << 16 | u64::from(profile.work_hours));
    h = mix(h ^ profile.segment.index() as u64);
    h = mix(h ^ profile.home_zone.map_or(u64::MAX, |z| u64::from(z.0)));
    for &code in &profile.codes {
        h = mix(h ^ u64::from(code));
    }
    h
}

/// SplitMix64 finaliser: a fast, well-spread 64-bit hash step.
pub(crate) fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
