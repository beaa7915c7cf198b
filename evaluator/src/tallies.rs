//! Per-side counts: one pass over the real (or the generated) diaries fills every
//! histogram the distribution and behavior diagnostics compare. Everything is a fixed
//! array or a flat vector indexed by interned labels, so the pass is allocation-light.

use mobility::{Activity, Diary, Group, Person, SLOTS};

/// Bins of a per-diary count (0..=24 slots) or of an hour (0..=24, 24 = never).
pub const COUNT_BINS: usize = SLOTS + 1;
/// A histogram of per-diary counts.
pub type Hist = [u64; COUNT_BINS];
/// Activity labels.
pub const ACTS: usize = 5;
/// Distance-from-home bins, upper bounds in km (the last bin is [20, ∞)).
pub const DISTANCE_BIN_EDGES_KM: [f64; 5] = [1.0, 2.0, 5.0, 10.0, 20.0];
pub const DISTANCE_BINS: usize = 6;

/// Night of the activity task: slots 0–5 and 22–23.
pub const ACTIVITY_NIGHT: [bool; SLOTS] = night_mask(22);
/// Night of the activity-location task: slots 0–5 and 20–23.
pub const LOCATION_NIGHT: [bool; SLOTS] = night_mask(20);

const fn night_mask(evening_from: usize) -> [bool; SLOTS] {
    let mut m = [false; SLOTS];
    let mut h = 0;
    while h < SLOTS {
        m[h] = h <= 5 || h >= evening_from;
        h += 1;
    }
    m
}

/// Distance bin of a distance in km: [0,1), [1,2), [2,5), [5,10), [10,20), [20,∞).
pub fn distance_bin(km: f64) -> usize {
    DISTANCE_BIN_EDGES_KM
        .iter()
        .position(|&edge| km < edge)
        .unwrap_or(DISTANCE_BINS - 1)
}

/// First slot whose activity is not Home; 24 for an all-Home diary.
pub fn first_nonhome_hour(acts: &[Activity; SLOTS]) -> usize {
    acts.iter()
        .position(|&a| a != Activity::Home)
        .unwrap_or(SLOTS)
}

/// The last Home slot that directly follows a non-Home slot; 24 if there is none.
pub fn last_return_home_hour(acts: &[Activity; SLOTS]) -> usize {
    (1..SLOTS)
        .rev()
        .find(|&h| acts[h] == Activity::Home && acts[h - 1] != Activity::Home)
        .unwrap_or(SLOTS)
}

