//! The agents' view of a candidate worktree ([`agents::Workbench`]): list, read, search,
//! edit within the editable scope, build, and diff against the parent commit.
//!
//! Everything here is deterministic (sorted listings, stable messages) because an LLM
//! agent's requests include these results, and a resumed run must hash them the same way
//! to replay its stored calls.

use crate::evolution::bench_context::BenchContext;
use crate::evolution::paired_test::{paired_estimate, BootstrapPlan, SeedPair, SelectionPeople};
use crate::evolution::round::pooled_evaluation;
use agents::{CheckOutcome, SearchHit, Workbench};
use sandbox::{ChangeLimits, Rejection, RunRepo, Sandbox, Worktree};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// What a preview compares a change against: the parent's rollouts on the public evolution
/// seeds, on the evolution part of the validation people (never the verdict's people or
/// seeds).
#[derive(Clone)]
pub struct PreviewContext {
    pub bench: Arc<BenchContext>,
    pub parent: String,
    pub seeds: Vec<u64>,
    pub confidence: f64,
}

/// Bootstrap resamples of a preview's standard error (fewer than the verdict's: a preview
/// is a guide).
const PREVIEW_RESAMPLES: u32 = 100;

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
    preview: Option<PreviewContext>,
    previews: AtomicU32,
}

impl WorktreeBench {
    pub fn new(
        repo: Arc<Mutex<RunRepo>>,
        sandbox: Arc<Sandbox>,
        worktree: Worktree,
        preview: Option<PreviewContext>,
    ) -> WorktreeBench {
        let limits = sandbox.config().change.clone();
        WorktreeBench {
            repo,
            sandbox,
            worktree,
            limits,
            scope_refusals: Mutex::new(Vec::new()),
            preview,
            previews: AtomicU32::new(0),
        }
    }

