//! End-to-end tests with a real run repository and real cargo builds of a small fixture
//! workspace in a temporary folder: one good candidate and one per hostile behaviour, each
//! rejected with its own reason, within its limit, leaving the host, the run repository
//! and a sibling worktree intact. Must run as root (the sandbox drops to an unprivileged uid).

use sandbox::{
    Change, IsolationChoice, Phase, Rejection, RolloutPersons, RolloutRequest, RunRepo, Sandbox,
    SandboxConfig,
};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

const PERSONS: usize = 20;

const LIB_RS: &str = r#"//! Fixture generator.
pub fn hook() {}

pub fn first_slot(person: &str) -> String {
    let _ = person;
    "Home".to_string()
}

pub fn diary_line(person: &str) -> String {
    let mut s = person.to_string();
    s.push(',');
    s.push_str(&first_slot(person));
    for _ in 1..24 {
        s.push_str(",Home");
    }
    s
}
"#;

const ROLLOUT_RS: &str = r#"use std::io::Write;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |k: &str| args.iter().position(|a| a == k).map(|i| args[i + 1].clone());
    let bench = get("--bench").expect("--bench");
    let split = get("--split").expect("--split");
    let out = get("--out").expect("--out");
    let _seed: u64 = get("--seed").expect("--seed").parse().expect("seed");
    heuristics::hook();
    let persons = std::fs::read_to_string(format!("{bench}/{split}/persons.csv")).expect("persons.csv");
    let mut f = std::fs::File::create(&out).expect("create --out");
    let header: Vec<String> = (0..24).map(|h| format!("h{h:02}")).collect();
    writeln!(f, "person_id,{}", header.join(",")).unwrap();
    for line in persons.lines().skip(1) {
        let id = line.split(',').next().unwrap();
        writeln!(f, "{}", heuristics::diary_line(id)).unwrap();
    }
}
"#;

const GUARD_RS: &str = r#"#[test]
fn diary_has_24_slots() {
    assert_eq!(heuristics::diary_line("p1").split(',').count(), 25);
}

#[test]
fn bench_is_visible() {
    let root = std::env::var("MOBEVOLVE_BENCH").expect("MOBEVOLVE_BENCH");
    assert!(std::path::Path::new(&root).join("fix/train/persons.csv").exists());
}
"#;

