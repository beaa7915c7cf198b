//! Decision 2 — mobility retrieval: pick a reference routine from behaviourally similar
//! training people.
//!
//! Candidates are the mobile routines of the person's segment (and home zone, in the
//! location task, when there are enough of them). Each gets a similarity
//! (0 = identical profile, more negative = less alike) from age, sex, work profile, the
//! job (industry, occupation, class of worker), work hours, diary day, household, income
//! and home zone; the [`NEIGHBOURS_K`] most similar are kept, and one is drawn with weight
//! exp(temperature × (similarity − best) + consensus weight × consensus + zone consensus
//! weight × zone consensus), where consensus is how much the routine agrees hour by hour
//! with the other
//! neighbours (a real, central routine) and zone consensus the same on activity and zone
//! together (location task; weighted by [`SCHOOL_DAY_ZONE_CONSENSUS_WEIGHT`] for students
//! on weekdays).
//!
//! Finding the k most similar is the generator's hot spot, so pools are pre-sorted into
//! groups of equal [`GroupKey`] (work, sex, day, home zone), each sorted by age; the search
//! skips groups and age ranges whose penalty alone is already worse than the k-th best. It
//! returns exactly what scoring every candidate would ([`neighbours_full_scan`], checked by
//! the tests): when changing [`similarity`], keep [`group_penalty`] and [`age_penalty`]
//! lower bounds of it.

use crate::features::{Profile, Role, UNKNOWN};
use crate::params::*;
use crate::state::{CandidateGroup, CandidatePool, GeneratorState};
use mobility::{DayType, Group, Loc, Segment, SLOTS};
use rand::Rng;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
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
    /// Location task: how much it agrees with the other neighbours on activity and zone
    /// together (mean over hours of the share at the same activity and zone; 0 without
    /// zones).
    pub zone_consensus: f64,
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
///
/// Invariant used by the search in [`neighbours`]: the penalty is at least the
/// [`group_penalty`] of the candidate's [`GroupKey`] plus its [`age_penalty`] (every term
/// is non-negative).
pub fn similarity(target: &Profile, candidate: &Profile) -> f64 {
    similarity_within(target, candidate, f64::INFINITY).unwrap_or(f64::NEG_INFINITY)
}

/// [`similarity`], or `None` as soon as the penalty summed so far exceeds `max_penalty`
/// (every term is non-negative, so the total would too): the search's early exit. The
/// terms are added in the same order either way, so a returned value is bit-for-bit
/// [`similarity`]'s.
fn similarity_within(target: &Profile, candidate: &Profile, max_penalty: f64) -> Option<f64> {
    let mut penalty = age_penalty(target.age, candidate.age)
        + SIMILARITY_WEIGHT_WORK_HOURS
            * number_gap(target.work_hours, candidate.work_hours, WORK_HOURS_SCALE);
    for ((&weight, &a), &b) in ROLE_WEIGHTS.iter().zip(&target.codes).zip(&candidate.codes) {
        if penalty > max_penalty {
            return None;
        }
        penalty += weight * code_mismatch(a, b);
    }
    if target.home_zone != candidate.home_zone {
        penalty += SIMILARITY_WEIGHT_HOME_ZONE;
    }
    (penalty <= max_penalty).then_some(-penalty)
}

/// The age part of the similarity penalty; grows with the age gap.
pub fn age_penalty(target_age: u16, candidate_age: u16) -> f64 {
    SIMILARITY_WEIGHT_AGE * number_gap(target_age, candidate_age, AGE_SCALE_YEARS)
}

/// Gap between two numbers relative to `scale`, capped at 1; [`UNKNOWN_FEATURE_MISMATCH`]
/// when only one is known.
fn number_gap(a: u16, b: u16, scale: f64) -> f64 {
    if a == UNKNOWN && b == UNKNOWN {
        0.0
    } else if a == UNKNOWN || b == UNKNOWN {
        UNKNOWN_FEATURE_MISMATCH
    } else {
        (f64::from(a.abs_diff(b)) / scale).min(1.0)
    }
}

