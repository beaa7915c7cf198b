//! What the generator learns from the training split, built once: the routine library
//! (every training diary with its owner's profile), candidate pools per segment (and home
//! zone) pre-grouped for fast retrieval, and the statistics each decision needs
//! (participation rates).

use crate::features::{FeatureColumns, Profile};
use crate::params::RETRIEVAL_MIN_POOL;
use crate::participation::ParticipationRates;
use crate::retrieval::GroupKey;
use mobility::{Activity, Benchmark, Diary, Loc, Segment, SplitData, Task, ZoneTable};
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
    /// Share of people leaving home, per segment and age band.
    pub participation: ParticipationRates,
}

impl GeneratorState {
    /// Derives the state from the training split only.
    pub fn build(bench: &Benchmark, train: &SplitData) -> GeneratorState {
        let columns = FeatureColumns::resolve(&train.persons.feature_names);
        let routines: Vec<Routine> = train
            .people()
            .iter()
            .zip(&train.diaries)
            .map(|(person, diary)| Routine {
                person_id: person.id.clone(),
                profile: columns.profile(person),
                diary: *diary,
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
        if bench.task == Task::ActivityLocation {
            extend_thin_local_pools(&mut members, &bench.zones);
        }
        let pools = members
            .into_iter()
            .map(|(key, members)| (key, CandidatePool::grouped(members)))
            .collect();
        let participation = ParticipationRates::build(&routines);
        GeneratorState {
            task: bench.task,
            zones: bench.zones.clone(),
            feature_names: train.persons.feature_names.clone(),
            columns,
            routines,
            pools,
            participation,
        }
    }

    /// Where retrieval looks for routines: the mobile routines of the person's segment and
    /// home zone (extended to the nearest home zones where it has too few, see
    /// [`extend_thin_local_pools`]) when there are at least [`RETRIEVAL_MIN_POOL`] of them,
    /// else of the segment.
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

/// Location task: a home zone with fewer than [`RETRIEVAL_MIN_POOL`] mobile routines of a
/// segment borrows those of the nearest other home zones (by centroid distance, nearest
/// first) until it has enough. People living close together share destinations (shops,
/// schools, workplaces, the same side of the city), so nearby residents' routines keep
/// plausible places, where the whole segment's would send the person anywhere in the city.
/// Zones with no routine of their own get such a pool too.
fn extend_thin_local_pools(members: &mut HashMap<PoolKey, Vec<(u32, Profile)>>, zones: &ZoneTable) {
    let segments: Vec<Segment> = members
        .keys()
        .map(|(s, _)| *s)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let homes: Vec<Loc> = zones.retained_zones().collect();
    let mut extended = Vec::new();
    for &segment in &segments {
        for &home in &homes {
            let own = members.get(&(segment, Some(home))).map_or(0, Vec::len);
            if own >= RETRIEVAL_MIN_POOL {
                continue;
            }
            let mut nearest: Vec<(f64, Loc)> = homes
                .iter()
                .filter_map(|&z| zones.distance_km(home, z).map(|d| (d, z)))
                .collect();
            nearest.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1 .0.cmp(&b.1 .0)));
            let mut pool: Vec<(u32, Profile)> = members
                .get(&(segment, Some(home)))
                .cloned()
                .unwrap_or_default();
            for (_, zone) in nearest {
                if pool.len() >= RETRIEVAL_MIN_POOL {
                    break;
                }
                if zone == home {
                    continue;
                }
                if let Some(theirs) = members.get(&(segment, Some(zone))) {
                    pool.extend_from_slice(theirs);
                }
            }
            if pool.len() >= RETRIEVAL_MIN_POOL {
                extended.push(((segment, Some(home)), pool));
            }
        }
    }
    members.extend(extended);
}
