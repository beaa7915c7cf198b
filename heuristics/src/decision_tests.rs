//! Tests of the four decisions (participation, retrieval, adaptation, refinement) on small
//! constructed cases, and of retrieval's fast path against its reference on the real data.
//!
//! This file is in the editable scope: change a decision's tests together with the decision.
//! It is compiled only by the test binary `tests/heuristics.rs` (which includes it), never
//! by the library, so it can use that binary's fixtures (`super::fixtures`).

use super::fixtures::*;
use heuristics::adaptation::{adapt, typical_start, ShiftRule};
use heuristics::refinement::refine;
use heuristics::{generate_person, retrieval, GeneratorState};
use mobility::{Activity, DayType, Group, Loc, Person, PersonTable, Split, SplitData, Task, SLOTS};

#[test]
fn participation_rate_zero_gives_all_home_days() {
    let state = state(Task::ActivityLocation, &[STAY_HOME, STAY_HOME, STAY_HOME]);
    let target = person("t", Group::Employed, DayType::Weekday, 35, "male");
    for seed in 0..50 {
        let (d, trace) = generate_person(&state, &target, seed);
        assert_eq!(trace.participation.probability, 0.0);
        assert!(!trace.participation.participates);
        assert_eq!(pattern(&d), STAY_HOME);
        assert_eq!(d.locations, Some([HOME; SLOTS]));
    }
}

#[test]
fn participation_rate_one_always_retrieves_a_routine() {
    let state = state(Task::Activity, &[COMMUTER, SHOPPER]);
    let target = person("t", Group::Employed, DayType::Weekday, 31, "female");
    for seed in 0..50 {
        let (d, trace) = generate_person(&state, &target, seed);
        assert_eq!(trace.participation.probability, 1.0);
        assert!(trace.retrieval.is_some());
        assert!(
            d.activities.iter().any(|&a| a != Activity::Home),
            "seed {seed}"
        );
        assert_eq!(d.locations, None, "activity task has no locations");
    }
}

#[test]
fn retrieval_ranks_an_identical_profile_first() {
    let state = state(Task::Activity, &[COMMUTER, SHOPPER, COMMUTER, SHOPPER]);
    // p2 is 32 years old, female, employed on a weekday.
    let target = person("t", Group::Employed, DayType::Weekday, 32, "female");
    let neighbours = retrieval::neighbours(&state, &profile(&target));
    assert_eq!(neighbours[0].routine, 2);
    assert_eq!(neighbours[0].similarity, 0.0);
    assert!(neighbours
        .windows(2)
        .all(|w| w[0].similarity >= w[1].similarity));
    let older = person("t", Group::Employed, DayType::Weekday, 80, "male");
    assert!(retrieval::similarity(&profile(&older), &state.routines[2].profile) < 0.0);
}

#[test]
fn retrieval_prefers_the_same_job() {
    // Otherwise identical workers; only industry, occupation and class of worker differ.
    let names: Vec<String> = ["age", "sex", "ind_code", "occup_code", "work_class"]
        .map(String::from)
        .to_vec();
    let columns = heuristics::features::FeatureColumns::resolve(&names);
    let worker_of = |id: &str, industry: &str, occupation: &str, class: &str| Person {
        features: vec![
            "40".into(),
            "female".into(),
            industry.into(),
            occupation.into(),
            class.into(),
        ],
        ..person(id, Group::Employed, DayType::Weekday, 40, "female")
    };
    let worker = |id: &str, industry: &str, occupation: &str| {
        let class = if industry.is_empty() { "" } else { "private" };
        worker_of(id, industry, occupation, class)
    };
    let similarity =
        |a: &Person, b: &Person| retrieval::similarity(&columns.profile(a), &columns.profile(b));
    let target = worker("t", "health", "nurse");
    let same_job = worker("a", "health", "nurse");
    let same_industry = worker("b", "health", "clerk");
    let other_job = worker("c", "finance", "clerk");
    assert_eq!(similarity(&target, &same_job), 0.0);
    assert!(similarity(&target, &same_industry) < 0.0);
    assert!(similarity(&target, &other_job) < similarity(&target, &same_industry));
    // The same job on one's own account is a different day.
    let self_employed = worker_of("s", "health", "nurse", "self-employed");
    assert!(similarity(&target, &self_employed) < 0.0);
    // Without a job on either side (students, retirees, Santiago) the roles are neutral.
    let no_job = worker("d", "", "");
    assert_eq!(similarity(&no_job, &worker("e", "", "")), 0.0);
}

