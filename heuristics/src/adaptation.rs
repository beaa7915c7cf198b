//! Decision 3 — individual adaptation: make the retrieved routine this person's own.
//!
//! - Shift: with [`SHIFT_PROBABILITY`], the away-from-home part of the day (first to last
//!   non-Home slot, Travel included) moves one hour earlier or later as a unit.
//! - Stretch: with [`STRETCH_PROBABILITY`], the main Work/School block gets one hour longer
//!   or shorter; the rest of the away part moves with its end.
//! - Zones (location task): Home → the person's home zone; an activity at the retrieved
//!   person's home zone → the person's home zone; other away zones are kept when the
//!   retrieved person lived in the same zone, else each is re-drawn with
//!   [`ZONE_REDRAW_PROBABILITY`] from the destination choice of the person's home zone.
//!
//! Each output slot remembers which reference slot it was copied from (`source`), so
//! refinement can tell the seams adaptation created from the routine's own structure.

use crate::destinations::DestinationChoice;
use crate::features::Profile;
use crate::params::{SHIFT_PROBABILITY, STRETCH_PROBABILITY, ZONE_REDRAW_PROBABILITY};
use mobility::{Activity, Diary, Loc, SLOTS};
use rand::Rng;

/// `source` value of a slot filled in by adaptation rather than copied.
pub const FILLED: u8 = u8::MAX;

/// What the adaptation decision did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adaptation {
    /// Hours the away part moved (−1, 0, +1).
    pub shift: i8,
    /// Hours added to the main Work/School block (−1, 0, +1).
    pub stretch: i8,
    /// Away zones re-drawn from destination choice.
    pub zones_redrawn: u8,
    /// For each output slot, the reference slot it was copied from, or [`FILLED`].
    pub source: [u8; SLOTS],
}

/// Adapts `reference` (retrieved from someone whose home zone was `reference_home`).
pub fn adapt(
    reference: &Diary,
    reference_home: Option<Loc>,
    profile: &Profile,
    destinations: Option<&DestinationChoice>,
    rng: &mut impl Rng,
) -> (Diary, Adaptation) {
    let mut diary = *reference;
    let mut record = Adaptation {
        shift: 0,
        stretch: 0,
        zones_redrawn: 0,
        source: std::array::from_fn(|h| h as u8),
    };
    if rng.gen_bool(SHIFT_PROBABILITY) {
        let delta = if rng.gen_bool(0.5) { 1 } else { -1 };
        if shift_away_part(&mut diary, &mut record.source, delta) {
            record.shift = delta as i8;
        }
    }
    if rng.gen_bool(STRETCH_PROBABILITY) {
        let delta = if rng.gen_bool(0.5) { 1 } else { -1 };
        if stretch_main_block(&mut diary, &mut record.source, delta) {
            record.stretch = delta as i8;
        }
    }
    if let (Some(home), Some(destinations)) = (profile.home_zone, destinations) {
        record.zones_redrawn = adapt_zones(&mut diary, reference_home, home, destinations, rng);
    }
    (diary, record)
}

/// First and last non-Home slot.
fn away_span(diary: &Diary) -> Option<(usize, usize)> {
    let first = diary.activities.iter().position(|&a| a != Activity::Home)?;
    let last = diary
        .activities
        .iter()
        .rposition(|&a| a != Activity::Home)?;
    Some((first, last))
}

/// Moves slots `from..=to` by `delta` (±1) and fills the vacated slot with Home (at the
/// location of the Home slot it is next to). The slot overwritten at the far end must be
/// Home for the move to be allowed; returns whether it happened.
fn move_slots(
    diary: &mut Diary,
    source: &mut [u8; SLOTS],
    from: usize,
    to: usize,
    delta: i32,
) -> bool {
    let (vacated, overwritten) = if delta > 0 {
        (from, to + 1)
    } else {
        (to, from.wrapping_sub(1))
    };
    if overwritten >= SLOTS || diary.activities[overwritten] != Activity::Home {
        return false;
    }
    let home_location = diary.locations.map(|l| l[overwritten]);
    let order: Vec<usize> = if delta > 0 {
        (from..=to).rev().collect()
    } else {
        (from..=to).collect()
    };
    for h in order {
        let target = (h as i32 + delta) as usize;
        diary.activities[target] = diary.activities[h];
        if let Some(l) = diary.locations.as_mut() {
            l[target] = l[h];
        }
        source[target] = source[h];
    }
    diary.activities[vacated] = Activity::Home;
    if let (Some(l), Some(home)) = (diary.locations.as_mut(), home_location) {
        l[vacated] = home;
    }
    source[vacated] = FILLED;
    true
}