/// 0 for equal codes (or both unknown), [`UNKNOWN_FEATURE_MISMATCH`] when one is unknown,
/// else 1.
fn code_mismatch(a: u32, b: u32) -> f64 {
    if a == b {
        0.0
    } else if a == 0 || b == 0 {
        UNKNOWN_FEATURE_MISMATCH
    } else {
        1.0
    }
}

/// Each role's similarity weight, in [`Role::ALL`] order.
const ROLE_WEIGHTS: [f64; Role::ALL.len()] = {
    let mut weights = [0.0; Role::ALL.len()];
    let mut i = 0;
    while i < weights.len() {
        weights[i] = role_weight(Role::ALL[i]);
        i += 1;
    }
    weights
};

const fn role_weight(role: Role) -> f64 {
    match role {
        Role::Sex => SIMILARITY_WEIGHT_SEX,
        Role::Work => SIMILARITY_WEIGHT_WORK,
        Role::Day => SIMILARITY_WEIGHT_DAY,
        Role::Household => SIMILARITY_WEIGHT_HOUSEHOLD,
        Role::Income => SIMILARITY_WEIGHT_INCOME,
        Role::Industry => SIMILARITY_WEIGHT_INDUSTRY,
        Role::Occupation => SIMILARITY_WEIGHT_OCCUPATION,
        Role::Class => SIMILARITY_WEIGHT_CLASS,
    }
}

/// The features candidates are grouped by in a pool (heavy similarity weights, few
/// values): a whole group can be skipped when its [`group_penalty`] alone is worse than the
/// k-th best candidate found so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKey {
    /// Work profile code.
    pub work: u32,
    /// Sex code.
    pub sex: u32,
    /// Diary day code.
    pub day: u32,
    /// Home zone (location task).
    pub home_zone: Option<Loc>,
}

impl GroupKey {
    /// The group of a candidate.
    pub fn of(profile: &Profile) -> GroupKey {
        GroupKey {
            work: profile.code(Role::Work),
            sex: profile.code(Role::Sex),
            day: profile.code(Role::Day),
            home_zone: profile.home_zone,
        }
    }
}

/// The part of the similarity penalty (minus [`similarity`]) fixed by the group: a lower
/// bound of the penalty of every candidate in it. Must follow [`similarity`].
pub fn group_penalty(target: &Profile, key: &GroupKey) -> f64 {
    let mut penalty = role_weight(Role::Sex) * code_mismatch(target.code(Role::Sex), key.sex)
        + role_weight(Role::Work) * code_mismatch(target.code(Role::Work), key.work)
        + role_weight(Role::Day) * code_mismatch(target.code(Role::Day), key.day);
    if target.home_zone != key.home_zone {
        penalty += SIMILARITY_WEIGHT_HOME_ZONE;
    }
    penalty
}

/// Slack on the group bound so rounding can never skip a group that holds a neighbour
/// (skipping less is always safe). Not a behavioural tunable.
const GROUP_BOUND_SLACK: f64 = 1e-9;

/// The [`NEIGHBOURS_K`] routines of the candidate pool (see
/// [`GeneratorState::candidate_pool`]) most similar to `profile`, best
/// first. Ties are broken by a hash of (profile, routine) so equal candidates share the
/// top places fairly yet deterministically.
///
/// Same result as scoring every candidate ([`neighbours_full_scan`]), but faster: groups are
/// visited from the smallest [`group_penalty`] up, the search stops at the first group
/// whose bound is worse than the k-th best so far, and within a group (sorted by age) it
/// walks away from the person's age only while group and age penalty could still qualify.
pub fn neighbours(state: &GeneratorState, profile: &Profile) -> Vec<Neighbour> {
    let Some(pool) = state.candidate_pool(profile) else {
        return Vec::new();
    };
    let mut groups: Vec<(f64, &CandidateGroup)> = pool
        .groups
        .iter()
        .map(|group| (group_penalty(profile, &group.key), group))
        .collect();
    groups.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut best = MostSimilar::new(NEIGHBOURS_K, profile);
    for (bound, group) in groups {
        if best.rules_out(-bound + GROUP_BOUND_SLACK) {
            break;
        }
        scan_group(&mut best, profile, pool, group, bound);
    }
    with_consensus(state, best)
}

