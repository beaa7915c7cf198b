//! Integration tests of the evaluator: hand-computed metric cases, validity,
//! attribution, and real benchmarks scored against themselves.

use evaluator::*;
use mobility::{Activity, Benchmark, DayType, Diary, Group, Loc, Person, Task, ZoneTable, SLOTS};
use std::path::PathBuf;

const EPS: f64 = 1e-12;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < EPS
}

/// JSD by the entropy identity H(M) − ½H(P) − ½H(Q), independent of the crate's formula.
fn jsd_by_entropy(p: &[f64], q: &[f64]) -> f64 {
    let h = |v: &[f64]| -> f64 { v.iter().filter(|&&x| x > 0.0).map(|&x| -x * x.log2()).sum() };
    let m: Vec<f64> = p.iter().zip(q).map(|(a, b)| (a + b) / 2.0).collect();
    h(&m) - h(p) / 2.0 - h(q) / 2.0
}

fn parse_acts(s: &str) -> [Activity; SLOTS] {
    assert_eq!(s.len(), SLOTS, "{s}");
    let mut a = [Activity::Home; SLOTS];
    for (h, c) in s.chars().enumerate() {
        a[h] = match c {
            'H' => Activity::Home,
            'W' => Activity::Work,
            'S' => Activity::School,
            'O' => Activity::Others,
            'T' => Activity::Travel,
            _ => panic!("bad char {c}"),
        };
    }
    a
}

fn diary(s: &str) -> Diary {
    Diary {
        activities: parse_acts(s),
        locations: None,
    }
}

fn person(i: usize, group: Group, day_type: DayType, home: Option<Loc>) -> Person {
    Person {
        id: format!("p{i}"),
        household_id: format!("h{i}"),
        group,
        day_type,
        home_zone: home,
        features: Vec::new(),
    }
}

fn activity_bench() -> Benchmark {
    Benchmark {
        name: "hand".into(),
        dir: PathBuf::new(),
        task: Task::Activity,
        zones: ZoneTable::new(Vec::new()),
    }
}

/// Zones A=(0,0), B=(3,4) (5 km from A), C=(0,1.5) (1.5 km from A).
fn location_bench() -> Benchmark {
    Benchmark {
        name: "hand-loc".into(),
        dir: PathBuf::new(),
        task: Task::ActivityLocation,
        zones: ZoneTable::new(vec![
            ("A".into(), (0.0, 0.0)),
            ("B".into(), (3.0, 4.0)),
            ("C".into(), (0.0, 1.5)),
        ]),
    }
}

const A: Loc = Loc(1);
const B: Loc = Loc(2);
const C: Loc = Loc(3);

/// A location diary from an activity string and one zone per slot ('A', 'B', 'C', 'T', 'X').
fn loc_diary(acts: &str, zones: &str, unknown: Loc) -> Diary {
    assert_eq!(zones.len(), SLOTS);
    let mut l = [Loc::TRAVEL; SLOTS];
    for (h, c) in zones.chars().enumerate() {
        l[h] = match c {
            'A' => A,
            'B' => B,
            'C' => C,
            'T' => Loc::TRAVEL,
            'X' => unknown,
            _ => panic!("bad zone {c}"),
        };
    }
    Diary {
        activities: parse_acts(acts),
        locations: Some(l),
    }
}

mod divergence {
    use super::*;

    #[test]
    fn equal_distributions_give_zero() {
        assert_eq!(jsd(&[3, 5, 0, 2], &[3, 5, 0, 2]), 0.0);
        assert_eq!(jsd(&[1, 1], &[7, 7]), 0.0);
    }

    #[test]
    fn disjoint_supports_give_one() {
        assert_eq!(jsd(&[4, 0, 0], &[0, 2, 9]), 1.0);
    }

    #[test]
    fn two_bin_case_by_hand() {
        // P = (½, ½), Q = (1, 0), M = (¾, ¼):
        // ½[½log2(½/¾) + ½log2(½/¼)] + ½[log2(1/¾)] = 0.311278124459…
        let by_hand = 0.5 * (0.5 * (0.5f64 / 0.75).log2() + 0.5 * (0.5f64 / 0.25).log2())
            + 0.5 * (1.0f64 / 0.75).log2();
        assert!(close(jsd(&[1, 1], &[1, 0]), by_hand));
        assert!((by_hand - 0.311_278_124_459_132_8).abs() < 1e-12);
        assert!(close(by_hand, jsd_by_entropy(&[0.5, 0.5], &[1.0, 0.0])));
    }

    #[test]
    fn empty_sides() {
        assert_eq!(jsd(&[0, 0], &[0, 0]), 0.0);
        assert_eq!(jsd(&[0, 0], &[0, 3]), 1.0);
        assert_eq!(jsd(&[2, 0], &[0, 0]), 1.0);
    }

    #[test]
    fn mean_and_max_of_rows() {
        let rows: [(&[u64], &[u64]); 3] =
            [(&[1, 0], &[1, 0]), (&[1, 0], &[0, 1]), (&[1, 1], &[1, 0])];
        let (mean, max) = jsd_mean_max(rows.into_iter());
        assert!(close(mean, (0.0 + 1.0 + 0.311_278_124_459_132_8) / 3.0));
        assert_eq!(max, 1.0);
    }
}

