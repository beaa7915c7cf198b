//! `orchestrator generate` as a user runs it: every format to files, `.gz` files and
//! standard output; shards that concatenate to the whole output; a reader that goes away.
//! The benchmarks are prepared by the binary itself from `../shared/data` (the tests fail,
//! naming the folder, when it is absent). These tests run no evolution and need no lock.

use flate2::read::MultiGzDecoder;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary folder with both benchmarks prepared in `bench/`.
struct Prepared {
    root: PathBuf,
}

impl Prepared {
    fn new(tag: &str) -> Prepared {
        let data = crate::harness::data_dir();
        assert!(
            data.is_dir(),
            "the real survey data folder {} is missing: the generate tests prepare both benchmarks from it",
            data.display()
        );
        let root =
            std::env::temp_dir().join(format!("mobevolve-generate-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let p = Prepared { root };
        let out = p.run(&[
            "data",
            "prepare",
            "--data",
            &data.display().to_string(),
            "--out",
            &p.bench().display().to_string(),
        ]);
        assert!(
            out.status.success(),
            "data prepare: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        p
    }

    fn bench(&self) -> PathBuf {
        self.root.join("bench")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_orchestrator"));
        cmd.args(args)
            .env("MOBEVOLVE_BENCH", self.bench())
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .expect("starting the orchestrator binary")
    }

    /// `generate` with `args`; panics with its stderr unless it succeeds.
    fn generate(&self, args: &[&str]) {
        let mut all = vec!["generate"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert!(
            out.status.success(),
            "generate {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    MultiGzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

#[test]
fn shards_concatenate_to_the_whole_output_in_every_format() {
    let p = Prepared::new("shards");
    // (benchmark, formats, shards, formats also checked as gzip shards)
    let cases: [(&str, &[&str], u64, &[&str]); 2] = [
        (
            "santiago-2012",
            &["slots", "episodes", "matsim", "pam"],
            3,
            &["matsim"],
        ),
        ("atus-2014", &["episodes"], 4, &["episodes"]),
    ];
    for (benchmark, formats, n, gzipped) in cases {
        let persons = p.bench().join(benchmark).join("val/persons.csv");
        let persons = persons.to_str().unwrap();
        for format in formats.iter().copied() {
            let whole = p.path(&format!("{benchmark}-{format}"));
            p.generate(&[
                "--benchmark",
                benchmark,
                "--persons",
                persons,
                "--format",
                format,
                "--out",
                whole.to_str().unwrap(),
            ]);
            let whole = read(&whole);
            assert!(
                whole.len() > 10_000,
                "{benchmark} {format}: {} bytes",
                whole.len()
            );
            let mut joined = Vec::new();
            let mut joined_gz = Vec::new();
            for i in 0..n {
                let shard = format!("{i}/{n}");
                let threads = (i + 1).to_string();
                let part = p.path(&format!("{benchmark}-{format}-{i}"));
                p.generate(&[
                    "--benchmark",
                    benchmark,
                    "--persons",
                    persons,
                    "--format",
                    format,
                    "--shard",
                    &shard,
                    "--threads",
                    &threads,
                    "--out",
                    part.to_str().unwrap(),
                ]);
                let bytes = read(&part);
                assert!(
                    !bytes.is_empty(),
                    "{benchmark} {format} shard {shard} is empty"
                );
                joined.extend(bytes);
                if gzipped.contains(&format) {
                    let gz = p.path(&format!("{benchmark}-{format}-{i}.gz"));
                    p.generate(&[
                        "--benchmark",
                        benchmark,
                        "--persons",
                        persons,
                        "--format",
                        format,
                        "--shard",
                        &shard,
                        "--out",
                        gz.to_str().unwrap(),
                    ]);
                    joined_gz.extend(read(&gz));
                }
            }
            assert!(
                joined == whole,
                "{benchmark} {format}: {n} shards concatenated differ from the whole"
            );
            if gzipped.contains(&format) {
                assert!(
                    gunzip(&joined_gz) == whole,
                    "{benchmark} {format}: gzip shards concatenated differ from the whole"
                );
            }
        }
    }
}

#[test]
fn standard_output_gives_the_file_bytes_and_a_closed_pipe_exits_zero_quietly() {
    let p = Prepared::new("pipe");
    let file = p.path("val.xml");
    let args = [
        "generate",
        "--benchmark",
        "santiago-2012",
        "--split",
        "val",
        "--format",
        "matsim",
    ];
    let mut to_file = args.to_vec();
    to_file.extend(["--out", file.to_str().unwrap()]);
    assert!(p.run(&to_file).status.success());
    let mut to_stdout = args.to_vec();
    to_stdout.extend(["--out", "-"]);
    let out = p.run(&to_stdout);
    assert!(out.status.success());
    assert!(
        out.stdout == read(&file),
        "standard output and the file differ"
    );
    assert!(
        out.stdout.len() > 1 << 20,
        "the output is larger than a pipe's buffer"
    );

    // A reader that closes before reading anything, and one that reads a little and goes
    // away (`| head -c 4096`).
    for keep in [0usize, 4096] {
        let mut child = p
            .command(&to_stdout)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut head = vec![0u8; keep];
        stdout.read_exact(&mut head).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "reader kept {keep} bytes: {:?}, stderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "reader kept {keep} bytes: stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(head[..], read(&file)[..keep]);
    }
}

#[test]
fn gzip_by_name_own_homes_and_refusals() {
    let p = Prepared::new("gz");
    // `.gz` compresses, and nothing is left under the partial name.
    let plain = p.path("val.csv");
    let gz = p.path("val.csv.gz");
    for out in [&plain, &gz] {
        p.generate(&[
            "--benchmark",
            "santiago-2012",
            "--split",
            "val",
            "--format",
            "episodes",
            "--out",
            out.to_str().unwrap(),
        ]);
    }
    let plain_bytes = read(&plain);
    assert!(read(&gz).len() * 4 < plain_bytes.len(), "gzip compresses");
    assert!(gunzip(&read(&gz)) == plain_bytes);
    assert!(!p.path("val.csv.gz.partial").exists());

    // A persons file with home_x, home_y places those people's homes there.
    let source = std::fs::read_to_string(p.bench().join("santiago-2012/val/persons.csv")).unwrap();
    let mut lines = source.lines();
    let mut text = format!("{},home_x,home_y\n", lines.next().unwrap());
    for (i, line) in lines.take(50).enumerate() {
        let (x, y) = if i % 2 == 0 {
            ("350000.25", "6290000")
        } else {
            ("", "")
        };
        text.push_str(&format!("{line},{x},{y}\n"));
    }
    let persons = p.path("persons.csv");
    std::fs::write(&persons, text).unwrap();
    let out = p.path("homes.csv");
    p.generate(&[
        "--benchmark",
        "santiago-2012",
        "--persons",
        persons.to_str().unwrap(),
        "--format",
        "episodes",
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = String::from_utf8(read(&out)).unwrap();
    let first_ids: Vec<String> = source
        .lines()
        .skip(1)
        .take(50)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    let mut own = 0;
    for row in text.lines().skip(1) {
        let f: Vec<&str> = row.split(',').collect();
        if f[2] != "Home" {
            continue;
        }
        let i = first_ids.iter().position(|id| id == f[0]).unwrap();
        if i % 2 == 0 {
            assert_eq!((f[6], f[7]), ("350000.2", "6290000.0"), "{row}");
            own += 1;
        } else {
            assert_ne!(f[6], "350000.2", "{row}");
        }
    }
    assert!(own >= 25, "{own} home rows at own coordinates");

    // The persons file is checked against the benchmark as it is read: without `group` and
    // `day_type` they are derived by the benchmark's rules (the same output), and a value
    // the benchmark does not know is refused with its line and field, in any shard.
    let homes_bytes = read(&out);
    let with_homes = std::fs::read_to_string(&persons).unwrap();
    let columns: Vec<&str> = with_homes.lines().next().unwrap().split(',').collect();
    let kept: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i] != "group" && columns[i] != "day_type")
        .collect();
    assert_eq!(kept.len() + 2, columns.len(), "{columns:?}");
    let derived: String = with_homes
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            kept.iter().map(|&i| f[i]).collect::<Vec<_>>().join(",") + "\n"
        })
        .collect();
    let derived_path = p.path("derived.csv");
    std::fs::write(&derived_path, derived).unwrap();
    let out = p.path("derived-homes.csv");
    p.generate(&[
        "--benchmark",
        "santiago-2012",
        "--persons",
        derived_path.to_str().unwrap(),
        "--format",
        "episodes",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        read(&out) == homes_bytes,
        "derived segments change the output"
    );
    let sexo = columns.iter().position(|&c| c == "sexo").unwrap();
    let mut bad = String::new();
    for (i, line) in with_homes.lines().take(5).enumerate() {
        let mut f: Vec<&str> = line.split(',').collect();
        if i == 4 {
            f[sexo] = "x";
        }
        bad.push_str(&(f.join(",") + "\n"));
    }
    let bad_path = p.path("unknown-value.csv");
    std::fs::write(&bad_path, bad).unwrap();
    let out = p.run(&[
        "generate",
        "--benchmark",
        "santiago-2012",
        "--persons",
        bad_path.to_str().unwrap(),
        "--shard",
        "1/2",
        "--out",
        p.path("unknown.csv").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("unknown-value.csv, line 5, field `sexo`"),
        "{stderr}"
    );
    assert!(!p.path("unknown.csv").exists() && !p.path("unknown.csv.partial").exists());

    // Refusals: MATSim without locations, a shard that does not exist, a bad home value.
    let out = p.run(&[
        "generate",
        "--benchmark",
        "atus-2014",
        "--split",
        "val",
        "--format",
        "matsim",
        "--out",
        p.path("x.xml").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("needs a benchmark with locations"),
        "{stderr}"
    );
    assert!(!p.path("x.xml").exists() && !p.path("x.xml.partial").exists());
    let out = p.run(&[
        "generate",
        "--benchmark",
        "atus-2014",
        "--split",
        "val",
        "--shard",
        "3/3",
        "--out",
        "-",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 <= I < N"));
    std::fs::write(
        &persons,
        format!(
            "{},home_x,home_y\n{},north,1\n",
            source.lines().next().unwrap(),
            source.lines().nth(1).unwrap()
        ),
    )
    .unwrap();
    let out = p.run(&[
        "generate",
        "--benchmark",
        "santiago-2012",
        "--persons",
        persons.to_str().unwrap(),
        "--format",
        "pam",
        "--out",
        p.path("bad.csv").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("field `home_x`: not a number: `north`"),
        "{stderr}"
    );
    assert!(!p.path("bad.csv").exists() && !p.path("bad.csv.partial").exists());
}
