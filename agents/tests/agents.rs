//! Integration tests of the agents against a scripted OpenAI-compatible server on 127.0.0.1 and a
//! git worktree in a temp folder (real `git apply`, real `rustc` as the build check).

mod support {
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use agents::{CheckOutcome, SearchHit, Workbench};
    use async_trait::async_trait;

    pub use agents::scripted_server::{
        args, last_user, text, tool_calls, tool_results, with_usage, Scripted, ScriptedServer,
    };

    pub const PARAMS: &str = "//! Tunable constants.\n\n/// Neighbours retrieved.\npub const K: usize = 5;\n\n/// Hour work starts.\npub const WORK_START: u32 = 8;\n";

    /// A git worktree in a temp folder; the editable scope is `heuristics/src/`.
    pub struct GitBench {
        pub root: PathBuf,
        pub builds: AtomicUsize,
        pub previews: AtomicUsize,
    }

    fn git(root: &Path, args: &[&str], stdin: Option<&str>) -> Result<String, String> {
        use std::io::Write;
        let mut child = Command::new("git")
            .args(args)
            .current_dir(root)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
        drop(input);
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    impl GitBench {
        pub fn new(name: &str) -> GitBench {
            static N: AtomicUsize = AtomicUsize::new(0);
            let root = std::env::temp_dir().join(format!(
                "agents-test-{name}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            let _ = std::fs::remove_dir_all(&root);
            std::fs::create_dir_all(root.join("heuristics/src")).unwrap();
            std::fs::create_dir_all(root.join("evaluator/src")).unwrap();
            std::fs::write(root.join("heuristics/src/params.rs"), PARAMS).unwrap();
            std::fs::write(
                root.join("evaluator/src/lib.rs"),
                "pub fn score() -> f64 { 1.0 }\n",
            )
            .unwrap();
            for a in [
                &["init", "-q"][..],
                &["-c", "user.email=t@t", "-c", "user.name=t", "add", "."],
                &[
                    "-c",
                    "user.email=t@t",
                    "-c",
                    "user.name=t",
                    "commit",
                    "-qm",
                    "parent",
                ],
            ] {
                git(&root, a, None).unwrap();
            }
            GitBench {
                root,
                builds: AtomicUsize::new(0),
                previews: AtomicUsize::new(0),
            }
        }

        pub fn params(&self) -> String {
            std::fs::read_to_string(self.root.join("heuristics/src/params.rs")).unwrap()
        }

        pub fn evaluator(&self) -> String {
            std::fs::read_to_string(self.root.join("evaluator/src/lib.rs")).unwrap()
        }

        fn in_scope(path: &str) -> Result<(), String> {
            if path.starts_with("heuristics/src/") && !path.contains("..") {
                Ok(())
            } else {
                Err(format!(
                    "{path} is outside the editable scope (heuristics/src/)"
                ))
            }
        }
    }

    impl Drop for GitBench {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }

    #[async_trait]
    impl Workbench for GitBench {
        fn list_files(&self) -> Vec<String> {
            vec![
                "heuristics/src/params.rs".into(),
                "evaluator/src/lib.rs".into(),
            ]
        }

        fn read_file(&self, path: &str) -> Result<String, String> {
            if path.contains("..") {
                return Err(format!("{path} is not readable"));
            }
            std::fs::read_to_string(self.root.join(path))
                .map_err(|e| format!("cannot read {path}: {e}"))
        }

        fn search(&self, pattern: &str) -> Vec<SearchHit> {
            let mut hits = Vec::new();
            for path in self.list_files() {
                let text = self.read_file(&path).unwrap_or_default();
                for (i, line) in text.lines().enumerate() {
                    if line.contains(pattern) {
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
            GitBench::in_scope(path)?;
            std::fs::write(self.root.join(path), content).map_err(|e| e.to_string())
        }

        fn apply_diff(&self, diff: &str) -> Result<(), String> {
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
                        GitBench::in_scope(p)?;
                    }
                }
            }
            git(&self.root, &["apply", "--check", "-"], Some(diff))?;
            git(&self.root, &["apply", "-"], Some(diff)).map(|_| ())
        }

        async fn check_build(&self) -> CheckOutcome {
            self.builds.fetch_add(1, Ordering::SeqCst);
            let out_dir = self.root.join(".git/build");
            let out = tokio::process::Command::new("rustc")
                .args([
                    "--edition",
                    "2021",
                    "--crate-type",
                    "lib",
                    "--emit=metadata",
                    "--out-dir",
                ])
                .arg(&out_dir)
                .arg(self.root.join("heuristics/src/params.rs"))
                .output()
                .await
                .unwrap();
            CheckOutcome {
                ok: out.status.success(),
                errors: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            }
        }

        fn current_diff(&self) -> String {
            git(&self.root, &["diff"], None).unwrap_or_default()
        }

        fn reset(&self) {
            git(&self.root, &["checkout", "--", "."], None).unwrap();
            git(&self.root, &["clean", "-fdq"], None).unwrap();
        }

        async fn preview(&self) -> agents::Preview {
            self.previews.fetch_add(1, Ordering::SeqCst);
            let added = self
                .current_diff()
                .lines()
                .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
                .count();
            agents::Preview {
                text: format!("PREVIEW of a change of {added} lines"),
                improvement: Some(added as f64),
                standard_error: Some(0.5),
            }
        }
    }
}

mod openai {
    use std::sync::Arc;
    use std::time::Duration;

    use agents::{
        Agent, AgentError, Budget, BudgetLimits, Change, LlmCallStore, MemoryCallStore,
        OpenAiAgent, OpenAiConfig, OpenAiMode, ProposalRequest, Workbench,
    };
    use serde_json::json;

    use crate::support::*;

    fn config(server: &ScriptedServer) -> OpenAiConfig {
        let mut c = OpenAiConfig::new(&server.url, "test-model");
        c.api_key = None;
        c.temperature = Some(0.2);
        c.call_timeout = Duration::from_secs(5);
        c.max_retries = 2;
        c.backoff_base = Duration::from_millis(10);
        c.backoff_max = Duration::from_millis(40);
        c.max_steps = 12;
        c.salvage_unsubmitted = false;
        c
    }

    fn agent(c: OpenAiConfig, store: Arc<MemoryCallStore>) -> OpenAiAgent {
        OpenAiAgent::new(c, Budget::new(BudgetLimits::default()).shared(), store).unwrap()
    }

    fn request(bench: &GitBench) -> ProposalRequest {
        ProposalRequest {
            run_id: 7,
            round: 3,
            system_prompt: "You improve the generator.".into(),
            round_prompt: "# Round 3\nMake K bigger.".into(),
            worktree: bench.root.clone(),
            context: serde_json::Value::Null,
        }
    }

    fn good_tool_script() -> Vec<Scripted> {
        vec![
            tool_calls(&[("list_files", "{}")]),
            tool_calls(&[(
                "read_file",
                &args(json!({"path": "heuristics/src/params.rs"})),
            )]),
            tool_calls(&[(
                "apply_edit",
                &args(json!({"path": "heuristics/src/params.rs",
                             "old": "pub const K: usize = 5;", "new": "pub const K: usize = 7;"})),
            )]),
            tool_calls(&[("check_build", "{}")]),
            tool_calls(&[(
                "submit",
                &args(
                    json!({"target": "pair_jsd Work 8-10", "hypothesis": "K too small",
                             "rationale": "more neighbours smooth the start time"}),
                ),
            )]),
        ]
    }

    #[tokio::test]
    async fn good_change_through_tool_calls() {
        let server = ScriptedServer::start(good_tool_script()).await;
        let bench = GitBench::new("tools-good");
        let store = Arc::new(MemoryCallStore::new());
        let mut a = agent(config(&server), store.clone());
        let p = a.propose(&request(&bench), &bench).await.unwrap();
        assert_eq!(p.agent, "openai");
        assert_eq!(p.model.as_deref(), Some("test-model"));
        assert_eq!(p.target, "pair_jsd Work 8-10");
        assert_eq!(p.hypothesis, "K too small");
        assert_eq!(p.change, Change::EditedWorktree);
        assert_eq!(p.steps, 5);
        assert!(bench.params().contains("pub const K: usize = 7;"));
        assert_eq!(server.request_count(), 5);
        let reqs = server.requests();
        assert_eq!(reqs[0]["model"], "test-model");
        assert_eq!(reqs[0]["tools"].as_array().unwrap().len(), 9);
        assert_eq!(reqs[0]["messages"][0]["role"], "system");
        assert!(tool_results(&reqs[1])[0].contains("heuristics/src/params.rs"));
        assert!(tool_results(&reqs[2])[1].contains("pub const K: usize = 5;"));
        assert!(tool_results(&reqs[3])[2].starts_with("ok: edited"));
        assert_eq!(tool_results(&reqs[4])[3], "ok: it builds");
        // Every paid call recorded once, with tokens and a distinct hash.
        let calls = store.calls();
        assert_eq!(calls.len(), 5);
        assert!(calls
            .iter()
            .all(|c| c.tokens_in == 100 && c.tokens_out == 20 && c.attempts == 1));
        let mut hashes: Vec<_> = calls.iter().map(|c| c.request_hash.clone()).collect();
        hashes.sort();
        hashes.dedup();
        assert_eq!(hashes.len(), 5);
        assert_eq!(a.stats().paid_calls, 5);
        // Submit was accepted after a clean check_build: no second build.
        assert_eq!(bench.builds.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn replay_from_the_store_sends_no_request() {
        let store = Arc::new(MemoryCallStore::new());
        let bench = GitBench::new("replay");
        let first = ScriptedServer::start(good_tool_script()).await;
        let p1 = agent(config(&first), store.clone())
            .propose(&request(&bench), &bench)
            .await
            .unwrap();
        assert_eq!(first.request_count(), 5);
        // A resumed run: same worktree state, same store, a server that must not be called.
        bench.reset();
        let second = ScriptedServer::start(vec![]).await;
        let mut a = agent(config(&second), store.clone());
        let p2 = a.propose(&request(&bench), &bench).await.unwrap();
        assert_eq!(
            second.request_count(),
            0,
            "a replayed call reached the server"
        );
        assert_eq!(a.stats().replayed_calls, 5);
        assert_eq!(a.stats().paid_calls, 0);
        assert_eq!(store.calls().len(), 5, "replays must not be recorded again");
        assert_eq!(p1.hypothesis, p2.hypothesis);
        assert!(bench.params().contains("pub const K: usize = 7;"));
        // A different round is a different request: no false replay.
        let third = ScriptedServer::start(vec![]).await;
        let mut other = request(&bench);
        other.round = 4;
        bench.reset();
        let err = agent(config(&third), store.clone())
            .propose(&other, &bench)
            .await
            .unwrap_err();
        assert!(
            matches!(err, AgentError::Refused { status: 400, .. }),
            "{err}"
        );
        assert_eq!(third.request_count(), 1);
        let stored = store.lookup(&store.calls()[0].request_hash).await.unwrap();
        assert_eq!(stored.tokens_in, 100);
    }

    #[tokio::test]
    async fn invalid_tool_calls_and_garbage_become_error_results() {
        let script = vec![
            Scripted::Status {
                code: 200,
                headers: vec![],
                body: "<html>not json</html>".into(),
            },
            tool_calls(&[
                ("read_file", "{oops"),
                ("rm_rf", "{}"),
                (
                    "apply_edit",
                    &args(json!({"path": "heuristics/src/params.rs", "old": "x"})),
                ),
                ("read_file", &args(json!({"path": 42}))),
            ]),
            tool_calls(&[(
                "apply_edit",
                &args(json!({"path": "heuristics/src/params.rs", "old": "pub const", "new": "x"})),
            )]),
            tool_calls(&[(
                "apply_edit",
                &args(
                    json!({"path": "heuristics/src/params.rs", "old": "K: usize = 99", "new": "x"}),
                ),
            )]),
            tool_calls(&[(
                "submit",
                &args(json!({"target": "t", "hypothesis": "h", "rationale": "r"})),
            )]),
            text("I am done, thanks!"),
            tool_calls(&[
                (
                    "apply_edit",
                    &args(
                        json!({"path": "heuristics/src/params.rs", "old": "= 8;", "new": "= 9;"}),
                    ),
                ),
                (
                    "submit",
                    &args(json!({"target": "t", "hypothesis": "h", "rationale": "r"})),
                ),
            ]),
        ];
        let server = ScriptedServer::start(script).await;
        let bench = GitBench::new("invalid");
        let store = Arc::new(MemoryCallStore::new());
        let mut a = agent(config(&server), store.clone());
        let p = a.propose(&request(&bench), &bench).await.unwrap();
        assert_eq!((p.target.as_str(), p.hypothesis.as_str()), ("t", "h"));
        assert!(bench.params().contains("WORK_START: u32 = 9;"));
        let reqs = server.requests();
        assert_eq!(reqs.len(), 7);
        // The non-JSON body was recorded (it may have been paid for) and the model told.
        assert!(store.calls()[0].response["unparseable_body"]
            .as_str()
            .unwrap()
            .contains("<html>"));
        assert!(last_user(&reqs[1]).contains("could not be read"));
        let r = tool_results(&reqs[2]);
        assert!(r[0].contains("not valid JSON"), "{r:?}");
        assert!(r[1].contains("unknown tool `rm_rf`"), "{r:?}");
        assert!(r[2].contains("missing the argument `new`"), "{r:?}");
        assert!(r[3].contains("`path` as a string"), "{r:?}");
        // Every tool call got its answer, under its id.
        let msgs = reqs[2]["messages"].as_array().unwrap();
        let ids: Vec<_> = msgs
            .iter()
            .filter(|m| m["role"] == "tool")
            .map(|m| m["tool_call_id"].clone())
            .collect();
        assert_eq!(
            ids,
            vec![
                json!("call_0_read_file"),
                json!("call_1_rm_rf"),
                json!("call_2_apply_edit"),
                json!("call_3_read_file")
            ]
        );
        assert!(tool_results(&reqs[3])
            .last()
            .unwrap()
            .contains("occurs 2 times"));
        assert!(tool_results(&reqs[4])
            .last()
            .unwrap()
            .contains("was not found"));
        assert!(tool_results(&reqs[5])
            .last()
            .unwrap()
            .contains("no change in the worktree"));
        assert!(last_user(&reqs[6]).contains("Reply with tool calls only"));
    }

    #[tokio::test]
    async fn protected_path_and_compile_error_are_repaired_in_tool_mode() {
        let script = vec![
            tool_calls(&[(
                "write_file",
                &args(
                    json!({"path": "evaluator/src/lib.rs", "content": "pub fn score() -> f64 { 0.0 }"}),
                ),
            )]),
            tool_calls(&[(
                "apply_diff",
                &args(
                    json!({"diff": "--- a/evaluator/src/lib.rs\n+++ b/evaluator/src/lib.rs\n@@ -1 +1 @@\n-pub fn score() -> f64 { 1.0 }\n+pub fn score() -> f64 { 0.0 }\n"}),
                ),
            )]),
            tool_calls(&[(
                "apply_edit",
                &args(
                    json!({"path": "heuristics/src/params.rs", "old": "pub const K: usize = 5;", "new": "pub const K: usize = \"seven\";"}),
                ),
            )]),
            tool_calls(&[(
                "submit",
                &args(json!({"target": "t", "hypothesis": "h", "rationale": "r"})),
            )]),
            tool_calls(&[(
                "apply_edit",
                &args(json!({"path": "heuristics/src/params.rs", "old": "\"seven\"", "new": "7"})),
            )]),
            tool_calls(&[(
                "submit",
                &args(json!({"target": "t", "hypothesis": "h", "rationale": "r"})),
            )]),
        ];
        let server = ScriptedServer::start(script).await;
        let bench = GitBench::new("protected");
        let mut a = agent(config(&server), Arc::new(MemoryCallStore::new()));
        let p = a.propose(&request(&bench), &bench).await.unwrap();
        assert_eq!(p.steps, 6);
        assert!(bench.params().contains("pub const K: usize = 7;"));
        assert!(
            bench.evaluator().contains("1.0"),
            "the protected file was changed"
        );
        let reqs = server.requests();
        assert!(tool_results(&reqs[1])[0].contains("outside the editable scope"));
        assert!(tool_results(&reqs[2])[1].contains("outside the editable scope"));
        let refused = tool_results(&reqs[4]).last().unwrap().clone();
        assert!(
            refused.contains("does not build") && refused.contains("mismatched types"),
            "{refused}"
        );
    }

    #[tokio::test]
    async fn repeated_submits_that_do_not_build_exhaust_the_repairs() {
        let bad = (
            "apply_edit",
            args(json!({"path": "heuristics/src/params.rs", "old": "= 5;", "new": "= ;"})),
        );
        let submit = (
            "submit",
            args(json!({"target": "t", "hypothesis": "h", "rationale": "r"})),
        );
        let script = vec![
            tool_calls(&[(bad.0, &bad.1)]),
            tool_calls(&[(submit.0, &submit.1)]),
            tool_calls(&[(submit.0, &submit.1)]),
        ];
        let server = ScriptedServer::start(script).await;
        let bench = GitBench::new("repairs");
        let mut c = config(&server);
        c.max_repairs = 1;
        let err = agent(c, Arc::new(MemoryCallStore::new()))
            .propose(&request(&bench), &bench)
            .await
            .unwrap_err();
        assert!(
            matches!(err, AgentError::RepairsExhausted { repairs: 1, .. }),
            "{err}"
        );
        assert_eq!(server.request_count(), 3);
    }

    #[tokio::test]
    async fn an_endless_tool_loop_stops_at_the_step_bound() {
        let looping: Vec<_> = (0..50)
            .map(|_| tool_calls(&[("list_files", "{}"), ("search", r#"{"pattern":"K"}"#)]))
            .collect();
        let server = ScriptedServer::start(looping.clone()).await;
        let bench = GitBench::new("endless");
        let mut c = config(&server);
        c.max_steps = 5;
        let err = agent(c, Arc::new(MemoryCallStore::new()))
            .propose(&request(&bench), &bench)
            .await
            .unwrap_err();
        assert_eq!(err, AgentError::StepLimit { steps: 5 });
        assert_eq!(server.request_count(), 3, "5 steps = 2 + 2 + 1 tool calls");
        let last = tool_results(server.requests().last().unwrap());
        assert_eq!(last.len(), 4);

        // With salvage on, a building change left at the bound is proposed, marked as unsubmitted.
        let mut script = vec![tool_calls(&[(
            "apply_edit",
            &args(json!({"path": "heuristics/src/params.rs", "old": "= 5;", "new": "= 6;"})),
        )])];
        script.extend(looping);
        let server = ScriptedServer::start(script).await;
        let mut c = config(&server);
        c.max_steps = 3;
        c.salvage_unsubmitted = true;
        let p = agent(c, Arc::new(MemoryCallStore::new()))
            .propose(&request(&bench), &bench)
            .await
            .unwrap();
        assert!(p.hypothesis.contains("not submitted"), "{}", p.hypothesis);
        assert!(bench.params().contains("K: usize = 6;"));
    }

    const GOOD_DIFF: &str = "--- a/heuristics/src/params.rs\n+++ b/heuristics/src/params.rs\n@@ -2,5 +2,5 @@\n \n /// Neighbours retrieved.\n-pub const K: usize = 5;\n+pub const K: usize = 9;\n \n /// Hour work starts.\n";

    fn diff_config(server: &ScriptedServer) -> OpenAiConfig {
        let mut c = config(server);
        c.mode = OpenAiMode::Diff;
        c.max_repairs = 4;
        c
    }

    #[tokio::test]
    async fn plain_diff_mode_repairs_malformed_protected_unappliable_and_broken_diffs() {
        let fenced = |d: &str| {
            format!("TARGET: start times\nHYPOTHESIS: K too small\nRATIONALE: more neighbours.\n\n```diff\n{d}```\n")
        };
        let script = vec![
            text("Sure! Here is my idea:\n```diff\n+pub const K: usize = 9;\n```"),
            text(&fenced("--- a/evaluator/src/lib.rs\n+++ b/evaluator/src/lib.rs\n@@ -1 +1 @@\n-pub fn score() -> f64 { 1.0 }\n+pub fn score() -> f64 { 0.0 }\n")),
            text(&fenced(&GOOD_DIFF.replace("Neighbours retrieved", "Neighbours fetched"))),
            text(&fenced(&GOOD_DIFF.replace("= 9;", "= nine;"))),
            text(&fenced(GOOD_DIFF)),
        ];
        let server = ScriptedServer::start(script).await;
        let bench = GitBench::new("diff-mode");
        let mut a = agent(diff_config(&server), Arc::new(MemoryCallStore::new()));
        assert!(matches!(a.return_mode(), prompts::ReturnMode::Diff));
        let p = a.propose(&request(&bench), &bench).await.unwrap();
        assert_eq!(p.target, "start times");
        assert_eq!(p.hypothesis, "K too small");
        assert_eq!(p.rationale, "more neighbours.");
        assert_eq!(p.change, Change::EditedWorktree);
        assert_eq!(p.steps, 5);
        assert!(bench.params().contains("pub const K: usize = 9;"));
        assert!(bench.evaluator().contains("1.0"));
        let reqs = server.requests();
        assert!(reqs[0].get("tools").is_none());
        let repairs: Vec<String> = reqs[1..].iter().map(last_user).collect();
        assert!(
            repairs[0].contains("unreadable reply") && repairs[0].contains("attempt 1 of 4"),
            "{}",
            repairs[0]
        );
        assert!(
            repairs[1].contains("did not apply")
                && repairs[1].contains("outside the editable scope"),
            "{}",
            repairs[1]
        );
        assert!(repairs[2].contains("did not apply"), "{}", repairs[2]);
        assert!(
            repairs[3].contains("compile error") && repairs[3].contains("nine"),
            "{}",
            repairs[3]
        );
        // Each attempt started from the parent: the repaired diff applied to the original file.
        assert_eq!(bench.current_diff().matches("+pub const K").count(), 1);
    }

    #[tokio::test]
    async fn plain_mode_gives_up_after_the_repair_bound() {
        let server = ScriptedServer::start((0..5).map(|_| text("no diff, sorry")).collect()).await;
        let bench = GitBench::new("diff-giveup");
        let mut c = diff_config(&server);
        c.max_repairs = 2;
        let err = agent(c, Arc::new(MemoryCallStore::new()))
            .propose(&request(&bench), &bench)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AgentError::RepairsExhausted { repairs: 2, kind, .. } if kind == "unreadable reply"),
            "{err}"
        );
        assert_eq!(server.request_count(), 3);
        assert_eq!(bench.current_diff(), "");
    }

    #[tokio::test]
    async fn a_429_with_retry_after_is_retried_once_and_recorded_once() {
        let fenced = format!("TARGET: t\nHYPOTHESIS: h\nRATIONALE: r\n```diff\n{GOOD_DIFF}```\n");
        let script = vec![
            Scripted::Status {
                code: 429,
                headers: vec![("Retry-After", "1".into())],
                body: json!({"error": {"message": "slow down", "type": "rate_limit_error"}})
                    .to_string(),
            },
            text(&fenced),
        ];
        let server = ScriptedServer::start(script).await;
        let bench = GitBench::new("retry");
        let store = Arc::new(MemoryCallStore::new());
        let mut a = agent(diff_config(&server), store.clone());
        let p = a.propose(&request(&bench), &bench).await.unwrap();
        assert_eq!(p.hypothesis, "h");
        assert_eq!(server.request_count(), 2);
        assert_eq!(a.stats().retries, 1);
        assert_eq!(a.stats().http_attempts, 2);
        // The wait the transport scheduled, not the wall clock: exactly the server's Retry-After.
        assert_eq!(a.stats().backoff_ms, 1000, "Retry-After ignored");
        let calls = store.calls();
        assert_eq!(calls.len(), 1, "a retried call must be recorded once");
        assert_eq!(calls[0].attempts, 2);
        // The two HTTP requests were the same request.
        let reqs = server.requests();
        assert_eq!(reqs[0], reqs[1]);
    }

    #[tokio::test]
    async fn insufficient_quota_and_bad_requests_are_not_retried() {
        let server = ScriptedServer::start(vec![Scripted::Status {
            code: 429,
            headers: vec![],
            body: json!({"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota"}}).to_string(),
        }])
        .await;
        let bench = GitBench::new("quota");
        let err = agent(config(&server), Arc::new(MemoryCallStore::new()))
            .propose(&request(&bench), &bench)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AgentError::Transport { attempts: 1, message } if message.contains("quota")),
            "{err}"
        );
        assert_eq!(server.request_count(), 1);
    }

    #[tokio::test]
    async fn a_server_that_never_answers_fails_after_bounded_retries() {
        let server = ScriptedServer::start(vec![
            Scripted::Hang,
            Scripted::Hang,
            Scripted::Hang,
            Scripted::Hang,
        ])
        .await;
        let bench = GitBench::new("hang");
        let store = Arc::new(MemoryCallStore::new());
        let budget = Budget::new(BudgetLimits::default()).shared();
        let mut c = config(&server);
        c.call_timeout = Duration::from_millis(300);
        let mut a = OpenAiAgent::new(c, budget.clone(), store.clone()).unwrap();
        let err = a.propose(&request(&bench), &bench).await.unwrap_err();
        assert!(
            matches!(&err, AgentError::Transport { attempts: 3, .. }),
            "{err}"
        );
        // Every attempt ended by its own time limit (the message says so), with backoff between.
        assert!(err.to_string().contains("per attempt"), "{err}");
        assert!(a.stats().backoff_ms > 0);
        assert_eq!(server.request_count(), 3);
        assert_eq!(a.stats().retries, 2);
        assert!(store.calls().is_empty());
        assert_eq!(budget.lock().unwrap().calls, 0);
    }

    #[tokio::test]
    async fn the_budget_refuses_a_call_before_sending_it() {
        let big = |n, i, o| {
            good_tool_script()
                .into_iter()
                .take(n)
                .map(|r| with_usage(r, i, o))
                .collect::<Vec<_>>()
        };
        let server = ScriptedServer::start(big(5, 5_000, 1_000)).await;
        let bench = GitBench::new("budget");
        let budget = Budget::new(BudgetLimits {
            max_usd: None,
            max_tokens: Some(8_000),
        })
        .shared();
        let mut a = OpenAiAgent::new(
            config(&server),
            budget.clone(),
            Arc::new(MemoryCallStore::new()),
        )
        .unwrap();
        let err = a.propose(&request(&bench), &bench).await.unwrap_err();
        assert!(
            matches!(&err, AgentError::BudgetExhausted { detail } if detail.contains("6000 of 8000") && detail.contains("about 5000")),
            "{err}"
        );
        assert_eq!(
            server.request_count(),
            1,
            "the refused call must not reach the server"
        );
        let spent = {
            let b = budget.lock().unwrap();
            (b.spent_tokens, b.calls)
        };
        assert_eq!(spent, (6_000, 1));

        // A dollar cap works the same way, priced from the reported usage.
        let server = ScriptedServer::start(big(5, 10_000, 0)).await;
        let mut c = config(&server);
        c.price_in_per_mtok = 10.0; // $0.1 per call of 10,000 tokens in
        c.price_out_per_mtok = 0.0;
        let budget = Budget::new(BudgetLimits {
            max_usd: Some(0.25),
            max_tokens: None,
        })
        .shared();
        let mut a = OpenAiAgent::new(c, budget.clone(), Arc::new(MemoryCallStore::new())).unwrap();
        bench.reset();
        let err = a.propose(&request(&bench), &bench).await.unwrap_err();
        assert!(matches!(err, AgentError::BudgetExhausted { .. }), "{err}");
        assert_eq!(server.request_count(), 2);
        assert!((budget.lock().unwrap().spent_usd - 0.2).abs() < 1e-9);
    }
}

mod command {
    use std::time::Duration;

    use agents::{
        Agent, AgentError, Change, CommandAgent, CommandConfig, ProposalRequest, Workbench,
    };

    use crate::support::GitBench;

    fn request(bench: &GitBench) -> ProposalRequest {
        ProposalRequest {
            run_id: 7,
            round: 3,
            system_prompt: "SYSTEM PROMPT".into(),
            round_prompt: "ROUND PROMPT".into(),
            worktree: bench.root.clone(),
            context: serde_json::Value::Null,
        }
    }

    #[tokio::test]
    async fn a_command_previews_its_change_through_the_preview_command() {
        let bench = GitBench::new("command-preview");
        let cmd = r#"sed -i 's/K: usize = 5/K: usize = 8/' heuristics/src/params.rs
"$MOBEVOLVE_PREVIEW" > preview.txt
test -d "$(dirname "$MOBEVOLVE_PROPOSAL_FILE")"
grep -q 'PREVIEW of a change of 1 lines' preview.txt"#;
        let mut a = CommandAgent::new(CommandConfig::new(cmd));
        let p = a.propose(&request(&bench), &bench).await.unwrap();
        assert_eq!(p.change, Change::EditedWorktree);
        assert_eq!(bench.previews.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_missing_program_is_unavailable_not_a_rejection() {
        let bench = GitBench::new("command-missing");
        let mut a = CommandAgent::new(CommandConfig::new("no-such-program-xyz --go"));
        match a.preflight().await {
            Err(AgentError::Unavailable(m)) => assert!(m.contains("no-such-program-xyz"), "{m}"),
            other => panic!("{other:?}"),
        }
        match a.propose(&request(&bench), &bench).await {
            Err(AgentError::Unavailable(m)) => assert!(m.contains("could not run"), "{m}"),
            other => panic!("{other:?}"),
        }
        let mut ok = CommandAgent::new(CommandConfig::new("true"));
        assert!(ok.preflight().await.is_ok());
    }

    #[tokio::test]
    async fn a_command_edits_the_worktree_and_leaves_a_proposal() {
        let bench = GitBench::new("command");
        // The orchestrator's own variables (here the benchmarks folder, which holds the
        // test split) are not passed on; the proposal file's folder exists.
        std::env::set_var("MOBEVOLVE_BENCH", "/somewhere/bench");
        let cmd = r#"sed -i 's/K: usize = 5/K: usize = 6/' heuristics/src/params.rs
printf '{"target":"t1","hypothesis":"h1","rationale":"r1"}' > "$MOBEVOLVE_PROPOSAL_FILE"
echo "run=$MOBEVOLVE_RUN round=$MOBEVOLVE_ROUND wt=$MOBEVOLVE_WORKTREE pwd=$(pwd)"
echo "bench=${MOBEVOLVE_BENCH:-unset}"
cat "$MOBEVOLVE_PROMPT_FILE" "$MOBEVOLVE_SYSTEM_FILE""#;
        let mut a = CommandAgent::new(CommandConfig::new(cmd));
        assert!(matches!(a.return_mode(), prompts::ReturnMode::Command));
        let p = a.propose(&request(&bench), &bench).await.unwrap();
        assert_eq!(
            (
                p.target.as_str(),
                p.hypothesis.as_str(),
                p.rationale.as_str()
            ),
            ("t1", "h1", "r1")
        );
        assert_eq!(p.change, Change::EditedWorktree);
        assert!(bench.params().contains("K: usize = 6"));
        assert!(!bench.root.join(".mobevolve/proposal.json").exists());
        let out = p.transcript["stdout"].as_str().unwrap();
        let wt = bench.root.display().to_string();
        assert!(
            out.contains(&format!("run=7 round=3 wt={wt} pwd={wt}")),
            "{out}"
        );
        assert!(out.contains("ROUND PROMPTSYSTEM PROMPT"), "{out}");
        assert!(out.contains("bench=unset"), "{out}");

        // Without a proposal file the fields are "unspecified"; output is capped.
        bench.reset();
        let mut c = CommandConfig::new(
            "sed -i 's/= 8;/= 7;/' heuristics/src/params.rs; yes | head -c 100000",
        );
        c.output_cap = 1000;
        let p = CommandAgent::new(c)
            .propose(&request(&bench), &bench)
            .await
            .unwrap();
        assert_eq!(p.target, "unspecified");
        let out = p.transcript["stdout"].as_str().unwrap();
        assert!(
            out.len() < 1100 && out.contains("99000 more bytes"),
            "{}",
            out.len()
        );
    }

    #[tokio::test]
    async fn failures_no_change_and_a_hanging_command() {
        let bench = GitBench::new("command-fail");
        let err = CommandAgent::new(CommandConfig::new("echo oops >&2; exit 3"))
            .propose(&request(&bench), &bench)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AgentError::Command(m) if m.contains("oops")),
            "{err}"
        );
        let err = CommandAgent::new(CommandConfig::new("true"))
            .propose(&request(&bench), &bench)
            .await
            .unwrap_err();
        assert!(matches!(err, AgentError::NoChange(_)), "{err}");

        // Hangs with a grandchild holding the output pipe: the whole group is killed at the timeout.
        let mut c = CommandConfig::new(
            "(sleep 120; echo late > late.txt) & echo $! > child.pid; sleep 120",
        );
        c.timeout = Duration::from_millis(500);
        let err = CommandAgent::new(c)
            .propose(&request(&bench), &bench)
            .await
            .unwrap_err();
        assert_eq!(err, AgentError::Timeout(Duration::from_millis(500)));
        let pid = std::fs::read_to_string(bench.root.join("child.pid")).unwrap();
        let stat = format!("/proc/{}/stat", pid.trim());
        let mut gone = false;
        for _ in 0..40 {
            match std::fs::read_to_string(&stat) {
                Err(_) => gone = true,
                Ok(s) => gone = s.split(") ").nth(1).is_some_and(|r| r.starts_with('Z')),
            }
            if gone {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(gone, "the grandchild {pid} survived the timeout");
    }
}

mod inbox {
    use std::path::PathBuf;
    use std::time::Duration;

    use agents::{Agent, AgentError, Change, InboxAgent, InboxConfig, ProposalRequest};

    use crate::support::GitBench;

    fn setup(name: &str) -> (GitBench, PathBuf, InboxAgent) {
        let bench = GitBench::new(name);
        let inbox = bench.root.join(".git/inbox");
        let mut c = InboxConfig::new(&inbox);
        c.poll_interval = Duration::from_millis(20);
        c.timeout = Some(Duration::from_secs(20));
        (bench, inbox, InboxAgent::new(c))
    }

    fn request(bench: &GitBench) -> ProposalRequest {
        ProposalRequest {
            run_id: 7,
            round: 2,
            system_prompt: "SYSTEM".into(),
            round_prompt: "ROUND".into(),
            worktree: bench.root.clone(),
            context: serde_json::Value::Null,
        }
    }

    /// Plays the human: waits for the request, then runs `answer` on the round folder.
    fn human(
        dir: PathBuf,
        run: i64,
        answer: impl FnOnce(&std::path::Path, PathBuf) + Send + 'static,
    ) -> std::thread::JoinHandle<()> {
        std::thread::spawn(move || {
            for _ in 0..1000 {
                let current = std::fs::read_to_string(dir.join("request.json"))
                    .ok()
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                    .is_some_and(|v| v["run"].as_i64() == Some(run));
                if current {
                    let worktree = std::fs::read_to_string(dir.join("worktree.txt")).unwrap();
                    assert_eq!(
                        std::fs::read_to_string(dir.join("prompt.md")).unwrap(),
                        "ROUND"
                    );
                    assert_eq!(
                        std::fs::read_to_string(dir.join("system.md")).unwrap(),
                        "SYSTEM"
                    );
                    answer(&dir, PathBuf::from(worktree.trim()));
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            panic!("the inbox request never appeared");
        })
    }

    #[tokio::test]
    async fn a_person_edits_the_worktree_and_writes_done() {
        let (bench, inbox, mut agent) = setup("inbox");
        let h = human(inbox.join("round-2"), 7, |dir, wt| {
            let req: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join("request.json")).unwrap())
                    .unwrap();
            assert_eq!(
                (req["run"].as_i64(), req["round"].as_u64()),
                (Some(7), Some(2))
            );
            assert!(req["instructions"].as_str().unwrap().contains("proposal"));
            let p = wt.join("heuristics/src/params.rs");
            let t = std::fs::read_to_string(&p).unwrap().replace("= 5;", "= 4;");
            std::fs::write(p, t).unwrap();
            std::fs::write(
                dir.join("done"),
                r#"{"target":"tt","hypothesis":"hh","rationale":"rr"}"#,
            )
            .unwrap();
        });
        let p = agent.propose(&request(&bench), &bench).await.unwrap();
        h.join().unwrap();
        assert_eq!(
            (p.agent.as_str(), p.target.as_str(), p.hypothesis.as_str()),
            ("inbox", "tt", "hh")
        );
        assert_eq!(p.change, Change::EditedWorktree);
        assert!(bench.params().contains("K: usize = 4;"));
    }

    #[tokio::test]
    async fn a_person_asks_for_a_preview_before_answering() {
        let (bench, inbox, mut agent) = setup("inbox-preview");
        let h = human(inbox.join("round-2"), 7, |dir, wt| {
            let p = wt.join("heuristics/src/params.rs");
            let t = std::fs::read_to_string(&p).unwrap().replace("= 5;", "= 3;");
            std::fs::write(p, t).unwrap();
            std::fs::write(dir.join("preview"), "").unwrap();
            let result = dir.join("preview-result.md");
            for _ in 0..1000 {
                if result.is_file() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let text = std::fs::read_to_string(&result).expect("the preview was answered");
            assert_eq!(text, "PREVIEW of a change of 1 lines");
            assert!(!dir.join("preview").exists(), "the request stayed");
            std::fs::write(dir.join("done"), "{}").unwrap();
        });
        let p = agent.propose(&request(&bench), &bench).await.unwrap();
        h.join().unwrap();
        assert_eq!(p.change, Change::EditedWorktree);
        assert_eq!(bench.previews.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn change_diff_reject_and_timeout() {
        let (bench, inbox, mut agent) = setup("inbox-diff");
        let h = human(inbox.join("round-2"), 7, |dir, _| {
            std::fs::write(
                dir.join("change.diff"),
                "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
            )
            .unwrap();
            std::fs::write(dir.join("done"), "").unwrap();
        });
        let p = agent.propose(&request(&bench), &bench).await.unwrap();
        h.join().unwrap();
        assert_eq!(
            p.change,
            Change::Diff("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n".into())
        );
        assert_eq!(p.target, "unspecified");

        // The same run asks again: the answer already there is used at once.
        let again = agent.propose(&request(&bench), &bench).await.unwrap();
        assert_eq!(again.change, p.change);

        // Another run: the stale answer is cleared; the person rejects.
        let mut other = request(&bench);
        other.run_id = 8;
        let h = human(inbox.join("round-2"), 8, |dir, _| {
            std::fs::write(dir.join("reject"), "not today").unwrap();
        });
        let err = agent.propose(&other, &bench).await.unwrap_err();
        h.join().unwrap();
        assert!(
            matches!(&err, AgentError::Declined(m) if m.contains("not today")),
            "{err}"
        );

        let mut c = InboxConfig::new(&inbox);
        c.poll_interval = Duration::from_millis(10);
        c.timeout = Some(Duration::from_millis(100));
        let mut quick = InboxAgent::new(c);
        let mut third = request(&bench);
        third.run_id = 9;
        let err = quick.propose(&third, &bench).await.unwrap_err();
        assert_eq!(err, AgentError::Timeout(Duration::from_millis(100)));
    }
}

#[path = "agents/hostile_replies.rs"]
mod hostile_replies;

mod command_paths {
    #[test]
    fn the_files_and_folders_a_command_names_are_found() {
        let dir = std::env::temp_dir().join(format!("agents-paths-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("conf")).unwrap();
        std::fs::write(dir.join("run.sh"), "#!/bin/sh\n").unwrap();
        let command = format!(
            "{0}/run.sh --config={0}/conf 'x' \"{0}/missing.toml\" relative/path /",
            dir.display()
        );
        let found = agents::command_agent::paths_named(&command);
        assert_eq!(found, vec![dir.join("conf"), dir.join("run.sh")]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
