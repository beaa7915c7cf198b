//! The trajectory chart (as the paper's Figure 3), an SVG with no script or external asset:
//! every attempt a point at (round, candidate validation Score) — accepted filled green,
//! rejected hollow grey, decided-but-never-evaluated a red cross on the bottom edge — the
//! initial generator a blue diamond at round 0, and the running best a green step line.
//!
//! Lower is better. So that one disastrous candidate does not flatten the rest, the y axis
//! stops at 0.6 × the improvement range above the starting score; points beyond are drawn
//! on the top edge as triangles, and their tooltip gives the true value.

use std::fmt::Write as _;

use memory::TrajectoryPoint;

use crate::text_format::html_escape;

const ACCEPTED: &str = "#2da44e";
const ACCEPTED_EDGE: &str = "#1a7f37";
const REJECTED: &str = "#8c959f";
const FAILED: &str = "#cf222e";
const PENDING: &str = "#bf8700";
const INITIAL: &str = "#0969da";
const AXIS: &str = "#57606a";
const GRID: &str = "#eaeef2";

/// Margins around the plot area: left, right, top (legend), bottom (x labels).
const LEFT: f64 = 72.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 44.0;
const BOTTOM: f64 = 50.0;

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Accepted,
    Rejected,
    /// Evaluated, not decided yet.
    Pending,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Rejected => "rejected",
            Outcome::Pending => "pending",
        }
    }
}

/// Linear map of a value range onto a pixel range.
#[derive(Debug, Clone, Copy)]
struct Scale {
    from: (f64, f64),
    to: (f64, f64),
}

impl Scale {
    fn at(self, v: f64) -> f64 {
        let (a, b) = self.from;
        let (p, q) = self.to;
        p + (v - a) / (b - a) * (q - p)
    }
}

