//! The dashboard's errors: refusing to start, and failing to serve.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why the dashboard did not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// A non-loopback address without a token.
    #[error("refusing to serve on {addr} without a token: any address but loopback (127.0.0.1, ::1) needs --token (or MOBEVOLVE_DASHBOARD_TOKEN)")]
    TokenRequired {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// An empty token.
    #[error("the token is empty")]
    EmptyToken,
    /// A token too short to resist guessing.
    #[error("the token has {len} characters; use at least 16 (for example 32 random hex digits)")]
    ShortToken {
        /// Its length.
        len: usize,
    },
    /// The runs folder cannot be read.
    #[error("{}: cannot read the runs folder: {source}", path.display())]
    RunsDir {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Binding the address failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("serving failed: {0}")]
    Serve(#[source] std::io::Error),
}
