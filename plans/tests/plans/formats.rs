//! Every format on both real benchmarks, checked against the slots it comes from.

use crate::support::{real, rows, Real, SEED};
use mobility::{Activity, Diary, Loc, SLOTS};
use plans::{Format, Generation};
use std::collections::{HashMap, HashSet};

/// Observed points per (zone code, activity name), from the benchmark's locations.csv,
/// as the outputs write them (to the decimetre).
type Observed = HashMap<(String, String), HashSet<(String, String)>>;

fn observed(r: &Real) -> Observed {
    let bytes = std::fs::read(r.bench.dir.join("locations.csv")).unwrap();
    let (_, records) = rows(&bytes);
    let mut out: Observed = HashMap::new();
    let written = |v: &str| format!("{:.1}", v.parse::<f64>().unwrap());
    for rec in records {
        let p = (written(&rec[2]), written(&rec[3]));
        out.entry((rec[0].to_string(), rec[1].to_string()))
            .or_default()
            .insert(p);
    }
    out
}

/// True when `(x, y)` is an observed point of the zone for the activity (or of the zone
/// at all, when the activity was never observed there).
fn is_observed(obs: &Observed, zone: &str, activity: &str, x: &str, y: &str) -> bool {
    let p = (x.to_string(), y.to_string());
    match obs.get(&(zone.to_string(), activity.to_string())) {
        Some(points) => points.contains(&p),
        None => obs
            .iter()
            .any(|((z, _), pts)| z == zone && pts.contains(&p)),
    }
}

fn slot_zone(r: &Real, d: &Diary, h: usize) -> String {
    d.locations
        .map(|l| r.bench.zones.code(l[h]).to_string())
        .unwrap_or_default()
}

fn episodes_give_back_the_slots(name: &str) {
    let r = real(name);
    let slots = r.slots();
    let bytes = r.write(Format::Episodes);
    let (header, records) = rows(&bytes);
    let location = r.bench.zones_for_io().is_some();
    let want: &[&str] = if location {
        &[
            "person_id",
            "seq",
            "activity",
            "start_min",
            "end_min",
            "zone",
            "x",
            "y",
            "crs",
        ]
    } else {
        &["person_id", "seq", "activity", "start_min", "end_min"]
    };
    assert_eq!(header, want);
    let obs = if location {
        observed(&r)
    } else {
        HashMap::new()
    };
    let mut by_person: HashMap<&str, Vec<&csv::StringRecord>> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for rec in &records {
        let id = rec.get(0).unwrap();
        if !by_person.contains_key(id) {
            order.push(id);
        }
        by_person.entry(id).or_default().push(rec);
    }
    let ids: Vec<&str> = r.persons.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(order, ids, "one block per person, in input order");
    let mut instantaneous = 0;
    for (person, diary) in r.persons.iter().zip(&slots) {
        let rows = &by_person[person.id.as_str()];
        let mut rebuilt = [Activity::Home; SLOTS];
        let mut zones = vec![String::new(); SLOTS];
        let mut clock = 0u16;
        let mut homes = HashSet::new();
        for (seq, rec) in rows.iter().enumerate() {
            assert_eq!(rec[1].parse::<usize>().unwrap(), seq);
            let activity = Activity::parse(&rec[2]).unwrap();
            let (start, end) = (
                rec[3].parse::<u16>().unwrap(),
                rec[4].parse::<u16>().unwrap(),
            );
            assert_eq!(start, clock, "person {}: rows are contiguous", person.id);
            assert!(end >= start && end % 60 == 0);
            if seq > 0 {
                let previous_trip = Activity::parse(&rows[seq - 1][2]).unwrap() == Activity::Travel;
                assert_ne!(
                    previous_trip,
                    activity == Activity::Travel,
                    "person {}: activities and trips alternate",
                    person.id
                );
            }
            instantaneous += usize::from(start == end);
            for h in (start / 60) as usize..(end / 60) as usize {
                rebuilt[h] = activity;
                if location {
                    zones[h] = rec[5].to_string();
                }
            }
            if location {
                if activity == Activity::Travel {
                    assert_eq!((&rec[5], &rec[6], &rec[7], &rec[8]), ("T", "", "", ""));
                } else {
                    assert_eq!(&rec[8], "EPSG:32719");
                    assert!(
                        is_observed(&obs, &rec[5], &rec[2], &rec[6], &rec[7]),
                        "person {}: {rec:?} is not an observed place",
                        person.id
                    );
                    if activity == Activity::Home {
                        assert_eq!(
                            Some(&rec[5]),
                            person.home_zone.map(|z| r.bench.zones.code(z))
                        );
                        homes.insert((rec[6].to_string(), rec[7].to_string()));
                    }
                }
            }
            clock = end;
        }
        assert_eq!(clock, 1440, "person {}: the day is covered", person.id);
        assert_eq!(
            rebuilt, diary.activities,
            "person {}: same activity in every hour",
            person.id
        );
        if location {
            let want: Vec<String> = (0..SLOTS).map(|h| slot_zone(&r, diary, h)).collect();
            assert_eq!(zones, want, "person {}: same zone in every hour", person.id);
            assert!(homes.len() <= 1, "person {}: one home", person.id);
        }
    }
    assert!(
        instantaneous > 0,
        "changes within the hour grid give instantaneous trips"
    );
}