/// The chart of `points` (one per round, as [`memory::Memory::trajectory`] returns them),
/// `width` × `height` pixels (at least 360 × 220).
pub fn trajectory_svg(points: &[TrajectoryPoint], width: u32, height: u32) -> String {
    let (w, h) = (f64::from(width.max(360)), f64::from(height.max(220)));
    let plot = (LEFT, TOP, w - RIGHT, h - BOTTOM); // x0, y0, x1, y1 in pixels
    let initial = points.iter().find_map(|p| p.parent_score);
    let last_round = points.iter().map(|p| p.round).max().unwrap_or(0).max(1);

    let mut values: Vec<f64> = Vec::new();
    values.extend(initial);
    values.extend(points.iter().filter_map(|p| p.candidate_score));
    values.extend(points.iter().filter_map(|p| p.running_best));
    values.retain(|v| v.is_finite());
    let (lo, hi, cap) = y_extent(&values, initial, points);
    let pad = (hi - lo) * 0.06;
    let (y_min, y_max) = (lo - pad, hi + pad);
    let x = Scale {
        from: (-0.5, f64::from(last_round) + 0.5),
        to: (plot.0, plot.2),
    };
    let y = Scale {
        from: (y_min, y_max),
        to: (plot.3, plot.1),
    };

    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"trajectory\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" role=\"img\" font-family=\"system-ui, sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(
        s,
        "<title>Validation Score per round: every attempt and the running best (lower is better)</title>"
    );
    let _ = writeln!(
        s,
        "<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>"
    );

    // Grid and y axis.
    let (y_step, decimals) = nice_step((y_max - y_min) / 5.0);
    s.push_str("<g class=\"y-axis\">\n");
    let mut tick = (y_min / y_step).ceil() * y_step;
    while tick <= y_max + y_step * 1e-9 {
        let py = y.at(tick);
        let _ = writeln!(
            s,
            "<line class=\"grid\" x1=\"{:.1}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\" stroke=\"{GRID}\"/>\
             <line x1=\"{:.1}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\" stroke=\"{AXIS}\"/>\
             <text class=\"tick-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{AXIS}\">{}</text>",
            plot.0,
            plot.2,
            plot.0 - 5.0,
            plot.0,
            plot.0 - 8.0,
            py + 4.0,
            format_tick(tick, decimals)
        );
        tick += y_step;
    }
    let cy = (plot.1 + plot.3) / 2.0;
    let _ = writeln!(
        s,
        "<text class=\"axis-title\" transform=\"translate(16 {cy:.1}) rotate(-90)\" text-anchor=\"middle\" \
         fill=\"#1f2328\">Validation Score (lower is better)</text>\n</g>"
    );

    // X axis.
    s.push_str("<g class=\"x-axis\">\n");
    let x_step = round_step(last_round);
    let mut r = 0;
    while r <= last_round {
        let px = x.at(f64::from(r));
        let _ = writeln!(
            s,
            "<line x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"{AXIS}\"/>\
             <text class=\"tick-label\" x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{AXIS}\">{r}</text>",
            plot.3,
            plot.3 + 5.0,
            plot.3 + 18.0
        );
        r += x_step;
    }
    let _ = writeln!(
        s,
        "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#1f2328\">Round</text>\n</g>",
        (plot.0 + plot.2) / 2.0,
        h - 10.0
    );
    let _ = writeln!(
        s,
        "<rect class=\"plot-frame\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"{AXIS}\"/>",
        plot.0,
        plot.1,
        plot.2 - plot.0,
        plot.3 - plot.1
    );

    if values.is_empty() {
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{cy:.1}\" text-anchor=\"middle\" fill=\"{AXIS}\">No evaluated round yet</text>",
            (plot.0 + plot.2) / 2.0
        );
    }

    // Running best: a step line from the initial generator through every round.
    let mut line: Vec<(f64, f64)> = Vec::new();
    let mut best = initial;
    if let Some(b) = best {
        line.push((0.0, b));
    }
    for p in points {
        let Some(next) = p.running_best else { continue };
        let r = f64::from(p.round);
        match best {
            Some(b) if b != next => {
                line.push((r, b));
                line.push((r, next));
            }
            Some(_) => {}
            None => line.push((r, next)),
        }
        best = Some(next);
    }
    if let (Some(b), Some(last)) = (best, points.last()) {
        let end = (f64::from(last.round), b);
        if line.last() != Some(&end) {
            line.push(end);
        }
    }
    if !line.is_empty() {
        let coords: Vec<String> = line
            .iter()
            .map(|(r, v)| format!("{:.1},{:.1}", x.at(*r), y.at(v.min(cap))))
            .collect();
        let _ = writeln!(
            s,
            "<polyline class=\"running-best\" points=\"{}\" fill=\"none\" stroke=\"{ACCEPTED_EDGE}\" \
             stroke-width=\"2\" stroke-linejoin=\"round\"/>",
            coords.join(" ")
        );
    }

    // The initial generator.
    if let Some(v) = initial {
        let (px, py) = (x.at(0.0), y.at(v.min(cap)));
        let _ = writeln!(
            s,
            "<path class=\"initial\" d=\"M{px:.1},{:.1} L{:.1},{py:.1} L{px:.1},{:.1} L{:.1},{py:.1} Z\" \
             fill=\"{INITIAL}\"><title>Initial generator: Score {v:.4}</title></path>",
            py - 6.0,
            px + 6.0,
            py + 6.0,
            px - 6.0
        );
    }

    // Every attempt.
    s.push_str("<g class=\"attempts\">\n");
    for p in points {
        let px = x.at(f64::from(p.round));
        let Some(score) = p.candidate_score else {
            if p.accepted.is_some() {
                let py = plot.3 - 8.0;
                let _ = writeln!(
                    s,
                    "<path class=\"attempt not-evaluated\" d=\"M{:.1},{:.1} L{:.1},{:.1} M{:.1},{:.1} L{:.1},{:.1}\" \
                     stroke=\"{FAILED}\" stroke-width=\"2\"><title>Round {}: not evaluated, rejected</title></path>",
                    px - 4.5,
                    py - 4.5,
                    px + 4.5,
                    py + 4.5,
                    px - 4.5,
                    py + 4.5,
                    px + 4.5,
                    py - 4.5,
                    p.round
                );
            }
            continue;
        };
        let outcome = match p.accepted {
            Some(true) => Outcome::Accepted,
            Some(false) => Outcome::Rejected,
            None => Outcome::Pending,
        };
        let (fill, stroke) = match outcome {
            Outcome::Accepted => (ACCEPTED, ACCEPTED_EDGE),
            Outcome::Rejected => ("#ffffff", REJECTED),
            Outcome::Pending => ("#ffffff", PENDING),
        };
        let tip = format!("Round {}: Score {score:.4}, {}", p.round, outcome.name());
        if score > cap {
            let py = y.at(cap);
            let _ = writeln!(
                s,
                "<path class=\"attempt {} clipped\" d=\"M{px:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z\" fill=\"{fill}\" \
                 stroke=\"{stroke}\" stroke-width=\"1.5\"><title>{} (off the chart)</title></path>",
                outcome.name(),
                py - 5.0,
                px + 5.0,
                py + 4.0,
                px - 5.0,
                py + 4.0,
                html_escape(&tip)
            );
        } else {
            let _ = writeln!(
                s,
                "<circle class=\"attempt {}\" cx=\"{px:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{fill}\" \
                 stroke=\"{stroke}\" stroke-width=\"1.5\"><title>{}</title></circle>",
                outcome.name(),
                y.at(score),
                html_escape(&tip)
            );
        }
    }
    s.push_str("</g>\n");
    legend(&mut s, plot.0, 20.0);
    s.push_str("</svg>");
    s
}

