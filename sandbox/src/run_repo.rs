//! The run's git repository (`<run_dir>/repo`, bare): the workspace snapshot as the first
//! commit on `main`, one commit per candidate (`refs/mobevolve/candidates/<name>`), accepted
//! ones on `main`, rejected ones kept under `refs/mobevolve/rejected/<name>`; and candidate
//! worktrees (`<run_dir>/worktrees/<name>`, plain checkouts of the parent commit) that are
//! removed afterwards, or on the next start after a crash.

use crate::config::ChangeLimits;
use crate::rejection::{Rejection, SandboxError};
use crate::scope::{check_change, check_path, ChangeSet};
use crate::unified_diff;
use git2::{ObjectType, Oid, Repository, Signature, Tree};
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Folders never copied into the run repository.
const SKIPPED_DIRS: [&str; 5] = [".git", "target", "out", "runs", "node_modules"];
const MAIN: &str = "refs/heads/main";
const FILE_MODE: i32 = 0o100644;
const TREE_MODE: i32 = 0o040000;

/// A path (as components) and its new blob (`None` = removed).
type TreeChange = (Vec<String>, Option<Oid>);

/// A run's repository and folders.
pub struct RunRepo {
    run_dir: PathBuf,
    repo: Repository,
}

/// One candidate's checkout and scratch folder.
#[derive(Debug, Clone)]
pub struct Worktree {
    pub name: String,
    pub path: PathBuf,
    pub scratch: PathBuf,
    /// The commit the worktree was created from.
    pub parent: String,
}

/// Every commit carries the same author and a fixed date, so that the same run (seed,
/// data, agent responses) produces the same commit ids; the run's database keeps the real
/// times.
fn signature() -> Result<Signature<'static>, SandboxError> {
    Signature::new("mobevolve", "mobevolve@localhost", &git2::Time::new(0, 0))
        .map_err(SandboxError::git("signature"))
}

/// The modification time every file outside the editable crate gets when checked out.
///
/// Protected files are identical in every commit of a run (the scope check guarantees it),
/// so giving them one fixed, old time lets cargo reuse their compiled crates from the
/// shared target folder in every new worktree. Files of the editable crate keep the
/// checkout time, so the crate is always rebuilt and a binary is never stale.
pub const PROTECTED_MTIME_SECS: u64 = 1_000_000_000;

fn set_protected_mtime(path: &Path) -> std::io::Result<()> {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(PROTECTED_MTIME_SECS);
    fs::File::options()
        .write(true)
        .open(path)?
        .set_modified(time)
}

/// Keeps libgit2 away from the user's and the system's git configuration: a run's
/// repository needs none (commits carry a fixed signature), and a `$HOME/.gitconfig` the
/// user cannot read (`HOME=/root` under `sudo -u`) must not stop a run. Also lets a
/// workspace owned by another user be read.
fn without_user_config() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for level in [
            git2::ConfigLevel::System,
            git2::ConfigLevel::XDG,
            git2::ConfigLevel::Global,
            git2::ConfigLevel::ProgramData,
        ] {
            // SAFETY: libgit2's global options are set once, before this process opens any
            // repository through `RunRepo` (the only user of git2 in mobevolve).
            let _ = unsafe { git2::opts::set_search_path(level, "") };
        }
        // The workspace a run starts from may belong to another user (a shared checkout):
        // it is only read, for its .gitignore, so git's owner check must not hide it.
        // SAFETY: as above.
        let _ = unsafe { git2::opts::set_verify_owner_validation(false) };
    });
}

fn check_name(name: &str) -> Result<(), SandboxError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(SandboxError::Setup(format!(
            "candidate name `{name}` must be 1-64 characters of [A-Za-z0-9_-]"
        )))
    }
}

