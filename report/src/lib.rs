//! Renders a run report as Markdown and self-contained HTML.
//!
//! - [`ReportInput::load`] reads a run from the run database (trajectory, accepted changes,
//!   rejections by kind, final evaluations, cost and time per phase); the comparison table's
//!   rows (baselines, LLM generators, initial and evolved generator, with side metrics, ms and
//!   USD per person when known) are computed and supplied by the caller.
//! - [`render_markdown`] and [`render_html`] render it (the HTML has inline CSS and the
//!   chart as inline SVG: no script, no external asset); [`write_report`] writes
//!   `report.md`, `report.html` and `trajectory.svg` (linked from the Markdown).
//! - [`trajectory_svg`] is the chart alone: every attempt a point, the running best a step
//!   line, as the paper's Figure 3.
//! - [`render_round`] / [`round_json`] show one round (`orchestrator show RUN ROUND`).
//!
//! Every text that comes from the run (hypotheses are LLM output) is escaped for the format
//! it is written in. Every report says which agent produced the changes.

mod document;
mod error;
mod html_render;
mod markdown_render;
mod report_input;
mod round_report;
mod run_report;
mod text_format;
mod trajectory_chart;

use std::path::{Path, PathBuf};

pub use error::ReportError;
pub use report_input::{
    round_agent, AcceptedChange, AgentSource, ComparisonRow, PhaseCost, RejectionCount,
    RejectionKind, ReportInput, RunInfo, SideFigures,
};
pub use round_report::{render_round, round_json};
pub use text_format::{diff_stat, html_escape};
pub use trajectory_chart::trajectory_svg;

/// The run report as Markdown (the chart is linked as `trajectory.svg`, which
/// [`write_report`] writes beside it).
pub fn render_markdown(input: &ReportInput) -> String {
    markdown_render::render(&run_report::build(input))
}

/// The run report as one self-contained HTML page.
pub fn render_html(input: &ReportInput) -> String {
    html_render::render(&run_report::build(input))
}

/// Write `report.md`, `report.html` and `trajectory.svg` into `dir` (created if needed);
/// returns the paths of the Markdown and HTML files. Each file is written to a temporary
/// name and renamed, so a reader never sees half a report.
pub fn write_report(input: &ReportInput, dir: &Path) -> Result<(PathBuf, PathBuf), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        what: "creating the report folder",
        source,
    })?;
    let md = dir.join("report.md");
    let html = dir.join("report.html");
    write_file(&dir.join(run_report::CHART_FILE), &run_report::chart(input))?;
    write_file(&md, &render_markdown(input))?;
    write_file(&html, &render_html(input))?;
    Ok((md, html))
}

fn write_file(path: &Path, contents: &str) -> Result<(), ReportError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, contents).map_err(|source| ReportError::Io {
        path: tmp.clone(),
        what: "writing the report",
        source,
    })?;
    std::fs::rename(&tmp, path).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        what: "moving the report into place",
        source,
    })
}
