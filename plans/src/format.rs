//! The output formats and what a person's day looks like to their writers.

use crate::episode::{episodes, Episode};
use crate::places::{Crs, Point, ZoneLocations};
use crate::plan::{plan, Plan};
use mobility::{Activity, Diary, Person, ZoneTable};

/// An output format of `generate --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// The diaries CSV: `person_id,h00..h23[,l00..l23]` (README "Diaries format").
    Slots,
    /// One row per activity episode and per trip ([`crate::write::episodes`]).
    Episodes,
    /// A MATSim population, plans v6 ([`crate::write::matsim`]); location task only.
    Matsim,
    /// A trips table in pam's travel-diary layout ([`crate::write::pam`]).
    Pam,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Slots, Format::Episodes, Format::Matsim, Format::Pam];

    pub fn name(self) -> &'static str {
        match self {
            Format::Slots => "slots",
            Format::Episodes => "episodes",
            Format::Matsim => "matsim",
            Format::Pam => "pam",
        }
    }

    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The file name ending a file of this format usually has (before any `.gz`).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Matsim => "xml",
            _ => "csv",
        }
    }
}

/// The lower-case activity type written in plans (`home`, `work`, `school`, `others`).
pub fn activity_type(activity: Activity) -> &'static str {
    match activity {
        Activity::Home => "home",
        Activity::Work => "work",
        Activity::School => "school",
        Activity::Others => "others",
        Activity::Travel => "travel",
    }
}

/// What every writer needs besides the people: zone codes, the CRS and the leg mode.
#[derive(Debug, Clone, Copy)]
pub struct Layout<'a> {
    /// The benchmark's zones (location task).
    pub zones: Option<&'a ZoneTable>,
    /// The CRS of the coordinates, when the output carries coordinates.
    pub crs: Option<&'a Crs>,
    /// The mode written on every trip (`car` by default).
    pub mode: &'a str,
}

impl Layout<'_> {
    /// A zone's code, empty without zones.
    pub fn zone_code(&self, zone: Option<mobility::Loc>) -> &str {
        match (self.zones, zone) {
            (Some(zones), Some(z)) => zones.code(z),
            _ => "",
        }
    }
}

/// One person's day as the writers see it.
#[derive(Debug, Clone)]
pub struct Day<'a> {
    pub person: &'a Person,
    pub episodes: Vec<Episode>,
    pub plan: Plan,
    /// A point per activity of `plan` (location task with observed locations).
    pub places: Vec<Option<Point>>,
}

impl<'a> Day<'a> {
    /// The day of `person` from their diary; places drawn when `locations` is given.
    pub fn new(
        person: &'a Person,
        diary: &Diary,
        locations: Option<&ZoneLocations>,
        seed: u64,
        home: Option<Point>,
    ) -> Day<'a> {
        let episodes = episodes(diary);
        let home_zone = diary.locations.and(person.home_zone);
        let plan = plan(&episodes, home_zone);
        let places = match locations {
            Some(l) => l.place(&plan, &person.id, seed, home),
            None => vec![None; plan.activities.len()],
        };
        Day {
            person,
            episodes,
            plan,
            places,
        }
    }

    /// The place of each episode (`None` for trips): the episodes' activities are the
    /// plan's, less a closing Home added before a day that starts with a trip.
    pub fn episode_places(&self) -> impl Iterator<Item = (&Episode, Option<Point>)> + '_ {
        let mut next = usize::from(self.episodes.first().is_some_and(Episode::is_trip));
        self.episodes.iter().map(move |e| {
            if e.is_trip() {
                (e, None)
            } else {
                let p = self.places.get(next).copied().flatten();
                next += 1;
                (e, p)
            }
        })
    }
}
