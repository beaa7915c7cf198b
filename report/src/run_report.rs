//! The run report's content, as a [`Document`]: who proposed the changes, the run's
//! configuration, the trajectory chart, the accepted changes, the rejections, the comparison
//! table (with the logged final evaluations), the test-split log, and cost and time per phase.

use std::collections::BTreeMap;

use memory::format_utc;

use crate::document::{code, strong, text, Align, Block, Document, Span, Table};
use crate::report_input::{AgentSource, ComparisonRow, ReportInput};
use crate::text_format::{collapse_whitespace, delta, duration, score, short_commit};
use crate::trajectory_chart::trajectory_svg;

/// The file name the chart is written to beside report.md (which links to it).
pub(crate) const CHART_FILE: &str = "trajectory.svg";

/// The chart's size in the reports.
const CHART_SIZE: (u32, u32) = (900, 420);

pub(crate) fn build(input: &ReportInput) -> Document {
    let run = &input.run;
    let mut blocks = vec![agent_statement(input), outcome_statement(input)];
    blocks.push(Block::Table(run_table(input)));

    blocks.push(Block::Heading(2, "Trajectory".into()));
    blocks.push(Block::Chart {
        svg: chart(input),
        file: CHART_FILE,
        caption: format!(
            "Run {}: validation Score of every attempt per round (filled green = accepted, hollow \
             grey = rejected, red cross = never evaluated) and the running best (line). Lower is better.",
            run.id
        ),
    });
    blocks.push(Block::Details {
        summary: "Scores per round".into(),
        blocks: vec![trajectory_table(input)],
    });

    blocks.push(Block::Heading(2, "Accepted changes".into()));
    blocks.extend(accepted_blocks(input));

    blocks.push(Block::Heading(2, "Rejected candidates".into()));
    blocks.push(rejected_block(input));

    blocks.push(Block::Heading(2, "Comparison".into()));
    blocks.extend(comparison_blocks(input));

    blocks.push(Block::Heading(2, "Test split".into()));
    blocks.extend(test_split_blocks(input));

    blocks.push(Block::Heading(2, "Cost and time per phase".into()));
    blocks.extend(cost_blocks(input));

    Document {
        title: format!("mobevolve run {}: {}", run.id, run.benchmark),
        blocks,
    }
}

/// The chart of the run (also written as a separate file by `write_report`).
pub(crate) fn chart(input: &ReportInput) -> String {
    trajectory_svg(&input.trajectory, CHART_SIZE.0, CHART_SIZE.1)
}

fn agent_statement(input: &ReportInput) -> Block {
    let (agents, from_config) = input.agents();
    let mut spans = Vec::new();
    if agents.len() == 1 {
        spans.push(text(
            "Every change in this run was proposed by the coding agent ",
        ));
        spans.push(strong(&agents[0]));
    } else {
        spans.push(text(
            "Changes in this run were proposed by the coding agents ",
        ));
        for (i, a) in agents.iter().enumerate() {
            if i > 0 {
                spans.push(text(", "));
            }
            spans.push(strong(a));
        }
        spans.push(text("; each accepted change below names its agent"));
    }
    spans.push(text(format!(
        " (run configured with agent {} and model {}).",
        input.run.agent, input.run.model
    )));
    if from_config {
        spans.push(text(
            " The run database records the agent once per run, not per round, so the agent \
             shown for a change is the run's configured agent.",
        ));
    }
    Block::Paragraph(spans)
}

fn outcome_statement(input: &ReportInput) -> Block {
    let initial = input.trajectory.iter().find_map(|p| p.parent_score);
    let best = input.trajectory.iter().rev().find_map(|p| p.running_best);
    let t = &input.totals;
    let mut spans = vec![text(format!(
        "{} rounds ({} finished): {} accepted, {} rejected. ",
        t.rounds, t.finished_rounds, t.accepted, t.rejected
    ))];
    match (initial, best) {
        (Some(i), Some(b)) => {
            spans.push(text("Validation Score (lower is better): initial "));
            spans.push(strong(format!("{i:.4}")));
            spans.push(text(" → best accepted "));
            spans.push(strong(format!("{b:.4}")));
            let rel = if i != 0.0 {
                format!(", {:+.1}%", (b - i) / i.abs() * 100.0)
            } else {
                String::new()
            };
            spans.push(text(format!(" ({}{rel}).", delta(b - i))));
        }
        _ => spans.push(text("No round has been evaluated yet.")),
    }
    Block::Paragraph(spans)
}

