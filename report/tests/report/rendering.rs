//! Rendering a constructed report: accepted changes with their hypotheses and agents, the
//! comparison rows, the chart (one point per attempt, the running best as a step line),
//! escaping of LLM text, and well-formed Markdown tables.

use std::collections::BTreeMap;
use std::time::Duration;

use memory::{Budgets, FinalEvaluation, RunConfig, Totals, TrajectoryPoint};
use report::{
    render_html, render_markdown, trajectory_svg, write_report, AcceptedChange, AgentSource,
    ComparisonRow, PhaseCost, RejectionCount, RejectionKind, ReportInput, RunInfo,
};
use serde_json::json;

use crate::support::{attribute_values, check_markdown_tables, metrics, polyline_points, TempDir};

const EVIL: &str = "Anchors <script>alert('x')</script> collapse | when \"night\" & day";

fn point(round: u32, candidate: Option<f64>, accepted: Option<bool>, best: f64) -> TrajectoryPoint {
    TrajectoryPoint {
        round,
        parent_score: Some(1.0),
        candidate_score: candidate,
        accepted,
        current: Some(best),
        running_best: Some(best),
    }
}

fn change(
    round: u32,
    agent: &str,
    source: AgentSource,
    hypothesis: &str,
    before: f64,
    after: f64,
) -> AcceptedChange {
    AcceptedChange {
        round,
        agent: agent.into(),
        agent_source: source,
        failure_mode: format!("failure of round {round}"),
        target: Some("hourly_jsd_mean".into()),
        hypothesis: hypothesis.into(),
        intervention: format!("change {round}"),
        commit: Some(format!("c{round}")),
        score_before: before,
        score_after: Some(after),
        group_deltas: BTreeMap::from([
            ("individual".to_string(), (after - before) * 0.5),
            ("distribution".to_string(), (after - before) * 0.3),
            ("behavior".to_string(), (after - before) * 0.2),
        ]),
        target_before: Some(0.2),
        target_after: Some(0.1),
        lines_added: 7,
        lines_removed: 2,
    }
}

fn input() -> ReportInput {
    let config = RunConfig {
        benchmark: "atus-2014".into(),
        benchmark_hash: "sha256:feed".into(),
        evaluator_version: "evaluator 0.1.0".into(),
        agent: "claude-code".into(),
        model: "claude-test".into(),
        seeds: vec![7, 11],
        acceptance_rule: "score < parent - 1e-4".into(),
        budgets: Budgets::default(),
        initial_commit: "c0".into(),
    };
    ReportInput {
        run: RunInfo {
            id: 3,
            benchmark: config.benchmark.clone(),
            agent: config.agent.clone(),
            model: config.model.clone(),
            status: "finished".into(),
            created_at: 1_780_272_000_000,
            updated_at: 1_780_275_600_000,
            initial_commit: "c0".into(),
            current_commit: "c4".into(),
            config,
        },
        trajectory: vec![
            point(1, Some(0.9), Some(true), 0.9),
            point(2, Some(0.95), Some(false), 0.9),
            point(3, None, Some(false), 0.9),
            point(4, Some(0.8), Some(true), 0.8),
        ],
        accepted: vec![
            change(
                1,
                "claude-code",
                AgentSource::RunConfig,
                "Travel is under-predicted after 17h",
                1.0,
                0.9,
            ),
            change(4, "codex", AgentSource::ProposalArtifacts, EVIL, 0.9, 0.8),
        ],
        rejected: vec![
            RejectionCount {
                kind: RejectionKind::BuildFailed,
                count: 1,
                rounds: vec![3],
            },
            RejectionCount {
                kind: RejectionKind::NotBetter,
                count: 1,
                rounds: vec![2],
            },
        ],
        comparison: vec![
            ComparisonRow::from_metrics("Markov baseline", "validation", &metrics(1.4, &[])),
            ComparisonRow::from_metrics("initial generator", "validation", &metrics(1.0, &[])),
            ComparisonRow::from_metrics("evolved generator", "validation", &metrics(0.8, &[])),
        ],
        final_evaluations: vec![FinalEvaluation {
            id: 1,
            run: 3,
            split: "test".into(),
            commit: "c4".into(),
            metrics: metrics(0.8125, &[]),
            evaluation: json!({"people": 100}),
            created_at: 1_780_279_200_000,
        }],
        phase_costs: vec![PhaseCost {
            phase: "proposal".into(),
            count: 4,
            total_secs: 100.0,
            mean_secs: 25.0,
            failed: 0,
            llm_calls: 4,
            tokens_in: 4000,
            tokens_out: 800,
            cost_usd: 1.25,
        }],
        totals: Totals {
            rounds: 4,
            finished_rounds: 4,
            accepted: 2,
            rejected: 2,
            llm_calls: 4,
            tokens_in: 4000,
            tokens_out: 800,
            cost_usd: 1.25,
            phase_time: Duration::from_secs(600),
            elapsed: Duration::from_secs(3600),
        },
        settings_changes: vec![memory::RecordedChange {
            changed_at: 1_780_279_200_000,
            from_round: 3,
            change: memory::SettingChange {
                setting: "budget_usd".into(),
                old_value: "5".into(),
                new_value: "12.5".into(),
            },
            command: "orchestrator resume 3 --budget-usd 12.5".into(),
        }],
    }
}

