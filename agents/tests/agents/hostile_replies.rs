//! Seeded random hostile and broken LLM endpoints for the `openai` agent, in both modes:
//! invalid, truncated, non-object and huge tool-call arguments, unknown and absurd tool
//! names, protected / `..` / absolute paths, endless tool loops, garbage and oversized
//! bodies, truncated JSON, error statuses, replies that never come. Each case runs on its
//! own thread and runtime against a fresh scripted server and an in-memory workbench that
//! refuses (and counts) writes outside `heuristics/src/**.rs`, as the orchestrator's does.
//!
//! Every case must end in a `Proposal` or an `AgentError` (a panic fails the test), leave
//! the request's worktree folder untouched (the agent may change files only through the
//! workbench), leave only in-scope files changed, and a `Proposal` must come with a
//! change that builds. Outcomes are counted and printed.
//!
//! Size: `MOBEVOLVE_ROBUST_CASES` cases (default 1,000, the CI size); the full run is
//! `MOBEVOLVE_ROBUST_CASES=10000 cargo test -p agents --test agents hostile_replies`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agents::{
    Agent, AgentError, Budget, BudgetLimits, CheckOutcome, MemoryCallStore, OpenAiAgent,
    OpenAiConfig, OpenAiMode, ProposalRequest, SearchHit, Workbench,
};
use async_trait::async_trait;
use serde_json::{json, Value};

use crate::support::{args, text, tool_calls, Scripted, ScriptedServer, PARAMS};

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
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
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

/// The editable scope, as strict as the sandbox's `scope::check_path`.
fn in_scope(path: &str) -> bool {
    path.starts_with("heuristics/src/")
        && path.ends_with(".rs")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.eq_ignore_ascii_case(".git"))
}

/// An in-memory worktree. Out-of-scope writes are refused and counted.
struct MemoryBench {
    parent: BTreeMap<String, String>,
    files: Mutex<BTreeMap<String, String>>,
    refused: AtomicUsize,
    writes: AtomicUsize,
}

impl MemoryBench {
    fn new() -> MemoryBench {
        let mut parent = BTreeMap::new();
        parent.insert("heuristics/src/params.rs".to_string(), PARAMS.to_string());
        parent.insert(
            "heuristics/src/lib.rs".to_string(),
            "pub mod params;\n".to_string(),
        );
        parent.insert(
            "evaluator/src/lib.rs".to_string(),
            "pub fn score() -> f64 { 1.0 }\n".to_string(),
        );
        MemoryBench {
            files: Mutex::new(parent.clone()),
            parent,
            refused: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
        }
    }

    fn changed(&self) -> Vec<String> {
        let files = self.files.lock().unwrap();
        let mut out: Vec<String> = files
            .iter()
            .filter(|(p, c)| self.parent.get(*p) != Some(c))
            .map(|(p, _)| p.clone())
            .collect();
        out.extend(
            self.parent
                .keys()
                .filter(|p| !files.contains_key(*p))
                .cloned(),
        );
        out
    }

    fn guard(&self, path: &str) -> Result<(), String> {
        if in_scope(path) {
            Ok(())
        } else {
            self.refused.fetch_add(1, Ordering::SeqCst);
            Err(format!(
                "`{}` is outside the editable scope (heuristics/src/**.rs)",
                path.chars().take(100).collect::<String>()
            ))
        }
    }
}

#[async_trait]
impl Workbench for MemoryBench {
    fn list_files(&self) -> Vec<String> {
        self.files.lock().unwrap().keys().cloned().collect()
    }

    fn read_file(&self, path: &str) -> Result<String, String> {
        self.files
            .lock()
            .unwrap()
            .get(path)
            .cloned()
            .ok_or_else(|| format!("no file `{path}`"))
    }

    fn search(&self, pattern: &str) -> Vec<SearchHit> {
        let files = self.files.lock().unwrap();
        let mut hits = Vec::new();
        for (path, text) in files.iter() {
            for (i, line) in text.lines().enumerate() {
                if !pattern.is_empty() && line.contains(pattern) {
                    hits.push(SearchHit {
                        path: path.clone(),
                        line: i + 1,
                        text: line.to_string(),
                    });
                }
            }
        }
        hits
    }

