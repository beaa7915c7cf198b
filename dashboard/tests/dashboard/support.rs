//! Shared helpers: temporary folders, a running server, plain HTTP requests.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use dashboard::{Dashboard, DashboardError, ServeConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A fresh folder under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "mobevolve-dashboard-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A dashboard serving in this test's runtime.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), DashboardError>>,
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Shut down and check the server ended cleanly.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let ended = tokio::time::timeout(Duration::from_secs(30), &mut self.task)
            .await
            .expect("the server did not stop within 30 s of its shutdown signal");
        ended.unwrap().unwrap();
    }
}

/// A config for `runs` on 127.0.0.1:0 with a fast poll.
pub fn config(runs: &Path) -> ServeConfig {
    let mut config = ServeConfig::new(runs);
    config.addr = "127.0.0.1:0".parse().unwrap();
    config.poll_interval = Duration::from_millis(50);
    config
}

pub async fn start(config: ServeConfig) -> Server {
    let dashboard = Dashboard::bind(config).await.unwrap();
    let addr = dashboard.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(dashboard.run(async move {
        let _ = stopped.await;
    }));
    Server {
        addr,
        stop: Some(stop),
        task,
    }
}

/// An HTTP client. In a workspace build reqwest carries the agents crate's
/// `rustls-no-provider` feature, which panics unless a crypto provider is installed.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// GET `url` with [`client`].
pub async fn fetch(url: String) -> reqwest::Response {
    client().get(url).send().await.unwrap()
}

/// GET `path` and return (status, content type, body).
pub async fn get(server: &Server, path: &str) -> (u16, String, String) {
    let response = fetch(server.url(path)).await;
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

/// GET `path` expecting 200 and JSON.
pub async fn get_json(server: &Server, path: &str) -> serde_json::Value {
    let (status, kind, body) = get(server, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    assert!(kind.starts_with("application/json"), "{path}: {kind}");
    serde_json::from_str(&body).unwrap()
}

/// A request written by hand (the path is sent exactly as given, never normalised), with
/// extra header lines; returns (status, whole response text).
pub async fn raw(addr: SocketAddr, path: &str, headers: &[&str]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers
        .iter()
        .any(|h| h.to_ascii_lowercase().starts_with("host:"))
    {
        request.push_str(&format!("Host: {addr}\r\n"));
    }
    for h in headers {
        request.push_str(h);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    (status, text)
}
