//! Writes a [`Scene`] as one `<svg>` element with the `svg` crate. Text and attribute values
//! are escaped by the crate; coordinates are rounded to 0.1 px.

use svg::node::element::{
    Anchor, ClipPath, Definitions, Group, Line, Path, Polyline, Rectangle, Text, Title,
};
use svg::node::Node;
use svg::Document;

use super::figure::Shape;
use super::layout::{Prim, Scene, FONT_SIZE};

/// The scene as SVG markup.
pub(crate) fn render(scene: &Scene) -> String {
    let (w, h) = scene.size;
    let clip_id = format!("plot-{}", scene.class);
    let (x0, y0, x1, y1) = scene.plot;
    let mut doc = Document::new()
        .set("class", scene.class.as_str())
        .set("width", w)
        .set("height", h)
        .set("viewBox", format!("0 0 {w} {h}"))
        .set("role", "img")
        .set(
            "font-family",
            "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        )
        .set("font-size", FONT_SIZE)
        .add(Title::new(scene.title.as_str()))
        .add(
            Definitions::new().add(
                ClipPath::new().set("id", clip_id.as_str()).add(
                    Rectangle::new()
                        .set("x", r(x0))
                        .set("y", r(y0))
                        .set("width", r(x1 - x0))
                        .set("height", r(y1 - y0)),
                ),
            ),
        );
    for prim in &scene.prims {
        add(&mut doc, prim, &clip_id);
    }
    doc.to_string()
}

fn r(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn points(points: &[(f64, f64)]) -> String {
    points
        .iter()
        .map(|(x, y)| format!("{},{}", r(*x), r(*y)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn with_title<T: Node>(mut el: T, title: &str) -> T {
    if !title.is_empty() {
        el.append(Title::new(title));
    }
    el
}

fn with_class<T: Node>(mut el: T, class: &str) -> T {
    if !class.is_empty() {
        el.assign("class", class);
    }
    el
}

fn add<T: Node>(parent: &mut T, prim: &Prim, clip_id: &str) {
    match prim {
        Prim::Rect {
            x,
            y,
            w,
            h,
            fill,
            opacity,
            stroke,
            class,
            title,
        } => {
            let mut el = Rectangle::new()
                .set("x", r(*x))
                .set("y", r(*y))
                .set("width", r(*w))
                .set("height", r(*h))
                .set("fill", *fill);
            if *opacity < 1.0 {
                el = el.set("fill-opacity", *opacity);
            }
            if let Some(s) = stroke {
                el = el.set("stroke", *s);
            }
            parent.append(with_title(with_class(el, class), title));
        }
        Prim::Line {
            from,
            to,
            stroke,
            class,
        } => {
            let el = Line::new()
                .set("x1", r(from.0))
                .set("y1", r(from.1))
                .set("x2", r(to.0))
                .set("y2", r(to.1))
                .set("stroke", *stroke);
            parent.append(with_class(el, class));
        }
        Prim::Polyline {
            points: pts,
            stroke,
            width,
            dash,
            class,
        } => {
            let mut el = Polyline::new()
                .set("points", points(pts))
                .set("fill", "none")
                .set("stroke", *stroke)
                .set("stroke-width", *width)
                .set("stroke-linejoin", "round");
            if let Some(d) = dash {
                el = el.set("stroke-dasharray", *d);
            }
            parent.append(with_class(el, class));
        }
        Prim::Marker {
            at,
            shape,
            size,
            fill,
            stroke,
            class,
            title,
            href,
        } => {
            let el = with_title(
                with_class(marker(*at, *shape, *size, fill, stroke), class),
                title,
            );
            match href {
                Some(href) => parent.append(Anchor::new().set("href", href.as_str()).add(el)),
                None => parent.append(el),
            }
        }
        Prim::Text {
            at,
            text,
            anchor,
            rotate,
            fill,
            class,
        } => {
            let mut el = Text::new(text.as_str())
                .set("x", r(at.0))
                .set("y", r(at.1))
                .set("text-anchor", *anchor)
                .set("fill", *fill);
            if *rotate != 0.0 {
                el = el.set(
                    "transform",
                    format!("rotate({rotate} {} {})", r(at.0), r(at.1)),
                );
            }
            parent.append(with_class(el, class));
        }
        Prim::Clipped(children) => {
            let mut g = Group::new().set("clip-path", format!("url(#{clip_id})"));
            for c in children {
                add(&mut g, c, clip_id);
            }
            parent.append(g);
        }
        Prim::Group { class, children } => {
            let mut g = with_class(Group::new(), class);
            for c in children {
                add(&mut g, c, clip_id);
            }
            parent.append(g);
        }
    }
}

/// A marker centred on `at` with radius `s`.
fn marker(at: (f64, f64), shape: Shape, s: f64, fill: &str, stroke: &str) -> Path {
    let (x, y) = (r(at.0), r(at.1));
    let d = match shape {
        Shape::Circle => format!(
            "M{},{y} a{s},{s} 0 1,0 {},0 a{s},{s} 0 1,0 {},0 Z",
            r(x - s),
            2.0 * s,
            -2.0 * s
        ),
        Shape::Diamond => {
            let k = s * 1.35;
            format!(
                "M{x},{} L{},{y} L{x},{} L{},{y} Z",
                r(y - k),
                r(x + k),
                r(y + k),
                r(x - k)
            )
        }
        Shape::Cross => format!(
            "M{},{} L{},{} M{},{} L{},{}",
            r(x - s),
            r(y - s),
            r(x + s),
            r(y + s),
            r(x - s),
            r(y + s),
            r(x + s),
            r(y - s)
        ),
        Shape::Triangle => format!(
            "M{x},{} L{},{} L{},{} Z",
            r(y - s * 1.2),
            r(x + s * 1.1),
            r(y + s * 0.8),
            r(x - s * 1.1),
            r(y + s * 0.8)
        ),
    };
    let mut el = Path::new()
        .set("d", d)
        .set("fill", if shape == Shape::Cross { "none" } else { fill })
        .set("stroke", stroke)
        .set(
            "stroke-width",
            if shape == Shape::Cross { 2.0 } else { 1.5 },
        );
    el.assign("data-shape", shape_name(shape));
    el
}

fn shape_name(shape: Shape) -> &'static str {
    match shape {
        Shape::Circle => "circle",
        Shape::Diamond => "diamond",
        Shape::Cross => "cross",
        Shape::Triangle => "triangle",
    }
}
