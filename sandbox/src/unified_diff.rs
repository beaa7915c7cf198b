//! Parsing and strictly applying unified diffs (plain or `git diff` style) in memory.
//!
//! A diff either applies completely or is rejected with the exact file, hunk header and
//! reason; nothing is written until every hunk of every file has applied. Symlinks, binary
//! patches and mode changes are rejected; paths are checked against the editable scope
//! before any content is looked at.

use crate::config::ChangeLimits;
use crate::rejection::Rejection;
use crate::scope::{check_change, check_path, ChangeSet};

#[derive(Debug, Clone, PartialEq, Eq)]
enum HunkLine {
    Context(String),
    Remove(String),
    Add(String),
}

#[derive(Debug, Clone)]
struct Hunk {
    header: String,
    old_start: usize,
    lines: Vec<HunkLine>,
    /// The old side's last line has no trailing newline.
    old_no_newline: bool,
    /// The new side's last line has no trailing newline.
    new_no_newline: bool,
}

#[derive(Debug, Clone)]
struct FilePatch {
    /// Path before the change (`None` = file is created).
    old_path: Option<String>,
    /// Path after the change (`None` = file is deleted).
    new_path: Option<String>,
    hunks: Vec<Hunk>,
    header_line: usize,
}

fn malformed(line: usize, reason: impl Into<String>) -> Rejection {
    Rejection::MalformedDiff {
        line,
        reason: reason.into(),
    }
}

/// `a/x` / `b/x` / `/dev/null` → repository path.
fn header_path(raw: &str, prefix: &str) -> Option<String> {
    let raw = raw.split('\t').next().unwrap_or(raw).trim_end();
    let raw = raw.trim_matches('"');
    if raw == "/dev/null" {
        return None;
    }
    Some(raw.strip_prefix(prefix).unwrap_or(raw).to_string())
}

fn parse_range(text: &str) -> Option<(usize, usize)> {
    let mut parts = text.splitn(2, ',');
    let start = parts.next()?.parse().ok()?;
    let count = match parts.next() {
        Some(c) => c.parse().ok()?,
        None => 1,
    };
    Some((start, count))
}

/// Parses `@@ -a,b +c,d @@` → (a, b, c, d).
fn parse_hunk_header(line: &str) -> Option<(usize, usize, usize, usize)> {
    let rest = line.strip_prefix("@@ -")?;
    let end = rest.find(" @@")?;
    let mut ranges = rest[..end].split(" +");
    let (a, b) = parse_range(ranges.next()?)?;
    let (c, d) = parse_range(ranges.next()?)?;
    Some((a, b, c, d))
}

fn check_mode(mode: &str, path: &str, line: usize) -> Result<(), Rejection> {
    let mode = mode.trim();
    if mode == "120000" {
        return Err(Rejection::OutsideScope {
            path: path.to_string(),
            why: "symlinks are not allowed".into(),
        });
    }
    if mode != "100644" {
        return Err(Rejection::OutsideScope {
            path: path.to_string(),
            why: format!("only regular non-executable files (mode 100644) are allowed, not mode {mode} (diff line {line})"),
        });
    }
    Ok(())
}

