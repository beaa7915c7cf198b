//! Seeded malformed variants of small surveys: the real ATUS-2014 files cut to their first
//! ~200 episode lines (built in a temp folder, never committed) and the two hand-made
//! fixtures. Every variant must give either a clean benchmark or an input error naming the
//! file and the line or field, never a panic, and must leave nothing half-written: the
//! output folder holds either the complete benchmark (with its manifest) or what it held
//! before.
//!
//! Size: `MOBEVOLVE_ROBUST_CASES` cases (default 360, the CI size); the full run is
//! `MOBEVOLVE_ROBUST_CASES=3000 cargo test -p survey --test survey fuzzed_inputs`.

use super::*;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// xorshift64*: a tiny seeded generator, enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn case_count() -> usize {
    std::env::var("MOBEVOLVE_ROBUST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(360)
}

/// A valid small survey: its config, its files (path relative to the data folder → bytes)
/// and which columns hold times, codes and unique ids.
struct Base {
    config: SurveyConfig,
    files: BTreeMap<String, Vec<u8>>,
    /// (file, column) pairs.
    times: Vec<(String, String)>,
    codes: Vec<(String, String)>,
    unique_ids: Vec<(String, String)>,
}

fn fixture_files(write: fn(&TempDir)) -> BTreeMap<String, Vec<u8>> {
    let dir = TempDir::new("fuzz-fixture");
    write(&dir);
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir.path()).unwrap().to_string_lossy();
                files.insert(rel.into_owned(), std::fs::read(&p).unwrap());
            }
        }
    }
    files
}

fn pair(file: &str, col: &str) -> (String, String) {
    (file.to_string(), col.to_string())
}

/// The first ~200 episode lines of ATUS-2014 (whole diaries only) and their persons.
fn atus_base() -> Option<Base> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    assert!(
        data.is_dir(),
        "the real surveys are missing: this test cuts its ATUS-shaped base from {}",
        data.display()
    );
    let episodes = std::fs::read_to_string(data.join("atus-2014/episodes.csv")).unwrap();
    let mut lines: Vec<&str> = episodes.lines().take(201).collect();
    // Drop the last person: its diary may continue past line 200.
    let last = lines.last().unwrap().split(',').next().unwrap().to_string();
    lines.retain(|l| !l.starts_with(&format!("{last},")));
    let ids: std::collections::BTreeSet<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let persons = std::fs::read_to_string(data.join("atus-2014/persons.csv")).unwrap();
    let mut person_lines: Vec<&str> = vec![persons.lines().next().unwrap()];
    person_lines.extend(
        persons
            .lines()
            .skip(1)
            .filter(|l| ids.contains(l.split(',').next().unwrap())),
    );
    let mut files = BTreeMap::new();
    files.insert(
        "atus-2014/episodes.csv".to_string(),
        (lines.join("\n") + "\n").into_bytes(),
    );
    files.insert(
        "atus-2014/persons.csv".to_string(),
        (person_lines.join("\n") + "\n").into_bytes(),
    );
    let e = "atus-2014/episodes.csv";
    Some(Base {
        config: survey::builtin_configs().remove(0).1,
        files,
        times: vec![pair(e, "starttime"), pair(e, "dur")],
        codes: vec![pair(e, "location")],
        unique_ids: vec![pair("atus-2014/persons.csv", "person_id")],
    })
}

