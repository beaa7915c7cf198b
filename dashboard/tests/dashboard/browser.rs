//! A real headless browser (Debian's `chromium`) renders the dashboard: the trajectory chart
//! and the round table are in the DOM it builds, and the live script connects.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use crate::fixture::record_run;
use crate::support::{config, start, TempDir};

/// The browser: `MOBEVOLVE_CHROMIUM`, else `chromium` or `chromium-browser` on the PATH.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("MOBEVOLVE_CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "this test needs a headless browser and found none: install Debian's `chromium` \
         (`apt-get install chromium`, as .ci/run does) or set MOBEVOLVE_CHROMIUM to its path"
    );
}

/// The DOM chromium builds for `url`, after its scripts ran (`--dump-dom`).
async fn dump_dom(url: &str, profile: &TempDir) -> String {
    let mut command = tokio::process::Command::new(chromium());
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .expect("chromium did not finish within 120 s")
        .expect("chromium could not be started");
    let dom = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success() && dom.contains("</html>"),
        "chromium failed ({}):\n{}\n{dom}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    dom
}

#[tokio::test]
async fn a_real_browser_renders_the_trajectory_chart_and_the_round_table() {
    let dir = TempDir::new("browser");
    record_run(dir.path(), 12).await;
    let server = start(config(dir.path())).await;

    let profile = TempDir::new("chromium-profile");
    let dom = dump_dom(&server.url("/runs/1"), &profile).await;
    assert!(dom.contains("<svg class=\"trajectory\""), "{dom}");
    let chart = &dom[dom.find("<svg class=\"trajectory\"").unwrap()..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    // One mark per round plus the initial generator, drawn as SVG paths.
    assert_eq!(chart.matches("class=\"attempt ").count(), 12, "{chart}");
    assert!(chart.contains("class=\"accepted-generator\""));
    let table = &dom[dom.find("id=\"round-table\"").expect("the round table")..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(
        table.matches("<tr>").count(),
        1 + 13,
        "header and 13 rounds: {table}"
    );
    assert!(table.contains("accepted"));
    // The live script ran (it marks the page before connecting to the event stream).
    let body = &dom[dom.find("<body").unwrap()..];
    let body = &body[..body.find('>').unwrap()];
    assert!(
        body.contains("data-live=\"starting\"") || body.contains("data-live=\"connected\""),
        "{body}"
    );

    let profile = TempDir::new("chromium-profile-round");
    let dom = dump_dom(&server.url("/runs/1/rounds/2"), &profile).await;
    assert!(dom.contains("<pre class=\"diff\">"), "{dom}");
    assert!(dom.contains("<table class=\"diaries\">"));
    assert_eq!(dom.matches("<svg class=\"hourly-share").count(), 5);
    server.stop().await;
}
