//! Renders a run's record — the run report, each round's page, the comparison table and the
//! list of runs — as Markdown and self-contained HTML, for the static report and the
//! dashboard alike.
//!
//! - [`ReportInput::load`] reads a run from the run database (trajectory, every round's
//!   record, decisions by kind, final evaluations, cost and time per phase); the comparison
//!   table's rows (baselines, LLM generators, initial and evolved generator, with side
//!   metrics, ms and USD per person when known) are computed and supplied by the caller.
//! - [`render_markdown`] and [`render_html`] render the run report; [`render_round_markdown`]
//!   and [`render_round_html`] one round's page; [`write_report`] writes the whole static
//!   report (`report.md`, `report.html`, `trajectory.svg`, `comparison.json`, and
//!   `rounds/round-NNNN.{md,html}` for every round, linked from the report);
//!   [`write_round_report`] writes one round's pages.
//! - Pages link by [`Links`]: to the static report's files or to the dashboard's routes.
//! - Charts are SVG laid out from a figure model and written with the `svg` crate
//!   (`chart/`): no script, no external asset.
//! - [`render_round`] / [`round_json`] show one round as text (`orchestrator show RUN ROUND`).
//!
//! Every text that comes from the run (hypotheses are LLM output) is escaped for the format
//! it is written in. Every report says which agent produced each change.

mod chart;
mod comparison;
mod document;
mod error;
mod html_render;
mod links;
mod markdown_render;
mod report_input;
mod round_page;
mod round_report;
mod run_report;
mod runs_page;
mod text_format;

use std::path::{Path, PathBuf};

use memory::{RoundRecord, RunConfig};

pub use chart::trajectory_svg;
pub use error::ReportError;
pub use html_render::HtmlOptions;
pub use links::{round_file, Links};
pub use report_input::{
    round_agent, AcceptedChange, AgentSource, ComparisonRow, OutcomeCount, PhaseCost, ReportInput,
    RoundRow, RunInfo, SideFigures,
};
pub use round_page::RoundNeighbours;
pub use round_report::{render_round, round_json};
pub use run_report::LIVE_SECTION;
pub use runs_page::RunListEntry;
pub use text_format::{diff_stat, html_escape};

/// The file of the static report that keeps the caller's comparison rows (JSON), read back
/// by the dashboard.
pub const COMPARISON_FILE: &str = "comparison.json";
/// The folder of the round pages inside the report folder.
pub const ROUNDS_DIR: &str = "rounds";

/// The run report as Markdown (the chart is linked as `trajectory.svg`, which
/// [`write_report`] writes beside it; rounds link to `rounds/round-NNNN.md`).
pub fn render_markdown(input: &ReportInput) -> String {
    markdown_render::render(&run_report::build(input, Links::Static { ext: "md" }))
}

/// The run report as one self-contained HTML page (rounds link to `rounds/round-NNNN.html`).
pub fn render_html(input: &ReportInput) -> String {
    render_run_page(
        input,
        Links::Static { ext: "html" },
        &HtmlOptions::default(),
    )
}

/// The run page as HTML with the given links and framing (the dashboard's run page).
pub fn render_run_page(input: &ReportInput, links: Links, options: &HtmlOptions) -> String {
    html_render::render(&run_report::build(input, links), options)
}

/// The HTML inside the run page's live section (`<section id="live">`): the trajectory,
/// the group-score curves and the round table, for swapping in as rounds are recorded.
pub fn render_live_fragment(input: &ReportInput, links: Links) -> String {
    html_render::render_fragment(&run_report::live_blocks(input, links))
}

/// The run's trajectory chart (with the acceptance bands) as SVG; with `links`, each point
/// links to its round's page.
pub fn render_trajectory(input: &ReportInput, links: Option<Links>) -> String {
    run_report::chart_with(input, links)
}

/// The comparison table alone as an HTML page.
pub fn render_comparison_page(input: &ReportInput, links: Links, options: &HtmlOptions) -> String {
    let mut nav = Vec::new();
    if let Some(runs) = links.runs() {
        nav.push(document::link("All runs", runs));
        nav.push(document::text(" "));
    }
    nav.push(document::link(
        format!("Run {}", input.run.id),
        links.run_from_page(input.run.id),
    ));
    let doc = document::Document {
        title: format!(
            "Run {} ({}): comparison with the baselines",
            input.run.id, input.run.benchmark
        ),
        nav,
        blocks: comparison::blocks(input),
    };
    html_render::render(&doc, options)
}

