//! A small real run written into a temporary SQLite file with the memory API (an accepted
//! round, a build failure, a rejected evaluated round, LLM calls, a final evaluation on the
//! test split), loaded with `ReportInput::load` and rendered in both formats and per round.

use memory::{
    AttributionRecord, Budgets, Candidate, ChangeSummary, Comparison, ConstantChange, FileChange,
    LlmCall, Memory, Metrics, Phase, PhaseOutput, PhaseRecord, Proposal, RoundOutcome, RunConfig,
    RunLock, StepOutcome, Trial, ValidityCheck, VerificationRecord,
};
use report::{
    render_html, render_markdown, render_round, render_round_markdown, round_json, write_report,
    AgentSource, ComparisonRow, ReportInput, RoundNeighbours,
};
use serde_json::json;

use crate::support::{check_markdown_tables, metrics, TempDir};

fn config() -> RunConfig {
    RunConfig {
        benchmark: "santiago-2012".into(),
        benchmark_hash: "sha256:0123".into(),
        evaluator_version: "evaluator 0.1.0".into(),
        agent: "claude-code".into(),
        model: "claude-test".into(),
        seeds: vec![1, 2, 3],
        acceptance_rule: "score < parent - 1e-4".into(),
        rule: json!({"min_effect": 1e-4}),
        budgets: Budgets {
            max_rounds: Some(3),
            ..Budgets::default()
        },
        initial_commit: "c0".into(),
    }
}

struct Round {
    round: u32,
    parent: &'static str,
    before: Metrics,
    after: Option<Metrics>,
    build_ok: bool,
    accepted: bool,
    hypothesis: &'static str,
    agent_artifact: Option<&'static str>,
}

async fn write_round(memory: &Memory, lock: &RunLock, r: &Round) {
    memory.begin_round(lock, r.round, r.parent).await.unwrap();
    let diff = format!(
        "--- a/h.rs\n+++ b/h.rs\n@@ -1,2 +1,3 @@\n-let p = 0.{0};\n+let p = 0.{0}5;\n+let q = 1;\n",
        r.round
    );
    for phase in Phase::ALL {
        let record = match phase {
            Phase::Attribution => PhaseRecord::Attribution(AttributionRecord {
                text: format!(
                    "Round {}: Travel under-predicted 17h-19h\nline two",
                    r.round
                ),
                metrics: r.before.clone(),
                findings: json!({"slots": [17, 18]}),
            }),
            Phase::Proposal => PhaseRecord::Proposal(Proposal {
                prompt: "PROMPT".into(),
                failure_mode: format!("evening travel, round {}", r.round),
                target_diagnostic: Some("hourly_jsd_mean".into()),
                hypothesis: r.hypothesis.into(),
                intervention: format!("raise evening travel in round {}", r.round),
                rationale: "commutes end later".into(),
            }),
            Phase::Apply => PhaseRecord::Candidate(Candidate {
                commit: format!("c{}", r.round),
                diff: diff.clone(),
                summary: ChangeSummary {
                    files: vec![FileChange {
                        path: "heuristics/src/params.rs".into(),
                        added: 2,
                        removed: 1,
                        created: None,
                    }],
                    constants: vec![ConstantChange {
                        file: "heuristics/src/params.rs".into(),
                        name: "P".into(),
                        public: true,
                        old: Some(format!("0.{}", r.round)),
                        new: Some(format!("0.{}5", r.round)),
                    }],
                    code_lines: (100, 101),
                    constant_items: (10, 10),
                    notes: vec![],
                },
            }),
            Phase::Decision => PhaseRecord::Verification(Box::new(VerificationRecord {
                build: StepOutcome {
                    ok: r.build_ok,
                    log: if r.build_ok {
                        "Finished".into()
                    } else {
                        "error[E0425]: cannot find value `q`".into()
                    },
                },
                tests: StepOutcome {
                    ok: r.build_ok,
                    log: String::new(),
                },
                validity: vec![ValidityCheck {
                    name: "24 slots".into(),
                    passed: true,
                    detail: String::new(),
                }],
                metrics: r.after.clone(),
                parent_metrics: r.before.clone(),
                comparison: r.after.as_ref().map(|a| Comparison::between(&r.before, a)),
                accepted: r.accepted,
                outcome: if r.accepted {
                    RoundOutcome::Accepted
                } else if !r.build_ok {
                    RoundOutcome::CompileError
                } else {
                    RoundOutcome::NotBetter
                },
                reason: if r.accepted {
                    "score improved".into()
                } else {
                    "not better".into()
                },
                evidence: None,
            })),
            Phase::Report => PhaseRecord::Trial(Trial {
                failure_mode: format!("evening travel, round {}", r.round),
                target_diagnostic: Some("hourly_jsd_mean".into()),
                hypothesis: r.hypothesis.into(),
                intervention: format!("raise evening travel in round {}", r.round),
                diff: diff.clone(),
                rationale: "commutes end later".into(),
                before: r.before.clone(),
                after: r.after.clone(),
                accepted: r.accepted,
                lesson: format!("lesson of round {}", r.round),
            }),
            _ => PhaseRecord::None,
        };
        let artifacts = match (phase, r.agent_artifact) {
            (Phase::Proposal, Some(agent)) => json!({"agent": agent}),
            _ => json!({"phase": phase.name()}),
        };
        memory.begin_phase(lock, r.round, phase).await.unwrap();
        memory
            .record_phase(lock, r.round, phase, &PhaseOutput { artifacts, record })
            .await
            .unwrap();
    }
}