/// The file patches of `diff`, and notes on what was recounted.
fn parse(diff: &str) -> Result<(Vec<FilePatch>, Vec<String>), Rejection> {
    let mut notes = Vec::new();
    let normalized = diff.replace("\r\n", "\n");
    let lines: Vec<&str> = normalized.split('\n').collect();
    let mut patches: Vec<FilePatch> = Vec::new();
    let mut i = 0;
    // Path named by the current `diff --git` header, for mode/binary errors.
    let mut git_path = String::new();
    let mut pending_modes: Vec<(String, usize)> = Vec::new();
    while i < lines.len() {
        let line = lines[i];
        let n = i + 1;
        if let Some(rest) = line.strip_prefix("diff --git ") {
            git_path = rest
                .rsplit(" b/")
                .next()
                .unwrap_or(rest)
                .trim_matches('"')
                .to_string();
            pending_modes.clear();
            i += 1;
            continue;
        }
        for key in [
            "new file mode ",
            "new mode ",
            "deleted file mode ",
            "old mode ",
        ] {
            if let Some(mode) = line.strip_prefix(key) {
                let adds_mode = key == "new mode " || key == "new file mode ";
                if adds_mode || mode.trim() == "120000" {
                    pending_modes.push((mode.to_string(), n));
                }
            }
        }
        if line.starts_with("GIT binary patch")
            || (line.starts_with("Binary files ") && line.ends_with(" differ"))
        {
            return Err(Rejection::OutsideScope {
                path: git_path.clone(),
                why: format!("binary patches are not allowed (diff line {n})"),
            });
        }
        if line.starts_with("rename from ") || line.starts_with("copy from ") {
            return Err(malformed(
                n,
                "renames and copies are not supported; send a deletion and a new file",
            ));
        }
        if let Some(old) = line.strip_prefix("--- ") {
            let new_line = lines.get(i + 1).copied().unwrap_or("");
            let Some(new) = new_line.strip_prefix("+++ ") else {
                return Err(malformed(n + 1, "expected a `+++ ` line after `--- `"));
            };
            let old_path = header_path(old, "a/");
            let new_path = header_path(new, "b/");
            let named = new_path
                .clone()
                .or(old_path.clone())
                .ok_or_else(|| malformed(n, "both sides of the file header are /dev/null"))?;
            for p in old_path.iter().chain(new_path.iter()) {
                check_path(p)?;
            }
            if let (Some(o), Some(n2)) = (&old_path, &new_path) {
                if o != n2 {
                    return Err(malformed(
                        n,
                        format!(
                            "the file header renames `{o}` to `{n2}`; renames are not supported"
                        ),
                    ));
                }
            }
            for (mode, at) in pending_modes.drain(..) {
                check_mode(&mode, &named, at)?;
            }
            if patches
                .iter()
                .any(|p| p.new_path.as_ref().or(p.old_path.as_ref()) == Some(&named))
            {
                return Err(malformed(n, format!("`{named}` is patched twice")));
            }
            patches.push(FilePatch {
                old_path,
                new_path,
                hunks: Vec::new(),
                header_line: n,
            });
            i += 2;
            continue;
        }
        if line.starts_with("@@ ") {
            let Some(patch) = patches.last_mut() else {
                return Err(malformed(n, "hunk before any `---`/`+++` file header"));
            };
            let (old_start, old_count, _new_start, new_count) = parse_hunk_header(line)
                .ok_or_else(|| malformed(n, format!("bad hunk header `{line}`")))?;
            let mut hunk = Hunk {
                header: line.to_string(),
                old_start,
                lines: Vec::new(),
                old_no_newline: false,
                new_no_newline: false,
            };
            // The body runs to the next hunk or file header (or the first line that cannot be
            // part of a hunk); its counts, not the header's, say how long it is.
            i += 1;
            let body_start = i;
            let mut body_end = i;
            while body_end < lines.len() && is_body_line(&lines, body_end) {
                body_end += 1;
            }
            // Blank lines at the end are separators, unless the header counts them.
            let mut trimmed_end = body_end;
            while trimmed_end > body_start && lines[trimmed_end - 1].is_empty() {
                trimmed_end -= 1;
            }
            let (old_body, new_body) = body_counts(&lines[body_start..trimmed_end]);
            let blanks = body_end - trimmed_end;
            let end = if (old_body, new_body) != (old_count, new_count)
                && (1..=blanks).any(|b| (old_body + b, new_body + b) == (old_count, new_count))
            {
                trimmed_end + (old_count - old_body)
            } else {
                trimmed_end
            };
            for (k, &body) in lines[body_start..end].iter().enumerate() {
                if let Some(rest) = body.strip_prefix(' ') {
                    hunk.lines.push(HunkLine::Context(rest.to_string()));
                } else if body.is_empty() {
                    // Some tools strip the space of an empty context line.
                    hunk.lines.push(HunkLine::Context(String::new()));
                } else if let Some(rest) = body.strip_prefix('-') {
                    hunk.lines.push(HunkLine::Remove(rest.to_string()));
                } else if let Some(rest) = body.strip_prefix('+') {
                    hunk.lines.push(HunkLine::Add(rest.to_string()));
                } else {
                    match hunk.lines.last() {
                        Some(HunkLine::Context(_)) => {
                            hunk.old_no_newline = true;
                            hunk.new_no_newline = true;
                        }
                        Some(HunkLine::Remove(_)) => hunk.old_no_newline = true,
                        Some(HunkLine::Add(_)) => hunk.new_no_newline = true,
                        None => {
                            return Err(malformed(
                                body_start + k + 1,
                                "`\\ No newline` before any hunk line",
                            ))
                        }
                    }
                }
            }
            let (old_seen, new_seen) = body_counts(&lines[body_start..end]);
            if old_seen == 0 && new_seen == 0 {
                return Err(malformed(n, format!("hunk `{line}` has no lines")));
            }
            if (old_seen, new_seen) != (old_count, new_count) {
                notes.push(format!(
                    "hunk `{line}` recounted: its header says {old_count} old and {new_count} new \
                     lines, its body (diff lines {}–{}) has {old_seen} old and {new_seen} new; \
                     the whole body was applied",
                    body_start + 1,
                    end
                ));
            }
            i = end;
            patch.hunks.push(hunk);
            continue;
        }
        i += 1;
    }
    if !pending_modes.is_empty() && patches.is_empty() {
        let (mode, at) = &pending_modes[0];
        check_mode(mode, &git_path, *at)?;
        return Err(malformed(
            *at,
            "mode changes without content are not allowed",
        ));
    }
    if patches.is_empty() {
        return Err(malformed(1, "no `---`/`+++` file header found"));
    }
    Ok((patches, notes))
}

