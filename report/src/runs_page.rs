//! The list of runs (the dashboard's front page).

use memory::{format_utc, RunSummary, Totals};

use crate::document::{code, link, strong, text, Align, Block, Document, Span, Table};
use crate::links::Links;

/// One run in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct RunListEntry {
    /// The run.
    pub summary: RunSummary,
    /// Its totals.
    pub totals: Totals,
    /// The initial generator's validation Score, once measured.
    pub initial_score: Option<f64>,
    /// The best accepted validation Score so far.
    pub best_score: Option<f64>,
}

pub(crate) fn build(runs: &[RunListEntry], runs_dir: &str) -> Document {
    let links = Links::Server;
    let mut blocks = vec![Block::Paragraph(vec![
        text("Runs recorded in "),
        code(runs_dir),
        text(". Every page updates itself while its run is driven."),
    ])];
    if runs.is_empty() {
        blocks.push(Block::Paragraph(vec![text(
            "No run yet: start one with `orchestrator run`.",
        )]));
    } else {
        let rows = runs
            .iter()
            .rev()
            .map(|r| {
                let s = &r.summary;
                let t = &r.totals;
                let mut status: Vec<Span> = vec![strong(s.status.name())];
                if let Some(reason) = &s.status_reason {
                    status.push(text(format!(": {reason}")));
                }
                let scores = match (r.initial_score, r.best_score) {
                    (Some(i), Some(b)) => format!("{i:.4} → {b:.4}"),
                    _ => "–".into(),
                };
                vec![
                    vec![link(format!("run {}", s.id), format!("/runs/{}", s.id))],
                    vec![text(&s.config.benchmark)],
                    vec![text(format!("{} ({})", s.config.agent, s.config.model))],
                    status,
                    vec![text(format!(
                        "{} ({} finished)",
                        t.rounds, t.finished_rounds
                    ))],
                    vec![text(t.accepted.to_string())],
                    vec![text(scores)],
                    vec![text(format!("${:.2}", t.cost_usd))],
                    vec![text(format_utc(s.created_at))],
                    vec![text(format_utc(s.updated_at))],
                    vec![link("comparison", links.comparison_from_run(s.id))],
                ]
            })
            .collect();
        blocks.push(Block::Table(Table {
            header: vec![
                ("Run".into(), Align::Left),
                ("Benchmark".into(), Align::Left),
                ("Agent (model)".into(), Align::Left),
                ("Status".into(), Align::Left),
                ("Rounds".into(), Align::Right),
                ("Accepted".into(), Align::Right),
                ("Score initial → best".into(), Align::Right),
                ("LLM cost".into(), Align::Right),
                ("Created".into(), Align::Left),
                ("Last write".into(), Align::Left),
                ("".into(), Align::Left),
            ],
            rows,
            groups: Vec::new(),
            id: Some("runs-table"),
            class: Some("runs"),
        }));
    }
    Document {
        title: "mobevolve runs".into(),
        nav: Vec::new(),
        blocks,
    }
}
