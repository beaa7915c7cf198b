//! The server's configuration and the rule it must satisfy before binding.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::DashboardError;

/// The default address: loopback only.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8484);

/// What to serve and how.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The runs folder: `mobevolve.sqlite` and `run-<id>/` folders.
    pub runs_dir: PathBuf,
    /// Where to listen. Anything but a loopback address requires `token`.
    pub addr: SocketAddr,
    /// The bearer token every request must carry (`Authorization: Bearer <token>`, or the
    /// cookie set by `/login?token=<token>` for browsers). `None` is allowed on loopback only.
    pub token: Option<String>,
    /// How often an event stream looks for new events in the database.
    pub poll_interval: Duration,
    /// Event streams served at once; more are answered 503.
    pub max_streams: usize,
}

impl ServeConfig {
    /// Loopback on the default port, no token, a 500 ms poll, 64 streams.
    pub fn new(runs_dir: impl Into<PathBuf>) -> ServeConfig {
        ServeConfig {
            runs_dir: runs_dir.into(),
            addr: DEFAULT_ADDR,
            token: None,
            poll_interval: Duration::from_millis(500),
            max_streams: 64,
        }
    }

    /// The token rule: a non-loopback address needs a token, and a token is never empty.
    pub fn check(&self) -> Result<(), DashboardError> {
        match &self.token {
            Some(t) if t.trim().is_empty() => Err(DashboardError::EmptyToken),
            Some(t) if t.len() < 16 => Err(DashboardError::ShortToken { len: t.len() }),
            Some(_) => Ok(()),
            None if self.addr.ip().is_loopback() => Ok(()),
            None => Err(DashboardError::TokenRequired { addr: self.addr }),
        }
    }
}