mod weighted_f1 {
    use super::*;

    fn tallies(labels: usize, truth: &[usize], pred: &[usize]) -> ClassTallies {
        let mut t = ClassTallies::new(labels);
        for (&a, &b) in truth.iter().zip(pred) {
            t.add(a, b);
        }
        t
    }

    #[test]
    fn sklearn_documentation_example() {
        // sklearn f1_score([0,1,2,0,1,2], [0,2,1,0,0,1], average="weighted") = 0.26666…
        // class 0: P=2/3 R=1 F1=0.8; classes 1, 2: F1=0; weights 2/6 each.
        let t = tallies(3, &[0, 1, 2, 0, 1, 2], &[0, 2, 1, 0, 0, 1]);
        assert!(close(t.weighted_f1(), 0.8 / 3.0));
        assert!(close(t.accuracy(), 2.0 / 6.0));
    }

    #[test]
    fn class_only_predicted_has_weight_zero() {
        // true [0,0,1,1], pred [0,2,1,1]: class 0 P=1 R=½ F1=⅔, class 1 F1=1, class 2
        // (never true) P=0 (0/1) R=0/0 → weight 0. Weighted = (⅔·2 + 1·2)/4 = ⅚.
        let t = tallies(3, &[0, 0, 1, 1], &[0, 2, 1, 1]);
        assert!(close(t.weighted_f1(), 5.0 / 6.0));
    }

    #[test]
    fn through_evaluate_with_school_never_true() {
        // Home: TP 6, support 12, predicted 6 → F1 ⅔; Work: F1 1; School only predicted.
        let bench = activity_bench();
        let persons = vec![person(0, Group::Employed, DayType::Weekday, None)];
        let real = vec![diary("HHHHHHHHHHHHWWWWWWWWWWWW")];
        let generated = vec![diary("HHHHHHSSSSSSWWWWWWWWWWWW")];
        let e = evaluate(&bench, &persons, &real, &generated);
        assert!(close(e.value("slot_accuracy_error").unwrap(), 0.25));
        assert!(close(e.value("weighted_f1_error").unwrap(), 1.0 / 6.0));
        assert!(close(e.side.activity_weighted_f1, 5.0 / 6.0));
        assert!(close(e.individual, 0.25 + 1.0 / 6.0));
    }
}

mod activity_task {
    use super::*;

    #[test]
    fn diary_features() {
        assert_eq!(
            first_nonhome_hour(&parse_acts("HHHHHHHHHHHHHHHHHHHHHHHH")),
            24
        );
        assert_eq!(
            first_nonhome_hour(&parse_acts("HHHHHHHTWWWWWWWWWTHHHHHH")),
            7
        );
        assert_eq!(
            first_nonhome_hour(&parse_acts("OHHHHHHHHHHHHHHHHHHHHHHH")),
            0
        );
        assert_eq!(max_others_run(&parse_acts("HHHHHHHTWWWWWWWWWTHHHHHH")), 0);
        assert_eq!(max_others_run(&parse_acts("OOHOOOHHHHHHHHHHHHHHHOOO")), 3);
        assert_eq!(
            last_return_home_hour(&parse_acts("HHHHHHHHWWWWHHOOHHHHHHHH")),
            16
        );
        assert_eq!(
            last_return_home_hour(&parse_acts("HHHHHHHHHHHHHHHHHHHHHHHH")),
            24
        );
        assert_eq!(
            last_return_home_hour(&parse_acts("HHHHHHHHWWWWWWWWWWWWWWWW")),
            24
        );
        assert_eq!(
            last_return_home_hour(&parse_acts("WWWWWWHHHHHHHHHHHHHHHHHH")),
            6
        );
        assert!(
            ACTIVITY_NIGHT[5] && !ACTIVITY_NIGHT[6] && !ACTIVITY_NIGHT[21] && ACTIVITY_NIGHT[22]
        );
        assert!(LOCATION_NIGHT[20] && !LOCATION_NIGHT[19]);
    }

    #[test]
    fn first_nonhome_hour_24_for_all_home() {
        // Real: all Home (value 24); generated: out at 8 → disjoint → 1.
        let bench = activity_bench();
        let persons = vec![person(0, Group::Other, DayType::Weekday, None)];
        let e = evaluate(
            &bench,
            &persons,
            &[diary("HHHHHHHHHHHHHHHHHHHHHHHH")],
            &[diary("HHHHHHHHOHHHHHHHHHHHHHHH")],
        );
        assert_eq!(e.value("first_nonhome_hour_jsd"), Some(1.0));
        // Both all-Home → same value 24 → 0.
        let e = evaluate(
            &bench,
            &persons,
            &[diary("HHHHHHHHHHHHHHHHHHHHHHHH")],
            &[diary("HHHHHHHHHHHHHHHHHHHHHHHH")],
        );
        assert_eq!(e.value("first_nonhome_hour_jsd"), Some(0.0));
        assert_eq!(e.score, 0.0);
    }

