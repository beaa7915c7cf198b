//! Turns a proposed change into a verified candidate or a precise rejection: scope and size
//! checks, apply, commit, then (each jailed) build the rollout binary, run the crate's tests and
//! validity checks, and roll out twice with the same seed to check determinism and latency.
//! The diaries are returned to the caller, whose evaluator scores them outside the candidate.
//!
//! The API is synchronous; the orchestrator wraps it in `spawn_blocking`.

use crate::cancel::CancelToken;
use crate::config::{PhaseLimits, SandboxConfig};
use crate::jail::{Isolation, JailSpec};
use crate::rejection::{Phase, Rejection, SandboxError};
use crate::run_repo::{RunRepo, Worktree};
use crate::scope::ChangeSet;
use crate::supervisor::{self, Exit, Finished};
use serde::Serialize;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How the change arrives.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// A unified diff against the worktree's parent.
    Diff(&'a str),
    /// Edits an agent already made in the worktree.
    WorktreeEdits,
}

/// Which persons to roll out.
#[derive(Debug, Clone, Serialize)]
pub enum RolloutPersons {
    Split(String),
    PersonsFile(PathBuf),
}

/// A rollout to run: `rollout --bench DIR (--split S | --persons F) --seed N --out F`.
#[derive(Debug, Clone, Serialize)]
pub struct RolloutRequest {
    /// One prepared benchmark folder (the read-only loop view).
    pub bench: PathBuf,
    pub persons: RolloutPersons,
    pub seed: u64,
    pub threads: Option<u32>,
}

/// Wall times of the phases that ran.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PhaseTimes {
    pub build: Option<Duration>,
    pub test: Option<Duration>,
    /// Both rollouts (same seed, for the determinism check).
    pub rollout: Option<Duration>,
}

/// A candidate that built, passed its tests and rolled out deterministically within budget.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    pub diaries: Vec<u8>,
    pub persons: usize,
    pub us_per_person: u64,
}

/// The record of one candidate's evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateReport {
    pub name: String,
    pub parent: String,
    /// The candidate's commit (absent when rejected before a commit existed).
    pub commit: Option<String>,
    /// `refs/mobevolve/candidates/<name>` when verified, `refs/mobevolve/rejected/<name>` when not.
    pub git_ref: String,
    pub outcome: Result<Verified, Rejection>,
    pub isolation: Isolation,
    pub times: PhaseTimes,
}

/// One jailed command of a phase.
struct PhaseCommand {
    phase: Phase,
    limits: PhaseLimits,
    program: PathBuf,
    args: Vec<String>,
    extra_read_only: Vec<PathBuf>,
    extra_env: Vec<(String, String)>,
}

/// The sandbox: isolation chosen once, then candidates evaluated one at a time.
pub struct Sandbox {
    config: SandboxConfig,
    isolation: Isolation,
    toolchain: PathBuf,
    cargo_registry: PathBuf,
    cancel: CancelToken,
}

fn trim_tail(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("…(trimmed)\n{}", &text[start..])
}

fn trim_head(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n…(trimmed)", &text[..end])
}

/// The first compiler errors (not warnings) of cargo's stderr, trimmed to `max` bytes.
/// Where a candidate's worktree is mounted inside the sandbox (the same for every
/// candidate of a run).
pub fn candidate_mount(run: &RunRepo) -> PathBuf {
    run.run_dir().join("candidate")
}

pub fn trim_compiler_errors(stderr: &str, max: usize) -> String {
    let mut blocks: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in stderr.lines() {
        let starts = line.starts_with("error")
            || line.starts_with("warning")
            || line.trim_start().starts_with("Compiling ");
        if starts {
            if let Some(b) = current.take() {
                blocks.push(b);
            }
            if line.starts_with("error") && !line.starts_with("error: could not compile") {
                current = Some(String::new());
            }
        }
        if let Some(b) = current.as_mut() {
            b.push_str(line);
            b.push('\n');
        }
    }
    blocks.extend(current);
    if blocks.is_empty() {
        return trim_tail(stderr, max);
    }
    let mut out = String::new();
    for b in &blocks {
        if out.len() + b.len() > max {
            if out.is_empty() {
                out = trim_head(b, max);
            }
            out.push_str(&format!(
                "…({} more errors)\n",
                blocks.len() - blocks.iter().position(|x| x == b).unwrap_or(0)
            ));
            break;
        }
        out.push_str(b);
    }
    out
}

