//! Integration tests of the heuristics crate: each decision on small constructed cases,
//! determinism, and both tasks end to end on the real prepared benchmarks.

mod fixtures {
    //! A tiny constructed location benchmark: three zones, persons with `age`/`sex`.
    use heuristics::features::{FeatureColumns, Profile};
    use heuristics::GeneratorState;
    use mobility::{
        Activity, Benchmark, DayType, Diary, Group, Loc, Person, PersonTable, Split, SplitData,
        Task, ZoneTable, SLOTS,
    };
    use std::path::PathBuf;

    pub const HOME: Loc = Loc(1);
    pub const OFFICE: Loc = Loc(2);
    pub const SHOP: Loc = Loc(3);

    pub fn zones() -> ZoneTable {
        ZoneTable::new(vec![
            ("A".into(), (0.0, 0.0)),
            ("B".into(), (3.0, 0.0)),
            ("C".into(), (0.0, 7.0)),
        ])
    }

    pub fn bench(task: Task) -> Benchmark {
        Benchmark {
            name: "fixture".into(),
            dir: PathBuf::from("fixture"),
            task,
            zones: if task == Task::ActivityLocation {
                zones()
            } else {
                ZoneTable::new(vec![])
            },
        }
    }

    pub fn person(id: &str, group: Group, day_type: DayType, age: u32, sex: &str) -> Person {
        Person {
            id: id.into(),
            household_id: id.into(),
            group,
            day_type,
            home_zone: Some(HOME),
            features: vec![age.to_string(), sex.into()],
        }
    }

    pub fn feature_names() -> Vec<String> {
        vec!["age".into(), "sex".into()]
    }

    pub fn profile(person: &Person) -> Profile {
        FeatureColumns::resolve(&feature_names()).profile(person)
    }

    /// A diary from a 24-character pattern: H W S O T, with zones for the location task
    /// (Home at HOME, Work and School at OFFICE, Others at SHOP, Travel at T).
    pub fn diary(pattern: &str, with_locations: bool) -> Diary {
        assert_eq!(pattern.len(), SLOTS, "pattern `{pattern}`");
        let mut d = Diary::all_home(with_locations.then_some(HOME));
        for (h, c) in pattern.chars().enumerate() {
            let (a, l) = match c {
                'H' => (Activity::Home, HOME),
                'W' => (Activity::Work, OFFICE),
                'S' => (Activity::School, OFFICE),
                'O' => (Activity::Others, SHOP),
                'T' => (Activity::Travel, Loc::TRAVEL),
                _ => panic!("bad pattern char {c}"),
            };
            d.activities[h] = a;
            if let Some(locs) = d.locations.as_mut() {
                locs[h] = l;
            }
        }
        d
    }

    pub fn pattern(d: &Diary) -> String {
        d.activities
            .iter()
            .map(|a| a.name().chars().next().unwrap())
            .collect()
    }

    pub const COMMUTER: &str = "HHHHHHHTWWWWWWWWWTHHHHHH";
    pub const SHOPPER: &str = "HHHHHHHHHHTOOTHHHHHHHHHH";
    pub const STAY_HOME: &str = "HHHHHHHHHHHHHHHHHHHHHHHH";

    /// A train split of employed weekday persons with the given diaries.
    pub fn state(task: Task, patterns: &[&str]) -> GeneratorState {
        let persons: Vec<Person> = patterns
            .iter()
            .enumerate()
            .map(|(i, _)| {
                person(
                    &format!("p{i}"),
                    Group::Employed,
                    DayType::Weekday,
                    30 + i as u32,
                    "female",
                )
            })
            .collect();
        let with_locations = task == Task::ActivityLocation;
        let train = SplitData {
            split: Split::Train,
            persons: PersonTable {
                feature_names: feature_names(),
                persons,
            },
            diaries: patterns.iter().map(|p| diary(p, with_locations)).collect(),
        };
        GeneratorState::build(&bench(task), &train)
    }
}

mod decisions {
    use super::fixtures::*;
    use heuristics::adaptation::{adapt, FILLED};
    use heuristics::refinement::{is_night, refine};
    use heuristics::{generate_person, retrieval, GeneratorState};
    use mobility::{
        Activity, DayType, Group, Loc, Person, PersonTable, Split, SplitData, Task, SLOTS,
    };
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
}

mod determinism {
    use super::fixtures::*;
    use heuristics::{generate_all, generate_all_traced, write_population};
    use mobility::{write_diaries, DayType, Group, Person, Task};