    #[test]
    fn max_others_run_zero_counts_as_a_value() {
        // Non-work diaries: real runs {0, 2}, generated {2, 2}: P=(½,½), Q=(0,1).
        let bench = activity_bench();
        let persons = vec![
            person(0, Group::Other, DayType::Weekday, None),
            person(1, Group::Other, DayType::Weekday, None),
        ];
        let real = [
            diary("HHHHHHHHHHHHHHHHHHHHHHHH"),
            diary("HHHHHHHHOOHHHHHHHHHHHHHH"),
        ];
        let generated = [
            diary("HHHHHHHHOOHHHHHHHHHHHHHH"),
            diary("HHHHHHHHOOHHHHHHHHHHHHHH"),
        ];
        let e = evaluate(&bench, &persons, &real, &generated);
        let two_bin = jsd_by_entropy(&[0.5, 0.5], &[0.0, 1.0]);
        assert!(close(
            e.value("nonwork_max_others_run_jsd").unwrap(),
            two_bin
        ));
        // Others counts {0, 2} vs {2, 2}: the same shape.
        assert!(close(e.value("nonwork_others_count_jsd").unwrap(), two_bin));
        // Nobody employed or student: subgroup diagnostics compare two empty sets.
        assert_eq!(e.value("employed_travel_count_jsd"), Some(0.0));
        assert_eq!(e.value("student_changed_pair_jsd"), Some(0.0));
    }

    #[test]
    fn pairs_hourly_and_shares_by_hand() {
        let bench = activity_bench();
        let persons = vec![person(0, Group::Employed, DayType::Weekday, None)];
        let real = [diary("HHHHHHHHHHHHHHHHHHHHHHHH")];
        let generated = [diary("HHHHHHHHHHHHWWWWWWWWWWWW")];
        let e = evaluate(&bench, &persons, &real, &generated);
        // Hourly: 12 disjoint hours of 24.
        assert!(close(e.value("hourly_activity_jsd_mean").unwrap(), 0.5));
        assert_eq!(e.value("hourly_activity_jsd_max"), Some(1.0));
        // Shares: (1, 0) vs (½, ½).
        assert!(close(
            e.value("activity_share_jsd").unwrap(),
            jsd_by_entropy(&[1.0, 0.0], &[0.5, 0.5])
        ));
        // Pairs: HH×23 vs HH×11, HW×1, WW×11.
        assert!(close(
            e.value("pair_jsd").unwrap(),
            jsd_by_entropy(&[1.0, 0.0, 0.0], &[11.0 / 23.0, 1.0 / 23.0, 11.0 / 23.0])
        ));
        // Changed pairs: none vs HW → one side empty.
        assert_eq!(e.value("changed_pair_jsd"), Some(1.0));
        assert_eq!(e.value("employed_changed_pair_jsd"), Some(1.0));
        // Last slot H vs W; first slot equal.
        assert_eq!(e.value("last_slot_jsd"), Some(1.0));
        assert_eq!(e.value("first_slot_jsd"), Some(0.0));
        // Night (0–5, 22–23): non-home count 0 vs 2 (22, 23); Work count likewise.
        assert_eq!(e.value("night_nonhome_count_jsd"), Some(1.0));
        assert_eq!(e.value("night_work_count_jsd"), Some(1.0));
        assert_eq!(e.value("night_others_count_jsd"), Some(0.0));
        // Fewer than 30 records in the only segment → worst-segment JSD falls back to 0.
        assert_eq!(e.value("worst_segment_activity_jsd"), Some(0.0));
        // Score is the sum of all contributions.
        let total: f64 = e.diagnostics.iter().map(|d| d.contribution()).sum();
        assert!(close(e.score, total));
        assert!(close(e.score, e.individual + e.distribution + e.behavior));
        assert_eq!(e.diagnostics.len(), 24);
    }

    #[test]
    fn night_window_differs_between_tasks() {
        // Others at 20–21 only: not night in the activity task, night in the location task.
        let persons = vec![person(0, Group::Other, DayType::Weekend, Some(A))];
        let e = evaluate(
            &activity_bench(),
            &persons,
            &[diary("HHHHHHHHHHHHHHHHHHHHHHHH")],
            &[diary("HHHHHHHHHHHHHHHHHHHHOOHH")],
        );
        assert_eq!(e.value("night_nonhome_count_jsd"), Some(0.0));
        let e = evaluate(
            &location_bench(),
            &persons,
            &[loc_diary(
                "HHHHHHHHHHHHHHHHHHHHHHHH",
                "AAAAAAAAAAAAAAAAAAAAAAAA",
                A,
            )],
            &[loc_diary(
                "HHHHHHHHHHHHHHHHHHHHOOHH",
                "AAAAAAAAAAAAAAAAAAAABBAA",
                A,
            )],
        );
        assert_eq!(e.value("night_nonhome_count_jsd"), Some(1.0));
    }