fn first_difference(a: &[u8], b: &[u8]) -> Option<(usize, String, String)> {
    let a = String::from_utf8_lossy(a);
    let b = String::from_utf8_lossy(b);
    let (mut la, mut lb) = (a.lines(), b.lines());
    let mut n = 0;
    loop {
        n += 1;
        match (la.next(), lb.next()) {
            (None, None) => return None,
            (x, y) if x != y => {
                let cut = |s: Option<&str>| {
                    s.map(|s| trim_head(s, 200))
                        .unwrap_or_else(|| "<end of file>".into())
                };
                return Some((n, cut(x), cut(y)));
            }
            _ => {}
        }
    }
}

impl Sandbox {
    /// Chooses the isolation (trying each mode for real; see [`IsolationChoice`]) and
    /// locates the toolchain. Fails, saying what is missing, when no isolation works.
    ///
    /// [`IsolationChoice`]: crate::IsolationChoice
    pub fn new(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let isolation = crate::jail::detect(config.isolation, config.sandbox_uid)?;
        let toolchain = match &config.cargo {
            Some(cargo) => cargo
                .parent()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
                .ok_or_else(|| {
                    SandboxError::Setup(format!("bad cargo path {}", cargo.display()))
                })?,
            None => {
                let out = std::process::Command::new("rustc")
                    .args(["--print", "sysroot"])
                    .output()
                    .map_err(SandboxError::io("running `rustc --print sysroot`"))?;
                PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
            }
        };
        if !toolchain.join("bin/cargo").exists() {
            return Err(SandboxError::Setup(format!(
                "no cargo in {}",
                toolchain.display()
            )));
        }
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .ok_or_else(|| SandboxError::Setup("neither CARGO_HOME nor HOME is set".into()))?;
        tracing::info!(isolation = %isolation.describe(), "sandbox ready");
        Ok(Sandbox {
            config,
            isolation,
            toolchain,
            cargo_registry: cargo_home.join("registry"),
            cancel: CancelToken::new(),
        })
    }

    pub fn isolation(&self) -> &Isolation {
        &self.isolation
    }

    /// The token that cancels this sandbox's runs: the one being waited for is killed and
    /// returns [`SandboxError::Cancelled`], and so does every later one.
    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// The toolchain's root (`<root>/bin/cargo`).
    pub fn toolchain(&self) -> &Path {
        &self.toolchain
    }

