//! A day plan: activities and the trips between them, alternating, starting and ending
//! with an activity (the shape of a MATSim plan and of a pam travel diary).

use crate::episode::{Episode, DAY_MINUTES};
use mobility::{Activity, Loc};

/// One activity of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedActivity {
    pub activity: Activity,
    /// Start and end in minutes after midnight (0 and 1440 for the day's bounds).
    pub start: u16,
    pub end: u16,
    /// The activity's zone (location task).
    pub zone: Option<Loc>,
}

/// One trip of a plan: from the activity before it to the activity after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trip {
    /// Departure and arrival in minutes after midnight (equal for an instantaneous trip).
    pub start: u16,
    pub end: u16,
}

/// Activities `a0, a1, …, an` and trips `t1, …, tn`, trip `ti` going from `a(i-1)` to `ai`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub activities: Vec<PlannedActivity>,
    pub trips: Vec<Trip>,
}

/// The plan of a diary's episodes ([`crate::episodes`]). A day that starts (ends) with a
/// trip gets an instantaneous Home activity at `home` before (after) it, at minute 0
/// (1440): a plan starts and ends with an activity, and a trip under way at midnight is
/// taken to come from (go to) home.
pub fn plan(episodes: &[Episode], home: Option<Loc>) -> Plan {
    let home_at = |minute: u16| PlannedActivity {
        activity: Activity::Home,
        start: minute,
        end: minute,
        zone: home,
    };
    let mut activities = Vec::with_capacity(episodes.len() / 2 + 2);
    let mut trips = Vec::with_capacity(episodes.len() / 2 + 1);
    if episodes.first().is_some_and(Episode::is_trip) {
        activities.push(home_at(0));
    }
    for e in episodes {
        if e.is_trip() {
            trips.push(Trip {
                start: e.start,
                end: e.end,
            });
        } else {
            activities.push(PlannedActivity {
                activity: e.activity,
                start: e.start,
                end: e.end,
                zone: e.zone,
            });
        }
    }
    if episodes.last().is_some_and(Episode::is_trip) {
        activities.push(home_at(DAY_MINUTES));
    }
    debug_assert_eq!(activities.len(), trips.len() + 1);
    Plan { activities, trips }
}