/// Offers the candidates of one group (sorted by age, unknown ages last) that could still
/// enter: upwards from the person's age, then downwards, each until the group bound plus
/// the age penalty rules the next one out (it only grows further away).
fn scan_group(
    best: &mut MostSimilar,
    profile: &Profile,
    pool: &CandidatePool,
    group: &CandidateGroup,
    bound: f64,
) {
    let first = group.start as usize;
    let members = &pool.profiles[first..group.end as usize];
    let offer = |best: &mut MostSimilar, i: usize| {
        if let Some(similarity) = similarity_within(profile, &members[i], best.max_penalty()) {
            best.offer(similarity, pool.routines[first + i]);
        }
    };
    let ruled_out = |best: &MostSimilar, age: u16| {
        best.rules_out(-(bound + age_penalty(profile.age, age)) + GROUP_BOUND_SLACK)
    };
    // Offers candidate i unless its age rules it out; `false` ends a walk.
    let offer_if_possible = |best: &mut MostSimilar, i: usize| {
        let possible = !ruled_out(best, members[i].age);
        if possible {
            offer(best, i);
        }
        possible
    };
    let known = members.partition_point(|m| m.age != UNKNOWN);
    if profile.age == UNKNOWN {
        // Every known age is equally far: no order to exploit.
        (0..known).for_each(|i| offer(best, i));
    } else {
        let pivot = members[..known].partition_point(|m| m.age < profile.age);
        (pivot..known).all(|i| offer_if_possible(best, i));
        (0..pivot).rev().all(|i| offer_if_possible(best, i));
    }
    if known < members.len() && !ruled_out(best, UNKNOWN) {
        (known..members.len()).for_each(|i| offer(best, i));
    }
}

/// [`neighbours`] by scoring every candidate of the pool (the reference the grouped
/// search must equal; used by tests).
pub fn neighbours_full_scan(state: &GeneratorState, profile: &Profile) -> Vec<Neighbour> {
    let Some(pool) = state.candidate_pool(profile) else {
        return Vec::new();
    };
    let mut best = MostSimilar::new(NEIGHBOURS_K, profile);
    for (candidate, &routine) in pool.profiles.iter().zip(&pool.routines) {
        best.offer(similarity(profile, candidate), routine);
    }
    with_consensus(state, best)
}

/// The best k candidates offered so far, best first, as (similarity, tie-break hash,
/// routine): a sorted insertion array, cheap because few candidates beat the k-th.
struct MostSimilar {
    k: usize,
    salt: u64,
    best: Vec<(f64, u64, u32)>,
}

impl MostSimilar {
    fn new(k: usize, profile: &Profile) -> MostSimilar {
        let k = k.max(1);
        MostSimilar {
            k,
            salt: profile_hash(profile),
            best: Vec::with_capacity(k + 1),
        }
    }

    /// Whether no candidate with similarity below `similarity` can enter any more.
    fn rules_out(&self, similarity: f64) -> bool {
        self.best.len() == self.k && similarity < self.best[self.k - 1].0
    }

    /// The largest penalty a candidate may have and still enter (any while not full).
    fn max_penalty(&self) -> f64 {
        if self.best.len() == self.k {
            -self.best[self.k - 1].0
        } else {
            f64::INFINITY
        }
    }

    fn offer(&mut self, similarity: f64, routine: u32) {
        if self.rules_out(similarity) {
            return;
        }
        let entry = (similarity, mix(self.salt ^ u64::from(routine)), routine);
        let ranks_before = |a: &(f64, u64, u32)| entry.0.total_cmp(&a.0).then(a.1.cmp(&entry.1));
        let at = self.best.partition_point(|x| ranks_before(x).is_lt());
        if at < self.k {
            self.best.insert(at, entry);
            self.best.truncate(self.k);
        }
    }
}

