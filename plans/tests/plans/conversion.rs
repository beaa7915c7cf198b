//! The conversion rules on hand-made diaries: slots → episodes → plan, and places.

use crate::support::TempDir;
use mobility::{Activity, Benchmark, Diary, Loc, SLOTS};
use plans::{episodes, plan, Episode, ZoneLocations};

/// A diary from 24 letters (H, W, S, O, T) and, for the location task, 24 zone digits
/// (0 = `T`, 1.. = the zones of [`bench`]).
fn diary(acts: &str, zones: Option<&str>) -> Diary {
    assert_eq!(acts.len(), SLOTS);
    let activity = |c: char| match c {
        'H' => Activity::Home,
        'W' => Activity::Work,
        'S' => Activity::School,
        'O' => Activity::Others,
        'T' => Activity::Travel,
        _ => panic!("bad activity letter {c}"),
    };
    let mut activities = [Activity::Home; SLOTS];
    for (h, c) in acts.chars().enumerate() {
        activities[h] = activity(c);
    }
    let locations = zones.map(|z| {
        assert_eq!(z.len(), SLOTS);
        let mut l = [Loc::TRAVEL; SLOTS];
        for (h, c) in z.chars().enumerate() {
            l[h] = Loc(c.to_digit(10).unwrap() as u16);
        }
        l
    });
    Diary {
        activities,
        locations,
    }
}

