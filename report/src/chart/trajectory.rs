//! The trajectory chart (as the paper's Figure 3): every attempt a point at (round,
//! candidate validation Score), the accepted generator's Score a step line, the initial
//! generator a diamond at round 0, and per round the acceptance band — from the Score the
//! candidate had to beat (the rule's threshold on the round's decision seeds) up to the
//! parent's Score on those seeds — so a rejected point below the line shows why it was
//! rejected.
//!
//! A round whose decision recorded its evidence is plotted as the decision saw it: the
//! candidate's Score on the decision seeds against that round's band (the run's pooled
//! candidate Score, when it differs, is in the tooltip).
//!
//! Lower is better. So that one disastrous candidate does not flatten the rest, the y axis
//! stops at 0.6 × the improvement range above the starting score; points beyond are drawn
//! on the top edge as triangles (a legend entry says so) and their tooltip gives the value.

use memory::{RoundOutcome, TrajectoryPoint};

use super::figure::{Axis, Extent, Figure, Glyph, Layer, Mark, Shape, Ticks};

const ACCEPTED: &str = "#2da44e";
const ACCEPTED_EDGE: &str = "#1a7f37";
const REJECTED: &str = "#8c959f";
const CONFIRM: &str = "#bc4c00";
const FAILED: &str = "#cf222e";
const PENDING: &str = "#bf8700";
const INITIAL: &str = "#0969da";
const BAND: &str = "#0969da";

/// One round as the chart needs it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TrajectoryRound {
    pub point: TrajectoryPoint,
    /// (parent's Score on the round's decision seeds, threshold the candidate had to beat),
    /// when the candidate was scored and the decision recorded its evidence.
    pub band: Option<(f64, f64)>,
    /// The candidate's Score on the decision seeds, with `band`.
    pub decided_score: Option<f64>,
    /// The round's page.
    pub href: Option<String>,
}

/// The chart of `points` (one per round, as [`memory::Memory::trajectory`] returns them),
/// `width` × `height` pixels (at least 360 × 220), without acceptance bands or links.
pub fn trajectory_svg(points: &[TrajectoryPoint], width: u32, height: u32) -> String {
    let rounds: Vec<TrajectoryRound> = points
        .iter()
        .map(|p| TrajectoryRound {
            point: p.clone(),
            band: None,
            decided_score: None,
            href: None,
        })
        .collect();
    super::render(&trajectory_figure(
        &rounds,
        (f64::from(width.max(360)), f64::from(height.max(220))),
    ))
}

