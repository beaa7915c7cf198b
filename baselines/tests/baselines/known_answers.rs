//! Each baseline on constructed data whose answer is known in advance.

use crate::fixture::{acts, benchmark, read, row, Row};
use baselines::{run, BaselineKind};
use mobility::{Activity, Group, Split};

fn targets(prefix: &str, n: usize, group: Group, sex: &str) -> Vec<Row> {
    (0..n)
        .map(|i| {
            row(
                &format!("{prefix}{i}"),
                group,
                25 + (i % 40) as u32,
                sex,
                &"H".repeat(24),
            )
        })
        .collect()
}

#[test]
fn marginal_draws_each_slot_from_its_segments_hourly_shares() {
    let mut train = Vec::new();
    for i in 0..40u32 {
        let shape = if i % 2 == 0 {
            "HHHHHHHHHWWWWWWWHHHHHHHH"
        } else {
            "HHHHHHHHHWWWOOOOHHHHHHHH"
        };
        train.push(row(
            &format!("e{i}"),
            Group::Employed,
            30 + i,
            "female",
            shape,
        ));
        train.push(row(
            &format!("s{i}"),
            Group::Student,
            15,
            "male",
            "HHHHHHHHSSSSSSSSHHHHHHHH",
        ));
    }
    let mut val = targets("e", 400, Group::Employed, "female");
    val.extend(targets("s", 50, Group::Student, "male"));
    let bench = benchmark("marginal", &train, &val, false);
    let (train, val) = (read(&bench, Split::Train), read(&bench, Split::Val));
    let diaries = run(BaselineKind::Marginal, &bench, &train, val.people(), 1);
    let employed = &diaries[..400];
    for d in employed {
        assert_eq!(d.activities[3], Activity::Home);
        assert_eq!(d.activities[10], Activity::Work);
        assert!(matches!(
            d.activities[13],
            Activity::Work | Activity::Others
        ));
    }
    let work_at_13 = employed
        .iter()
        .filter(|d| d.activities[13] == Activity::Work)
        .count() as f64
        / 400.0;
    assert!(
        (work_at_13 - 0.5).abs() < 0.1,
        "share of Work at 13:00 = {work_at_13}"
    );
    // Slots are independent: Work at 13 and Work at 14 co-occur about a quarter of the time,
    // where the real diaries have them always together.
    let both = employed
        .iter()
        .filter(|d| d.activities[13] == Activity::Work && d.activities[14] == Activity::Work)
        .count() as f64
        / 400.0;
    assert!(
        (both - 0.25).abs() < 0.1,
        "share of Work at 13 and 14 = {both}"
    );
    for d in &diaries[400..] {
        assert_eq!(d.activities, acts("HHHHHHHHSSSSSSSSHHHHHHHH"));
    }
}

#[test]
fn markov_reproduces_deterministic_chains_and_pools_for_an_empty_segment() {
    let work = "HHHHHHHTWWWWWWWWWTOOHHHH";
    let school = "HHHHHHHTSSSSSSSTHHHHHHHH";
    let mut train = Vec::new();
    for i in 0..10u32 {
        train.push(row(&format!("e{i}"), Group::Employed, 40, "female", work));
        train.push(row(&format!("s{i}"), Group::Student, 12, "male", school));
    }
    let mut val = targets("e", 30, Group::Employed, "female");
    val.extend(targets("s", 30, Group::Student, "male"));
    val.extend(targets("o", 60, Group::Other, "male"));
    let bench = benchmark("markov", &train, &val, false);
    let (train, val) = (read(&bench, Split::Train), read(&bench, Split::Val));
    let diaries = run(BaselineKind::Markov, &bench, &train, val.people(), 4);
    for d in &diaries[..30] {
        assert_eq!(d.activities, acts(work));
    }
    for d in &diaries[30..60] {
        assert_eq!(d.activities, acts(school));
    }
    // No train person is "other": pooled transitions, so every step is one some train
    // diary takes at that hour, and both branches at 08:00 show up.
    let (work, school) = (acts(work), acts(school));
    for d in &diaries[60..] {
        for h in 1..24 {
            let step = (d.activities[h - 1], d.activities[h]);
            assert!(
                step == (work[h - 1], work[h]) || step == (school[h - 1], school[h]),
                "unseen step {step:?} at hour {h}"
            );
        }
    }
    let to_work = diaries[60..]
        .iter()
        .filter(|d| d.activities[8] == Activity::Work)
        .count();
    assert!(to_work > 10 && to_work < 50, "{to_work} of 60 went to work");
}

#[test]
fn mnl_recovers_a_feature_that_decides_the_activity() {
    let works = "HHHHHHHHWWWWWWWWHHHHHHHH";
    let shops = "HHHHHHHHOOOOOOOOHHHHHHHH";
    let mut train = Vec::new();
    for i in 0..20u32 {
        train.push(row(
            &format!("f{i}"),
            Group::Employed,
            20 + 2 * i,
            "female",
            works,
        ));
        train.push(row(
            &format!("m{i}"),
            Group::Employed,
            21 + 2 * i,
            "male",
            shops,
        ));
    }
    let mut val = targets("f", 10, Group::Employed, "female");
    val.extend(targets("m", 10, Group::Employed, "male"));
    let bench = benchmark("mnl", &train, &val, false);
    let (train, val) = (read(&bench, Split::Train), read(&bench, Split::Val));
    let diaries = run(BaselineKind::Mnl, &bench, &train, val.people(), 0);
    for d in &diaries[..10] {
        assert_eq!(d.activities, acts(works));
    }
    for d in &diaries[10..] {
        assert_eq!(d.activities, acts(shops));
    }
}

