//! The trip importer: a trip table chained into a day per person (the Santiago rule of
//! BENCHMARKS.md, generalised), then cut into slots by the slot rule.
//!
//! - Trips are taken in `order` (numeric), else file order.
//! - Times are unwrapped: a departure earlier than the previous trip's departure, or an
//!   arrival earlier than its own departure, is on the next day (+24 h, repeated until it
//!   is not earlier). An arrival starts on its departure's day. Without an arrival
//!   column the arrival is the departure plus the travel-time column, or plus
//!   `assumed_duration_minutes` cut at the next trip's departure.
//! - Before the first departure the person is at the first trip's origin doing the
//!   activity of its `origin_purpose` when the config names one; otherwise Home if that
//!   origin is the home zone (or there are no zones), else Others there.
//! - Each trip `[departure, arrival)` is Travel at `T`; where trips overlap, Travel
//!   continues (the union of the trip intervals is Travel).
//! - Outside Travel, after a departure the person is at the destination of the last trip
//!   (in order) that departed, doing its purpose's activity. A purpose mapped to Home is
//!   always at the home zone, even when the trip's destination zone differs (counted in
//!   the manifest). With `return_home = "purpose_or_home_zone"` a trip whose destination
//!   is the home zone is a return home whatever its purpose (counted); otherwise such trips
//!   keep their purpose (counted too).
//! - A person of the person table without trips is an all-Home day at the home zone
//!   (`persons_without_trips = "home"`, counted) or dropped (`"drop"`).
//! - The diary is cut at its end (24:00 for `diary_start = "00:00"`).
//!
//! Drop reasons, in this order: origin or destination zone missing or outside the set;
//! any time or purpose missing; household missing; home zone missing or outside the set.

use crate::activity_codes::CodeMap;
use crate::config::{PersonsWithoutTrips, ReturnHome, TripSource};
use crate::drop_log::*;
use crate::error::PrepareError;
use crate::import::{rows_by_person, Imported, Outcome, PersonContext};
use crate::slot_rule::{SlotAccumulator, State};
use crate::source_table::SourceTable;
use crate::time_format::{parse_diary_start, rebase_days, to_diary_time, TimeField, DAY_SECONDS};
use crate::zone_set::ZoneSet;
use mobility::{Activity, SLOTS};
use std::path::Path;

/// One trip, times in diary seconds (unwrapped), zones 1-based (0 without zones).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trip {
    pub departure: i64,
    pub arrival: i64,
    pub origin: u16,
    pub destination: u16,
    pub activity: Activity,
}

/// How a trip's arrival is known.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Arrival {
    /// A time (raw seconds, as the departure).
    Time(i64),
    /// Departure plus this many seconds.
    After(i64),
    /// Departure plus this many seconds, cut at the next departure.
    Assumed(i64),
}

/// One trip as read, before unwrapping.
#[derive(Debug, Clone, Copy)]
struct RawTrip {
    departure: i64,
    arrival: Arrival,
    origin: u16,
    destination: u16,
    activity: Activity,
}

pub const RETURN_HOME_ELSEWHERE: &str =
    "kept trips whose purpose is Home but whose destination is not the home zone (placed at home)";
pub const NEXT_DAY_DEPARTURES: &str = "kept trips whose departure was unwrapped to the next day";
pub const NEXT_DAY_ARRIVALS: &str =
    "kept trips whose arrival was unwrapped past their departure's day";
pub const OVERLAPPING_TRIPS: &str =
    "kept trips departing before the previous trip arrived (Travel continues)";
pub const HOME_ZONE_KEPT_PURPOSE: &str =
    "kept trips ending at the home zone with a purpose other than Home (kept as their purpose; return_home = \"purpose\")";
pub const HOME_ZONE_RETURN: &str =
    "kept trips ending at the home zone with a purpose other than Home, made a return home (return_home = \"purpose_or_home_zone\")";
pub const ASSUMED_ARRIVALS: &str =
    "kept trips without an arrival: arrival assumed from assumed_duration_minutes";
pub const ASSUMED_ARRIVALS_CUT: &str =
    "kept trips whose assumed arrival was cut at the next trip's departure";
pub const STAY_AT_HOME: &str =
    "persons without trips kept as all-Home days (persons_without_trips = \"home\")";
pub const ORIGIN_HOME_ELSEWHERE: &str =
    "kept first trips leaving Home (origin_purpose) from outside the home zone (Home placed at home)";