    fn write_file(&self, path: &str, content: &str) -> Result<(), String> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.guard(path)?;
        if content.len() > 256 * 1024 {
            return Err("the file is larger than 256 KiB".into());
        }
        self.files
            .lock()
            .unwrap()
            .insert(path.to_string(), content.to_string());
        Ok(())
    }

    fn apply_diff(&self, diff: &str) -> Result<(), String> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        let mut targets = Vec::new();
        for line in diff.lines() {
            if let Some(p) = line
                .strip_prefix("+++ ")
                .or_else(|| line.strip_prefix("--- "))
            {
                let p = p.split('\t').next().unwrap_or("").trim();
                if p != "/dev/null" {
                    let p = p
                        .strip_prefix("a/")
                        .or_else(|| p.strip_prefix("b/"))
                        .unwrap_or(p);
                    self.guard(p)?;
                    targets.push(p.to_string());
                }
            }
        }
        if targets.is_empty() || !diff.contains("\n@@ ") {
            return Err("the diff has no file header or no hunk".into());
        }
        // Stand-in for applying: mark every named file as changed.
        let mut files = self.files.lock().unwrap();
        for t in targets {
            let entry = files.entry(t).or_default();
            entry.push_str("// patched\n");
        }
        Ok(())
    }

    async fn check_build(&self) -> CheckOutcome {
        let broken = self
            .files
            .lock()
            .unwrap()
            .values()
            .any(|c| c.contains("BROKEN"));
        CheckOutcome {
            ok: !broken,
            errors: if broken {
                "error[E0425]: cannot find value `BROKEN` in this scope".into()
            } else {
                String::new()
            },
        }
    }

    fn current_diff(&self) -> String {
        self.changed()
            .iter()
            .map(|p| format!("--- a/{p}\n+++ b/{p}\n@@ -1 +1 @@\n-old\n+new\n"))
            .collect()
    }

    fn reset(&self) {
        *self.files.lock().unwrap() = self.parent.clone();
    }
}

const PATHS: &[&str] = &[
    "heuristics/src/params.rs",
    "heuristics/src/params.rs",
    "heuristics/src/new_module.rs",
    "evaluator/src/lib.rs",
    "heuristics/Cargo.toml",
    "../../etc/passwd",
    "/etc/passwd",
    "heuristics/src/../Cargo.toml",
    "heuristics/src/./params.rs",
    ".git/config",
    "heuristics/src/.git/x.rs",
    "heuristics\\src\\params.rs",
    "heuristics/src/run.sh",
    "",
];

const TOOLS: &[&str] = &[
    "list_files",
    "read_file",
    "search",
    "apply_edit",
    "write_file",
    "apply_diff",
    "check_build",
    "submit",
];

fn garbage(rng: &mut Rng, len: usize) -> String {
    const PIECES: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "\\",
        "\\u0000",
        "null",
        "```",
        "```diff\n",
        "--- a/",
        "+++ b/",
        "@@ -1 +1 @@\n",
        "\n",
        "é",
        "\u{FEFF}",
        "𝕏",
        "\u{0}",
    ];
    let mut s = String::new();
    while s.len() < len {
        if rng.chance(60) {
            s.push_str(PIECES[rng.below(PIECES.len())]);
        } else {
            s.push(char::from_u32(rng.below(0x2000) as u32).unwrap_or('?'));
        }
    }
    s
}

fn random_diff(rng: &mut Rng) -> String {
    let path = rng.pick(PATHS);
    let mut d = format!(
        "--- a/{path}\n+++ b/{path}\n@@ -4 +4 @@\n-pub const K: usize = 5;\n+pub const K: usize = {};\n",
        rng.below(20)
    );
    if rng.chance(20) {
        d.push_str("+BROKEN\n");
    }
    match rng.below(4) {
        0 => {
            let cut = rng.below(d.len());
            d.truncate(cut);
        }
        1 => d.push_str(&garbage(rng, 50)),
        _ => {}
    }
    d
}

