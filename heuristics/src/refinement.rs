//! Decision 4 — behavioural refinement: enforce a coherent day.
//!
//! Rules, in order (each counts its fixes in [`Fixes`]):
//! 1. `night_work`: Work that adaptation moved into the night (slots
//!    [`NIGHT_EVENING_START`]..24 and 0..[`NIGHT_MORNING_END`]) becomes Home, unless the
//!    reference routine is a night shift (≥ [`NIGHT_SHIFT_MIN_SLOTS`] night Work slots).
//! 2. `weekend_school`: a non-student's School on a weekend becomes Others (same place).
//! 3. `travel_inserted`: at a seam created by adaptation where the day changes place
//!    directly (two different non-Travel activities, or zones), the last slot of the
//!    earlier block becomes Travel with [`TRAVEL_INSERT_PROBABILITY`] if that block is
//!    longer than one slot.
//! 4. Location task: `home_zone` Home is at the home zone; `travel_zone` Travel is at `T`;
//!    `invalid_zone` any other activity at `T` or outside the benchmark's zones moves to the
//!    home zone.

use crate::adaptation::FILLED;
use crate::features::Profile;
use crate::params::{
    NIGHT_EVENING_START, NIGHT_MORNING_END, NIGHT_SHIFT_MIN_SLOTS, TRAVEL_INSERT_PROBABILITY,
};
use mobility::{Activity, DayType, Diary, Group, Loc, ZoneTable, SLOTS};
use rand::Rng;

/// How many slots each rule changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fixes {
    /// Rule 1.
    pub night_work: u8,
    /// Rule 2.
    pub weekend_school: u8,
    /// Rule 3.
    pub travel_inserted: u8,
    /// Rule 4, Home slots moved to the home zone.
    pub home_zone: u8,
    /// Rule 4, Travel slots set to `T`.
    pub travel_zone: u8,
    /// Rule 4, other slots moved off `T` or an unknown zone.
    pub invalid_zone: u8,
}

impl Fixes {
    /// Every counter with its name, in rule order.
    pub fn named(&self) -> [(&'static str, u8); 6] {
        [
            ("night_work", self.night_work),
            ("weekend_school", self.weekend_school),
            ("travel_inserted", self.travel_inserted),
            ("home_zone", self.home_zone),
            ("travel_zone", self.travel_zone),
            ("invalid_zone", self.invalid_zone),
        ]
    }
}

/// Whether slot `hour` is in the night window of the night-work rule.
pub fn is_night(hour: usize) -> bool {
    // Night is everything outside the day window NIGHT_MORNING_END..NIGHT_EVENING_START.
    !(NIGHT_MORNING_END..NIGHT_EVENING_START).contains(&hour)
}

/// Applies every rule to `diary` (adapted from `reference`, with `source` from adaptation).
pub fn refine(
    diary: &mut Diary,
    reference: &Diary,
    source: &[u8; SLOTS],
    profile: &Profile,
    zones: Option<&ZoneTable>,
    rng: &mut impl Rng,
) -> Fixes {
    let mut fixes = Fixes {
        night_work: undo_night_work(diary, reference, source, profile),
        weekend_school: weekend_school_to_others(diary, profile),
        travel_inserted: travel_at_direct_seams(diary, source, rng),
        ..Fixes::default()
    };
    if let (Some(zones), Some(home)) = (zones, profile.home_zone) {
        (fixes.home_zone, fixes.travel_zone, fixes.invalid_zone) =
            enforce_locations(diary, home, zones);
    }
    fixes
}

fn undo_night_work(
    diary: &mut Diary,
    reference: &Diary,
    source: &[u8; SLOTS],
    profile: &Profile,
) -> u8 {
    let reference_night_work = (0..SLOTS)
        .filter(|&h| is_night(h) && reference.activities[h] == Activity::Work)
        .count();
    if reference_night_work >= NIGHT_SHIFT_MIN_SLOTS {
        return 0;
    }
    let mut fixed = 0;
    for h in (0..SLOTS).filter(|&h| is_night(h)) {
        let moved = source[h] != h as u8;
        if moved && diary.activities[h] == Activity::Work {
            diary.activities[h] = Activity::Home;
            if let (Some(l), Some(home)) = (diary.locations.as_mut(), profile.home_zone) {
                l[h] = home;
            }
            fixed += 1;
        }
    }
    fixed
}

fn weekend_school_to_others(diary: &mut Diary, profile: &Profile) -> u8 {
    if profile.segment.group == Group::Student || profile.segment.day_type != DayType::Weekend {
        return 0;
    }
    let mut fixed = 0;
    for a in diary
        .activities
        .iter_mut()
        .filter(|a| **a == Activity::School)
    {
        *a = Activity::Others;
        fixed += 1;
    }
    fixed
}

/// Whether slots `h - 1` and `h` are at different places with no Travel between.
fn direct_change(diary: &Diary, h: usize) -> bool {
    let (a, b) = (diary.activities[h - 1], diary.activities[h]);
    if a == Activity::Travel || b == Activity::Travel {
        return false;
    }
    match diary.locations {
        Some(l) => l[h - 1] != l[h],
        None => a != b,
    }
}

fn travel_at_direct_seams(diary: &mut Diary, source: &[u8; SLOTS], rng: &mut impl Rng) -> u8 {
    let mut inserted = 0;
    for h in 1..SLOTS {
        let seam = source[h - 1] == FILLED
            || source[h] == FILLED
            || source[h] != source[h - 1].wrapping_add(1);
        let block_longer_than_one = h >= 2 && diary.activities[h - 2] == diary.activities[h - 1];
        if seam
            && block_longer_than_one
            && direct_change(diary, h)
            && rng.gen_bool(TRAVEL_INSERT_PROBABILITY)
        {
            diary.activities[h - 1] = Activity::Travel;
            if let Some(l) = diary.locations.as_mut() {
                l[h - 1] = Loc::TRAVEL;
            }
            inserted += 1;
        }
    }
    inserted
}

fn enforce_locations(diary: &mut Diary, home: Loc, zones: &ZoneTable) -> (u8, u8, u8) {
    let (mut home_fixes, mut travel_fixes, mut invalid_fixes) = (0, 0, 0);
    let locations = diary.locations.get_or_insert([home; SLOTS]);
    for (activity, loc) in diary.activities.iter().zip(locations.iter_mut()) {
        match activity {
            Activity::Home if *loc != home => {
                *loc = home;
                home_fixes += 1;
            }
            Activity::Travel if *loc != Loc::TRAVEL => {
                *loc = Loc::TRAVEL;
                travel_fixes += 1;
            }
            Activity::Work | Activity::School | Activity::Others if !zones.is_retained(*loc) => {
                *loc = home;
                invalid_fixes += 1;
            }
            _ => {}
        }
    }
    (home_fixes, travel_fixes, invalid_fixes)
}
