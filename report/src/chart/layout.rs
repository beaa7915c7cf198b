//! Places a [`Figure`] on the page: margins, scales, ticks, the legend's rows, and clamping
//! of off-range marks. The result is a [`Scene`] of primitives in pixels, which
//! [`super::svg_render`] writes out.

use super::figure::{Figure, Glyph, Layer, Shape, Ticks};
use super::scale::{integer_ticks, nice_ticks, Scale};

pub(crate) const AXIS: &str = "#57606a";
pub(crate) const GRID: &str = "#eaeef2";
pub(crate) const INK: &str = "#1f2328";

/// Font size of every label, in pixels, and the width of one character at that size (an
/// estimate: the SVG is drawn by the viewer with its own sans-serif font).
const FONT: f64 = 12.0;
const CHAR_WIDTH: f64 = 6.7;
const LEGEND_ROW: f64 = 18.0;

/// A primitive in pixels. `class` and `title` (a tooltip) may be empty.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Prim {
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: &'static str,
        opacity: f64,
        stroke: Option<&'static str>,
        class: String,
        title: String,
    },
    Line {
        from: (f64, f64),
        to: (f64, f64),
        stroke: &'static str,
        class: &'static str,
    },
    Polyline {
        points: Vec<(f64, f64)>,
        stroke: &'static str,
        width: f64,
        dash: Option<&'static str>,
        class: String,
    },
    Marker {
        at: (f64, f64),
        shape: Shape,
        size: f64,
        fill: &'static str,
        stroke: &'static str,
        class: String,
        title: String,
        href: Option<String>,
    },
    Text {
        at: (f64, f64),
        text: String,
        anchor: &'static str,
        /// Degrees, around `at`.
        rotate: f64,
        fill: &'static str,
        class: &'static str,
    },
    /// Children drawn clipped to the plot area.
    Clipped(Vec<Prim>),
    /// Children in a `<g class=…>`.
    Group { class: String, children: Vec<Prim> },
}

/// A laid-out chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scene {
    pub class: String,
    pub title: String,
    pub size: (f64, f64),
    /// The plot area: x0, y0, x1, y1.
    pub plot: (f64, f64, f64, f64),
    pub prims: Vec<Prim>,
}