fn show_episodes(e: &[Episode]) -> String {
    e.iter()
        .map(|e| match e.zone {
            Some(z) => format!("{} {}-{} @{}", e.activity, e.start, e.end, z.0),
            None => format!("{} {}-{}", e.activity, e.start, e.end),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn show_plan(p: &plans::Plan) -> String {
    let mut parts = Vec::new();
    for (i, a) in p.activities.iter().enumerate() {
        parts.push(format!("{} {}-{}", a.activity, a.start, a.end));
        if let Some(t) = p.trips.get(i) {
            parts.push(format!("> {}-{}", t.start, t.end));
        }
    }
    parts.join(" ")
}

fn check(acts: &str, zones: Option<&str>, want_episodes: &str, want_plan: &str) {
    let d = diary(acts, zones);
    let e = episodes(&d);
    assert_eq!(show_episodes(&e), want_episodes, "episodes of {acts}");
    let p = plan(&e, zones.map(|_| Loc(1)));
    assert_eq!(show_plan(&p), want_plan, "plan of {acts}");
    // The episodes' hours give back the diary.
    let mut rebuilt = Diary::all_home(zones.map(|_| Loc(1)));
    for ep in &e {
        for h in (ep.start / 60) as usize..(ep.end / 60) as usize {
            rebuilt.activities[h] = ep.activity;
            if let (Some(l), Some(z)) = (rebuilt.locations.as_mut(), ep.zone) {
                l[h] = z;
            }
        }
    }
    assert_eq!(rebuilt.activities, d.activities, "{acts}");
}

#[test]
fn runs_of_slots_become_episodes_and_trips() {
    check(
        "HHHHHHHHHHHHHHHHHHHHHHHH",
        None,
        "Home 0-1440",
        "Home 0-1440",
    );
    check(
        "HHHHHHHTWWWWWWWWWTHHHHHH",
        None,
        "Home 0-420 | Travel 420-480 | Work 480-1020 | Travel 1020-1080 | Home 1080-1440",
        "Home 0-420 > 420-480 Work 480-1020 > 1020-1080 Home 1080-1440",
    );
    // Activities that meet without a Travel hour get an instantaneous trip between them.
    check(
        "HHHHHHHHWWWWWWWWWOOHHHHH",
        None,
        "Home 0-480 | Travel 480-480 | Work 480-1020 | Travel 1020-1020 | Others 1020-1140 | Travel 1140-1140 | Home 1140-1440",
        "Home 0-480 > 480-480 Work 480-1020 > 1020-1020 Others 1020-1140 > 1140-1140 Home 1140-1440",
    );
    // Several Travel hours in a row are one trip.
    check(
        "HHHHHHSSSSSSTTTOOOOHHHHH",
        None,
        "Home 0-360 | Travel 360-360 | School 360-720 | Travel 720-900 | Others 900-1140 | Travel 1140-1140 | Home 1140-1440",
        "Home 0-360 > 360-360 School 360-720 > 720-900 Others 900-1140 > 1140-1140 Home 1140-1440",
    );
}

#[test]
fn a_day_that_starts_or_ends_travelling_is_closed_at_home() {
    check(
        "TOOOOOOOOOHHHHHHHHHHHHHT",
        None,
        "Travel 0-60 | Others 60-600 | Travel 600-600 | Home 600-1380 | Travel 1380-1440",
        "Home 0-0 > 0-60 Others 60-600 > 600-600 Home 600-1380 > 1380-1440 Home 1440-1440",
    );
    check(
        "TTTTTTTTTTTTTTTTTTTTTTTT",
        None,
        "Travel 0-1440",
        "Home 0-0 > 0-1440 Home 1440-1440",
    );
}

#[test]
fn a_change_of_zone_is_a_new_episode() {
    // Others in zone 2, then Others in zone 3 without a Travel hour: two episodes.
    check(
        "HHHHHHHHTOOOOOTHHHHHHHHH",
        Some("111111110222330111111111"),
        "Home 0-480 @1 | Travel 480-540 @0 | Others 540-720 @2 | Travel 720-720 @0 | Others 720-840 @3 | Travel 840-900 @0 | Home 900-1440 @1",
        "Home 0-480 > 480-540 Others 540-720 > 720-720 Others 720-840 > 840-900 Home 900-1440",
    );
    // A Travel hour is a trip whatever zone it carries.
    check(
        "HHHHHHHHTTWWWWWWWWTHHHHH",
        Some("111111110322222222011111"),
        "Home 0-480 @1 | Travel 480-600 @0 | Work 600-1080 @2 | Travel 1080-1140 @0 | Home 1140-1440 @1",
        "Home 0-480 > 480-600 Work 600-1080 > 1080-1140 Home 1140-1440",
    );
}

/// A benchmark folder with zones a, b, c and the given `locations.csv` text.
fn bench(locations: &str) -> (TempDir, Benchmark) {
    let dir = TempDir::new("places");
    let root = dir.0.join("toy");
    std::fs::create_dir_all(root.join("train")).unwrap();
    std::fs::write(
        root.join("train/persons.csv"),
        "person_id,household_id,group,day_type,home_zone\n",
    )
    .unwrap();
    std::fs::write(
        root.join("zones.csv"),
        "zone,x_km,y_km\na,0,0\nb,1,0\nc,2,0\n",
    )
    .unwrap();
    std::fs::write(root.join("locations.csv"), locations).unwrap();
    std::fs::write(
        root.join("crs.json"),
        r#"{"crs": "EPSG:32719", "name": "WGS 84 / UTM zone 19S", "unit": "metre"}"#,
    )
    .unwrap();
    let b = Benchmark::open(&root).unwrap();
    (dir, b)
}

const TOY_LOCATIONS: &str = "zone,activity,x,y\n\
    a,Home,1,1\na,Home,2,2\na,Home,3,3\n\
    b,Work,10,10\nb,Work,11,11\nb,Others,12,12\n\
    c,Home,20,20\n";

#[test]
fn places_are_observed_points_of_the_zone_and_repeat_within_a_day() {
    let (_dir, b) = bench(TOY_LOCATIONS);
    let locations = ZoneLocations::read(&b).unwrap();
    assert_eq!(locations.crs().crs, "EPSG:32719");
    // Home a, Work b, Others b, Work b, School c (never observed: any point of c), Home a.
    let d = diary("HHHHHHHTWWWOOWWSSTHHHHHH", Some("111111102222222330111111"));
    let p = plan(&episodes(&d), Some(Loc(1)));
    let kinds: Vec<_> = p
        .activities
        .iter()
        .map(|a| (a.activity, a.zone.unwrap().0))
        .collect();
    assert_eq!(
        kinds,
        [
            (Activity::Home, 1),
            (Activity::Work, 2),
            (Activity::Others, 2),
            (Activity::Work, 2),
            (Activity::School, 3),
            (Activity::Home, 1)
        ]
    );
    let mut seen_work = std::collections::HashSet::new();
    for id in 0..200 {
        let id = format!("p{id}");
        let places: Vec<_> = locations
            .place(&p, &id, 5, None)
            .into_iter()
            .map(Option::unwrap)
            .collect();
        assert!(
            [(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)].contains(&places[0]),
            "{places:?}"
        );
        assert_eq!(places[0], places[5], "home twice, one place");
        assert!(
            [(10.0, 10.0), (11.0, 11.0)].contains(&places[1]),
            "{places:?}"
        );
        assert_eq!(
            places[1], places[3],
            "work twice in the same zone, one place"
        );
        assert_eq!(places[2], (12.0, 12.0));
        assert_eq!(
            places[4],
            (20.0, 20.0),
            "School in c falls back to c's points"
        );
        seen_work.insert(places[1].0 as i64);
        // The same person and seed, alone or among others, get the same places.
        assert_eq!(
            locations
                .place(&p, &id, 5, None)
                .into_iter()
                .map(Option::unwrap)
                .collect::<Vec<_>>(),
            places
        );
        // The person's own home wins over the drawn one.
        let own = locations.place(&p, &id, 5, Some((7.5, 8.5)));
        assert_eq!((own[0], own[5]), (Some((7.5, 8.5)), Some((7.5, 8.5))));
        assert_eq!(own[1], Some(places[1]));
    }
    assert_eq!(seen_work.len(), 2, "both observed workplaces are drawn");
}

#[test]
fn bad_locations_files_are_refused_with_file_line_and_field() {
    let (_dir, b) = bench("zone,activity,x,y\na,Home,1,1\nq,Work,2,2\n");
    let e = ZoneLocations::read(&b).unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (3, Some("zone")), "{e}");
    let (_dir, b) = bench("zone,activity,x,y\na,Home,1,1\nb,Travel,2,2\n");
    let e = ZoneLocations::read(&b).unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (3, Some("activity")), "{e}");
    let (_dir, b) = bench("zone,activity,x,y\na,Home,1,1\nb,Work,2,north\n");
    let e = ZoneLocations::read(&b).unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (3, Some("y")), "{e}");
    let (_dir, b) = bench("zone,activity,x,y\na,Home,1,1\nb,Work,2,2\n");
    let e = ZoneLocations::read(&b).unwrap_err();
    assert!(
        e.message.contains("zone `c` has no observed location"),
        "{e}"
    );
    let (dir, b) = bench(TOY_LOCATIONS);
    std::fs::remove_file(dir.0.join("toy/locations.csv")).unwrap();
    let e = ZoneLocations::read(&b).unwrap_err();
    assert!(e.message.contains("[locations]"), "{e}");
}
