//! Reading what a page or an API route shows, and the errors a request can meet.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use memory::{Memory, MemoryError, RoundRecord, RunSummary};
use report::{ComparisonRow, ReportInput, RunListEntry, COMPARISON_FILE};

use crate::state::AppState;

/// An error answered to a request: as a small HTML page or as JSON `{"error": …}`.
#[derive(Debug)]
pub(crate) struct HttpError {
    pub status: StatusCode,
    pub message: String,
    pub json: bool,
}

impl HttpError {
    pub fn not_found(message: impl Into<String>) -> HttpError {
        HttpError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
            json: false,
        }
    }

    pub fn forbidden(message: impl Into<String>) -> HttpError {
        HttpError {
            status: StatusCode::FORBIDDEN,
            message: message.into(),
            json: false,
        }
    }

    /// The same error, answered as JSON.
    pub fn json(mut self) -> HttpError {
        self.json = true;
        self
    }
}

impl From<MemoryError> for HttpError {
    fn from(e: MemoryError) -> HttpError {
        let status = match &e {
            MemoryError::UnknownRun { .. } | MemoryError::Sequence { .. } => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::error!("{e}");
        }
        HttpError {
            status,
            message: e.to_string(),
            json: false,
        }
    }
}

impl From<report::ReportError> for HttpError {
    fn from(e: report::ReportError) -> HttpError {
        match e {
            report::ReportError::Memory(m) => m.into(),
            other => {
                tracing::error!("{other}");
                HttpError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: other.to_string(),
                    json: false,
                }
            }
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        if self.json {
            let body = serde_json::json!({ "error": self.message });
            return (self.status, axum::Json(body)).into_response();
        }
        let page = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{status}</title></head>\
             <body><main><h1>{status}</h1><p>{}</p><p><a href=\"/\">All runs</a></p></main></body></html>",
            report::html_escape(&self.message),
            status = self.status,
        );
        (self.status, Html(page)).into_response()
    }
}

/// The run database, or 404 when the folder has none yet.
pub(crate) async fn memory(state: &AppState) -> Result<&Memory, HttpError> {
    state.memory().await?.ok_or_else(|| {
        HttpError::not_found(format!(
            "{} holds no run database yet",
            state.runs_dir().display()
        ))
    })
}

/// Everything the run page shows, with the comparison rows its report last wrote.
pub(crate) async fn report_input(state: &AppState, run: i64) -> Result<ReportInput, HttpError> {
    let memory = memory(state).await?;
    memory.run_summary(run).await?;
    let rows: Vec<ComparisonRow> =
        report::read_comparison(&state.run_dir(run).join("report").join(COMPARISON_FILE))?;
    Ok(ReportInput::load(memory, run, rows).await?)
}

/// A round's record with the run's summary, 404 when either is unknown.
pub(crate) async fn round(
    state: &AppState,
    run: i64,
    round: u32,
) -> Result<(RunSummary, RoundRecord, Option<u32>), HttpError> {
    let memory = memory(state).await?;
    let summary = memory.run_summary(run).await?;
    let record = memory.round_record(run, round).await?;
    let last = memory.trajectory(run).await?.last().map(|p| p.round);
    let next = last.filter(|l| *l > round).map(|_| round + 1);
    Ok((summary, record, next))
}

/// Every run with its totals and scores, oldest first (none while there is no database).
pub(crate) async fn runs(state: &AppState) -> Result<Vec<RunListEntry>, HttpError> {
    let Some(memory) = state.memory().await? else {
        return Ok(Vec::new());
    };
    let mut entries = Vec::new();
    for summary in memory.list_runs().await? {
        let totals = memory.totals(summary.id).await?;
        let trajectory = memory.trajectory(summary.id).await?;
        let scores = memory::ScoreSummary::of(&trajectory);
        entries.push(RunListEntry {
            initial_score: scores.initial,
            best_score: scores.current,
            summary,
            totals,
        });
    }
    Ok(entries)
}

/// The id of run `run`'s latest event (0 when it has none).
pub(crate) async fn last_event_id(memory: &Memory, run: i64) -> Result<i64, MemoryError> {
    const PAGE: u32 = 1000;
    let mut last = 0;
    loop {
        let page = memory.events_since(run, last, PAGE).await?;
        match page.last() {
            Some(e) => last = e.id,
            None => return Ok(last),
        }
        if page.len() < PAGE as usize {
            return Ok(last);
        }
    }
}
