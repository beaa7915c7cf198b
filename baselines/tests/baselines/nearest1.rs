//! The one-nearest-neighbour copy (`nearest1`) on constructed data with known answers:
//! standardised numeric features, one-hot categories, the segment restriction, ties to the
//! smallest person id, and the home-zone rule of the location task.

use crate::fixture::{acts, benchmark, read, row, Row};
use baselines::{run, BaselineKind, FeatureSpace};
use mobility::{Group, Split};

const WORK: &str = "HHHHHHHTWWWWWWWWTHHHHHHH";
const SHOP: &str = "HHHHHHHHHOOOTHHHHHHHHHHH";
const SCHOOL: &str = "HHHHHHHTSSSSSSTHHHHHHHHH";
const HOME: &str = "HHHHHHHHHHHHHHHHHHHHHHHH";

fn copy(train: &[Row], val: &[Row], location: bool) -> Vec<mobility::Diary> {
    let bench = benchmark("nearest1", train, val, location);
    let (train, val) = (read(&bench, Split::Train), read(&bench, Split::Val));
    run(BaselineKind::Nearest1, &bench, &train, val.people(), 0)
}

#[test]
fn numeric_features_are_standardised_before_the_distance() {
    // Ages 30 and 31 standardise to -1 and +1 (mean 30.5, std 0.5). Target: 31, female.
    // Standardised: `a` is 4 away in age (0 in sex), `b` 0 in age and 2 in sex → `b`.
    // On raw ages `a` would win (1 against 2).
    let train = vec![
        row("1", Group::Employed, 30, "female", WORK),
        row("2", Group::Employed, 31, "male", SHOP),
    ];
    let val = vec![row("v", Group::Employed, 31, "female", HOME)];
    assert_eq!(copy(&train, &val, false)[0].activities, acts(SHOP));
}

#[test]
fn a_category_mismatch_costs_two_and_an_unseen_category_one() {
    // Ages 20, 40, 60 → z = -1.22, 0, 1.22. Target age 40 with an unseen sex:
    // `mid` (age 40, sex x) is at 0 + 1; `young` (age 20, sex y) at 1.5 + 1.
    let train = vec![
        row("1", Group::Employed, 20, "y", WORK),
        row("2", Group::Employed, 40, "x", SHOP),
        row("3", Group::Employed, 60, "x", SCHOOL),
    ];
    let val = vec![
        row("v1", Group::Employed, 40, "never-seen", HOME),
        // z = -0.61: 0.61² from `young` (same sex), against 0.61² + 2 from `mid`.
        row("v2", Group::Employed, 30, "y", HOME),
    ];
    let diaries = copy(&train, &val, false);
    assert_eq!(diaries[0].activities, acts(SHOP));
    assert_eq!(diaries[1].activities, acts(WORK));
}

#[test]
fn donors_come_from_the_segment_unless_it_has_no_train_person() {
    let train = vec![
        // The exact twin of `v1`, but a weekend diary: another segment.
        row("1", Group::Employed, 40, "female", SHOP).weekend(),
        row("2", Group::Employed, 70, "male", WORK),
        row("3", Group::Student, 15, "male", SCHOOL),
    ];
    let val = vec![
        row("v1", Group::Employed, 40, "female", HOME),
        // No `other` person in train: the whole train split is the pool; nearest is `3`
        // (same sex, age closest after standardising).
        row("v2", Group::Other, 20, "male", HOME),
    ];
    let diaries = copy(&train, &val, false);
    assert_eq!(diaries[0].activities, acts(WORK));
    assert_eq!(diaries[1].activities, acts(SCHOOL));
}

#[test]
fn equal_distances_go_to_the_smallest_person_id_numerically() {
    // `10` and `9` have identical features; 9 < 10 as numbers ("10" < "9" as text).
    let train = vec![
        row("10", Group::Employed, 40, "female", WORK),
        row("9", Group::Employed, 40, "female", SHOP),
        row("11", Group::Employed, 60, "male", SCHOOL),
    ];
    let val = vec![row("v", Group::Employed, 40, "female", HOME)];
    for seed in [0, 1, 2] {
        let bench = benchmark("nearest1-ties", &train, &val, false);
        let (t, v) = (read(&bench, Split::Train), read(&bench, Split::Val));
        let d = run(BaselineKind::Nearest1, &bench, &t, v.people(), seed);
        assert_eq!(d[0].activities, acts(SHOP), "seed {seed}");
    }
}

#[test]
fn zones_at_the_donors_home_move_to_the_targets_home_and_others_stay() {
    // The donor lives in 102 and does Others at home (102) in the morning, then works in
    // 103. The target lives in 101.
    let donor = row(
        "1",
        Group::Employed,
        40,
        "female",
        "HHHHHHOOTWWWWWWWWTHHHHHH",
    )
    .at("102", "103");
    let val = vec![row("v", Group::Employed, 40, "female", HOME).at("101", "101")];
    let bench = benchmark("nearest1-zones", &[donor], &val, true);
    let (train, v) = (read(&bench, Split::Train), read(&bench, Split::Val));
    // Put the donor's Others slots at its home zone (the fixture puts them at `away`).
    let mut train = train;
    let home = bench.zones.lookup("102").unwrap();
    let locations = train.diaries[0].locations.as_mut().unwrap();
    locations[6] = home;
    locations[7] = home;
    let d = run(BaselineKind::Nearest1, &bench, &train, v.people(), 0)[0];
    let zone = |c: &str| bench.zones.lookup(c).unwrap();
    let l = d.locations.unwrap();
    assert_eq!(l[0], zone("101"), "Home moves to the target's home");
    assert_eq!(l[6], zone("101"), "Others at the donor's home moves too");
    assert_eq!(l[8], mobility::Loc::TRAVEL);
    assert_eq!(l[10], zone("103"), "the workplace is kept");
    assert_eq!(l[23], zone("101"));
}

#[test]
fn the_feature_space_lists_the_k_nearest_in_order() {
    let train = vec![
        row("1", Group::Employed, 20, "female", WORK),
        row("2", Group::Employed, 40, "female", SHOP),
        row("3", Group::Employed, 61, "female", SCHOOL),
        row("4", Group::Employed, 41, "male", HOME),
        row("5", Group::Student, 40, "female", HOME),
    ];
    let val = vec![row("v", Group::Employed, 40, "female", HOME)];
    let bench = benchmark("feature-space", &train, &val, false);
    let (train, val) = (read(&bench, Split::Train), read(&bench, Split::Val));
    let space = FeatureSpace::fit(&train);
    let ids = |idx: Vec<usize>| -> Vec<String> {
        idx.into_iter()
            .map(|i| train.people()[i].id.clone())
            .collect()
    };
    // Segment employed|weekday (std of age ≈ 12.9): 2 (0), 4 (0.006 + sex 2), 1 (2.40), 3 (2.65).
    assert_eq!(ids(space.nearest(&val.people()[0], 3)), ["2", "4", "1"]);
    assert_eq!(
        ids(space.nearest(&val.people()[0], 9)),
        ["2", "4", "1", "3"]
    );
    assert_eq!(space.nearest_one(&val.people()[0]), Some(1));
}
