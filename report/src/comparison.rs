//! The comparison table: one row per generator (baselines, LLM generators, the initial and
//! the evolved generator, any other generator of the run read by a final evaluation), one
//! column group per split (`val`, then `test`, then any other) with the side metrics in it
//! when any row of that split has them, cost columns when any row has them. A split read
//! twice for the same generator shows its latest read once, and says so.

use std::collections::BTreeMap;

use serde_json::json;

use crate::document::{code, strong, text, Align, Block, Span, Table};
use crate::report_input::{ComparisonRow, ReportInput, SideFigures};
use crate::text_format::short_commit;

/// The comparison, pivoted.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Comparison {
    /// Splits in column order.
    pub splits: Vec<String>,
    /// Rows in display order: name → split → the row shown.
    pub rows: Vec<(String, BTreeMap<String, ComparisonRow>)>,
    /// (generator, split, reads) for every generator and split read more than once.
    pub repeated: Vec<(String, String, usize)>,
}

/// `validation` → `val`; other names as given.
pub(crate) fn split_name(split: &str) -> String {
    match split {
        "validation" => "val".into(),
        other => other.to_string(),
    }
}

/// The display name of generator `commit` of the run.
fn generator_name(commit: &str, input: &ReportInput) -> String {
    let initial = commit == input.run.initial_commit;
    let current = commit == input.run.current_commit;
    match (initial, current) {
        (true, true) => "initial generator (nothing accepted)".into(),
        (true, false) => "initial generator".into(),
        (false, true) => "evolved generator".into(),
        (false, false) => format!("generator {}", short_commit(commit)),
    }
}

pub(crate) fn pivot(input: &ReportInput) -> Comparison {
    let mut all: Vec<(String, ComparisonRow)> = Vec::new();
    for row in &input.comparison {
        let name = match &row.commit {
            Some(c) => generator_name(c, input),
            None => row.name.clone(),
        };
        all.push((name, row.clone()));
    }
    for f in &input.final_evaluations {
        let name = generator_name(&f.commit, input);
        let row = ComparisonRow::from_metrics(&name, &f.split, &f.metrics).with_commit(&f.commit);
        all.push((name, row));
    }
    let mut splits: Vec<String> = Vec::new();
    let mut rows: Vec<(String, BTreeMap<String, ComparisonRow>)> = Vec::new();
    let mut reads: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (name, mut row) in all {
        let split = split_name(&row.split);
        row.split = split.clone();
        if !splits.contains(&split) {
            splits.push(split.clone());
        }
        *reads.entry((name.clone(), split.clone())).or_default() += 1;
        let i = match rows.iter().position(|(n, _)| *n == name) {
            Some(i) => i,
            None => {
                rows.push((name.clone(), BTreeMap::new()));
                rows.len() - 1
            }
        };
        let cell = &mut rows[i].1;
        // A later row of the same generator and split (a second read) replaces the first,
        // keeping the cost figures a final evaluation does not carry.
        if let Some(old) = cell.get(&split) {
            row.ms_per_person = row.ms_per_person.or(old.ms_per_person);
            row.usd_per_person = row.usd_per_person.or(old.usd_per_person);
            row.side = row.side.take().or_else(|| old.side.clone());
        }
        cell.insert(split, row);
    }
    let rank = |s: &str| match s {
        "val" => 0,
        "test" => 1,
        _ => 2,
    };
    splits.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    Comparison {
        splits,
        rows,
        repeated: reads
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|((g, s), n)| (g, s, n))
            .collect(),
    }
}

/// Which side-metric columns a split's group shows: each when any row of that split has it
/// (the spatial MAE exists in the location task only).
#[derive(Debug, Clone, Copy)]
struct SideColumns {
    temporal_and_f1: bool,
    spatial: bool,
}

impl SideColumns {
    fn of(c: &Comparison, split: &str) -> SideColumns {
        let sides = || {
            c.rows
                .iter()
                .filter_map(|(_, r)| r.get(split)?.side.as_ref())
        };
        SideColumns {
            temporal_and_f1: sides().next().is_some(),
            spatial: sides().any(|s| s.spatial_mae_km.is_some()),
        }
    }

    fn names(self) -> impl Iterator<Item = &'static str> {
        [
            (self.temporal_and_f1, "Temporal MAE (min)"),
            (self.spatial, "Spatial MAE (km)"),
            (self.temporal_and_f1, "Activity F1"),
        ]
        .into_iter()
        .filter_map(|(shown, name)| shown.then_some(name))
    }

    fn count(self) -> usize {
        self.names().count()
    }

    /// The cells of one row (`–` where it has no side metrics).
    fn cells(self, side: Option<&SideFigures>) -> Vec<String> {
        let fixed = |v: Option<f64>, decimals: usize| match v {
            Some(v) if v.is_finite() => format!("{v:.decimals$}"),
            _ => "–".to_string(),
        };
        let mut cells = Vec::new();
        if self.temporal_and_f1 {
            cells.push(fixed(side.map(|s| s.temporal_mae_min), 1));
        }
        if self.spatial {
            cells.push(fixed(side.and_then(|s| s.spatial_mae_km), 2));
        }
        if self.temporal_and_f1 {
            cells.push(fixed(side.map(|s| s.activity_weighted_f1), 4));
        }
        cells
    }
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "–".into()
    }
}

