//! Seeded random hostile and broken diffs against a small in-memory tree: garbage,
//! truncated, oversized, protected-path, `..`, absolute, symlink-mode, binary, CRLF and
//! huge-hunk diffs, and random line edits of valid ones. `unified_diff::apply` must never
//! panic and must never return a change set with a path outside `heuristics/src/**.rs`
//! or over the size limits; every other outcome is a recorded rejection. Valid diffs
//! (the control group) must apply, so the generator is known to reach the happy path.
//!
//! Size: `MOBEVOLVE_ROBUST_CASES` cases (default 1,000, the CI size); the full run is
//! `MOBEVOLVE_ROBUST_CASES=20000 cargo test -p sandbox --test sandbox hostile_diffs`.

use sandbox::scope::check_path;
use sandbox::unified_diff::apply;
use sandbox::{ChangeLimits, Rejection};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

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
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn case_count() -> usize {
    std::env::var("MOBEVOLVE_ROBUST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

/// The in-memory repository the diffs are applied to.
fn tree() -> BTreeMap<&'static str, String> {
    let mut t = BTreeMap::new();
    let lib: String = (0..40)
        .map(|i| format!("pub fn f{i}() -> u32 {{ {i} }}\n"))
        .collect();
    t.insert("heuristics/src/lib.rs", lib);
    let params: String = (0..30)
        .map(|i| format!("pub const P{i}: f64 = {i}.5;\n"))
        .collect();
    t.insert("heuristics/src/params.rs", params);
    t.insert("heuristics/src/empty.rs", String::new());
    t.insert("heuristics/src/no_newline.rs", "fn x() {}".to_string());
    t.insert(
        "heuristics/Cargo.toml",
        "[package]\nname = \"heuristics\"\n".to_string(),
    );
    t.insert(
        "heuristics/tests/guard.rs",
        "#[test]\nfn g() {}\n".to_string(),
    );
    t.insert("evaluator/src/lib.rs", "pub fn score() {}\n".to_string());
    t.insert("Cargo.toml", "[workspace]\n".to_string());
    t.insert(".git/config", "[core]\n".to_string());
    t
}

const EDITABLE: &[&str] = &[
    "heuristics/src/lib.rs",
    "heuristics/src/params.rs",
    "heuristics/src/absent.rs",
];

const HOSTILE_PATHS: &[&str] = &[
    "heuristics/Cargo.toml",
    "heuristics/tests/guard.rs",
    "evaluator/src/lib.rs",
    "Cargo.toml",
    ".git/config",
    "heuristics/src/../Cargo.toml",
    "heuristics/src/../../evaluator/src/lib.rs",
    "../outside.rs",
    "heuristics/src/./lib.rs",
    "/etc/passwd",
    "/work/main/heuristics/src/lib.rs",
    "~/x.rs",
    "heuristics\\src\\lib.rs",
    "heuristics/src/.git/hooks.rs",
    "heuristics/src/data.csv",
    "heuristics/src//lib.rs",
    "heuristics/src/x\u{0}.rs",
    "heuristics/src/x\r.rs",
    "heuristics/src/build.sh",
    "migrations/0001.sql",
    "HEURISTICS/src/lib.rs",
    "heuristics/src",
    "",
];

/// A valid diff replacing a few lines of `path` (or creating it when `original` is None).
fn valid_diff(rng: &mut Rng, path: &str, original: Option<&str>) -> String {
    let Some(text) = original.filter(|t| !t.is_empty()) else {
        let n = 1 + rng.below(5);
        let mut d = format!("--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{n} @@\n");
        for i in 0..n {
            d.push_str(&format!("+pub fn new{i}() {{}}\n"));
        }
        return d;
    };
    let lines: Vec<&str> = text.lines().collect();
    let start = rng.below(lines.len());
    let len = (1 + rng.below(4)).min(lines.len() - start);
    let added = rng.below(4);
    let mut d = format!(
        "--- a/{path}\n+++ b/{path}\n@@ -{},{len} +{},{added} @@\n",
        start + 1,
        start + 1
    );
    for l in &lines[start..start + len] {
        d.push_str(&format!("-{l}\n"));
    }
    for i in 0..added {
        d.push_str(&format!("+// changed {i}\n"));
    }
    d
}

/// A random string mixing printable text, diff punctuation and arbitrary characters.
fn garbage(rng: &mut Rng, len: usize) -> String {
    const PIECES: &[&str] = &[
        "@@ ",
        " @@",
        "--- ",
        "+++ ",
        "\n",
        "+",
        "-",
        " ",
        "a/",
        "b/",
        "heuristics/src/",
        "/dev/null",
        "\\ No newline at end of file",
        "diff --git ",
        "\r",
        "\t",
        "\u{0}",
        "\u{FEFF}",
        "é",
        "𝕏",
        "0",
        "9999999999999999999999",
        ",",
        "..",
        "/",
    ];
    let mut s = String::new();
    while s.len() < len {
        if rng.chance(70) {
            s.push_str(PIECES[rng.below(PIECES.len())]);
        } else {
            s.push(char::from_u32(rng.below(0x3000) as u32).unwrap_or('?'));
        }
    }
    s
}

/// One generated diff: its family and text, and whether it must apply.
fn generate(rng: &mut Rng, tree: &BTreeMap<&'static str, String>) -> (&'static str, String, bool) {
    let path = *rng.pick(EDITABLE);
    let original = tree.get(path).map(String::as_str);
    let family = *rng.pick(&[
        "valid",
        "garbage",
        "truncated",
        "oversized",
        "protected path",
        "symlink/mode",
        "binary",
        "crlf",
        "huge hunk",
        "line edits",
        "second file hostile",
        "delete file",
    ]);
    let diff = match family {
        "valid" => {
            let mut d = valid_diff(rng, path, original);
            if rng.chance(30) {
                let new = format!("heuristics/src/m{}.rs", rng.below(100));
                d.push_str(&valid_diff(rng, &new, None));
            }
            return (family, d, true);
        }
        "garbage" => {
            let len = rng.below(3000);
            garbage(rng, len)
        }
        "truncated" => {
            let d = valid_diff(rng, path, original);
            let mut cut = rng.below(d.len());
            while !d.is_char_boundary(cut) {
                cut -= 1;
            }
            d[..cut].to_string()
        }
        "oversized" => {
            let (n, width) = *rng.pick(&[(3000usize, 80usize), (300, 1000), (1, 300_000)]);
            let mut d = format!("--- /dev/null\n+++ b/heuristics/src/big.rs\n@@ -0,0 +1,{n} @@\n");
            for _ in 0..n {
                d.push('+');
                d.push_str(&"x".repeat(width));
                d.push('\n');
            }
            d
        }
        "protected path" => {
            let target = *rng.pick(HOSTILE_PATHS);
            let orig = tree.get(target).map(String::as_str);
            let d = valid_diff(rng, "PLACEHOLDER", orig.or(Some("a\nb\n")));
            let (a, b) = if rng.chance(50) {
                (format!("a/{target}"), format!("b/{target}"))
            } else {
                (target.to_string(), target.to_string())
            };
            let d = d
                .replacen("a/PLACEHOLDER", &a, 1)
                .replacen("b/PLACEHOLDER", &b, 1);
            if rng.chance(30) {
                format!("diff --git {a} {b}\n{d}")
            } else {
                d
            }
        }
        "symlink/mode" => {
            let mode = *rng.pick(&[
                "new file mode 120000",
                "new file mode 100755",
                "old mode 100644\nnew mode 120000",
                "old mode 100644\nnew mode 100755",
                "deleted file mode 120000",
                "new file mode 160000",
            ]);
            let body = if rng.chance(50) {
                "--- /dev/null\n+++ b/heuristics/src/link.rs\n@@ -0,0 +1 @@\n+/etc/passwd\n\\ No newline at end of file\n".to_string()
            } else {
                String::new()
            };
            format!("diff --git a/heuristics/src/link.rs b/heuristics/src/link.rs\n{mode}\n{body}")
        }
        "binary" => {
            let mut d = if rng.chance(50) {
                "diff --git a/heuristics/src/b.rs b/heuristics/src/b.rs\nnew file mode 100644\nGIT binary patch\nliteral 12\nTcmZ?wa\n".to_string()
            } else {
                "diff --git a/heuristics/src/lib.rs b/heuristics/src/lib.rs\nBinary files a/heuristics/src/lib.rs and b/heuristics/src/lib.rs differ\n".to_string()
            };
            let n = rng.below(200);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            d.push_str(&String::from_utf8_lossy(&bytes));
            d
        }
        "crlf" => valid_diff(rng, path, original).replace('\n', "\r\n"),
        "huge hunk" => {
            let big = *rng.pick(&[
                "18446744073709551615",
                "18446744073709551614",
                "9223372036854775807",
                "4294967295",
                "1000000000",
                "0",
                "99999999999999999999999",
                "-1",
            ]);
            let d = valid_diff(rng, path, original);
            let header_start = d.find("@@").unwrap();
            let header_end = header_start + d[header_start..].find('\n').unwrap();
            let header = match rng.below(4) {
                0 => format!("@@ -{big},1 +1,1 @@"),
                1 => format!("@@ -1,{big} +1,1 @@"),
                2 => format!("@@ -{big},{big} +{big},{big} @@"),
                _ => format!("@@ -{big} +{big} @@"),
            };
            format!("{}{}{}", &d[..header_start], header, &d[header_end..])
        }
        "line edits" => {
            let d = valid_diff(rng, path, original);
            let mut lines: Vec<String> = d.split('\n').map(String::from).collect();
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(lines.len());
                match rng.below(5) {
                    0 => {
                        lines.remove(i);
                    }
                    1 => {
                        let l = lines[i].clone();
                        lines.insert(i, l);
                    }
                    2 => {
                        let j = rng.below(lines.len());
                        lines.swap(i, j);
                    }
                    3 => lines[i] = garbage(rng, 20),
                    _ => {
                        let n = rng.below(60).to_string();
                        lines[i] = lines[i].replacen(char::is_numeric, &n, 1);
                    }
                }
                if lines.is_empty() {
                    break;
                }
            }
            lines.join("\n")
        }
        "second file hostile" => {
            let target = *rng.pick(HOSTILE_PATHS);
            let mut d = valid_diff(rng, path, original);
            d.push_str(&format!(
                "--- a/{target}\n+++ b/{target}\n@@ -1 +1 @@\n-a\n+b\n"
            ));
            d
        }
        "delete file" => {
            let target = if rng.chance(50) {
                path
            } else {
                *rng.pick(HOSTILE_PATHS)
            };
            format!("--- a/{target}\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-x\n")
        }
        _ => unreachable!(),
    };
    (family, diff, false)
}