    #[test]
    fn worst_segment_needs_30_real_records() {
        let bench = activity_bench();
        let real_d = diary("HHHHHHHHHHHHHHHHHHHHHHHH");
        let gen_d = diary("HHHHHHHHHHHHWWWWWWWWWWWW");
        for (n, expect) in [(29, 0.0), (30, 0.5)] {
            let persons: Vec<Person> = (0..n)
                .map(|i| person(i, Group::Student, DayType::Weekday, None))
                .collect();
            let e = evaluate(&bench, &persons, &vec![real_d; n], &vec![gen_d; n]);
            assert!(
                close(e.value("worst_segment_activity_jsd").unwrap(), expect),
                "n={n}"
            );
        }
        // 30 perfect records in one segment and 5 bad ones in another: the small one is
        // ignored by the worst-segment diagnostic.
        let mut persons: Vec<Person> = (0..30)
            .map(|i| person(i, Group::Student, DayType::Weekday, None))
            .collect();
        persons.extend((30..35).map(|i| person(i, Group::Employed, DayType::Weekend, None)));
        let real = vec![real_d; 35];
        let mut generated = real.clone();
        for g in generated.iter_mut().skip(30) {
            *g = gen_d;
        }
        let e = evaluate(&bench, &persons, &real, &generated);
        assert_eq!(e.value("worst_segment_activity_jsd"), Some(0.0));
        assert!(e.value("hourly_activity_jsd_mean").unwrap() > 0.0);
    }

    #[test]
    fn subgroups_are_separated() {
        let bench = activity_bench();
        let persons = vec![
            person(0, Group::Student, DayType::Weekday, None),
            person(1, Group::Employed, DayType::Weekday, None),
        ];
        let real = [
            diary("HHHHHHHTSSSSSSSTHHHHHHHH"),
            diary("HHHHHHHTWWWWWWWWWTHHHHHH"),
        ];
        let generated = [
            diary("HHHHHHHTSSSSSSSTHHHHHHHH"),
            diary("HHHHHHHTTWWWWWWWWTHHHHHH"),
        ];
        let e = evaluate(&bench, &persons, &real, &generated);
        assert_eq!(e.value("student_school_count_jsd"), Some(0.0));
        assert_eq!(e.value("student_travel_count_jsd"), Some(0.0));
        assert_eq!(e.value("student_changed_pair_jsd"), Some(0.0));
        assert_eq!(e.value("employed_travel_count_jsd"), Some(1.0));
        // Employed changed pairs: {HT, TW, WT, TH} vs {HT, TW, WT, TH}: equal.
        assert_eq!(e.value("employed_changed_pair_jsd"), Some(0.0));
        // All diaries' travel counts: {2, 2} vs {2, 3}.
        assert!(close(
            e.value("travel_count_jsd").unwrap(),
            jsd_by_entropy(&[1.0, 0.0], &[0.5, 0.5])
        ));
    }

    #[test]
    fn temporal_mae() {
        let bench = activity_bench();
        let persons = vec![
            person(0, Group::Employed, DayType::Weekday, None),
            person(1, Group::Other, DayType::Weekday, None),
        ];
        // Person 0: first 8 vs 7 (60 min), last return 18 vs 20 (120 min).
        // Person 1: real all Home → not counted.
        let real = [
            diary("HHHHHHHHWWWWWWWWWWHHHHHH"),
            diary("HHHHHHHHHHHHHHHHHHHHHHHH"),
        ];
        let generated = [
            diary("HHHHHHHWWWWWWWWWWWWWHHHH"),
            diary("HHHHHHHHOOHHHHHHHHHHHHHH"),
        ];
        let e = evaluate(&bench, &persons, &real, &generated);
        assert_eq!(e.side.temporal_mae_people, 1);
        assert!(close(e.side.first_nonhome_mae_min, 60.0));
        assert!(close(e.side.last_return_home_mae_min, 120.0));
        assert!(close(e.side.temporal_mae_min, 90.0));
        assert_eq!(e.side.spatial_mae_km, None);
    }

    #[test]
    fn json_round_trip_and_table() {
        let (bench, persons, real, generated) = synthetic_split(Task::Activity, 200, 3);
        let e = evaluate(&bench, &persons, &real, &generated);
        let json = serde_json::to_string(&e).unwrap();
        let back: Evaluation = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
        let table = e.to_table();
        for name in ACTIVITY_BEHAVIOR {
            assert!(table.contains(name), "{name} missing from table");
        }
        assert!(table.contains("SCORE"));
    }
}

mod location_task {
    use super::*;

    #[test]
    fn distance_bins() {
        for (km, bin) in [
            (0.0, 0),
            (0.999, 0),
            (1.0, 1),
            (1.99, 1),
            (2.0, 2),
            (4.99, 2),
            (5.0, 3),
            (9.99, 3),
            (10.0, 4),
            (19.99, 4),
            (20.0, 5),
            (250.0, 5),
        ] {
            assert_eq!(distance_bin(km), bin, "{km} km");
        }
    }