/// A temporary folder removed on drop (tempfile is not available offline).
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p =
            std::env::temp_dir().join(format!("sandbox-test-{tag}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

struct Fixture {
    _tmp: TempDir,
    root: PathBuf,
    run: RunRepo,
    bench_root: PathBuf,
    host_file: PathBuf,
    sibling: sandbox::Worktree,
    /// The initial commit every candidate is made from.
    base: String,
    counter: usize,
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// The shared fixture lives in a static (never dropped), so each run removes the folders of
/// earlier test processes that are gone.
fn remove_leftover_fixtures() {
    for entry in fs::read_dir(std::env::temp_dir()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("sandbox-test-fixture-") else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or("");
        if !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn make_fixture() -> Fixture {
    remove_leftover_fixtures();
    let tmp = TempDir::new("fixture");
    let root = tmp.0.clone();
    let ws = root.join("workspace");
    write(&ws.join("Cargo.toml"), "[workspace]\nresolver = \"2\"\nmembers = [\"heuristics\"]\n\n[profile.release]\nincremental = true\ncodegen-units = 16\n");
    write(
        &ws.join("heuristics/Cargo.toml"),
        "[package]\nname = \"heuristics\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(&ws.join("heuristics/src/lib.rs"), LIB_RS);
    write(&ws.join("heuristics/src/bin/rollout.rs"), ROLLOUT_RS);
    write(&ws.join("heuristics/tests/guard.rs"), GUARD_RS);
    let status = Command::new("cargo")
        .args(["generate-lockfile", "--offline"])
        .current_dir(&ws)
        .status()
        .unwrap();
    assert!(status.success());
    let bench_root = root.join("bench");
    let mut persons = String::from("person_id,household_id,group,day_type,home_zone\n");
    for i in 0..PERSONS {
        persons.push_str(&format!("p{i},h{i},g,weekday,\n"));
    }
    for split in ["train", "val"] {
        write(
            &bench_root.join("fix").join(split).join("persons.csv"),
            &persons,
        );
    }
    write(&bench_root.join("fix/manifest.json"), "{}\n");
    let host_file = root.join("host_file.txt");
    fs::write(&host_file, "original").unwrap();
    let run = RunRepo::init(&root.join("run"), &ws).unwrap();
    let base = run.main_head().unwrap();
    let sibling = run.create_worktree("sibling", &base).unwrap();
    Fixture {
        _tmp: tmp,
        root,
        run,
        bench_root,
        host_file,
        sibling,
        base,
        counter: 0,
    }
}

fn fixture() -> MutexGuard<'static, Fixture> {
    static FIXTURE: OnceLock<Mutex<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| Mutex::new(make_fixture()))
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// The isolation the suite runs in: `MOBEVOLVE_ISOLATION` (`auto`, the default: bubblewrap
/// when it works, else namespaces; `bubblewrap`; `namespaces`). CI runs the suite once in
/// each mode.
fn mode() -> IsolationChoice {
    IsolationChoice::from_env().unwrap()
}

/// Whether `isolation` is what [`mode`] asked for.
fn is_requested_mode(isolation: &sandbox::Isolation) -> bool {
    matches!(
        (mode(), isolation),
        (
            IsolationChoice::Bubblewrap,
            sandbox::Isolation::Bubblewrap { .. }
        ) | (
            IsolationChoice::Namespaces,
            sandbox::Isolation::Namespaces { .. }
        ) | (IsolationChoice::Auto, _)
    )
}

fn config(isolation: IsolationChoice) -> SandboxConfig {
    let mut c = SandboxConfig {
        isolation,
        ..SandboxConfig::default()
    };
    c.limits.rollout.wall_time = Duration::from_secs(5);
    c.limits.rollout.memory_bytes = 512 << 20;
    c.limits.rollout.max_processes = 64;
    c.limits.output_bytes = 4 << 20;
    c
}

/// A diff replacing `pub fn hook() {}` with `body`.
fn hook_diff(body: &str) -> String {
    let lines: Vec<&str> = body.lines().collect();
    let mut d = format!(
        "--- a/heuristics/src/lib.rs\n+++ b/heuristics/src/lib.rs\n@@ -1,3 +1,{} @@\n //! Fixture generator.\n-pub fn hook() {{}}\n",
        lines.len() + 2
    );
    for l in &lines {
        d.push_str(&format!("+{l}\n"));
    }
    d.push_str(" \n");
    d
}

fn tree_digest(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push((e.path(), fs::read(e.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

struct Outcome {
    report: sandbox::CandidateReport,
}

/// Evaluates `change` as a new candidate and checks that the host, the run repository and
/// the sibling worktree are intact.
fn evaluate(
    fx: &mut Fixture,
    isolation: IsolationChoice,
    change: Option<&str>,
    edits: &[(&str, &str)],
) -> Outcome {
    let sb = Sandbox::new(config(isolation)).unwrap();
    fx.counter += 1;
    let name = format!("cand{}", fx.counter);
    let main_before = fx.run.main_head().unwrap();
    let sibling_before = tree_digest(&fx.sibling.path);
    let wt = fx.run.create_worktree(&name, &fx.base).unwrap();
    for (path, text) in edits {
        write(&wt.path.join(path), text);
    }
    let req = RolloutRequest {
        bench: fx.bench_root.join("fix"),
        persons: RolloutPersons::Split("val".into()),
        seed: 7,
        threads: None,
    };
    let start = Instant::now();
    let report = match change {
        Some(diff) => sb.evaluate(&fx.run, &wt, Change::Diff(diff), Some(&fx.bench_root), &req),
        None => sb.evaluate(
            &fx.run,
            &wt,
            Change::WorktreeEdits,
            Some(&fx.bench_root),
            &req,
        ),
    }
    .unwrap();
    let elapsed = start.elapsed();
    eprintln!(
        "{name}: {:?} in {elapsed:?} ({})",
        report.outcome.as_ref().map(|v| v.persons),
        sb.isolation().describe()
    );
    assert_eq!(
        fs::read_to_string(&fx.host_file).unwrap(),
        "original",
        "host file changed"
    );
    assert_eq!(fx.run.main_head().unwrap(), main_before, "main moved");
    assert_eq!(
        tree_digest(&fx.sibling.path),
        sibling_before,
        "sibling worktree changed"
    );
    assert!(
        !wt.path.exists() && !wt.scratch.exists(),
        "worktree not cleaned up"
    );
    let fsck = Command::new("git")
        .args(["fsck", "--strict", "--no-dangling"])
        .current_dir(fx.run.run_dir().join("repo"))
        .output()
        .unwrap();
    assert!(
        fsck.status.success(),
        "git fsck: {}",
        String::from_utf8_lossy(&fsck.stderr)
    );
    let expected_ref = match &report.outcome {
        Ok(_) => format!("refs/mobevolve/candidates/{name}"),
        Err(_) => format!("refs/mobevolve/rejected/{name}"),
    };
    assert_eq!(report.git_ref, expected_ref);
    assert!(fx.run.ref_target(&expected_ref).unwrap().is_some());
    // Nothing of the candidate may survive under the sandbox uid.
    assert_eq!(
        sandbox::jail::tasks_of_uid(sb.config().sandbox_uid),
        0,
        "stray sandbox processes"
    );
    Outcome { report }
}

fn rejection(o: &Outcome) -> &Rejection {
    match &o.report.outcome {
        Err(r) => r,
        Ok(_) => panic!("expected a rejection, got a verified candidate"),
    }
}

#[test]
fn good_diff_is_applied_built_tested_rolled_out_scored_and_accepted() {
    let mut fx = fixture();
    let diff = hook_diff("pub fn hook() {\n    let _ = std::hint::black_box(1 + 1);\n}");
    let o = evaluate(&mut fx, mode(), Some(&diff), &[]);
    let verified = o.report.outcome.as_ref().expect("verified");
    assert_eq!(verified.persons, PERSONS);
    assert!(
        o.report.times.build.is_some()
            && o.report.times.test.is_some()
            && o.report.times.rollout.is_some()
    );
    // Score the diaries outside the candidate: share of Home slots.
    let path = fx.root.join("diaries.csv");
    fs::write(&path, &verified.diaries).unwrap();
    let table = mobility::DiaryTable::read(&path, None).unwrap();
    assert_eq!(table.diaries.len(), PERSONS);
    let home = table
        .diaries
        .iter()
        .flat_map(|d| d.activities)
        .filter(|a| *a == mobility::Activity::Home)
        .count();
    assert_eq!(home, PERSONS * 24);
    // The commit holds exactly the diff; accepting fast-forwards main.
    let commit = o.report.commit.clone().unwrap();
    let shown = fx.run.diff_of(&commit).unwrap();
    assert!(
        shown.contains("+    let _ = std::hint::black_box(1 + 1);"),
        "{shown}"
    );
    assert!(shown.contains("-pub fn hook() {}"), "{shown}");
    let name = o.report.name.clone();
    let main_before = fx.run.main_head().unwrap();
    let new_main = fx.run.accept(&name).unwrap();
    assert_eq!(fx.run.main_head().unwrap(), new_main);
    if main_before == fx.base {
        assert_eq!(new_main, commit, "fast-forward");
    }
    assert_eq!(fx.run.diff_of(&new_main).unwrap(), shown);
    assert!(
        is_requested_mode(&o.report.isolation),
        "{:?}",
        o.report.isolation
    );
}

#[test]
fn agent_edits_in_the_worktree_are_collected() {
    let mut fx = fixture();
    let lib = LIB_RS.replace("pub fn hook() {}", "pub fn hook() {\n    let _ = 2;\n}");
    let o = evaluate(&mut fx, mode(), None, &[("heuristics/src/lib.rs", &lib)]);
    assert!(o.report.outcome.is_ok(), "{:?}", o.report.outcome);
    let o = evaluate(&mut fx, mode(), None, &[("heuristics/tests/guard.rs", "")]);
    assert!(
        matches!(rejection(&o), Rejection::OutsideScope { path, .. } if path == "heuristics/tests/guard.rs")
    );
    assert!(o.report.commit.is_none());
}

#[test]
fn diff_that_does_not_apply_names_the_hunk() {
    let mut fx = fixture();
    let diff = "--- a/heuristics/src/lib.rs\n+++ b/heuristics/src/lib.rs\n@@ -2,1 +2,1 @@\n-pub fn hook() { nothing_like_this(); }\n+pub fn hook() {}\n";
    let o = evaluate(&mut fx, mode(), Some(diff), &[]);
    match rejection(&o) {
        Rejection::DiffDoesNotApply { file, hunk, reason } => {
            assert_eq!(file, "heuristics/src/lib.rs");
            assert_eq!(hunk, "@@ -2,1 +2,1 @@");
            assert!(
                reason.contains("line 2 should be `pub fn hook() { nothing_like_this(); }`"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(o.report.commit.is_none(), "nothing may be committed");
    // The rejected proposal is kept with its reason.
    let kept = fx
        .run
        .ref_target(&format!("refs/mobevolve/rejected/{}", o.report.name))
        .unwrap()
        .unwrap();
    let msg = fx
        .run
        .git()
        .find_commit(git2::Oid::from_str(&kept).unwrap())
        .unwrap()
        .message()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("diff_does_not_apply") && msg.contains("nothing_like_this"),
        "{msg}"
    );
}

#[test]
fn change_to_protected_path_is_rejected_before_building() {
    let mut fx = fixture();
    let diff = "--- a/heuristics/Cargo.toml\n+++ b/heuristics/Cargo.toml\n@@ -1,1 +1,1 @@\n-[package]\n+[package] # evil\n";
    let o = evaluate(&mut fx, mode(), Some(diff), &[]);
    assert!(
        matches!(rejection(&o), Rejection::OutsideScope { path, .. } if path == "heuristics/Cargo.toml")
    );
    assert!(o.report.times.build.is_none() && o.report.commit.is_none());
}

#[test]
fn compile_error_is_trimmed_for_the_agent() {
    let mut fx = fixture();
    let o = evaluate(
        &mut fx,
        mode(),
        Some(&hook_diff("pub fn hook() {\n    let x: u32 = \"nope\";\n}")),
        &[],
    );
    match rejection(&o) {
        Rejection::CompileError { trimmed } => {
            assert!(
                trimmed.contains("error[E0308]: mismatched types"),
                "{trimmed}"
            );
            assert!(trimmed.len() <= 4200);
            assert!(!trimmed.contains("Compiling"), "{trimmed}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn failing_guard_test_is_rejected() {
    let mut fx = fixture();
    let diff = "--- a/heuristics/src/lib.rs\n+++ b/heuristics/src/lib.rs\n@@ -12,3 +12,3 @@\n     s.push_str(&first_slot(person));\n-    for _ in 1..24 {\n+    for _ in 1..23 {\n         s.push_str(\",Home\");\n";
    let o = evaluate(&mut fx, mode(), Some(diff), &[]);
    match rejection(&o) {
        Rejection::TestsFailed { trimmed } => {
            assert!(trimmed.contains("diary_has_24_slots"), "{trimmed}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn endless_loop_is_killed_at_the_wall_time() {
    let mut fx = fixture();
    let body = "pub fn hook() {\n    std::thread::spawn(|| loop { std::hint::spin_loop() });\n    loop { std::hint::spin_loop() }\n}";
    let o = evaluate(&mut fx, mode(), Some(&hook_diff(body)), &[]);
    assert_eq!(
        rejection(&o),
        &Rejection::Timeout {
            phase: Phase::Rollout,
            limit_secs: 5
        }
    );
}

#[test]
fn unbounded_allocation_hits_the_memory_limit() {
    let mut fx = fixture();
    let body = "pub fn hook() {\n    let mut v: Vec<Vec<u8>> = Vec::new();\n    loop { v.push(vec![1u8; 1 << 24]); }\n}";
    let o = evaluate(&mut fx, mode(), Some(&hook_diff(body)), &[]);
    assert_eq!(
        rejection(&o),
        &Rejection::MemoryLimit {
            phase: Phase::Rollout,
            limit_bytes: 512 << 20
        }
    );
}

const FORK_BOMB: &str = "pub fn hook() {\n    loop {\n        if let Err(e) = std::process::Command::new(\"/bin/sleep\").arg(\"30\").spawn() {\n            panic!(\"spawn: {e}\");\n        }\n    }\n}";

#[test]
fn fork_bomb_hits_the_process_limit() {
    let mut fx = fixture();
    let o = evaluate(&mut fx, mode(), Some(&hook_diff(FORK_BOMB)), &[]);
    assert_eq!(
        rejection(&o),
        &Rejection::ProcessLimit {
            phase: Phase::Rollout,
            limit: 64
        }
    );
}

fn network_body(port: u16) -> String {
    format!("pub fn hook() {{\n    let r = std::net::TcpStream::connect(\"127.0.0.1:{port}\");\n    println!(\"{{r:?}}\");\n}}")
}

fn assert_no_connection(listener: &std::net::TcpListener) {
    listener.set_nonblocking(true).unwrap();
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the candidate reached the host: {other:?}"),
    }
}

#[test]
fn network_access_is_denied() {
    let mut fx = fixture();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let o = evaluate(&mut fx, mode(), Some(&hook_diff(&network_body(port))), &[]);
    assert_eq!(
        rejection(&o),
        &Rejection::NetworkDenied {
            phase: Phase::Rollout
        }
    );
    assert_no_connection(&listener);
}

fn escape_body(host_file: &Path) -> String {
    format!(
        "pub fn hook() {{\n    let p = std::path::Path::new({:?});\n    let _ = std::fs::create_dir_all(p.parent().unwrap());\n    std::fs::write(p, \"pwned\").unwrap();\n}}",
        host_file.display().to_string()
    )
}

#[test]
fn writing_outside_the_worktree_is_caught_and_contained() {
    let mut fx = fixture();
    let host_file = fx.host_file.clone();
    let o = evaluate(
        &mut fx,
        mode(),
        Some(&hook_diff(&escape_body(&host_file))),
        &[],
    );
    assert_eq!(
        rejection(&o),
        &Rejection::WroteOutsideWorktree {
            phase: Phase::Rollout,
            path: host_file.display().to_string()
        }
    );
}

#[test]
fn printing_gigabytes_hits_the_output_limit() {
    let mut fx = fixture();
    let body = "pub fn hook() {\n    let line = \"x\".repeat(1 << 20);\n    loop { println!(\"{line}\"); }\n}";
    let o = evaluate(&mut fx, mode(), Some(&hook_diff(body)), &[]);
    assert_eq!(
        rejection(&o),
        &Rejection::OutputLimit {
            phase: Phase::Rollout,
            limit: 4 << 20
        }
    );
}

#[test]
fn nondeterministic_rollout_is_rejected() {
    let mut fx = fixture();
    let diff = "--- a/heuristics/src/lib.rs\n+++ b/heuristics/src/lib.rs\n@@ -4,4 +4,5 @@\n pub fn first_slot(person: &str) -> String {\n     let _ = person;\n-    \"Home\".to_string()\n+    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();\n+    if t.subsec_nanos() % 2 == 0 { \"Home\".to_string() } else { \"Work\".to_string() }\n }\n";
    let o = evaluate(&mut fx, mode(), Some(diff), &[]);
    match rejection(&o) {
        Rejection::NonDeterministic {
            line,
            first,
            second,
        } => {
            assert!(*line >= 2, "the header is the same");
            assert_ne!(first, second);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn namespace_fallback_contains_the_same_attacks() {
    let mut fx = fixture();
    let good = hook_diff("pub fn hook() {\n    let _ = 3;\n}");
    let o = evaluate(&mut fx, IsolationChoice::Namespaces, Some(&good), &[]);
    assert!(o.report.outcome.is_ok(), "{:?}", o.report.outcome);
    assert!(matches!(
        o.report.isolation,
        sandbox::Isolation::Namespaces { .. }
    ));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let o = evaluate(
        &mut fx,
        IsolationChoice::Namespaces,
        Some(&hook_diff(&network_body(port))),
        &[],
    );
    assert_eq!(
        rejection(&o),
        &Rejection::NetworkDenied {
            phase: Phase::Rollout
        }
    );
    assert_no_connection(&listener);
    let host_file = fx.host_file.clone();
    let o = evaluate(
        &mut fx,
        IsolationChoice::Namespaces,
        Some(&hook_diff(&escape_body(&host_file))),
        &[],
    );
    assert_eq!(
        rejection(&o),
        &Rejection::WroteOutsideWorktree {
            phase: Phase::Rollout,
            path: host_file.display().to_string()
        }
    );
    let o = evaluate(
        &mut fx,
        IsolationChoice::Namespaces,
        Some(&hook_diff(FORK_BOMB)),
        &[],
    );
    assert_eq!(
        rejection(&o),
        &Rejection::ProcessLimit {
            phase: Phase::Rollout,
            limit: 64
        }
    );
}

#[test]
fn stale_worktrees_are_removed_on_start() {
    let mut fx = fixture();
    let wt = fx
        .run
        .create_worktree("crashed", &fx.run.main_head().unwrap())
        .unwrap();
    assert!(wt.path.exists());
    let reopened = RunRepo::open(fx.run.run_dir()).unwrap();
    let removed = reopened.cleanup_stale_worktrees().unwrap();
    assert!(removed.contains(&"crashed".to_string()) && !wt.path.exists());
    // (The sibling is also gone now; recreate it for the other tests.)
    let main = fx.run.main_head().unwrap();
    fx.sibling = fx.run.create_worktree("sibling", &main).unwrap();
}

#[test]
fn incremental_caches_are_discarded_but_built_artifacts_kept() {
    let fx = fixture();
    let target = fx.run.run_dir().join("target");
    let cache = target.join("release/incremental/heuristics-1x2y/s-abc");
    fs::create_dir_all(&cache).unwrap();
    fs::write(cache.join("query-cache.bin"), b"cache").unwrap();
    fs::create_dir_all(target.join("debug/incremental/rollout-9z")).unwrap();
    let rlib = target.join("release/deps/libmobility-1.rlib");
    fs::create_dir_all(rlib.parent().unwrap()).unwrap();
    fs::write(&rlib, b"rlib").unwrap();
    let removed = fx.run.discard_incremental_caches().unwrap();
    assert!(removed >= 2, "{removed}");
    assert!(!target.join("release/incremental/heuristics-1x2y").exists());
    assert!(!target.join("debug/incremental/rollout-9z").exists());
    assert!(target.join("release/incremental").is_dir());
    assert_eq!(fs::read(&rlib).unwrap(), b"rlib");
}

#[path = "sandbox/agent_jail.rs"]
mod agent_jail;
#[path = "sandbox/hostile_diffs.rs"]
mod hostile_diffs;
#[path = "sandbox/jail_support.rs"]
mod jail_support;
#[path = "sandbox/process_trees.rs"]
mod process_trees;
#[path = "sandbox/rootless.rs"]
mod rootless;
#[path = "sandbox/run_repo_from.rs"]
mod run_repo_from;