pub(crate) fn blocks(input: &ReportInput) -> Vec<Block> {
    let c = pivot(input);
    if c.rows.is_empty() {
        return vec![Block::Paragraph(vec![text(
            "No comparison was supplied for this report and no final evaluation was logged.",
        )])];
    }
    let has_ms = c
        .rows
        .iter()
        .any(|(_, r)| r.values().any(|x| x.ms_per_person.is_some()));
    let has_usd = c
        .rows
        .iter()
        .any(|(_, r)| r.values().any(|x| x.usd_per_person.is_some()));
    let mut best: BTreeMap<&str, f64> = BTreeMap::new();
    for (_, by_split) in &c.rows {
        for (split, r) in by_split {
            if r.score.is_finite() {
                let e = best.entry(split.as_str()).or_insert(r.score);
                *e = e.min(r.score);
            }
        }
    }
    let side_columns: Vec<SideColumns> = c
        .splits
        .iter()
        .map(|split| SideColumns::of(&c, split))
        .collect();
    let mut header = vec![("Generator".to_string(), Align::Left)];
    let mut groups = vec![(String::new(), 1)];
    for (split, side) in c.splits.iter().zip(&side_columns) {
        for col in ["Score", "Individual", "Distribution", "Behavior"] {
            header.push((col.to_string(), Align::Right));
        }
        header.extend(side.names().map(|n| (n.to_string(), Align::Right)));
        groups.push((split.clone(), 4 + side.count()));
    }
    if has_ms || has_usd {
        let n = usize::from(has_ms) + usize::from(has_usd);
        groups.push(("cost".into(), n));
        if has_ms {
            header.push(("ms/person".into(), Align::Right));
        }
        if has_usd {
            header.push(("USD/person".into(), Align::Right));
        }
    }
    let rows = c
        .rows
        .iter()
        .map(|(name, by_split)| {
            let mut row: Vec<Vec<Span>> = vec![vec![text(name)]];
            for (split, side) in c.splits.iter().zip(&side_columns) {
                match by_split.get(split) {
                    Some(r) => {
                        let is_best = best.get(split.as_str()) == Some(&r.score);
                        row.push(vec![if is_best {
                            strong(num(r.score))
                        } else {
                            text(num(r.score))
                        }]);
                        for v in [r.individual, r.distribution, r.behavior] {
                            row.push(vec![text(num(v))]);
                        }
                        row.extend(
                            side.cells(r.side.as_ref())
                                .into_iter()
                                .map(|t| vec![text(t)]),
                        );
                    }
                    None => row.extend((0..4 + side.count()).map(|_| vec![text("–")])),
                }
            }
            let first = |f: fn(&ComparisonRow) -> Option<f64>| {
                c.splits
                    .iter()
                    .filter_map(|s| by_split.get(s).and_then(f))
                    .next()
            };
            if has_ms {
                row.push(vec![text(
                    first(|r| r.ms_per_person).map_or("–".into(), |v| format!("{v:.3}")),
                )]);
            }
            if has_usd {
                row.push(vec![text(
                    first(|r| r.usd_per_person).map_or("–".into(), |v| format!("${v:.5}")),
                )]);
            }
            row
        })
        .collect();
    let mut blocks = vec![
        Block::Paragraph(vec![text(
            "Every generator on each split read: lower is better, the best Score of each split in \
             bold. The test split is read only by an explicit final evaluation, and every read is logged \
             with the run. Side metrics, where known (not in the Score): temporal MAE in minutes, \
             spatial MAE in km, activity weighted F1 (higher is better). ms/person is generation \
             time per person (for an LLM generator, its LLM latency per person); USD/person is LLM \
             spend.",
        )]),
        Block::Table(Table {
            header,
            rows,
            groups,
            id: Some("comparison-table"),
            class: Some("comparison"),
        }),
    ];
    if !c.repeated.is_empty() {
        blocks.push(Block::Paragraph(
            c.repeated
                .iter()
                .enumerate()
                .flat_map(|(i, (g, s, n))| {
                    let mut spans = Vec::new();
                    if i > 0 {
                        spans.push(text(" "));
                    }
                    spans.push(text(format!("{g}: the ")));
                    spans.push(code(s));
                    spans.push(text(format!(
                        " split was read {n} times; the latest read is shown."
                    )));
                    spans
                })
                .collect(),
        ));
    }
    blocks
}

/// The pivoted table as JSON, for the dashboard's API.
pub(crate) fn json(input: &ReportInput) -> serde_json::Value {
    let c = pivot(input);
    let rows: Vec<serde_json::Value> = c
        .rows
        .iter()
        .map(|(name, by_split)| {
            json!({
                "generator": name,
                "splits": by_split.iter().map(|(s, r)| (s.clone(), crate::report_input::to_value(r))).collect::<serde_json::Map<_, _>>(),
            })
        })
        .collect();
    let repeated: Vec<serde_json::Value> = c
        .repeated
        .iter()
        .map(|(g, s, n)| json!({"generator": g, "split": s, "reads": n}))
        .collect();
    json!({ "splits": c.splits, "rows": rows, "repeated": repeated })
}
