//! One round's page, as a [`Document`] (rendered to Markdown and HTML like the run page):
//! the decision with its kind, reason and statistical evidence, the proposal, the applied
//! change and its diff, the verification table, the lesson, the attribution record the
//! agent was shown (top diagnostics, hourly activity shares real against generated, the
//! segments, example diaries real against generated), the phases and the LLM calls.

use memory::{
    format_utc, ChangeSummary, DecisionEvidence, PairedEstimate, PhaseState, RoundRecord,
    RunConfig, TestKind, VerificationRecord,
};
use serde_json::Value;

use crate::chart::{hourly_shares_svg, HourlyShares, ACTIVITIES};
use crate::document::{code, link, strong, text, Align, Block, DiaryPair, Document, Span, Table};
use crate::links::Links;
use crate::report_input::{change_line, round_agent, AgentSource};
use crate::run_report::group_names;
use crate::text_format::{collapse_whitespace, delta, duration, score};

/// Diagnostics listed from the attribution record.
const TOP_DIAGNOSTICS: usize = 12;
/// Size of each hourly-share chart.
const SHARE_SIZE: (f64, f64) = (252.0, 210.0);

/// Neighbouring rounds, for the page's navigation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundNeighbours {
    /// The round before, if any.
    pub previous: Option<u32>,
    /// The round after, if recorded.
    pub next: Option<u32>,
}

pub(crate) fn build(
    record: &RoundRecord,
    config: &RunConfig,
    links: Links,
    neighbours: RoundNeighbours,
) -> Document {
    let run = record.run;
    let (agent, source) = round_agent(record, config);
    let mut nav = Vec::new();
    if let Some(runs) = links.runs() {
        nav.push(link("All runs", runs));
        nav.push(text(" "));
    }
    nav.push(link(format!("Run {run}"), links.run_from_page(run)));
    if let Some(p) = neighbours.previous {
        nav.push(text(" "));
        nav.push(link(format!("← round {p}"), links.round_from_round(run, p)));
    }
    if let Some(n) = neighbours.next {
        nav.push(text(" "));
        nav.push(link(format!("round {n} →"), links.round_from_round(run, n)));
    }

    let mut blocks = vec![summary(record, config, &agent, source)];
    blocks.push(Block::Heading(2, "Decision".into()));
    blocks.extend(decision_blocks(record));
    blocks.push(Block::Heading(2, "Proposal".into()));
    blocks.extend(proposal_blocks(record, &agent));
    blocks.push(Block::Heading(2, "Change".into()));
    blocks.extend(change_blocks(record));
    blocks.push(Block::Heading(2, "Verification".into()));
    blocks.extend(verification_blocks(record));
    if let Some(t) = &record.trial {
        blocks.push(Block::Heading(2, "Lesson".into()));
        blocks.push(Block::Paragraph(vec![text(collapse_whitespace(&t.lesson))]));
    }
    blocks.push(Block::Heading(
        2,
        "Attribution record (what the agent was shown)".into(),
    ));
    blocks.extend(attribution_blocks(record));
    blocks.push(Block::Heading(2, "Phases".into()));
    blocks.push(phase_table(record));
    if !record.llm_calls.is_empty() {
        blocks.push(Block::Heading(2, "LLM calls".into()));
        blocks.push(llm_table(record));
    }
    if let Some(p) = &record.proposal {
        blocks.push(Block::Details {
            summary: "The prompt sent to the agent".into(),
            blocks: vec![Block::Code(p.prompt.clone())],
        });
    }
    let verdict = match &record.verification {
        Some(v) => v.outcome.label().to_string(),
        None => "in progress".into(),
    };
    Document {
        title: format!("Run {run}, round {}: {verdict}", record.round),
        nav,
        blocks,
    }
}

fn summary(record: &RoundRecord, config: &RunConfig, agent: &str, source: AgentSource) -> Block {
    let mut spans = vec![text("Agent "), strong(agent)];
    if source == AgentSource::RunConfig {
        spans.push(text(" (the run's configured agent)"));
    }
    spans.push(text(format!(", model {}. Parent generator ", config.model)));
    spans.push(code(&record.parent_commit));
    match &record.candidate {
        Some(c) => {
            spans.push(text(", candidate "));
            spans.push(code(&c.commit));
            spans.push(text(". "));
        }
        None => spans.push(text(", no candidate yet. ")),
    }
    spans.push(text(format!("Started {}", format_utc(record.started_at))));
    match record.finished_at {
        Some(end) => spans.push(text(format!(
            ", finished {} ({}).",
            format_utc(end),
            duration((end - record.started_at) as f64 / 1000.0)
        ))),
        None => spans.push(text(", not finished.")),
    }
    Block::Paragraph(spans)
}

