//! The event stream: an event recorded by another process reaches an open stream, a
//! reconnect resumes after `Last-Event-ID`, and shutting the server down ends open streams.

use std::time::Duration;

use memory::{Memory, Phase, PhaseOutput, PhaseRecord};

use crate::fixture::{record_run, DATABASE};
use crate::support::{config, start, TempDir};

/// Set in the child process this test starts: the database it records a phase into.
const WRITER_ENV: &str = "MOBEVOLVE_DASHBOARD_TEST_WRITER";
const TEST_NAME: &str = "live::the_event_stream_delivers_a_phase_recorded_by_another_process";

/// Read `response` until `want` appears in what was received (30 s at most); returns it all.
async fn read_until(response: &mut reqwest::Response, want: &str) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !seen.contains(want) {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {want:?} within 30 s; received:\n{seen}"))
            .unwrap()
            .unwrap_or_else(|| panic!("the stream ended before {want:?}; received:\n{seen}"));
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

/// The id of the last event of run 1.
async fn last_event(db: &std::path::Path) -> i64 {
    let memory = Memory::open_read_only(db).await.unwrap();
    memory
        .events_since(1, 0, 100_000)
        .await
        .unwrap()
        .last()
        .unwrap()
        .id
}

/// Parent: record a run whose last round is being verified, serve it, open the stream, and
/// have a child process (this test binary again, in the writer role) record the phase.
/// Child (with `WRITER_ENV` set): take the run and record the Verification phase.
#[tokio::test]
async fn the_event_stream_delivers_a_phase_recorded_by_another_process() {
    if let Ok(db) = std::env::var(WRITER_ENV) {
        let memory = Memory::open(&db).await.unwrap();
        let lock = memory.lock_run(1).await.unwrap();
        let output = PhaseOutput {
            artifacts: serde_json::json!({"checks": 2}),
            record: PhaseRecord::None,
        };
        memory
            .record_phase(&lock, 4, Phase::Verification, &output)
            .await
            .unwrap();
        memory.release_run(lock).await.unwrap();
        return;
    }
    let dir = TempDir::new("live");
    record_run(dir.path(), 3).await; // round 4 is left in its Verification phase
    let db = dir.path().join(DATABASE);
    let after = last_event(&db).await;
    let server = start(config(dir.path())).await;

    let mut stream =
        crate::support::fetch(server.url(&format!("/api/runs/1/events?after={after}"))).await;
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");

    let child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([TEST_NAME, "--exact", "--nocapture"])
        .env(WRITER_ENV, &db)
        .output()
        .await
        .unwrap();
    assert!(
        child.status.success(),
        "the writer process failed:\n{}\n{}",
        String::from_utf8_lossy(&child.stdout),
        String::from_utf8_lossy(&child.stderr)
    );
    let received = read_until(&mut stream, "\"phase\":\"verification\"").await;
    assert!(received.contains("event: phase_finished"), "{received}");
    assert!(received.contains("\"round\":4"), "{received}");
    assert!(
        !received.contains("event: round_started"),
        "nothing before `after` was resent: {received}"
    );
    let id: i64 = received
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(id > after);
    drop(stream);

    // A browser reconnecting with Last-Event-ID resumes after it: the first event is the
    // one after `after` again when it says `after`.
    let client = crate::support::client();
    let mut resumed = client
        .get(server.url("/api/runs/1/events"))
        .header("Last-Event-ID", after.to_string())
        .send()
        .await
        .unwrap();
    let again = read_until(&mut resumed, "\"phase\":\"verification\"").await;
    assert!(again.contains(&format!("id: {id}")), "{again}");
    drop(resumed);
    server.stop().await;
}

#[tokio::test]
async fn shutting_down_ends_open_streams() {
    let dir = TempDir::new("live-stop");
    record_run(dir.path(), 1).await;
    let server = start(config(dir.path())).await;
    let mut stream = crate::support::fetch(server.url("/api/runs/1/events")).await;
    // The backlog arrives first.
    read_until(&mut stream, "event: run_created").await;
    let stop = tokio::spawn(server.stop());
    let end = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(_chunk) = stream.chunk().await.unwrap() {}
    })
    .await;
    assert!(
        end.is_ok(),
        "the stream did not end after the shutdown signal"
    );
    stop.await.unwrap();
}
