//! The routes and the tower layers around them.

use axum::http::{header, HeaderValue};
use axum::middleware;
use axum::routing::get;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::state::AppState;
use crate::{api, assets, auth, events, files, pages};

/// What a page may load: its own origin's script and data, inline styles and SVG; nothing
/// from outside.
const CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; \
                   style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::runs))
        .route("/login", get(auth::login))
        .route("/runs/{run}", get(pages::run))
        .route("/runs/{run}/live", get(pages::live))
        .route("/runs/{run}/trajectory.svg", get(pages::trajectory))
        .route("/runs/{run}/comparison", get(pages::comparison))
        .route("/runs/{run}/rounds/{round}", get(pages::round))
        .route("/runs/{run}/report/{*path}", get(files::report_file))
        .route("/api/runs", get(api::runs))
        .route("/api/runs/{run}", get(api::run))
        .route("/api/runs/{run}/comparison", get(api::comparison))
        .route("/api/runs/{run}/rounds/{round}", get(api::round))
        .route("/api/runs/{run}/events", get(events::events))
        .route(assets::LIVE_SCRIPT, get(assets::live_js))
        .layer(middleware::from_fn_with_state(state.clone(), auth::guard))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