pub fn import_trips(
    cfg: &TripSource,
    codes: &CodeMap,
    zones: Option<&ZoneSet>,
    ctx: &PersonContext,
    data_dir: &Path,
) -> Result<Imported, PrepareError> {
    let table = SourceTable::read_with(&data_dir.join(&cfg.file), &cfg.csv_options())?;
    let diary_start = parse_diary_start(&cfg.diary_start).map_err(|m| PrepareError::Config {
        path: table.path.clone(),
        message: m,
    })?;
    let dep_field = TimeField::resolve(
        &cfg.departure,
        cfg.time_format,
        cfg.time_origin,
        diary_start,
        &table,
    )?;
    let arr_field = cfg
        .arrival
        .as_ref()
        .map(|c| TimeField::resolve(c, cfg.time_format, cfg.time_origin, diary_start, &table))
        .transpose()?;
    let dur_col = cfg.duration.as_ref().map(|c| table.column(c)).transpose()?;
    let assumed = cfg
        .assumed_duration_minutes
        .map(|m| (m * 60.0).round() as i64);
    let purpose_col = table.column(&cfg.purpose)?;
    let origin_purpose_col = cfg
        .origin_purpose
        .as_ref()
        .map(|c| table.column(c))
        .transpose()?;
    let zone_cols = match zones {
        Some(_) => Some((
            table.column(cfg.origin_zone.as_deref().expect("validated"))?,
            table.column(cfg.destination_zone.as_deref().expect("validated"))?,
        )),
        None => None,
    };

    let mut imported = Imported::new(&table, &cfg.file);
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
            // A person of a separate person table who made no trip.
            if cfg.persons_without_trips == PersonsWithoutTrips::Drop {
                reasons.push(NO_TRIPS);
            }
            ctx.push_person_reasons(index, &mut reasons);
            if reasons.is_empty() {
                imported.count(STAY_AT_HOME, 1);
                let home = ctx.home.as_ref().and_then(|h| h[index]).unwrap_or(0);
                let state = State {
                    activity: Activity::Home,
                    zone: home,
                };
                imported.outcomes.push(Outcome::Kept([state; SLOTS]));
            } else {
                imported.outcomes.push(Outcome::Dropped(reasons));
            }
            continue;
        };
        let mut zone_bad = false;
        let mut missing = false;
        let mut raw_trips = Vec::with_capacity(rows.len());
        let mut origin_activity = None;
        for (k, &r) in rows.iter().enumerate() {
            let (origin, destination) = match (zones, zone_cols) {
                (Some(z), Some((oc, dc))) => {
                    let (o, d) = (z.lookup(table.get(r, oc)), z.lookup(table.get(r, dc)));
                    zone_bad |= o.is_none() || d.is_none();
                    (o.unwrap_or(0), d.unwrap_or(0))
                }
                _ => (0, 0),
            };
            let purpose = table.get(r, purpose_col);
            let arrival_missing = match (&arr_field, dur_col) {
                (Some(f), _) => f.is_empty(&table, r),
                (_, Some(c)) => table.get(r, c).is_empty(),
                _ => false,
            };
            if dep_field.is_empty(&table, r) || arrival_missing || purpose.is_empty() {
                missing = true;
                continue;
            }
            let departure = dep_field.read(&table, r)?;
            let arrival = match (&arr_field, dur_col, assumed) {
                (Some(f), _, _) => Arrival::Time(f.read(&table, r)?),
                (_, Some(c), _) => {
                    let raw = table.get(r, c);
                    let d: f64 = raw
                        .parse()
                        .ok()
                        .filter(|m: &f64| m.is_finite() && *m >= 0.0)
                        .ok_or_else(|| {
                            table.error(
                                r,
                                cfg.duration.as_deref().unwrap_or_default(),
                                format!(
                                    "`{raw}` is not a non-negative travel time in {:?}",
                                    cfg.duration_unit
                                )
                                .to_lowercase(),
                            )
                        })?;
                    Arrival::After((d * cfg.duration_unit.seconds()).round() as i64)
                }
                (_, _, Some(a)) => Arrival::Assumed(a),
                _ => unreachable!("validated: one arrival source"),
            };
            let activity = imported.activity(codes, purpose).ok_or_else(|| {
                table.error(
                    r,
                    &cfg.purpose,
                    format!("unknown purpose `{purpose}` (not in [activity_codes], no default)"),
                )
            })?;
            if let (0, Some(c)) = (k, origin_purpose_col) {
                let code = table.get(r, c);
                if !code.is_empty() {
                    origin_activity = Some(imported.activity(codes, code).ok_or_else(|| {
                        table.error(
                            r,
                            cfg.origin_purpose.as_deref().unwrap_or_default(),
                            format!(
                                "unknown purpose `{code}` (not in [activity_codes], no default)"
                            ),
                        )
                    })?);
                }
            }
            raw_trips.push(RawTrip {
                departure,
                arrival,
                origin,
                destination,
                activity,
            });
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
        let home = match zones {
            Some(_) => ctx
                .home
                .as_ref()
                .and_then(|h| h[index])
                .expect("home checked"),
            None => 0,
        };
        rebase(&mut raw_trips, cfg.time_format, diary_start);
        let mut trips = unwrap_trips(&raw_trips, diary_start, &mut imported);
        for t in trips.iter_mut() {
            if t.activity == Activity::Home && t.destination != home {
                imported.count(RETURN_HOME_ELSEWHERE, 1);
            }
            if zones.is_some()
                && t.destination == home
                && !matches!(t.activity, Activity::Home | Activity::Travel)
            {
                match cfg.return_home {
                    ReturnHome::Purpose => imported.count(HOME_ZONE_KEPT_PURPOSE, 1),
                    ReturnHome::PurposeOrHomeZone => {
                        imported.count(HOME_ZONE_RETURN, 1);
                        t.activity = Activity::Home;
                    }
                }
            }
        }
        let last = trips.last().expect("a person with rows has trips");
        imported.day_ends_at_home_zone_not_home.0 += 1;
        if zones.is_some() && last.destination == home && last.activity != Activity::Home {
            imported.day_ends_at_home_zone_not_home.1 += 1;
        }
        if origin_activity == Some(Activity::Home) && trips[0].origin != home {
            imported.count(ORIGIN_HOME_ELSEWHERE, 1);
        }
        imported.note_times(
            trips
                .iter()
                .map(|t| t.departure)
                .filter(|&d| d < DAY_SECONDS),
        );
        let mut acc = SlotAccumulator::new(diary_start);
        chain_day(&trips, home, origin_activity, &mut acc);
        let states = acc.resolve().expect("a trip chain covers the whole day");
        imported.outcomes.push(Outcome::Kept(states));
    }
    Ok(imported)
}

