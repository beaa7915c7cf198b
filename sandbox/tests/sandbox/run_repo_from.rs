//! A run can start from an earlier generator: `RunRepo::init_from` takes the editable crate
//! from a git revision of the workspace and everything else from the workspace as it is.

use crate::{write, TempDir};
use sandbox::RunRepo;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The file at `path` in the run repository's first commit.
fn initial_file(run: &RunRepo, path: &str) -> Option<String> {
    let repo = run.git();
    let head = repo.revparse_single(&run.main_head().unwrap()).unwrap();
    let tree = head.peel_to_tree().unwrap();
    let entry = tree.get_path(Path::new(path)).ok()?;
    let blob = entry.to_object(repo).unwrap().peel_to_blob().unwrap();
    Some(String::from_utf8(blob.content().to_vec()).unwrap())
}

#[test]
fn a_run_starts_from_the_generator_at_a_tag_and_the_rest_as_it_is() {
    let tmp = TempDir::new("init-from");
    let ws = tmp.0.join("workspace");
    write(
        &ws.join("heuristics/src/lib.rs"),
        "pub const K: usize = 10;\n",
    );
    write(&ws.join("heuristics/src/old.rs"), "// removed later\n");
    write(&ws.join("evaluator/src/lib.rs"), "pub fn score() {}\n");
    git(&ws, &["init", "-q"]);
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-qm", "designed"]);
    git(&ws, &["tag", "generator-initial"]);
    // The generator evolves (committed), then more (uncommitted); the evaluator too.
    write(
        &ws.join("heuristics/src/lib.rs"),
        "pub const K: usize = 20;\n",
    );
    std::fs::remove_file(ws.join("heuristics/src/old.rs")).unwrap();
    write(&ws.join("heuristics/src/new.rs"), "// evolved\n");
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-qm", "evolved"]);
    write(
        &ws.join("evaluator/src/lib.rs"),
        "pub fn score() { /* now */ }\n",
    );

    let from_tag = RunRepo::init_from(&tmp.0.join("run"), &ws, Some("generator-initial")).unwrap();
    assert_eq!(
        initial_file(&from_tag, "heuristics/src/lib.rs").as_deref(),
        Some("pub const K: usize = 10;\n")
    );
    assert!(initial_file(&from_tag, "heuristics/src/old.rs").is_some());
    assert_eq!(initial_file(&from_tag, "heuristics/src/new.rs"), None);
    assert_eq!(
        initial_file(&from_tag, "evaluator/src/lib.rs").as_deref(),
        Some("pub fn score() { /* now */ }\n"),
        "everything outside the generator is the workspace as it is"
    );
    let message = from_tag
        .git()
        .revparse_single(&from_tag.main_head().unwrap())
        .unwrap()
        .peel_to_commit()
        .unwrap()
        .message()
        .unwrap()
        .to_string();
    assert!(
        message.contains("heuristics/ at generator-initial ("),
        "{message}"
    );

    let current = RunRepo::init(&tmp.0.join("run-now"), &ws).unwrap();
    assert_eq!(
        initial_file(&current, "heuristics/src/lib.rs").as_deref(),
        Some("pub const K: usize = 20;\n")
    );

    let missing = RunRepo::init_from(&tmp.0.join("run-bad"), &ws, Some("no-such-tag"))
        .err()
        .expect("an unknown revision is an error")
        .to_string();
    assert!(
        missing.contains("`no-such-tag`") && missing.contains("no such commit"),
        "{missing}"
    );
}