fn decision_blocks(record: &RoundRecord) -> Vec<Block> {
    let Some(v) = &record.verification else {
        return vec![Block::Paragraph(vec![text("No decision yet.")])];
    };
    let mut blocks = vec![Block::Paragraph(vec![
        Span::Badge {
            text: v.outcome.label().into(),
            kind: v.outcome.name().into(),
        },
        text(" "),
        text(collapse_whitespace(&v.reason)),
    ])];
    if let Some(e) = &v.evidence {
        blocks.extend(evidence_blocks(e));
    }
    blocks
}

fn evidence_blocks(e: &DecisionEvidence) -> Vec<Block> {
    let test = match e.test {
        TestKind::Superiority => format!(
            "superiority: the candidate must be better by at least {:.4}",
            e.min_effect
        ),
        TestKind::NonInferiority => format!(
            "non-inferiority (a simplification): no worse by more than {:.4}",
            e.margin
        ),
    };
    let mut blocks = vec![Block::Paragraph(vec![text(format!(
        "Paired test, {test}, one-sided confidence {:.0}%. Threshold the candidate's Score had to \
         beat on the decision seeds: {:.4}. The parent's pooled Score: {:.4} over {} seeds.",
        e.confidence * 100.0,
        e.threshold,
        e.parent_pooled_score,
        e.parent_pooled_seeds
    ))])];
    let mut rows = vec![estimate_row("screening (decision seeds)", &e.screening)];
    if let Some(c) = &e.confirmation {
        rows.push(estimate_row("pooled with confirmation seeds", c));
    }
    if let Some(g) = &e.guard {
        rows.push(estimate_row(
            &format!(
                "guard {} (margin {:.4}, {})",
                g.benchmark,
                g.margin,
                if g.passed { "held" } else { "failed" }
            ),
            &g.estimate,
        ));
    }
    blocks.push(Block::Table(Table::new(
        vec![
            ("Comparison".into(), Align::Left),
            ("Seeds".into(), Align::Left),
            ("People / households".into(), Align::Right),
            ("Parent".into(), Align::Right),
            ("Candidate".into(), Align::Right),
            ("Improvement ± SE".into(), Align::Right),
            ("One-sided bounds".into(), Align::Right),
            ("Groups (parent − candidate)".into(), Align::Left),
        ],
        rows,
    )));
    blocks
}

fn estimate_row(name: &str, p: &PairedEstimate) -> Vec<Vec<Span>> {
    let seeds: Vec<String> = p.seeds.iter().map(u64::to_string).collect();
    let groups: Vec<String> = p
        .group_improvements
        .iter()
        .map(|(g, d)| format!("{g} {}", delta(*d)))
        .collect();
    vec![
        vec![text(name)],
        vec![text(seeds.join(", "))],
        vec![text(format!("{} / {}", p.people, p.households))],
        vec![text(format!("{:.4}", p.parent_score))],
        vec![text(format!("{:.4}", p.candidate_score))],
        vec![text(format!(
            "{:+.4} ± {:.4}",
            p.improvement, p.standard_error
        ))],
        vec![text(format!(
            "[{:+.4}, {:+.4}]",
            p.lower_bound, p.upper_bound
        ))],
        vec![text(groups.join(", "))],
    ]
}

fn proposal_blocks(record: &RoundRecord, agent: &str) -> Vec<Block> {
    let Some(p) = &record.proposal else {
        return vec![Block::Paragraph(vec![text("No proposal yet.")])];
    };
    let mut items = vec![vec![
        strong("Failure mode: "),
        text(collapse_whitespace(&p.failure_mode)),
    ]];
    if let Some(t) = &p.target_diagnostic {
        items.push(vec![strong("Target diagnostic: "), code(t)]);
    }
    for (name, value) in [
        ("Hypothesis: ", &p.hypothesis),
        ("Intervention: ", &p.intervention),
        ("Rationale: ", &p.rationale),
    ] {
        items.push(vec![strong(name), text(collapse_whitespace(value))]);
    }
    vec![
        Block::Paragraph(vec![text(format!("Proposed by {agent}:"))]),
        Block::List(items),
    ]
}

fn change_blocks(record: &RoundRecord) -> Vec<Block> {
    let Some(c) = &record.candidate else {
        return vec![Block::Paragraph(vec![text("Nothing was applied.")])];
    };
    let mut blocks = vec![Block::Paragraph(vec![strong(change_line(record))])];
    blocks.extend(summary_blocks(&c.summary));
    blocks.push(Block::Diff(c.diff.clone()));
    blocks
}

