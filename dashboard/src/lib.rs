//! A read-only web dashboard over a runs folder (`out/runs`: the run database
//! `mobevolve.sqlite` and one `run-<id>/` folder per run), served on tokio with axum and the
//! tower stack.
//!
//! - Pages: the runs; a run (live trajectory chart with the acceptance band, group-score
//!   curves, the round table); a round (attribution record, proposal, diff, verification,
//!   decision, lesson, hourly activity shares and example diaries real against generated);
//!   the comparison table. They are rendered by the `report` crate, the same views as the
//!   static report.
//! - A JSON API behind every page (`/api/...`) and a server-sent-events stream per run
//!   (`/api/runs/<id>/events`) that delivers the run's [`memory::RunEvent`]s as they are
//!   recorded, by whichever process records them.
//! - Safe by default: binds 127.0.0.1 unless told otherwise; any other address needs a bearer
//!   token ([`ServeConfig::token`]) and every request must carry it; without a token only
//!   requests naming a loopback host are answered (no DNS rebinding); no path leaves the runs
//!   folder; nothing is written; no outside script, style or font (the one script is served
//!   by the binary).
//!
//! Entry point: [`serve`] (or [`Dashboard::bind`] then [`Dashboard::run`] to learn the bound
//! address first), with a shutdown future.

mod api;
mod assets;
mod auth;
mod config;
mod error;
mod events;
mod files;
mod load;
mod pages;
mod router;
mod state;

use std::future::Future;
use std::net::SocketAddr;

pub use config::{ServeConfig, DEFAULT_ADDR};
pub use error::DashboardError;

/// A dashboard bound to its address, not yet serving.
pub struct Dashboard {
    listener: tokio::net::TcpListener,
    app: axum::Router,
    state: state::AppState,
    local_addr: SocketAddr,
}

impl Dashboard {
    /// Check the configuration (a non-loopback address needs a token) and bind.
    pub async fn bind(config: ServeConfig) -> Result<Dashboard, DashboardError> {
        config.check()?;
        let state = state::AppState::new(&config)?;
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| DashboardError::Bind {
                addr: config.addr,
                source,
            })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| DashboardError::Bind {
                addr: config.addr,
                source,
            })?;
        let app = router::router(state.clone());
        Ok(Dashboard {
            listener,
            app,
            state,
            local_addr,
        })
    }

    /// The address it listens on (the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serve until `shutdown` completes; then stop accepting, end every event stream and
    /// wait for the requests in flight.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), DashboardError> {
        let state = self.state;
        let stop = async move {
            shutdown.await;
            // Event streams never end by themselves: tell them to, so the graceful shutdown
            // below does not wait for them forever.
            state.stop_streams();
        };
        axum::serve(self.listener, self.app)
            .with_graceful_shutdown(stop)
            .await
            .map_err(DashboardError::Serve)
    }
}

/// Serve `config.runs_dir` on `config.addr` until `shutdown` completes.
pub async fn serve(
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), DashboardError> {
    Dashboard::bind(config).await?.run(shutdown).await
}