#[test]
fn episodes_give_back_the_slots_on_atus() {
    episodes_give_back_the_slots("atus-2014");
}

#[test]
fn episodes_give_back_the_slots_on_santiago() {
    episodes_give_back_the_slots("santiago-2012");
}

fn pam_follows_the_slots(name: &str) {
    let r = real(name);
    let slots = r.slots();
    let bytes = r.write(Format::Pam);
    let (header, records) = rows(&bytes);
    let location = r.bench.zones_for_io().is_some();
    let mut want = vec![
        "pid", "hid", "seq", "hzone", "ozone", "dzone", "oact", "dact", "purp", "mode", "tst",
        "tet",
    ];
    if location {
        want.extend(["ox", "oy", "dx", "dy", "crs"]);
    }
    assert_eq!(header, want);
    let mut by_person: HashMap<&str, Vec<&csv::StringRecord>> = HashMap::new();
    for rec in &records {
        by_person.entry(rec.get(0).unwrap()).or_default().push(rec);
    }
    let kind = |a: Activity| a.name().to_lowercase();
    let mut travellers = 0;
    for (person, diary) in r.persons.iter().zip(&slots) {
        let trips = by_person
            .get(person.id.as_str())
            .cloned()
            .unwrap_or_default();
        let same = |h: usize| {
            diary.activities[h] == diary.activities[0]
                && diary.locations.map(|l| l[h]) == diary.locations.map(|l| l[0])
        };
        let single = (0..SLOTS).all(same) && diary.activities[0] != Activity::Travel;
        assert_eq!(
            trips.is_empty(),
            single,
            "person {}: no trip exactly when the day is one activity",
            person.id
        );
        travellers += usize::from(!trips.is_empty());
        let hid = if person.household_id.is_empty() {
            &person.id
        } else {
            &person.household_id
        };
        let home = person
            .home_zone
            .map(|z| r.bench.zones.code(z))
            .unwrap_or("");
        for (seq, t) in trips.iter().enumerate() {
            assert_eq!(
                (&t[1], t[2].parse::<usize>().unwrap(), &t[3], &t[9]),
                (hid.as_str(), seq, home, "bike")
            );
            assert_eq!(&t[8], &t[7], "purp is the destination activity");
            let (tst, tet) = (
                t[10].parse::<usize>().unwrap(),
                t[11].parse::<usize>().unwrap(),
            );
            assert!(
                tst <= tet && tet <= 1440,
                "person {}: {tst} > {tet}",
                person.id
            );
            for h in tst / 60..tet / 60 {
                assert_eq!(
                    diary.activities[h],
                    Activity::Travel,
                    "person {}: hour {h} is travel",
                    person.id
                );
            }
            if tst > 0 {
                assert_eq!(
                    t[6],
                    kind(diary.activities[tst / 60 - 1]),
                    "person {}: origin activity",
                    person.id
                );
                if location {
                    assert_eq!(t[4], slot_zone(&r, diary, tst / 60 - 1));
                }
            } else {
                assert_eq!(
                    (&t[6], &t[4]),
                    ("home", home),
                    "a day that starts travelling starts at home"
                );
            }
            if tet < 1440 {
                assert_eq!(
                    t[7],
                    kind(diary.activities[tet / 60]),
                    "person {}: destination activity",
                    person.id
                );
                if location {
                    assert_eq!(t[5], slot_zone(&r, diary, tet / 60));
                }
            } else {
                assert_eq!(
                    (&t[7], &t[5]),
                    ("home", home),
                    "a day that ends travelling ends at home"
                );
            }
            if let Some(next) = trips.get(seq + 1) {
                assert!(tet <= next[10].parse::<usize>().unwrap());
                assert_eq!(
                    (&t[7], &t[5]),
                    (&next[6], &next[4]),
                    "a trip starts where the previous one ended"
                );
                if location {
                    assert_eq!((&t[14], &t[15]), (&next[12], &next[13]));
                }
            }
            if location {
                assert_eq!(&t[16], "EPSG:32719");
            }
        }
    }
    assert!(
        travellers > r.persons.len() / 2,
        "{travellers} of {} people travel",
        r.persons.len()
    );
}