fn summary_blocks(s: &ChangeSummary) -> Vec<Block> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut items: Vec<Vec<Span>> = s
        .files
        .iter()
        .map(|f| {
            let kind = match f.created {
                Some(true) => " (new)",
                Some(false) => " (deleted)",
                None => "",
            };
            vec![
                code(&f.path),
                text(format!("{kind}: +{} −{}", f.added, f.removed)),
            ]
        })
        .collect();
    for c in &s.constants {
        items.push(vec![
            text("constant "),
            code(c.describe()),
            text(format!(" in {}", c.file)),
        ]);
    }
    items.push(vec![text(format!(
        "code lines {} → {}, constants {} → {}{}",
        s.code_lines.0,
        s.code_lines.1,
        s.constant_items.0,
        s.constant_items.1,
        if s.simplifies() {
            " (a simplification)"
        } else {
            ""
        }
    ))]);
    for n in &s.notes {
        items.push(vec![text(format!("note: {n}"))]);
    }
    vec![Block::List(items)]
}

fn verification_blocks(record: &RoundRecord) -> Vec<Block> {
    let Some(v) = &record.verification else {
        return vec![Block::Paragraph(vec![text("Not verified yet.")])];
    };
    let mut blocks = Vec::new();
    let step = |name: &str, ok: bool| {
        vec![
            vec![text(name)],
            vec![if ok { text("ok") } else { strong("FAILED") }],
            vec![],
        ]
    };
    let mut rows = vec![step("build", v.build.ok), step("tests", v.tests.ok)];
    for c in &v.validity {
        rows.push(vec![
            vec![text(format!("validity: {}", c.name))],
            vec![if c.passed {
                text("passed")
            } else {
                strong("FAILED")
            }],
            vec![text(collapse_whitespace(&c.detail))],
        ]);
    }
    blocks.push(Block::Table(Table::new(
        vec![
            ("Check".into(), Align::Left),
            ("Result".into(), Align::Left),
            ("Detail".into(), Align::Left),
        ],
        rows,
    )));
    for (name, step) in [("Build log", &v.build), ("Test log", &v.tests)] {
        if !step.ok && !step.log.trim().is_empty() {
            blocks.push(Block::Heading(3, name.into()));
            blocks.push(Block::Code(tail(&step.log, 60)));
        }
    }
    blocks.push(metrics_table(record, v));
    blocks
}

fn metrics_table(record: &RoundRecord, v: &VerificationRecord) -> Block {
    let cand = v.metrics.as_ref();
    let row = |name: Vec<Span>, before: Option<f64>, after: Option<f64>| {
        let d = match (before, after) {
            (Some(b), Some(a)) => delta(a - b),
            _ => "–".into(),
        };
        vec![
            name,
            vec![text(score(before))],
            vec![text(score(after))],
            vec![text(d)],
        ]
    };
    let mut rows = vec![row(
        vec![strong("Score")],
        Some(v.parent_metrics.score),
        cand.map(|m| m.score),
    )];
    for g in group_names(v.parent_metrics.groups.keys()) {
        rows.push(row(
            vec![text(&g)],
            v.parent_metrics.groups.get(&g).copied(),
            cand.and_then(|m| m.groups.get(&g).copied()),
        ));
    }
    let target = record
        .proposal
        .as_ref()
        .and_then(|p| p.target_diagnostic.clone());
    if let Some(t) = &target {
        rows.push(row(
            vec![code(t), text(" (target)")],
            v.parent_metrics.diagnostics.get(t).copied(),
            cand.and_then(|m| m.diagnostics.get(t).copied()),
        ));
    }
    // The diagnostics that moved most.
    if let Some(c) = &v.comparison {
        let mut moves: Vec<(&String, &f64)> = c
            .diagnostics
            .iter()
            .filter(|(n, _)| Some(*n) != target.as_ref())
            .collect();
        moves.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        for (name, _) in moves.into_iter().take(6) {
            rows.push(row(
                vec![code(name)],
                v.parent_metrics.diagnostics.get(name).copied(),
                cand.and_then(|m| m.diagnostics.get(name).copied()),
            ));
        }
    }
    Block::Table(Table::new(
        vec![
            ("Metric (lower is better)".into(), Align::Left),
            ("Parent".into(), Align::Right),
            ("Candidate".into(), Align::Right),
            ("Δ".into(), Align::Right),
        ],
        rows,
    ))
}