/// Arguments for a call to `tool`: mostly plausible, often hostile or broken.
fn random_arguments(rng: &mut Rng, tool: &str) -> String {
    let plausible = match tool {
        "read_file" => json!({"path": rng.pick(PATHS)}),
        "search" => json!({"pattern": rng.pick(&["K", "", "pub", "\u{0}"])}),
        "apply_edit" => json!({"path": rng.pick(PATHS),
            "old": rng.pick(&["pub const K: usize = 5;", "= 8;", "pub const", "absent"]),
            "new": rng.pick(&["pub const K: usize = 7;", "= 9;", "BROKEN", ""])}),
        "write_file" => json!({"path": rng.pick(PATHS),
            "content": rng.pick(&["pub const K: usize = 3;\n", "BROKEN", "", "fn main(){}"])}),
        "apply_diff" => json!({"diff": random_diff(rng)}),
        "submit" => json!({"target": "t", "hypothesis": "h", "rationale": "r"}),
        _ => json!({}),
    };
    match rng.below(12) {
        0 => "{oops".to_string(),
        1 => {
            let s = args(plausible);
            let cut = rng.below(s.len());
            s[..cut].to_string()
        }
        2 => rng
            .pick(&["null", "[]", "42", "\"text\"", "true", ""])
            .to_string(),
        3 => json!({"path": 42, "old": [], "new": {}, "content": null, "diff": 1,
                    "target": false, "pattern": 0.5})
        .to_string(),
        4 => {
            // Huge argument.
            let big = "x".repeat(rng.pick(&[100_000usize, 400_000]));
            json!({"path": "heuristics/src/params.rs", "content": big, "old": big,
                   "new": big, "pattern": big, "diff": big})
            .to_string()
        }
        5 => "[".repeat(5000),
        6 => garbage(rng, 200),
        _ => args(plausible),
    }
}

fn random_reply(rng: &mut Rng, diff_mode: bool) -> Scripted {
    match rng.below(if diff_mode { 14 } else { 12 }) {
        0..=5 => {
            let n = 1 + rng.below(4);
            let calls: Vec<(String, String)> = (0..n)
                .map(|_| {
                    let name = match rng.below(10) {
                        0 => rng
                            .pick(&["rm_rf", "", "read_file\u{0}", "../submit", "SUBMIT"])
                            .to_string(),
                        1 => "t".repeat(5000),
                        _ => rng.pick(TOOLS).to_string(),
                    };
                    let a = random_arguments(rng, &name);
                    (name, a)
                })
                .collect();
            let refs: Vec<(&str, &str)> =
                calls.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            tool_calls(&refs)
        }
        6 => {
            let len = rng.below(2000);
            text(&garbage(rng, len))
        }
        7 => Scripted::Status {
            code: 200,
            headers: vec![],
            body: {
                let body = match tool_calls(&[("list_files", "{}")]) {
                    Scripted::Json(v) => v.to_string(),
                    _ => unreachable!(),
                };
                let cut = rng.below(body.len());
                body[..cut].to_string()
            },
        },
        8 => Scripted::Status {
            code: 200,
            headers: vec![],
            body: rng
                .pick(&[
                    "",
                    "null",
                    "{}",
                    "{\"choices\":[]}",
                    "{\"choices\":[{\"message\":null}]}",
                    "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"tool_calls\":\"x\"}}]}",
                    "{\"choices\":[{\"message\":{\"content\":42}}],\"usage\":{\"prompt_tokens\":-5}}",
                    "<html>502 Bad Gateway</html>",
                ])
                .to_string(),
        },
        9 => Scripted::Status {
            code: rng.pick(&[500u16, 503, 400, 401, 404, 413, 422]),
            headers: vec![],
            body: json!({"error": {"message": garbage(rng, 40)}}).to_string(),
        },
        10 => Scripted::Status {
            // More than the agent's response limit (set to 256 KiB below).
            code: 200,
            headers: vec![],
            body: format!("{{\"choices\":[{{\"message\":{{\"content\":\"{}\"}}}}]}}", "y".repeat(300_000)),
        },
        11 => {
            if rng.chance(15) {
                Scripted::Hang
            } else {
                tool_calls(&[("check_build", "{}")])
            }
        }
        _ => {
            // Plain-mode replies: fenced diffs, some hostile, some truncated or huge.
            let d = random_diff(rng);
            let body = match rng.below(4) {
                0 => format!("TARGET: t\nHYPOTHESIS: h\nRATIONALE: r\n```diff\n{d}```\n"),
                1 => format!("TARGET: t\n```diff\n{d}"),
                2 => format!("```diff\n{}\n```", "+x\n".repeat(400_000)),
                _ => format!("Sure!\r\n```patch\r\n{}```\r\n", d.replace('\n', "\r\n")),
            };
            text(&body)
        }
    }
}

