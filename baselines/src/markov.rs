//! The Markov baseline: a first-order, hour-dependent chain per segment.
//!
//! Slot 0 is drawn from the segment's slot-0 distribution; slot h ≥ 1 from
//! P(a_h | a_{h-1}, h, segment). An empty row (the segment never had a_{h-1} at h-1) falls
//! back to the pooled transition counts of all segments, then to the hourly marginal.
//! Location task: a zone is drawn from the segment's activity-zone frequencies at the hour
//! an activity spell starts ([`ZoneModel::draw`]) and kept for the rest of the spell, so a
//! working day stays at one workplace (Home → home zone, Travel → `T`).

use crate::marginal::HourlyCounts;
use crate::sampling;
use crate::zone_choice::ZoneModel;
use mobility::{Activity, Diary, Loc, Person, Segment, SplitData, ACTIVITIES, SLOTS};
use rand_chacha::ChaCha8Rng;

const A: usize = ACTIVITIES.len();

/// [hour][previous activity][next activity]; hour 0 is unused.
type Transitions = [[[f64; A]; A]; SLOTS];

#[derive(Debug, Clone)]
pub(crate) struct MarkovModel {
    marginal: HourlyCounts,
    by_segment: Vec<Transitions>,
    pooled: Box<Transitions>,
    zones: Option<ZoneModel>,
}

impl MarkovModel {
    pub fn fit(train: &SplitData, zones: Option<ZoneModel>) -> MarkovModel {
        let mut by_segment = vec![[[[0.0; A]; A]; SLOTS]; Segment::COUNT];
        let mut pooled = Box::new([[[0.0; A]; A]; SLOTS]);
        for (person, diary) in train.people().iter().zip(&train.diaries) {
            let seg = person.segment().index();
            for h in 1..SLOTS {
                let (prev, next) = (diary.activities[h - 1].index(), diary.activities[h].index());
                by_segment[seg][h][prev][next] += 1.0;
                pooled[h][prev][next] += 1.0;
            }
        }
        MarkovModel {
            marginal: HourlyCounts::fit(train),
            by_segment,
            pooled,
            zones,
        }
    }

    fn next(
        &self,
        rng: &mut ChaCha8Rng,
        segment: Segment,
        hour: usize,
        prev: Activity,
    ) -> Activity {
        let p = prev.index();
        [
            &self.by_segment[segment.index()][hour][p],
            &self.pooled[hour][p],
        ]
        .into_iter()
        .find_map(|row| sampling::draw(rng, row))
        .map_or_else(
            || self.marginal.draw(rng, segment, hour),
            Activity::from_index,
        )
    }

    pub fn generate(&self, person: &Person, rng: &mut ChaCha8Rng) -> Diary {
        let segment = person.segment();
        let mut activities = [Activity::Home; SLOTS];
        activities[0] = self.marginal.draw(rng, segment, 0);
        for h in 1..SLOTS {
            activities[h] = self.next(rng, segment, h, activities[h - 1]);
        }
        let locations = self.zones.as_ref().map(|zones| {
            let home = zones.home_of(person);
            let mut locations = [Loc::TRAVEL; SLOTS];
            for h in 0..SLOTS {
                locations[h] = if h > 0 && activities[h] == activities[h - 1] {
                    locations[h - 1]
                } else {
                    zones.draw(rng, segment, h, activities[h], home)
                };
            }
            locations
        });
        Diary {
            activities,
            locations,
        }
    }
}
