//! The one script the dashboard serves: it follows the run's event stream and refreshes the
//! page's live parts. Served by the binary itself (no outside asset).

use axum::http::header;
use axum::response::IntoResponse;

/// Where pages load it from.
pub(crate) const LIVE_SCRIPT: &str = "/assets/live.js";

const LIVE_JS: &str = include_str!("assets/live.js");

pub(crate) async fn live_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        LIVE_JS,
    )
}
