//! The JSON API behind every page.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use crate::load::{self, HttpError};
use crate::state::AppState;

/// `/api/runs`: every run, newest last.
pub(crate) async fn runs(State(state): State<AppState>) -> Result<Json<Value>, HttpError> {
    let runs = load::runs(&state).await.map_err(HttpError::json)?;
    let list: Vec<Value> = runs
        .iter()
        .map(|r| {
            let s = &r.summary;
            let t = &r.totals;
            json!({
                "id": s.id, "benchmark": s.config.benchmark, "agent": s.config.agent,
                "model": s.config.model, "status": s.status.name(),
                "status_reason": s.status_reason, "current_commit": s.current_commit,
                "created_at": s.created_at, "updated_at": s.updated_at,
                "rounds": t.rounds, "finished_rounds": t.finished_rounds,
                "accepted": t.accepted, "rejected": t.rejected, "cost_usd": t.cost_usd,
                "initial_score": r.initial_score, "best_score": r.best_score,
            })
        })
        .collect();
    Ok(Json(json!({ "runs": list })))
}

/// `/api/runs/<run>`: the run report's data.
pub(crate) async fn run(
    State(state): State<AppState>,
    Path(run): Path<i64>,
) -> Result<Json<Value>, HttpError> {
    let input = load::report_input(&state, run)
        .await
        .map_err(HttpError::json)?;
    Ok(Json(input.to_json()))
}

/// `/api/runs/<run>/rounds/<round>`: one round's full record.
pub(crate) async fn round(
    State(state): State<AppState>,
    Path((run, round)): Path<(i64, u32)>,
) -> Result<Json<Value>, HttpError> {
    let (summary, record, _) = load::round(&state, run, round)
        .await
        .map_err(HttpError::json)?;
    Ok(Json(report::round_json(&record, &summary.config)))
}

/// `/api/runs/<run>/comparison`: the comparison table, pivoted by generator and split.
pub(crate) async fn comparison(
    State(state): State<AppState>,
    Path(run): Path<i64>,
) -> Result<Json<Value>, HttpError> {
    let input = load::report_input(&state, run)
        .await
        .map_err(HttpError::json)?;
    Ok(Json(report::comparison_json(&input)))
}