    #[test]
    fn work_in_another_zone_by_hand() {
        // Employed, home A. Real works at B (5 km), generated at C (1.5 km).
        let bench = location_bench();
        let persons = vec![person(0, Group::Employed, DayType::Weekday, Some(A))];
        let acts = "HHHHHHHHTWWWWWWWWTHHHHHH";
        let real = [loc_diary(acts, "AAAAAAAATBBBBBBBBTAAAAAA", A)];
        let generated = [loc_diary(acts, "AAAAAAAATCCCCCCCCTAAAAAA", A)];
        let e = evaluate(&bench, &persons, &real, &generated);
        let v = |n: &str| e.value(n).unwrap_or_else(|| panic!("{n}"));
        assert_eq!(v("activity_accuracy_error"), 0.0);
        assert!(close(v("joint_accuracy_error"), 1.0 / 3.0));
        // Home@A F1 1 (14), Travel@T F1 1 (2), Work@B F1 0 (8), Work@C weight 0.
        assert!(close(v("joint_weighted_f1_error"), 1.0 / 3.0));
        assert_eq!(v("worst_segment_joint_accuracy_error"), 0.0); // < 30 records
        assert_eq!(v("invalid_rate"), 0.0);
        assert!(close(v("hourly_location_jsd_mean"), 8.0 / 24.0));
        assert_eq!(v("hourly_location_jsd_max"), 1.0);
        // Shares A 14, T 2, B 8 vs A 14, T 2, C 8: each lone bin adds ½·p = ⅙.
        assert!(close(v("location_share_jsd"), 1.0 / 3.0));
        assert!(close(v("joint_share_jsd"), 1.0 / 3.0));
        assert!(close(v("joint_share_behavior_jsd"), 1.0 / 3.0));
        assert_eq!(v("nonhome_distance_jsd"), 1.0); // [5,10) vs [1,2)
        assert_eq!(v("work_distance_jsd"), 1.0);
        assert_eq!(v("work_location_jsd"), 1.0);
        assert_eq!(v("others_location_jsd"), 0.0); // both empty
        assert_eq!(v("away_fixed_count_jsd"), 0.0); // 8 vs 8
        assert_eq!(v("home_zone_nonhome_count_jsd"), 0.0);
        assert_eq!(v("worker_travel_count_jsd"), 0.0);
        for n in [
            "hourly_activity_jsd_mean",
            "activity_share_jsd",
            "worst_segment_activity_jsd",
        ] {
            assert_eq!(v(n), 0.0, "{n}");
        }
        let expected_score = 1.0 / 3.0 * 2.0 // individual
            + (1.0 / 3.0 + 1.0 + 1.0 / 3.0 + 1.0 / 3.0) // distribution
            + (1.0 + 1.0 / 3.0 + 1.0 + 1.0); // behavior
        assert!(close(e.score, expected_score), "{}", e.score);
        assert_eq!(e.diagnostics.len(), 23);
        // Spatial MAE over the 22 non-Travel slots: 8 at |B−C| = √15.25 km.
        let bc = 15.25f64.sqrt();
        assert_eq!(e.side.spatial_mae_slots, 22);
        assert!(close(e.side.spatial_mae_km.unwrap(), 8.0 * bc / 22.0));
        assert_eq!(e.side.temporal_mae_min, 0.0);
    }

    #[test]
    fn work_at_home_zone_counts_at_distance_zero() {
        // Real works at home zone A (bin [0,1), not a fixed non-home slot); generated at B.
        let bench = location_bench();
        let persons = vec![person(0, Group::Employed, DayType::Weekday, Some(A))];
        let acts = "HHHHHHHHTWWWWWWWWTHHHHHH";
        let real = [loc_diary(acts, "AAAAAAAATAAAAAAAATAAAAAA", A)];
        let generated = [loc_diary(acts, "AAAAAAAATBBBBBBBBTAAAAAA", A)];
        let e = evaluate(&bench, &persons, &real, &generated);
        assert_eq!(e.value("work_distance_jsd"), Some(1.0)); // bin 0 vs bin 3
        assert_eq!(e.value("nonhome_distance_jsd"), Some(1.0)); // empty vs one bin
        assert_eq!(e.value("home_zone_nonhome_count_jsd"), Some(1.0)); // 8 vs 0
        assert_eq!(e.value("away_fixed_count_jsd"), Some(1.0)); // 0 vs 8
    }

    #[test]
    fn invalid_slots_are_counted_and_scored() {
        let bench = location_bench();
        let mut zones = bench.zones.clone();
        let unknown = zones.intern("999");
        let persons = vec![person(0, Group::Other, DayType::Weekday, Some(A))];
        // h0 Home at B, h1 Travel at A, h2 Work at T, h3 Others at unknown 999: invalid.
        // h4 Home at A, h5 Travel at T, h6 School at A (home zone): valid.
        let acts = "HTWOHTSHHHHHHHHHHHHHHHHH";
        let generated = [loc_diary(acts, "BATXATAAAAAAAAAAAAAAAAAA", unknown)];
        let real = [loc_diary(
            "HHHHHHHHHHHHHHHHHHHHHHHH",
            "AAAAAAAAAAAAAAAAAAAAAAAA",
            unknown,
        )];
        let e = evaluate(&bench, &persons, &real, &generated);
        assert!(close(e.value("invalid_rate").unwrap(), 4.0 / 24.0));
        let inv = e
            .diagnostics
            .iter()
            .find(|d| d.name == "invalid_rate")
            .unwrap();
        assert_eq!(inv.weight, 5.0);
        assert!(close(inv.contribution(), 5.0 * 4.0 / 24.0));
        // The unknown zone is a label of its own in the location distributions.
        assert!(e.value("location_share_jsd").unwrap() > 0.0);

        let table = mobility::DiaryTable {
            person_ids: vec!["p0".into()],
            diaries: generated.to_vec(),
        };
        let report = check_validity(&bench, &persons, &table);
        assert!(!report.is_valid());
        assert!(report.is_scorable());
        assert_eq!(report.count(ViolationKind::HomeNotAtHomeZone), 1);
        assert_eq!(report.count(ViolationKind::TravelNotAtT), 1);
        assert_eq!(report.count(ViolationKind::NotAtRetainedZone), 2);
        assert_eq!(report.invalid_slots(), 4);
        assert!(report.to_text().contains("p0"));
    }