/// Builds a tree from `base` with `changes` (path components → blob, `None` = remove).
/// Returns `None` when the tree ends up empty.
fn update_tree(
    repo: &Repository,
    base: Option<&Tree>,
    changes: &[TreeChange],
) -> Result<Option<Oid>, git2::Error> {
    let mut builder = repo.treebuilder(base)?;
    let mut subdirs: BTreeMap<String, Vec<TreeChange>> = BTreeMap::new();
    for (parts, blob) in changes {
        if parts.len() == 1 {
            match blob {
                Some(oid) => {
                    builder.insert(&parts[0], *oid, FILE_MODE)?;
                }
                None => {
                    if builder.get(&parts[0])?.is_some() {
                        builder.remove(&parts[0])?;
                    }
                }
            }
        } else {
            subdirs
                .entry(parts[0].clone())
                .or_default()
                .push((parts[1..].to_vec(), *blob));
        }
    }
    for (dir, sub) in subdirs {
        let existing = match builder.get(&dir)? {
            Some(entry) if entry.kind() == Some(ObjectType::Tree) => {
                Some(repo.find_tree(entry.id())?)
            }
            _ => None,
        };
        match update_tree(repo, existing.as_ref(), &sub)? {
            Some(oid) => {
                builder.insert(&dir, oid, TREE_MODE)?;
            }
            None => {
                if builder.get(&dir)?.is_some() {
                    builder.remove(&dir)?;
                }
            }
        }
    }
    if builder.is_empty() {
        return Ok(None);
    }
    builder.write().map(Some)
}

/// Collects the workspace's source files (repository path → bytes), honouring .gitignore
/// when the workspace is a git repository and never following symlinks.
fn snapshot_files(root: &Path) -> Result<SourceFiles, SandboxError> {
    without_user_config();
    let ignore = Repository::open(root).ok();
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = root.join(&rel);
        let mut entries: Vec<_> = fs::read_dir(&dir)
            .map_err(SandboxError::io(format!("reading {}", dir.display())))?
            .collect::<Result<_, _>>()
            .map_err(SandboxError::io(format!("reading {}", dir.display())))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel_path = rel.join(&name);
            let kind = entry
                .file_type()
                .map_err(SandboxError::io(format!("stat {}", rel_path.display())))?;
            if kind.is_dir() && (SKIPPED_DIRS.contains(&name.as_str()) || name.starts_with(".tmp"))
            {
                continue;
            }
            // A linked worktree's `.git` is a file pointing to the main repository.
            if name == ".git" {
                continue;
            }
            if let Some(repo) = &ignore {
                if repo.is_path_ignored(&rel_path).unwrap_or(false) {
                    continue;
                }
            }
            if kind.is_dir() {
                stack.push(rel_path);
            } else if kind.is_file() {
                let bytes = fs::read(root.join(&rel_path))
                    .map_err(SandboxError::io(format!("reading {}", rel_path.display())))?;
                out.push((rel_path.to_string_lossy().replace('\\', "/"), bytes));
            }
        }
    }
    Ok(out)
}

/// Source files as (repository path, bytes).
type SourceFiles = Vec<(String, Vec<u8>)>;

/// The files of the editable crate at revision `rev` of the workspace's repository, with the
/// commit it resolved to.
fn generator_at(workspace_root: &Path, rev: &str) -> Result<(String, SourceFiles), SandboxError> {
    let setup = |why: String| {
        SandboxError::Setup(format!(
            "cannot start from the generator at `{rev}` of {}: {why}",
            workspace_root.display()
        ))
    };
    let repo = Repository::open(workspace_root)
        .map_err(|e| setup(format!("not a git repository ({})", e.message())))?;
    let commit = repo
        .revparse_single(rev)
        .and_then(|object| object.peel_to_commit())
        .map_err(|e| setup(format!("no such commit ({})", e.message())))?;
    let tree = commit
        .tree()
        .map_err(|e| setup(format!("no tree ({})", e.message())))?;
    let files = tree_files(&repo, &tree, crate::scope::EDITABLE_CRATE)?;
    if files.is_empty() {
        return Err(setup(format!(
            "no {} folder there",
            crate::scope::EDITABLE_CRATE
        )));
    }
    Ok((commit.id().to_string(), files))
}

/// The regular files of `tree` whose repository path starts with `prefix`, with their bytes
/// (symlinks left out, as the workspace snapshot never follows them).
fn tree_files(repo: &Repository, tree: &Tree, prefix: &str) -> Result<SourceFiles, SandboxError> {
    let mut out = Vec::new();
    let mut failure = None;
    let walked = tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        let path = format!("{dir}{}", entry.name().unwrap_or(""));
        if entry.kind() == Some(ObjectType::Blob)
            && entry.filemode() != 0o120000
            && path.starts_with(prefix)
        {
            match repo.find_blob(entry.id()) {
                Ok(blob) => out.push((path, blob.content().to_vec())),
                Err(e) => {
                    failure = Some(e);
                    return git2::TreeWalkResult::Abort;
                }
            }
        }
        git2::TreeWalkResult::Ok
    });
    match (failure, walked) {
        (Some(e), _) => Err(SandboxError::git("reading a blob")(e)),
        (None, Err(e)) => Err(SandboxError::git("walking the tree")(e)),
        (None, Ok(())) => Ok(out),
    }
}