fn bases() -> Vec<(&'static str, Base)> {
    let mut out = Vec::new();
    if let Some(b) = atus_base() {
        out.push(("atus-2014 (first 200 lines)", b));
    }
    out.push((
        "tiny-episodes",
        Base {
            config: config(episodes::CONFIG),
            files: fixture_files(episodes::fixture),
            times: vec![pair("episodes.csv", "start"), pair("episodes.csv", "stop")],
            codes: vec![pair("episodes.csv", "where")],
            unique_ids: vec![pair("persons.csv", "pid")],
        },
    ));
    for (name, rel) in [
        (
            "nhts-trips",
            ["nhts/hhpub.csv", "nhts/perpub.csv", "nhts/trippub.csv"],
        ),
        (
            "activitysim-trips",
            [
                "activitysim/final_households.csv",
                "activitysim/final_persons.csv",
                "activitysim/final_trips.csv",
            ],
        ),
    ] {
        out.push((name, ready_base(name, &rel)));
    }
    out.push((
        "tiny-trips",
        Base {
            config: config(trips::CONFIG),
            files: fixture_files(trips::fixture),
            times: vec![pair("trips.csv", "dep"), pair("trips.csv", "arr")],
            codes: vec![
                pair("trips.csv", "purpose"),
                pair("trips.csv", "o"),
                pair("trips.csv", "d"),
            ],
            unique_ids: vec![pair("households.csv", "hid")],
        },
    ));
    out
}

/// A ready configuration of `survey/configs/` on its fixture files (composite ids, HHMM
/// and hour times, assumed arrivals, zone tables).
fn ready_base(name: &'static str, rel: &[&str; 3]) -> Base {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config =
        SurveyConfig::from_file(&root.join("configs").join(format!("{name}.toml"))).unwrap();
    let mut files = BTreeMap::new();
    let mut all: Vec<String> = rel.iter().map(|r| r.to_string()).collect();
    if name == "activitysim-trips" {
        all.push("activitysim/zones.csv".into());
    }
    for r in &all {
        files.insert(
            r.clone(),
            std::fs::read(root.join("tests/fixtures").join(r)).unwrap(),
        );
    }
    let trips = rel[2];
    let (times, codes) = if name == "nhts-trips" {
        (
            vec![pair(trips, "STRTTIME"), pair(trips, "ENDTIME")],
            vec![pair(trips, "WHYTO"), pair(trips, "WHYFROM")],
        )
    } else {
        (
            vec![pair(trips, "depart")],
            vec![
                pair(trips, "purpose"),
                pair(trips, "origin"),
                pair(trips, "destination"),
            ],
        )
    };
    Base {
        config,
        files,
        times,
        codes,
        unique_ids: vec![pair(
            rel[0],
            if name == "nhts-trips" {
                "HOUSEID"
            } else {
                "household_id"
            },
        )],
    }
}