#[test]
fn retrieval_weighs_zone_consensus_by_school_day() {
    use heuristics::params::{SCHOOL_DAY_ZONE_CONSENSUS_WEIGHT, ZONE_CONSENSUS_WEIGHT};
    use mobility::Segment;
    let weight = |group, day_type| retrieval::zone_consensus_weight(Segment { group, day_type });
    assert_eq!(
        weight(Group::Student, DayType::Weekday),
        SCHOOL_DAY_ZONE_CONSENSUS_WEIGHT
    );
    for (group, day_type) in [
        (Group::Student, DayType::Weekend),
        (Group::Employed, DayType::Weekday),
        (Group::Other, DayType::Weekday),
    ] {
        assert_eq!(weight(group, day_type), ZONE_CONSENSUS_WEIGHT);
    }
}

#[test]
fn grouped_retrieval_equals_the_full_scan() {
    // 400 employed weekday people: ages 18..80 or unknown, two sexes or unknown, two
    // big home zones and a small one (whose people search the whole segment), two
    // diaries; targets of every kind, including unknown age.
    let ages = |i: usize| match i % 13 {
        0 => String::new(),
        r => (18 + (i * 7 + r) % 62).to_string(),
    };
    let sexes = ["female", "male", ""];
    let zone = |i: usize| match i % 20 {
        7 => SHOP,
        r if r % 2 == 0 => HOME,
        _ => OFFICE,
    };
    let people = |n: usize, prefix: &str, shift: usize| -> Vec<Person> {
        (0..n)
            .map(|i| Person {
                id: format!("{prefix}{i}"),
                household_id: format!("{prefix}{i}"),
                group: Group::Employed,
                day_type: DayType::Weekday,
                home_zone: Some(zone(i + shift)),
                features: vec![ages(i + shift), sexes[(i + shift) % 3].into()],
            })
            .collect()
    };
    let persons = people(400, "p", 0);
    let train = SplitData {
        split: Split::Train,
        diaries: (0..persons.len())
            .map(|i| diary([COMMUTER, SHOPPER][i % 2], true))
            .collect(),
        persons: PersonTable {
            feature_names: feature_names(),
            persons,
        },
    };
    let state = GeneratorState::build(&bench(Task::ActivityLocation), &train);
    let mut whole_segment_searches = 0;
    for target in people(120, "t", 1) {
        let p = profile(&target);
        let pool = state.candidate_pool(&p).unwrap();
        assert!(pool.groups.len() >= 3, "the case must have several groups");
        whole_segment_searches +=
            usize::from(pool.groups.iter().any(|g| g.key.home_zone != p.home_zone));
        let grouped = retrieval::neighbours(&state, &p);
        assert_eq!(grouped.len(), heuristics::params::NEIGHBOURS_K);
        assert_eq!(
            grouped,
            retrieval::neighbours_full_scan(&state, &p),
            "{target:?}"
        );
    }
    assert!(
        whole_segment_searches > 0,
        "the small home zone must search the segment"
    );
}

#[test]
fn refinement_gives_a_weekend_non_student_no_school() {
    let p = profile(&person("t", Group::Other, DayType::Weekend, 40, "male"));
    let reference = diary("HHHHHHHHTSSSSTHHHHHHHHHH", true);
    let mut d = reference;
    let fixes = refine(&mut d, &p, Some(&zones()));
    assert_eq!(fixes.weekend_school, 4);
    assert_eq!(pattern(&d), "HHHHHHHHTOOOOTHHHHHHHHHH");
    // A student keeps school on the weekend.
    let student = profile(&person("s", Group::Student, DayType::Weekend, 15, "male"));
    let mut d = reference;
    refine(&mut d, &student, Some(&zones()));
    assert_eq!(pattern(&d), "HHHHHHHHTSSSSTHHHHHHHHHH");
}

