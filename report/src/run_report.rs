//! The run page's content, as a [`Document`]: who proposed the changes, the run's status
//! and configuration, the live part (trajectory chart with the acceptance band, group-score
//! curves, the round table with each round's change, decision and reason, cost and time),
//! the accepted changes, the rejections by kind, the comparison table, the test-split log,
//! and cost and time per phase.

use memory::format_utc;

use crate::chart::{group_score_svg, trajectory_figure, GroupRound, TrajectoryRound};
use crate::comparison;
use crate::document::{code, link, strong, text, Align, Block, Document, Span, Table};
use crate::links::Links;
use crate::report_input::{AgentSource, ReportInput, RoundRow};
use crate::text_format::{clip, collapse_whitespace, delta, duration, score};

/// The file name the chart is written to beside report.md (which links to it).
pub(crate) const CHART_FILE: &str = "trajectory.svg";

/// The charts' sizes in the pages.
const CHART_SIZE: (f64, f64) = (1240.0, 440.0);
const GROUP_SIZE: (f64, f64) = (408.0, 250.0);

/// The `id` of the part of the run page the dashboard refreshes as events arrive.
pub const LIVE_SECTION: &str = "live";

pub(crate) fn build(input: &ReportInput, links: Links) -> Document {
    let run = &input.run;
    let mut blocks = vec![agent_statement(input), outcome_statement(input)];
    blocks.push(Block::Details {
        summary: "Run configuration".into(),
        blocks: vec![Block::Table(run_table(input))],
    });
    blocks.push(Block::Section {
        id: LIVE_SECTION,
        blocks: live_blocks(input, links),
    });

    blocks.push(Block::Heading(2, "Accepted changes".into()));
    blocks.extend(accepted_blocks(input, links));

    blocks.push(Block::Heading(2, "Rejected candidates by kind".into()));
    blocks.push(rejected_block(input, links));

    blocks.push(Block::Section {
        id: "comparison",
        blocks: {
            let mut b = vec![Block::Heading(2, "Comparison".into())];
            b.extend(comparison::blocks(input));
            b
        },
    });

    blocks.push(Block::Heading(2, "Test split".into()));
    blocks.extend(test_split_blocks(input));

    blocks.push(Block::Heading(2, "Cost and time per phase".into()));
    blocks.extend(cost_blocks(input));

    let mut nav = Vec::new();
    if let Some(runs) = links.runs() {
        nav.push(link("All runs", runs));
        nav.push(text(" "));
        nav.push(link("Comparison", links.comparison_from_run(run.id)));
    }
    Document {
        title: format!("mobevolve run {}: {}", run.id, run.benchmark),
        nav,
        blocks,
    }
}

/// The parts of the run page that change as rounds are recorded: the trajectory, the
/// group-score curves and the round table.
pub(crate) fn live_blocks(input: &ReportInput, links: Links) -> Vec<Block> {
    let run = input.run.id;
    let file = match links {
        Links::Static { .. } => Some(CHART_FILE.to_string()),
        Links::Server => None,
    };
    let mut blocks = vec![Block::Heading(2, "Trajectory".into())];
    blocks.push(Block::Figure {
        svgs: vec![chart_with(input, Some(links))],
        file,
        caption: format!(
            "Run {run}: validation Score of every attempt per round and the accepted generator's (line);              the shaded band of a round spans from the Score its candidate had to beat up to the              parent's Score on that round's seeds. Click a point for the round. Lower is better."
        ),
        fallback: Vec::new(),
    });
    let groups = group_names(input.rounds.iter().flat_map(|r| r.parent_groups.keys()));
    if !groups.is_empty() {
        blocks.push(Block::Heading(3, "Group scores".into()));
        let svgs = groups
            .iter()
            .map(|g| {
                let rounds: Vec<GroupRound> = input
                    .rounds
                    .iter()
                    .map(|r| GroupRound {
                        round: r.round,
                        parent: r.parent_groups.get(g).copied(),
                        candidate: r.candidate_groups.as_ref().and_then(|c| c.get(g).copied()),
                        accepted: r.outcome == Some(memory::RoundOutcome::Accepted),
                        href: Some(links.round_from_run(run, r.round)),
                    })
                    .collect();
                group_score_svg(g, &rounds, GROUP_SIZE)
            })
            .collect();
        blocks.push(Block::Figure {
            svgs,
            file: None,
            caption: "Each group score of the current generator round after round (line) and of                       every scored candidate (points; filled = accepted). Lower is better."
                .into(),
            fallback: vec![Block::Paragraph(vec![text(
                "(Charts in the HTML report; the round table has the numbers.)",
            )])],
        });
    }
    blocks.push(Block::Heading(2, "Rounds".into()));
    blocks.push(round_table(input, links));
    blocks
}

