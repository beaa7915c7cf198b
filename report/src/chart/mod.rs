//! Charts as SVG with no script and no external asset, in three steps kept apart:
//!
//! - a chart module (`trajectory`, `group_scores`, `hourly_shares`) turns run data into a
//!   [`Figure`]: axes, layers of marks, lines and bands in data units, legend entries;
//! - [`layout`] places a figure on the page: scales, ticks, margins, the legend's rows, and
//!   off-range values — pure geometry, producing a [`Scene`] of pixel-space primitives;
//! - [`svg_render`] writes a scene with the `svg` crate (which escapes every text and
//!   attribute).

mod figure;
mod group_scores;
mod hourly_shares;
mod layout;
mod scale;
mod svg_render;
mod trajectory;

pub(crate) use figure::Figure;
pub(crate) use group_scores::{group_score_svg, GroupRound};
pub(crate) use hourly_shares::{hourly_shares_svg, HourlyShares, ACTIVITIES};
use layout::layout;
pub use trajectory::trajectory_svg;
pub(crate) use trajectory::{trajectory_figure, TrajectoryRound};

/// A figure laid out and written as one `<svg>` element.
pub(crate) fn render(figure: &Figure) -> String {
    svg_render::render(&layout(figure))
}