#[test]
fn mnl_places_activities_at_the_most_frequent_zone_for_the_home_zone() {
    let shape = "HHHHHHHTWWWWWWWWTHHHHHHH";
    let mut train = Vec::new();
    for i in 0..8u32 {
        // Home 101: three of four work in 102, one in 103. Home 102: all work in 101.
        let away = if i % 4 == 3 { "103" } else { "102" };
        train.push(row(&format!("a{i}"), Group::Employed, 30, "female", shape).at("101", away));
        train.push(row(&format!("b{i}"), Group::Employed, 30, "female", shape).at("102", "101"));
    }
    let val = vec![
        row("v1", Group::Employed, 30, "female", shape).at("101", "101"),
        row("v2", Group::Employed, 30, "female", shape).at("102", "102"),
        // Nobody in train lives in 103: the segment's overall favourite (101: 8 of 16 people).
        row("v3", Group::Employed, 30, "female", shape).at("103", "103"),
    ];
    let bench = benchmark("mnl-zones", &train, &val, true);
    let (train, val) = (read(&bench, Split::Train), read(&bench, Split::Val));
    let diaries = run(BaselineKind::Mnl, &bench, &train, val.people(), 0);
    let zone = |code: &str| bench.zones.lookup(code).unwrap();
    for (d, (home, work)) in diaries
        .iter()
        .zip([("101", "102"), ("102", "101"), ("103", "101")])
    {
        assert_eq!(d.activities, acts(shape));
        let locations = d.locations.unwrap();
        assert_eq!(locations[3], zone(home));
        assert_eq!(locations[10], zone(work), "home {home}");
    }
}

#[test]
fn markov_keeps_one_zone_through_a_spell() {
    let shape = "HHHHHHHTWWWWWWWWTHHHHHHH";
    let mut train = Vec::new();
    for (i, away) in ["101", "102", "103", "102"].into_iter().enumerate() {
        train.push(row(&format!("t{i}"), Group::Employed, 30, "male", shape).at("101", away));
    }
    let val: Vec<Row> = (0..40)
        .map(|i| row(&format!("v{i}"), Group::Employed, 30, "male", shape).at("103", "103"))
        .collect();
    let bench = benchmark("markov-zones", &train, &val, true);
    let (train, val) = (read(&bench, Split::Train), read(&bench, Split::Val));
    let diaries = run(BaselineKind::Markov, &bench, &train, val.people(), 9);
    let mut zones_used = std::collections::BTreeSet::new();
    for d in &diaries {
        let l = d.locations.unwrap();
        assert!(
            l[8..16].iter().all(|&z| z == l[8]),
            "workplace changed mid-spell"
        );
        zones_used.insert(l[8]);
    }
    assert_eq!(
        zones_used.len(),
        3,
        "work zones should follow the train frequencies"
    );
}

#[test]
fn nearest_copies_the_most_similar_person_of_the_same_segment() {
    let young = "HHHHHHHTWWWWWWWWTHHHHHHH";
    let old = "HHHHHHHHHOOOTHHHHHHHHHHH";
    let student = "HHHHHHHTSSSSSSTHHHHHHHHH";
    let train = vec![
        row("young", Group::Employed, 30, "female", young).at("102", "103"),
        row("old", Group::Employed, 62, "male", old).at("101", "103"),
        // Closest in age and sex to `v1`, but a student: another segment.
        row("student", Group::Student, 33, "female", student).at("101", "102"),
    ];
    let val = vec![
        row(
            "v1",
            Group::Employed,
            33,
            "female",
            "HHHHHHHHHHHHHHHHHHHHHHHH",
        )
        .at("101", "101"),
        row(
            "v2",
            Group::Employed,
            60,
            "male",
            "HHHHHHHHHHHHHHHHHHHHHHHH",
        )
        .at("101", "101"),
    ];
    let bench = benchmark("nearest", &train, &val, true);
    let (train, val) = (read(&bench, Split::Train), read(&bench, Split::Val));
    let diaries = run(BaselineKind::Nearest, &bench, &train, val.people(), 2);
    assert_eq!(diaries[0].activities, acts(young));
    assert_eq!(diaries[1].activities, acts(old));
    let zone = |code: &str| bench.zones.lookup(code).unwrap();
    let l = diaries[0].locations.unwrap();
    // Home moved from the neighbour's 102 to the target's 101; the workplace kept.
    assert_eq!(l[0], zone("101"));
    assert_eq!(l[23], zone("101"));
    assert_eq!(l[10], zone("103"));
}

#[test]
fn nearest_breaks_ties_with_the_seed() {
    let a = "HHHHHHHTWWWWWWWWTHHHHHHH";
    let b = "HHHHHHHHTWWWWWWWWTHHHHHH";
    let train = vec![
        row("a", Group::Employed, 40, "female", a),
        row("b", Group::Employed, 40, "female", b),
    ];
    let val = targets("v", 40, Group::Employed, "female");
    let bench = benchmark("nearest-ties", &train, &val, false);
    let (train, val) = (read(&bench, Split::Train), read(&bench, Split::Val));
    // Every target is 40 or not; those aged exactly 40 tie between `a` and `b`.
    let one = run(BaselineKind::Nearest, &bench, &train, val.people(), 1);
    let picked_a = one.iter().filter(|d| d.activities == acts(a)).count();
    assert!(picked_a > 5 && picked_a < 35, "a picked {picked_a} of 40");
    let other = run(BaselineKind::Nearest, &bench, &train, val.people(), 2);
    assert_ne!(one, other);
}
