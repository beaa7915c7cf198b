//! The HTML pages: the runs, a run (with its live section and chart alone), a round, the
//! comparison. Rendered by the `report` crate with the dashboard's links and live script.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use report::{HtmlOptions, Links, RoundNeighbours};

use crate::assets::LIVE_SCRIPT;
use crate::load::{self, HttpError};
use crate::state::AppState;

fn options(data: Vec<(&str, String)>) -> HtmlOptions {
    HtmlOptions {
        scripts: vec![LIVE_SCRIPT.to_string()],
        body_data: data.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    }
}

pub(crate) async fn runs(State(state): State<AppState>) -> Result<Html<String>, HttpError> {
    let runs = load::runs(&state).await?;
    let dir = state.runs_dir().display().to_string();
    Ok(Html(report::render_runs_page(
        &runs,
        &dir,
        &options(vec![]),
    )))
}

pub(crate) async fn run(
    State(state): State<AppState>,
    Path(run): Path<i64>,
) -> Result<Html<String>, HttpError> {
    let input = load::report_input(&state, run).await?;
    let after = load::last_event_id(load::memory(&state).await?, run).await?;
    Ok(Html(report::render_run_page(
        &input,
        Links::Server,
        &options(vec![("run", run.to_string()), ("after", after.to_string())]),
    )))
}

/// The inside of the run page's live section, swapped in by the live script.
pub(crate) async fn live(
    State(state): State<AppState>,
    Path(run): Path<i64>,
) -> Result<Html<String>, HttpError> {
    let input = load::report_input(&state, run).await?;
    Ok(Html(report::render_live_fragment(&input, Links::Server)))
}

pub(crate) async fn trajectory(
    State(state): State<AppState>,
    Path(run): Path<i64>,
) -> Result<Response, HttpError> {
    let input = load::report_input(&state, run).await?;
    let svg = report::render_trajectory(&input, Some(Links::Server));
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

pub(crate) async fn round(
    State(state): State<AppState>,
    Path((run, round)): Path<(i64, u32)>,
) -> Result<Html<String>, HttpError> {
    let (summary, record, next) = load::round(&state, run, round).await?;
    let after = load::last_event_id(load::memory(&state).await?, run).await?;
    let neighbours = RoundNeighbours {
        previous: round.checked_sub(1).filter(|r| *r > 0),
        next,
    };
    Ok(Html(report::render_round_html(
        &record,
        &summary.config,
        Links::Server,
        neighbours,
        &options(vec![
            ("run", run.to_string()),
            ("round", round.to_string()),
            ("after", after.to_string()),
        ]),
    )))
}

pub(crate) async fn comparison(
    State(state): State<AppState>,
    Path(run): Path<i64>,
) -> Result<Html<String>, HttpError> {
    let input = load::report_input(&state, run).await?;
    let after = load::last_event_id(load::memory(&state).await?, run).await?;
    Ok(Html(report::render_comparison_page(
        &input,
        Links::Server,
        &options(vec![
            ("run", run.to_string()),
            ("after", after.to_string()),
            ("reload", "final_evaluation".into()),
        ]),
    )))
}
