//! `--format pam`: a trips table in the layout pam's `read.load_travel_diary` reads
//! (its from-to parser, chosen by the `oact` and `dact` columns).
//!
//! ```text
//! pid,hid,seq,hzone,ozone,dzone,oact,dact,purp,mode,tst,tet[,ox,oy,dx,dy,crs]
//! ```
//!
//! One row per trip of the plan ([`crate::plan`]), `seq` from 0; `hid` is the
//! household id (the person id when the persons file has none); `hzone`, `ozone`,
//! `dzone` the home, origin and destination zones (empty in the activity task);
//! `oact`, `dact` the activities at both ends and `purp` = `dact` (lower case: home,
//! work, school, others); `mode` the configured mode; `tst`, `tet` departure and arrival
//! in minutes after midnight (integers, as pam reads them). The location task adds the
//! origin and destination coordinates in the benchmark's CRS, named in `crs`. A person
//! who makes no trip has no row (pass the persons file as pam's `persons_attributes`,
//! with `pid`, to keep them: pam then gives them a stay-at-home plan).

use super::Scratch;
use crate::format::{activity_type, Day, Layout};

pub fn header(layout: &Layout<'_>) -> Vec<u8> {
    let mut h = String::from("pid,hid,seq,hzone,ozone,dzone,oact,dact,purp,mode,tst,tet");
    if layout.zones.is_some() {
        h.push_str(",ox,oy,dx,dy,crs");
    }
    h.push('\n');
    h.into_bytes()
}

pub(crate) fn write_day(
    w: &mut csv::Writer<Vec<u8>>,
    scratch: &mut Scratch,
    layout: &Layout<'_>,
    day: &Day<'_>,
) -> csv::Result<()> {
    let person = day.person;
    let hid = if person.household_id.is_empty() {
        &person.id
    } else {
        &person.household_id
    };
    let acts = &day.plan.activities;
    for (seq, trip) in day.plan.trips.iter().enumerate() {
        let (from, to) = (&acts[seq], &acts[seq + 1]);
        w.write_field(&person.id)?;
        w.write_field(hid)?;
        w.write_field(scratch.int(seq))?;
        w.write_field(layout.zone_code(person.home_zone))?;
        w.write_field(layout.zone_code(from.zone))?;
        w.write_field(layout.zone_code(to.zone))?;
        w.write_field(activity_type(from.activity))?;
        w.write_field(activity_type(to.activity))?;
        w.write_field(activity_type(to.activity))?;
        w.write_field(layout.mode)?;
        w.write_field(scratch.int(trip.start))?;
        w.write_field(scratch.int(trip.end))?;
        if layout.zones.is_some() {
            let ends = [day.places[seq], day.places[seq + 1]];
            match (ends, layout.crs) {
                ([Some((ox, oy)), Some((dx, dy))], Some(crs)) => {
                    for v in [ox, oy, dx, dy] {
                        w.write_field(scratch.coordinate(v))?;
                    }
                    w.write_field(&crs.crs)?;
                }
                _ => {
                    for _ in 0..5 {
                        w.write_field("")?;
                    }
                }
            }
        }
        w.write_record(None::<&[u8]>)?;
    }
    Ok(())
}