fn run_table(input: &ReportInput) -> Table {
    let run = &input.run;
    let c = &run.config;
    let b = &c.budgets;
    let limit = |v: Option<String>| v.unwrap_or_else(|| "unlimited".into());
    let budgets = format!(
        "rounds {}, tokens {}, cost {}, wall time {}",
        limit(b.max_rounds.map(|v| v.to_string())),
        limit(b.max_tokens.map(|v| v.to_string())),
        limit(b.max_cost_usd.map(|v| format!("${v:.2}"))),
        limit(b.max_wall_secs.map(|v| duration(v as f64))),
    );
    let seeds: Vec<String> = c.seeds.iter().map(u64::to_string).collect();
    let mut rows: Vec<(&str, Vec<Span>)> = vec![
        ("Status", vec![strong(&run.status)]),
        (
            "Benchmark",
            vec![text(format!("{} ", c.benchmark)), code(&c.benchmark_hash)],
        ),
        ("Evaluator", vec![text(&c.evaluator_version)]),
        ("Coding agent", vec![strong(&run.agent)]),
        ("Model", vec![text(&run.model)]),
        ("Acceptance rule", vec![code(&c.acceptance_rule)]),
        ("Seeds", vec![text(seeds.join(", "))]),
        ("Budgets", vec![text(budgets)]),
        ("Created", vec![text(format_utc(run.created_at))]),
        ("Last write", vec![text(format_utc(run.updated_at))]),
        ("Initial generator", vec![code(&run.initial_commit)]),
        (
            "Evolved (current) generator",
            vec![code(&run.current_commit)],
        ),
    ];
    for change in &input.settings_changes {
        let c = &change.change;
        rows.push((
            "Settings change",
            vec![
                text(format!(
                    "{} {} → {} from round {} ({}, by ",
                    c.setting,
                    c.old_value,
                    c.new_value,
                    change.from_round,
                    format_utc(change.changed_at)
                )),
                code(&change.command),
                text(")"),
            ],
        ));
    }
    // Header `Run | <id>`, so the key/value table reads naturally in both formats.
    Table {
        header: vec![
            ("Run".into(), Align::Left),
            (run.id.to_string(), Align::Left),
        ],
        rows: rows
            .into_iter()
            .map(|(k, v)| vec![vec![text(k)], v])
            .collect(),
    }
}

fn trajectory_table(input: &ReportInput) -> Block {
    let rows = input
        .trajectory
        .iter()
        .map(|p| {
            let decision = match (p.accepted, p.candidate_score) {
                (Some(true), _) => strong("accepted"),
                (Some(false), Some(_)) => text("rejected"),
                (Some(false), None) => text("rejected (not evaluated)"),
                (None, _) => text("in progress"),
            };
            vec![
                vec![text(p.round.to_string())],
                vec![text(score(p.parent_score))],
                vec![text(score(p.candidate_score))],
                vec![decision],
                vec![text(score(p.running_best))],
            ]
        })
        .collect();
    Block::Table(Table {
        header: vec![
            ("Round".into(), Align::Right),
            ("Parent Score".into(), Align::Right),
            ("Candidate Score".into(), Align::Right),
            ("Decision".into(), Align::Left),
            ("Running best".into(), Align::Right),
        ],
        rows,
    })
}

