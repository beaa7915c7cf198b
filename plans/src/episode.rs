//! From 24 hourly slots to episodes: maximal runs of one activity at one place, and the
//! trips between them.

use mobility::{Activity, Diary, Loc, SLOTS};

/// Minutes in the diary day; slot h covers minutes [60h, 60h + 60).
pub const DAY_MINUTES: u16 = (SLOTS * 60) as u16;

/// One activity episode or one trip (`activity` = Travel) of a diary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Episode {
    pub activity: Activity,
    /// Start, in minutes after midnight (a multiple of 60).
    pub start: u16,
    /// End, in minutes after midnight (`start` for an instantaneous trip, at most 1440).
    pub end: u16,
    /// The zone (location task): the slots' zone, [`Loc::TRAVEL`] for a trip; `None` in
    /// the activity task.
    pub zone: Option<Loc>,
}

impl Episode {
    pub fn is_trip(&self) -> bool {
        self.activity == Activity::Travel
    }
}

/// The episodes of a diary, in time order: each maximal run of slots with the same
/// activity (and, in the location task, the same zone) is one episode, a run of Travel
/// slots is one trip. Where two activity episodes meet without a Travel slot between
/// them (a change of activity or zone within the hour grid), an instantaneous trip
/// (start = end) is inserted, so activities and trips alternate as travel-diary formats
/// (MATSim, pam) require. Covering the slots of every episode gives back the diary.
pub fn episodes(diary: &Diary) -> Vec<Episode> {
    // A Travel slot is at `T` whatever zone it carries, so a trip is one run.
    let state = |h: usize| {
        let activity = diary.activities[h];
        let zone = diary.locations.map(|locations| {
            if activity == Activity::Travel {
                Loc::TRAVEL
            } else {
                locations[h]
            }
        });
        (activity, zone)
    };
    let mut out: Vec<Episode> = Vec::with_capacity(12);
    let mut run_start = 0usize;
    for h in 1..=SLOTS {
        if h < SLOTS && state(h) == state(run_start) {
            continue;
        }
        let (activity, zone) = state(run_start);
        let episode = Episode {
            activity,
            start: (run_start * 60) as u16,
            end: (h * 60) as u16,
            zone,
        };
        if let Some(previous) = out.last() {
            if !previous.is_trip() && !episode.is_trip() {
                out.push(Episode {
                    activity: Activity::Travel,
                    start: episode.start,
                    end: episode.start,
                    zone: zone.map(|_| Loc::TRAVEL),
                });
            }
        }
        out.push(episode);
        run_start = h;
    }
    out
}