    #[test]
    fn worst_segment_joint_accuracy() {
        let bench = location_bench();
        let acts = "HHHHHHHHTWWWWWWWWTHHHHHH";
        let good = loc_diary(acts, "AAAAAAAATBBBBBBBBTAAAAAA", A);
        let off = loc_diary(acts, "AAAAAAAATCCCCCCCCTAAAAAA", A);
        // 30 employed weekday (all right) + 30 student weekend (all 8 work slots wrong).
        let persons: Vec<Person> = (0..60)
            .map(|i| {
                if i < 30 {
                    person(i, Group::Employed, DayType::Weekday, Some(A))
                } else {
                    person(i, Group::Student, DayType::Weekend, Some(A))
                }
            })
            .collect();
        let real = vec![good; 60];
        let mut generated = real.clone();
        for g in generated.iter_mut().skip(30) {
            *g = off;
        }
        let e = evaluate(&bench, &persons, &real, &generated);
        assert!(close(
            e.value("worst_segment_joint_accuracy_error").unwrap(),
            8.0 / 24.0
        ));
        assert!(close(e.value("joint_accuracy_error").unwrap(), 4.0 / 24.0));
        // With only 29 bad records their segment no longer qualifies.
        let e = evaluate(&bench, &persons[..59], &real[..59], &generated[..59]);
        assert_eq!(e.value("worst_segment_joint_accuracy_error"), Some(0.0));
    }

    #[test]
    fn other_unique_locations() {
        // Non-work person: real visits B then C (2 unique), generated B twice (1 unique).
        let bench = location_bench();
        let persons = vec![person(0, Group::Other, DayType::Weekday, Some(A))];
        let real = [loc_diary(
            "HHHHHHHHTOOTOOTHHHHHHHHH",
            "AAAAAAAATBBTCCTAAAAAAAAA",
            A,
        )];
        let generated = [loc_diary(
            "HHHHHHHHTOOTOOTHHHHHHHHH",
            "AAAAAAAATBBTBBTAAAAAAAAA",
            A,
        )];
        let e = evaluate(&bench, &persons, &real, &generated);
        assert_eq!(e.value("other_unique_locations_jsd"), Some(1.0));
        // Others locations: B 2, C 2 vs B 4.
        assert!(close(
            e.value("others_location_jsd").unwrap(),
            jsd_by_entropy(&[0.5, 0.5], &[1.0, 0.0])
        ));
        assert_eq!(e.value("away_fixed_count_jsd"), Some(0.0));
    }
}

mod weighted {
    //! A weighted evaluation is the evaluation of the people repeated by their weights.
    use super::*;

    fn repeated<T: Clone>(items: &[T], weights: &[u32]) -> Vec<T> {
        items
            .iter()
            .zip(weights)
            .flat_map(|(x, &w)| std::iter::repeat_n(x.clone(), w as usize))
            .collect()
    }

    #[test]
    fn weights_equal_copies_and_ones_equal_the_plain_evaluation() {
        for task in [Task::Activity, Task::ActivityLocation] {
            let (bench, persons, real, generated) = synthetic_split(task, 600, 3);
            let plain = evaluate(&bench, &persons, &real, &generated);
            let ones = vec![1u32; persons.len()];
            let unit = evaluate_weighted(&bench, &persons, &real, &generated, Some(&ones));
            assert_eq!(plain, unit, "{task:?}: weights of 1 must be bit-identical");
            // A bootstrap-like resample: weights 0..=3 (zeros leave people out).
            let weights: Vec<u32> = (0..persons.len())
                .map(|i| (i * 7 % 11 % 4) as u32)
                .collect();
            let weighted = evaluate_weighted(&bench, &persons, &real, &generated, Some(&weights));
            let copies = evaluate(
                &bench,
                &repeated(&persons, &weights),
                &repeated(&real, &weights),
                &repeated(&generated, &weights),
            );
            assert_eq!(weighted.records, copies.records);
            assert!(weighted.records < 2 * persons.len() && weighted.records > 0);
            for (w, c) in weighted.diagnostics.iter().zip(&copies.diagnostics) {
                assert_eq!(w.name, c.name);
                assert!(
                    (w.value - c.value).abs() < 1e-12,
                    "{task:?} {}: weighted {} vs copies {}",
                    w.name,
                    w.value,
                    c.value
                );
            }
            assert!((weighted.score - copies.score).abs() < 1e-9);
            assert_ne!(
                weighted.score, plain.score,
                "{task:?}: the resample must matter"
            );
        }
    }
}

mod validity {
    use super::*;
    use mobility::DiaryTable;

