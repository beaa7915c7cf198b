//! The agents' view of a candidate worktree ([`agents::Workbench`]): list, read, search,
//! edit within the editable scope, build, and diff against the parent commit.
//!
//! Everything here is deterministic (sorted listings, stable messages) because an LLM
//! agent's requests include these results, and a resumed run must hash them the same way
//! to replay its stored calls.

use agents::{CheckOutcome, SearchHit, Workbench};
use sandbox::{ChangeLimits, Rejection, RunRepo, Sandbox, Worktree};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Folders an agent may read (the generator, and the shared types it builds on).
const READABLE_PREFIXES: [&str; 2] = ["heuristics/", "mobility/"];
/// Hits returned by one search.
const MAX_SEARCH_HITS: usize = 200;

pub struct WorktreeBench {
    repo: Arc<Mutex<RunRepo>>,
    sandbox: Arc<Sandbox>,
    worktree: Worktree,
    limits: ChangeLimits,
    /// Edits refused because they reach outside the editable scope, in order: if the agent
    /// ends up proposing nothing, the round records the refusal as its rejection.
    scope_refusals: Mutex<Vec<Rejection>>,
}

impl WorktreeBench {
    pub fn new(
        repo: Arc<Mutex<RunRepo>>,
        sandbox: Arc<Sandbox>,
        worktree: Worktree,
    ) -> WorktreeBench {
        let limits = sandbox.config().change.clone();
        WorktreeBench {
            repo,
            sandbox,
            worktree,
            limits,
            scope_refusals: Mutex::new(Vec::new()),
        }
    }

    /// The edits refused so far because they reach outside the editable scope.
    pub fn scope_refusals(&self) -> Vec<Rejection> {
        self.scope_refusals
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// Remembers a refusal if it is a scope violation, and returns its sentence for the agent.
    fn refused(&self, rejection: Rejection) -> String {
        let text = rejection.to_string();
        if matches!(rejection, Rejection::OutsideScope { .. }) {
            if let Ok(mut r) = self.scope_refusals.lock() {
                r.push(rejection);
            }
        }
        text
    }

    fn root(&self) -> &Path {
        &self.worktree.path
    }

    fn checked_path(&self, path: &str) -> Result<PathBuf, String> {
        if path.starts_with('/') || path.split('/').any(|c| c == ".." || c.is_empty()) {
            return Err(format!("`{path}` is not a plain relative path"));
        }
        Ok(self.root().join(path))
    }
}

/// Every regular file of a worktree (relative path → bytes), skipping build output and
/// agent scratch folders. Sorted, so the result is deterministic.
pub fn worktree_files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&rel)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel_path = rel.join(&name);
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if rel.as_os_str().is_empty()
                    && matches!(name.as_str(), "target" | ".mobevolve" | ".git")
                {
                    continue;
                }
                stack.push(rel_path);
            } else if kind.is_file() || kind.is_symlink() {
                let bytes = if kind.is_symlink() {
                    // A symlink is shown as its target so that the scope check sees it.
                    format!("symlink -> {:?}", std::fs::read_link(entry.path()).ok()).into_bytes()
                } else {
                    std::fs::read(entry.path()).unwrap_or_default()
                };
                out.insert(rel_path.to_string_lossy().replace('\\', "/"), bytes);
            }
        }
    }
    out
}

/// The unified diff turning `parent` files into `current` ones (only changed files).
pub fn diff_files(
    parent: &BTreeMap<String, Vec<u8>>,
    current: &BTreeMap<String, Vec<u8>>,
) -> String {
    let mut out = String::new();
    let paths: std::collections::BTreeSet<&String> = parent.keys().chain(current.keys()).collect();
    for path in paths {
        let old = parent.get(path);
        let new = current.get(path);
        if old == new {
            continue;
        }
        let (Ok(old_text), Ok(new_text)) = (
            std::str::from_utf8(old.map(Vec::as_slice).unwrap_or_default()),
            std::str::from_utf8(new.map(Vec::as_slice).unwrap_or_default()),
        ) else {
            out.push_str(&format!(
                "diff --git a/{path} b/{path}\nBinary files a/{path} and b/{path} differ\n"
            ));
            continue;
        };
        let old_name = if old.is_some() {
            format!("a/{path}")
        } else {
            "/dev/null".into()
        };
        let new_name = if new.is_some() {
            format!("b/{path}")
        } else {
            "/dev/null".into()
        };
        out.push_str(
            &similar::TextDiff::from_lines(old_text, new_text)
                .unified_diff()
                .context_radius(3)
                .header(&old_name, &new_name)
                .to_string(),
        );
    }
    out
}

