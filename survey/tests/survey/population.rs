//! A modeller's own population checked against a prepared benchmark (`generate
//! --persons`): derived segments, unknown values, missing columns, contradictions.

use super::*;
use mobility::{Benchmark, PersonTable, Split};
use survey::population::{complete_file, read_chunks, PopulationRules};

fn prepared(config_name: &str, dir: &TempDir) -> Benchmark {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let c =
        SurveyConfig::from_file(&root.join("configs").join(format!("{config_name}.toml"))).unwrap();
    let s = prepare(&c, &root.join("tests/fixtures"), &dir.path().join("bench")).unwrap();
    Benchmark::open(&s.out_dir).unwrap()
}

/// A split's persons.csv with some columns removed (by name) and an optional edit.
fn persons_without(bench: &Benchmark, split: Split, drop: &[&str]) -> String {
    let text = std::fs::read_to_string(bench.split_dir(split).join("persons.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| !drop.contains(&header[i]))
        .collect();
    let pick = |l: &str| {
        let f: Vec<&str> = l.split(',').collect();
        keep.iter().map(|&i| f[i]).collect::<Vec<_>>().join(",")
    };
    let mut out = pick(&header.join(",")) + "\n";
    for l in lines {
        out.push_str(&pick(l));
        out.push('\n');
    }
    out
}

fn read_all(
    rules: &PopulationRules,
    path: &Path,
) -> Result<Vec<mobility::Person>, mobility::FormatError> {
    let mut all = Vec::new();
    for chunk in read_chunks(rules, path, 7)? {
        all.extend(chunk?.persons);
    }
    Ok(all)
}

fn error(rules: &PopulationRules, path: &Path) -> mobility::FormatError {
    match read_all(rules, path) {
        Err(e) => e,
        Ok(p) => panic!("accepted {} people", p.len()),
    }
}

/// `group` and `day_type` derived from the features by the benchmark's own rules give what
/// the benchmark holds, for every person of every split, in both tasks.
#[test]
fn derived_segments_are_the_benchmarks() {
    for name in ["nhts-trips", "pam-travel-diary", "time-use-episodes"] {
        let dir = TempDir::new("population-derive");
        let bench = prepared(name, &dir);
        let rules = PopulationRules::of_benchmark(&bench).unwrap();
        for split in Split::ALL {
            let path = dir.path().join(format!("{}.csv", split.name()));
            dir.write(
                path.file_name().unwrap().to_str().unwrap(),
                persons_without(&bench, split, &["group", "day_type"]),
            );
            let stored = bench.persons(split).unwrap();
            let chunks = read_chunks(&rules, &path, 5).unwrap();
            assert_eq!(chunks.notes().len(), 2, "{:?}", chunks.notes());
            assert!(
                chunks.notes()[0].contains("`group` derived"),
                "{:?}",
                chunks.notes()
            );
            let derived: Vec<mobility::Person> = chunks.flat_map(|c| c.unwrap().persons).collect();
            assert_eq!(derived.len(), stored.persons.len(), "{name} {split:?}");
            for (d, s) in derived.iter().zip(&stored.persons) {
                assert_eq!(
                    (&d.id, d.group, d.day_type, d.home_zone, &d.features),
                    (&s.id, s.group, s.day_type, s.home_zone, &s.features),
                    "{name}"
                );
            }
        }
    }
}

/// Unknown values, missing columns, contradictions and unknown zones: errors naming the
/// file, the true line (CRLF too) and the field.
#[test]
fn bad_populations_are_refused_with_line_and_field() {
    let dir = TempDir::new("population-errors");
    let bench = prepared("pam-travel-diary", &dir);
    let rules = PopulationRules::of_benchmark(&bench).unwrap();
    assert_eq!(
        rules.feature_names(),
        ["age", "gender", "work_status", "day_of_week", "hsize"]
    );
    let header = "person_id,household_id,home_zone,age,gender,work_status,day_of_week,hsize";
    let good = ["p1,h1,Z01,34,f,ft,tue,2", "p2,h1,Z01,71,m,retired,sun,2"];
    let check = |rows: &[&str], eol: &str, line: usize, field: &str, words: &[&str]| {
        let mut text = String::from(header) + eol;
        for r in rows {
            text.push_str(r);
            text.push_str(eol);
        }
        let path = dir.path().join("people.csv");
        std::fs::write(&path, &text).unwrap();
        let e = error(&rules, &path);
        assert!(e.path.ends_with("people.csv"), "{e}");
        assert_eq!((e.line, e.field.as_deref()), (line, Some(field)), "{e}");
        for w in words {
            assert!(e.message.contains(w), "{w}: {e}");
        }
    };
    for eol in ["\n", "\r\n"] {
        check(
            &[good[0], good[1], "p3,h2,Z02,40,x,ft,mon,1"],
            eol,
            4,
            "gender",
            &["`x`", "f, m"],
        );
        check(
            &[good[0], "p3,h2,Z02,forty,f,ft,mon,1"],
            eol,
            3,
            "age",
            &["not a number"],
        );
        check(
            &[good[0], "p3,h2,Z02,40,f,boss,mon,1"],
            eol,
            3,
            "work_status",
            &["`boss`"],
        );
        check(
            &[good[0], "p3,h2,Z02,40,f,ft,mon,"],
            eol,
            3,
            "hsize",
            &["empty"],
        );
        check(
            &[good[0], "p3,h2,Z99,40,f,ft,mon,1"],
            eol,
            3,
            "home_zone",
            &["`Z99`"],
        );
        check(
            &[good[0], "p1,h2,Z02,40,f,ft,mon,1"],
            eol,
            3,
            "person_id",
            &["duplicate", "line 2"],
        );
    }
    // A `group` or `day_type` that contradicts the features.
    let path = dir.path().join("people.csv");
    std::fs::write(
        &path,
        "person_id,group,day_type,home_zone,age,gender,work_status,day_of_week,hsize\n\
         p1,employed,weekday,Z01,34,f,ft,tue,2\n\
         p2,student,weekday,Z01,34,f,ft,wed,2\n",
    )
    .unwrap();
    let e = error(&rules, &path);
    assert_eq!((e.line, e.field.as_deref()), (3, Some("group")), "{e}");
    assert!(
        e.message.contains("give `employed`") && e.message.contains("work_status"),
        "{e}"
    );
    std::fs::write(
        &path,
        "person_id,group,day_type,home_zone,age,gender,work_status,day_of_week,hsize\n\
         p1,employed,weekday,Z01,34,f,ft,sat,2\n",
    )
    .unwrap();
    let e = error(&rules, &path);
    assert_eq!((e.line, e.field.as_deref()), (2, Some("day_type")), "{e}");
    // Missing feature columns: refused at the header, naming the column.
    std::fs::write(
        &path,
        "person_id,home_zone,age,gender,day_of_week,hsize\np1,Z01,34,f,tue,2\n",
    )
    .unwrap();
    let e = read_chunks(&rules, &path, 10).err().unwrap();
    assert_eq!(
        (e.line, e.field.as_deref()),
        (1, Some("work_status")),
        "{e}"
    );
    std::fs::write(&path, "person_id\np1\n").unwrap();
    let e = read_chunks(&rules, &path, 10).err().unwrap();
    assert_eq!((e.line, e.field.as_deref()), (1, Some("age")), "{e}");
    // Other columns are ignored and said so; feature columns may come in any order.
    std::fs::write(
        &path,
        "hsize,person_id,day_of_week,home_zone,income,age,gender,work_status\n2,p1,tue,Z01,9,34,f,ft\n",
    )
    .unwrap();
    let chunks = read_chunks(&rules, &path, 10).unwrap();
    assert!(
        chunks
            .notes()
            .iter()
            .any(|n| n.contains("ignored") && n.contains("income")),
        "{:?}",
        chunks.notes()
    );
    let people: Vec<_> = chunks.flat_map(|c| c.unwrap().persons).collect();
    assert_eq!(people[0].features, ["34", "f", "ft", "tue", "2"]);
    assert_eq!(people[0].group, mobility::Group::Employed);
}

/// The completed file is the benchmark's persons format, read back by `mobility` as the
/// same people (what a sandboxed rollout reads).
#[test]
fn completed_file_is_the_persons_format() {
    let dir = TempDir::new("population-complete");
    let bench = prepared("nhts-trips", &dir);
    let rules = PopulationRules::of_benchmark(&bench).unwrap();
    let input = dir.path().join("people.csv");
    std::fs::write(
        &input,
        persons_without(&bench, Split::Val, &["group", "day_type", "household_id"]),
    )
    .unwrap();
    let dest = dir.path().join("completed.csv");
    let done = complete_file(&rules, &input, &dest, 3).unwrap();
    let stored = bench.persons(Split::Val).unwrap();
    assert_eq!(done.persons, stored.persons.len());
    assert!(!dir.path().join("completed.csv.partial").exists());
    let back = PersonTable::read(&dest, None).unwrap();
    assert_eq!(back.feature_names, stored.feature_names);
    for (b, s) in back.persons.iter().zip(&stored.persons) {
        assert_eq!(
            (&b.id, b.group, b.day_type, &b.features),
            (&s.id, s.group, s.day_type, &s.features)
        );
    }
    // A bad line leaves no file behind.
    std::fs::write(
        &input,
        "person_id,R_AGE,R_SEX,WORKER,SCHTYP,TRAVDAY,HHSIZE,HHFAMINC\nq,30,09,01,-1,03,2,5\n",
    )
    .unwrap();
    std::fs::remove_file(&dest).unwrap();
    let e = complete_file(&rules, &input, &dest, 3).unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (2, Some("R_SEX")), "{e}");
    assert!(!dest.exists() && !dir.path().join("completed.csv.partial").exists());
}

/// When a benchmark's segment rule reads a column that is not a feature, a population
/// must give that segment column itself: its absence is an error naming it.
#[test]
fn underivable_segments_must_be_given() {
    let dir = TempDir::new("population-underivable");
    episodes::fixture(&dir);
    // The tiny episode benchmark's weekend rule reads `holiday`, which is not a feature.
    let s = prepare(
        &config(episodes::CONFIG),
        dir.path(),
        &dir.path().join("out"),
    )
    .unwrap();
    assert!(
        s.manifest.warnings.iter().any(|w| w.contains("`holiday`")),
        "{:?}",
        s.manifest.warnings
    );
    let bench = Benchmark::open(&s.out_dir).unwrap();
    let rules = PopulationRules::of_benchmark(&bench).unwrap();
    let path = dir.path().join("people.csv");
    std::fs::write(
        &path,
        "person_id,group,age,job,day\n1,employed,30,employed-at work,2\n",
    )
    .unwrap();
    let e = read_chunks(&rules, &path, 10).err().unwrap();
    assert_eq!((e.line, e.field.as_deref()), (1, Some("day_type")), "{e}");
    assert!(e.message.contains("holiday"), "{e}");
    // The group rules read features only: derived; day_type given is taken as is.
    std::fs::write(
        &path,
        "person_id,day_type,age,job,day\n1,weekend,30,employed-at work,2\n",
    )
    .unwrap();
    let people = read_all(&rules, &path).unwrap();
    assert_eq!(
        (people[0].group, people[0].day_type),
        (mobility::Group::Employed, mobility::DayType::Weekend)
    );
}

#[test]
fn a_population_file_read_in_parts_gives_every_person_once_and_keeps_asked_columns() {
    use survey::population::{read_chunks_with, ReadOptions};
    let dir = TempDir::new("population-parts");
    let bench = prepared("time-use-episodes", &dir);
    let rules = PopulationRules::of_benchmark(&bench).unwrap();
    let base = persons_without(&bench, Split::Train, &["group", "day_type"]);
    let mut lines = base.lines();
    let mut text = format!("{},home_x,home_y\n", lines.next().unwrap());
    for (i, l) in lines.enumerate() {
        text.push_str(&format!("{l},{i}.5,-{i}\n"));
    }
    let path = dir.path().join("people.csv");
    std::fs::write(&path, &text).unwrap();
    let read = |part: Option<(u64, u64)>| -> Vec<(String, Vec<String>)> {
        let options = ReadOptions {
            part,
            keep: vec!["home_x".into(), "home_y".into(), "absent".into()],
        };
        read_chunks_with(&rules, &path, 3, &options)
            .unwrap()
            .flat_map(|t| t.unwrap().persons)
            .map(|p| (p.id, p.features))
            .collect()
    };
    let whole = read(None);
    assert!(whole.len() > 5, "{} people", whole.len());
    let last = &whole[3].1;
    assert_eq!(
        last[last.len() - 2..],
        ["3.5".to_string(), "-3".to_string()]
    );
    for count in [1u64, 2, 3, 7, 60] {
        let parts: Vec<_> = (0..count).flat_map(|i| read(Some((i, count)))).collect();
        assert_eq!(parts, whole, "{count} parts");
    }
}
