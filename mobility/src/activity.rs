//! The five activity labels shared by both tasks.

use std::fmt;

/// What a person does during one hourly slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Activity {
    Home = 0,
    Work = 1,
    School = 2,
    Others = 3,
    Travel = 4,
}

/// All activities, in index order (`Activity as usize`).
pub const ACTIVITIES: [Activity; 5] = [
    Activity::Home,
    Activity::Work,
    Activity::School,
    Activity::Others,
    Activity::Travel,
];

/// Tie-break order of the slot rule: when two activities fill the same number of
/// minutes of an hour, the earlier one in this list wins (BENCHMARKS.md).
pub const SLOT_TIE_ORDER: [Activity; 5] = [
    Activity::Travel,
    Activity::Work,
    Activity::School,
    Activity::Others,
    Activity::Home,
];

impl Activity {
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(index: usize) -> Activity {
        ACTIVITIES[index]
    }

    pub fn name(self) -> &'static str {
        match self {
            Activity::Home => "Home",
            Activity::Work => "Work",
            Activity::School => "School",
            Activity::Others => "Others",
            Activity::Travel => "Travel",
        }
    }

    /// Parses an exact label (`Home`, `Work`, `School`, `Others`, `Travel`).
    pub fn parse(label: &str) -> Option<Activity> {
        ACTIVITIES.into_iter().find(|a| a.name() == label)
    }

    /// Rank in [`SLOT_TIE_ORDER`] (0 wins ties).
    pub fn tie_rank(self) -> usize {
        SLOT_TIE_ORDER.iter().position(|&a| a == self).unwrap()
    }
}

impl fmt::Display for Activity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