    /// The host's cargo registry (bound read-only into builds).
    pub fn cargo_registry(&self) -> &Path {
        &self.cargo_registry
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// Makes the run's shared target folder and private CARGO_HOME, owned by the sandbox uid.
    fn run_folders(&self, run: &RunRepo) -> Result<(PathBuf, PathBuf), SandboxError> {
        let uid = self.isolation.uid();
        let target = run.run_dir().join("target");
        let cargo_home = run.run_dir().join("cargo-home");
        for dir in [&target, &cargo_home] {
            fs::create_dir_all(dir)
                .map_err(SandboxError::io(format!("creating {}", dir.display())))?;
        }
        fs::create_dir_all(cargo_home.join("registry"))
            .map_err(SandboxError::io("creating cargo-home/registry"))?;
        if self.isolation.owner().is_some() {
            for dir in [&target, &cargo_home] {
                let meta = fs::symlink_metadata(dir).map_err(SandboxError::io("stat"))?;
                if std::os::unix::fs::MetadataExt::uid(&meta) != uid {
                    crate::fs_safety::chown_tree(dir, uid)?;
                }
            }
        }
        Ok((target, cargo_home))
    }

    fn spec(
        &self,
        run: &RunRepo,
        wt: &Worktree,
        command: PhaseCommand,
    ) -> Result<JailSpec, SandboxError> {
        let PhaseCommand {
            phase,
            limits,
            program,
            args,
            extra_read_only,
            extra_env,
        } = command;
        let (target, cargo_home) = self.run_folders(run)?;
        if let Some(uid) = self.isolation.owner() {
            crate::fs_safety::chown_tree(&wt.scratch, uid)?;
        }
        // Every candidate's worktree appears at the same path inside the sandbox, so cargo
        // sees one workspace across the run and rebuilds only what changed.
        let inside = candidate_mount(run);
        let mut read_only = vec![self.toolchain.clone()];
        let mut read_only_at = vec![(wt.path.clone(), inside.clone())];
        let mut read_write = vec![wt.scratch.clone()];
        if phase == Phase::Rollout {
            read_only.push(target.clone());
        } else {
            read_write.push(target.clone());
            read_write.push(cargo_home.clone());
            if self.cargo_registry.exists() {
                read_only_at.push((self.cargo_registry.clone(), cargo_home.join("registry")));
            }
        }
        read_only.extend(extra_read_only);
        let mut env = vec![
            (
                "PATH".to_string(),
                format!("{}/bin:/usr/bin:/bin", self.toolchain.display()),
            ),
            ("HOME".into(), wt.scratch.display().to_string()),
            ("TMPDIR".into(), wt.scratch.display().to_string()),
            ("CARGO_HOME".into(), cargo_home.display().to_string()),
            ("CARGO_TARGET_DIR".into(), target.display().to_string()),
            ("CARGO_NET_OFFLINE".into(), "true".into()),
            ("CARGO_TERM_COLOR".into(), "never".into()),
            (
                "RUSTC".into(),
                self.toolchain.join("bin/rustc").display().to_string(),
            ),
            ("LANG".into(), "C.UTF-8".into()),
        ];
        env.extend(extra_env);
        Ok(JailSpec {
            read_only,
            read_only_at,
            read_write,
            capture_root: run
                .run_dir()
                .join("sandbox-root")
                .join(format!("{}-{phase}", wt.name)),
            cwd: inside,
            env,
            program,
            args,
            limits,
            network: false,
        })
    }

    fn run_spec(&self, spec: &JailSpec) -> Result<Finished, SandboxError> {
        supervisor::run(
            spec,
            &self.isolation,
            self.config.limits.output_bytes,
            &self.cancel,
        )
    }

    /// The rejection for limits hit during a jailed phase, if any.
    fn limit_rejection(
        &self,
        phase: Phase,
        limits: &PhaseLimits,
        f: &Finished,
    ) -> Option<Rejection> {
        let stderr = String::from_utf8_lossy(&f.stderr);
        if f.timed_out {
            return Some(Rejection::Timeout {
                phase,
                limit_secs: limits.wall_time.as_secs(),
            });
        }
        if f.output_exceeded {
            return Some(Rejection::OutputLimit {
                phase,
                limit: self.config.limits.output_bytes,
            });
        }
        if let Some(path) = f.foreign_writes.first() {
            return Some(Rejection::WroteOutsideWorktree {
                phase,
                path: path.clone(),
            });
        }
        if f.exit == Exit::Code(0) {
            return None;
        }
        if f.exit == Exit::Signal(libc::SIGSYS) {
            return Some(Rejection::NetworkDenied { phase });
        }
        if f.exit == Exit::Signal(libc::SIGXFSZ) {
            return Some(Rejection::FileSizeLimit {
                phase,
                limit: limits.max_file_bytes,
            });
        }
        if stderr.contains("memory allocation of")
            || stderr.contains("out of memory")
            || stderr.contains("Cannot allocate memory")
        {
            return Some(Rejection::MemoryLimit {
                phase,
                limit_bytes: limits.memory_bytes,
            });
        }
        if f.peak_tasks + 2 >= limits.max_processes
            || stderr.contains("Resource temporarily unavailable")
        {
            return Some(Rejection::ProcessLimit {
                phase,
                limit: limits.max_processes,
            });
        }
        None
    }

    /// Builds the rollout binary (release, offline, locked, shared target folder).
    pub fn build(
        &self,
        run: &RunRepo,
        wt: &Worktree,
    ) -> Result<Result<Duration, Rejection>, SandboxError> {
        let limits = self.config.limits.build.clone();
        let spec = self.spec(
            run,
            wt,
            PhaseCommand {
                phase: Phase::Build,
                limits: limits.clone(),
                program: self.toolchain.join("bin/cargo"),
                args: [
                    "build",
                    "--release",
                    "--offline",
                    "--locked",
                    "-p",
                    "heuristics",
                    "--bin",
                    "rollout",
                ]
                .map(String::from)
                .to_vec(),
                extra_read_only: vec![],
                extra_env: vec![],
            },
        )?;
        let f = self.run_spec(&spec)?;
        if let Some(r) = self.limit_rejection(Phase::Build, &limits, &f) {
            return Ok(Err(r));
        }
        if !f.success() {
            let stderr = String::from_utf8_lossy(&f.stderr);
            return Ok(Err(Rejection::CompileError {
                trimmed: trim_compiler_errors(&stderr, self.config.limits.feedback_bytes),
            }));
        }
        Ok(Ok(f.elapsed))
    }

    /// Runs `cargo test --release -p heuristics --lib --bins --tests` with `MOBEVOLVE_BENCH` set to `bench_root`.
    pub fn test(
        &self,
        run: &RunRepo,
        wt: &Worktree,
        bench_root: Option<&Path>,
    ) -> Result<Result<Duration, Rejection>, SandboxError> {
        let limits = self.config.limits.test.clone();
        let mut env = vec![("RUST_TEST_THREADS".to_string(), "2".to_string())];
        let mut ro = vec![];
        if let Some(b) = bench_root {
            env.push(("MOBEVOLVE_BENCH".into(), b.display().to_string()));
            ro.push(b.to_path_buf());
        }
        let spec = self.spec(
            run,
            wt,
            PhaseCommand {
                phase: Phase::Test,
                limits: limits.clone(),
                program: self.toolchain.join("bin/cargo"),
                args: [
                    "test",
                    "--release",
                    "--offline",
                    "--locked",
                    "-p",
                    "heuristics",
                    // Unit, binary and integration tests; not examples or doc tests,
                    // which guard nothing and would double the build of every round.
                    "--lib",
                    "--bins",
                    "--tests",
                ]
                .map(String::from)
                .to_vec(),
                extra_read_only: ro,
                extra_env: env,
            },
        )?;
        let f = self.run_spec(&spec)?;
        if let Some(r) = self.limit_rejection(Phase::Test, &limits, &f) {
            return Ok(Err(r));
        }
        if !f.success() {
            let stderr = String::from_utf8_lossy(&f.stderr);
            let max = self.config.limits.feedback_bytes;
            if stderr.contains("error: could not compile") {
                return Ok(Err(Rejection::CompileError {
                    trimmed: trim_compiler_errors(&stderr, max),
                }));
            }
            let stdout = String::from_utf8_lossy(&f.stdout);
            let failures = stdout
                .find("failures:")
                .map(|i| &stdout[i..])
                .unwrap_or(&stdout);
            let text = format!(
                "{}\n{}",
                trim_head(failures, max * 3 / 4),
                trim_tail(&stderr, max / 4)
            );
            return Ok(Err(Rejection::TestsFailed { trimmed: text }));
        }
        Ok(Ok(f.elapsed))
    }

    /// One rollout; returns the diaries bytes and the elapsed time.
    fn rollout_once(
        &self,
        run: &RunRepo,
        wt: &Worktree,
        req: &RolloutRequest,
        k: usize,
    ) -> Result<Result<(Vec<u8>, Duration), Rejection>, SandboxError> {
        let limits = self.config.limits.rollout.clone();
        let out = wt.scratch.join(format!("diaries-{}-{k}.csv", req.seed));
        let _ = crate::fs_safety::remove_tree(&out);
        let mut args = vec!["--bench".to_string(), req.bench.display().to_string()];
        let ro = vec![req.bench.clone()];
        // Resolve symlinked entries of the loop view so they are visible inside.
        if let Ok(entries) = fs::read_dir(&req.bench) {
            for e in entries.flatten() {
                if e.file_type().map(|t| t.is_symlink()).unwrap_or(false) {
                    return Err(SandboxError::Setup(format!(
                        "benchmark view entry {} is a symlink; bind real folders",
                        e.path().display()
                    )));
                }
            }
        }
        match &req.persons {
            RolloutPersons::Split(s) => args.extend(["--split".into(), s.clone()]),
            RolloutPersons::PersonsFile(p) => {
                // A copy in the candidate's scratch folder: nothing beside the file (the real
                // diaries of its split, say) comes into view, and no file mount is needed.
                let copy = wt.scratch.join("rollout-persons.csv");
                fs::copy(p, &copy).map_err(SandboxError::io(format!(
                    "copying the persons file {} for the rollout",
                    p.display()
                )))?;
                crate::fs_safety::chown_tree(&copy, self.isolation.uid())?;
                args.extend(["--persons".into(), copy.display().to_string()]);
            }
        }
        args.extend([
            "--seed".into(),
            req.seed.to_string(),
            "--out".into(),
            out.display().to_string(),
        ]);
        if let Some(t) = req.threads {
            args.extend(["--threads".into(), t.to_string()]);
        }
        let (target, _) = self.run_folders(run)?;
        let spec = self.spec(
            run,
            wt,
            PhaseCommand {
                phase: Phase::Rollout,
                limits: limits.clone(),
                program: target.join("release/rollout"),
                args,
                extra_read_only: ro,
                extra_env: vec![],
            },
        )?;
        let f = self.run_spec(&spec)?;
        if let Some(r) = self.limit_rejection(Phase::Rollout, &limits, &f) {
            return Ok(Err(r));
        }
        if !f.success() {
            let stderr = String::from_utf8_lossy(&f.stderr);
            return Ok(Err(Rejection::RolloutFailed {
                exit: f.exit.to_string(),
                stderr: trim_tail(&stderr, self.config.limits.feedback_bytes),
            }));
        }
        match crate::fs_safety::read_candidate_file(&out, limits.max_file_bytes) {
            Ok(bytes) => Ok(Ok((bytes, f.elapsed))),
            Err(reason) => Ok(Err(Rejection::BadRolloutOutput { reason })),
        }
    }

    /// Rolls out twice with the same seed; checks determinism, person count and latency.
    pub fn rollout(
        &self,
        run: &RunRepo,
        wt: &Worktree,
        req: &RolloutRequest,
    ) -> Result<Result<(Verified, Duration), Rejection>, SandboxError> {
        let (first, t1) = match self.rollout_once(run, wt, req, 1)? {
            Ok(x) => x,
            Err(r) => return Ok(Err(r)),
        };
        let (second, t2) = match self.rollout_once(run, wt, req, 2)? {
            Ok(x) => x,
            Err(r) => return Ok(Err(r)),
        };
        if let Some((line, first, second)) = first_difference(&first, &second) {
            return Ok(Err(Rejection::NonDeterministic {
                line,
                first,
                second,
            }));
        }
        Ok(self
            .checked_output(req, first, t1.min(t2))
            .map(|v| (v, t1 + t2)))
    }

    /// Rolls out once, for a generator whose determinism was already checked (the run's
    /// further seeds of a verified candidate, or an accepted generator): the output's person
    /// count and latency are still checked.
    pub fn rollout_once_checked(
        &self,
        run: &RunRepo,
        wt: &Worktree,
        req: &RolloutRequest,
    ) -> Result<Result<(Verified, Duration), Rejection>, SandboxError> {
        let (diaries, time) = match self.rollout_once(run, wt, req, 1)? {
            Ok(x) => x,
            Err(r) => return Ok(Err(r)),
        };
        Ok(self.checked_output(req, diaries, time).map(|v| (v, time)))
    }

    /// Checks a rollout's output: rows for every person, and within the latency budget.
    fn checked_output(
        &self,
        req: &RolloutRequest,
        diaries: Vec<u8>,
        best: Duration,
    ) -> Result<Verified, Rejection> {
        let persons = diaries
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count()
            .saturating_sub(1);
        if persons == 0 {
            return Err(Rejection::BadRolloutOutput {
                reason: "the diaries file has no rows".into(),
            });
        }
        let persons_file = match &req.persons {
            RolloutPersons::Split(split) => req.bench.join(split).join("persons.csv"),
            RolloutPersons::PersonsFile(path) => path.clone(),
        };
        let expected = fs::read(&persons_file)
            .map(|b| {
                b.split(|&c| c == b'\n')
                    .filter(|l| !l.is_empty())
                    .count()
                    .saturating_sub(1)
            })
            .unwrap_or(persons);
        if expected != persons {
            return Err(Rejection::BadRolloutOutput {
                reason: format!(
                    "{persons} diaries for {expected} persons in {}",
                    persons_file.display()
                ),
            });
        }
        let limits = &self.config.limits;
        let us_per_person = (best.as_micros() as u64)
            .saturating_sub(limits.rollout_startup_allowance_us)
            / persons as u64;
        if us_per_person > limits.us_per_person_budget {
            return Err(Rejection::TooSlow {
                us_per_person,
                budget: limits.us_per_person_budget,
            });
        }
        Ok(Verified {
            diaries,
            persons,
            us_per_person,
        })
    }

    /// The whole pipeline for one candidate whose worktree exists (see
    /// [`RunRepo::create_worktree`]). On success the candidate is committed under
    /// `refs/mobevolve/candidates/<name>` (accept it with [`RunRepo::accept`] after scoring);
    /// on rejection it is kept under `refs/mobevolve/rejected/<name>`. The worktree and
    /// scratch folder are removed in both cases.
    pub fn evaluate(
        &self,
        run: &RunRepo,
        wt: &Worktree,
        change: Change<'_>,
        test_bench_root: Option<&Path>,
        rollout: &RolloutRequest,
    ) -> Result<CandidateReport, SandboxError> {
        let mut report = CandidateReport {
            name: wt.name.clone(),
            parent: wt.parent.clone(),
            commit: None,
            git_ref: String::new(),
            outcome: Err(Rejection::EmptyChange),
            isolation: self.isolation.clone(),
            times: PhaseTimes::default(),
        };
        let result = self.evaluate_inner(run, wt, change, test_bench_root, rollout, &mut report);
        let finish = match result {
            Ok(Ok(verified)) => {
                report.git_ref = format!("refs/mobevolve/candidates/{}", wt.name);
                report.outcome = Ok(verified);
                Ok(())
            }
            Ok(Err(rejection)) => {
                tracing::info!(candidate = %wt.name, %rejection, "rejected");
                let diff = match change {
                    Change::Diff(d) => Some(d),
                    Change::WorktreeEdits => None,
                };
                run.reject(wt, &rejection, diff)?;
                report.git_ref = format!("refs/mobevolve/rejected/{}", wt.name);
                report.outcome = Err(rejection);
                Ok(())
            }
            Err(e) => Err(e),
        };
        run.remove_worktree(wt)?;
        let _ = crate::fs_safety::remove_tree(&run.run_dir().join("sandbox-root"));
        finish.map(|()| report)
    }

    fn evaluate_inner(
        &self,
        run: &RunRepo,
        wt: &Worktree,
        change: Change<'_>,
        test_bench_root: Option<&Path>,
        rollout: &RolloutRequest,
        report: &mut CandidateReport,
    ) -> Result<Result<Verified, Rejection>, SandboxError> {
        let limits = &self.config.change;
        let applied: Result<ChangeSet, Rejection> = match change {
            Change::Diff(diff) => run.apply_diff(wt, diff, limits)?,
            Change::WorktreeEdits => run.collect_edits(wt, limits)?,
        };
        let change_set = match applied {
            Ok(c) => c,
            Err(r) => return Ok(Err(r)),
        };
        let summary: Vec<&str> = change_set.files.keys().map(String::as_str).collect();
        let commit = run.commit_candidate(
            wt,
            &change_set,
            &format!("candidate {}: {}", wt.name, summary.join(", ")),
        )?;
        report.commit = Some(commit);
        match self.build(run, wt)? {
            Ok(t) => report.times.build = Some(t),
            Err(r) => return Ok(Err(r)),
        }
        match self.test(run, wt, test_bench_root)? {
            Ok(t) => report.times.test = Some(t),
            Err(r) => return Ok(Err(r)),
        }
        match self.rollout(run, wt, rollout)? {
            Ok((v, t)) => {
                report.times.rollout = Some(t);
                Ok(Ok(v))
            }
            Err(r) => Ok(Err(r)),
        }
    }
}
