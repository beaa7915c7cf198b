//! What the generator learns from the training split, built once: the routine library
//! (every training diary with its owner's profile), candidate pools per segment (and home
//! zone) pre-grouped for fast retrieval, and the statistics each decision needs
//! (participation rates, hourly marginals, destination choice).

use crate::destinations::DestinationChoice;
use crate::features::{FeatureColumns, Profile};
use crate::params::RETRIEVAL_MIN_POOL;
use crate::participation::ParticipationRates;
use crate::retrieval::GroupKey;
use mobility::{Activity, Benchmark, Diary, Loc, Segment, SplitData, Task, ZoneTable, SLOTS};
use std::collections::HashMap;

/// One training diary, ready to be retrieved.
#[derive(Debug, Clone)]
pub struct Routine {
    /// Id of the training person who lived it.
    pub person_id: String,
    /// That person's profile.
    pub profile: Profile,
    /// The real diary.
    pub diary: Diary,
    /// How typical the routine is of its segment: the mean over hours of the share of the
    /// segment doing the routine's activity at that hour (0..1).
    pub typicality: f64,
}

impl Routine {
    /// Whether the person left home (any non-Home slot).
    pub fn is_mobile(&self) -> bool {
        is_mobile(&self.diary)
    }
}

/// Whether a diary has any non-Home slot.
pub fn is_mobile(diary: &Diary) -> bool {
    diary.activities.iter().any(|&a| a != Activity::Home)
}

/// A segment, and a home zone for the location task's local pools (`None` = whole segment).
pub type PoolKey = (Segment, Option<Loc>);

/// Candidate routines for retrieval, with their owners' profiles stored contiguously so the
/// similarity scan stays in cache, sorted into groups of equal [`GroupKey`] so retrieval
/// can skip whole groups that cannot hold a neighbour.
#[derive(Debug, Clone, Default)]
pub struct CandidatePool {
    /// Indices into `GeneratorState::routines`, group by group.
    pub routines: Vec<u32>,
    /// The owners' profiles, aligned with `routines`.
    pub profiles: Vec<Profile>,
    /// The groups: each key with its range in `routines` and `profiles`.
    pub groups: Vec<CandidateGroup>,
}

/// A run of candidates of a pool sharing one [`GroupKey`], sorted by age (unknown last).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CandidateGroup {
    /// What the candidates share.
    pub key: GroupKey,
    /// First candidate (index into the pool's `routines`).
    pub start: u32,
    /// One past the last candidate.
    pub end: u32,
}

impl CandidatePool {
    /// A pool of `members` (routine index, owner's profile), grouped by [`GroupKey`].
    fn grouped(mut members: Vec<(u32, Profile)>) -> CandidatePool {
        members.sort_by_key(|(routine, profile)| (GroupKey::of(profile), profile.age, *routine));
        let mut pool = CandidatePool::default();
        for (i, (routine, profile)) in members.into_iter().enumerate() {
            let key = GroupKey::of(&profile);
            match pool.groups.last_mut() {
                Some(group) if group.key == key => group.end += 1,
                _ => pool.groups.push(CandidateGroup {
                    key,
                    start: i as u32,
                    end: i as u32 + 1,
                }),
            }
            pool.routines.push(routine);
            pool.profiles.push(profile);
        }
        pool
    }
}

/// Share of each activity at each hour, per segment: `[segment][hour][activity]`.
pub type HourlyMarginals = [[[f64; 5]; SLOTS]; Segment::COUNT];

/// Everything generation reads; immutable and shared by all worker threads.
#[derive(Debug, Clone)]
pub struct GeneratorState {
    /// Activity or activity-location task.
    pub task: Task,
    /// The benchmark's zones (empty for the activity task).
    pub zones: ZoneTable,
    /// Feature column names of the training persons file (targets are read in this layout).
    pub feature_names: Vec<String>,
    /// Where each feature sits in `feature_names`.
    pub columns: FeatureColumns,
    /// Every training diary.
    pub routines: Vec<Routine>,
    /// Mobile routines of each segment, and of each (segment, home zone) in the location task.
    pub pools: HashMap<PoolKey, CandidatePool>,
    /// Hourly activity shares per segment.
    pub hourly: HourlyMarginals,
    /// Share of people leaving home, per segment and age band.
    pub participation: ParticipationRates,
    /// P(zone | home zone, activity) for the location task.
    pub destinations: Option<DestinationChoice>,
}

impl GeneratorState {
    /// Derives the state from the training split only.
    pub fn build(bench: &Benchmark, train: &SplitData) -> GeneratorState {
        let columns = FeatureColumns::resolve(&train.persons.feature_names);
        let hourly = hourly_marginals(train);
        let routines: Vec<Routine> = train
            .people()
            .iter()
            .zip(&train.diaries)
            .map(|(person, diary)| Routine {
                person_id: person.id.clone(),
                profile: columns.profile(person),
                diary: *diary,
                typicality: typicality(diary, &hourly[person.segment().index()]),
            })
            .collect();
        let mut members: HashMap<PoolKey, Vec<(u32, Profile)>> = HashMap::new();
        for (i, routine) in routines.iter().enumerate().filter(|(_, r)| r.is_mobile()) {
            let segment = routine.profile.segment;
            let home = routine
                .profile
                .home_zone
                .filter(|_| bench.task == Task::ActivityLocation);
            for key in [(segment, None), (segment, home)] {
                members
                    .entry(key)
                    .or_default()
                    .push((i as u32, routine.profile));
                if home.is_none() {
                    break;
                }
            }
        }
        let pools = members
            .into_iter()
            .map(|(key, members)| (key, CandidatePool::grouped(members)))
            .collect();
        let participation = ParticipationRates::build(&routines);
        let destinations = (bench.task == Task::ActivityLocation)
            .then(|| DestinationChoice::build(&routines, &bench.zones));
        GeneratorState {
            task: bench.task,
            zones: bench.zones.clone(),
            feature_names: train.persons.feature_names.clone(),
            columns,
            routines,
            pools,
            hourly,
            participation,
            destinations,
        }
    }

    /// Where retrieval looks for routines: the mobile routines of the person's segment and
    /// home zone when there are at least [`RETRIEVAL_MIN_POOL`] of them, else of the segment.
    pub fn candidate_pool(&self, profile: &Profile) -> Option<&CandidatePool> {
        let local = profile
            .home_zone
            .and_then(|home| self.pools.get(&(profile.segment, Some(home))))
            .filter(|pool| pool.routines.len() >= RETRIEVAL_MIN_POOL);
        local.or_else(|| self.pools.get(&(profile.segment, None)))
    }

    /// Whether zones are generated (activity-location task).
    pub fn has_locations(&self) -> bool {
        self.task == Task::ActivityLocation
    }
}

fn hourly_marginals(train: &SplitData) -> HourlyMarginals {
    let mut counts = [[[0.0; 5]; SLOTS]; Segment::COUNT];
    for (person, diary) in train.people().iter().zip(&train.diaries) {
        let segment = &mut counts[person.segment().index()];
        for (hour, activity) in diary.activities.iter().enumerate() {
            segment[hour][activity.index()] += 1.0;
        }
    }
    for hour in counts.iter_mut().flatten() {
        let total: f64 = hour.iter().sum();
        if total > 0.0 {
            hour.iter_mut().for_each(|c| *c /= total);
        }
    }
    counts
}

fn typicality(diary: &Diary, hourly: &[[f64; 5]; SLOTS]) -> f64 {
    let sum: f64 = (0..SLOTS)
        .map(|h| hourly[h][diary.activities[h].index()])
        .sum();
    sum / SLOTS as f64
}
