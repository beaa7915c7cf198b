//! Summarising an applied change from the repository's files before and after it: the
//! files and lines it changed, every constant whose value changed, and whether it makes the
//! code simpler. Computed once, when the change is applied; every reader uses the record.

use memory::{ChangeSummary, ConstantChange, FileChange};
use std::collections::{BTreeMap, BTreeSet};

/// The editable scope whose size decides "simpler".
const SCOPE: &str = "heuristics/src/";

/// Whether a file of the editable scope is test code (`decision_tests.rs`, the decision
/// tests an agent edits with its decisions): its constants are fixtures, not the
/// generator's constants, and removing tests does not make the generator simpler.
fn is_test_code(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.ends_with("tests.rs"))
}

/// The summary of the change from `before` to `after` (repository path → file text; only
/// files present on one side or different count). `notes` are what the applier reported.
pub fn summarize(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
    notes: Vec<String>,
) -> ChangeSummary {
    let paths: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut files = Vec::new();
    let mut constants = Vec::new();
    for path in paths {
        let (old, new) = (before.get(path), after.get(path));
        if old == new {
            continue;
        }
        let diff = similar::TextDiff::from_lines(
            old.map(String::as_str).unwrap_or(""),
            new.map(String::as_str).unwrap_or(""),
        );
        let (mut added, mut removed) = (0, 0);
        for change in diff.iter_all_changes() {
            match change.tag() {
                similar::ChangeTag::Insert => added += 1,
                similar::ChangeTag::Delete => removed += 1,
                similar::ChangeTag::Equal => {}
            }
        }
        files.push(FileChange {
            path: path.clone(),
            added,
            removed,
            created: match (old, new) {
                (None, Some(_)) => Some(true),
                (Some(_), None) => Some(false),
                _ => None,
            },
        });
        if is_test_code(path) {
            continue;
        }
        let old_consts = constant_items(old.map(String::as_str).unwrap_or(""));
        let new_consts = constant_items(new.map(String::as_str).unwrap_or(""));
        let names: BTreeSet<&String> = old_consts.keys().chain(new_consts.keys()).collect();
        for name in names {
            let (o, n) = (old_consts.get(name), new_consts.get(name));
            if o.map(|c| &c.value) != n.map(|c| &c.value) {
                constants.push(ConstantChange {
                    file: path.clone(),
                    name: name.clone(),
                    public: n.or(o).is_some_and(|c| c.public),
                    old: o.map(|c| c.value.clone()),
                    new: n.map(|c| c.value.clone()),
                });
            }
        }
    }
    let scope_size = |files: &BTreeMap<String, String>| {
        files
            .iter()
            .filter(|(p, _)| p.starts_with(SCOPE) && p.ends_with(".rs") && !is_test_code(p))
            .fold((0, 0), |(lines, consts), (_, text)| {
                (
                    lines + code_lines(text),
                    consts + constant_items(text).len(),
                )
            })
    };
    let (lines_before, consts_before) = scope_size(before);
    let (lines_after, consts_after) = scope_size(after);
    ChangeSummary {
        files,
        constants,
        code_lines: (lines_before, lines_after),
        constant_items: (consts_before, consts_after),
        notes,
    }
}

/// Lines that are neither blank nor only a comment.
pub fn code_lines(text: &str) -> usize {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .count()
}

/// A `const` item: its value's source text (whitespace collapsed) and visibility.
#[derive(Debug, Clone, PartialEq)]
struct ConstItem {
    value: String,
    public: bool,
}

/// Every `const NAME: T = value;` item of a Rust file (statements may span lines).
fn constant_items(text: &str) -> BTreeMap<String, ConstItem> {
    let mut items = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        let (public, rest) = if let Some(r) = trimmed.strip_prefix("pub(crate) ") {
            (false, r)
        } else if let Some(r) = trimmed.strip_prefix("pub ") {
            (true, r)
        } else {
            (false, trimmed)
        };
        let Some(rest) = rest.strip_prefix("const ") else {
            continue;
        };
        let Some((name, _)) = rest.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let mut statement = rest.to_string();
        while !statement.trim_end().ends_with(';') {
            match lines.next() {
                Some(more) => {
                    statement.push(' ');
                    statement.push_str(more.trim());
                }
                None => break,
            }
        }
        let Some((_, value)) = statement.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_end_matches(';').trim();
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        items.insert(name.to_string(), ConstItem { value, public });
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn every_changed_constant_is_named_with_its_values() {
        let before = files(&[(
            "heuristics/src/params.rs",
            "/// k\npub const NEIGHBOURS_K: usize = 10;\npub const SIMILARITY_TEMPERATURE: f64 = 4.0;\nconst PRIVATE: f64 = 1.0;\npub const WEIGHTS: [f64; 2] = [\n    1.0,\n    2.0,\n];\n",
        )]);
        let after = files(&[(
            "heuristics/src/params.rs",
            "/// k\npub const NEIGHBOURS_K: usize = 20;\npub const SIMILARITY_TEMPERATURE: f64 = 6.0;\nconst PRIVATE: f64 = 1.0;\npub const WEIGHTS: [f64; 2] = [1.0, 3.0];\npub const NEW_ONE: usize = 3;\n",
        )]);
        let s = summarize(&before, &after, vec![]);
        let described: Vec<String> = s.constants.iter().map(|c| c.describe()).collect();
        assert_eq!(
            described,
            [
                "NEIGHBOURS_K 10 → 20",
                "NEW_ONE added (= 3)",
                "SIMILARITY_TEMPERATURE 4.0 → 6.0",
                "WEIGHTS [ 1.0, 2.0, ] → [1.0, 3.0]",
            ]
        );
        assert_eq!(s.files.len(), 1);
        assert_eq!(s.constant_items, (4, 5));
        assert!(!s.simplifies());
    }

    #[test]
    fn a_removed_rule_is_simpler_and_an_unchanged_file_is_not_listed() {
        let before = files(&[
            ("heuristics/src/lib.rs", "fn a() {}\n// note\nfn b() {}\n"),
            ("heuristics/src/params.rs", "pub const A: f64 = 1.0;\n"),
        ]);
        let after = files(&[
            ("heuristics/src/lib.rs", "fn a() {}\n// note\n"),
            ("heuristics/src/params.rs", "pub const A: f64 = 1.0;\n"),
        ]);
        let s = summarize(&before, &after, vec![]);
        assert_eq!(s.files.len(), 1);
        assert_eq!((s.files[0].added, s.files[0].removed), (0, 1));
        assert_eq!(s.code_lines, (3, 2));
        assert!(s.simplifies());
        assert!(s.constants.is_empty());
    }

    #[test]
    fn test_code_is_neither_the_generators_constants_nor_its_size() {
        let before = files(&[
            ("heuristics/src/lib.rs", "fn a() {}\n"),
            (
                "heuristics/src/decision_tests.rs",
                "#[test]\nfn t() {}\n#[test]\nfn u() {}\n",
            ),
        ]);
        // A decision test gains a fixture constant; another test is dropped.
        let after = files(&[
            ("heuristics/src/lib.rs", "fn a() {}\n"),
            (
                "heuristics/src/decision_tests.rs",
                "const LATE_OUT: &str = \"HHT\";\n#[test]\nfn t() {}\n",
            ),
        ]);
        let s = summarize(&before, &after, vec![]);
        assert_eq!(s.files.len(), 1, "the test file is still a changed file");
        assert!(s.constants.is_empty(), "{:?}", s.constants);
        assert_eq!(s.code_lines, (1, 1));
        assert!(
            !s.simplifies(),
            "removing a test is not a simpler generator"
        );
    }
}
