//! The trip importer: a trip table chained into a day per person (the Santiago rule of
//! BENCHMARKS.md), then cut into slots by the slot rule.
//!
//! - Trips are taken in `order` (numeric), else file order.
//! - Times are unwrapped: a departure earlier than the previous trip's departure, or an
//!   arrival earlier than its own departure, is on the next day (+24 h, repeated until it
//!   is not earlier). An arrival starts on its departure's day.
//! - Before the first departure the person is at the first trip's origin: Home if that
//!   is the home zone, else Others there.
//! - Each trip `[departure, arrival)` is Travel at `T`; where trips overlap, Travel
//!   continues (the union of the trip intervals is Travel).
//! - Outside Travel, after a departure the person is at the destination of the last trip
//!   (in order) that departed, doing its purpose's activity. A purpose mapped to Home is
//!   always at the home zone, even when the trip's destination zone differs (counted in
//!   the manifest); other activities at the home zone stay what they are.
//! - The diary is cut at its end (24:00 for `diary_start = "00:00"`).
//!
//! Drop reasons, in this order: origin or destination zone missing or outside the set;
//! any time or purpose missing; household missing; home zone missing or outside the set.

use crate::activity_codes::CodeMap;
use crate::config::TripSource;
use crate::drop_log::*;
use crate::error::PrepareError;
use crate::import::{rows_by_person, Imported, Outcome, PersonContext};
use crate::slot_rule::{SlotAccumulator, State};
use crate::source_table::SourceTable;
use crate::time_format::{parse_diary_start, parse_time, to_diary_time, DAY_SECONDS};
use crate::zone_set::ZoneSet;
use mobility::Activity;
use std::path::Path;

/// One trip, times in diary seconds (unwrapped), zones 1-based.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trip {
    pub departure: i64,
    pub arrival: i64,
    pub origin: u16,
    pub destination: u16,
    pub activity: Activity,
}

pub const RETURN_HOME_ELSEWHERE: &str =
    "kept trips whose purpose is Home but whose destination is not the home zone (placed at home)";
pub const NEXT_DAY_DEPARTURES: &str = "kept trips whose departure was unwrapped to the next day";
pub const NEXT_DAY_ARRIVALS: &str =
    "kept trips whose arrival was unwrapped past their departure's day";
pub const OVERLAPPING_TRIPS: &str =
    "kept trips departing before the previous trip arrived (Travel continues)";

pub fn import_trips(
    cfg: &TripSource,
    codes: &CodeMap,
    zones: &ZoneSet,
    ctx: &PersonContext,
    data_dir: &Path,
) -> Result<Imported, PrepareError> {
    let table = SourceTable::read(&data_dir.join(&cfg.file))?;
    let dep_col = table.column(&cfg.departure)?;
    let arr_col = table.column(&cfg.arrival)?;
    let purpose_col = table.column(&cfg.purpose)?;
    let origin_col = table.column(&cfg.origin_zone)?;
    let dest_col = table.column(&cfg.destination_zone)?;
    let diary_start = parse_diary_start(&cfg.diary_start).map_err(|m| PrepareError::Config {
        path: table.path.clone(),
        message: m,
    })?;

    let mut imported = Imported::new(table.sha256.clone());
    let rows_of = rows_by_person(
        &table,
        &cfg.person,
        cfg.order.as_deref(),
        ctx,
        &mut imported,
    )?;

    for (index, person_id) in ctx.ids.iter().enumerate() {
        let mut reasons: Vec<&'static str> = Vec::new();
        let Some(rows) = rows_of.get(person_id.as_str()) else {
            // A person of a separate person table who made no trip: no diary to build.
            reasons.push(NO_EPISODES);
            ctx.push_person_reasons(index, &mut reasons);
            imported.outcomes.push(Outcome::Dropped(reasons));
            continue;
        };
        let mut zone_bad = false;
        let mut missing = false;
        let mut raw_trips = Vec::with_capacity(rows.len());
        for &r in rows.iter() {
            let origin = zones.lookup(table.get(r, origin_col));
            let destination = zones.lookup(table.get(r, dest_col));
            zone_bad |= origin.is_none() || destination.is_none();
            let (dep, arr, purpose) = (
                table.get(r, dep_col),
                table.get(r, arr_col),
                table.get(r, purpose_col),
            );
            if dep.is_empty() || arr.is_empty() || purpose.is_empty() {
                missing = true;
                continue;
            }
            let dep =
                parse_time(dep, cfg.time_format).map_err(|m| table.error(r, &cfg.departure, m))?;
            let arr =
                parse_time(arr, cfg.time_format).map_err(|m| table.error(r, &cfg.arrival, m))?;
            let activity = codes.lookup(purpose).ok_or_else(|| {
                table.error(
                    r,
                    &cfg.purpose,
                    format!("unknown purpose `{purpose}` (not in [activity_codes], no default)"),
                )
            })?;
            raw_trips.push((
                to_diary_time(dep, diary_start),
                to_diary_time(arr, diary_start),
                origin.unwrap_or(0),
                destination.unwrap_or(0),
                activity,
            ));
        }
        if zone_bad {
            reasons.push(TRIP_ZONE);
        }
        if missing {
            reasons.push(TRIP_TIME_OR_PURPOSE);
        }
        ctx.push_person_reasons(index, &mut reasons);
        if !reasons.is_empty() {
            imported.outcomes.push(Outcome::Dropped(reasons));
            continue;
        }
        let home = ctx
            .home
            .as_ref()
            .and_then(|h| h[index])
            .expect("home checked");
        let trips = unwrap_trips(&raw_trips, &mut imported);
        for t in &trips {
            if t.activity == Activity::Home && t.destination != home {
                imported.count(RETURN_HOME_ELSEWHERE, 1);
            }
        }
        let mut acc = SlotAccumulator::new(diary_start);
        chain_day(&trips, home, &mut acc);
        let states = acc.resolve().expect("a trip chain covers the whole day");
        imported.outcomes.push(Outcome::Kept(states));
    }
    Ok(imported)
}