#[test]
fn pam_trips_follow_the_slots_on_atus() {
    pam_follows_the_slots("atus-2014");
}

#[test]
fn pam_trips_follow_the_slots_on_santiago() {
    pam_follows_the_slots("santiago-2012");
}

/// A parsed `<activity>` or `<leg>`: its name and attributes.
type Element = (String, HashMap<String, String>);

fn minutes(clock: &str) -> u16 {
    let parts: Vec<u16> = clock.split(':').map(|p| p.parse().unwrap()).collect();
    assert_eq!((parts.len(), parts[2]), (3, 0), "{clock}");
    parts[0] * 60 + parts[1]
}

#[test]
fn matsim_population_is_complete_and_follows_the_slots() {
    use quick_xml::events::Event;
    let r = real("santiago-2012");
    let slots = r.slots();
    let bytes = r.write(Format::Matsim);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE population SYSTEM \"http://www.matsim.org/files/dtd/population_v6.dtd\">\n<population>"));
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut path: Vec<String> = Vec::new();
    let mut crs = String::new();
    let mut people: Vec<(String, Vec<Element>)> = Vec::new();
    let mut plans_seen = 0;
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well formed at {}: {e}", reader.buffer_position()));
        let attributes = |e: &quick_xml::events::BytesStart| -> HashMap<String, String> {
            e.attributes()
                .map(|a| {
                    let a = a.unwrap();
                    (
                        String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                        a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                            .unwrap()
                            .into_owned(),
                    )
                })
                .collect()
        };
        match event {
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let parent = path.last().map(String::as_str);
                match (parent, name.as_str()) {
                    (None, "population")
                    | (Some("population" | "person"), "attributes")
                    | (Some("attributes"), "attribute") => {}
                    (Some("population"), "person") => {
                        people.push((attributes(&e)["id"].clone(), Vec::new()))
                    }
                    (Some("person"), "plan") => {
                        plans_seen += 1;
                        assert_eq!(
                            attributes(&e).get("selected").map(String::as_str),
                            Some("yes")
                        );
                    }
                    other => panic!("unexpected element {other:?}"),
                }
                path.push(name);
            }
            Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                assert_eq!(
                    path.last().map(String::as_str),
                    Some("plan"),
                    "{name} outside a plan"
                );
                assert!(name == "activity" || name == "leg", "{name}");
                people.last_mut().unwrap().1.push((name, attributes(&e)));
            }
            Event::Text(t) if path.len() == 3 && path[1] == "attributes" => {
                crs = t.decode().unwrap().into_owned()
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(path.is_empty(), "every element closed");
    assert_eq!(crs, "EPSG:32719");
    assert_eq!(plans_seen, r.persons.len());
    let ids: Vec<&str> = people.iter().map(|(id, _)| id.as_str()).collect();
    let want: Vec<&str> = r.persons.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, want);
    let obs = observed(&r);
    for ((id, elements), diary) in people.iter().zip(&slots) {
        assert_eq!(
            elements.len() % 2,
            1,
            "person {id}: activity (leg activity)*"
        );
        let last = elements.len() - 1;
        let mut clock = 0u16;
        for (i, (name, a)) in elements.iter().enumerate() {
            if i % 2 == 1 {
                assert_eq!(name, "leg", "person {id}");
                assert_eq!(a["mode"], "bike");
                let (dep, trav) = (minutes(&a["dep_time"]), minutes(&a["trav_time"]));
                assert_eq!(
                    dep, clock,
                    "person {id}: the leg leaves when the activity ends"
                );
                for h in (dep / 60) as usize..((dep + trav) / 60) as usize {
                    assert_eq!(
                        diary.activities[h],
                        Activity::Travel,
                        "person {id}: hour {h}"
                    );
                }
                clock = dep + trav;
                continue;
            }
            assert_eq!(name, "activity", "person {id}");
            assert!(
                a.contains_key("x") && a.contains_key("y"),
                "person {id}: coordinates"
            );
            assert_eq!(
                a.contains_key("end_time"),
                i < last,
                "person {id}: end time on all but the last"
            );
            assert_eq!(
                a.contains_key("start_time"),
                i > 0,
                "person {id}: start time on all but the first"
            );
            let start = a.get("start_time").map_or(0, |t| minutes(t));
            let end = a.get("end_time").map_or(1440, |t| minutes(t));
            assert_eq!(
                start, clock,
                "person {id}: the activity starts when the leg arrives"
            );
            assert!(start <= end, "person {id}");
            let type_ = a["type"].as_str();
            if start < end {
                let h = (start / 60) as usize;
                assert_eq!(
                    type_,
                    diary.activities[h].name().to_lowercase(),
                    "person {id}: hour {h}"
                );
                let zone = diary.locations.unwrap()[h];
                assert_ne!(zone, Loc::TRAVEL);
                let activity = diary.activities[h].name();
                assert!(
                    is_observed(&obs, r.bench.zones.code(zone), activity, &a["x"], &a["y"]),
                    "person {id}: {a:?}"
                );
            } else {
                assert!(
                    i == 0 || i == last,
                    "person {id}: only the closing homes are instantaneous"
                );
                assert_eq!(type_, "home");
            }
            clock = end;
        }
        assert_eq!(clock, 1440, "person {id}: the plan covers the day");
    }
}