/// The figure of the trajectory chart.
pub(crate) fn trajectory_figure(rounds: &[TrajectoryRound], size: (f64, f64)) -> Figure {
    let initial = rounds.iter().find_map(|r| r.point.parent_score);
    let last_round = rounds
        .iter()
        .map(|r| r.point.round)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut values: Vec<f64> = Vec::new();
    values.extend(initial);
    values.extend(rounds.iter().filter_map(TrajectoryRound::plotted));
    values.extend(rounds.iter().filter_map(|r| r.point.current));
    values.extend(rounds.iter().filter_map(|r| r.band.map(|b| b.1)));
    values.retain(|v| v.is_finite());
    let (lo, hi, cap) = y_extent(&values, initial, rounds);
    let pad = (hi - lo) * 0.06;
    let y_range = (lo - pad, hi + pad);
    let mut fig = Figure::new(
        "trajectory",
        "Validation Score per round: every attempt, the acceptance band and the accepted \
         generator (lower is better)",
        size,
        Axis {
            label: "Round".into(),
            range: (-0.5, f64::from(last_round) + 0.5),
            ticks: Ticks::Integer(11),
        },
        Axis {
            label: "Validation Score (lower is better)".into(),
            range: y_range,
            ticks: Ticks::Nice(5),
        },
    );
    if values.is_empty() {
        fig.empty_message = Some("No evaluated round yet".into());
    }

    // Acceptance bands.
    let spans: Vec<Extent> = rounds
        .iter()
        .filter_map(|r| {
            let (parent, threshold) = r.band?;
            let x = f64::from(r.point.round);
            Some(Extent {
                x: (x - 0.45, x + 0.45),
                y: (threshold.min(parent), threshold.max(parent)),
                title: format!(
                    "Round {}: to be accepted the candidate had to score below {threshold:.4} \
                     (the parent scored {parent:.4} on the round's seeds)",
                    r.point.round
                ),
            })
        })
        .collect();
    if !spans.is_empty() {
        fig.layers.push(Layer::Spans {
            class: "acceptance-band".into(),
            fill: BAND,
            opacity: 0.14,
            spans,
        });
        fig.legend(
            "acceptance band (threshold to parent)",
            Glyph::Swatch {
                fill: BAND,
                opacity: 0.3,
            },
        );
    }

    // The accepted generator: a step line from the initial generator through every round,
    // at its latest estimate (it can rise when more seeds pool; no minimum is taken).
    let mut line: Vec<(f64, f64)> = Vec::new();
    if let Some(i) = initial {
        line.push((0.0, i));
    }
    for r in rounds {
        if let Some(b) = r.point.current {
            line.push((f64::from(r.point.round), b));
        }
    }
    if !line.is_empty() {
        fig.layers.push(Layer::Line {
            class: "accepted-generator".into(),
            points: line,
            stroke: ACCEPTED_EDGE,
            width: 2.0,
            dash: None,
            step: true,
        });
        fig.legend(
            "accepted generator",
            Glyph::Line {
                stroke: ACCEPTED_EDGE,
                dash: None,
            },
        );
    }

    let mut marks = Vec::new();
    if let Some(v) = initial {
        marks.push(Mark {
            x: 0.0,
            y: v.min(cap),
            shape: Shape::Diamond,
            fill: INITIAL,
            stroke: INITIAL,
            size: 4.5,
            class: "initial".into(),
            title: format!("Initial generator: Score {v:.4}"),
            href: None,
        });
        fig.legend(
            "initial generator",
            Glyph::Mark {
                shape: Shape::Diamond,
                fill: INITIAL,
                stroke: INITIAL,
            },
        );
    }
    let bottom = y_range.0 + (y_range.1 - y_range.0) * 0.03;
    for r in rounds {
        let p = &r.point;
        let x = f64::from(p.round);
        let Some(score) = r.plotted() else {
            if let Some(outcome) = p.outcome {
                marks.push(Mark {
                    x,
                    y: bottom,
                    shape: Shape::Cross,
                    fill: FAILED,
                    stroke: FAILED,
                    size: 4.0,
                    class: format!("attempt not-evaluated {}", outcome.name()),
                    title: format!("Round {}: {}, never scored", p.round, outcome.label()),
                    href: r.href.clone(),
                });
                fig.legend(
                    "not scored (bottom edge)",
                    Glyph::Mark {
                        shape: Shape::Cross,
                        fill: FAILED,
                        stroke: FAILED,
                    },
                );
            }
            continue;
        };
        let (label, fill, stroke, legend) = match p.outcome {
            Some(RoundOutcome::Accepted) => ("accepted", ACCEPTED, ACCEPTED_EDGE, "accepted"),
            Some(RoundOutcome::NotConfirmed | RoundOutcome::GuardRegression) => (
                "rejected",
                "#ffffff",
                CONFIRM,
                "rejected after screening (not confirmed, guard)",
            ),
            Some(_) => ("rejected", "#ffffff", REJECTED, "rejected"),
            None => ("pending", "#ffffff", PENDING, "scored, not decided yet"),
        };
        let kind = p.outcome.map_or("pending", RoundOutcome::label);
        let mut title = format!("Round {}: Score {score:.4}, {kind}", p.round);
        if let Some((parent, threshold)) = r.band {
            title.push_str(&format!(
                " on the decision seeds; had to beat {threshold:.4} (parent {parent:.4} there)"
            ));
        }
        if let Some(pooled) = p.candidate_score.filter(|c| (c - score).abs() > 5e-5) {
            title.push_str(&format!("; recorded Score {pooled:.4}"));
        }
        let outcome_class = p.outcome.map_or("pending", RoundOutcome::name);
        let (y, shape, class) = if score > cap {
            title.push_str(" (off the chart)");
            fig.legend(
                "off the chart (value in tooltip)",
                Glyph::Mark {
                    shape: Shape::Triangle,
                    fill: "#ffffff",
                    stroke: REJECTED,
                },
            );
            (
                cap,
                Shape::Triangle,
                format!("attempt {label} {outcome_class} clipped"),
            )
        } else {
            (
                score,
                Shape::Circle,
                format!("attempt {label} {outcome_class}"),
            )
        };
        fig.legend(
            legend,
            Glyph::Mark {
                shape: Shape::Circle,
                fill,
                stroke,
            },
        );
        marks.push(Mark {
            x,
            y,
            shape,
            fill,
            stroke,
            size: 4.5,
            class,
            title,
            href: r.href.clone(),
        });
    }
    fig.layers.push(Layer::Marks {
        class: "attempts".into(),
        marks,
    });
    fig
}

