//! The slot rule of BENCHMARKS.md: within each clock hour, sum the seconds of each state
//! (activity, and zone in the location task) over all intervals touching the hour; the
//! slot takes the state with the most time. Ties go to the first activity of Travel,
//! Work, School, Others, Home; a remaining tie (same activity, different zones) goes to
//! the state that appears first in the hour.
//!
//! Intervals are given in diary time (seconds after the diary start) and are cut to the
//! diary day `[0, 24 h)`; diary second t falls in clock hour
//! `((t + diary_start) mod 24 h) / 1 h`, so a diary starting at 04:00 fills slots 00–03
//! with its last four hours.

use crate::time_format::DAY_SECONDS;
use mobility::{Activity, SLOTS};

/// What a person is doing and where; `zone` is 0 for Travel (`T`) and in the activity
/// task, else a 1-based index into the zone set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct State {
    pub activity: Activity,
    pub zone: u16,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    state: State,
    seconds: i64,
    /// Earliest second of the clock hour (0..3600) at which the state appears.
    first: i64,
}

/// Collects intervals of one diary and resolves them into 24 slots.
#[derive(Debug, Clone)]
pub struct SlotAccumulator {
    diary_start: i64,
    hours: [Vec<Entry>; SLOTS],
}

impl SlotAccumulator {
    /// `diary_start`: seconds after midnight at which diary time 0 stands.
    pub fn new(diary_start: i64) -> SlotAccumulator {
        SlotAccumulator {
            diary_start,
            hours: Default::default(),
        }
    }

    /// Adds `[start, end)` (diary seconds) in `state`; the part outside the diary day is
    /// ignored.
    pub fn add(&mut self, start: i64, end: i64, state: State) {
        let mut t = start.max(0);
        let end = end.min(DAY_SECONDS);
        while t < end {
            let clock = (t + self.diary_start).rem_euclid(DAY_SECONDS);
            let hour = (clock / 3600) as usize;
            let within = clock % 3600;
            let stop = end.min(t + 3600 - within);
            let slot = &mut self.hours[hour];
            match slot.iter_mut().find(|e| e.state == state) {
                Some(e) => {
                    e.seconds += stop - t;
                    e.first = e.first.min(within);
                }
                None => slot.push(Entry {
                    state,
                    seconds: stop - t,
                    first: within,
                }),
            }
            t = stop;
        }
    }

    /// The winning state of each hour, or `Err(hour)` for the first hour with no time.
    pub fn resolve(&self) -> Result<[State; SLOTS], usize> {
        let mut out = [State {
            activity: Activity::Home,
            zone: 0,
        }; SLOTS];
        for (h, entries) in self.hours.iter().enumerate() {
            let best = entries
                .iter()
                .filter(|e| e.seconds > 0)
                .min_by_key(|e| (-e.seconds, e.state.activity.tie_rank(), e.first))
                .ok_or(h)?;
            out[h] = best.state;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(activity: Activity, zone: u16) -> State {
        State { activity, zone }
    }

    #[test]
    fn most_minutes_then_tie_order_then_first_in_hour() {
        let mut acc = SlotAccumulator::new(0);
        // hour 0: Home 40 min, Work 20 min -> Home
        acc.add(0, 40 * 60, st(Activity::Home, 1));
        acc.add(40 * 60, 60 * 60, st(Activity::Work, 2));
        // hour 1: Home 30, Others 30 -> Others (tie rank)
        acc.add(3600, 3600 + 1800, st(Activity::Home, 1));
        acc.add(3600 + 1800, 7200, st(Activity::Others, 3));
        // hour 2: Others@4 30 then Others@3 30 -> Others@4 (first in hour)
        acc.add(7200, 7200 + 1800, st(Activity::Others, 4));
        acc.add(7200 + 1800, 10800, st(Activity::Others, 3));
        acc.add(10800, DAY_SECONDS, st(Activity::Home, 1));
        let s = acc.resolve().unwrap();
        assert_eq!(s[0], st(Activity::Home, 1));
        assert_eq!(s[1], st(Activity::Others, 3));
        assert_eq!(s[2], st(Activity::Others, 4));
        assert_eq!(s[23], st(Activity::Home, 1));
    }

    #[test]
    fn diary_offset_wraps_and_gaps_are_reported() {
        let mut acc = SlotAccumulator::new(4 * 3600);
        acc.add(0, 20 * 3600, st(Activity::Home, 0));
        acc.add(20 * 3600, 24 * 3600 + 999, st(Activity::Work, 0));
        let s = acc.resolve().unwrap();
        assert_eq!(s[0].activity, Activity::Work); // 00:00 is diary hour 20
        assert_eq!(s[3].activity, Activity::Work);
        assert_eq!(s[4].activity, Activity::Home);
        let mut gap = SlotAccumulator::new(0);
        gap.add(0, 5 * 3600, st(Activity::Home, 0));
        assert_eq!(gap.resolve(), Err(5));
    }
}