/// Lay out `figure`.
pub(crate) fn layout(figure: &Figure) -> Scene {
    let (w, h) = figure.size;
    let y_ticks = ticks(&figure.y.ticks, figure.y.range);
    let x_ticks = ticks(&figure.x.ticks, figure.x.range);
    let legend_rows = legend_rows(figure, w - 20.0);
    let widest_tick = y_ticks
        .iter()
        .map(|(_, l)| l.chars().count())
        .max()
        .unwrap_or(1) as f64;
    let left = 30.0 + widest_tick * CHAR_WIDTH + 8.0;
    let top = 12.0 + legend_rows.len() as f64 * LEGEND_ROW + 6.0;
    let plot = (left, top, w - 16.0, h - 44.0);
    let x = Scale {
        from: figure.x.range,
        to: (plot.0, plot.2),
    };
    let y = Scale {
        from: figure.y.range,
        to: (plot.3, plot.1),
    };

    let mut prims = vec![Prim::Rect {
        x: 0.0,
        y: 0.0,
        w,
        h,
        fill: "#ffffff",
        opacity: 1.0,
        stroke: None,
        class: "background".into(),
        title: String::new(),
    }];

    // Axes: grid lines, ticks and labels, titles.
    let mut y_axis = Vec::new();
    for (v, label) in &y_ticks {
        let py = y.at(*v);
        y_axis.push(Prim::Line {
            from: (plot.0, py),
            to: (plot.2, py),
            stroke: GRID,
            class: "grid",
        });
        y_axis.push(Prim::Line {
            from: (plot.0 - 5.0, py),
            to: (plot.0, py),
            stroke: AXIS,
            class: "tick",
        });
        y_axis.push(Prim::Text {
            at: (plot.0 - 8.0, py + 4.0),
            text: label.clone(),
            anchor: "end",
            rotate: 0.0,
            fill: AXIS,
            class: "tick-label",
        });
    }
    y_axis.push(Prim::Text {
        at: (14.0, (plot.1 + plot.3) / 2.0),
        text: figure.y.label.clone(),
        anchor: "middle",
        rotate: -90.0,
        fill: INK,
        class: "axis-title",
    });
    prims.push(Prim::Group {
        class: "y-axis".into(),
        children: y_axis,
    });
    let mut x_axis = Vec::new();
    for (v, label) in &x_ticks {
        let px = x.at(*v);
        x_axis.push(Prim::Line {
            from: (px, plot.3),
            to: (px, plot.3 + 5.0),
            stroke: AXIS,
            class: "tick",
        });
        x_axis.push(Prim::Text {
            at: (px, plot.3 + 18.0),
            text: label.clone(),
            anchor: "middle",
            rotate: 0.0,
            fill: AXIS,
            class: "tick-label",
        });
    }
    x_axis.push(Prim::Text {
        at: ((plot.0 + plot.2) / 2.0, h - 8.0),
        text: figure.x.label.clone(),
        anchor: "middle",
        rotate: 0.0,
        fill: INK,
        class: "axis-title",
    });
    prims.push(Prim::Group {
        class: "x-axis".into(),
        children: x_axis,
    });

    // The data, clipped to the plot area.
    let clamp_y = |v: f64| v.clamp(figure.y.range.0, figure.y.range.1);
    let mut data = Vec::new();
    for layer in &figure.layers {
        match layer {
            Layer::Spans {
                class,
                fill,
                opacity,
                spans,
            } => {
                let children = spans
                    .iter()
                    .map(|s| {
                        let (x0, x1) = (x.at(s.x.0), x.at(s.x.1));
                        let (y0, y1) = (y.at(clamp_y(s.y.0)), y.at(clamp_y(s.y.1)));
                        Prim::Rect {
                            x: x0.min(x1),
                            y: y0.min(y1),
                            w: (x1 - x0).abs(),
                            h: (y1 - y0).abs(),
                            fill,
                            opacity: *opacity,
                            stroke: None,
                            class: String::new(),
                            title: s.title.clone(),
                        }
                    })
                    .collect();
                data.push(Prim::Group {
                    class: class.clone(),
                    children,
                });
            }
            Layer::Line {
                class,
                points,
                stroke,
                width,
                dash,
                step,
            } => {
                let mut path: Vec<(f64, f64)> = Vec::with_capacity(points.len() * 2);
                for (i, &(px, py)) in points.iter().enumerate() {
                    if *step && i > 0 {
                        let prev = points[i - 1].1;
                        path.push((x.at(px), y.at(clamp_y(prev))));
                    }
                    path.push((x.at(px), y.at(clamp_y(py))));
                }
                if !path.is_empty() {
                    data.push(Prim::Polyline {
                        points: path,
                        stroke,
                        width: *width,
                        dash: *dash,
                        class: class.clone(),
                    });
                }
            }
            Layer::Marks { class, marks } => {
                let children = marks
                    .iter()
                    .map(|m| Prim::Marker {
                        at: (x.at(m.x), y.at(clamp_y(m.y))),
                        shape: m.shape,
                        size: m.size,
                        fill: m.fill,
                        stroke: m.stroke,
                        class: m.class.clone(),
                        title: m.title.clone(),
                        href: m.href.clone(),
                    })
                    .collect();
                data.push(Prim::Group {
                    class: class.clone(),
                    children,
                });
            }
        }
    }
    // Marks are drawn unclipped (a mark on an edge stays whole); the rest is clipped.
    let (marks, clipped): (Vec<Prim>, Vec<Prim>) = data.into_iter().partition(|p| {
        matches!(p, Prim::Group { children, .. } if children.iter().any(|c| matches!(c, Prim::Marker { .. })))
    });
    prims.push(Prim::Clipped(clipped));
    prims.push(Prim::Rect {
        x: plot.0,
        y: plot.1,
        w: plot.2 - plot.0,
        h: plot.3 - plot.1,
        fill: "none",
        opacity: 1.0,
        stroke: Some(AXIS),
        class: "plot-frame".into(),
        title: String::new(),
    });
    prims.extend(marks);
    if let Some(message) = &figure.empty_message {
        prims.push(Prim::Text {
            at: ((plot.0 + plot.2) / 2.0, (plot.1 + plot.3) / 2.0),
            text: message.clone(),
            anchor: "middle",
            rotate: 0.0,
            fill: AXIS,
            class: "empty",
        });
    }

    // The legend, in rows across the top margin.
    let mut legend = Vec::new();
    for (row, entries) in legend_rows.iter().enumerate() {
        let cy = 14.0 + row as f64 * LEGEND_ROW;
        let mut cx = plot.0;
        for &i in entries {
            let entry = &figure.legend[i];
            legend.push(glyph(&entry.glyph, (cx + 6.0, cy)));
            legend.push(Prim::Text {
                at: (cx + 18.0, cy + 4.0),
                text: entry.label.clone(),
                anchor: "start",
                rotate: 0.0,
                fill: INK,
                class: "legend-label",
            });
            cx += entry_width(&entry.label);
        }
    }
    prims.push(Prim::Group {
        class: "legend".into(),
        children: legend,
    });

    Scene {
        class: figure.class.clone(),
        title: figure.title.clone(),
        size: (w, h),
        plot,
        prims,
    }
}