impl TrajectoryRound {
    /// The Score drawn for the round's candidate.
    fn plotted(&self) -> Option<f64> {
        self.decided_score.or(self.point.candidate_score)
    }
}

/// The plotted y range `(lo, hi)` and the cap above which points are drawn on the top edge.
fn y_extent(values: &[f64], initial: Option<f64>, rounds: &[TrajectoryRound]) -> (f64, f64, f64) {
    if values.is_empty() {
        return (0.0, 1.0, f64::INFINITY);
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // The scores that must be seen: the start, every accepted generator and every band.
    let reference = initial
        .into_iter()
        .chain(rounds.iter().filter_map(|r| r.point.current))
        .chain(rounds.iter().filter_map(|r| r.band.map(|b| b.0)))
        .fold(lo, f64::max);
    let mut spread = reference - lo;
    if spread <= 1e-12 {
        spread = (reference.abs() * 0.05).max(1e-3);
    }
    let cap = reference + 0.6 * spread;
    let hi = max.min(cap);
    if hi - lo <= 1e-12 {
        return (lo - spread / 2.0, hi + spread / 2.0, cap);
    }
    (lo, hi, cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(n: u32, cand: f64, outcome: RoundOutcome, best: f64) -> TrajectoryRound {
        TrajectoryRound {
            point: TrajectoryPoint {
                round: n,
                parent_score: Some(1.0),
                candidate_score: Some(cand),
                accepted: Some(outcome == RoundOutcome::Accepted),
                outcome: Some(outcome),
                current: Some(best),
            },
            band: Some((1.0, 0.98)),
            decided_score: None,
            href: Some(format!("rounds/round-{n:04}.html")),
        }
    }

    #[test]
    fn an_outlier_is_capped_with_a_legend_entry_and_bands_are_drawn() {
        let rounds = [
            round(1, 0.9, RoundOutcome::Accepted, 0.9),
            round(2, 40.0, RoundOutcome::NotBetter, 0.9),
            round(3, 0.99, RoundOutcome::NotBetter, 0.9),
        ];
        let fig = trajectory_figure(&rounds, (640.0, 360.0));
        assert!(fig.y.range.1 < 2.0, "{:?}", fig.y.range);
        let labels: Vec<&str> = fig.legend.iter().map(|e| e.label.as_str()).collect();
        assert!(
            labels.contains(&"off the chart (value in tooltip)"),
            "{labels:?}"
        );
        assert!(labels.contains(&"acceptance band (threshold to parent)"));
        let svg = super::super::render(&fig);
        assert!(svg.contains("attempt rejected not_better clipped"), "{svg}");
        assert!(svg.contains("Score 40.0000, not better on the decision seeds; had to beat 0.9800"));
        assert_eq!(svg.matches("<a href=\"rounds/round-").count(), 3);
        assert!(svg.contains("class=\"acceptance-band\""));
    }
}