/// The legend, one row across the top margin.
fn legend(s: &mut String, x0: f64, y: f64) {
    s.push_str("<g class=\"legend\">\n");
    let mut x = x0;
    let labels = [
        "accepted",
        "rejected",
        "not evaluated",
        "initial generator",
        "running best",
    ];
    for label in labels {
        let marker = match label {
            "accepted" => format!(
                "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4.5\" fill=\"{ACCEPTED}\" stroke=\"{ACCEPTED_EDGE}\" stroke-width=\"1.5\"/>",
                x + 5.0
            ),
            "rejected" => format!(
                "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4.5\" fill=\"#ffffff\" stroke=\"{REJECTED}\" stroke-width=\"1.5\"/>",
                x + 5.0
            ),
            "not evaluated" => format!(
                "<path d=\"M{:.1},{:.1} L{:.1},{:.1} M{:.1},{:.1} L{:.1},{:.1}\" stroke=\"{FAILED}\" stroke-width=\"2\"/>",
                x + 0.5,
                y - 4.5,
                x + 9.5,
                y + 4.5,
                x + 0.5,
                y + 4.5,
                x + 9.5,
                y - 4.5
            ),
            "initial generator" => format!(
                "<path d=\"M{:.1},{:.1} L{:.1},{y:.1} L{:.1},{:.1} L{:.1},{y:.1} Z\" fill=\"{INITIAL}\"/>",
                x + 5.0,
                y - 6.0,
                x + 11.0,
                x + 5.0,
                y + 6.0,
                x - 1.0
            ),
            _ => format!(
                "<polyline points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"none\" stroke=\"{ACCEPTED_EDGE}\" stroke-width=\"2\"/>",
                x - 2.0,
                y - 5.0,
                x + 8.0,
                y - 5.0,
                x + 8.0,
                y + 5.0
            ),
        };
        s.push_str(&marker);
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#1f2328\">{label}</text>",
            x + 16.0,
            y + 4.0
        );
        x += 30.0 + 6.6 * label.len() as f64;
    }
    s.push_str("</g>\n");
}

/// The plotted y range `(lo, hi)` and the cap above which points are drawn on the top edge.
fn y_extent(values: &[f64], initial: Option<f64>, points: &[TrajectoryPoint]) -> (f64, f64, f64) {
    if values.is_empty() {
        return (0.0, 1.0, f64::INFINITY);
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // The scores that must be seen: the start and every accepted generator.
    let reference = initial
        .into_iter()
        .chain(points.iter().filter_map(|p| p.running_best))
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

/// A 1, 2, 2.5 or 5 × 10^k step near `raw`, and the decimals its multiples need.
fn nice_step(raw: f64) -> (f64, usize) {
    let raw = if raw.is_finite() && raw > 0.0 {
        raw
    } else {
        1.0
    };
    let exp = raw.log10().floor();
    let base = 10f64.powf(exp);
    let (mantissa, extra) = match raw / base {
        m if m <= 1.0 => (1.0, 0),
        m if m <= 2.0 => (2.0, 0),
        m if m <= 2.5 => (2.5, 1),
        m if m <= 5.0 => (5.0, 0),
        _ => (10.0, 0),
    };
    let step = mantissa * base;
    let decimals = (-step.log10().floor()).max(0.0) as usize + extra;
    (step, decimals.min(8))
}

/// An integer round step giving at most 10 ticks.
fn round_step(last_round: u32) -> u32 {
    [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000]
        .into_iter()
        .find(|s| last_round / s <= 10)
        .unwrap_or(last_round.div_ceil(10).max(1))
}

fn format_tick(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    // Avoid "-0.00".
    if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        return text.trim_start_matches('-').to_string();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_and_round_steps() {
        assert_eq!(nice_step(0.013), (0.02, 2));
        assert_eq!(nice_step(0.24), (0.25, 2));
        assert_eq!(nice_step(4.0), (5.0, 0));
        assert_eq!(nice_step(0.1), (0.1, 1));
        assert_eq!(round_step(8), 1);
        assert_eq!(round_step(40), 5);
        assert_eq!(round_step(300), 50);
        assert_eq!(format_tick(-0.0001, 2), "0.00");
    }

    #[test]
    fn an_outlier_is_capped_but_the_improvement_range_is_kept() {
        let point = |round, cand: f64, acc, best| TrajectoryPoint {
            round,
            parent_score: Some(1.0),
            candidate_score: Some(cand),
            accepted: Some(acc),
            current: Some(best),
            running_best: Some(best),
        };
        let points = [point(1, 0.9, true, 0.9), point(2, 40.0, false, 0.9)];
        let (lo, hi, cap) = y_extent(&[1.0, 0.9, 40.0, 0.9, 0.9], Some(1.0), &points);
        assert_eq!(lo, 0.9);
        assert!((cap - 1.06).abs() < 1e-9 && hi == cap);
        let svg = trajectory_svg(&points, 640, 360);
        assert!(svg.contains("class=\"attempt rejected clipped\""));
        assert!(svg.contains("Score 40.0000, rejected (off the chart)"));
    }
}
