//! Decision 4 — behavioural refinement: enforce a coherent day.
//!
//! Rules, in order (each counts its fixes in [`Fixes`]):
//! 1. `weekend_school`: a non-student's School on a weekend becomes Others (same place).
//! 2. Location task: `home_zone` Home is at the home zone; `travel_zone` Travel is at `T`;
//!    `invalid_zone` any other activity at `T` or outside the benchmark's zones moves to the
//!    home zone.
//!
//! Work is never taken out of the night: adaptation moves a day by at most an hour, and only
//! toward the typical start of the person's neighbours, so a work day moved into the night
//! is one whose similar workers start at night.
//!
//! No Travel is inserted anywhere: adaptation moves the away part of the day only as a
//! whole, so every change of place in the output is one the real routine made itself, with
//! or without a Travel hour (a trip shorter than the hour leaves none).

use crate::features::Profile;
use mobility::{Activity, DayType, Diary, Group, Loc, ZoneTable, SLOTS};

/// How many slots each rule changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fixes {
    /// Rule 1.
    pub weekend_school: u8,
    /// Rule 2, Home slots moved to the home zone.
    pub home_zone: u8,
    /// Rule 2, Travel slots set to `T`.
    pub travel_zone: u8,
    /// Rule 2, other slots moved off `T` or an unknown zone.
    pub invalid_zone: u8,
}

impl Fixes {
    /// Every counter with its name, in rule order.
    pub fn named(&self) -> [(&'static str, u8); 4] {
        [
            ("weekend_school", self.weekend_school),
            ("home_zone", self.home_zone),
            ("travel_zone", self.travel_zone),
            ("invalid_zone", self.invalid_zone),
        ]
    }
}

/// Applies every rule to the adapted `diary`.
pub fn refine(diary: &mut Diary, profile: &Profile, zones: Option<&ZoneTable>) -> Fixes {
    let mut fixes = Fixes {
        weekend_school: weekend_school_to_others(diary, profile),
        ..Fixes::default()
    };
    if let (Some(zones), Some(home)) = (zones, profile.home_zone) {
        (fixes.home_zone, fixes.travel_zone, fixes.invalid_zone) =
            enforce_locations(diary, home, zones);
    }
    fixes
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