    #[test]
    fn missing_extra_duplicate_and_locations() {
        let bench = location_bench();
        let persons: Vec<Person> = (0..3)
            .map(|i| person(i, Group::Other, DayType::Weekday, Some(A)))
            .collect();
        let ok = Diary::all_home(Some(A));
        let table = DiaryTable {
            person_ids: vec!["p0".into(), "p0".into(), "zz".into(), "p2".into()],
            diaries: vec![ok, ok, ok, diary("HHHHHHHHHHHHHHHHHHHHHHHH")],
        };
        let r = check_validity(&bench, &persons, &table);
        assert_eq!(r.count(ViolationKind::DuplicatePerson), 1);
        assert_eq!(r.count(ViolationKind::ExtraPerson), 1);
        assert_eq!(r.count(ViolationKind::MissingPerson), 1);
        assert_eq!(r.count(ViolationKind::LocationsMismatch), 1);
        assert!(!r.is_scorable());
        assert!(r
            .violations
            .iter()
            .any(|v| v.examples.iter().any(|e| e.contains("p1"))));
    }

    #[test]
    fn a_clean_table_is_valid() {
        let (bench, persons, _, generated) = synthetic_split(Task::ActivityLocation, 50, 1);
        let table = DiaryTable {
            person_ids: persons.iter().map(|p| p.id.clone()).collect(),
            diaries: generated,
        };
        let r = check_validity(&bench, &persons, &table);
        assert!(r.is_valid(), "{}", r.to_text());
    }

