//! Decision 1 — travel participation: does this person leave home today?
//!
//! The probability is the training share of people with any non-Home slot in the person's
//! segment and age band, shrunk towards the segment's share when the band is thin.

use crate::features::Profile;
use crate::params::{PARTICIPATION_AGE_BAND_YEARS, PARTICIPATION_SHRINKAGE};
use crate::state::Routine;
use mobility::Segment;
use rand::Rng;

/// Oldest age with its own band; older people share the last band.
const OLDEST_BANDED_AGE: usize = 100;

/// Training counts of mobile and all people per segment and age band.
#[derive(Debug, Clone)]
pub struct ParticipationRates {
    /// `[segment]` → (mobile, total).
    segment: [(f64, f64); Segment::COUNT],
    /// `[segment][band]` → (mobile, total); the last band holds unknown ages.
    bands: Vec<Vec<(f64, f64)>>,
}

/// What the participation decision did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Participation {
    /// Probability of leaving home.
    pub probability: f64,
    /// The uniform draw compared with it.
    pub draw: f64,
    /// `draw < probability`.
    pub participates: bool,
}

fn band_count() -> usize {
    OLDEST_BANDED_AGE / PARTICIPATION_AGE_BAND_YEARS.max(1) + 2
}

fn band(profile: &Profile) -> usize {
    match profile.age_years() {
        Some(age) => ((age as usize).min(OLDEST_BANDED_AGE) / PARTICIPATION_AGE_BAND_YEARS.max(1))
            .min(band_count() - 2),
        None => band_count() - 1,
    }
}

impl ParticipationRates {
    /// Counts from the training routines.
    pub fn build(routines: &[Routine]) -> ParticipationRates {
        let mut rates = ParticipationRates {
            segment: [(0.0, 0.0); Segment::COUNT],
            bands: vec![vec![(0.0, 0.0); band_count()]; Segment::COUNT],
        };
        for routine in routines {
            let mobile = if routine.is_mobile() { 1.0 } else { 0.0 };
            let s = routine.profile.segment.index();
            let b = band(&routine.profile);
            rates.segment[s].0 += mobile;
            rates.segment[s].1 += 1.0;
            rates.bands[s][b].0 += mobile;
            rates.bands[s][b].1 += 1.0;
        }
        rates
    }

    /// Probability that a person with this profile leaves home.
    pub fn probability(&self, profile: &Profile) -> f64 {
        let s = profile.segment.index();
        let (seg_mobile, seg_total) = self.segment[s];
        let segment_rate = if seg_total > 0.0 {
            seg_mobile / seg_total
        } else {
            1.0
        };
        let (mobile, total) = self.bands[s][band(profile)];
        let weight = total + PARTICIPATION_SHRINKAGE;
        if weight <= 0.0 {
            return segment_rate;
        }
        (mobile + PARTICIPATION_SHRINKAGE * segment_rate) / weight
    }
}

/// Draws the participation decision.
pub fn decide(rates: &ParticipationRates, profile: &Profile, rng: &mut impl Rng) -> Participation {
    let probability = rates.probability(profile);
    let draw: f64 = rng.gen();
    Participation {
        probability,
        draw,
        participates: draw < probability,
    }
}
