//! The ready configurations of `survey/configs/` for the shapes modellers bring (a
//! pam-style travel diary, an ActivitySim trip table, an NHTS-style table, a time-use
//! episode table), each run end to end on its fixture in `survey/tests/fixtures/`:
//! prepare → generate (the `heuristics` library) → write and read the diaries file →
//! validity and Score (`evaluator`).

use super::*;
use mobility::{Benchmark, DiaryTable, Split};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn ready(name: &str) -> SurveyConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("configs")
        .join(format!("{name}.toml"));
    SurveyConfig::from_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Prepares `name` on its fixture, generates the validation people with the initial
/// generator, and scores them. Returns the summary, the benchmark and the Score.
fn end_to_end(name: &str, out: &TempDir) -> (PrepareSummary, Benchmark, f64) {
    let summary = prepare(&ready(name), &fixtures(), out.path()).unwrap_or_else(|e| panic!("{e}"));
    println!("{summary}");
    let bench = Benchmark::open(&summary.out_dir).unwrap();
    let train = bench.read_split(Split::Train).unwrap();
    let val = bench.read_split(Split::Val).unwrap();
    assert!(
        train.diaries.len() >= 20 && !val.diaries.is_empty(),
        "{name}: train {} val {}",
        train.diaries.len(),
        val.diaries.len()
    );
    let state = heuristics::GeneratorState::build(&bench, &train);
    let generated = heuristics::generate_all(&state, val.people(), 7, 2);
    // Through the diaries file, as `generate` writes it and `evaluate` reads it.
    let file = out.path().join(format!("{name}-val.csv"));
    mobility::write_diaries(
        std::fs::File::create(&file).unwrap(),
        val.people()
            .iter()
            .map(|p| p.id.as_str())
            .zip(generated.iter()),
        bench.zones_for_io(),
    )
    .unwrap();
    let mut zones = bench.zones.clone();
    let table = DiaryTable::read(
        &file,
        (bench.task == mobility::Task::ActivityLocation).then_some(&mut zones),
    )
    .unwrap();
    let validity = evaluator::check_validity(&bench, val.people(), &table);
    assert!(validity.is_valid(), "{name}: {validity:?}");
    let ids: Vec<&str> = val.people().iter().map(|p| p.id.as_str()).collect();
    let read_back = table.aligned_to(&ids).unwrap();
    let evaluation = evaluator::evaluate(&bench, val.people(), &val.diaries, &read_back);
    assert_eq!(evaluation.records, val.diaries.len());
    assert!(
        evaluation.score.is_finite() && evaluation.score > 0.0,
        "{name}: {evaluation}"
    );
    // The generator learnt something: it beats a population that never leaves home.
    let home: Vec<mobility::Diary> = val
        .people()
        .iter()
        .map(|p| mobility::Diary::all_home(p.home_zone.filter(|_| bench.zones_for_io().is_some())))
        .collect();
    let stay_home = evaluator::evaluate(&bench, val.people(), &val.diaries, &home);
    assert!(
        evaluation.score < stay_home.score,
        "{name}: generator {} vs all-Home {}",
        evaluation.score,
        stay_home.score
    );
    println!(
        "{name}: val Score {:.4} (all-Home {:.4})",
        evaluation.score, stay_home.score
    );
    (summary, bench, evaluation.score)
}

fn diag(s: &PrepareSummary, key: &str) -> usize {
    s.manifest
        .diagnostics
        .iter()
        .filter(|(name, _)| name.contains(key))
        .map(|(_, n)| *n)
        .sum()
}

fn rows(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count() - 1
}

#[test]
fn pam_travel_diary() {
    let out = TempDir::new("ready-pam");
    let (s, bench, _) = end_to_end("pam-travel-diary", &out);
    let m = &s.manifest;
    assert_eq!(m.task, "activity-location");
    assert_eq!(m.persons_kept, rows(&fixtures().join("pam/persons.csv")));
    // Tour purposes: every trip back to the home zone is a return home.
    assert!(diag(&s, "made a return home") > 20, "{:?}", m.diagnostics);
    assert!(diag(&s, "persons without trips kept as all-Home days") > 0);
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    // The zones are the zone table's rows, the CBD (where nobody lives) included, placed
    // from longitude and latitude: Z01 → CBD is about 2.68 km.
    assert_eq!(bench.zones.retained_count(), 6);
    let at = |code: &str| {
        bench
            .zones
            .centroid(bench.zones.lookup(code).unwrap())
            .unwrap()
    };
    let (a, b) = (at("Z01"), at("CBD"));
    let d = ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    assert!((d - 2.68).abs() < 0.03, "Z01-CBD {d} km");
    // Evenings of workers are at home, not at Work in their home zone.
    let train = bench.read_split(Split::Train).unwrap();
    for (p, d) in train.people().iter().zip(&train.diaries) {
        let locs = d.locations.unwrap();
        for (h, (loc, activity)) in locs.iter().zip(d.activities).enumerate() {
            if Some(*loc) == p.home_zone {
                assert_eq!(activity, mobility::Activity::Home, "{} slot {h}", p.id);
            }
        }
    }
}