#[test]
fn refinement_forces_home_zone_travel_token_and_retained_zones() {
    let p = profile(&person("t", Group::Employed, DayType::Weekday, 40, "male"));
    let reference = diary(COMMUTER, true);
    let mut d = reference;
    let locs = d.locations.as_mut().unwrap();
    locs[0] = SHOP; // Home elsewhere
    locs[7] = OFFICE; // Travel not at T
    locs[9] = Loc::TRAVEL; // Work at T
    locs[10] = Loc(99); // Work at an unknown zone
    let fixes = refine(&mut d, &p, Some(&zones()));
    assert_eq!(
        (fixes.home_zone, fixes.travel_zone, fixes.invalid_zone),
        (1, 1, 2)
    );
    let locs = d.locations.unwrap();
    assert_eq!(
        (locs[0], locs[7], locs[9], locs[10], locs[8]),
        (HOME, Loc::TRAVEL, HOME, HOME, OFFICE)
    );
}

#[test]
fn refinement_keeps_direct_changes_of_place_and_night_work() {
    let p = profile(&person("t", Group::Employed, DayType::Weekday, 40, "male"));
    // Home 0..8 then Work to 17 (a direct change, no Travel hour); a late shift to midnight.
    for pattern_ in ["HHHHHHHHWWWWWWWWWHHHHHHH", "HHHHHHHHHHHHHTWWWWWWWWWW"] {
        let reference = diary(pattern_, false);
        let mut d = reference;
        refine(&mut d, &p, None);
        assert_eq!(d, reference);
    }
}

#[test]
fn adaptation_rehomes_zones_and_keeps_the_day_shape() {
    let state = state(Task::ActivityLocation, &[COMMUTER]);
    let mut target = person("t", Group::Employed, DayType::Weekday, 40, "male");
    target.home_zone = Some(SHOP);
    let reference = diary(COMMUTER, true);
    // Adaptation is deterministic.
    let (d, record) = adapt(&reference, Some(HOME), &profile(&target), ShiftRule::Keep);
    let locs = d.locations.unwrap();
    for (h, (&activity, &loc)) in d.activities.iter().zip(&locs).enumerate() {
        match activity {
            Activity::Home => assert_eq!(loc, SHOP, "slot {h}"),
            Activity::Travel => assert_eq!(loc, Loc::TRAVEL),
            _ => assert!(state.zones.is_retained(loc)),
        }
    }
    assert_eq!(record.shift, 0);
    assert_eq!(pattern(&d), COMMUTER);
}

#[test]
fn adaptation_moves_the_day_toward_the_typical_start_of_its_main_block() {
    let p = profile(&person("t", Group::Employed, DayType::Weekday, 40, "male"));
    // Work starts at 8 in the routine (Travel at 7).
    let reference = diary(COMMUTER, true);
    let early = diary("HHHHHTWWWWWWWWWTHHHHHHHH", true); // Work from 6
    let late = diary("HHHHHHHHHTWWWWWWWWWTHHHH", true); // Work from 10
    let shopper = diary(SHOPPER, true); // no main block: ignored
                                        // Median interval of the Work starts: 6, 6, 8 → (6, 6); a shopper does not count.
    let typical = typical_start(
        [&early, &early, &reference, &shopper].into_iter(),
        Activity::Work,
    );
    assert_eq!(typical, Some((6, 6)));
    assert_eq!(
        typical_start([&late, &early].into_iter(), Activity::Work),
        Some((6, 10))
    );
    assert_eq!(typical_start([&shopper].into_iter(), Activity::Work), None);
    let max = heuristics::params::TYPICAL_START_MAX_SHIFT as i8;
    let rule = ShiftRule::TowardTypicalStart(typical);
    let (d, record) = adapt(&reference, Some(HOME), &p, rule);
    // Two hours early, moved by at most the cap, never the other way.
    assert_eq!(record.shift, -max.min(2));
    let start = d
        .activities
        .iter()
        .position(|&a| a == Activity::Work)
        .unwrap();
    assert_eq!(start as i8, 8 - max.min(2));
    // Inside the median interval: the routine keeps its own start.
    let rule = ShiftRule::TowardTypicalStart(Some((6, 10)));
    let (d, record) = adapt(&reference, Some(HOME), &p, rule);
    assert_eq!(record.shift, 0);
    assert_eq!(
        d.activities.iter().position(|&a| a == Activity::Work),
        Some(8)
    );
}