fn accepted_blocks(input: &ReportInput) -> Vec<Block> {
    if input.accepted.is_empty() {
        return vec![Block::Paragraph(vec![text("No change was accepted.")])];
    }
    let groups = group_names(input.accepted.iter().flat_map(|c| c.group_deltas.keys()));
    let mut header = vec![
        ("Round".to_string(), Align::Right),
        ("Agent".to_string(), Align::Left),
        ("Target".to_string(), Align::Left),
        ("Hypothesis".to_string(), Align::Left),
        ("Change".to_string(), Align::Left),
        ("Score before → after".to_string(), Align::Right),
        ("Δ Score".to_string(), Align::Right),
    ];
    header.extend(groups.iter().map(|g| (format!("Δ {g}"), Align::Right)));
    header.push(("Diff".to_string(), Align::Right));
    let rows = input
        .accepted
        .iter()
        .map(|c| {
            let agent = match c.agent_source {
                AgentSource::ProposalArtifacts => c.agent.clone(),
                AgentSource::RunConfig => format!("{} (run config)", c.agent),
            };
            let mut target = vec![text(collapse_whitespace(&c.failure_mode))];
            if let Some(t) = &c.target {
                target.push(text(" — "));
                target.push(code(t));
                if let (Some(b), Some(a)) = (c.target_before, c.target_after) {
                    target.push(text(format!(" {b:.4} → {a:.4}")));
                }
            }
            let mut row = vec![
                vec![text(c.round.to_string())],
                vec![text(agent)],
                target,
                vec![text(collapse_whitespace(&c.hypothesis))],
                vec![text(collapse_whitespace(&c.intervention))],
                vec![text(format!(
                    "{:.4} → {}",
                    c.score_before,
                    score(c.score_after)
                ))],
                vec![text(
                    c.score_after
                        .map_or_else(|| "–".into(), |a| delta(a - c.score_before)),
                )],
            ];
            row.extend(groups.iter().map(|g| {
                vec![text(
                    c.group_deltas
                        .get(g)
                        .map_or_else(|| "–".into(), |d| delta(*d)),
                )]
            }));
            row.push(vec![text(format!(
                "+{} −{}",
                c.lines_added, c.lines_removed
            ))]);
            row
        })
        .collect();
    vec![
        Block::Paragraph(vec![text(
            "Each change accepted into the generator, with the agent that proposed it, the failure \
             it targeted, its hypothesis, and its effect on the validation Score and group scores \
             (negative = better); Diff is lines added and removed.",
        )]),
        Block::Table(Table { header, rows }),
    ]
}

/// Group names in the evaluator's order first, then any other alphabetically.
pub(crate) fn group_names<'a>(names: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut all: Vec<String> = names.cloned().collect();
    all.sort();
    all.dedup();
    let order = ["individual", "distribution", "behavior"];
    all.sort_by_key(|g| order.iter().position(|o| o == g).unwrap_or(order.len()));
    all
}

fn rejected_block(input: &ReportInput) -> Block {
    if input.rejected.is_empty() {
        return Block::Paragraph(vec![text("No candidate was rejected.")]);
    }
    Block::List(
        input
            .rejected
            .iter()
            .map(|r| {
                let rounds: Vec<String> = r.rounds.iter().map(u32::to_string).collect();
                vec![
                    strong(r.kind.label()),
                    text(format!(
                        ": {} (round{} {})",
                        r.count,
                        if r.rounds.len() == 1 { "" } else { "s" },
                        rounds.join(", ")
                    )),
                ]
            })
            .collect(),
    )
}

fn comparison_blocks(input: &ReportInput) -> Vec<Block> {
    let mut rows: Vec<ComparisonRow> = input.comparison.clone();
    for f in &input.final_evaluations {
        let name = if f.commit == input.run.current_commit {
            format!(
                "evolved generator {} (final evaluation #{})",
                short_commit(&f.commit),
                f.id
            )
        } else {
            format!(
                "generator {} (final evaluation #{})",
                short_commit(&f.commit),
                f.id
            )
        };
        rows.push(ComparisonRow::from_metrics(&name, &f.split, &f.metrics));
    }
    if rows.is_empty() {
        return vec![Block::Paragraph(vec![text(
            "No comparison was supplied for this report and no final evaluation was logged.",
        )])];
    }
    // The best (lowest) Score of each split is shown in bold.
    let mut best: BTreeMap<&str, f64> = BTreeMap::new();
    for r in &rows {
        if r.score.is_finite() {
            let e = best.entry(r.split.as_str()).or_insert(r.score);
            *e = e.min(r.score);
        }
    }
    let num = |v: f64| {
        if v.is_finite() {
            format!("{v:.4}")
        } else {
            "–".into()
        }
    };
    let table_rows = rows
        .iter()
        .map(|r| {
            let is_best = best.get(r.split.as_str()) == Some(&r.score);
            vec![
                vec![text(&r.name)],
                vec![text(&r.split)],
                vec![text(num(r.individual))],
                vec![text(num(r.distribution))],
                vec![text(num(r.behavior))],
                vec![if is_best {
                    strong(num(r.score))
                } else {
                    text(num(r.score))
                }],
            ]
        })
        .collect();
    vec![
        Block::Paragraph(vec![text(
            "Baselines, the initial generator and the evolved generator on the same split; lower is \
             better, the best Score of each split in bold. Final evaluations logged in the run are \
             appended.",
        )]),
        Block::Table(Table {
            header: vec![
                ("Generator".into(), Align::Left),
                ("Split".into(), Align::Left),
                ("Individual".into(), Align::Right),
                ("Distribution".into(), Align::Right),
                ("Behavior".into(), Align::Right),
                ("Score".into(), Align::Right),
            ],
            rows: table_rows,
        }),
    ]
}

