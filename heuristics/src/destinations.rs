//! Destination choice for the location task: P(zone | home zone, activity) over zones other
//! than the home zone, from the training diaries' fixed non-home slots, shrunk towards the
//! global P(zone | activity) by [`ZONE_CHOICE_SHRINKAGE`].

use crate::params::ZONE_CHOICE_SHRINKAGE;
use crate::state::Routine;
use mobility::{Activity, Loc, ZoneTable};
use rand::Rng;

/// The activities that take a destination zone.
pub const AWAY_ACTIVITIES: [Activity; 3] = [Activity::Work, Activity::School, Activity::Others];

fn away_index(activity: Activity) -> Option<usize> {
    AWAY_ACTIVITIES.iter().position(|&a| a == activity)
}

/// Cumulative destination weights per (home zone, activity).
#[derive(Debug, Clone)]
pub struct DestinationChoice {
    /// Number of retained zones; zone `Loc(z)` has weight index `z - 1`.
    zones: usize,
    /// `[(home - 1) * 3 + activity]` → cumulative weights over zones (home zone excluded).
    cumulative: Vec<Vec<f64>>,
}

impl DestinationChoice {
    /// Counts away-from-home slots of the training routines.
    pub fn build(routines: &[Routine], zone_table: &ZoneTable) -> DestinationChoice {
        let zones = zone_table.retained_count();
        let mut by_home = vec![vec![vec![0.0; zones]; AWAY_ACTIVITIES.len()]; zones];
        let mut global = vec![vec![0.0; zones]; AWAY_ACTIVITIES.len()];
        for routine in routines {
            let (Some(home), Some(locations)) =
                (routine.profile.home_zone, routine.diary.locations)
            else {
                continue;
            };
            for (&activity, &loc) in routine.diary.activities.iter().zip(&locations) {
                let Some(a) = away_index(activity) else {
                    continue;
                };
                if loc == home || !zone_table.is_retained(loc) || !zone_table.is_retained(home) {
                    continue;
                }
                by_home[home.index() - 1][a][loc.index() - 1] += 1.0;
                global[a][loc.index() - 1] += 1.0;
            }
        }
        let mut cumulative = Vec::with_capacity(zones * AWAY_ACTIVITIES.len());
        for (h, home_counts) in by_home.iter().enumerate() {
            for (a, counts) in home_counts.iter().enumerate() {
                let global_total: f64 = global[a].iter().sum();
                let mut running = 0.0;
                let weights = (0..zones).map(|z| {
                    if z == h {
                        return 0.0;
                    }
                    let prior = if global_total > 0.0 {
                        global[a][z] / global_total
                    } else {
                        1.0
                    };
                    counts[z] + ZONE_CHOICE_SHRINKAGE * prior
                });
                cumulative.push(
                    weights
                        .map(|w| {
                            running += w;
                            running
                        })
                        .collect(),
                );
            }
        }
        DestinationChoice { zones, cumulative }
    }

    /// Draws a destination other than `home` for `activity` (an away activity). `None` if
    /// there is no evidence at all.
    pub fn draw(&self, home: Loc, activity: Activity, rng: &mut impl Rng) -> Option<Loc> {
        let a = away_index(activity)?;
        if home.index() == 0 || home.index() > self.zones {
            return None;
        }
        let cumulative = &self.cumulative[(home.index() - 1) * AWAY_ACTIVITIES.len() + a];
        let total = *cumulative.last()?;
        if total <= 0.0 {
            return None;
        }
        let draw = rng.gen::<f64>() * total;
        let z = cumulative.partition_point(|&c| c <= draw);
        Some(Loc((z.min(self.zones - 1) + 1) as u16))
    }
}