fn ticks(ticks: &Ticks, range: (f64, f64)) -> Vec<(f64, String)> {
    match ticks {
        Ticks::Nice(count) => nice_ticks(range, *count),
        Ticks::Integer(max) => integer_ticks(range.0.ceil() as i64, range.1.floor() as i64, *max),
        Ticks::Explicit(t) => t
            .iter()
            .filter(|(v, _)| *v >= range.0 && *v <= range.1)
            .cloned()
            .collect(),
    }
}

fn entry_width(label: &str) -> f64 {
    18.0 + label.chars().count() as f64 * CHAR_WIDTH + 18.0
}

/// Legend entries (indices) per row, each row at most `width` wide.
fn legend_rows(figure: &Figure, width: f64) -> Vec<Vec<usize>> {
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut used = f64::INFINITY;
    for (i, e) in figure.legend.iter().enumerate() {
        let w = entry_width(&e.label);
        if used + w > width - 60.0 {
            rows.push(Vec::new());
            used = 0.0;
        }
        rows.last_mut().expect("a row was pushed").push(i);
        used += w;
    }
    rows
}

fn glyph(glyph: &Glyph, at: (f64, f64)) -> Prim {
    match glyph {
        Glyph::Mark {
            shape,
            fill,
            stroke,
        } => Prim::Marker {
            at,
            shape: *shape,
            size: 4.5,
            fill,
            stroke,
            class: String::new(),
            title: String::new(),
            href: None,
        },
        Glyph::Line { stroke, dash } => Prim::Polyline {
            points: vec![(at.0 - 7.0, at.1), (at.0 + 7.0, at.1)],
            stroke,
            width: 2.0,
            dash: *dash,
            class: String::new(),
        },
        Glyph::Swatch { fill, opacity } => Prim::Rect {
            x: at.0 - 7.0,
            y: at.1 - 6.0,
            w: 14.0,
            h: 12.0,
            fill,
            opacity: *opacity,
            stroke: None,
            class: String::new(),
            title: String::new(),
        },
    }
}

/// The font size the scene is written with.
pub(crate) const FONT_SIZE: f64 = FONT;