#[async_trait::async_trait]
impl Workbench for WorktreeBench {
    fn list_files(&self) -> Vec<String> {
        worktree_files(self.root())
            .into_keys()
            .filter(|p| READABLE_PREFIXES.iter().any(|r| p.starts_with(r)))
            .collect()
    }

    fn read_file(&self, path: &str) -> Result<String, String> {
        let full = self.checked_path(path)?;
        if !READABLE_PREFIXES.iter().any(|r| path.starts_with(r)) {
            return Err(format!(
                "`{path}` is outside the readable folders ({})",
                READABLE_PREFIXES.join(", ")
            ));
        }
        std::fs::read_to_string(&full).map_err(|e| format!("cannot read `{path}`: {e}"))
    }

    fn search(&self, pattern: &str) -> Vec<SearchHit> {
        let mut hits = Vec::new();
        for path in self.list_files() {
            let Ok(text) = std::fs::read_to_string(self.root().join(&path)) else {
                continue;
            };
            for (i, line) in text.lines().enumerate() {
                if line.contains(pattern) {
                    hits.push(SearchHit {
                        path: path.clone(),
                        line: i + 1,
                        text: line.trim_end().to_string(),
                    });
                    if hits.len() >= MAX_SEARCH_HITS {
                        return hits;
                    }
                }
            }
        }
        hits
    }

    fn write_file(&self, path: &str, content: &str) -> Result<(), String> {
        sandbox::scope::check_path(path).map_err(|r| self.refused(r))?;
        if content.len() > self.limits.max_file_bytes {
            return Err(format!(
                "the file would be {} bytes; the limit is {}",
                content.len(),
                self.limits.max_file_bytes
            ));
        }
        let full = self.checked_path(path)?;
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(&full, content).map_err(|e| format!("cannot write `{path}`: {e}"))
    }

    fn apply_diff(&self, diff: &str) -> Result<(), String> {
        let root = self.root().to_path_buf();
        let change = sandbox::unified_diff::apply(diff, &self.limits, |p| {
            std::fs::read_to_string(root.join(p)).ok()
        })
        .map_err(|r| self.refused(r))?;
        for (path, content) in change.files {
            let full = self.checked_path(&path)?;
            match content {
                Some(text) => {
                    if let Some(dir) = full.parent() {
                        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                    }
                    std::fs::write(&full, text).map_err(|e| e.to_string())?;
                }
                None => std::fs::remove_file(&full).map_err(|e| e.to_string())?,
            }
        }
        Ok(())
    }

    async fn check_build(&self) -> CheckOutcome {
        let repo = self.repo.clone();
        let sandbox = self.sandbox.clone();
        let worktree = self.worktree.clone();
        let result = tokio::task::spawn_blocking(move || {
            let repo = repo.lock().expect("run repository lock");
            sandbox.build(&repo, &worktree)
        })
        .await;
        match result {
            Ok(Ok(Ok(_))) => CheckOutcome {
                ok: true,
                errors: String::new(),
            },
            Ok(Ok(Err(rejection))) => CheckOutcome {
                ok: false,
                errors: match rejection {
                    Rejection::CompileError { trimmed } => trimmed,
                    other => other.to_string(),
                },
            },
            Ok(Err(e)) => CheckOutcome {
                ok: false,
                errors: format!("the build could not run: {e}"),
            },
            Err(e) => CheckOutcome {
                ok: false,
                errors: format!("the build task failed: {e}"),
            },
        }
    }

    fn current_diff(&self) -> String {
        let parent = match self.parent_files() {
            Ok(p) => p,
            Err(e) => return format!("(cannot read the parent commit: {e})"),
        };
        diff_files(&parent, &worktree_files(self.root()))
    }

    fn reset(&self) {
        let Ok(parent) = self.parent_files() else {
            return;
        };
        let current = worktree_files(self.root());
        for path in current.keys() {
            if !parent.contains_key(path) {
                let _ = std::fs::remove_file(self.root().join(path));
            }
        }
        for (path, bytes) in &parent {
            if current.get(path) != Some(bytes) {
                let full = self.root().join(path);
                let _ = std::fs::remove_file(&full);
                if let Some(dir) = full.parent() {
                    let _ = std::fs::create_dir_all(dir);
                }
                let _ = std::fs::write(&full, bytes);
            }
        }
    }
}

impl WorktreeBench {
    fn parent_files(&self) -> Result<BTreeMap<String, Vec<u8>>, String> {
        let repo = self
            .repo
            .lock()
            .map_err(|_| "run repository lock poisoned".to_string())?;
        repo.files_at(&self.worktree.parent, "")
            .map(|files| files.into_iter().collect())
            .map_err(|e| e.to_string())
    }
}
