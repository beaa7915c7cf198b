//! Zones for the activity-location task: the train split's activity-zone frequencies and
//! the two ways the baselines use them (a draw at an hour, or the most frequent zone given
//! the home zone).
//!
//! Home is always at the person's home zone and Travel always at `T`; only Work, School
//! and Others slots pick a zone, and only among the benchmark's retained zones, so no
//! baseline ever writes an invalid slot. Every lookup falls back from the most specific
//! table with any count to a coarser one; when nothing is known the home zone is used.

use crate::sampling;
use mobility::{Activity, Loc, Person, Segment, SplitData, ZoneTable, SLOTS};
use rand_chacha::ChaCha8Rng;

/// Activities that pick a zone, in table order.
const PLACED: [Activity; 3] = [Activity::Work, Activity::School, Activity::Others];

fn placed_index(activity: Activity) -> Option<usize> {
    PLACED.iter().position(|&a| a == activity)
}

/// Activity-zone counts of the train split at several levels of detail. Each table is a
/// flat array ending in a zone axis of `width` entries (index = `Loc` index, 0 = `T`,
/// never counted).
#[derive(Debug, Clone)]
pub(crate) struct ZoneModel {
    width: usize,
    /// [segment][hour][placed activity][zone]
    segment_hour: Vec<f64>,
    /// [segment][placed activity][zone]
    segment: Vec<f64>,
    /// [hour][placed activity][zone]
    hour: Vec<f64>,
    /// [placed activity][zone]
    pooled: Vec<f64>,
    /// [segment][home zone][placed activity][zone]
    segment_home: Vec<f64>,
    /// [home zone][placed activity][zone]
    home: Vec<f64>,
    /// Home zone used for a person without one: the most common train home zone.
    default_home: Loc,
}

impl ZoneModel {
    pub fn fit(zones: &ZoneTable, train: &SplitData) -> ZoneModel {
        let width = zones.retained_count() + 1;
        let k = PLACED.len();
        let s = Segment::COUNT;
        let mut model = ZoneModel {
            width,
            segment_hour: vec![0.0; s * SLOTS * k * width],
            segment: vec![0.0; s * k * width],
            hour: vec![0.0; SLOTS * k * width],
            pooled: vec![0.0; k * width],
            segment_home: vec![0.0; s * width * k * width],
            home: vec![0.0; width * k * width],
            default_home: Loc(1),
        };
        let mut home_counts = vec![0usize; width];
        for (person, diary) in train.people().iter().zip(&train.diaries) {
            let seg = person.segment().index();
            let home = person
                .home_zone
                .filter(|&h| zones.is_retained(h))
                .map(Loc::index);
            if let Some(h) = home {
                home_counts[h] += 1;
            }
            let Some(locations) = diary.locations else {
                continue;
            };
            for (hour, (&activity, &loc)) in diary.activities.iter().zip(&locations).enumerate() {
                let Some(a) = placed_index(activity) else {
                    continue;
                };
                if !zones.is_retained(loc) {
                    continue;
                }
                let z = loc.index();
                model.segment_hour[((seg * SLOTS + hour) * k + a) * width + z] += 1.0;
                model.segment[(seg * k + a) * width + z] += 1.0;
                model.hour[(hour * k + a) * width + z] += 1.0;
                model.pooled[a * width + z] += 1.0;
                if let Some(h) = home {
                    model.segment_home[((seg * width + h) * k + a) * width + z] += 1.0;
                    model.home[(h * k + a) * width + z] += 1.0;
                }
            }
        }
        if let Some(best) =
            sampling::argmax(&home_counts.iter().map(|&c| c as f64).collect::<Vec<_>>())
        {
            model.default_home = Loc(best as u16);
        }
        model
    }

    /// The person's home zone (the most common train home zone if the person has none).
    pub fn home_of(&self, person: &Person) -> Loc {
        person.home_zone.unwrap_or(self.default_home)
    }

    fn row<'a>(&self, table: &'a [f64], prefix: usize, activity: usize) -> &'a [f64] {
        let start = (prefix * PLACED.len() + activity) * self.width;
        &table[start..start + self.width]
    }

    /// The tables from most to least specific for a draw at `hour` (home zone ignored).
    fn hourly_rows(&self, seg: usize, hour: usize, a: usize) -> [&[f64]; 4] {
        [
            self.row(&self.segment_hour, seg * SLOTS + hour, a),
            self.row(&self.segment, seg, a),
            self.row(&self.hour, hour, a),
            self.row(&self.pooled, 0, a),
        ]
    }

    /// A zone drawn from the segment's activity-zone frequencies at `hour`
    /// (falling back to the segment over all hours, then all segments at that hour, then
    /// everything). Home → `home`, Travel → `T`.
    pub fn draw(
        &self,
        rng: &mut ChaCha8Rng,
        segment: Segment,
        hour: usize,
        activity: Activity,
        home: Loc,
    ) -> Loc {
        let Some(a) = placed_index(activity) else {
            return fixed_location(activity, home);
        };
        self.hourly_rows(segment.index(), hour, a)
            .into_iter()
            .find_map(|row| sampling::draw(rng, row))
            .map_or(home, |z| Loc(z as u16))
    }

    /// The most frequent zone of `activity` in the segment among train people with this
    /// home zone (falling back to all segments with this home zone, then the segment, then
    /// everything). Home → `home`, Travel → `T`.
    pub fn most_likely(&self, segment: Segment, activity: Activity, home: Loc) -> Loc {
        let Some(a) = placed_index(activity) else {
            return fixed_location(activity, home);
        };
        let seg = segment.index();
        let h = home.index();
        let mut rows = Vec::with_capacity(4);
        if h < self.width {
            rows.push(self.row(&self.segment_home, seg * self.width + h, a));
            rows.push(self.row(&self.home, h, a));
        }
        rows.push(self.row(&self.segment, seg, a));
        rows.push(self.row(&self.pooled, 0, a));
        rows.into_iter()
            .find_map(sampling::argmax)
            .map_or(home, |z| Loc(z as u16))
    }
}

/// The location of an activity that never chooses a zone: Travel at `T`, anything else
/// (Home) at home.
fn fixed_location(activity: Activity, home: Loc) -> Loc {
    if activity == Activity::Travel {
        Loc::TRAVEL
    } else {
        home
    }
}

/// Home slots of a copied diary moved to `home`; Travel forced to `T`; other zones kept.
pub(crate) fn rehome(activities: &[Activity; SLOTS], locations: &mut [Loc; SLOTS], home: Loc) {
    for (activity, loc) in activities.iter().zip(locations.iter_mut()) {
        match activity {
            Activity::Home => *loc = home,
            Activity::Travel => *loc = Loc::TRAVEL,
            _ => {}
        }
    }
}