/// One case's script.
fn generate(rng: &mut Rng, diff_mode: bool) -> Vec<Scripted> {
    let mut script: Vec<Scripted> = Vec::new();
    if rng.chance(10) {
        // An endless tool loop.
        for _ in 0..40 {
            script.push(tool_calls(&[
                ("list_files", "{}"),
                ("search", "{\"pattern\":\"K\"}"),
            ]));
        }
        return script;
    }
    for _ in 0..1 + rng.below(6) {
        script.push(random_reply(rng, diff_mode));
    }
    if rng.chance(40) {
        // A proper ending, so some cases succeed after the noise.
        if diff_mode {
            script.push(text(
                "TARGET: t\nHYPOTHESIS: h\nRATIONALE: r\n```diff\n--- a/heuristics/src/params.rs\n+++ b/heuristics/src/params.rs\n@@ -4 +4 @@\n-pub const K: usize = 5;\n+pub const K: usize = 6;\n```\n",
            ));
        } else {
            script.push(tool_calls(&[
                (
                    "apply_edit",
                    &args(json!({"path": "heuristics/src/params.rs",
                                 "old": "pub const K: usize = 5;", "new": "pub const K: usize = 6;"})),
                ),
                ("check_build", "{}"),
                (
                    "submit",
                    &args(json!({"target": "t", "hypothesis": "h", "rationale": "r"})),
                ),
            ]));
        }
    }
    script
}

fn error_kind(e: &AgentError) -> &'static str {
    match e {
        AgentError::BudgetExhausted { .. } => "budget exhausted",
        AgentError::Transport { .. } => "transport",
        AgentError::Refused { .. } => "refused",
        AgentError::Protocol(_) => "protocol",
        AgentError::NoChange(_) => "no change",
        AgentError::StepLimit { .. } => "step limit",
        AgentError::RepairsExhausted { .. } => "repairs exhausted",
        AgentError::Command(_) => "command",
        AgentError::Timeout(_) => "timeout",
        AgentError::Cancelled => "cancelled",
        AgentError::Setup(_) => "setup",
        AgentError::Declined(_) => "declined",
        AgentError::Unavailable(_) => "unavailable",
    }
}

struct CaseResult {
    outcome: String,
    refused_writes: usize,
    problems: Vec<String>,
}

/// Cases run in batches: one server holding the batch's scripts back to back and one agent
/// (building an agent's TLS-capable client dominates the cost of a case), a fresh
/// workbench per case. A case may leave replies unread; the next case then starts with
/// them, which only adds to the noise.
const BATCH: usize = 10;

