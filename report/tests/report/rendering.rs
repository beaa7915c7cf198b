//! Rendering a constructed report: accepted changes with their hypotheses and agents, the
//! comparison rows, the chart (one point per attempt, the accepted generator as a step line),
//! escaping of LLM text, and well-formed Markdown tables.

use std::collections::BTreeMap;
use std::time::Duration;

use memory::{Budgets, FinalEvaluation, RoundOutcome, RunConfig, Totals, TrajectoryPoint};
use report::{
    render_html, render_markdown, trajectory_svg, write_report, AcceptedChange, AgentSource,
    ComparisonRow, OutcomeCount, PhaseCost, ReportInput, RoundRow, RunInfo, SideFigures,
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
        outcome: match (accepted, candidate) {
            (Some(true), _) => Some(RoundOutcome::Accepted),
            (Some(false), Some(_)) => Some(RoundOutcome::NotBetter),
            (Some(false), None) => Some(RoundOutcome::CompileError),
            (None, _) => None,
        },
        current: Some(best),
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
        change: format!(
            "heuristics/src/params.rs; +7 −2 lines; K {round} → {}",
            round + 1
        ),
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
        rule: json!({}),
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
            status_reason: Some("ran its 4 rounds".into()),
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
        rounds: Vec::new(),
        records: Vec::new(),
        rejected: vec![
            OutcomeCount {
                outcome: RoundOutcome::CompileError,
                count: 1,
                rounds: vec![3],
            },
            OutcomeCount {
                outcome: RoundOutcome::NotBetter,
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
            .find(|l| {
                l.starts_with(&format!("| [{round}](rounds/round-{round:04}.md) | "))
                    && l.contains("→")
            })
            .unwrap_or_else(|| panic!("no accepted row for round {round} in\n{md}"))
    };
    let r1 = row(1);
    assert!(r1.contains("Travel is under-predicted after 17h"), "{r1}");
    assert!(r1.contains("| claude-code |"), "{r1}");
    assert!(r1.contains("1.0000 → 0.9000") && r1.contains("-0.1000") && r1.contains("+7 −2"));
    assert!(
        r1.contains("individual -0.0500, distribution -0.0300, behavior -0.0200"),
        "{r1}"
    );
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
    assert!(
        md.contains("**compile error**: 1 (round [3](rounds/round-0003.md))"),
        "{md}"
    );
    assert!(md.contains("**not better**: 1 (round [2](rounds/round-0002.md))"));
    assert!(
        md.contains("Status: **finished** (ran its 4 rounds)."),
        "{md}"
    );

    // The agent is stated plainly.
    assert!(
        md.contains("proposed by the coding agents **claude-code**, **codex**"),
        "{md}"
    );
    assert!(md.contains("records the agent once per run"));

    // Comparison: one row per generator, val and test side by side, best Score in bold.
    for name in ["Markov baseline", "initial generator", "evolved generator"] {
        assert_eq!(
            md.lines()
                .filter(|l| l.starts_with(&format!("| {name} |")))
                .count(),
            1,
            "{name}: {md}"
        );
    }
    assert!(
        md.contains("| Generator | val Score | val Individual | val Distribution | val Behavior | test Score |"),
        "{md}"
    );
    assert!(
        md.contains("| evolved generator | **0.8000** | 0.4000 | 0.2400 | 0.1600 | **0.8125** | 0.4062 | 0.2437 | 0.1625 |"),
        "{md}"
    );
    assert!(md.contains("The test split was read 1 time"));
    assert!(md.contains("`orchestrator evaluate --run 3 --split test`"));
    assert!(
        md.contains("| proposal | 4 | 0 | 1 min 40 s | 25.0 s | 4 | 4000 | 800 | $1.2500 |"),
        "{md}"
    );
}

#[test]
fn comparison_shows_side_metrics_speed_and_spend_where_known() {
    let mut input = input();
    input.comparison.extend([
        ComparisonRow::from_metrics(
            "LLM planner, few-shot (3)",
            "validation",
            &metrics(1.2, &[]),
        )
        .with_side(SideFigures {
            temporal_mae_min: 41.3,
            spatial_mae_km: Some(2.1371),
            activity_weighted_f1: 0.8123,
        })
        .with_cost(Some(851.2), Some(0.0042)),
        ComparisonRow::from_metrics("nearest1 baseline", "validation", &metrics(0.9, &[]))
            .with_side(SideFigures {
                temporal_mae_min: 55.34,
                spatial_mae_km: None,
                activity_weighted_f1: 0.7,
            })
            .with_cost(Some(0.08412), None),
    ]);
    let md = render_markdown(&input);
    check_markdown_tables(&md);
    // The side metrics join the split they were measured on; test has none, so no columns.
    assert!(
        md.contains("| Generator | val Score | val Individual | val Distribution | val Behavior | val Temporal MAE (min) | val Spatial MAE (km) | val Activity F1 | test Score | test Individual | test Distribution | test Behavior | cost ms/person | cost USD/person |"),
        "{md}"
    );
    assert!(
        md.contains("| LLM planner, few-shot (3) | 1.2000 | 0.6000 | 0.3600 | 0.2400 | 41.3 | 2.14 | 0.8123 | – | – | – | – | 851.200 | $0.00420 |"),
        "{md}"
    );
    // A location-less row shows – for the spatial MAE; a row without an LLM, – for USD.
    assert!(
        md.contains("| nearest1 baseline | 0.9000 | 0.4500 | 0.2700 | 0.1800 | 55.3 | – | 0.7000 | – | – | – | – | 0.084 | – |"),
        "{md}"
    );
    // Rows without side metrics or cost show – there, and keep their test columns.
    assert!(
        md.contains("| evolved generator | **0.8000** | 0.4000 | 0.2400 | 0.1600 | – | – | – | **0.8125** | 0.4062 | 0.2437 | 0.1625 | – | – |"),
        "{md}"
    );
    let html = render_html(&input);
    assert!(html.contains("Temporal MAE (min)") && html.contains("USD/person"));
    let json = input.to_json().to_string();
    assert!(json.contains("\"temporal_mae_min\":41.3"), "{json}");
}

fn row_absent(md: &str, round: u32) -> bool {
    !md.lines()
        .any(|l| l.starts_with(&format!("| [{round}](rounds/")) && l.contains(" → "))
}

#[test]
fn html_is_self_contained_and_escapes_run_text() {
    let input = input();
    let html = render_html(&input);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<style>") && html.contains("<svg"));
    // No script, no external asset: the only URL is the SVG namespace.
    assert!(!html.to_lowercase().contains("<script"), "unescaped script");
    assert!(!html.contains(" src=") && !html.contains("<link"));
    // Links stay inside the report: its round pages and its own sections.
    for (at, _) in html.match_indices("href=\"") {
        let href = &html[at + 6..];
        let href = &href[..href.find('"').unwrap()];
        assert!(
            href.starts_with("rounds/round-") || href.starts_with('#'),
            "{href}"
        );
    }
    assert_eq!(
        html.matches("http").count(),
        html.matches("http://www.w3.org/2000/svg").count() + html.matches("http-equiv").count()
    );
    assert!(html.contains(
        "Anchors &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; collapse | when &quot;night&quot; &amp; day"
    ));
    assert!(html.contains("<strong>codex</strong>"));
    assert!(
        html.contains(
            "<th class=\"group\" colspan=\"4\">val</th><th class=\"group\" colspan=\"4\">test</th>"
        ),
        "{html}"
    );
    // The chart inside the page counts the same attempts as the chart alone.
    assert_eq!(html.matches("class=\"attempt ").count(), 4);
}

/// Centres of the circle marks of class `class…` (a circle is drawn as the path
/// `M{x - r},{y} a…`, radius 4.5).
fn circle_centres(svg: &str, class: &str) -> Vec<(f64, f64)> {
    attribute_values(svg, &format!("<path class=\"{class}"), "d")
        .iter()
        .map(|d| {
            let (x, rest) = d[1..].split_once(',').unwrap();
            let y = rest.split_whitespace().next().unwrap();
            (x.parse::<f64>().unwrap() + 4.5, y.parse().unwrap())
        })
        .collect()
}

#[test]
fn the_chart_has_one_point_per_attempt_and_the_accepted_generator_as_a_step_line() {
    let input = input();
    let svg = trajectory_svg(&input.trajectory, 800, 400);
    assert!(svg.starts_with("<svg class=\"trajectory\""), "{svg}");
    assert!(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.ends_with("</svg>"));
    assert_eq!(svg.matches("<svg").count(), 1);
    assert_eq!(svg.matches("class=\"attempt ").count(), 4, "{svg}");
    assert_eq!(svg.matches("class=\"attempt accepted").count(), 2);
    assert_eq!(
        svg.matches("class=\"attempt rejected not_better").count(),
        1
    );
    assert_eq!(
        svg.matches("class=\"attempt not-evaluated compile_error")
            .count(),
        1
    );
    assert_eq!(svg.matches("class=\"initial\"").count(), 1);
    assert!(
        svg.contains("\nRound\n</text>")
            && svg.contains("\nValidation Score (lower is better)\n</text>")
    );
    assert!(
        svg.contains("<title>Round 2: Score 0.9500, not better</title>"),
        "{svg}"
    );
    assert!(svg.contains("<title>Round 3: compile error, never scored</title>"));
    // The legend names every kind of mark drawn, and only those.
    for label in [
        "accepted generator",
        "initial generator",
        "accepted",
        "rejected",
        "not scored (bottom edge)",
    ] {
        assert!(svg.contains(&format!("\n{label}\n</text>")), "{label}");
    }
    assert!(!svg.contains("off the chart (value") && !svg.contains("acceptance band (threshold"));

    // Attempts left to right by round; lower Scores lower on the chart (larger y).
    let accepted = circle_centres(&svg, "attempt accepted");
    let rejected = circle_centres(&svg, "attempt rejected");
    let (a1, a4, r2) = (accepted[0], accepted[1], rejected[0]);
    assert!(a1.0 < r2.0 && r2.0 < a4.0);
    // Rounds 1 (0.90), 2 (0.95), 4 (0.80).
    assert!(r2.1 < a1.1 && a1.1 < a4.1, "{a1:?} {r2:?} {a4:?}");
    assert!([a1, a4, r2]
        .iter()
        .all(|p| p.0 > 0.0 && p.0 < 800.0 && p.1 > 0.0 && p.1 < 400.0));

    // The accepted generator: one polyline from round 0, a staircase that only goes right
    // and here down the Score axis (down in pixels is a lower Score), through the accepted
    // points.
    let lines = attribute_values(&svg, "<polyline class=\"accepted-generator\"", "points");
    assert_eq!(lines.len(), 1);
    let pts = polyline_points(&lines[0]);
    assert!(
        pts.windows(2).all(|w| w[1].0 >= w[0].0 && w[1].1 >= w[0].1),
        "{pts:?}"
    );
    assert!(
        pts.windows(2).all(|w| w[1].0 == w[0].0 || w[1].1 == w[0].1),
        "not a staircase: {pts:?}"
    );
    for p in [a1, a4] {
        assert!(
            pts.iter()
                .any(|q| (q.0 - p.0).abs() < 0.2 && (q.1 - p.1).abs() < 0.2),
            "{p:?} {pts:?}"
        );
    }
    // Ticks on both axes: rounds 0..=4, and several Score labels.
    for r in 0..=4 {
        assert!(
            svg.contains("text-anchor=\"middle\"") && svg.contains(&format!("\n{r}\n</text>")),
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
    assert!(!svg.contains("accepted-generator"));
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
    assert_eq!(
        names,
        [
            "comparison.json",
            "report.html",
            "report.md",
            "trajectory.svg"
        ]
    );

    // A file where the folder should be is reported with its path.
    let blocked = dir.path().join("file");
    std::fs::write(&blocked, "x").unwrap();
    let err = write_report(&input(), &blocked.join("sub")).unwrap_err();
    assert!(
        err.to_string().contains(&blocked.display().to_string()),
        "{err}"
    );
}

fn decided_row(round: u32, outcome: RoundOutcome, improvement: f64) -> RoundRow {
    RoundRow {
        round,
        agent: "inbox".into(),
        agent_source: AgentSource::RunConfig,
        change: "heuristics/src/params.rs; +1 −1 lines".into(),
        intervention: "a change".into(),
        constants_changed: true,
        failure_mode: "travel".into(),
        target: None,
        outcome: Some(outcome),
        reason: Some("why".into()),
        parent_score: Some(1.0),
        candidate_score: Some(1.0 - improvement),
        improvement: Some((improvement, 0.001, improvement - 0.002)),
        band: Some((1.0, 0.999)),
        decided_score: Some(1.0 - improvement),
        parent_groups: Default::default(),
        candidate_groups: None,
        lines: (1, 1),
        secs: Some(60.0),
        cost_usd: 0.0,
        tokens: 0,
        state: "finished".into(),
    }
}

#[test]
fn the_headline_gives_the_paired_improvement_of_each_accepted_change() {
    let mut input = input();
    input.rounds = vec![
        decided_row(1, RoundOutcome::Accepted, 0.0125),
        decided_row(2, RoundOutcome::NotBetter, 0.03),
        decided_row(3, RoundOutcome::Accepted, 0.0),
    ];
    let md = render_markdown(&input);
    assert!(
        md.contains(
            "Paired improvements of the accepted changes, each against its parent on its \
             round's own seeds and people (positive = better): +0.0125, +0.0000; sum +0.0125."
        ),
        "{md}"
    );
}