/// Whether diff line `i` can belong to a hunk body: context, removed, added, a `\` marker or
/// an empty line (a context line whose space was stripped) — and is not the start of the
/// next hunk or file.
fn is_body_line(lines: &[&str], i: usize) -> bool {
    let line = lines[i];
    if line.starts_with("@@ ") || line.starts_with("diff --git ") {
        return false;
    }
    if line.starts_with("--- ") && lines.get(i + 1).is_some_and(|l| l.starts_with("+++ ")) {
        return false;
    }
    line.is_empty()
        || line.starts_with(' ')
        || line.starts_with('-')
        || line.starts_with('+')
        || line.starts_with('\\')
}

/// Old-side and new-side line counts of a hunk body.
fn body_counts(body: &[&str]) -> (usize, usize) {
    body.iter().fold((0, 0), |(old, new), l| {
        if l.is_empty() || l.starts_with(' ') {
            (old + 1, new + 1)
        } else if l.starts_with('-') {
            (old + 1, new)
        } else if l.starts_with('+') {
            (old, new + 1)
        } else {
            (old, new)
        }
    })
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

/// A text file as lines (without `\n`) and whether it ends with a newline.
struct Lines {
    lines: Vec<String>,
    trailing_newline: bool,
}

impl Lines {
    fn of(text: &str) -> Lines {
        if text.is_empty() {
            return Lines {
                lines: Vec::new(),
                trailing_newline: true,
            };
        }
        let trailing_newline = text.ends_with('\n');
        let body = text.strip_suffix('\n').unwrap_or(text);
        Lines {
            lines: body.split('\n').map(str::to_string).collect(),
            trailing_newline,
        }
    }
    fn text(&self) -> String {
        if self.lines.is_empty() {
            return String::new();
        }
        let mut s = self.lines.join("\n");
        if self.trailing_newline {
            s.push('\n');
        }
        s
    }
}

/// Where the old side of `hunk` matches `file` exactly, or why it does not at `at`.
fn mismatch_at(file: &[String], old: &[&str], at: usize) -> Option<String> {
    // A start past the end (hunk headers come from untrusted text, up to usize::MAX).
    if at > file.len() {
        return Some(format!(
            "the hunk starts at line {}, but the file has only {} lines",
            at.saturating_add(1),
            file.len()
        ));
    }
    for (k, expected) in old.iter().enumerate() {
        match file.get(at + k) {
            None => {
                return Some(format!(
                    "expected line {} to be `{}`, but the file has only {} lines",
                    at + k + 1,
                    truncate(expected, 120),
                    file.len()
                ))
            }
            Some(found) if found != expected => {
                return Some(format!(
                    "line {} should be `{}` but is `{}`",
                    at + k + 1,
                    truncate(expected, 120),
                    truncate(found, 120)
                ))
            }
            _ => {}
        }
    }
    None
}

fn apply_file(
    path: &str,
    original: Option<&str>,
    patch: &FilePatch,
) -> Result<Option<String>, Rejection> {
    let reject = |hunk: &str, reason: String| Rejection::DiffDoesNotApply {
        file: path.to_string(),
        hunk: hunk.to_string(),
        reason,
    };
    let first_header = patch
        .hunks
        .first()
        .map(|h| h.header.as_str())
        .unwrap_or("(no hunk)");
    match (&patch.old_path, original) {
        (None, Some(_)) => {
            return Err(reject(
                first_header,
                "the diff creates the file, but it already exists".into(),
            ))
        }
        (Some(_), None) => {
            return Err(reject(
                first_header,
                "the file does not exist in the parent commit".into(),
            ))
        }
        _ => {}
    }
    if patch.hunks.is_empty() {
        return Err(reject(
            "(no hunk)",
            format!(
                "the file header on diff line {} has no hunks",
                patch.header_line
            ),
        ));
    }
    let mut file = Lines::of(original.unwrap_or(""));
    let mut result: Vec<String> = Vec::new();
    let mut cursor = 0usize; // next unconsumed line of the original
    let mut new_no_newline = false;
    let last_hunk = patch.hunks.len() - 1;
    for (index, hunk) in patch.hunks.iter().enumerate() {
        let old: Vec<&str> = hunk
            .lines
            .iter()
            .filter_map(|l| match l {
                HunkLine::Context(s) | HunkLine::Remove(s) => Some(s.as_str()),
                HunkLine::Add(_) => None,
            })
            .collect();
        // The header's start is 1-based; an empty old side names the line *after* which to add.
        let stated = if old.is_empty() {
            hunk.old_start
        } else {
            hunk.old_start.saturating_sub(1)
        };
        let fits = stated
            .checked_add(old.len())
            .is_some_and(|end| end <= file.lines.len());
        let at = if fits && mismatch_at(&file.lines, &old, stated).is_none() && stated >= cursor {
            stated
        } else {
            // Like `git apply`: accept the nearest exact match at an offset, no fuzz.
            let limit = file.lines.len();
            let found = (1..=limit).find_map(|d| {
                [stated.checked_sub(d), stated.checked_add(d)]
                    .into_iter()
                    .flatten()
                    .find(|&p| {
                        p >= cursor
                            && p.checked_add(old.len()).is_some_and(|end| end <= limit)
                            && mismatch_at(&file.lines, &old, p).is_none()
                    })
            });
            match found {
                Some(p) => p,
                None => {
                    let why = if stated < cursor {
                        format!("it overlaps the previous hunk (which ends at line {cursor})")
                    } else {
                        mismatch_at(&file.lines, &old, stated).unwrap_or_default()
                    };
                    return Err(reject(
                        &hunk.header,
                        format!("{why}; no other place in the file matches the hunk's context"),
                    ));
                }
            }
        };
        if hunk.old_no_newline && (at + old.len() != file.lines.len() || file.trailing_newline) {
            return Err(reject(&hunk.header, "the hunk says the file has no newline at its end, but it does (or the hunk is not at the end)".into()));
        }
        result.extend(file.lines[cursor..at].iter().cloned());
        for l in &hunk.lines {
            if let HunkLine::Context(s) | HunkLine::Add(s) = l {
                result.push(s.clone());
            }
        }
        cursor = at + old.len();
        if index == last_hunk {
            new_no_newline = hunk.new_no_newline;
        }
    }
    let reached_end = cursor == file.lines.len();
    result.extend(file.lines[cursor..].iter().cloned());
    let trailing_newline = if reached_end {
        !new_no_newline
    } else {
        file.trailing_newline
    };
    if patch.new_path.is_none() {
        if !result.is_empty() {
            return Err(reject(
                first_header,
                format!(
                    "the diff deletes the file but {} lines would remain",
                    result.len()
                ),
            ));
        }
        return Ok(None);
    }
    file.lines = result;
    file.trailing_newline = trailing_newline;
    Ok(Some(file.text()))
}

/// Parses `diff`, checks scope and size, and applies it to the files read by `original`
/// (repository path → current content, `None` if absent). All-or-nothing.
pub fn apply(
    diff: &str,
    limits: &ChangeLimits,
    mut original: impl FnMut(&str) -> Option<String>,
) -> Result<ChangeSet, Rejection> {
    if diff.len() > limits.max_diff_bytes {
        return Err(Rejection::TooLarge {
            what: format!("the diff ({} bytes)", diff.len()),
            limit: limits.max_diff_bytes as u64,
        });
    }
    let (patches, notes) = parse(diff)?;
    if patches.len() > limits.max_files {
        return Err(Rejection::TooLarge {
            what: format!("the number of changed files ({})", patches.len()),
            limit: limits.max_files as u64,
        });
    }
    // Scope first: a change to a protected file is refused as such, whether or not its
    // hunks would apply.
    for patch in &patches {
        for path in [&patch.old_path, &patch.new_path].into_iter().flatten() {
            check_path(path)?;
        }
    }
    let mut change = ChangeSet {
        notes,
        ..ChangeSet::default()
    };
    for patch in &patches {
        let path = patch
            .new_path
            .clone()
            .or(patch.old_path.clone())
            .expect("checked in parse");
        let current = original(&path);
        let new = apply_file(&path, current.as_deref(), patch)?;
        change.files.insert(path, new);
    }
    check_change(&change, limits)?;
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIB: &str = "fn a() {}\nfn b() {}\nfn c() {}\nfn d() {}\n";

    fn run(diff: &str) -> Result<ChangeSet, Rejection> {
        apply(diff, &ChangeLimits::default(), |p| {
            (p == "heuristics/src/lib.rs").then(|| LIB.to_string())
        })
    }

    #[test]
    fn a_protected_path_is_refused_even_when_its_hunks_do_not_apply() {
        let diff = "--- a/evaluator/src/lib.rs\n+++ b/evaluator/src/lib.rs\n@@ -1,1 +1,1 @@\n-nothing like this\n+pub fn cheat() {}\n";
        assert!(
            matches!(run(diff), Err(Rejection::OutsideScope { .. })),
            "{:?}",
            run(diff)
        );
    }

    #[test]
    fn applies_git_style_diff() {
        let diff = "diff --git a/heuristics/src/lib.rs b/heuristics/src/lib.rs\nindex 1..2 100644\n--- a/heuristics/src/lib.rs\n+++ b/heuristics/src/lib.rs\n@@ -2,2 +2,3 @@\n fn b() {}\n-fn c() {}\n+fn c() { 1; }\n+fn e() {}\n fn d() {}\n";
        // The header says 2 old lines but the body has 3: recounted as a whole, with a note.
        let expected = Some("fn a() {}\nfn b() {}\nfn c() { 1; }\nfn e() {}\nfn d() {}\n");
        let recounted = run(diff).unwrap();
        assert_eq!(recounted.files["heuristics/src/lib.rs"].as_deref(), expected);
        assert_eq!(recounted.notes.len(), 1);
        assert!(recounted.notes[0].contains("recounted"), "{:?}", recounted.notes);
        let diff = diff.replace("@@ -2,2 +2,3 @@", "@@ -2,3 +2,4 @@");
        let change = run(&diff).unwrap();
        assert_eq!(change.files["heuristics/src/lib.rs"].as_deref(), expected);
        assert!(change.notes.is_empty());
    }

    const PARAMS: &str = "pub const A: usize = 10;\npub const B: f64 = 4.0;\n\n/// doc\npub const C: f64 = 1.0;\npub const D: f64 = 2.0;\n";

    fn run_params(diff: &str) -> Result<ChangeSet, Rejection> {
        apply(diff, &ChangeLimits::default(), |p| match p {
            "heuristics/src/params.rs" => Some(PARAMS.to_string()),
            "heuristics/src/lib.rs" => Some(LIB.to_string()),
            _ => None,
        })
    }

    #[test]
    fn an_undercounted_hunk_with_a_stripped_blank_context_line_applies_whole() {
        // The header counts only the first change, and the blank context line after it lost
        // its leading space: every change of the body is applied, never just the first.
        let diff = "--- a/heuristics/src/params.rs\n+++ b/heuristics/src/params.rs\n@@ -1,2 +1,2 @@\n-pub const A: usize = 10;\n+pub const A: usize = 20;\n pub const B: f64 = 4.0;\n\n /// doc\n-pub const C: f64 = 1.0;\n+pub const C: f64 = 6.0;\n pub const D: f64 = 2.0;\n";
        let change = run_params(diff).unwrap();
        assert_eq!(
            change.files["heuristics/src/params.rs"].as_deref(),
            Some("pub const A: usize = 20;\npub const B: f64 = 4.0;\n\n/// doc\npub const C: f64 = 6.0;\npub const D: f64 = 2.0;\n")
        );
        assert_eq!(change.notes.len(), 1, "{:?}", change.notes);
    }

    #[test]
    fn an_overcounted_hunk_stops_at_the_next_file_and_blames_nothing_else() {
        let diff = "--- a/heuristics/src/params.rs\n+++ b/heuristics/src/params.rs\n@@ -1,9 +1,9 @@\n-pub const A: usize = 10;\n+pub const A: usize = 11;\n pub const B: f64 = 4.0;\n--- a/heuristics/src/lib.rs\n+++ b/heuristics/src/lib.rs\n@@ -1,2 +1,2 @@\n-fn a() {}\n+fn aa() {}\n fn b() {}\n";
        let change = run_params(diff).unwrap();
        assert!(change.files["heuristics/src/params.rs"]
            .as_deref()
            .unwrap()
            .starts_with("pub const A: usize = 11;\npub const B: f64 = 4.0;\n\n"));
        assert!(change.files["heuristics/src/lib.rs"]
            .as_deref()
            .unwrap()
            .starts_with("fn aa() {}\nfn b() {}\n"));
        assert_eq!(change.notes.len(), 1);
        // A hunk that still does not match is rejected for its own file.
        let wrong = diff.replace("-fn a() {}", "-fn zz() {}");
        match run_params(&wrong) {
            Err(Rejection::DiffDoesNotApply { file, .. }) => assert_eq!(file, "heuristics/src/lib.rs"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn trailing_blank_separators_are_not_context_and_crlf_diffs_apply() {
        let diff = "--- a/heuristics/src/lib.rs\r\n+++ b/heuristics/src/lib.rs\r\n@@ -1,1 +1,1 @@\r\n-fn a() {}\r\n+fn a2() {}\r\n\r\n\r\nThat is the change.\r\n";
        let change = run(diff).unwrap();
        assert!(change.files["heuristics/src/lib.rs"]
            .as_deref()
            .unwrap()
            .starts_with("fn a2() {}\nfn b() {}"));
        assert!(change.notes.is_empty(), "{:?}", change.notes);
    }

    #[test]
    fn applies_at_offset_and_creates_files() {
        let diff = "--- a/heuristics/src/lib.rs\n+++ b/heuristics/src/lib.rs\n@@ -1,1 +1,1 @@\n-fn d() {}\n+fn dd() {}\n--- /dev/null\n+++ b/heuristics/src/new.rs\n@@ -0,0 +1,2 @@\n+pub fn x() {}\n+pub fn y() {}\n\\ No newline at end of file\n";
        let change = run(diff).unwrap();
        assert!(change.files["heuristics/src/lib.rs"]
            .as_deref()
            .unwrap()
            .ends_with("fn dd() {}\n"));
        assert_eq!(
            change.files["heuristics/src/new.rs"].as_deref(),
            Some("pub fn x() {}\npub fn y() {}")
        );
    }

    #[test]
    fn mismatch_names_hunk_and_line() {
        let diff = "--- a/heuristics/src/lib.rs\n+++ b/heuristics/src/lib.rs\n@@ -3,1 +3,1 @@ fn b\n-fn zzz() {}\n+fn c() {}\n";
        match run(diff) {
            Err(Rejection::DiffDoesNotApply { file, hunk, reason }) => {
                assert_eq!(file, "heuristics/src/lib.rs");
                assert_eq!(hunk, "@@ -3,1 +3,1 @@ fn b");
                assert!(
                    reason.contains("line 3 should be `fn zzz() {}` but is `fn c() {}`"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejects_symlinks_binaries_and_protected_paths() {
        let symlink = "diff --git a/heuristics/src/l.rs b/heuristics/src/l.rs\nnew file mode 120000\n--- /dev/null\n+++ b/heuristics/src/l.rs\n@@ -0,0 +1 @@\n+/etc/passwd\n\\ No newline at end of file\n";
        assert!(
            matches!(run(symlink), Err(Rejection::OutsideScope { why, .. }) if why.contains("symlink"))
        );
        let binary = "diff --git a/heuristics/src/b.rs b/heuristics/src/b.rs\nnew file mode 100644\nGIT binary patch\nliteral 3\nKcmZ?wa\n";
        assert!(
            matches!(run(binary), Err(Rejection::OutsideScope { why, .. }) if why.contains("binary"))
        );
        let manifest =
            "--- a/heuristics/Cargo.toml\n+++ b/heuristics/Cargo.toml\n@@ -1 +1 @@\n-a\n+b\n";
        assert!(
            matches!(run(manifest), Err(Rejection::OutsideScope { path, .. }) if path == "heuristics/Cargo.toml")
        );
        let escape = "--- a/heuristics/src/../../etc/x.rs\n+++ b/heuristics/src/../../etc/x.rs\n@@ -1 +1 @@\n-a\n+b\n";
        assert!(
            matches!(run(escape), Err(Rejection::OutsideScope { why, .. }) if why.contains(".."))
        );
    }

    #[test]
    fn rejects_existing_new_file_and_too_large() {
        let diff = "--- /dev/null\n+++ b/heuristics/src/lib.rs\n@@ -0,0 +1 @@\n+x\n";
        assert!(
            matches!(run(diff), Err(Rejection::DiffDoesNotApply { reason, .. }) if reason.contains("already exists"))
        );
        let big = "x".repeat(300 * 1024);
        assert!(matches!(run(&big), Err(Rejection::TooLarge { .. })));
    }
}