fn shift_away_part(diary: &mut Diary, source: &mut [u8; SLOTS], delta: i32) -> bool {
    match away_span(diary) {
        Some((first, last)) => move_slots(diary, source, first, last, delta),
        None => false,
    }
}

/// The longest run of Work or School: (start, end) inclusive.
fn main_block(diary: &Diary) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut h = 0;
    while h < SLOTS {
        let a = diary.activities[h];
        let mut end = h;
        while end + 1 < SLOTS && diary.activities[end + 1] == a {
            end += 1;
        }
        if matches!(a, Activity::Work | Activity::School)
            && best.is_none_or(|(s, e)| end - h > e - s)
        {
            best = Some((h, end));
        }
        h = end + 1;
    }
    best
}

/// Lengthens (+1) or shortens (−1) the main block: everything after it up to the last
/// non-Home slot moves with its end.
fn stretch_main_block(diary: &mut Diary, source: &mut [u8; SLOTS], delta: i32) -> bool {
    let (Some((start, end)), Some((_, last))) = (main_block(diary), away_span(diary)) else {
        return false;
    };
    if delta > 0 {
        if last + 1 >= SLOTS || diary.activities[last + 1] != Activity::Home {
            return false;
        }
        if end < last && !move_slots(diary, source, end + 1, last, 1) {
            return false;
        }
        // The block's own activity and place fill the slot its end moved into.
        diary.activities[end + 1] = diary.activities[end];
        if let Some(l) = diary.locations.as_mut() {
            l[end + 1] = l[end];
        }
        source[end + 1] = source[end];
        true
    } else {
        if end == start {
            return false;
        }
        if end < last {
            // Drop the block's last slot: the tail moves one earlier, Home fills its end.
            let home_location = diary.locations.map(|l| l[(last + 1).min(SLOTS - 1)]);
            for h in end..last {
                diary.activities[h] = diary.activities[h + 1];
                if let Some(l) = diary.locations.as_mut() {
                    l[h] = l[h + 1];
                }
                source[h] = source[h + 1];
            }
            diary.activities[last] = Activity::Home;
            if let (Some(l), Some(home)) = (diary.locations.as_mut(), home_location) {
                l[last] = home;
            }
            source[last] = FILLED;
        } else {
            diary.activities[end] = Activity::Home;
            source[end] = FILLED;
        }
        true
    }
}

/// Re-homes the routine's zones; returns how many away zones were re-drawn.
fn adapt_zones(
    diary: &mut Diary,
    reference_home: Option<Loc>,
    home: Loc,
    destinations: &DestinationChoice,
    rng: &mut impl Rng,
) -> u8 {
    let Some(locations) = diary.locations.as_mut() else {
        return 0;
    };
    let same_home = reference_home == Some(home);
    // Each distinct away zone of the routine maps to one zone, so repeated visits stay together.
    let mut mapping: Vec<(Loc, Loc)> = Vec::new();
    let mut redrawn = 0;
    for (activity, loc) in diary.activities.iter().zip(locations.iter_mut()) {
        match activity {
            Activity::Home => *loc = home,
            Activity::Travel => *loc = Loc::TRAVEL,
            _ if Some(*loc) == reference_home => *loc = home,
            _ if same_home => {}
            _ => {
                if let Some(&(_, to)) = mapping.iter().find(|(from, _)| from == loc) {
                    *loc = to;
                    continue;
                }
                let from = *loc;
                if rng.gen_bool(ZONE_REDRAW_PROBABILITY) {
                    if let Some(to) = destinations.draw(home, *activity, rng) {
                        *loc = to;
                        redrawn += 1;
                    }
                }
                mapping.push((from, *loc));
            }
        }
    }
    redrawn
}