/// A CSV file as records (quoting respected), and back.
fn parse(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

fn unparse(rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

/// What a variant is expected to give.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    /// Any clean outcome (benchmark or located input error).
    Either,
    /// The same prepared content as the base (a documented acceptance).
    SameAsBase,
    /// An input error in this file; at this line when given.
    ErrorIn(String, Option<usize>),
}

/// One malformed variant: the mutated files, the config, and the expectation.
struct Variant {
    kind: &'static str,
    detail: String,
    files: BTreeMap<String, Vec<u8>>,
    config: SurveyConfig,
    expect: Expect,
}

const MUTATIONS: &[&str] = &[
    "drop column",
    "rename column",
    "reorder columns",
    "bad time",
    "unknown code",
    "unknown code, no default",
    "duplicate id",
    "empty file",
    "header only",
    "latin-1 bytes",
    "utf-16 bom",
    "5 MB line",
    "truncated last line",
    "extra comma",
    "crlf line endings",
    "random bytes",
];

fn mutate(base: &Base, rng: &mut Rng) -> Variant {
    let kind = *rng.pick(MUTATIONS);
    let mut files = base.files.clone();
    let mut config = base.config.clone();
    let csv_files: Vec<String> = files
        .keys()
        .filter(|k| k.ends_with(".csv"))
        .cloned()
        .collect();
    let mut file = rng.pick(&csv_files).clone();
    let mut expect = Expect::Either;
    let detail;
    let col_of = |rows: &[Vec<String>], name: &str| rows[0].iter().position(|h| h == name);
    match kind {
        "drop column" | "rename column" => {
            let mut rows = parse(&files[&file]);
            let c = rng.below(rows[0].len());
            let name = rows[0][c].clone();
            if kind == "drop column" {
                for r in rows.iter_mut() {
                    if c < r.len() {
                        r.remove(c);
                    }
                }
            }
            if kind == "rename column" {
                rows[0][c] = format!("x_{name}");
            }
            detail = format!("column `{name}`");
            files.insert(file.clone(), unparse(&rows));
        }
        "reorder columns" => {
            let rows = parse(&files[&file]);
            let n = rows[0].len();
            let mut order: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                order.swap(i, rng.below(i + 1));
            }
            let shuffled: Vec<Vec<String>> = rows
                .iter()
                .map(|r| order.iter().map(|&i| r[i].clone()).collect())
                .collect();
            detail = format!("order {order:?}");
            files.insert(file.clone(), unparse(&shuffled));
            expect = Expect::SameAsBase;
        }
        "bad time" | "unknown code" | "unknown code, no default" => {
            let targets = if kind == "bad time" {
                &base.times
            } else {
                &base.codes
            };
            let (f, col) = rng.pick(targets).clone();
            file = f;
            let mut rows = parse(&files[&file]);
            let c = col_of(&rows, &col).unwrap();
            let r = 1 + rng.below(rows.len() - 1);
            let bad = if kind == "bad time" {
                *rng.pick(&[
                    "25:61",
                    "ab:cd",
                    "-1",
                    "99999",
                    "12:3x",
                    "1e400",
                    "NaN",
                    "4:00:00:00",
                    "--",
                    "0x10",
                    "\u{1F600}",
                ])
            } else {
                *rng.pick(&["zz9", "-3", "1.5e3", "\u{00e9}", "77777777777777777777777"])
            };
            rows[r][c] = bad.to_string();
            detail = format!("{col} on line {} = {bad:?}", r + 1);
            files.insert(file.clone(), unparse(&rows));
            if kind == "unknown code, no default" {
                config.activity_codes.default = None;
            }
        }
        "duplicate id" => {
            let (f, col) = rng.pick(&base.unique_ids).clone();
            file = f;
            let mut rows = parse(&files[&file]);
            let r = 1 + rng.below(rows.len() - 1);
            let at = 1 + rng.below(rows.len());
            let copy = rows[r].clone();
            rows.insert(at, copy);
            detail = format!("{col} of line {} repeated at line {}", r + 1, at + 1);
            files.insert(file.clone(), unparse(&rows));
            expect = Expect::ErrorIn(file.clone(), None);
        }
        "empty file" => {
            files.insert(file.clone(), Vec::new());
            detail = String::new();
            expect = Expect::ErrorIn(file.clone(), Some(0));
        }
        "header only" => {
            let bytes = &files[&file];
            let end = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
            files.insert(file.clone(), bytes[..end].to_vec());
            detail = String::new();
            expect = Expect::ErrorIn(file.clone(), Some(2));
        }
        "latin-1 bytes" => {
            let mut rows = parse(&files[&file]);
            let r = 1 + rng.below(rows.len() - 1);
            let c = rng.below(rows[r].len());
            rows[r][c].push('\u{1}');
            let bytes: Vec<u8> = unparse(&rows)
                .into_iter()
                .map(|b| if b == 1 { 0xE9 } else { b })
                .collect();
            detail = format!("field {c} of line {}", r + 1);
            files.insert(file.clone(), bytes);
            expect = Expect::ErrorIn(file.clone(), Some(r + 1));
        }
        "utf-16 bom" => {
            let text = String::from_utf8(files[&file].clone()).unwrap();
            let mut bytes = vec![0xFF, 0xFE];
            for u in text.encode_utf16() {
                bytes.extend(u.to_le_bytes());
            }
            files.insert(file.clone(), bytes);
            detail = String::new();
            // The byte-order mark says what the file is: decoded, it is the base.
            expect = Expect::SameAsBase;
        }
        "5 MB line" => {
            let mut rows = parse(&files[&file]);
            let r = 1 + rng.below(rows.len() - 1);
            let c = rng.below(rows[r].len());
            rows[r][c] = "9".repeat(5 << 20);
            detail = format!("field {c} of line {}", r + 1);
            files.insert(file.clone(), unparse(&rows));
            expect = Expect::ErrorIn(file.clone(), Some(r + 1));
        }
        "truncated last line" => {
            let bytes = &files[&file];
            let body = &bytes[..bytes.len() - 1];
            let start = body.iter().rposition(|&b| b == b'\n').unwrap() + 1;
            let cut = start + rng.below(body.len() - start);
            detail = format!("cut at byte {cut} of {}", bytes.len());
            files.insert(file.clone(), bytes[..cut].to_vec());
        }
        "extra comma" => {
            let bytes = &files[&file];
            let newlines: Vec<usize> = bytes
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .map(|(i, _)| i)
                .collect();
            let l = rng.below(newlines.len());
            let at = newlines[l];
            let mut out = bytes[..at].to_vec();
            out.push(b',');
            out.extend(&bytes[at..]);
            detail = format!("end of line {}", l + 1);
            files.insert(file.clone(), out);
        }
        "crlf line endings" => {
            let text = String::from_utf8(files[&file].clone()).unwrap();
            files.insert(file.clone(), text.replace('\n', "\r\n").into_bytes());
            detail = String::new();
            expect = Expect::SameAsBase;
        }
        "random bytes" => {
            let mut bytes = files[&file].clone();
            let n = 1 + rng.below(8);
            for _ in 0..n {
                let i = rng.below(bytes.len());
                bytes[i] = rng.next() as u8;
            }
            detail = format!("{n} byte(s) overwritten");
            files.insert(file.clone(), bytes);
        }
        _ => unreachable!(),
    }
    Variant {
        kind,
        detail: format!("{file}: {detail}"),
        files,
        config,
        expect,
    }
}