impl RunRepo {
    /// Creates `<run_dir>/repo` holding a snapshot of `workspace_root`'s source as the first
    /// commit on `main`.
    pub fn init(run_dir: &Path, workspace_root: &Path) -> Result<RunRepo, SandboxError> {
        RunRepo::init_from(run_dir, workspace_root, None)
    }

    /// [`RunRepo::init`], with the editable crate ([`crate::scope::EDITABLE_CRATE`]) taken
    /// from the git revision `generator` of the workspace's repository when given (a tag such
    /// as `generator-initial`, a branch or a commit): a run can start from an earlier
    /// generator while everything else is the workspace as it is.
    ///
    /// Errors: the workspace is not a git repository, the revision does not resolve to a
    /// commit, or that commit has no editable crate.
    pub fn init_from(
        run_dir: &Path,
        workspace_root: &Path,
        generator: Option<&str>,
    ) -> Result<RunRepo, SandboxError> {
        without_user_config();
        let repo_dir = run_dir.join("repo");
        if repo_dir.exists() {
            return Err(SandboxError::Setup(format!(
                "{} already exists; use RunRepo::open",
                repo_dir.display()
            )));
        }
        fs::create_dir_all(run_dir).map_err(SandboxError::io("creating the run folder"))?;
        let repo = Repository::init_bare(&repo_dir).map_err(SandboxError::git("init"))?;
        let mut files = snapshot_files(workspace_root)?;
        if files.is_empty() {
            return Err(SandboxError::Setup(format!(
                "{} has no source files",
                workspace_root.display()
            )));
        }
        let mut origin = String::new();
        if let Some(rev) = generator {
            let (commit, generator_files) = generator_at(workspace_root, rev)?;
            files.retain(|(path, _)| !path.starts_with(crate::scope::EDITABLE_CRATE));
            files.extend(generator_files);
            files.sort();
            origin = format!(", {} at {rev} ({commit})", crate::scope::EDITABLE_CRATE);
        }
        let mut changes = Vec::new();
        for (path, bytes) in &files {
            let oid = repo.blob(bytes).map_err(SandboxError::git("blob"))?;
            changes.push((path.split('/').map(str::to_string).collect(), Some(oid)));
        }
        let tree_id = update_tree(&repo, None, &changes)
            .map_err(SandboxError::git("writing the snapshot tree"))?
            .expect("non-empty");
        {
            let tree = repo.find_tree(tree_id).map_err(SandboxError::git("tree"))?;
            let sig = signature()?;
            let message = format!(
                "initial generator: snapshot of {} ({} files{origin})",
                workspace_root.display(),
                files.len()
            );
            repo.commit(Some(MAIN), &sig, &sig, &message, &tree, &[])
                .map_err(SandboxError::git("initial commit"))?;
            repo.set_head(MAIN).map_err(SandboxError::git("HEAD"))?;
        }
        let run = RunRepo {
            run_dir: run_dir.to_path_buf(),
            repo,
        };
        run.cleanup_stale_worktrees()?;
        Ok(run)
    }

    /// Opens an existing run repository.
    pub fn open(run_dir: &Path) -> Result<RunRepo, SandboxError> {
        without_user_config();
        let repo =
            Repository::open_bare(run_dir.join("repo")).map_err(SandboxError::git("open"))?;
        Ok(RunRepo {
            run_dir: run_dir.to_path_buf(),
            repo,
        })
    }

    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// The underlying git repository.
    pub fn git(&self) -> &Repository {
        &self.repo
    }

    /// The commit `main` points to.
    pub fn main_head(&self) -> Result<String, SandboxError> {
        self.ref_target(MAIN)?
            .ok_or_else(|| SandboxError::Setup("main has no commit".into()))
    }