fn outcome_name(r: &Result<sandbox::ChangeSet, Rejection>) -> &'static str {
    match r {
        Ok(_) => "applied",
        Err(Rejection::MalformedDiff { .. }) => "malformed",
        Err(Rejection::DiffDoesNotApply { .. }) => "does not apply",
        Err(Rejection::OutsideScope { .. }) => "outside scope",
        Err(Rejection::TooLarge { .. }) => "too large",
        Err(Rejection::EmptyChange) => "empty",
        Err(_) => "other rejection",
    }
}

#[test]
fn random_hostile_diffs_never_escape() {
    let tree = tree();
    let limits = ChangeLimits::default();
    let n = case_count();
    let mut rng = Rng(0xD1FF_0000_0007);
    let mut table: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in 0..n {
        let (family, diff, must_apply) = generate(&mut rng, &tree);
        let result = catch_unwind(AssertUnwindSafe(|| {
            apply(&diff, &limits, |p| tree.get(p).cloned())
        }));
        let shown = || diff.chars().take(300).collect::<String>();
        let Ok(result) = result else {
            failures.push(format!("case {case} ({family}) PANICKED on {:?}", shown()));
            *table.entry((family, "panic")).or_default() += 1;
            continue;
        };
        match &result {
            Ok(change) => {
                for (path, content) in &change.files {
                    let inside = path.starts_with("heuristics/src/")
                        && path.ends_with(".rs")
                        && check_path(path).is_ok()
                        && !path
                            .split('/')
                            .any(|c| c == ".." || c == "." || c.is_empty());
                    if !inside {
                        failures.push(format!("case {case} ({family}) wrote `{path}`"));
                    }
                    if content
                        .as_ref()
                        .is_some_and(|c| c.len() > limits.max_file_bytes)
                    {
                        failures.push(format!("case {case} ({family}) oversized `{path}`"));
                    }
                }
                if change.files.is_empty() || change.files.len() > limits.max_files {
                    failures.push(format!("case {case} ({family}) bad file count"));
                }
            }
            Err(rejection) => {
                if must_apply {
                    failures.push(format!(
                        "case {case}: a valid diff was rejected: {rejection}\n{}",
                        shown()
                    ));
                }
                if rejection.to_string().is_empty() {
                    failures.push(format!("case {case}: empty rejection message"));
                }
            }
        }
        *table.entry((family, outcome_name(&result))).or_default() += 1;
    }
    println!("{n} random diffs:");
    println!("{:<22} {:<16} {:>6}", "family", "outcome", "cases");
    for ((family, outcome), count) in &table {
        println!("{family:<22} {outcome:<16} {count:>6}");
    }
    for family in ["protected path", "symlink/mode", "binary", "oversized"] {
        assert!(
            !table.contains_key(&(family, "applied")),
            "a {family} diff applied"
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