fn attribution_blocks(record: &RoundRecord) -> Vec<Block> {
    let Some(a) = &record.attribution else {
        return vec![Block::Paragraph(vec![text("Not attributed yet.")])];
    };
    let f = &a.findings;
    let mut blocks = vec![Block::Paragraph(vec![text(format!(
        "The parent generator's validation Score: {:.4}{}.",
        a.metrics.score,
        f.get("records")
            .and_then(Value::as_u64)
            .map_or(String::new(), |n| format!(" over {n} people"))
    ))])];
    if let Some(diags) = f.get("ranked_diagnostics").and_then(Value::as_array) {
        let rows: Vec<Vec<Vec<Span>>> = diags
            .iter()
            .take(TOP_DIAGNOSTICS)
            .map(|d| {
                let value = d.get("value").and_then(Value::as_f64).unwrap_or(f64::NAN);
                let weight = d.get("weight").and_then(Value::as_f64).unwrap_or(1.0);
                vec![
                    vec![code(d.get("name").and_then(Value::as_str).unwrap_or("?"))],
                    vec![text(d.get("group").and_then(Value::as_str).unwrap_or(""))],
                    vec![text(format!("{value:.4}"))],
                    vec![text(format!("{weight}"))],
                    vec![text(format!("{:.4}", value * weight))],
                ]
            })
            .collect();
        if !rows.is_empty() {
            blocks.push(Block::Heading(3, "Diagnostics carrying the Score".into()));
            blocks.push(Block::Table(Table::new(
                vec![
                    ("Diagnostic".into(), Align::Left),
                    ("Group".into(), Align::Left),
                    ("Value".into(), Align::Right),
                    ("Weight".into(), Align::Right),
                    ("Contribution".into(), Align::Right),
                ],
                rows,
            )));
        }
    }
    blocks.push(Block::Heading(
        3,
        "Hourly activity shares, real against generated".into(),
    ));
    blocks.extend(hourly_blocks(f));
    if let Some(segments) = f.get("segments").and_then(Value::as_array) {
        let rows: Vec<Vec<Vec<Span>>> = segments
            .iter()
            .map(|s| {
                let num = |k: &str| {
                    s.get(k)
                        .and_then(Value::as_f64)
                        .map_or("–".into(), |v| format!("{v:.4}"))
                };
                vec![
                    vec![text(
                        s.get("segment").and_then(Value::as_str).unwrap_or("?"),
                    )],
                    vec![text(
                        s.get("records")
                            .and_then(Value::as_u64)
                            .map_or("–".into(), |n| n.to_string()),
                    )],
                    vec![text(num("score"))],
                    vec![text(num("individual"))],
                    vec![text(num("distribution"))],
                    vec![text(num("behavior"))],
                    vec![text(num("activity_accuracy"))],
                ]
            })
            .collect();
        if !rows.is_empty() {
            blocks.push(Block::Heading(3, "Segments".into()));
            blocks.push(Block::Table(Table::new(
                vec![
                    ("Segment".into(), Align::Left),
                    ("People".into(), Align::Right),
                    ("Score".into(), Align::Right),
                    ("Individual".into(), Align::Right),
                    ("Distribution".into(), Align::Right),
                    ("Behavior".into(), Align::Right),
                    ("Activity accuracy".into(), Align::Right),
                ],
                rows,
            )));
        }
    }
    let pairs: Vec<DiaryPair> = f
        .get("representatives")
        .and_then(Value::as_array)
        .map(|reps| {
            reps.iter()
                .filter_map(|r| {
                    Some(DiaryPair {
                        person: r.get("person_id")?.as_str()?.to_string(),
                        segment: r.get("segment")?.as_str()?.to_string(),
                        mismatched_slots: r
                            .get("mismatched_slots")
                            .and_then(Value::as_u64)
                            .unwrap_or(0) as usize,
                        real: r.get("real")?.as_str()?.to_string(),
                        generated: r.get("generated")?.as_str()?.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    if !pairs.is_empty() {
        blocks.push(Block::Heading(
            3,
            "Example diaries, real against generated".into(),
        ));
        blocks.push(Block::Paragraph(vec![text(
            "People of the worst segments, worst-matching first: H Home, W Work, S School, \
             O Others, T Travel; an outlined generated hour differs from the real one.",
        )]));
        blocks.push(Block::Diaries(pairs));
    }
    blocks.push(Block::Details {
        summary: "The attribution record as the agent read it".into(),
        blocks: vec![Block::Code(a.text.clone())],
    });
    blocks
}

/// 24 × 5 numbers from a findings field.
fn matrix(v: Option<&Value>) -> Option<Vec<[f64; 5]>> {
    let rows = v?.as_array()?;
    if rows.len() != 24 {
        return None;
    }
    rows.iter()
        .map(|r| {
            let r = r.as_array()?;
            if r.len() != 5 {
                return None;
            }
            let mut out = [0.0; 5];
            for (o, x) in out.iter_mut().zip(r) {
                *o = x.as_f64()?;
            }
            Some(out)
        })
        .collect()
}

fn hourly_blocks(findings: &Value) -> Vec<Block> {
    let real = matrix(findings.get("hourly_real_share"));
    let error = matrix(findings.get("hourly_share_error"));
    let (Some(real), Some(error)) = (real, error) else {
        return vec![Block::Paragraph(vec![text(
            "This record does not carry the real hourly shares (it was written before they \
             were recorded); its text below gives the errors per hour.",
        )])];
    };
    let generated: Vec<[f64; 5]> = real
        .iter()
        .zip(&error)
        .map(|(r, e)| std::array::from_fn(|a| r[a] + e[a]))
        .collect();
    let shares = HourlyShares { real, generated };
    let svgs = (0..ACTIVITIES.len())
        .map(|a| hourly_shares_svg(&shares, a, SHARE_SIZE))
        .collect();
    let mut header = vec![("Hour".to_string(), Align::Right)];
    for a in ACTIVITIES {
        header.push((format!("{a} real"), Align::Right));
        header.push((format!("{a} gen."), Align::Right));
    }
    let rows = (0..24)
        .map(|h| {
            let mut row = vec![vec![text(format!("{h:02}"))]];
            for a in 0..ACTIVITIES.len() {
                row.push(vec![text(format!("{:.1}%", shares.real[h][a] * 100.0))]);
                row.push(vec![text(format!(
                    "{:.1}%",
                    shares.generated[h][a] * 100.0
                ))]);
            }
            row
        })
        .collect();
    vec![Block::Figure {
        svgs,
        file: None,
        caption: "Share of people in each activity at each clock hour: real diaries (solid) and \
                  the parent generator's (dashed), on the validation people."
            .into(),
        fallback: vec![Block::Table(Table::new(header, rows))],
    }]
}

fn phase_table(record: &RoundRecord) -> Block {
    let rows = record
        .phases
        .iter()
        .map(|e| {
            let took = match (e.state, e.started_at, e.finished_at) {
                (PhaseState::Done | PhaseState::Failed, Some(a), Some(b)) => {
                    duration((b - a) as f64 / 1000.0)
                }
                (PhaseState::Running, Some(a), _) => format!("since {}", format_utc(a)),
                _ => String::new(),
            };
            vec![
                vec![text(e.phase.name())],
                vec![text(e.state.name())],
                vec![text(e.attempts.to_string())],
                vec![text(took)],
                vec![text(
                    e.error
                        .as_deref()
                        .map(collapse_whitespace)
                        .unwrap_or_default(),
                )],
            ]
        })
        .collect();
    Block::Table(Table::new(
        vec![
            ("Phase".into(), Align::Left),
            ("State".into(), Align::Left),
            ("Attempts".into(), Align::Right),
            ("Time".into(), Align::Right),
            ("Error".into(), Align::Left),
        ],
        rows,
    ))
}

fn llm_table(record: &RoundRecord) -> Block {
    let rows = record
        .llm_calls
        .iter()
        .map(|c| {
            vec![
                vec![text(&c.step)],
                vec![text(&c.model)],
                vec![text(c.tokens_in.to_string())],
                vec![text(c.tokens_out.to_string())],
                vec![text(format!("${:.4}", c.cost_usd))],
                vec![text(duration(c.latency_ms as f64 / 1000.0))],
            ]
        })
        .collect();
    Block::Table(Table::new(
        vec![
            ("Step".into(), Align::Left),
            ("Model".into(), Align::Left),
            ("Tokens in".into(), Align::Right),
            ("Tokens out".into(), Align::Right),
            ("Cost".into(), Align::Right),
            ("Latency".into(), Align::Right),
        ],
        rows,
    ))
}

/// The last `n` lines of `log`, saying how many were cut.
fn tail(log: &str, n: usize) -> String {
    let lines: Vec<&str> = log.trim_end().lines().collect();
    let cut = lines.len().saturating_sub(n);
    let mut out = String::new();
    if cut > 0 {
        out.push_str(&format!("… ({cut} earlier lines)\n"));
    }
    out.push_str(&lines[cut..].join("\n"));
    out
}