    /// The commit a reference points to, if it exists.
    pub fn ref_target(&self, name: &str) -> Result<Option<String>, SandboxError> {
        match self.repo.find_reference(name) {
            Ok(r) => Ok(r.target().map(|o| o.to_string())),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(SandboxError::Git {
                context: format!("reading {name}"),
                source: e,
            }),
        }
    }

    /// Removes every leftover worktree, scratch and sandbox-root folder (call on start).
    /// Returns the names removed.
    pub fn cleanup_stale_worktrees(&self) -> Result<Vec<String>, SandboxError> {
        let mut removed = Vec::new();
        for folder in ["worktrees", "scratch", "sandbox-root"] {
            let dir = self.run_dir.join(folder);
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                crate::fs_safety::remove_tree(&path)?;
                if folder == "worktrees" {
                    removed.push(entry.file_name().to_string_lossy().into_owned());
                }
            }
        }
        Ok(removed)
    }

    /// Removes the incremental-compilation caches of the run's shared target folder
    /// (`target/<profile>/incremental/*`) and returns how many it removed. Call it when a
    /// process died with candidate worktrees open: a cargo build killed half-way can leave
    /// a cache whose objects later link into undefined symbols. Without the caches, rustc
    /// compiles the crates it rebuilds anyway (the editable crate) from scratch, once.
    pub fn discard_incremental_caches(&self) -> Result<usize, SandboxError> {
        let mut removed = 0;
        let Ok(profiles) = fs::read_dir(self.run_dir.join("target")) else {
            return Ok(0);
        };
        for profile in profiles.flatten() {
            let Ok(caches) = fs::read_dir(profile.path().join("incremental")) else {
                continue;
            };
            for cache in caches.flatten() {
                crate::fs_safety::remove_tree(&cache.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    fn commit_tree(&self, commit: &str) -> Result<(git2::Commit<'_>, Tree<'_>), SandboxError> {
        let oid = Oid::from_str(commit).map_err(SandboxError::git("commit id"))?;
        let c = self
            .repo
            .find_commit(oid)
            .map_err(SandboxError::git(format!("commit {commit}")))?;
        let t = c.tree().map_err(SandboxError::git("tree"))?;
        Ok((c, t))
    }

    /// Checks out `parent` into a fresh `<run_dir>/worktrees/<name>` (and makes an empty
    /// `<run_dir>/scratch/<name>`).
    pub fn create_worktree(&self, name: &str, parent: &str) -> Result<Worktree, SandboxError> {
        check_name(name)?;
        let path = self.run_dir.join("worktrees").join(name);
        let scratch = self.run_dir.join("scratch").join(name);
        for p in [&path, &scratch] {
            if p.exists() {
                crate::fs_safety::remove_tree(p)?;
            }
            fs::create_dir_all(p).map_err(SandboxError::io(format!("creating {}", p.display())))?;
        }
        let (_, tree) = self.commit_tree(parent)?;
        let mut failure = None;
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            let target = path.join(dir).join(entry.name().unwrap_or("_"));
            let result = match entry.kind() {
                Some(ObjectType::Tree) => fs::create_dir_all(&target).map_err(|e| e.to_string()),
                Some(ObjectType::Blob) if entry.filemode() != 0o120000 => self
                    .repo
                    .find_blob(entry.id())
                    .map_err(|e| e.to_string())
                    .and_then(|b| fs::write(&target, b.content()).map_err(|e| e.to_string()))
                    .and_then(|()| {
                        if dir.starts_with(crate::scope::EDITABLE_CRATE) {
                            return Ok(());
                        }
                        set_protected_mtime(&target).map_err(|e| e.to_string())
                    }),
                _ => Ok(()),
            };
            match result {
                Ok(()) => git2::TreeWalkResult::Ok,
                Err(e) => {
                    failure = Some(format!("{}: {e}", target.display()));
                    git2::TreeWalkResult::Abort
                }
            }
        })
        .map_err(SandboxError::git("checkout"))?;
        if let Some(f) = failure {
            return Err(SandboxError::Setup(format!("checkout failed: {f}")));
        }
        Ok(Worktree {
            name: name.to_string(),
            path,
            scratch,
            parent: parent.to_string(),
        })
    }

    /// Content of `path` in `commit` as text (`None` if absent or not a UTF-8 file).
    fn file_at(&self, tree: &Tree, path: &str) -> Option<String> {
        let entry = tree.get_path(Path::new(path)).ok()?;
        if entry.kind() != Some(ObjectType::Blob) || entry.filemode() == 0o120000 {
            return None;
        }
        let blob = self.repo.find_blob(entry.id()).ok()?;
        String::from_utf8(blob.content().to_vec()).ok()
    }

    /// Applies a unified diff to the worktree: scope, size and every hunk are checked first;
    /// nothing is written unless the whole diff applies.
    pub fn apply_diff(
        &self,
        worktree: &Worktree,
        diff: &str,
        limits: &ChangeLimits,
    ) -> Result<Result<ChangeSet, Rejection>, SandboxError> {
        let (_, tree) = self.commit_tree(&worktree.parent)?;
        let change = match unified_diff::apply(diff, limits, |p| self.file_at(&tree, p)) {
            Ok(c) => c,
            Err(r) => return Ok(Err(r)),
        };
        for (path, content) in &change.files {
            let target = worktree.path.join(path);
            match content {
                Some(text) => {
                    if let Some(dir) = target.parent() {
                        fs::create_dir_all(dir)
                            .map_err(SandboxError::io(format!("creating {}", dir.display())))?;
                    }
                    fs::write(&target, text)
                        .map_err(SandboxError::io(format!("writing {}", target.display())))?;
                }
                None => {
                    fs::remove_file(&target)
                        .map_err(SandboxError::io(format!("removing {}", target.display())))?;
                }
            }
        }
        Ok(Ok(change))
    }

    /// Collects the edits an agent made directly in the worktree, compared with its parent:
    /// symlinks, special files, binary files and any change outside the editable scope are
    /// rejected. A top-level `target/` folder (from an agent's `cargo check`) is ignored.
    pub fn collect_edits(
        &self,
        worktree: &Worktree,
        limits: &ChangeLimits,
    ) -> Result<Result<ChangeSet, Rejection>, SandboxError> {
        let (_, tree) = self.commit_tree(&worktree.parent)?;
        let mut parent_files: BTreeMap<String, Oid> = BTreeMap::new();
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(ObjectType::Blob) {
                parent_files.insert(format!("{dir}{}", entry.name().unwrap_or("")), entry.id());
            }
            git2::TreeWalkResult::Ok
        })
        .map_err(SandboxError::git("walking the parent tree"))?;
        let mut change = ChangeSet::default();
        let mut seen = Vec::new();
        let mut stack = vec![String::new()];
        while let Some(rel) = stack.pop() {
            let dir = worktree.path.join(&rel);
            let entries = fs::read_dir(&dir)
                .map_err(SandboxError::io(format!("reading {}", dir.display())))?;
            for entry in entries {
                let entry = entry.map_err(SandboxError::io("reading the worktree"))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let path = if rel.is_empty() {
                    name.clone()
                } else {
                    format!("{rel}/{name}")
                };
                let meta = fs::symlink_metadata(entry.path())
                    .map_err(SandboxError::io(format!("stat {path}")))?;
                let kind = meta.file_type();
                if rel.is_empty() && name == "target" && kind.is_dir() {
                    continue;
                }
                if kind.is_symlink() {
                    return Ok(Err(Rejection::OutsideScope {
                        path,
                        why: "symlinks are not allowed".into(),
                    }));
                }
                if kind.is_dir() {
                    stack.push(path);
                    continue;
                }
                if !kind.is_file() {
                    return Ok(Err(Rejection::OutsideScope {
                        path,
                        why: "only regular files are allowed".into(),
                    }));
                }
                seen.push(path.clone());
                let in_scope = check_path(&path).is_ok();
                if in_scope && meta.len() > limits.max_file_bytes as u64 {
                    return Ok(Err(Rejection::TooLarge {
                        what: format!("the size of `{path}` ({} bytes)", meta.len()),
                        limit: limits.max_file_bytes as u64,
                    }));
                }
                let mut bytes = Vec::new();
                fs::File::open(entry.path())
                    .and_then(|f| f.take(64 << 20).read_to_end(&mut bytes))
                    .map_err(SandboxError::io(format!("reading {path}")))?;
                let oid = Oid::hash_object(ObjectType::Blob, &bytes)
                    .map_err(SandboxError::git("hash"))?;
                if parent_files.get(&path) == Some(&oid) {
                    continue;
                }
                if let Err(r) = check_path(&path) {
                    return Ok(Err(r));
                }
                match String::from_utf8(bytes) {
                    Ok(text) => {
                        change.files.insert(path, Some(text));
                    }
                    Err(_) => {
                        return Ok(Err(Rejection::OutsideScope {
                            path,
                            why: "binary (non-UTF-8) files are not allowed".into(),
                        }))
                    }
                }
            }
        }
        for path in parent_files.keys() {
            if !seen.contains(path) {
                if let Err(r) = check_path(path) {
                    return Ok(Err(r));
                }
                change.files.insert(path.clone(), None);
            }
        }
        if let Err(r) = check_change(&change, limits) {
            return Ok(Err(r));
        }
        Ok(Ok(change))
    }

    /// Commits `change` on top of the worktree's parent and points
    /// `refs/mobevolve/candidates/<name>` at it. Returns the commit id.
    pub fn commit_candidate(
        &self,
        worktree: &Worktree,
        change: &ChangeSet,
        message: &str,
    ) -> Result<String, SandboxError> {
        let (parent, tree) = self.commit_tree(&worktree.parent)?;
        let mut changes = Vec::new();
        for (path, content) in &change.files {
            let blob = match content {
                Some(text) => Some(
                    self.repo
                        .blob(text.as_bytes())
                        .map_err(SandboxError::git("blob"))?,
                ),
                None => None,
            };
            changes.push((path.split('/').map(str::to_string).collect(), blob));
        }
        let tree_id = update_tree(&self.repo, Some(&tree), &changes)
            .map_err(SandboxError::git("candidate tree"))?
            .ok_or_else(|| SandboxError::Setup("the change deletes every file".into()))?;
        let new_tree = self
            .repo
            .find_tree(tree_id)
            .map_err(SandboxError::git("tree"))?;
        let sig = signature()?;
        let oid = self
            .repo
            .commit(None, &sig, &sig, message, &new_tree, &[&parent])
            .map_err(SandboxError::git("candidate commit"))?;
        let refname = format!("refs/mobevolve/candidates/{}", worktree.name);
        self.repo
            .reference(&refname, oid, true, "candidate")
            .map_err(SandboxError::git(format!("writing {refname}")))?;
        Ok(oid.to_string())
    }

    /// Puts candidate `name` on `main`: a fast-forward when `main` is still its parent, else
    /// a commit on `main` with the candidate's tree and both as parents. Returns `main`'s new
    /// commit.
    pub fn accept(&self, name: &str) -> Result<String, SandboxError> {
        check_name(name)?;
        let cand = self
            .ref_target(&format!("refs/mobevolve/candidates/{name}"))?
            .ok_or_else(|| SandboxError::Setup(format!("no candidate `{name}`")))?;
        let main = self.main_head()?;
        let (cand_commit, cand_tree) = self.commit_tree(&cand)?;
        let new_main = if cand_commit.parent_id(0).map(|p| p.to_string()).ok() == Some(main.clone())
        {
            cand_commit.id()
        } else {
            let (main_commit, _) = self.commit_tree(&main)?;
            let sig = signature()?;
            let msg = format!(
                "accept {name} (made from {})",
                cand_commit
                    .parent_id(0)
                    .map(|p| p.to_string())
                    .unwrap_or_default()
            );
            self.repo
                .commit(
                    None,
                    &sig,
                    &sig,
                    &msg,
                    &cand_tree,
                    &[&main_commit, &cand_commit],
                )
                .map_err(SandboxError::git("accept commit"))?
        };
        self.repo
            .reference(MAIN, new_main, true, &format!("accept {name}"))
            .map_err(SandboxError::git("updating main"))?;
        Ok(new_main.to_string())
    }

    /// Keeps a rejected candidate under `refs/mobevolve/rejected/<name>`: its candidate commit
    /// if it has one, else a commit of the unchanged parent whose message holds the reason
    /// and the proposed diff. Returns the kept commit.
    pub fn reject(
        &self,
        worktree: &Worktree,
        reason: &Rejection,
        diff: Option<&str>,
    ) -> Result<String, SandboxError> {
        let cand_ref = format!("refs/mobevolve/candidates/{}", worktree.name);
        let json = serde_json::to_string(reason).unwrap_or_default();
        let oid = match self.ref_target(&cand_ref)? {
            Some(c) => {
                self.repo
                    .find_reference(&cand_ref)
                    .and_then(|mut r| r.delete())
                    .map_err(SandboxError::git("deleting the candidate ref"))?;
                Oid::from_str(&c).map_err(SandboxError::git("oid"))?
            }
            None => {
                let (parent, tree) = self.commit_tree(&worktree.parent)?;
                let sig = signature()?;
                let mut msg = format!(
                    "rejected {}: {reason}\n\nrejection: {json}\n",
                    worktree.name
                );
                if let Some(d) = diff {
                    let cut = d
                        .char_indices()
                        .nth(64 * 1024)
                        .map(|(i, _)| i)
                        .unwrap_or(d.len());
                    msg.push_str("\nproposed diff:\n");
                    msg.push_str(&d[..cut]);
                }
                self.repo
                    .commit(None, &sig, &sig, &msg, &tree, &[&parent])
                    .map_err(SandboxError::git("rejection commit"))?
            }
        };
        let refname = format!("refs/mobevolve/rejected/{}", worktree.name);
        self.repo
            .reference(&refname, oid, true, &format!("rejected: {json}"))
            .map_err(SandboxError::git(format!("writing {refname}")))?;
        Ok(oid.to_string())
    }

    /// Removes a candidate's worktree and scratch folder.
    pub fn remove_worktree(&self, worktree: &Worktree) -> Result<(), SandboxError> {
        for p in [&worktree.path, &worktree.scratch] {
            if p.exists() {
                crate::fs_safety::remove_tree(p)?;
            }
        }
        Ok(())
    }

    /// Moves a candidate that was verified but not promoted (its Score did not beat the
    /// parent's) from `refs/mobevolve/candidates/<name>` to `refs/mobevolve/rejected/<name>`,
    /// with `reason` in the reflog. Returns the kept commit; idempotent.
    pub fn reject_scored(&self, name: &str, reason: &str) -> Result<String, SandboxError> {
        check_name(name)?;
        let cand_ref = format!("refs/mobevolve/candidates/{name}");
        let rejected_ref = format!("refs/mobevolve/rejected/{name}");
        let Some(commit) = self.ref_target(&cand_ref)? else {
            return self
                .ref_target(&rejected_ref)?
                .ok_or_else(|| SandboxError::Setup(format!("no candidate `{name}`")));
        };
        let oid = Oid::from_str(&commit).map_err(SandboxError::git("oid"))?;
        self.repo
            .reference(&rejected_ref, oid, true, &format!("rejected: {reason}"))
            .map_err(SandboxError::git(format!("writing {rejected_ref}")))?;
        self.repo
            .find_reference(&cand_ref)
            .and_then(|mut r| r.delete())
            .map_err(SandboxError::git("deleting the candidate ref"))?;
        Ok(commit)
    }

    /// The text of `path` at `commit` (`None` when absent, binary or a symlink).
    pub fn read_file_at(&self, commit: &str, path: &str) -> Result<Option<String>, SandboxError> {
        let (_, tree) = self.commit_tree(commit)?;
        Ok(self.file_at(&tree, path))
    }

    /// Every file under `prefix` (a folder, e.g. `heuristics/`) at `commit`, as
    /// (repository path, bytes), symlinks excluded.
    pub fn files_at(&self, commit: &str, prefix: &str) -> Result<SourceFiles, SandboxError> {
        let (_, tree) = self.commit_tree(commit)?;
        tree_files(&self.repo, &tree, prefix)
    }

    /// The unified diff of `commit` against its first parent (empty parent for the root).
    pub fn diff_of(&self, commit: &str) -> Result<String, SandboxError> {
        let (c, tree) = self.commit_tree(commit)?;
        let parent_tree = match c.parent(0) {
            Ok(p) => Some(p.tree().map_err(SandboxError::git("parent tree"))?),
            Err(_) => None,
        };
        let diff = self
            .repo
            .diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), None)
            .map_err(SandboxError::git("diff"))?;
        let mut out = String::new();
        diff.print(git2::DiffFormat::Patch, |_, _, line| {
            if matches!(line.origin(), '+' | '-' | ' ') {
                out.push(line.origin());
            }
            out.push_str(&String::from_utf8_lossy(line.content()));
            true
        })
        .map_err(SandboxError::git("printing the diff"))?;
        Ok(out)
    }
}