fn call(round: u32, step: &str, cost: f64) -> LlmCall {
    LlmCall {
        round: Some(round),
        step: step.into(),
        model: "claude-test".into(),
        request: json!({"round": round, "step": step}),
        response: "ok".into(),
        tokens_in: 1000,
        tokens_out: 200,
        cost_usd: cost,
        latency_ms: 900,
    }
}

#[tokio::test]
async fn a_stored_run_loads_and_renders() {
    let dir = TempDir::new("stored");
    let memory = Memory::open(dir.path().join("runs.sqlite")).await.unwrap();
    let lock = memory.create_run(&config(), "00").await.unwrap();
    let run = lock.run();
    let m = |s: f64| metrics(s, &[("hourly_jsd_mean", s / 10.0)]);
    let rounds = [
        Round {
            round: 1,
            parent: "c0",
            before: m(1.0),
            after: Some(m(0.9)),
            build_ok: true,
            accepted: true,
            hypothesis: "Commutes <b>end</b> later than the anchors allow",
            agent_artifact: Some("codex-cli"),
        },
        Round {
            round: 2,
            parent: "c1",
            before: m(0.9),
            after: None,
            build_ok: false,
            accepted: false,
            hypothesis: "School ends at 15h",
            agent_artifact: None,
        },
        Round {
            round: 3,
            parent: "c1",
            before: m(0.9),
            after: Some(m(0.97)),
            build_ok: true,
            accepted: false,
            hypothesis: "Weekend Others are too short",
            agent_artifact: None,
        },
    ];
    for r in &rounds {
        write_round(&memory, &lock, r).await;
    }
    for (round, step, cost) in [
        (1, "proposal", 0.5),
        (1, "lesson", 0.25),
        (3, "proposal", 0.5),
    ] {
        memory
            .llm_call_record(&lock, &call(round, step, cost))
            .await
            .unwrap();
    }
    memory.release_run(lock).await.unwrap();
    memory
        .record_final_evaluation(run, "test", "c1", &m(0.93), &json!({"people": 64}))
        .await
        .unwrap();

    let comparison = vec![
        ComparisonRow::from_metrics("Markov baseline", "validation", &m(1.3)),
        ComparisonRow::from_metrics("initial generator", "validation", &m(1.0)),
        ComparisonRow::from_metrics("evolved generator", "validation", &m(0.9)),
    ];
    let input = ReportInput::load(&memory, run, comparison).await.unwrap();
    assert_eq!(input.run.current_commit, "c1");
    assert_eq!(input.trajectory.len(), 3);
    assert_eq!(input.accepted.len(), 1);
    let change = &input.accepted[0];
    assert_eq!(change.round, 1);
    assert_eq!(
        (change.agent.as_str(), change.agent_source),
        ("codex-cli", AgentSource::ProposalArtifacts)
    );
    assert_eq!(
        change.hypothesis,
        "Commutes <b>end</b> later than the anchors allow"
    );
    assert_eq!((change.score_before, change.score_after), (1.0, Some(0.9)));
    assert!((change.group_deltas["individual"] + 0.05).abs() < 1e-12);
    assert_eq!((change.lines_added, change.lines_removed), (2, 1));
    assert_eq!(change.target_before, Some(0.1));
    let kinds: Vec<(RoundOutcome, Vec<u32>)> = input
        .rejected
        .iter()
        .map(|r| (r.outcome, r.rounds.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (RoundOutcome::CompileError, vec![2]),
            (RoundOutcome::NotBetter, vec![3])
        ]
    );
    // The round table: one row per round, its change, decision and reason.
    assert_eq!(input.rounds.len(), 3);
    assert_eq!(
        input.rounds[0].change,
        "heuristics/src/params.rs; +2 −1 lines; P 0.1 → 0.15"
    );
    assert_eq!(input.rounds[1].outcome, Some(RoundOutcome::CompileError));
    assert_eq!(input.rounds[2].reason.as_deref(), Some("not better"));
    assert_eq!(input.rounds[0].state, "finished");
    assert!((input.rounds[0].cost_usd - 0.75).abs() < 1e-12);
    assert_eq!(input.final_evaluations.len(), 1);
    // Every phase ran once per round; LLM calls land on their phase or their own step row.
    for cost in input.phase_costs.iter().take(Phase::ALL.len()) {
        assert_eq!((cost.count, cost.failed), (3, 0), "{}", cost.phase);
        assert!(cost.total_secs >= 0.0 && cost.mean_secs >= 0.0);
    }
    let proposal = input
        .phase_costs
        .iter()
        .find(|c| c.phase == "proposal")
        .unwrap();
    assert_eq!((proposal.llm_calls, proposal.tokens_in), (2, 2000));
    assert!((proposal.cost_usd - 1.0).abs() < 1e-12);
    let lesson = input
        .phase_costs
        .iter()
        .find(|c| c.phase == "lesson (LLM step)")
        .unwrap();
    assert_eq!((lesson.llm_calls, lesson.count), (1, 0));
    assert_eq!(input.totals.llm_calls, 3);

    let json = input.to_json();
    assert_eq!(json["run"]["current_commit"], "c1");
    assert_eq!(json["trajectory"].as_array().unwrap().len(), 3);
    assert_eq!(json["trajectory"][1]["accepted"], false);
    assert_eq!(json["accepted"][0]["agent"], "codex-cli");
    assert_eq!(json["rejected"][0]["outcome"], "compile_error");
    assert_eq!(json["rounds"][1]["outcome"], "compile_error");
    assert_eq!(json["final_evaluations"][0]["split"], "test");
    assert_eq!(json["totals"]["llm_calls"], 3);

    let md = render_markdown(&input);
    check_markdown_tables(&md);
    assert!(
        md.contains("Commutes &lt;b&gt;end&lt;/b&gt; later than the anchors allow"),
        "{md}"
    );
    assert!(
        md.contains("| [1](rounds/round-0001.md) | codex-cli |"),
        "{md}"
    );
    assert!(
        md.contains("proposed by the coding agent **codex-cli**"),
        "{md}"
    );
    assert!(
        md.contains("**compile error**: 1 (round [2](rounds/round-0002.md))"),
        "{md}"
    );
    assert!(md.contains("The test split was read 1 time"));
    // One row per generator; the evolved generator's val and test side by side.
    let evolved: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| evolved generator |"))
        .collect();
    assert_eq!(evolved.len(), 1, "{md}");
    assert!(
        evolved[0].contains("| **0.9000** |") && evolved[0].contains("| **0.9300** |"),
        "{md}"
    );
    assert!(md.contains("| lesson (LLM step) | 0 | 0 |"), "{md}");
    assert!(md.contains("Status: **active**"), "{md}");
    assert!(
        md.contains("3 rounds (3 finished): 1 accepted, 2 rejected."),
        "{md}"
    );
    assert!(
        md.contains("initial **1.0000** → best accepted **0.9000** (-0.1000, -10.0%)"),
        "{md}"
    );
    let html = render_html(&input);
    assert!(html.contains("Commutes &lt;b&gt;end&lt;/b&gt; later"));
    assert!(!html.contains("<b>end</b>"));
    assert_eq!(html.matches("class=\"attempt ").count(), 3);
    let out = TempDir::new("stored-out");
    let (md_path, html_path) = write_report(&input, out.path()).unwrap();
    assert!(
        md_path.is_file() && html_path.is_file() && out.path().join("trajectory.svg").is_file()
    );
    // Every round has its pages, linked from the report and back to it.
    for round in 1..=3 {
        for ext in ["md", "html"] {
            let page = out.path().join(format!("rounds/round-{round:04}.{ext}"));
            assert!(page.is_file(), "{}", page.display());
        }
    }
    let html_report = std::fs::read_to_string(&html_path).unwrap();
    assert!(html_report.contains("<a href=\"rounds/round-0002.html\">2</a>"));
    let page = std::fs::read_to_string(out.path().join("rounds/round-0001.html")).unwrap();
    assert!(
        page.contains("<a href=\"../report.html\">Run 1</a>")
            && page.contains("<a href=\"round-0002.html\">round 2 →</a>")
    );
    assert!(
        page.contains("<span class=\"add\">+let p = 0.15;</span>"),
        "{page}"
    );
    assert!(page.contains("Commutes &lt;b&gt;end&lt;/b&gt; later") && !page.contains("<b>end</b>"));
    assert!(!page.to_lowercase().contains("<script"));
    let rows: Vec<ComparisonRow> =
        report::read_comparison(&out.path().join("comparison.json")).unwrap();
    assert_eq!(rows, input.comparison);

    // One round's report.
    let accepted = memory.round_record(run, 1).await.unwrap();
    let md = render_round_markdown(
        &accepted,
        &config(),
        RoundNeighbours {
            previous: None,
            next: Some(2),
        },
    );
    check_markdown_tables(&md);
    assert!(md.starts_with("# Run 1, round 1: accepted\n"), "{md}");
    assert!(
        md.contains("[Run 1](../report.md) [round 2 →](round-0002.md)"),
        "{md}"
    );
    assert!(md.contains("```diff\n--- a/h.rs"), "{md}");
    assert!(md.contains("**accepted** score improved"), "{md}");
    let text = render_round(&accepted, &config());
    assert!(text.starts_with("Run 1, round 1: ACCEPTED\n"), "{text}");
    assert!(
        text.contains("Agent: codex-cli, model claude-test\n"),
        "{text}"
    );
    assert!(text.contains("candidate: c1 (+2 −1 lines)"));
    assert!(text.contains("  Hypothesis: Commutes <b>end</b> later than the anchors allow"));
    assert!(text.contains("  Rationale: commutes end later"));
    assert!(
        text.contains("Travel under-predicted 17h-19h\n  line two"),
        "{text}"
    );
    assert!(
        text.contains("  Score                            1.0000     0.9000    -0.1000"),
        "{text}"
    );
    assert!(text.contains("hourly_jsd_mean (target)"));
    let at = |name: &str| text.find(&format!("\n  {name} ")).unwrap();
    assert!(
        at("individual") < at("distribution") && at("distribution") < at("behavior"),
        "{text}"
    );
    assert!(
        text.contains("  Decision: ACCEPTED (accepted) — score improved"),
        "{text}"
    );
    assert!(
        text.contains("Change: heuristics/src/params.rs; +2 −1 lines; P 0.1 → 0.15"),
        "{text}"
    );
    assert!(text.contains("  Lesson: lesson of round 1"));
    assert!(
        text.contains("LLM calls: 2, 2000 tokens in, 400 tokens out, $0.7500"),
        "{text}"
    );
    for phase in Phase::ALL {
        assert!(
            text.contains(&format!("  {:<15} done", phase.name())),
            "{phase}"
        );
    }
    let failed = memory.round_record(run, 2).await.unwrap();
    let text = render_round(&failed, &config());
    assert!(
        text.starts_with("Run 1, round 2: REJECTED (compile error)\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "Agent: claude-code, model claude-test (the run's configured agent: \
             memory records the agent per run, not per round)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  Build: FAILED\n    | error[E0425]: cannot find value `q`\n"),
        "{text}"
    );
    assert!(
        text.contains("  Score                            0.9000          –          –"),
        "{text}"
    );

    let value = round_json(&accepted, &config());
    assert_eq!(value["round"], 1);
    assert_eq!(value["agent"], "codex-cli");
    assert_eq!(value["agent_source"], "proposal_artifacts");
    assert_eq!(value["candidate"]["lines_added"], 2);
    assert_eq!(
        value["proposal"]["hypothesis"],
        "Commutes <b>end</b> later than the anchors allow"
    );
    assert_eq!(value["verification"]["accepted"], true);
    assert_eq!(value["outcome"], "accepted");
    assert_eq!(
        value["candidate"]["headline"],
        "heuristics/src/params.rs; +2 −1 lines; P 0.1 → 0.15"
    );
    assert_eq!(value["phases"].as_array().unwrap().len(), Phase::ALL.len());
    assert_eq!(value["llm_calls"].as_array().unwrap().len(), 2);
    assert_eq!(round_json(&failed, &config())["agent_source"], "run_config");
}