/// Timestamps of one person's trips → seconds after midnight of their diary day.
fn rebase(trips: &mut [RawTrip], format: crate::config::TimeFormat, diary_start: i64) {
    let mut times: Vec<i64> = Vec::with_capacity(trips.len() * 2);
    for t in trips.iter() {
        times.push(t.departure);
        if let Arrival::Time(a) = t.arrival {
            times.push(a);
        }
    }
    rebase_days(format, &mut times, diary_start);
    let mut it = times.into_iter();
    for t in trips.iter_mut() {
        t.departure = it.next().expect("one departure per trip");
        if let Arrival::Time(_) = t.arrival {
            t.arrival = Arrival::Time(it.next().expect("one arrival per timed trip"));
        }
    }
}

/// Places the trips on the diary day and unwraps departures and arrivals onto a monotone
/// timeline (see the module doc).
fn unwrap_trips(raw: &[RawTrip], diary_start: i64, imported: &mut Imported) -> Vec<Trip> {
    let mut out: Vec<Trip> = Vec::with_capacity(raw.len());
    let mut assumed = false;
    for t in raw {
        let dep_raw = to_diary_time(t.departure, diary_start);
        let mut departure = dep_raw;
        if let Some(prev) = out.last() {
            while departure < prev.departure {
                departure += DAY_SECONDS;
            }
            if departure < prev.arrival && !assumed {
                imported.count(OVERLAPPING_TRIPS, 1);
            }
        }
        if departure != dep_raw {
            imported.count(NEXT_DAY_DEPARTURES, 1);
        }
        let arrival = match t.arrival {
            Arrival::Time(a) => {
                let mut arrival = to_diary_time(a, diary_start) + (departure - dep_raw);
                if arrival < departure {
                    imported.count(NEXT_DAY_ARRIVALS, 1);
                }
                while arrival < departure {
                    arrival += DAY_SECONDS;
                }
                arrival
            }
            Arrival::After(d) => departure + d,
            Arrival::Assumed(d) => {
                assumed = true;
                imported.count(ASSUMED_ARRIVALS, 1);
                departure + d
            }
        };
        out.push(Trip {
            departure,
            arrival,
            origin: t.origin,
            destination: t.destination,
            activity: t.activity,
        });
    }
    if assumed {
        for i in 1..out.len() {
            if out[i - 1].arrival > out[i].departure {
                out[i - 1].arrival = out[i].departure;
                imported.count(ASSUMED_ARRIVALS_CUT, 1);
            }
        }
    }
    out
}

/// Paints one day of trips into `acc` (see the module doc). `trips` is non-empty and
/// unwrapped (departures non-decreasing); `origin` is the activity before the first
/// departure when the survey gives it.
pub fn chain_day(trips: &[Trip], home: u16, origin: Option<Activity>, acc: &mut SlotAccumulator) {
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
    let before = match origin {
        Some(activity) => at(activity, first.origin),
        None if first.origin == home => at(Activity::Home, home),
        None => at(Activity::Others, first.origin),
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