    /// How many previews the agent asked for.
    pub fn previews(&self) -> u32 {
        self.previews.load(Ordering::SeqCst)
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

    async fn preview(&self) -> agents::Preview {
        let unavailable = |text: String| agents::Preview {
            text,
            improvement: None,
            standard_error: None,
        };
        let Some(ctx) = self.preview.clone() else {
            return unavailable("Previews are not available in this run.".into());
        };
        self.previews.fetch_add(1, Ordering::SeqCst);
        let repo = self.repo.clone();
        let sandbox = self.sandbox.clone();
        let worktree = self.worktree.clone();
        let limits = self.limits.clone();
        let result = tokio::task::spawn_blocking(move || {
            let repo = repo
                .lock()
                .map_err(|_| "the run repository lock is poisoned".to_string())?;
            preview_change(&repo, &sandbox, &worktree, &limits, &ctx)
        })
        .await;
        match result {
            Ok(Ok(preview)) => preview,
            Ok(Err(text)) => unavailable(text),
            Err(e) => unavailable(format!("The preview could not run: {e}")),
        }
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

/// Builds the worktree as it is, rolls it out on the public evolution seeds and compares it,
/// paired, with the parent on the evolution part. `Err` carries a sentence for the agent.
fn preview_change(
    repo: &RunRepo,
    sandbox: &Sandbox,
    worktree: &Worktree,
    limits: &ChangeLimits,
    ctx: &PreviewContext,
) -> Result<agents::Preview, String> {
    match repo.collect_edits(worktree, limits) {
        Ok(Ok(change)) if change.files.is_empty() => {
            return Err("Nothing to preview: the worktree is the parent.".into())
        }
        Ok(Ok(_)) => {}
        Ok(Err(rejection)) => return Err(format!("Not previewed: {rejection}")),
        Err(e) => return Err(format!("The preview could not read the worktree: {e}")),
    }
    match sandbox.build(repo, worktree) {
        Ok(Ok(_)) => {}
        Ok(Err(Rejection::CompileError { trimmed })) => {
            return Err(format!(
                "Not previewed: the change does not compile:\n{trimmed}"
            ))
        }
        Ok(Err(r)) => return Err(format!("Not previewed: {r}")),
        Err(e) => return Err(format!("The preview could not build: {e}")),
    }
    let b = &ctx.bench;
    let scratch = repo.run_dir().join("previews").join(&worktree.name);
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let pick = |all: Vec<mobility::Diary>| -> Vec<mobility::Diary> {
        b.parts.evolution.iter().map(|&i| all[i]).collect()
    };
    let mut pairs = Vec::new();
    let mut candidate_evals = Vec::new();
    let mut parent_evals = Vec::new();
    let (persons, real) = b.part_people(&b.parts.evolution);
    let persons_owned: Vec<mobility::Person> = persons.iter().map(|p| (*p).clone()).collect();
    let real_owned: Vec<mobility::Diary> = real.iter().map(|d| *(*d)).collect();
    for &seed in &ctx.seeds {
        let request = crate::evolution::round::rollout_request(b, seed);
        let (verified, _) = match sandbox.rollout_once_checked(repo, worktree, &request) {
            Ok(Ok(x)) => x,
            Ok(Err(r)) => {
                return Err(format!(
                    "Not previewed: the rollout of seed {seed} failed: {r}"
                ))
            }
            Err(e) => return Err(format!("The preview could not roll out: {e}")),
        };
        let path = scratch.join(format!("seed-{seed}.csv"));
        std::fs::write(&path, &verified.diaries).map_err(|e| e.to_string())?;
        let validity = {
            let mut zones = b.bench.zones.clone();
            let location = b.bench.task == mobility::Task::ActivityLocation;
            match mobility::DiaryTable::read(&path, location.then_some(&mut zones)) {
                Ok(table) => evaluator::check_validity(&b.bench, b.val.people(), &table),
                Err(e) => evaluator::ValidityReport::from_read_error(&b.bench, b.val.people(), &e),
            }
        };
        if !validity.is_valid() {
            return Err(format!(
                "Not previewed: the diaries of seed {seed} fail the validity checks: {}",
                validity.to_text()
            ));
        }
        let candidate = {
            let mut zones = b.bench.zones.clone();
            let location = b.bench.task == mobility::Task::ActivityLocation;
            let table = mobility::DiaryTable::read(&path, location.then_some(&mut zones))
                .map_err(|e| e.to_string())?;
            let ids: Vec<&str> = b.val.people().iter().map(|p| p.id.as_str()).collect();
            pick(table.aligned_to(&ids)?)
        };
        let parent = pick(
            b.store
                .diaries(&b.bench, &b.val, &ctx.parent, seed)
                .map_err(|e| format!("The parent's rollout of seed {seed} is missing: {e}"))?,
        );
        candidate_evals.push(evaluator::evaluate(
            &b.bench,
            &persons_owned,
            &real_owned,
            &candidate,
        ));
        parent_evals.push(evaluator::evaluate(
            &b.bench,
            &persons_owned,
            &real_owned,
            &parent,
        ));
        pairs.push(SeedPair {
            seed,
            parent,
            candidate,
        });
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let estimate = paired_estimate(
        &SelectionPeople {
            bench: &b.bench,
            persons,
            real,
        },
        &pairs,
        BootstrapPlan {
            resamples: PREVIEW_RESAMPLES,
            confidence: ctx.confidence,
            seed: 0x5eed,
            threads: 2,
        },
    );
    let p = pooled_evaluation(&parent_evals);
    let c = pooled_evaluation(&candidate_evals);
    let mut text = format!(
        "Preview on the evolution part ({} people, {} households), public seeds {:?}:\n\
         parent Score {:.4}, this change {:.4}: improvement {:+.4} ± {:.4} (standard error; \
         households resampled), one-sided {:.0}% lower bound {:+.4}.\n\
         The verdict uses other people and secret seeds; a change whose lower bound here is \
         not above 0 is unlikely to pass.\n\nDiagnostics (parent → change, change − parent), \
         biggest moves first:\n",
        estimate.people,
        estimate.households,
        ctx.seeds,
        estimate.parent_score,
        estimate.candidate_score,
        estimate.improvement,
        estimate.standard_error,
        ctx.confidence * 100.0,
        estimate.lower_bound
    );
    let mut moves: Vec<(String, f64, f64)> = p
        .diagnostics
        .iter()
        .zip(&c.diagnostics)
        .map(|(a, b)| (a.name.clone(), a.value * a.weight, b.value * b.weight))
        .collect();
    moves.sort_by(|x, y| (y.2 - y.1).abs().total_cmp(&(x.2 - x.1).abs()));
    for (name, before, after) in moves {
        let _ = writeln!(
            text,
            "  {name:<36} {before:.4} → {after:.4} ({:+.4})",
            after - before
        );
    }
    Ok(agents::Preview {
        text,
        improvement: Some(estimate.improvement),
        standard_error: Some(estimate.standard_error),
    })
}
