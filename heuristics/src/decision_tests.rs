//! Tests of the four decisions (participation, retrieval, adaptation, refinement) on small
//! constructed cases, and of retrieval's fast path against its reference on the real data.
//!
//! This file is in the editable scope: change a decision's tests together with the decision.
//! It is compiled only by the test binary `tests/heuristics.rs` (which includes it), never
//! by the library, so it can use that binary's fixtures (`super::fixtures`).

use super::fixtures::*;
use heuristics::adaptation::{adapt, FILLED};
use heuristics::refinement::{is_night, refine};
use heuristics::{generate_person, retrieval, GeneratorState};
use mobility::{Activity, DayType, Group, Loc, Person, PersonTable, Split, SplitData, Task, SLOTS};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn copied() -> [u8; SLOTS] {
    std::array::from_fn(|h| h as u8)
}

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
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let fixes = refine(&mut d, &reference, &copied(), &p, Some(&zones()), &mut rng);
    assert_eq!(fixes.weekend_school, 4);
    assert_eq!(pattern(&d), "HHHHHHHHTOOOOTHHHHHHHHHH");
    // A student keeps school on the weekend.
    let student = profile(&person("s", Group::Student, DayType::Weekend, 15, "male"));
    let mut d = reference;
    refine(
        &mut d,
        &reference,
        &copied(),
        &student,
        Some(&zones()),
        &mut rng,
    );
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
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let fixes = refine(&mut d, &reference, &copied(), &p, Some(&zones()), &mut rng);
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
fn refinement_inserts_travel_only_at_adaptation_seams() {
    let p = profile(&person("t", Group::Employed, DayType::Weekday, 40, "male"));
    // Home 0..8 then Work: a direct change at slot 8.
    let reference = diary("HHHHHHHHWWWWWWWWWHHHHHHH", false);
    let mut inserted_at_seam = 0;
    for seed in 0..200 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // Copied as is: no seam, never a Travel.
        let mut d = reference;
        let fixes = refine(&mut d, &reference, &copied(), &p, None, &mut rng);
        assert_eq!(fixes.travel_inserted, 0);
        assert_eq!(d, reference);
        // Slot 7 filled by adaptation: a seam at 7→8, Travel may replace slot 7.
        let mut source = copied();
        source[7] = FILLED;
        let mut d = reference;
        let fixes = refine(&mut d, &reference, &source, &p, None, &mut rng);
        if fixes.travel_inserted > 0 {
            assert_eq!(pattern(&d), "HHHHHHHTWWWWWWWWWHHHHHHH");
            inserted_at_seam += 1;
        }
    }
    let p_insert = heuristics::params::TRAVEL_INSERT_PROBABILITY;
    if p_insert == 0.0 {
        assert_eq!(inserted_at_seam, 0);
    } else if p_insert == 1.0 {
        assert_eq!(inserted_at_seam, 200);
    } else {
        assert!(
            inserted_at_seam > 0 && inserted_at_seam < 200,
            "{inserted_at_seam}"
        );
    }
}

#[test]
fn refinement_undoes_work_moved_into_the_night_unless_night_shift() {
    let p = profile(&person("t", Group::Employed, DayType::Weekday, 40, "male"));
    let reference = diary("HHHHHHHHHHHHHTWWWWWWWWWH", false);
    let night_slot = (0..SLOTS).rev().find(|&h| is_night(h)).unwrap();
    let mut d = reference;
    d.activities[night_slot] = Activity::Work;
    let mut source = copied();
    source[night_slot] = night_slot as u8 - 1; // moved by adaptation
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let reference_night_work = (0..SLOTS)
        .filter(|&h| is_night(h) && reference.activities[h] == Activity::Work)
        .count();
    let fixes = refine(&mut d, &reference, &source, &p, None, &mut rng);
    if reference_night_work < heuristics::params::NIGHT_SHIFT_MIN_SLOTS {
        assert!(fixes.night_work >= 1);
        assert_eq!(d.activities[night_slot], Activity::Home);
    }
    // A night shift keeps its night work.
    let shift = diary("WWWWWWTHHHHHHHHHHHHHHTWW", false);
    let mut d = shift;
    d.activities[night_slot] = Activity::Work;
    let fixes = refine(&mut d, &shift, &source, &p, None, &mut rng);
    assert_eq!(fixes.night_work, 0);
    assert_eq!(d.activities[night_slot], Activity::Work);
}

#[test]
fn adaptation_rehomes_zones_and_keeps_the_day_shape() {
    let state = state(Task::ActivityLocation, &[COMMUTER]);
    let mut target = person("t", Group::Employed, DayType::Weekday, 40, "male");
    target.home_zone = Some(SHOP);
    let reference = diary(COMMUTER, true);
    for seed in 0..100 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (d, record) = adapt(
            &reference,
            Some(HOME),
            &profile(&target),
            state.destinations.as_ref(),
            &mut rng,
        );
        let locs = d.locations.unwrap();
        for (h, (&activity, &loc)) in d.activities.iter().zip(&locs).enumerate() {
            match activity {
                Activity::Home => assert_eq!(loc, SHOP, "seed {seed} slot {h}"),
                Activity::Travel => assert_eq!(loc, Loc::TRAVEL),
                _ => assert!(state.zones.is_retained(loc)),
            }
        }
        assert!(record.shift.abs() <= 1 && record.stretch.abs() <= 1);
        let count = |a: Activity| d.activities.iter().filter(|&&x| x == a).count();
        assert_eq!(count(Activity::Travel), 2, "seed {seed}: {}", pattern(&d));
        let work = count(Activity::Work) as i32;
        assert_eq!(
            work,
            9 + i32::from(record.stretch),
            "seed {seed}: {}",
            pattern(&d)
        );
    }
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
