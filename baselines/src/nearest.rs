//! The nearest-neighbour baseline: copy the diary of the most similar train person.
//!
//! Candidates are the train people of the target's segment (everyone if the segment has
//! none). Distance = |age difference| / 10 years (1 when either age is unknown) + one per
//! categorical column of [`FeatureEncoder`] whose values differ, + one in the location task
//! when the home zones differ (so copied work and school zones stay plausible for the
//! target's home). Ties are broken uniformly at random by the person's seeded stream.
//! Location task: Home slots are moved to the target's home zone, Travel stays at `T`, the
//! other zones are kept.

use crate::person_features::{Encoded, FeatureEncoder};
use crate::zone_choice::rehome;
use mobility::{Diary, Loc, Person, Segment, SplitData};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Distances closer than this count as equal (ages are read from decimal text).
const TIE_TOLERANCE: f64 = 1e-9;

#[derive(Debug, Clone)]
pub(crate) struct NearestModel {
    encoder: FeatureEncoder,
    train: Vec<Candidate>,
    /// Indices into `train`, per segment.
    by_segment: Vec<Vec<usize>>,
    /// Every index into `train` (the pool of a segment without train people).
    everyone: Vec<usize>,
    location_task: bool,
}

#[derive(Debug, Clone)]
struct Candidate {
    features: Encoded,
    home: Option<Loc>,
    diary: Diary,
}

impl NearestModel {
    pub fn fit(train: &SplitData, location_task: bool) -> NearestModel {
        let encoder = FeatureEncoder::fit(&train.persons.feature_names, train.people());
        let mut by_segment = vec![Vec::new(); Segment::COUNT];
        let candidates: Vec<Candidate> = train
            .people()
            .iter()
            .zip(&train.diaries)
            .enumerate()
            .map(|(i, (person, diary))| {
                by_segment[person.segment().index()].push(i);
                Candidate {
                    features: encoder.encode(person),
                    home: person.home_zone,
                    diary: *diary,
                }
            })
            .collect();
        NearestModel {
            encoder,
            everyone: (0..candidates.len()).collect(),
            train: candidates,
            by_segment,
            location_task,
        }
    }

    fn distance(&self, target: &Encoded, home: Option<Loc>, candidate: &Candidate) -> f64 {
        let age = match (target.age, candidate.features.age) {
            (Some(a), Some(b)) => (a - b).abs() / 10.0,
            _ => 1.0,
        };
        let mismatches = target
            .categories
            .iter()
            .zip(&candidate.features.categories)
            .filter(|(a, b)| a != b)
            .count();
        let home_mismatch = self.location_task && home != candidate.home;
        age + mismatches as f64 + f64::from(u8::from(home_mismatch))
    }

    pub fn generate(&self, person: &Person, rng: &mut ChaCha8Rng) -> Diary {
        let target = self.encoder.encode(person);
        let own = &self.by_segment[person.segment().index()];
        let pool = if own.is_empty() { &self.everyone } else { own };
        let mut best = f64::INFINITY;
        let mut tied: Vec<usize> = Vec::new();
        for &i in pool {
            let d = self.distance(&target, person.home_zone, &self.train[i]);
            if d < best - TIE_TOLERANCE {
                best = d;
                tied.clear();
                tied.push(i);
            } else if d <= best + TIE_TOLERANCE {
                tied.push(i);
            }
        }
        if tied.is_empty() {
            return Diary::all_home(
                self.location_task
                    .then(|| person.home_zone.unwrap_or(Loc(1))),
            );
        }
        let chosen = tied[rng.gen_range(0..tied.len())];
        let mut diary = self.train[chosen].diary;
        if let (Some(locations), Some(home)) = (diary.locations.as_mut(), person.home_zone) {
            rehome(&diary.activities, locations, home);
        }
        diary
    }
}