/// The comparison table as JSON: `{"splits": [...], "rows": [{"generator", "splits": {split:
/// row}}], "repeated": [...]}`.
pub fn comparison_json(input: &ReportInput) -> serde_json::Value {
    comparison::json(input)
}

/// One round's page as Markdown, linking as the static report does.
pub fn render_round_markdown(
    record: &RoundRecord,
    config: &RunConfig,
    neighbours: RoundNeighbours,
) -> String {
    markdown_render::render(&round_page::build(
        record,
        config,
        Links::Static { ext: "md" },
        neighbours,
    ))
}

/// One round's page as HTML with the given links and framing.
pub fn render_round_html(
    record: &RoundRecord,
    config: &RunConfig,
    links: Links,
    neighbours: RoundNeighbours,
    options: &HtmlOptions,
) -> String {
    html_render::render(
        &round_page::build(record, config, links, neighbours),
        options,
    )
}

/// The list of runs as an HTML page (the dashboard's front page); `runs_dir` is shown.
pub fn render_runs_page(runs: &[RunListEntry], runs_dir: &str, options: &HtmlOptions) -> String {
    html_render::render(&runs_page::build(runs, runs_dir), options)
}

/// Write the static report into `dir` (created if needed): `report.md`, `report.html`,
/// `trajectory.svg`, `comparison.json` (the caller's rows) and every round's pages in
/// `rounds/`. Returns the paths of the Markdown and HTML reports. Each file is written to a
/// temporary name and renamed, so a reader never sees half a file.
pub fn write_report(input: &ReportInput, dir: &Path) -> Result<(PathBuf, PathBuf), ReportError> {
    create_dir(dir)?;
    for (i, record) in input.records.iter().enumerate() {
        let neighbours = RoundNeighbours {
            previous: i.checked_sub(1).map(|j| input.records[j].round),
            next: input.records.get(i + 1).map(|r| r.round),
        };
        write_round_pages(record, &input.run.config, dir, neighbours)?;
    }
    let md = dir.join("report.md");
    let html = dir.join("report.html");
    write_file(&dir.join(run_report::CHART_FILE), &run_report::chart(input))?;
    let rows = serde_json::to_string_pretty(&input.comparison).map_err(|e| ReportError::Io {
        path: dir.join(COMPARISON_FILE),
        what: "encoding the comparison rows",
        source: std::io::Error::other(e),
    })?;
    write_file(&dir.join(COMPARISON_FILE), &rows)?;
    write_file(&md, &render_markdown(input))?;
    write_file(&html, &render_html(input))?;
    Ok((md, html))
}

/// Write one round's pages, `dir/rounds/round-NNNN.{md,html}` (the layout of
/// [`write_report`], so they link back to `dir/report.*`). Returns their paths.
pub fn write_round_report(
    record: &RoundRecord,
    config: &RunConfig,
    dir: &Path,
    neighbours: RoundNeighbours,
) -> Result<(PathBuf, PathBuf), ReportError> {
    write_round_pages(record, config, dir, neighbours)
}

fn write_round_pages(
    record: &RoundRecord,
    config: &RunConfig,
    dir: &Path,
    neighbours: RoundNeighbours,
) -> Result<(PathBuf, PathBuf), ReportError> {
    let rounds = dir.join(ROUNDS_DIR);
    create_dir(&rounds)?;
    let md = rounds.join(round_file(record.round, "md"));
    let html = rounds.join(round_file(record.round, "html"));
    write_file(&md, &render_round_markdown(record, config, neighbours))?;
    write_file(
        &html,
        &render_round_html(
            record,
            config,
            Links::Static { ext: "html" },
            neighbours,
            &HtmlOptions::default(),
        ),
    )?;
    Ok((md, html))
}

/// The comparison rows a report wrote (`comparison.json`), or none when there is no file.
pub fn read_comparison(path: &Path) -> Result<Vec<ComparisonRow>, ReportError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ReportError::Io {
                path: path.to_path_buf(),
                what: "reading the comparison rows",
                source,
            })
        }
    };
    serde_json::from_str(&text).map_err(|e| ReportError::Io {
        path: path.to_path_buf(),
        what: "parsing the comparison rows",
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

fn create_dir(dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        what: "creating the report folder",
        source,
    })
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