fn test_split_blocks(input: &ReportInput) -> Vec<Block> {
    let command = format!("orchestrator evaluate --run {} --split test", input.run.id);
    let test: Vec<_> = input
        .final_evaluations
        .iter()
        .filter(|f| f.split == "test")
        .collect();
    let mut blocks = Vec::new();
    if test.is_empty() {
        blocks.push(Block::Paragraph(vec![
            text("The test split has not been read in this run. "),
            code(&command),
            text(" is the one way to read it, and every read is logged here."),
        ]));
    } else {
        blocks.push(Block::Paragraph(vec![
            text(format!(
                "The test split was read {} time{} (by ",
                test.len(),
                if test.len() == 1 { "" } else { "s" }
            )),
            code(&command),
            text("; every read is logged in the run):"),
        ]));
    }
    if !input.final_evaluations.is_empty() {
        blocks.push(Block::List(
            input
                .final_evaluations
                .iter()
                .map(|f| {
                    vec![
                        text(format!(
                            "evaluation #{}, {}: ",
                            f.id,
                            format_utc(f.created_at)
                        )),
                        strong(&f.split),
                        text(" split, generator "),
                        code(&f.commit),
                        text(format!(", Score {:.4}", f.metrics.score)),
                    ]
                })
                .collect(),
        ));
    }
    blocks
}

fn cost_blocks(input: &ReportInput) -> Vec<Block> {
    let rows = input
        .phase_costs
        .iter()
        .map(|c| {
            vec![
                vec![text(&c.phase)],
                vec![text(c.count.to_string())],
                vec![text(c.failed.to_string())],
                vec![text(duration(c.total_secs))],
                vec![text(if c.count > 0 {
                    duration(c.mean_secs)
                } else {
                    "–".into()
                })],
                vec![text(c.llm_calls.to_string())],
                vec![text(c.tokens_in.to_string())],
                vec![text(c.tokens_out.to_string())],
                vec![text(format!("${:.4}", c.cost_usd))],
            ]
        })
        .collect();
    let t = &input.totals;
    vec![
        Block::Table(Table {
            header: vec![
                ("Phase".into(), Align::Left),
                ("Runs".into(), Align::Right),
                ("Failed".into(), Align::Right),
                ("Total time".into(), Align::Right),
                ("Mean time".into(), Align::Right),
                ("LLM calls".into(), Align::Right),
                ("Tokens in".into(), Align::Right),
                ("Tokens out".into(), Align::Right),
                ("Cost (USD)".into(), Align::Right),
            ],
            rows,
        }),
        Block::Paragraph(vec![text(format!(
            "Totals: {} LLM calls, {} tokens in, {} tokens out, ${:.4}; {} inside phases, {} from \
             the run's creation to its last write. LLM calls are attributed to the phase named by \
             their step.",
            t.llm_calls,
            t.tokens_in,
            t.tokens_out,
            t.cost_usd,
            duration(t.phase_time.as_secs_f64()),
            duration(t.elapsed.as_secs_f64()),
        ))]),
    ]
}
