//! The hourly-marginal baseline: every slot drawn independently from the segment's
//! activity distribution at that hour (all segments pooled when the segment has no train
//! person). Location task: the zone of a Work/School/Others slot is drawn from the
//! segment's activity-zone frequencies at that hour ([`ZoneModel::draw`]), independently
//! per slot like the activity.

use crate::sampling;
use crate::zone_choice::ZoneModel;
use mobility::{Activity, Diary, Loc, Person, Segment, SplitData, ACTIVITIES, SLOTS};
use rand_chacha::ChaCha8Rng;

/// Activity counts per segment and hour, with the pooled counts as fallback.
#[derive(Debug, Clone)]
pub(crate) struct HourlyCounts {
    by_segment: [[[f64; ACTIVITIES.len()]; SLOTS]; Segment::COUNT],
    pooled: [[f64; ACTIVITIES.len()]; SLOTS],
}

impl HourlyCounts {
    pub fn fit(train: &SplitData) -> HourlyCounts {
        let mut counts = HourlyCounts {
            by_segment: [[[0.0; ACTIVITIES.len()]; SLOTS]; Segment::COUNT],
            pooled: [[0.0; ACTIVITIES.len()]; SLOTS],
        };
        for (person, diary) in train.people().iter().zip(&train.diaries) {
            let seg = person.segment().index();
            for (h, a) in diary.activities.iter().enumerate() {
                counts.by_segment[seg][h][a.index()] += 1.0;
                counts.pooled[h][a.index()] += 1.0;
            }
        }
        counts
    }

    /// The segment's counts at `hour`, or the pooled counts if the segment has none.
    pub fn row(&self, segment: Segment, hour: usize) -> &[f64; ACTIVITIES.len()] {
        let own = &self.by_segment[segment.index()][hour];
        if own.iter().sum::<f64>() > 0.0 {
            own
        } else {
            &self.pooled[hour]
        }
    }

    /// An activity drawn from [`HourlyCounts::row`]; Home when train is empty.
    pub fn draw(&self, rng: &mut ChaCha8Rng, segment: Segment, hour: usize) -> Activity {
        sampling::draw(rng, self.row(segment, hour)).map_or(Activity::Home, Activity::from_index)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct MarginalModel {
    counts: HourlyCounts,
    zones: Option<ZoneModel>,
}

impl MarginalModel {
    pub fn fit(train: &SplitData, zones: Option<ZoneModel>) -> MarginalModel {
        MarginalModel {
            counts: HourlyCounts::fit(train),
            zones,
        }
    }

    pub fn generate(&self, person: &Person, rng: &mut ChaCha8Rng) -> Diary {
        let segment = person.segment();
        let mut activities = [Activity::Home; SLOTS];
        let mut locations = [Loc::TRAVEL; SLOTS];
        for h in 0..SLOTS {
            activities[h] = self.counts.draw(rng, segment, h);
            if let Some(zones) = &self.zones {
                locations[h] = zones.draw(rng, segment, h, activities[h], zones.home_of(person));
            }
        }
        Diary {
            activities,
            locations: self.zones.as_ref().map(|_| locations),
        }
    }
}
