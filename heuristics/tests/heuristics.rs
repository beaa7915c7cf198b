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

// The four decisions' own tests live in the editable scope, beside the code they check, so an
// agent that changes a decision changes its tests with it; this protected file only includes
// them. What must hold for any generator stays here: valid diaries for every person,
// determinism, a person's day independent of the file around it, the rollout's command line.
#[path = "../src/decision_tests.rs"]
mod decisions;

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

pub(crate) mod real_data {
    //! Both tasks end to end on the real benchmarks: from `MOBEVOLVE_BENCH` if set, else
    //! prepared into a temporary folder with `survey` from `MOBEVOLVE_DATA` or
    //! `<workspace>/../shared/data`. The test split is never read.
    use heuristics::population::align_features;
    use heuristics::{generate_all, GeneratorState};
    use mobility::{Benchmark, DiaryTable, Split, Task};
    use std::path::PathBuf;

    fn data_dir() -> PathBuf {
        std::env::var_os("MOBEVOLVE_DATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
    }

    /// The folder holding both prepared benchmarks, and a temp folder to delete after. The
    /// real data are required: without them this fails, saying what is missing.
    pub fn bench_root() -> (PathBuf, Option<PathBuf>) {
        if let Some(dir) = std::env::var_os("MOBEVOLVE_BENCH") {
            return (PathBuf::from(dir), None);
        }
        let data = data_dir();
        assert!(
            data.is_dir(),
            "the real surveys are missing: no folder {} (put them there, or set MOBEVOLVE_DATA \
             to the surveys or MOBEVOLVE_BENCH to prepared benchmarks)",
            data.display()
        );
        let tmp = std::env::temp_dir().join(format!("heuristics-tests-{}", std::process::id()));
        for (_, config) in survey::builtin_configs() {
            survey::prepare(&config, &data, &tmp)
                .unwrap_or_else(|e| panic!("prepare {}: {e}", config.name));
        }
        (tmp.clone(), Some(tmp))
    }

    /// Valid diaries for every validation person, the same bytes whatever the threads, and a
    /// person's day independent of the people around it.
    fn check(bench: &Benchmark) {
        let train = bench.read_split(Split::Train).unwrap();
        let val = bench.read_split(Split::Val).unwrap();
        let state = GeneratorState::build(bench, &train);
        let persons = align_features(&state, &val.persons);
        let generated = generate_all(&state, &persons, 11, 2);
        assert_eq!(generated.len(), val.persons.persons.len());
        let table = DiaryTable {
            person_ids: persons.iter().map(|p| p.id.clone()).collect(),
            diaries: generated.clone(),
        };
        let report = evaluator::check_validity(bench, val.people(), &table);
        assert!(report.is_valid(), "{}: {:?}", bench.name, report.violations);
        assert_eq!(
            generated,
            generate_all(&state, &persons, 11, 3),
            "{}: the diaries depend on the number of threads",
            bench.name
        );
        let reversed: Vec<_> = persons.iter().rev().cloned().collect();
        let mut again = generate_all(&state, &reversed, 11, 2);
        again.reverse();
        assert_eq!(
            generated, again,
            "{}: a person's day depends on the order of the people",
            bench.name
        );
        if bench.task == Task::ActivityLocation {
            let evaluation = evaluator::evaluate(bench, val.people(), &val.diaries, &generated);
            assert_eq!(evaluation.value("invalid_rate"), Some(0.0));
        }
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
    fn both_tasks_end_to_end_are_valid_and_deterministic() {
        let (root, cleanup) = bench_root();
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