    fn targets() -> Vec<Person> {
        (0..300)
            .map(|i| {
                let group = [Group::Employed, Group::Student, Group::Other][i % 3];
                person(
                    &format!("t{i}"),
                    group,
                    DayType::Weekday,
                    20 + (i % 50) as u32,
                    "male",
                )
            })
            .collect()
    }

    fn csv(
        state: &heuristics::GeneratorState,
        persons: &[Person],
        seed: u64,
        threads: usize,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        write_population(state, persons, seed, threads, &mut out, None).unwrap();
        out
    }

    #[test]
    fn same_seed_same_bytes_whatever_the_threads() {
        let state = state(
            Task::ActivityLocation,
            &[COMMUTER, SHOPPER, STAY_HOME, COMMUTER, SHOPPER],
        );
        let persons = targets();
        let one = csv(&state, &persons, 5, 1);
        assert_eq!(one, csv(&state, &persons, 5, 1));
        assert_eq!(one, csv(&state, &persons, 5, 4));
        assert_ne!(
            one,
            csv(&state, &persons, 6, 1),
            "another seed should change something"
        );
        // Streaming writes what the in-memory API returns.
        let diaries = generate_all(&state, &persons, 5, 3);
        let mut direct = Vec::new();
        write_diaries(
            &mut direct,
            persons.iter().map(|p| p.id.as_str()).zip(&diaries),
            Some(&state.zones),
        )
        .unwrap();
        assert_eq!(one, direct);
        let traced = generate_all_traced(&state, &persons, 5, 2);
        assert!(traced.iter().map(|(d, _)| d).eq(diaries.iter()));
    }

    #[test]
    fn a_person_gets_the_same_day_in_any_order_or_subset() {
        let state = state(
            Task::ActivityLocation,
            &[COMMUTER, SHOPPER, STAY_HOME, COMMUTER, SHOPPER],
        );
        let persons = targets();
        let full = generate_all(&state, &persons, 9, 2);
        let by_id: std::collections::HashMap<&str, &mobility::Diary> =
            persons.iter().map(|p| p.id.as_str()).zip(&full).collect();
        // Reversed, and every third person only: each keeps the diary it had in the full file.
        let reversed: Vec<Person> = persons.iter().rev().cloned().collect();
        let subset: Vec<Person> = persons.iter().step_by(3).cloned().collect();
        for (label, part) in [("reversed", reversed), ("subset", subset)] {
            let diaries = generate_all(&state, &part, 9, 3);
            for (p, d) in part.iter().zip(&diaries) {
                assert_eq!(by_id[p.id.as_str()], d, "{label}: person {} changed", p.id);
            }
        }
        // Streaming in two parts gives the bytes of one pass.
        let (head, tail) = persons.split_at(123);
        let mut parts = Vec::new();
        heuristics::write_population_part(&state, head, 9, 2, true, &mut parts, None).unwrap();
        heuristics::write_population_part(&state, tail, 9, 2, false, &mut parts, None).unwrap();
        assert_eq!(parts, csv(&state, &persons, 9, 1));
        // The stream is the person's, not the row's: two people differ at the same seed.
        assert_ne!(
            heuristics::person_seed(9, "t0"),
            heuristics::person_seed(9, "t1")
        );
        assert_ne!(
            heuristics::person_seed(9, "t0"),
            heuristics::person_seed(10, "t0")
        );
    }

    #[test]
    fn traces_are_one_json_object_per_person() {
        let state = state(Task::Activity, &[COMMUTER, SHOPPER]);
        let persons = targets();
        let mut out = Vec::new();
        let mut traces = Vec::new();
        write_population(&state, &persons, 1, 2, &mut out, Some(&mut traces)).unwrap();
        let text = String::from_utf8(traces).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), persons.len());
        assert!(
            lines[0].starts_with("{\"person_id\":\"t0\",\"segment\":\"employed|weekday\""),
            "{}",
            lines[0]
        );
        assert!(lines
            .iter()
            .all(|l| l.ends_with("}}") && l.contains("\"participation\":{")));
    }
}

mod rollout_cli {
    //! The `rollout` binary's command line (no data needed).
    use std::process::Command;

    fn rollout(args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_rollout"))
            .args(args)
            .output()
            .unwrap()
    }

    #[test]
    fn help_prints_the_usage_and_succeeds() {
        for flag in ["--help", "-h"] {
            let out = rollout(&[flag]);
            assert!(out.status.success(), "{flag}: {:?}", out.status);
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(text.starts_with("usage: rollout --bench <DIR>"), "{text}");
        }
    }

    #[test]
    fn bad_arguments_exit_2_with_the_usage() {
        for args in [&["--frobnicate"][..], &["--bench", "x", "--seed", "1"]] {
            let out = rollout(args);
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            let text = String::from_utf8(out.stderr).unwrap();
            assert!(
                text.starts_with("rollout: ") && text.contains("usage: rollout"),
                "{text}"
            );
        }
    }
}

