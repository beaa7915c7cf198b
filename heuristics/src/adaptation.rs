//! Decision 3 — individual adaptation: make the retrieved routine this person's own.
//!
//! - Shift: the away-from-home part of the day (first to last non-Home slot, Travel
//!   included) moves as a unit. Activity task: not at all — the retrieved routine already
//!   carries a similar person's real timing, and a random hour of shift only blurs it.
//!   Location task: toward the typical start of the main Work/School block among the
//!   person's neighbours (institutional start times: similar people start work or school at
//!   about the same hour), by at most [`TYPICAL_START_MAX_SHIFT`] hours.
//! - Durations: the routine's own. The length of the main Work/School block and of
//!   everything after it is a real person's; a random hour more or less only blurs it.
//! - Zones (location task): Home → the person's home zone; an activity at the retrieved
//!   person's home zone → the person's home zone; other away zones are the retrieved
//!   person's real destinations, kept (retrieval draws from residents of the person's home
//!   zone, or of the nearest zones where it has too few: see
//!   [`GeneratorState::candidate_pool`](crate::state::GeneratorState::candidate_pool)).
//!
//! Each output slot remembers which reference slot it was copied from (`source`), so
//! refinement can tell the seams adaptation created from the routine's own structure.

use crate::features::Profile;
use crate::params::TYPICAL_START_MAX_SHIFT;
use mobility::{Activity, Diary, Loc, SLOTS};

/// `source` value of a slot filled in by adaptation rather than copied.
pub const FILLED: u8 = u8::MAX;

/// How adaptation shifts the away part of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShiftRule {
    /// Keep the retrieved routine's own timing (activity task).
    Keep,
    /// Toward the neighbours' typical start of the main block: the median interval (lower,
    /// upper median) of their start slots, for main blocks of the routine's main activity
    /// (location task; see [`typical_start`]).
    TowardTypicalStart(Option<(usize, usize)>),
}

/// The median interval (lower, upper median) of the start slots of the main blocks of
/// `activity` among `diaries` (diaries whose main block is of another activity, or that have
/// none, are ignored); `None` when no diary has one.
pub fn typical_start<'a>(
    diaries: impl Iterator<Item = &'a Diary>,
    activity: Activity,
) -> Option<(usize, usize)> {
    let mut starts: Vec<usize> = diaries
        .filter_map(|d| main_block(d).filter(|&(s, _)| d.activities[s] == activity))
        .map(|(s, _)| s)
        .collect();
    if starts.is_empty() {
        return None;
    }
    starts.sort_unstable();
    let n = starts.len();
    Some((starts[(n - 1) / 2], starts[n / 2]))
}

/// Hours (signed, at most `max` either way) that move `slot` into `interval`.
fn hours_toward(slot: usize, (lower, upper): (usize, usize), max: usize) -> i32 {
    let gap = if slot < lower {
        (lower - slot) as i32
    } else if slot > upper {
        -((slot - upper) as i32)
    } else {
        0
    };
    gap.clamp(-(max as i32), max as i32)
}

/// What the adaptation decision did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adaptation {
    /// Hours the away part moved (negative = earlier).
    pub shift: i8,
    /// For each output slot, the reference slot it was copied from, or [`FILLED`].
    pub source: [u8; SLOTS],
}

/// Adapts `reference` (retrieved from someone whose home zone was `reference_home`).
pub fn adapt(
    reference: &Diary,
    reference_home: Option<Loc>,
    profile: &Profile,
    shift_rule: ShiftRule,
) -> (Diary, Adaptation) {
    let mut diary = *reference;
    let mut record = Adaptation {
        shift: 0,
        source: std::array::from_fn(|h| h as u8),
    };
    let delta = match shift_rule {
        ShiftRule::Keep => 0,
        ShiftRule::TowardTypicalStart(typical) => typical
            .zip(main_block(&diary))
            .map_or(0, |(interval, (start, _))| {
                hours_toward(start, interval, TYPICAL_START_MAX_SHIFT)
            }),
    };
    for _ in 0..delta.abs() {
        if !shift_away_part(&mut diary, &mut record.source, delta.signum()) {
            break;
        }
        record.shift += delta.signum() as i8;
    }
    if let Some(home) = profile.home_zone {
        adapt_zones(&mut diary, reference_home, home);
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

/// The longest run of Work or School (the first when tied): (start, end) inclusive.
pub fn main_block(diary: &Diary) -> Option<(usize, usize)> {
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

/// Re-homes the routine's zones: Home at `home`, Travel at `T`, and what the retrieved
/// person did at their own home zone (`reference_home`) at `home`; other places are kept.
fn adapt_zones(diary: &mut Diary, reference_home: Option<Loc>, home: Loc) {
    let Some(locations) = diary.locations.as_mut() else {
        return;
    };
    for (activity, loc) in diary.activities.iter().zip(locations.iter_mut()) {
        match activity {
            Activity::Home => *loc = home,
            Activity::Travel => *loc = Loc::TRAVEL,
            _ if Some(*loc) == reference_home => *loc = home,
            _ => {}
        }
    }
}