#[test]
fn activitysim_trip_table() {
    let out = TempDir::new("ready-asim");
    let (s, bench, _) = end_to_end("activitysim-trips", &out);
    let m = &s.manifest;
    let trips = rows(&fixtures().join("activitysim/final_trips.csv"));
    assert_eq!(diag(&s, "arrival assumed"), trips);
    assert!(diag(&s, "persons without trips kept as all-Home days") > 0);
    assert_eq!(
        m.persons_kept,
        rows(&fixtures().join("activitysim/final_persons.csv"))
    );
    // A model day is a weekday: no weekend rule.
    for split in m.segment_counts.values() {
        for (segment, n) in split {
            assert!(!segment.ends_with("weekend") || *n == 0, "{segment} {n}");
        }
    }
    // Zones 106 and 107 are destinations only, placed by the zone table (metres → km).
    let z = bench
        .zones
        .centroid(bench.zones.lookup("107").unwrap())
        .unwrap();
    assert!(
        (z.0 - 553.7).abs() < 1e-6 && (z.1 - 4182.1).abs() < 1e-6,
        "{z:?}"
    );
    let work_zone_107 = m.zone_shares["train"].get("107").copied().unwrap_or(0.0);
    assert!(work_zone_107 > 0.0, "{:?}", m.zone_shares["train"]);
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

#[test]
fn nhts_style_table() {
    let out = TempDir::new("ready-nhts");
    let (s, bench, _) = end_to_end("nhts-trips", &out);
    let m = &s.manifest;
    assert_eq!(m.task, "activity");
    // HOUSEID + PERSONID: every person of perpub is a person of the benchmark.
    assert_eq!(m.persons_kept, rows(&fixtures().join("nhts/perpub.csv")));
    assert!(m.drops.total == 0, "{:?}", m.drops);
    // Codebook codes "01"/"03" match the data's "1"/"3": Work is not lost to the default.
    assert!(
        m.activity_shares["train"]["Work"] > 0.1,
        "{:?}",
        m.activity_shares
    );
    assert!(!m.default_codes.contains_key("3") && !m.default_codes.contains_key("1"));
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    // The night-shift workers of household 40000136 leave work at 06:30 (HHMM 630) and
    // return at 22:00: their day starts at Work (WHYFROM), and the 04:00 diary start puts
    // the night after 22:30 at slots 00-03.
    let all: Vec<(String, Vec<String>)> = ["train", "val", "test"]
        .iter()
        .flat_map(|sp| {
            diaries(&bench.dir, sp)
                .into_iter()
                .map(|(id, a, _)| (id, a))
        })
        .collect();
    let night = &all.iter().find(|(id, _)| id == "40000136-02").unwrap().1;
    assert_eq!(
        *night,
        cat(&[
            rep("Work", 6),
            rep("Travel", 1),
            rep("Home", 15),
            rep("Travel", 1),
            rep("Work", 1)
        ])
    );
}

#[test]
fn time_use_episode_table() {
    let out = TempDir::new("ready-tus");
    let (s, bench, _) = end_to_end("time-use-episodes", &out);
    let m = &s.manifest;
    assert_eq!(diag(&s, "zero length"), 1);
    for note in [
        "time-use/episodes.csv read as `;`-separated",
        "time-use/persons.csv read as decoded from windows-1252",
    ] {
        assert!(
            m.notes.iter().any(|n| n.contains(note)),
            "{note}: {:?}",
            m.notes
        );
    }
    // Minutes after the 04:00 diary start; windows-1252 text decoded.
    let persons: String = ["train", "val", "test"]
        .iter()
        .map(|sp| std::fs::read_to_string(bench.dir.join(sp).join("persons.csv")).unwrap())
        .collect();
    assert!(persons.contains(",Île-de-France\n"), "{persons}");
    assert!(
        persons.contains(",Provence-Alpes-Côte d'Azur\n"),
        "{persons}"
    );
    let all: Vec<(String, Vec<String>)> = ["train", "val", "test"]
        .iter()
        .flat_map(|sp| {
            diaries(&bench.dir, sp)
                .into_iter()
                .map(|(id, a, _)| (id, a))
        })
        .collect();
    // Every diary starts and ends at home (episodes from 0 to 1440 minutes after 04:00).
    for (id, acts) in &all {
        assert_eq!(
            (acts[4].as_str(), acts[3].as_str()),
            ("Home", "Home"),
            "{id}"
        );
    }
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}