/// Retrieval's grouped search equals the full scan for every validation person of both real
/// benchmarks, and the generated days are far better than chance.
#[test]
fn the_fast_path_equals_its_reference_and_the_days_are_realistic_on_real_data() {
    use heuristics::generate_all;
    use heuristics::population::align_features;
    use mobility::{Benchmark, Split};
    let (root, cleanup) = super::real_data::bench_root();
    for name in ["atus-2014", "santiago-2012"] {
        let bench = Benchmark::open(&root.join(name)).unwrap();
        let train = bench.read_split(Split::Train).unwrap();
        let val = bench.read_split(Split::Val).unwrap();
        let state = GeneratorState::build(&bench, &train);
        let persons = align_features(&state, &val.persons);
        for person in &persons {
            let profile = state.columns.profile(person);
            assert_eq!(
                retrieval::neighbours(&state, &profile),
                retrieval::neighbours_full_scan(&state, &profile),
                "{name}: grouped retrieval differs from the full scan for {}",
                person.id
            );
        }
        let generated = generate_all(&state, &persons, 11, 2);
        let evaluation = evaluator::evaluate(&bench, val.people(), &val.diaries, &generated);
        let slot_accuracy = 1.0
            - evaluation
                .value(match bench.task {
                    Task::Activity => "slot_accuracy_error",
                    Task::ActivityLocation => "activity_accuracy_error",
                })
                .unwrap();
        assert!(slot_accuracy > 0.6, "{name}: slot accuracy {slot_accuracy}");
        assert!(
            evaluation.distribution < 0.5,
            "{name}: distribution {}",
            evaluation.distribution
        );
    }
    if let Some(dir) = cleanup {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn a_thin_home_zone_borrows_the_routines_of_its_nearest_home_zones() {
    use heuristics::params::RETRIEVAL_MIN_POOL;
    // Residents of HOME (zone A at 0 km) and SHOP (zone C, 7 km from A, 7.6 km from B);
    // nobody lives in OFFICE (zone B, 3 km from A).
    let n = RETRIEVAL_MIN_POOL;
    let persons: Vec<Person> = (0..2 * n)
        .map(|i| {
            let mut p = person(
                &format!("p{i}"),
                Group::Employed,
                DayType::Weekday,
                40,
                "male",
            );
            p.home_zone = Some(if i < n { HOME } else { SHOP });
            p
        })
        .collect();
    let train = SplitData {
        split: Split::Train,
        persons: PersonTable {
            feature_names: feature_names(),
            persons,
        },
        diaries: (0..2 * n).map(|_| diary(COMMUTER, true)).collect(),
    };
    let state = GeneratorState::build(&bench(Task::ActivityLocation), &train);
    let mut target = person("t", Group::Employed, DayType::Weekday, 40, "male");
    target.home_zone = Some(OFFICE);
    let pool = state.candidate_pool(&profile(&target)).unwrap();
    // The nearest zone's residents fill the pool; the farther zone is not needed.
    assert_eq!(pool.routines.len(), n);
    for &r in &pool.routines {
        assert_eq!(state.routines[r as usize].profile.home_zone, Some(HOME));
    }
    // A zone with enough residents of its own keeps to them.
    target.home_zone = Some(SHOP);
    let pool = state.candidate_pool(&profile(&target)).unwrap();
    assert!(pool
        .routines
        .iter()
        .all(|&r| state.routines[r as usize].profile.home_zone == Some(SHOP)));
}
