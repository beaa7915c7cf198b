//! What the statistical executor learns from the train split: where people go (a
//! destination model) and how long spells last (plausibility limits).

use mobility::{Activity, Loc, SplitData, ZoneTable, ACTIVITIES, SLOTS};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Activities that choose a zone, in table order.
const PLACED: [Activity; 3] = [Activity::Work, Activity::School, Activity::Others];

fn placed_index(activity: Activity) -> Option<usize> {
    PLACED.iter().position(|&a| a == activity)
}

/// Visits of the train split by home zone, activity and destination zone. A visit is a
/// maximal run of slots with one activity (Work, School or Others) at one retained zone;
/// each counts once whatever its length.
#[derive(Debug, Clone)]
pub(crate) struct DestinationModel {
    /// Zone axis width (index = `Loc` index; 0 = `T`, never counted).
    width: usize,
    /// [home zone][placed activity][zone]
    by_home: Vec<f64>,
    /// [placed activity][zone]
    pooled: Vec<f64>,
}

impl DestinationModel {
    pub fn fit(zones: &ZoneTable, train: &SplitData) -> DestinationModel {
        let width = zones.retained_count() + 1;
        let k = PLACED.len();
        let mut model = DestinationModel {
            width,
            by_home: vec![0.0; width * k * width],
            pooled: vec![0.0; k * width],
        };
        for (person, diary) in train.people().iter().zip(&train.diaries) {
            let Some(locations) = diary.locations else {
                continue;
            };
            let home = person
                .home_zone
                .filter(|&h| zones.is_retained(h))
                .map(Loc::index);
            let mut previous: Option<(Activity, Loc)> = None;
            for (&activity, &loc) in diary.activities.iter().zip(&locations) {
                let state = (activity, loc);
                if previous == Some(state) {
                    continue;
                }
                previous = Some(state);
                let (Some(a), true) = (placed_index(activity), zones.is_retained(loc)) else {
                    continue;
                };
                model.pooled[a * width + loc.index()] += 1.0;
                if let Some(h) = home {
                    model.by_home[(h * k + a) * width + loc.index()] += 1.0;
                }
            }
        }
        model
    }

    /// A zone for `activity` drawn in proportion to the train visits of people living in
    /// `home` (all train visits of that activity when they have none; `home` itself when
    /// train has no visit of that activity at all). Home → `home`, Travel → `T`.
    pub fn draw(&self, rng: &mut ChaCha8Rng, home: Loc, activity: Activity) -> Loc {
        let Some(a) = placed_index(activity) else {
            return if activity == Activity::Travel {
                Loc::TRAVEL
            } else {
                home
            };
        };
        let k = PLACED.len();
        let own = (home.index() < self.width).then(|| {
            let start = (home.index() * k + a) * self.width;
            &self.by_home[start..start + self.width]
        });
        let pooled = &self.pooled[a * self.width..(a + 1) * self.width];
        own.into_iter()
            .chain([pooled])
            .find_map(|row| draw(rng, row))
            .map_or(home, |z| Loc(z as u16))
    }
}

/// Draws an index in proportion to `weights`; `None` when they sum to 0.
fn draw(rng: &mut ChaCha8Rng, weights: &[f64]) -> Option<usize> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let mut target = rng.gen::<f64>() * total;
    let mut last = None;
    for (i, &w) in weights.iter().enumerate() {
        if w <= 0.0 {
            continue;
        }
        if target < w {
            return Some(i);
        }
        target -= w;
        last = Some(i);
    }
    last
}

/// The share of spells below which a planned spell still counts as plausible.
pub const SPELL_QUANTILE: f64 = 0.99;

/// How long a spell of each activity may last in a plan, from the train split: a run of
/// n slots can come from a spell of up to n + 1 hours, so the limit is (the
/// [`SPELL_QUANTILE`] quantile of the train run lengths of that activity + 1) hours. Home
/// has no limit (a whole day at home is common). An activity train never shows is limited
/// to 1 hour.
#[derive(Debug, Clone, PartialEq)]
pub struct SpellLimits {
    /// Minutes, by `Activity::index`.
    pub max_minutes: [u32; ACTIVITIES.len()],
}

impl SpellLimits {
    pub fn fit(train: &SplitData) -> SpellLimits {
        let mut runs: [Vec<u32>; ACTIVITIES.len()] = Default::default();
        for diary in &train.diaries {
            let mut h = 0;
            while h < SLOTS {
                let a = diary.activities[h];
                let start = h;
                while h < SLOTS && diary.activities[h] == a {
                    h += 1;
                }
                runs[a.index()].push((h - start) as u32);
            }
        }
        let mut max_minutes = [0u32; ACTIVITIES.len()];
        for (a, lengths) in runs.iter_mut().enumerate() {
            lengths.sort_unstable();
            let slots = if lengths.is_empty() {
                0
            } else {
                let i = ((lengths.len() - 1) as f64 * SPELL_QUANTILE).round() as usize;
                lengths[i]
            };
            max_minutes[a] = ((slots + 1) * 60).min(1440);
        }
        max_minutes[Activity::Home.index()] = 1440;
        SpellLimits { max_minutes }
    }

    pub fn max(&self, activity: Activity) -> u32 {
        self.max_minutes[activity.index()]
    }
}