fn run_batch(diff_mode: bool, scripts: Vec<Vec<Scripted>>, worktree: PathBuf) -> Vec<CaseResult> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let cases = scripts.len();
        let server = ScriptedServer::start(scripts.into_iter().flatten().collect()).await;
        let mut c = OpenAiConfig::new(&server.url, "test-model");
        c.api_key = None;
        c.mode = if diff_mode {
            OpenAiMode::Diff
        } else {
            OpenAiMode::Tools
        };
        c.call_timeout = Duration::from_millis(300);
        c.max_retries = 1;
        c.backoff_base = Duration::from_millis(1);
        c.backoff_max = Duration::from_millis(2);
        c.retry_after_max = Duration::from_millis(2);
        c.max_steps = 8;
        c.max_repairs = 2;
        c.max_response_bytes = 256 * 1024;
        let store = Arc::new(MemoryCallStore::new());
        let mut agent =
            OpenAiAgent::new(c, Budget::new(BudgetLimits::default()).shared(), store).unwrap();
        let mut results = Vec::new();
        for case in 0..cases {
            let bench = MemoryBench::new();
            let request = ProposalRequest {
                run_id: 1,
                round: case as u32,
                system_prompt: "You improve the generator.".into(),
                round_prompt: format!("# Round {case}\nMake K bigger."),
                worktree: worktree.clone(),
                context: Value::Null,
            };
            let result =
                tokio::time::timeout(Duration::from_secs(60), agent.propose(&request, &bench))
                    .await;
            let mut problems = Vec::new();
            let outcome = match &result {
                Err(_) => {
                    problems.push("the agent did not return within 60 s".to_string());
                    "hung".to_string()
                }
                Ok(Ok(p)) => {
                    if bench.changed().is_empty() {
                        problems.push("a proposal with no change in the worktree".into());
                    }
                    if !bench.check_build().await.ok {
                        problems.push("a proposal whose change does not build".into());
                    }
                    if p.steps == 0 {
                        problems.push("a proposal with zero steps".into());
                    }
                    "proposal".to_string()
                }
                Ok(Err(e)) => {
                    if e.to_string().trim().is_empty() {
                        problems.push("an error with no message".into());
                    }
                    error_kind(e).to_string()
                }
            };
            for path in bench.changed() {
                if !in_scope(&path) {
                    problems.push(format!("`{path}` changed outside the scope"));
                }
            }
            if std::fs::read_dir(&worktree).map(|d| d.count()).unwrap_or(0) != 0 {
                problems.push("the agent wrote into the worktree folder directly".into());
            }
            results.push(CaseResult {
                outcome,
                refused_writes: bench.refused.load(Ordering::SeqCst),
                problems,
            });
        }
        results
    })
}

#[test]
fn random_hostile_endpoints_end_in_a_proposal_or_an_error() {
    let n = case_count();
    let mut rng = Rng(0xA6E7_0000_0007);
    let worktree = std::env::temp_dir().join(format!("agents-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&worktree).unwrap();
    let mut table: BTreeMap<(&str, String), usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut refused = 0usize;
    let mut case = 0;
    while case < n {
        let size = BATCH.min(n - case);
        let diff_mode = rng.chance(35);
        let scripts: Vec<Vec<Scripted>> =
            (0..size).map(|_| generate(&mut rng, diff_mode)).collect();
        let mode = if diff_mode { "diff" } else { "tools" };
        let wt = worktree.clone();
        let joined = std::thread::spawn(move || run_batch(diff_mode, scripts, wt)).join();
        match joined {
            Err(_) => {
                failures.push(format!("cases {case}..{} ({mode}): PANIC", case + size));
                *table.entry((mode, "panic".to_string())).or_default() += size;
            }
            Ok(results) => {
                for (i, r) in results.into_iter().enumerate() {
                    refused += r.refused_writes;
                    for p in r.problems {
                        failures.push(format!("case {} ({mode}): {p}", case + i));
                    }
                    *table.entry((mode, r.outcome)).or_default() += 1;
                }
            }
        }
        case += size;
    }
    let _ = std::fs::remove_dir_all(&worktree);
    println!("{n} random hostile endpoint scripts:");
    println!("{:<6} {:<20} {:>6}", "mode", "outcome", "cases");
    for ((mode, outcome), count) in &table {
        println!("{mode:<6} {outcome:<20} {count:>6}");
    }
    println!("out-of-scope writes refused by the workbench: {refused}");
    assert!(
        table.keys().any(|(_, o)| o == "proposal"),
        "no case reached a proposal: the generator misses the happy path"
    );
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
