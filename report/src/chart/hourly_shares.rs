//! Hourly activity shares, real against generated: for one activity, the share of people
//! in it at each clock hour in the real diaries (solid) and the generated ones (dashed), as
//! the attribution record measured them for the round's parent generator.

use super::figure::{Axis, Figure, Glyph, Layer, Ticks};

const REAL: &str = "#1f2328";
const GENERATED: &str = "#cf222e";

/// Shares per hour (24 rows) and activity (Home, Work, School, Others, Travel).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HourlyShares {
    pub real: Vec<[f64; 5]>,
    pub generated: Vec<[f64; 5]>,
}

/// The activities in the order of the shares' columns.
pub(crate) const ACTIVITIES: [&str; 5] = ["Home", "Work", "School", "Others", "Travel"];

/// The chart of activity `a` (an index into [`ACTIVITIES`]).
pub(crate) fn hourly_shares_svg(shares: &HourlyShares, a: usize, size: (f64, f64)) -> String {
    let series = |rows: &[[f64; 5]]| -> Vec<(f64, f64)> {
        rows.iter()
            .enumerate()
            .map(|(h, row)| (h as f64, row[a]))
            .collect()
    };
    let real = series(&shares.real);
    let generated = series(&shares.generated);
    let max = real
        .iter()
        .chain(&generated)
        .map(|p| p.1)
        .fold(0.0f64, f64::max);
    let top = if max <= 0.0 {
        0.05
    } else {
        (max * 1.1).min(1.0)
    };
    let name = ACTIVITIES[a];
    let mut fig = Figure::new(
        &format!("hourly-share activity-{}", name.to_lowercase()),
        &format!("{name}: share of people per clock hour, real (solid) and generated (dashed)"),
        size,
        Axis {
            label: format!("{name}, by hour"),
            range: (-0.5, 23.5),
            ticks: Ticks::Explicit(
                (0..24)
                    .step_by(6)
                    .map(|h| (h as f64, format!("{h}h")))
                    .collect(),
            ),
        },
        Axis {
            label: "share".into(),
            range: (0.0, top),
            ticks: Ticks::Nice(4),
        },
    );
    fig.layers.push(Layer::Line {
        class: "real".into(),
        points: real,
        stroke: REAL,
        width: 2.0,
        dash: None,
        step: false,
    });
    fig.layers.push(Layer::Line {
        class: "generated".into(),
        points: generated,
        stroke: GENERATED,
        width: 2.0,
        dash: Some("5 3"),
        step: false,
    });
    fig.legend(
        "real",
        Glyph::Line {
            stroke: REAL,
            dash: None,
        },
    );
    fig.legend(
        "generated",
        Glyph::Line {
            stroke: GENERATED,
            dash: Some("5 3"),
        },
    );
    super::render(&fig)
}