mod real_data {
    //! Both tasks end to end on the real benchmarks: from `MOBEVOLVE_BENCH` if set, else
    //! prepared into a temporary folder with `survey` from `MOBEVOLVE_DATA` or
    //! `<workspace>/../shared/data`. The test split is never read.
    use heuristics::population::align_features;
    use heuristics::{generate_all, retrieval, GeneratorState};
    use mobility::{Benchmark, DiaryTable, Split, Task};
    use std::path::PathBuf;

    fn data_dir() -> PathBuf {
        std::env::var_os("MOBEVOLVE_DATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
    }

    /// The folder holding both prepared benchmarks, and a temp folder to delete after.
    fn bench_root() -> Option<(PathBuf, Option<PathBuf>)> {
        if let Some(dir) = std::env::var_os("MOBEVOLVE_BENCH") {
            return Some((PathBuf::from(dir), None));
        }
        let data = data_dir();
        if !data.is_dir() {
            println!(
                "SKIPPED: no real data at {} (set MOBEVOLVE_DATA or MOBEVOLVE_BENCH)",
                data.display()
            );
            return None;
        }
        let tmp = std::env::temp_dir().join(format!("heuristics-tests-{}", std::process::id()));
        for (_, config) in survey::builtin_configs() {
            survey::prepare(&config, &data, &tmp)
                .unwrap_or_else(|e| panic!("prepare {}: {e}", config.name));
        }
        Some((tmp.clone(), Some(tmp)))
    }

    fn check(bench: &Benchmark) {
        let train = bench.read_split(Split::Train).unwrap();
        let val = bench.read_split(Split::Val).unwrap();
        let state = GeneratorState::build(bench, &train);
        let persons = align_features(&state, &val.persons);
        for person in &persons {
            let profile = state.columns.profile(person);
            assert_eq!(
                retrieval::neighbours(&state, &profile),
                retrieval::neighbours_full_scan(&state, &profile),
                "{}: grouped retrieval differs from the full scan for {}",
                bench.name,
                person.id
            );
        }
        let generated = generate_all(&state, &persons, 11, 2);
        assert_eq!(generated.len(), val.persons.persons.len());
        let table = DiaryTable {
            person_ids: persons.iter().map(|p| p.id.clone()).collect(),
            diaries: generated.clone(),
        };
        let report = evaluator::check_validity(bench, val.people(), &table);
        assert!(report.is_valid(), "{}: {:?}", bench.name, report.violations);
        let evaluation = evaluator::evaluate(bench, val.people(), &val.diaries, &generated);
        // Real routines of similar people: far better than chance on every group.
        let slot_accuracy = 1.0
            - evaluation
                .value(match bench.task {
                    Task::Activity => "slot_accuracy_error",
                    Task::ActivityLocation => "activity_accuracy_error",
                })
                .unwrap();
        assert!(
            slot_accuracy > 0.6,
            "{}: slot accuracy {slot_accuracy}",
            bench.name
        );
        assert!(
            evaluation.distribution < 0.5,
            "{}: distribution {}",
            bench.name,
            evaluation.distribution
        );
        if bench.task == Task::ActivityLocation {
            assert_eq!(evaluation.value("invalid_rate"), Some(0.0));
        }
        println!("{}: {}", bench.name, evaluation.score);
    }

    /// The example of the crate documentation (src/lib.rs), verbatim but for the folder.
    fn crate_doc_example(dir: &std::path::Path) {
        use mobility::{Benchmark, Split};
        let bench = Benchmark::open(dir).unwrap();
        let train = bench.read_split(Split::Train).unwrap();
        let state = heuristics::GeneratorState::build(&bench, &train);
        let val = bench.persons(Split::Val).unwrap();
        let diaries = heuristics::generate_all(&state, &val.persons, 42, 2);
        assert_eq!(diaries.len(), val.persons.len());
    }

    #[test]
    fn both_tasks_end_to_end_are_valid_and_realistic() {
        let Some((root, cleanup)) = bench_root() else {
            return;
        };
        let atus = Benchmark::open(&root.join("atus-2014")).unwrap();
        assert_eq!(atus.task, Task::Activity);
        check(&atus);
        let santiago = Benchmark::open(&root.join("santiago-2012")).unwrap();
        assert_eq!(santiago.task, Task::ActivityLocation);
        check(&santiago);
        crate_doc_example(&root.join("atus-2014"));
        if let Some(dir) = cleanup {
            std::fs::remove_dir_all(dir).unwrap();
        }
    }
}
