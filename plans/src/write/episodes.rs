//! `--format episodes`: one row per activity episode and per trip, in time order.
//!
//! ```text
//! person_id,seq,activity,start_min,end_min[,zone,x,y,crs]
//! ```
//!
//! `seq` counts a person's rows from 0; `activity` is Home, Work, School, Others or
//! Travel (a trip); `start_min`, `end_min` are minutes after midnight (slot h is
//! [60h, 60h + 60); a change of activity or zone without a Travel hour is an
//! instantaneous trip, start = end). The location task adds the zone code (`T` for a
//! trip) and the activity's coordinates `x`, `y` in the benchmark's CRS, named in `crs`
//! on every row (empty on trips). Covering the hours of each row gives back the diary.

use super::Scratch;
use crate::format::{Day, Layout};

pub fn header(layout: &Layout<'_>) -> Vec<u8> {
    let mut h = String::from("person_id,seq,activity,start_min,end_min");
    if layout.zones.is_some() {
        h.push_str(",zone,x,y,crs");
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
    for (seq, (e, place)) in day.episode_places().enumerate() {
        w.write_field(&day.person.id)?;
        w.write_field(scratch.int(seq))?;
        w.write_field(e.activity.name())?;
        w.write_field(scratch.int(e.start))?;
        w.write_field(scratch.int(e.end))?;
        if layout.zones.is_some() {
            w.write_field(layout.zone_code(e.zone))?;
            match (place, layout.crs) {
                (Some((x, y)), Some(crs)) => {
                    w.write_field(scratch.coordinate(x))?;
                    w.write_field(scratch.coordinate(y))?;
                    w.write_field(&crs.crs)?;
                }
                _ => {
                    for _ in 0..3 {
                        w.write_field("")?;
                    }
                }
            }
        }
        w.write_record(None::<&[u8]>)?;
    }
    Ok(())
}