/// The entries of `out` (sorted names), or none if it does not exist.
fn entries(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(out) {
        Ok(rd) => rd
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

fn write_files(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    for (rel, bytes) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

#[test]
fn malformed_variants_fail_cleanly() {
    let bases = bases();
    let n = case_count();
    let mut rng = Rng(0x5EED_0000_0007);
    let mut table: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    let work = TempDir::new("fuzz");

    // Each base prepares cleanly; remember its content hash.
    let mut base_hash = Vec::new();
    for (i, (name, base)) in bases.iter().enumerate() {
        let data = work.path().join(format!("base-{i}"));
        write_files(&data, &base.files);
        let s = prepare(&base.config, &data, &data.join("out"))
            .unwrap_or_else(|e| panic!("base {name} does not prepare: {e}"));
        assert!(s.manifest.persons_kept > 0, "{name}");
        base_hash.push(s.manifest.content_sha256.clone());
    }

    for case in 0..n {
        let b = case % bases.len();
        let (base_name, base) = &bases[b];
        let v = mutate(base, &mut rng);
        let data = work.path().join(format!("case-{case}"));
        write_files(&data, &v.files);
        let out = data.join("out");
        // Every third case starts with a good benchmark already in place: a failure must
        // leave it untouched.
        let previous = if case % 3 == 0 {
            let clean = work.path().join(format!("base-{b}"));
            Some(prepare(&base.config, &clean, &out).unwrap().manifest)
        } else {
            None
        };
        let label = format!("case {case} [{base_name}] {}: {}", v.kind, v.detail);
        let result = catch_unwind(AssertUnwindSafe(|| prepare(&v.config, &data, &out)));
        let mut problems = Vec::new();
        let outcome = match &result {
            Err(_) => {
                problems.push("PANIC".to_string());
                "panic"
            }
            Ok(Ok(s)) => {
                if entries(&out) != vec![v.config.name.clone()] {
                    problems.push(format!("output folder holds {:?}", entries(&out)));
                }
                if let Err(e) = mobility::Benchmark::open(&s.out_dir) {
                    problems.push(format!("written benchmark does not open: {e}"));
                }
                match &v.expect {
                    Expect::SameAsBase if s.manifest.content_sha256 != base_hash[b] => {
                        problems.push("accepted but content differs from the base".into())
                    }
                    Expect::ErrorIn(f, _) => {
                        problems.push(format!("accepted, expected error in {f}"))
                    }
                    _ => {}
                }
                "accepted"
            }
            Ok(Err(PrepareError::Input(e))) => {
                let text = e.to_string();
                let file_name = e.path.file_name().unwrap().to_string_lossy().into_owned();
                if !e.path.starts_with(&data) || !text.contains(&file_name) {
                    problems.push(format!("error does not name an input file: {text}"));
                }
                // Line 0 means the whole file: only for an empty file or one with no
                // usable person at all.
                let located = e.line > 0
                    || e.field.is_some()
                    || e.message.contains("empty file")
                    || e.message.contains("no person has a usable diary");
                if !located {
                    problems.push(format!("error names neither line nor field: {text}"));
                }
                match &v.expect {
                    Expect::SameAsBase => problems.push(format!("expected acceptance: {text}")),
                    Expect::ErrorIn(f, line) => {
                        if !e.path.ends_with(f) {
                            problems.push(format!("expected an error in {f}: {text}"));
                        }
                        if let Some(l) = line {
                            if e.line != *l {
                                problems.push(format!("expected line {l}: {text}"));
                            }
                        }
                    }
                    Expect::Either => {}
                }
                let expected_entries = match &previous {
                    Some(_) => vec![v.config.name.clone()],
                    None => Vec::new(),
                };
                if entries(&out) != expected_entries {
                    problems.push(format!(
                        "after the error the output holds {:?}",
                        entries(&out)
                    ));
                }
                if previous.is_some() {
                    match mobility::Benchmark::open(&out.join(&v.config.name)) {
                        Ok(_) => {}
                        Err(e) => problems.push(format!("previous benchmark damaged: {e}")),
                    }
                }
                "input error"
            }
            Ok(Err(other)) => {
                problems.push(format!("not an input error: {other}"));
                "other error"
            }
        };
        *table
            .entry((v.kind.to_string(), outcome.to_string()))
            .or_default() += 1;
        if !problems.is_empty() {
            failures.push(format!("{label}: {}", problems.join("; ")));
        } else {
            let _ = std::fs::remove_dir_all(&data);
        }
    }

    println!(
        "{n} malformed survey variants over {} base(s):",
        bases.len()
    );
    println!("{:<28} {:<12} {:>6}", "mutation", "outcome", "cases");
    for ((kind, outcome), count) in &table {
        println!("{kind:<28} {outcome:<12} {count:>6}");
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cases misbehaved:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A failure while writing (here: the `.old` slot is blocked by a file) removes the
/// partial folder and keeps the benchmark already in place.
#[test]
fn failed_write_keeps_the_previous_benchmark() {
    let dir = TempDir::new("failed-write");
    episodes::fixture(&dir);
    let out = dir.path().join("out");
    let c = config(episodes::CONFIG);
    let first = prepare(&c, dir.path(), &out).unwrap();
    std::fs::write(out.join("tiny-episodes.old"), "in the way").unwrap();
    // Different input, so a successful write would change the content hash.
    dir.write(
        "persons.csv",
        "pid,age,job,day,holiday\n1,31,employed-at work,2,no\n2,20,,7,no\n",
    );
    let e = prepare(&c, dir.path(), &out).unwrap_err();
    assert!(matches!(e, PrepareError::Io { .. }), "{e}");
    assert!(e.to_string().contains("tiny-episodes.old"), "{e}");
    assert_eq!(entries(&out), ["tiny-episodes", "tiny-episodes.old"]);
    let manifest = std::fs::read_to_string(out.join("tiny-episodes/manifest.json")).unwrap();
    assert!(manifest.contains(&first.manifest.content_sha256));
    mobility::Benchmark::open(&out.join("tiny-episodes")).unwrap();
    // Once the way is clear the new benchmark replaces it and no `.old` is left.
    std::fs::remove_file(out.join("tiny-episodes.old")).unwrap();
    let second = prepare(&c, dir.path(), &out).unwrap();
    assert_ne!(
        second.manifest.content_sha256,
        first.manifest.content_sha256
    );
    assert_eq!(entries(&out), ["tiny-episodes"]);
}