/// Longest run of consecutive Others slots; 0 when there is none.
pub fn max_others_run(acts: &[Activity; SLOTS]) -> usize {
    let (mut best, mut run) = (0, 0);
    for &a in acts {
        if a == Activity::Others {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// Activity-only histograms of one side.
#[derive(Debug, Clone)]
pub struct ActivityTallies {
    pub hourly: [[u64; ACTS]; SLOTS],
    pub segment_hourly: [[[u64; ACTS]; SLOTS]; 6],
    pub segment_records: [u64; 6],
    pub share: [u64; ACTS],
    pub pairs: [u64; ACTS * ACTS],
    pub first: [u64; ACTS],
    pub last: [u64; ACTS],
    /// Night non-Home / Work / Others counts, activity-task night (0–5, 22–23).
    pub night_nonhome: Hist,
    pub night_work: Hist,
    pub night_others: Hist,
    /// Night non-Home count, location-task night (0–5, 20–23).
    pub night_nonhome_location: Hist,
    pub first_nonhome: Hist,
    /// Per group (`Group as usize`).
    pub travel_count: [Hist; 3],
    pub others_count: [Hist; 3],
    pub school_count: [Hist; 3],
    pub max_others_run: [Hist; 3],
    pub changed_pairs: [[u64; ACTS * ACTS]; 3],
}

/// The multiplicity of person `i` in a weighted evaluation (1 when unweighted).
#[inline]
pub(crate) fn weight_of(weights: Option<&[u32]>, i: usize) -> u64 {
    weights.map_or(1, |w| u64::from(w[i]))
}

impl ActivityTallies {
    /// One pass over `diaries`; person `i` counts `weights[i]` times (once when `None`).
    pub fn collect(persons: &[Person], diaries: &[Diary], weights: Option<&[u32]>) -> ActivityTallies {
        let mut t = ActivityTallies {
            hourly: [[0; ACTS]; SLOTS],
            segment_hourly: [[[0; ACTS]; SLOTS]; 6],
            segment_records: [0; 6],
            share: [0; ACTS],
            pairs: [0; ACTS * ACTS],
            first: [0; ACTS],
            last: [0; ACTS],
            night_nonhome: [0; COUNT_BINS],
            night_work: [0; COUNT_BINS],
            night_others: [0; COUNT_BINS],
            night_nonhome_location: [0; COUNT_BINS],
            first_nonhome: [0; COUNT_BINS],
            travel_count: [[0; COUNT_BINS]; 3],
            others_count: [[0; COUNT_BINS]; 3],
            school_count: [[0; COUNT_BINS]; 3],
            max_others_run: [[0; COUNT_BINS]; 3],
            changed_pairs: [[0; ACTS * ACTS]; 3],
        };
        for (i, (person, diary)) in persons.iter().zip(diaries).enumerate() {
            let w = weight_of(weights, i);
            if w == 0 {
                continue;
            }
            let acts = &diary.activities;
            let seg = person.segment().index();
            let g = person.group as usize;
            t.segment_records[seg] += w;
            let seg_hourly = &mut t.segment_hourly[seg];
            let (mut night_nonhome, mut night_work, mut night_others, mut night_late) =
                (0, 0, 0, 0);
            let mut per_act = [0usize; ACTS];
            let mut prev = acts[0] as usize;
            for h in 0..SLOTS {
                let a = acts[h] as usize;
                t.hourly[h][a] += w;
                seg_hourly[h][a] += w;
                per_act[a] += 1;
                let nonhome = (a != Activity::Home as usize) as usize;
                if ACTIVITY_NIGHT[h] {
                    night_nonhome += nonhome;
                    night_work += (a == Activity::Work as usize) as usize;
                    night_others += (a == Activity::Others as usize) as usize;
                }
                if LOCATION_NIGHT[h] {
                    night_late += nonhome;
                }
                if h > 0 {
                    let pair = prev * ACTS + a;
                    t.pairs[pair] += w;
                    if prev != a {
                        t.changed_pairs[g][pair] += w;
                    }
                }
                prev = a;
            }
            for (share, &count) in t.share.iter_mut().zip(&per_act) {
                *share += count as u64 * w;
            }
            t.first[acts[0] as usize] += w;
            t.last[acts[SLOTS - 1] as usize] += w;
            t.night_nonhome[night_nonhome] += w;
            t.night_work[night_work] += w;
            t.night_others[night_others] += w;
            t.night_nonhome_location[night_late] += w;
            t.first_nonhome[first_nonhome_hour(acts)] += w;
            t.travel_count[g][per_act[Activity::Travel as usize]] += w;
            t.others_count[g][per_act[Activity::Others as usize]] += w;
            t.school_count[g][per_act[Activity::School as usize]] += w;
            t.max_others_run[g][max_others_run(acts)] += w;
        }
        t
    }

    /// Travel-count histogram over every diary.
    pub fn travel_count_all(&self) -> Hist {
        sum_rows(&self.travel_count)
    }

    /// Changed-pair counts over every diary.
    pub fn changed_pairs_all(&self) -> [u64; ACTS * ACTS] {
        sum_rows(&self.changed_pairs)
    }
}

fn sum_rows<const N: usize>(rows: &[[u64; N]; 3]) -> [u64; N] {
    let mut out = [0; N];
    for row in rows {
        for (o, v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
    out
}

/// How locations are indexed for one evaluation: interned zone indices `0..labels-1`
/// (0 = `T`, `1..=retained` the benchmark's zones, larger = unknown codes), plus one
/// extra label, `labels - 1`, for a diary that carries no locations at all.
#[derive(Debug, Clone)]
pub struct LocationSpace {
    pub labels: usize,
    pub retained: usize,
    /// Distance bin between every pair of retained zones, `(retained+1)²` (row = home),
    /// `u8::MAX` where a zone has no centroid.
    distance_bins: Vec<u8>,
    /// Distance in km between retained zones (same layout), NaN where undefined.
    distances_km: Vec<f64>,
}

impl LocationSpace {
    pub fn new(zones: &mobility::ZoneTable, diaries: &[&[Diary]]) -> LocationSpace {
        let max_seen = diaries
            .iter()
            .flat_map(|side| side.iter())
            .filter_map(|d| d.locations.as_ref())
            .flat_map(|l| l.iter())
            .map(|l| l.index())
            .max()
            .unwrap_or(0);
        let labels = max_seen.max(zones.len().saturating_sub(1)) + 2;
        let retained = zones.retained_count();
        let dim = retained + 1;
        let mut distance_bins = vec![u8::MAX; dim * dim];
        let mut distances_km = vec![f64::NAN; dim * dim];
        for a in 1..=retained {
            for b in 1..=retained {
                if let Some(d) = zones.distance_km(mobility::Loc(a as u16), mobility::Loc(b as u16))
                {
                    distance_bins[a * dim + b] = distance_bin(d) as u8;
                    distances_km[a * dim + b] = d;
                }
            }
        }
        LocationSpace {
            labels,
            retained,
            distance_bins,
            distances_km,
        }
    }

    /// The label used for the slots of a diary without locations.
    pub fn missing(&self) -> usize {
        self.labels - 1
    }

    /// Distance bin between two retained zones (`None` otherwise).
    #[inline]
    pub fn distance_bin(&self, a: usize, b: usize) -> Option<usize> {
        if !self.is_retained(a) || !self.is_retained(b) {
            return None;
        }
        let bin = self.distance_bins[a * (self.retained + 1) + b];
        (bin != u8::MAX).then_some(bin as usize)
    }

    /// Distance in km between two retained zones (`None` otherwise).
    #[inline]
    pub fn distance_km(&self, a: usize, b: usize) -> Option<f64> {
        if !self.is_retained(a) || !self.is_retained(b) {
            return None;
        }
        let d = self.distances_km[a * (self.retained + 1) + b];
        (!d.is_nan()).then_some(d)
    }

    #[inline]
    pub fn is_retained(&self, loc: usize) -> bool {
        loc >= 1 && loc <= self.retained
    }

    /// Location indices of a diary's slots.
    #[inline]
    pub fn slots(&self, diary: &Diary) -> [usize; SLOTS] {
        match &diary.locations {
            Some(l) => l.map(|x| x.index()),
            None => [self.missing(); SLOTS],
        }
    }
}

/// Home-zone index of a person; `usize::MAX` (matches nothing) if unknown.
#[inline]
pub fn home_index(person: &Person) -> usize {
    person.home_zone.map_or(usize::MAX, |l| l.index())
}

/// A slot violating the location constraints: Home not at the home zone, Travel not at
/// `T`, or any other activity at `T` or outside the retained zones.
#[inline]
pub fn is_invalid_slot(space: &LocationSpace, act: Activity, loc: usize, home: usize) -> bool {
    match act {
        Activity::Home => loc != home,
        Activity::Travel => loc != 0,
        _ => !space.is_retained(loc),
    }
}

/// A fixed non-home slot: Work, School or Others at a retained zone that is not home.
#[inline]
pub fn is_fixed_nonhome(space: &LocationSpace, act: Activity, loc: usize, home: usize) -> bool {
    matches!(act, Activity::Work | Activity::School | Activity::Others)
        && space.is_retained(loc)
        && loc != home
}

/// Location and joint histograms of one side (activity-location task).
#[derive(Debug, Clone)]
pub struct LocationTallies {
    /// `SLOTS × labels`.
    pub hourly: Vec<u64>,
    pub share: Vec<u64>,
    /// Joint label = activity × labels + location.
    pub joint: Vec<u64>,
    pub home_zone_nonhome: Hist,
    pub other_unique: Hist,
    pub away_fixed: Hist,
    pub others_location: Vec<u64>,
    pub nonhome_distance: [u64; DISTANCE_BINS],
    pub work_location: Vec<u64>,
    pub work_distance: [u64; DISTANCE_BINS],
}

impl LocationTallies {
    /// One pass over `diaries`; person `i` counts `weights[i]` times (once when `None`).
    pub fn collect(
        space: &LocationSpace,
        persons: &[Person],
        diaries: &[Diary],
        weights: Option<&[u32]>,
    ) -> Self {
        let n = space.labels;
        let mut t = LocationTallies {
            hourly: vec![0; SLOTS * n],
            share: vec![0; n],
            joint: vec![0; ACTS * n],
            home_zone_nonhome: [0; COUNT_BINS],
            other_unique: [0; COUNT_BINS],
            away_fixed: [0; COUNT_BINS],
            others_location: vec![0; n],
            nonhome_distance: [0; DISTANCE_BINS],
            work_location: vec![0; n],
            work_distance: [0; DISTANCE_BINS],
        };
        // Stamp per location: the diary number + 1 that last counted it as unique.
        let mut seen = vec![0u32; n];
        for (i, (person, diary)) in persons.iter().zip(diaries).enumerate() {
            let w = weight_of(weights, i);
            if w == 0 {
                continue;
            }
            let stamp = i as u32 + 1;
            let locs = space.slots(diary);
            let home = home_index(person);
            let is_other = person.group == Group::Other;
            let (mut home_nonhome, mut away, mut unique) = (0, 0, 0);
            for (h, (&act, &loc)) in diary.activities.iter().zip(&locs).enumerate() {
                t.hourly[h * n + loc] += w;
                t.joint[act as usize * n + loc] += w;
                let wso = matches!(act, Activity::Work | Activity::School | Activity::Others);
                if wso && loc == home {
                    home_nonhome += 1;
                }
                let retained = space.is_retained(loc);
                if is_fixed_nonhome(space, act, loc, home) {
                    away += 1;
                    if let Some(bin) = space.distance_bin(home, loc) {
                        t.nonhome_distance[bin] += w;
                    }
                    if is_other && seen[loc] != stamp {
                        seen[loc] = stamp;
                        unique += 1;
                    }
                }
                if retained && act == Activity::Others {
                    t.others_location[loc] += w;
                }
                if retained && act == Activity::Work {
                    t.work_location[loc] += w;
                    if let Some(bin) = space.distance_bin(home, loc) {
                        t.work_distance[bin] += w;
                    }
                }
            }
            t.home_zone_nonhome[home_nonhome] += w;
            t.away_fixed[away] += w;
            if is_other {
                t.other_unique[unique] += w;
            }
        }
        for h in 0..SLOTS {
            for l in 0..n {
                t.share[l] += t.hourly[h * n + l];
            }
        }
        t
    }

    pub fn hour(&self, h: usize) -> &[u64] {
        let n = self.share.len();
        &self.hourly[h * n..(h + 1) * n]
    }
}