#[test]
fn matsim_is_refused_on_the_activity_task() {
    let r = real("atus-2014");
    let e = Generation::new(&r.bench, &r.state, Format::Matsim, SEED, 1, "car")
        .err()
        .unwrap();
    assert!(
        e.to_string().contains("needs a benchmark with locations"),
        "{e}"
    );
}

#[test]
fn bytes_do_not_depend_on_threads_or_parts_and_own_homes_are_used() {
    let r = real("santiago-2012");
    for format in Format::ALL {
        let whole = r.write(format);
        let g = Generation::new(&r.bench, &r.state, format, SEED, 5, "bike").unwrap();
        let mut parts = g.header();
        let cuts = [0, 1, 700, 701, 3000, r.persons.len()];
        for w in cuts.windows(2) {
            g.write_part(&r.persons[w[0]..w[1]], &[], &mut parts, None)
                .unwrap();
        }
        parts.extend(g.footer());
        assert!(
            whole == parts,
            "{}: parts on 5 threads differ from the whole on 2",
            format.name()
        );
    }
    // Own home coordinates replace the drawn ones, for their people only.
    let g = r.generation(Format::Episodes);
    let homes = vec![Some((300000.04, 6300000.96)), None, Some((1.0, 2.0))];
    let mut out = Vec::new();
    g.write_part(&r.persons[..3], &homes, &mut out, None)
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    let home_rows: Vec<(String, String, String)> = text
        .lines()
        .map(|l| l.split(',').map(String::from).collect::<Vec<_>>())
        .filter(|f| f[2] == "Home")
        .map(|f| (f[0].clone(), f[6].clone(), f[7].clone()))
        .collect();
    for (id, x, y) in home_rows {
        match id {
            id if id == r.persons[0].id => {
                assert_eq!((x.as_str(), y.as_str()), ("300000.0", "6300001.0"))
            }
            id if id == r.persons[2].id => assert_eq!((x.as_str(), y.as_str()), ("1.0", "2.0")),
            _ => assert!(x.parse::<f64>().unwrap() > 200000.0, "a drawn home"),
        }
    }
}