/// The chosen candidates as [`Neighbour`]s, with their consensus.
fn with_consensus(state: &GeneratorState, chosen: MostSimilar) -> Vec<Neighbour> {
    let chosen = chosen.best;
    let diary = |routine: u32| &state.routines[routine as usize].diary;
    let mut hourly = [[0.0f64; 5]; SLOTS];
    for &(_, _, routine) in &chosen {
        for (hour, activity) in diary(routine).activities.iter().enumerate() {
            hourly[hour][activity.index()] += 1.0 / chosen.len() as f64;
        }
    }
    // Location task: each neighbour's (activity, zone) at each hour as one number, and for
    // each neighbour the share of neighbours (itself included) at the same activity and
    // zone, hour by hour.
    let places: Vec<[u32; SLOTS]> = chosen
        .iter()
        .filter_map(|&(_, _, routine)| {
            let d = diary(routine);
            let zones = d.locations.as_ref()?;
            Some(std::array::from_fn(|h| {
                (d.activities[h].index() as u32) << 16 | u32::from(zones[h].0)
            }))
        })
        .collect();
    let zone_consensus = |i: usize| {
        let Some(mine) = places.get(i) else {
            return 0.0;
        };
        let agreeing: usize = places
            .iter()
            .map(|other| other.iter().zip(mine).filter(|(a, b)| a == b).count())
            .sum();
        agreeing as f64 / (places.len() * SLOTS) as f64
    };
    chosen
        .iter()
        .enumerate()
        .map(|(i, &(similarity, _, routine))| Neighbour {
            routine,
            similarity,
            consensus: (0..SLOTS)
                .map(|h| hourly[h][diary(routine).activities[h].index()])
                .sum::<f64>()
                / SLOTS as f64,
            zone_consensus: zone_consensus(i),
        })
        .collect()
}

/// The weight of zone consensus in the choice for a person of `segment`: school days
/// (students on weekdays) have their own, as students share schools and school hours.
pub fn zone_consensus_weight(segment: Segment) -> f64 {
    if segment.group == Group::Student && segment.day_type == DayType::Weekday {
        SCHOOL_DAY_ZONE_CONSENSUS_WEIGHT
    } else {
        ZONE_CONSENSUS_WEIGHT
    }
}

/// Draws one neighbour for the person with `profile` (weights in the module doc). `None`
/// when there are none.
pub fn choose(
    profile: &Profile,
    neighbours: &[Neighbour],
    rng: &mut impl Rng,
) -> Option<Retrieved> {
    let best = neighbours.first()?.similarity;
    let zone_consensus_weight = zone_consensus_weight(profile.segment);
    let weight = |n: &Neighbour| {
        (SIMILARITY_TEMPERATURE * (n.similarity - best)
            + CONSENSUS_WEIGHT * n.consensus
            + zone_consensus_weight * n.zone_consensus)
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
    lists: HashMap<Profile, Arc<[Neighbour]>, BuildHasherDefault<ProfileHasher>>,
}

/// The cache's hasher: [`mix`] over the key's bytes, eight at a time. Profiles are small
/// integer records, so this is several times cheaper than the standard library's SipHash;
/// the cache is private to a worker, so hash flooding is no concern.
#[derive(Debug, Default)]
struct ProfileHasher(u64);

impl Hasher for ProfileHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = mix(self.0 ^ u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = mix(self.0 ^ value);
    }
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

/// Roles whose codes seed the tie-break salt: the first five of [`Role::ALL`]. Roles added
/// later (industry, occupation, class of worker) stay out of the salt, so they re-rank only the people they
/// tell apart instead of reshuffling every tie. Not a behavioural tunable.
const SALTED_ROLES: usize = 5;

/// Tie-break salt of a profile (see [`MostSimilar`]).
fn profile_hash(profile: &Profile) -> u64 {
    let mut h = mix(u64::from(profile.age) << 16 | u64::from(profile.work_hours));
    h = mix(h ^ profile.segment.index() as u64);
    h = mix(h ^ profile.home_zone.map_or(u64::MAX, |z| u64::from(z.0)));
    for &code in &profile.codes[..SALTED_ROLES] {
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
