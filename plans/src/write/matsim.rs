//! `--format matsim`: a MATSim population, plans v6 (DTD
//! `http://www.matsim.org/files/dtd/population_v6.dtd`).
//!
//! ```text
//! <population>
//!  <attributes><attribute name="coordinateReferenceSystem" class="java.lang.String">EPSG:…</attribute></attributes>
//!  <person id="…">
//!   <attributes>household_id, group, day_type as java.lang.String</attributes>
//!   <plan selected="yes">
//!    <activity type="home" x="…" y="…" end_time="07:00:00"/>
//!    <leg mode="car" dep_time="07:00:00" trav_time="01:00:00"/>
//!    <activity type="work" x="…" y="…" start_time="08:00:00" end_time="17:00:00"/>
//!    …
//!    <activity type="home" x="…" y="…" start_time="18:00:00"/>
//! ```
//!
//! The plan alternates activities and legs, starting and ending with an activity
//! ([`crate::plan`]); the first activity has an end time only, the last a start time
//! only. Coordinates are in the benchmark's CRS, declared in the population's
//! `coordinateReferenceSystem` attribute (which MATSim reads). Activity types are
//! `home`, `work`, `school`, `others`; every leg has the configured mode.

use super::Scratch;
use crate::format::{activity_type, Day, Layout};
use quick_xml::events::BytesText;
use std::io;

pub fn header(layout: &Layout<'_>) -> Vec<u8> {
    let mut h = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <!DOCTYPE population SYSTEM \"http://www.matsim.org/files/dtd/population_v6.dtd\">\n\
         <population>\n",
    );
    if let Some(crs) = layout.crs {
        let mut w = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 1);
        let _ = w.create_element("attributes").write_inner_content(|w| {
            w.create_element("attribute")
                .with_attributes([
                    ("name", "coordinateReferenceSystem"),
                    ("class", "java.lang.String"),
                ])
                .write_text_content(BytesText::new(&crs.crs))?;
            Ok(())
        });
        h.push_str(&String::from_utf8(w.into_inner()).expect("utf-8"));
        h.push('\n');
    }
    h.into_bytes()
}

pub fn footer() -> Vec<u8> {
    b"</population>\n".to_vec()
}

pub(crate) fn write_day(
    w: &mut quick_xml::Writer<&mut Vec<u8>>,
    scratch: &mut Scratch,
    layout: &Layout<'_>,
    day: &Day<'_>,
) -> io::Result<()> {
    let person = day.person;
    w.create_element("person")
        .with_attribute(("id", person.id.as_str()))
        .write_inner_content(|w| {
            w.create_element("attributes").write_inner_content(|w| {
                let attributes = [
                    ("household_id", person.household_id.as_str()),
                    ("group", person.group.name()),
                    ("day_type", person.day_type.name()),
                ];
                for (name, value) in attributes.into_iter().filter(|(_, v)| !v.is_empty()) {
                    w.create_element("attribute")
                        .with_attributes([("name", name), ("class", "java.lang.String")])
                        .write_text_content(BytesText::new(value))?;
                }
                Ok(())
            })?;
            w.create_element("plan")
                .with_attribute(("selected", "yes"))
                .write_inner_content(|w| write_plan(w, scratch, layout, day))?;
            Ok(())
        })?;
    w.get_mut().push(b'\n');
    Ok(())
}

fn write_plan(
    w: &mut quick_xml::Writer<&mut Vec<u8>>,
    scratch: &mut Scratch,
    layout: &Layout<'_>,
    day: &Day<'_>,
) -> io::Result<()> {
    let acts = &day.plan.activities;
    let last = acts.len() - 1;
    for (i, a) in acts.iter().enumerate() {
        let mut element = w
            .create_element("activity")
            .with_attribute(("type", activity_type(a.activity)));
        if let Some((x, y)) = day.places[i] {
            element = element.with_attribute(("x", scratch.coordinate(x)));
            element = element.with_attribute(("y", scratch.coordinate(y)));
        }
        if i > 0 {
            element = element.with_attribute(("start_time", scratch.clock(a.start)));
        }
        if i < last {
            element = element.with_attribute(("end_time", scratch.clock(a.end)));
        }
        element.write_empty()?;
        if let Some(trip) = day.plan.trips.get(i) {
            w.create_element("leg")
                .with_attribute(("mode", layout.mode))
                .with_attribute(("dep_time", scratch.clock(trip.start)))
                .with_attribute(("trav_time", scratch.clock(trip.end - trip.start)))
                .write_empty()?;
        }
    }
    Ok(())
}
