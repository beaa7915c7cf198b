//! The editable scope: which repository paths a candidate may change, and the change-size
//! limits. Everything else — manifests, the evaluator, the guard tests, the data — is
//! protected, and a change touching it is rejected before anything is built.

use crate::config::ChangeLimits;
use crate::rejection::Rejection;
use std::collections::BTreeMap;

/// The folder a candidate may edit (files ending in `.rs`, new files allowed).
pub const EDITABLE_PREFIX: &str = "heuristics/src/";
/// The crate the editable scope belongs to.
pub const EDITABLE_CRATE: &str = "heuristics/";

/// A validated change: repository path → new content (`None` = file deleted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    pub files: BTreeMap<String, Option<String>>,
    /// What the applier did beyond applying the diff as written (hunks recounted).
    pub notes: Vec<String>,
}

/// Checks that `path` (repository-relative, `/`-separated) is inside the editable scope.
pub fn check_path(path: &str) -> Result<(), Rejection> {
    let outside = |why: &str| {
        Err(Rejection::OutsideScope {
            path: path.to_string(),
            why: why.to_string(),
        })
    };
    if path.is_empty() {
        return outside("the path is empty");
    }
    if path.starts_with('/') || path.starts_with('~') {
        return outside("absolute paths are not allowed");
    }
    if path.contains('\\') || path.contains('\0') || path.chars().any(|c| c.is_control()) {
        return outside("the path contains a backslash or a control character");
    }
    for component in path.split('/') {
        match component {
            "" | "." => return outside("the path has an empty or `.` component"),
            ".." => return outside("the path contains `..`"),
            c if c.eq_ignore_ascii_case(".git") => return outside("the path is inside .git"),
            _ => {}
        }
    }
    if !path.starts_with(EDITABLE_PREFIX) {
        return outside(
            "only files under heuristics/src/ may change (manifests, the evaluator, tests and data are protected)",
        );
    }
    if !path.ends_with(".rs") {
        return outside("only Rust source files (.rs) may change");
    }
    Ok(())
}

/// Checks the paths and sizes of a whole change set.
pub fn check_change(change: &ChangeSet, limits: &ChangeLimits) -> Result<(), Rejection> {
    if change.files.is_empty() {
        return Err(Rejection::EmptyChange);
    }
    if change.files.len() > limits.max_files {
        return Err(Rejection::TooLarge {
            what: format!("the number of changed files ({})", change.files.len()),
            limit: limits.max_files as u64,
        });
    }
    for (path, content) in &change.files {
        check_path(path)?;
        if let Some(text) = content {
            if text.len() > limits.max_file_bytes {
                return Err(Rejection::TooLarge {
                    what: format!("the size of `{path}` ({} bytes)", text.len()),
                    limit: limits.max_file_bytes as u64,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editable_paths() {
        assert!(check_path("heuristics/src/lib.rs").is_ok());
        assert!(check_path("heuristics/src/bin/rollout.rs").is_ok());
        assert!(check_path("heuristics/src/new_module.rs").is_ok());
    }

    #[test]
    fn protected_paths_name_the_reason() {
        for (path, needle) in [
            ("heuristics/Cargo.toml", "only files under"),
            ("heuristics/tests/guard.rs", "only files under"),
            ("evaluator/src/lib.rs", "only files under"),
            ("heuristics/src/../Cargo.toml", "`..`"),
            ("/etc/passwd", "absolute"),
            ("heuristics/src/data.csv", ".rs"),
            ("heuristics/src/.git/config.rs", ".git"),
            ("heuristics/src//x.rs", "empty"),
        ] {
            match check_path(path) {
                Err(Rejection::OutsideScope { path: p, why }) => {
                    assert_eq!(p, path);
                    assert!(why.contains(needle), "{path}: {why}");
                }
                other => panic!("{path}: {other:?}"),
            }
        }
    }

    #[test]
    fn size_limits() {
        let limits = ChangeLimits {
            max_diff_bytes: 10,
            max_files: 1,
            max_file_bytes: 4,
        };
        let mut change = ChangeSet::default();
        assert_eq!(check_change(&change, &limits), Err(Rejection::EmptyChange));
        change
            .files
            .insert("heuristics/src/a.rs".into(), Some("12345".into()));
        assert!(matches!(
            check_change(&change, &limits),
            Err(Rejection::TooLarge { limit: 4, .. })
        ));
        change
            .files
            .insert("heuristics/src/b.rs".into(), Some("1".into()));
        assert!(matches!(
            check_change(&change, &limits),
            Err(Rejection::TooLarge { limit: 1, .. })
        ));
    }
}