/// The trajectory chart alone, as written to `trajectory.svg` (no links).
pub(crate) fn chart(input: &ReportInput) -> String {
    chart_with(input, None)
}

pub(crate) fn chart_with(input: &ReportInput, links: Option<Links>) -> String {
    let rounds: Vec<TrajectoryRound> = input
        .trajectory
        .iter()
        .map(|p| {
            let row = input.rounds.iter().find(|r| r.round == p.round);
            TrajectoryRound {
                point: p.clone(),
                band: row.and_then(|r| r.band),
                decided_score: row.and_then(|r| r.decided_score),
                href: links.map(|l| l.round_from_run(input.run.id, p.round)),
            }
        })
        .collect();
    crate::chart::render(&trajectory_figure(&rounds, CHART_SIZE))
}

/// An outcome as a badge (or `in progress`).
pub(crate) fn outcome_badge(row: &RoundRow) -> Span {
    match row.outcome {
        Some(o) => Span::Badge {
            text: o.label().into(),
            kind: o.name().into(),
        },
        None => Span::Badge {
            text: format!("in progress: {}", row.state),
            kind: "pending".into(),
        },
    }
}

fn round_table(input: &ReportInput, links: Links) -> Block {
    let run = input.run.id;
    let rows = input
        .rounds
        .iter()
        .map(|r| {
            let agent = match r.agent_source {
                AgentSource::ProposalArtifacts => r.agent.clone(),
                AgentSource::RunConfig => r.agent.clone(),
            };
            // A change of constants says it all; a change of code gets the agent's words.
            let mut change = vec![text(clip(&r.change, 220))];
            if !r.constants_changed && !r.intervention.is_empty() && r.intervention != r.change {
                change.push(text(format!(" — {}", clip(&r.intervention, 160))));
            }
            let scores = match (r.parent_score, r.candidate_score) {
                (Some(p), Some(c)) => format!("{p:.4} → {c:.4}"),
                (Some(p), None) => format!("{p:.4} → –"),
                _ => "–".into(),
            };
            let improvement = match r.improvement {
                Some((d, se, _)) => format!("{d:+.4} ± {se:.4}"),
                None => match (r.parent_score, r.candidate_score) {
                    (Some(p), Some(c)) => format!("{:+.4}", p - c),
                    _ => "–".into(),
                },
            };
            let cost = if r.tokens > 0 {
                format!("${:.3}", r.cost_usd)
            } else {
                "–".into()
            };
            vec![
                vec![link(
                    r.round.to_string(),
                    links.round_from_run(run, r.round),
                )],
                vec![text(agent)],
                change,
                vec![outcome_badge(r)],
                vec![text(clip(
                    &collapse_whitespace(r.reason.as_deref().unwrap_or("")),
                    260,
                ))],
                vec![text(scores)],
                vec![text(improvement)],
                vec![text(r.secs.map_or("–".into(), duration))],
                vec![text(cost)],
            ]
        })
        .collect();
    Block::Table(Table {
        header: vec![
            ("Round".into(), Align::Right),
            ("Agent".into(), Align::Left),
            ("Change".into(), Align::Left),
            ("Decision".into(), Align::Left),
            ("Reason".into(), Align::Left),
            (
                "Selection-part Score: parent (all its seeds) → candidate (its round's seeds)"
                    .into(),
                Align::Right,
            ),
            ("Paired improvement ± SE (the verdict)".into(), Align::Right),
            ("Time".into(), Align::Right),
            ("LLM cost".into(), Align::Right),
        ],
        rows,
        groups: Vec::new(),
        id: Some("round-table"),
        class: Some("rounds"),
    })
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
    let scores = memory::ScoreSummary::of(&input.trajectory);
    let (initial, best) = (scores.initial, scores.current);
    let t = &input.totals;
    let mut spans = vec![
        text("Status: "),
        strong(&input.run.status),
        text(match &input.run.status_reason {
            Some(r) => format!(" ({r}). "),
            None => ". ".into(),
        }),
        text(format!(
            "{} rounds ({} finished): {} accepted, {} rejected. ",
            t.rounds, t.finished_rounds, t.accepted, t.rejected
        )),
    ];
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
    // Scores of different rounds come from different seeds and people; what each accepted
    // change did is its paired improvement against its own parent.
    let paired: Vec<f64> = input
        .rounds
        .iter()
        .filter(|r| r.outcome == Some(memory::RoundOutcome::Accepted))
        .filter_map(|r| r.improvement.map(|(gain, _, _)| gain))
        .collect();
    if !paired.is_empty() {
        spans.push(text(format!(
            " Paired improvements of the accepted changes, each against its parent on its \
             round's own seeds and people (positive = better): {}; sum {:+.4}.",
            paired
                .iter()
                .map(|g| format!("{g:+.4}"))
                .collect::<Vec<_>>()
                .join(", "),
            paired.iter().sum::<f64>()
        )));
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
        (
            "Status",
            match &run.status_reason {
                Some(r) => vec![strong(&run.status), text(format!(": {r}"))],
                None => vec![strong(&run.status)],
            },
        ),
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
    Table::new(
        vec![
            ("Run".into(), Align::Left),
            (run.id.to_string(), Align::Left),
        ],
        rows.into_iter()
            .map(|(k, v)| vec![vec![text(k)], v])
            .collect(),
    )
}

fn accepted_blocks(input: &ReportInput, links: Links) -> Vec<Block> {
    if input.accepted.is_empty() {
        return vec![Block::Paragraph(vec![text("No change was accepted.")])];
    }
    let groups = group_names(input.accepted.iter().flat_map(|c| c.group_deltas.keys()));
    let rows = input
        .accepted
        .iter()
        .map(|c| {
            let mut target = vec![text(collapse_whitespace(&c.failure_mode))];
            if let Some(t) = &c.target {
                target.push(text(" — "));
                target.push(code(t));
                if let (Some(b), Some(a)) = (c.target_before, c.target_after) {
                    target.push(text(format!(" {b:.4} → {a:.4}")));
                }
            }
            let deltas: Vec<String> = groups
                .iter()
                .filter_map(|g| c.group_deltas.get(g).map(|d| format!("{g} {}", delta(*d))))
                .collect();
            vec![
                vec![link(
                    c.round.to_string(),
                    links.round_from_run(input.run.id, c.round),
                )],
                vec![text(&c.agent)],
                target,
                vec![text(clip(&collapse_whitespace(&c.hypothesis), 300))],
                vec![text(clip(&c.change, 240))],
                vec![text(format!(
                    "{:.4} → {}",
                    c.score_before,
                    score(c.score_after)
                ))],
                vec![text(
                    c.score_after
                        .map_or_else(|| "–".into(), |a| delta(a - c.score_before)),
                )],
                vec![text(deltas.join(", "))],
            ]
        })
        .collect();
    vec![
        Block::Paragraph(vec![text(
            "Each change accepted into the generator, with the agent that proposed it, the failure \
             it targeted, its hypothesis, the applied change, and its effect on the validation \
             Score and group scores (negative = better).",
        )]),
        Block::Table(Table {
            header: vec![
                ("Round".into(), Align::Right),
                ("Agent".into(), Align::Left),
                ("Target".into(), Align::Left),
                ("Hypothesis".into(), Align::Left),
                ("Change".into(), Align::Left),
                ("Score before → after".into(), Align::Right),
                ("Δ Score".into(), Align::Right),
                ("Δ groups".into(), Align::Left),
            ],
            rows,
            groups: Vec::new(),
            id: Some("accepted-table"),
            class: Some("accepted"),
        }),
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

fn rejected_block(input: &ReportInput, links: Links) -> Block {
    if input.rejected.is_empty() {
        return Block::Paragraph(vec![text("No candidate was rejected.")]);
    }
    Block::List(
        input
            .rejected
            .iter()
            .map(|r| {
                let mut spans = vec![
                    strong(r.outcome.label()),
                    text(format!(
                        ": {} (round{} ",
                        r.count,
                        if r.rounds.len() == 1 { "" } else { "s" },
                    )),
                ];
                for (i, round) in r.rounds.iter().enumerate() {
                    if i > 0 {
                        spans.push(text(", "));
                    }
                    spans.push(link(
                        round.to_string(),
                        links.round_from_run(input.run.id, *round),
                    ));
                }
                spans.push(text(")"));
                spans
            })
            .collect(),
    )
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
        Block::Table(Table::new(
            vec![
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
        )),
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
