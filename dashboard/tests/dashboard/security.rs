//! The token rule, the host check and the refusal of every path out of the runs folder.

use dashboard::{Dashboard, DashboardError};

use crate::fixture::record_run;
use crate::support::{config, raw, start, TempDir};

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

#[tokio::test]
async fn a_non_loopback_address_needs_a_token_and_every_request_must_carry_it() {
    let dir = TempDir::new("token");
    record_run(dir.path(), 1).await;
    let mut wide = config(dir.path());
    wide.addr = "0.0.0.0:0".parse().unwrap();
    let err = Dashboard::bind(wide.clone()).await.err().expect("refused");
    assert!(matches!(err, DashboardError::TokenRequired { .. }), "{err}");
    assert!(err.to_string().contains("needs --token"), "{err}");
    wide.token = Some("short".into());
    assert!(matches!(
        Dashboard::bind(wide.clone()).await.err(),
        Some(DashboardError::ShortToken { len: 5 })
    ));
    wide.token = Some(TOKEN.into());
    let server = start(wide).await;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], server.addr.port()));

    for path in [
        "/",
        "/runs/1",
        "/api/runs",
        "/api/runs/1/events",
        "/runs/1/report/report.html",
        "/assets/live.js",
    ] {
        let (status, text) = raw(addr, path, &[]).await;
        assert_eq!(status, 401, "{path}: {text}");
        assert!(
            text.to_ascii_lowercase()
                .contains("www-authenticate: bearer"),
            "{text}"
        );
        let (status, _) = raw(
            addr,
            path,
            &["Authorization: Bearer wrong-token-wrong-token"],
        )
        .await;
        assert_eq!(status, 401, "{path}");
    }
    let bearer = format!("Authorization: Bearer {TOKEN}");
    let (status, text) = raw(addr, "/api/runs", &[&bearer]).await;
    assert_eq!(status, 200, "{text}");
    // A browser logs in once; the cookie then carries the token.
    let (status, text) = raw(addr, &format!("/login?token={TOKEN}"), &[]).await;
    assert_eq!(status, 303, "{text}");
    assert!(
        text.contains(&format!(
            "mobevolve_token={TOKEN}; HttpOnly; SameSite=Strict"
        )),
        "{text}"
    );
    let cookie = format!("Cookie: mobevolve_token={TOKEN}");
    assert_eq!(raw(addr, "/runs/1", &[&cookie]).await.0, 200);
    assert_eq!(raw(addr, "/login?token=nope", &[]).await.0, 401);
    server.stop().await;
}

#[tokio::test]
async fn without_a_token_only_loopback_hosts_are_answered() {
    let dir = TempDir::new("host");
    let server = start(config(dir.path())).await;
    assert_eq!(raw(server.addr, "/", &[]).await.0, 200);
    assert_eq!(
        raw(server.addr, "/", &["Host: localhost:8484"]).await.0,
        200
    );
    let (status, text) = raw(server.addr, "/api/runs", &["Host: attacker.example:8484"]).await;
    assert_eq!(status, 403, "{text}");
    server.stop().await;
}

#[tokio::test]
async fn no_path_leaves_the_runs_folder() {
    let dir = TempDir::new("paths");
    let runs = dir.path().join("runs");
    let run = record_run(&runs, 1).await;
    let secret = "SECRET-OUTSIDE-THE-REPORT";
    std::fs::write(dir.path().join("secret.txt"), secret).unwrap();
    std::fs::write(runs.join("secret.txt"), secret).unwrap();
    let report = runs.join(format!("run-{run}")).join("report");
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), report.join("leak.txt")).unwrap();
    std::fs::write(report.join(".hidden"), secret).unwrap();
    let server = start(config(&runs)).await;

    let (status, _) = raw(server.addr, "/runs/1/report/report.html", &[]).await;
    assert_eq!(status, 200, "the control request");
    for path in [
        "/runs/1/report/../../secret.txt",
        "/runs/1/report/../../../secret.txt",
        "/runs/1/report/..%2F..%2Fsecret.txt",
        "/runs/1/report/%2e%2e/%2e%2e/secret.txt",
        "/runs/1/report/rounds/../../../secret.txt",
        "/runs/1/report/%2Fetc%2Fpasswd",
        "/runs/1/report//etc/passwd",
        "/runs/1/report/leak.txt",
        "/runs/1/report/.hidden",
        "/runs/..%2Fsecret.txt/report/x",
        "/runs/1%2F..%2F..%2Fsecret.txt",
        "/../secret.txt",
        "/runs/1/../../secret.txt",
    ] {
        let (status, text) = raw(server.addr, path, &[]).await;
        assert!(
            matches!(status, 400 | 403 | 404),
            "{path}: answered {status}\n{text}"
        );
        assert!(!text.contains(secret), "{path} leaked the file:\n{text}");
        assert!(!text.contains("root:x:0:0"), "{path} leaked /etc/passwd");
    }
    server.stop().await;
}
