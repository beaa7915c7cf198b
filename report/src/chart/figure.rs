//! What a chart shows, in data units: the figure model every chart builds and
//! [`super::layout`] places. Nothing here knows about pixels or SVG.

/// A whole chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Figure {
    /// The `class` of the `<svg>` element (e.g. `trajectory`), for styling and tests.
    pub class: String,
    /// The chart's accessible name (its `<title>`).
    pub title: String,
    /// Width and height in pixels.
    pub size: (f64, f64),
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// Drawn in order, clipped to the plot area.
    pub layers: Vec<Layer>,
    /// Legend entries, in order (above the plot).
    pub legend: Vec<LegendEntry>,
    /// Shown in the middle of the plot when there is nothing to draw.
    pub empty_message: Option<String>,
}

/// One axis: its title, the data range it shows and where its ticks go.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Axis {
    pub label: String,
    /// The data range mapped onto the plot area (`lo < hi`).
    pub range: (f64, f64),
    pub ticks: Ticks,
}

/// Where an axis's ticks go.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ticks {
    /// About this many ticks at a 1, 2, 2.5 or 5 × 10^k step.
    Nice(usize),
    /// Whole numbers, at most this many ticks.
    Integer(usize),
    /// Exactly these (value, label) ticks.
    Explicit(Vec<(f64, String)>),
}

/// A mark's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Circle,
    Diamond,
    Cross,
    /// Points up: a value above the axis range, drawn on the top edge.
    Triangle,
}

/// One point of a scatter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mark {
    pub x: f64,
    /// Clamped to the axis range by the layout (a chart marks off-range values itself).
    pub y: f64,
    pub shape: Shape,
    pub fill: &'static str,
    pub stroke: &'static str,
    /// Radius in pixels.
    pub size: f64,
    /// CSS classes (e.g. `attempt accepted`).
    pub class: String,
    /// Tooltip.
    pub title: String,
    /// Where clicking it leads.
    pub href: Option<String>,
}

/// A layer of the plot.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Layer {
    /// Rectangles spanning `x0..x1` and `y0..y1` (data units), each with a tooltip.
    Spans {
        class: String,
        fill: &'static str,
        opacity: f64,
        spans: Vec<Extent>,
    },
    /// A line through `points`; `step` draws horizontal-then-vertical steps.
    Line {
        class: String,
        points: Vec<(f64, f64)>,
        stroke: &'static str,
        width: f64,
        dash: Option<&'static str>,
        step: bool,
    },
    /// Scatter marks.
    Marks { class: String, marks: Vec<Mark> },
}

/// One rectangle of [`Layer::Spans`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Extent {
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub title: String,
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Glyph {
    Mark {
        shape: Shape,
        fill: &'static str,
        stroke: &'static str,
    },
    Line {
        stroke: &'static str,
        dash: Option<&'static str>,
    },
    Swatch {
        fill: &'static str,
        opacity: f64,
    },
}

/// One legend entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LegendEntry {
    pub label: String,
    pub glyph: Glyph,
}

impl Figure {
    /// A figure with no layers.
    pub fn new(class: &str, title: &str, size: (f64, f64), x: Axis, y: Axis) -> Figure {
        Figure {
            class: class.to_string(),
            title: title.to_string(),
            size,
            x,
            y,
            layers: Vec::new(),
            legend: Vec::new(),
            empty_message: None,
        }
    }

    /// Add a legend entry unless one with that label is there.
    pub fn legend(&mut self, label: &str, glyph: Glyph) {
        if !self.legend.iter().any(|e| e.label == label) {
            self.legend.push(LegendEntry {
                label: label.to_string(),
                glyph,
            });
        }
    }
}
