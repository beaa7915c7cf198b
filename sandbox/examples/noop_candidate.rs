//! Times a no-op candidate (a one-comment change to `heuristics/src/lib.rs`) of the REAL
//! workspace through build + test + rollout on each prepared benchmark, twice. The run's
//! target folder is shared, so only the very first candidate pays a cold build; every later
//! one (what a run mostly pays) is warm.
//!
//! `cargo run --release -p sandbox --example noop_candidate [BENCH_DIR]` as root; BENCH_DIR
//! defaults to `$MOBEVOLVE_BENCH` or `<workspace>/out/bench`.

use sandbox::{Change, RolloutPersons, RolloutRequest, RunRepo, Sandbox, SandboxConfig};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap();
    let bench_root = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("MOBEVOLVE_BENCH").map(PathBuf::from))
        .unwrap_or_else(|| workspace.join("out/bench"));
    let mut benches: Vec<PathBuf> = std::fs::read_dir(&bench_root)
        .unwrap_or_else(|e| panic!("{}: {e}", bench_root.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("manifest.json").exists())
        .collect();
    benches.sort();
    let run_dir = std::env::temp_dir().join(format!("mobevolve-noop-{}", std::process::id()));
    let run = RunRepo::init(&run_dir, &workspace).expect("run repo");
    let sandbox = Sandbox::new(SandboxConfig::default()).expect("sandbox");
    println!("isolation: {}", sandbox.isolation().describe());
    let base = run.main_head().unwrap();
    let lib = std::fs::read_to_string(workspace.join("heuristics/src/lib.rs")).unwrap();
    let first = lib.lines().next().unwrap_or("");
    let diff = format!(
        "--- a/heuristics/src/lib.rs\n+++ b/heuristics/src/lib.rs\n@@ -1,1 +1,2 @@\n {first}\n+// no-op candidate\n"
    );
    let mut n = 0;
    for bench in &benches {
        for pass in ["first", "again"] {
            n += 1;
            let wt = run.create_worktree(&format!("noop{n}"), &base).unwrap();
            let req = RolloutRequest {
                bench: bench.clone(),
                persons: RolloutPersons::Split("val".into()),
                seed: 1,
                threads: None,
            };
            let start = Instant::now();
            let report = sandbox
                .evaluate(&run, &wt, Change::Diff(&diff), Some(&bench_root), &req)
                .unwrap();
            let total = start.elapsed();
            let outcome = match &report.outcome {
                Ok(v) => format!(
                    "verified, {} persons, {} µs/person",
                    v.persons, v.us_per_person
                ),
                Err(r) => format!("REJECTED: {r}"),
            };
            println!(
                "{} ({pass}): build {:?}, test {:?}, rollout x2 {:?}, total {total:.2?} — {outcome}",
                bench.file_name().unwrap().to_string_lossy(),
                report.times.build,
                report.times.test,
                report.times.rollout,
            );
        }
    }
    let _ = std::fs::remove_dir_all(&run_dir);
}
