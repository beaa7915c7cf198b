//! `/runs/<run>/report/<path>`: the run's static report files (`report.html`, the round
//! pages, `trajectory.svg`, …), never anything outside `run-<run>/report/`: every path
//! component must be a plain name (no `..`, no absolute path, no hidden file) and the file,
//! symbolic links resolved, must still lie inside the report folder.

use std::path::{Component, Path as FsPath, PathBuf};

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::load::HttpError;
use crate::state::AppState;

pub(crate) async fn report_file(
    State(state): State<AppState>,
    Path((run, rel)): Path<(i64, String)>,
) -> Result<Response, HttpError> {
    let base = state.run_dir(run).join("report");
    let path = resolve(&base, &rel)?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| HttpError::not_found(format!("{rel}: {e}")))?;
    Ok(([(header::CONTENT_TYPE, content_type(&path))], bytes).into_response())
}

/// The file `rel` names inside `base`, refusing any way out of it.
pub(crate) fn resolve(base: &FsPath, rel: &str) -> Result<PathBuf, HttpError> {
    let rel_path = FsPath::new(rel);
    let plain = !rel.is_empty()
        && rel_path.components().all(
            |c| matches!(c, Component::Normal(name) if !name.to_string_lossy().starts_with('.')),
        );
    if !plain {
        return Err(HttpError::forbidden(format!(
            "{rel}: only plain file names inside the run's report folder are served"
        )));
    }
    let not_found = || HttpError::not_found(format!("{rel}: no such report file"));
    let base = base.canonicalize().map_err(|_| not_found())?;
    let full = base
        .join(rel_path)
        .canonicalize()
        .map_err(|_| not_found())?;
    if !full.starts_with(&base) {
        return Err(HttpError::forbidden(format!(
            "{rel}: leads outside the run's report folder"
        )));
    }
    if !full.is_file() {
        return Err(not_found());
    }
    Ok(full)
}

fn content_type(path: &FsPath) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("md") => "text/markdown; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("txt" | "log" | "diff") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