#[test]
fn settings_changes_are_in_the_run_table_and_the_json() {
    let input = input();
    let md = render_markdown(&input);
    let row = md
        .lines()
        .find(|l| l.starts_with("| Settings change |"))
        .unwrap_or_else(|| panic!("no settings change row in\n{md}"));
    assert!(
        row.contains("budget_usd 5 → 12.5 from round 3 (2026-06-01T02:00:00Z, by")
            && row.contains("`orchestrator resume 3 --budget-usd 12.5`"),
        "{row}"
    );
    let json = input.to_json();
    assert_eq!(json["settings_changes"][0]["new"], "12.5");
    assert_eq!(json["settings_changes"][0]["from_round"], 3);
}

#[test]
fn markdown_lists_every_accepted_change_comparison_and_test_read() {
    let input = input();
    let md = render_markdown(&input);
    let headers = check_markdown_tables(&md);
    assert!(
        headers
            .iter()
            .any(|h| h.first().map(String::as_str) == Some("Round")
                && h.contains(&"Hypothesis".to_string())
                && h.contains(&"Agent".to_string())),
        "no accepted-changes table in {headers:?}"
    );
    assert!(md.starts_with("# mobevolve run 3: atus-2014\n"));
    assert!(md.contains("![Run 3: validation Score"), "{md}");
    assert!(md.contains("(trajectory.svg)"));

    // Every accepted round is a row with its agent and hypothesis.
    let row = |round: u32| {
        md.lines()
            .find(|l| l.starts_with(&format!("| {round} | ")) && l.contains("→"))
            .unwrap_or_else(|| panic!("no accepted row for round {round} in\n{md}"))
    };
    let r1 = row(1);
    assert!(r1.contains("Travel is under-predicted after 17h"), "{r1}");
    assert!(r1.contains("claude-code (run config)"), "{r1}");
    assert!(r1.contains("1.0000 → 0.9000") && r1.contains("-0.1000") && r1.contains("+7 −2"));
    let r4 = row(4);
    assert!(r4.contains("| codex |"), "{r4}");
    assert!(
        r4.contains(
            r#"Anchors &lt;script&gt;alert('x')&lt;/script&gt; collapse \| when "night" &amp; day"#
        ),
        "{r4}"
    );
    assert!(!md.contains("<script>"));
    // Rejected rounds are not in the accepted table.
    assert!(row_absent(&md, 2) && row_absent(&md, 3));
    assert!(md.contains("**build failed**: 1 (round 3)"), "{md}");
    assert!(md.contains("**evaluated, not better than the parent**: 1 (round 2)"));

    // The agent is stated plainly.
    assert!(
        md.contains("proposed by the coding agents **claude-code**, **codex**"),
        "{md}"
    );
    assert!(md.contains("records the agent once per run"));

    // Comparison rows, the best validation Score in bold, the final evaluation appended.
    for name in ["Markov baseline", "initial generator", "evolved generator"] {
        assert!(
            md.lines()
                .any(|l| l.starts_with(&format!("| {name} | validation |"))),
            "{name}"
        );
    }
    assert!(
        md.contains("| evolved generator | validation | 0.4000 | 0.2400 | 0.1600 | **0.8000** |"),
        "{md}"
    );
    assert!(md.contains("| evolved generator c4 (final evaluation #1) | test | 0.4062 | 0.2437 | 0.1625 | **0.8125** |"), "{md}");
    assert!(md.contains("The test split was read 1 time"));
    assert!(md.contains("`orchestrator evaluate --run 3 --split test`"));
    assert!(
        md.contains("| proposal | 4 | 0 | 1 min 40 s | 25.0 s | 4 | 4000 | 800 | $1.2500 |"),
        "{md}"
    );
}

fn row_absent(md: &str, round: u32) -> bool {
    !md.lines()
        .any(|l| l.starts_with(&format!("| {round} | ")) && l.contains(" → "))
}

#[test]
fn html_is_self_contained_and_escapes_run_text() {
    let input = input();
    let html = render_html(&input);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<style>") && html.contains("<svg"));
    // No script, no external asset: the only URL is the SVG namespace.
    assert!(!html.to_lowercase().contains("<script"), "unescaped script");
    assert!(!html.contains(" src=") && !html.contains("<link") && !html.contains("href="));
    assert_eq!(
        html.matches("http").count(),
        html.matches("http://www.w3.org/2000/svg").count() + html.matches("http-equiv").count()
    );
    assert!(html.contains(
        "Anchors &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; collapse | when &quot;night&quot; &amp; day"
    ));
    assert!(html.contains("<strong>codex</strong>"));
    assert!(html.contains("<td>evolved generator c4 (final evaluation #1)</td><td>test</td>"));
    // The chart inside the page counts the same attempts as the chart alone.
    assert_eq!(html.matches("class=\"attempt ").count(), 4);
}