    #[test]
    fn read_errors_are_reported() {
        let dir = std::env::temp_dir().join(format!("evaluator-validity-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("diaries.csv");
        let header: Vec<String> = (0..SLOTS).map(|h| format!("h{h:02}")).collect();
        let row = vec!["Home"; SLOTS - 1].join(",") + ",Sleep";
        std::fs::write(&path, format!("person_id,{}\np0,{row}\n", header.join(","))).unwrap();
        let err = DiaryTable::read(&path, None).unwrap_err();
        let bench = activity_bench();
        let persons = vec![person(0, Group::Other, DayType::Weekday, None)];
        let r = ValidityReport::from_read_error(&bench, &persons, &err);
        assert!(!r.is_valid() && !r.is_scorable());
        assert_eq!(r.count(ViolationKind::ReadError), 1);
        assert!(r.to_text().contains("h23"), "{}", r.to_text());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

mod attribution_record {
    use super::*;

    #[test]
    fn ranks_diagnostics_and_picks_representatives() {
        for task in [Task::Activity, Task::ActivityLocation] {
            let (bench, persons, real, generated) = synthetic_split(task, 600, 11);
            let e = evaluate(&bench, &persons, &real, &generated);
            let a = attribution(
                &bench,
                &persons,
                &real,
                &generated,
                &e,
                &AttributionOptions::default(),
            );
            let contributions: Vec<f64> = a
                .ranked_diagnostics
                .iter()
                .map(|d| d.contribution())
                .collect();
            assert!(contributions.windows(2).all(|w| w[0] >= w[1]));
            assert_eq!(a.ranked_diagnostics.len(), e.diagnostics.len());
            assert_eq!(a.representatives.len(), 4);
            assert_eq!(a.hourly_share_error.len(), 24);
            // Shares errors sum to zero within every hour.
            for row in &a.hourly_share_error {
                assert!(row.iter().sum::<f64>().abs() < 1e-9);
            }
            // Real shares: every hour's sum to one, and match the real diaries' counts.
            assert_eq!(a.hourly_real_share.len(), 24);
            for (h, row) in a.hourly_real_share.iter().enumerate() {
                assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-9);
                let home = real
                    .iter()
                    .filter(|d| d.activities[h] == Activity::Home)
                    .count();
                assert!((row[0] - home as f64 / 600.0).abs() < 1e-12);
            }
            let total: u64 = a.activity_confusion.iter().flatten().sum();
            assert_eq!(total, 600 * 24);
            assert_eq!(a.segments.len(), 6);
            assert_eq!(a.segments.iter().map(|s| s.records).sum::<usize>(), 600);
            assert_eq!(a.zone_confusion.is_some(), task == Task::ActivityLocation);
            // The first representative is the worst-matching person of the worst segment.
            let worst = &a.worst_segments[0];
            let rep = &a.representatives[0];
            assert_eq!(&rep.segment, worst);
            assert!(a
                .representatives
                .iter()
                .all(|p| p.real.len() >= 24 && p.generated.len() >= 24));
            let text = a.to_text();
            assert!(text.len() <= 6 * 1024, "{} bytes", text.len());
            assert!(text.contains(&rep.person_id));
            let json = serde_json::to_string(&a).unwrap();
            let back: AttributionRecord = serde_json::from_str(&json).unwrap();
            assert_eq!(back, a);
            // Deterministic.
            let again = attribution(
                &bench,
                &persons,
                &real,
                &generated,
                &e,
                &AttributionOptions::default(),
            );
            assert_eq!(again, a);
        }
    }

    #[test]
    fn compact_diary_strings() {
        let d = loc_diary("HHHHHHHHTWWWWWWWWTHHHHHH", "AAAAAAAATBBBBBBBBTAAAAAA", A);
        let zones = location_bench().zones;
        assert_eq!(
            diary_string(&d, Some(&zones)),
            "HHHHHHHHTWWWWWWWWTHHHHHH @ Ax8 Tx1 Bx8 Tx1 Ax6"
        );
        assert_eq!(activity_string(&d), "HHHHHHHHTWWWWWWWWTHHHHHH");
    }
}

mod speed {
    use super::*;

    /// The timing (a figure for `orchestrator bench`, never asserted) comes from evaluating
    /// the real inventory: its Score is the evaluation's.
    #[test]
    fn inventory_timing_evaluates_the_whole_inventory() {
        let (bench, persons, real, generated) = synthetic_split(Task::ActivityLocation, 1000, 5);
        let t = inventory_timing(&bench, &persons, &real, &generated, 2);
        assert_eq!(t.records, 1000);
        assert_eq!(t.score, evaluate(&bench, &persons, &real, &generated).score);
        assert!(t.to_line().contains("1000 diaries"));
    }
}

mod real_data {
    //! Real benchmarks, prepared from `shared/data` by the survey crate into a temp dir.
    use super::*;
    use mobility::{DiaryTable, Split};
    use std::path::Path;

    fn data_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data")
    }

    /// Prepares `name` into a fresh temp dir. Fails, saying what is missing, when the shared
    /// data folder is absent (`Option` is kept so the tests read `let Some(..) = prepare(..)`).
    fn prepare(name: &str) -> Option<(PathBuf, Benchmark)> {
        let data = data_dir();
        assert!(
            data.is_dir(),
            "the real survey data folder {} is missing: the real-data tests prepare their \
             benchmarks from it (put the surveys there)",
            data.display()
        );
        let (_, config) = survey::builtin_configs()
            .into_iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no built-in survey config {name}"));
        let out =
            std::env::temp_dir().join(format!("evaluator-real-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&out).unwrap();
        survey::prepare(&config, &data, &out)
            .unwrap_or_else(|e| panic!("preparing {name} failed: {e}"));
        let bench = Benchmark::open(&out.join(name)).expect("open prepared benchmark");
        Some((out, bench))
    }

    /// Every split scored against itself: every diagnostic and the Score are exactly 0,
    /// and the real diaries pass the validity check.
    fn self_scores_zero(bench: &Benchmark, task: Task) {
        assert_eq!(bench.task, task);
        for split in Split::ALL {
            let data = bench.read_split(split).expect("read split");
            let persons = data.people();
            assert!(persons.len() > 100, "{split:?}: {} persons", persons.len());
            let e = evaluate(bench, persons, &data.diaries, &data.diaries);
            for d in &e.diagnostics {
                assert_eq!(d.value, 0.0, "{split:?} {} = {}", d.name, d.value);
            }
            assert_eq!(e.score, 0.0, "{split:?}\n{e}");
            assert_eq!(e.side.activity_weighted_f1, 1.0);
            assert_eq!(e.side.temporal_mae_min, 0.0);
            assert!(e.side.temporal_mae_people > 0);
            if task == Task::ActivityLocation {
                assert_eq!(e.side.spatial_mae_km, Some(0.0));
                assert!(e.side.spatial_mae_slots > 0);
            }
            let table = DiaryTable {
                person_ids: persons.iter().map(|p| p.id.clone()).collect(),
                diaries: data.diaries.clone(),
            };
            let report = check_validity(bench, persons, &table);
            assert!(report.is_valid(), "{split:?}: {}", report.to_text());
        }
    }

    /// A simple wrong answer (everyone at home all day) scores above 0 and explains itself.
    fn all_home_is_explained(bench: &Benchmark) {
        let data = bench.read_split(Split::Val).unwrap();
        let persons = data.people();
        let generated: Vec<Diary> = persons
            .iter()
            .map(|p| Diary::all_home(p.home_zone))
            .collect();
        let e = evaluate(bench, persons, &data.diaries, &generated);
        assert!(e.score > 1.0, "{e}");
        assert!(e.value("hourly_activity_jsd_mean").unwrap() > 0.0, "{e}");
        let a = attribution(
            bench,
            persons,
            &data.diaries,
            &generated,
            &e,
            &AttributionOptions::default(),
        );
        let text = a.to_text();
        assert!(text.len() <= 6 * 1024, "{} bytes:\n{text}", text.len());
        assert_eq!(a.representatives.len(), 4);
        println!("{}\n{text}", e.to_table());
        let t = inventory_timing(bench, persons, &data.diaries, &generated, 3);
        println!("{}", t.to_line());
    }

    fn cleanup(dir: &Path) {
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn atus_2014_real_against_itself_is_zero() {
        let Some((dir, bench)) = prepare("atus-2014") else {
            return;
        };
        self_scores_zero(&bench, Task::Activity);
        all_home_is_explained(&bench);
        cleanup(&dir);
    }

    #[test]
    fn santiago_2012_real_against_itself_is_zero() {
        let Some((dir, bench)) = prepare("santiago-2012") else {
            return;
        };
        self_scores_zero(&bench, Task::ActivityLocation);
        all_home_is_explained(&bench);
        cleanup(&dir);
    }
}