/// Unwraps departures and arrivals onto a monotone timeline (see the module doc).
fn unwrap_trips(raw: &[(i64, i64, u16, u16, Activity)], imported: &mut Imported) -> Vec<Trip> {
    let mut out: Vec<Trip> = Vec::with_capacity(raw.len());
    for &(dep_raw, arr_raw, origin, destination, activity) in raw {
        let mut departure = dep_raw;
        if let Some(prev) = out.last() {
            while departure < prev.departure {
                departure += DAY_SECONDS;
            }
            if departure < prev.arrival {
                imported.count(OVERLAPPING_TRIPS, 1);
            }
        }
        if departure != dep_raw {
            imported.count(NEXT_DAY_DEPARTURES, 1);
        }
        let mut arrival = arr_raw + (departure - dep_raw);
        if arrival < departure {
            imported.count(NEXT_DAY_ARRIVALS, 1);
        }
        while arrival < departure {
            arrival += DAY_SECONDS;
        }
        out.push(Trip {
            departure,
            arrival,
            origin,
            destination,
            activity,
        });
    }
    out
}

/// Paints one day of trips into `acc` (see the module doc). `trips` is non-empty and
/// unwrapped (departures non-decreasing).
pub fn chain_day(trips: &[Trip], home: u16, acc: &mut SlotAccumulator) {
    let at = |activity: Activity, zone: u16| match activity {
        Activity::Home => State {
            activity,
            zone: home,
        },
        Activity::Travel => State { activity, zone: 0 },
        _ => State { activity, zone },
    };
    // Union of the Travel intervals, merged and sorted.
    let mut travel: Vec<(i64, i64)> = Vec::new();
    let mut sorted: Vec<(i64, i64)> = trips.iter().map(|t| (t.departure, t.arrival)).collect();
    sorted.sort();
    for (s, e) in sorted {
        if e <= s {
            continue;
        }
        match travel.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => travel.push((s, e)),
        }
    }
    for &(s, e) in &travel {
        acc.add(
            s,
            e,
            State {
                activity: Activity::Travel,
                zone: 0,
            },
        );
    }
    // Stationary pieces: before the first departure, and from each departure to the next
    // (minus Travel) at the trip's destination.
    let first = trips[0];
    let before = if first.origin == home {
        at(Activity::Home, home)
    } else {
        at(Activity::Others, first.origin)
    };
    add_outside(acc, &travel, i64::MIN / 4, first.departure, before);
    for (i, t) in trips.iter().enumerate() {
        let until = trips
            .get(i + 1)
            .map(|n| n.departure)
            .unwrap_or(i64::MAX / 4);
        add_outside(
            acc,
            &travel,
            t.departure,
            until,
            at(t.activity, t.destination),
        );
    }
}

/// Adds `[s, e)` minus the (sorted, disjoint) Travel intervals.
fn add_outside(acc: &mut SlotAccumulator, travel: &[(i64, i64)], s: i64, e: i64, state: State) {
    let mut t = s;
    for &(ts, te) in travel {
        if te <= t {
            continue;
        }
        if ts >= e {
            break;
        }
        if ts > t {
            acc.add(t, ts, state);
        }
        t = t.max(te);
    }
    if t < e {
        acc.add(t, e, state);
    }
}