#[test]
fn the_chart_has_one_point_per_attempt_and_a_running_best_step_line() {
    let input = input();
    let svg = trajectory_svg(&input.trajectory, 800, 400);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.ends_with("</svg>"));
    assert_eq!(svg.matches("<svg").count(), 1);
    assert_eq!(svg.matches("class=\"attempt ").count(), 4, "{svg}");
    assert_eq!(svg.matches("<circle class=\"attempt accepted\"").count(), 2);
    assert_eq!(svg.matches("<circle class=\"attempt rejected\"").count(), 1);
    assert_eq!(svg.matches("class=\"attempt not-evaluated\"").count(), 1);
    assert_eq!(svg.matches("class=\"initial\"").count(), 1);
    assert!(
        svg.contains(">Round</text>") && svg.contains(">Validation Score (lower is better)</text>")
    );
    assert!(svg.contains("<title>Round 2: Score 0.9500, rejected</title>"));

    // Attempts left to right by round; lower Scores lower on the chart (larger y).
    let cx: Vec<f64> = attribute_values(&svg, "<circle class=\"attempt", "cx")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    let cy: Vec<f64> = attribute_values(&svg, "<circle class=\"attempt", "cy")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(cx.len(), 3);
    assert!(cx[0] < cx[1] && cx[1] < cx[2]);
    // Rounds 1 (0.90), 2 (0.95), 4 (0.80).
    assert!(cy[1] < cy[0] && cy[0] < cy[2], "{cy:?}");
    // Inside the 800 x 400 canvas.
    assert!(cx.iter().chain(&cy).all(|v| *v > 0.0 && *v < 800.0));

    // The running best: one polyline, from round 0 to the last round, a staircase that only
    // goes right and down the Score axis (up in pixels is a higher Score).
    let lines = attribute_values(&svg, "<polyline class=\"running-best\"", "points");
    assert_eq!(lines.len(), 1);
    let pts = polyline_points(&lines[0]);
    // (0, 1.0) → (1, 1.0) → (1, 0.9) → (4, 0.9) → (4, 0.8)
    assert_eq!(pts.len(), 5, "{pts:?}");
    assert!(
        pts.windows(2).all(|w| w[1].0 >= w[0].0 && w[1].1 >= w[0].1),
        "{pts:?}"
    );
    assert!(
        pts.windows(2).all(|w| w[1].0 == w[0].0 || w[1].1 == w[0].1),
        "not a staircase: {pts:?}"
    );
    // It passes through the accepted points.
    assert!(pts
        .iter()
        .any(|p| (p.0 - cx[0]).abs() < 0.11 && (p.1 - cy[0]).abs() < 0.11));
    assert!(pts
        .iter()
        .any(|p| (p.0 - cx[2]).abs() < 0.11 && (p.1 - cy[2]).abs() < 0.11));

    // Ticks on both axes: rounds 0..=4, and several Score labels.
    for r in 0..=4 {
        assert!(
            svg.contains(&format!(
                "text-anchor=\"middle\" fill=\"#57606a\">{r}</text>"
            )),
            "x tick {r}"
        );
    }
    assert!(svg.matches("<text class=\"tick-label\"").count() >= 5 + 3);
}

#[test]
fn an_empty_run_renders_without_points() {
    let mut input = input();
    input.trajectory.clear();
    input.accepted.clear();
    input.rejected.clear();
    input.final_evaluations.clear();
    input.comparison.clear();
    let svg = trajectory_svg(&input.trajectory, 640, 320);
    assert_eq!(svg.matches("class=\"attempt ").count(), 0);
    assert!(!svg.contains("running-best"));
    assert!(svg.contains("No evaluated round yet"));
    let md = render_markdown(&input);
    check_markdown_tables(&md);
    assert!(md.contains("No change was accepted."));
    assert!(md.contains("No candidate was rejected."));
    assert!(md.contains("The test split has not been read in this run."));
    assert!(
        md.contains("Every change in this run was proposed by the coding agent **claude-code**")
    );
}

#[test]
fn write_report_writes_markdown_html_and_chart() {
    let dir = TempDir::new("write");
    let out = dir.path().join("nested/run-3");
    let (md, html) = write_report(&input(), &out).unwrap();
    assert_eq!(md, out.join("report.md"));
    assert_eq!(html, out.join("report.html"));
    assert_eq!(
        std::fs::read_to_string(&md).unwrap(),
        render_markdown(&input())
    );
    assert_eq!(
        std::fs::read_to_string(&html).unwrap(),
        render_html(&input())
    );
    let svg = std::fs::read_to_string(out.join("trajectory.svg")).unwrap();
    assert_eq!(svg.matches("class=\"attempt ").count(), 4);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["report.html", "report.md", "trajectory.svg"]);

    // A file where the folder should be is reported with its path.
    let blocked = dir.path().join("file");
    std::fs::write(&blocked, "x").unwrap();
    let err = write_report(&input(), &blocked.join("sub")).unwrap_err();
    assert!(
        err.to_string().contains(&blocked.display().to_string()),
        "{err}"
    );
}
