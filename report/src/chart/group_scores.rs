//! Group-score curves: for one group score (Individual, Distribution or Behavior), the
//! current generator's value round after round as a step line, and every scored
//! candidate's value as a point (filled when accepted). Lower is better.

use super::figure::{Axis, Figure, Glyph, Layer, Mark, Shape, Ticks};

const LINE: &str = "#1a7f37";
const ACCEPTED: &str = "#2da44e";
const REJECTED: &str = "#8c959f";

/// One round's values of a group score.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GroupRound {
    pub round: u32,
    /// The current generator's value at the round's start.
    pub parent: Option<f64>,
    /// The candidate's, if scored.
    pub candidate: Option<f64>,
    pub accepted: bool,
    pub href: Option<String>,
}

/// The chart of group `name` over `rounds`.
pub(crate) fn group_score_svg(name: &str, rounds: &[GroupRound], size: (f64, f64)) -> String {
    let last = rounds.iter().map(|r| r.round).max().unwrap_or(0).max(1);
    let mut line: Vec<(f64, f64)> = Vec::new();
    let mut current = None;
    for r in rounds {
        if let Some(p) = r.parent {
            line.push((f64::from(r.round), p));
            current = Some(p);
        }
        if let (true, Some(c)) = (r.accepted, r.candidate) {
            current = Some(c);
        }
    }
    if let (Some(c), Some(last_round)) = (current, rounds.last()) {
        line.push((f64::from(last_round.round) + 0.5, c));
    }
    let values: Vec<f64> = line
        .iter()
        .map(|p| p.1)
        .chain(rounds.iter().filter_map(|r| r.candidate))
        .filter(|v| v.is_finite())
        .collect();
    let (lo, hi) = extent(&values, &line);
    let pad = ((hi - lo) * 0.08).max(1e-4);
    let title = capitalise(name);
    let mut fig = Figure::new(
        &format!("group-score group-{name}"),
        &format!(
            "{title} score per round: the current generator (line) and each candidate (points)"
        ),
        size,
        Axis {
            label: "Round".into(),
            range: (0.5, f64::from(last) + 0.5),
            ticks: Ticks::Integer(6),
        },
        Axis {
            label: title.clone(),
            range: (lo - pad, hi + pad),
            ticks: Ticks::Nice(4),
        },
    );
    if values.is_empty() {
        fig.empty_message = Some("No scored round yet".into());
    }
    fig.layers.push(Layer::Line {
        class: "current".into(),
        points: line,
        stroke: LINE,
        width: 2.0,
        dash: None,
        step: true,
    });
    fig.legend(
        "current generator",
        Glyph::Line {
            stroke: LINE,
            dash: None,
        },
    );
    let marks = rounds
        .iter()
        .filter_map(|r| {
            let c = r.candidate?;
            let (fill, stroke) = if r.accepted {
                (ACCEPTED, LINE)
            } else {
                ("#ffffff", REJECTED)
            };
            Some(Mark {
                x: f64::from(r.round),
                y: c,
                shape: Shape::Circle,
                fill,
                stroke,
                size: 3.5,
                class: if r.accepted { "accepted" } else { "rejected" }.into(),
                title: format!("Round {}: candidate {title} {c:.4}", r.round),
                href: r.href.clone(),
            })
        })
        .collect();
    fig.layers.push(Layer::Marks {
        class: "candidates".into(),
        marks,
    });
    fig.legend(
        "candidate",
        Glyph::Mark {
            shape: Shape::Circle,
            fill: "#ffffff",
            stroke: REJECTED,
        },
    );
    super::render(&fig)
}

/// The range to show: every value of the current generator, and candidates up to 1.5 × the
/// line's spread beyond it (a wild candidate is drawn on the edge).
fn extent(values: &[f64], line: &[(f64, f64)]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 1.0);
    }
    let line_lo = line.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let line_hi = line.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let (line_lo, line_hi) = if line_lo.is_finite() {
        (line_lo, line_hi)
    } else {
        (values[0], values[0])
    };
    let spread = (line_hi - line_lo).max(line_hi.abs() * 0.02).max(1e-3);
    let lo = values
        .iter()
        .copied()
        .fold(line_lo, f64::min)
        .max(line_lo - 1.5 * spread);
    let hi = values
        .iter()
        .copied()
        .fold(line_hi, f64::max)
        .min(line_hi + 1.5 * spread);
    (lo, hi)
}

fn capitalise(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
