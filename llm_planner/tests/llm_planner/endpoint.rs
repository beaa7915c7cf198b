//! Rate limits, time-outs and an endpoint that stays down: retried with backoff, then a
//! clean stop that a rerun continues. Time is tokio's paused clock: waits take no time and
//! the clock says exactly how long the generator waited.

use crate::fixture::{
    acts, benchmark, plan_reply, temp_dir, train_rows, val_rows, COMMUTE, COMMUTE_SLOTS,
};
use crate::support::{config, generate};
use agents::scripted_server::{rate_limited, Scripted, ScriptedServer};
use llm_planner::{PersonOutcome, Stop};
use std::time::Duration;

#[tokio::test(start_paused = true)]
async fn a_rate_limit_is_waited_out_as_retry_after_says_then_retried() {
    let bench = benchmark("rate-limit", &train_rows(), &val_rows(1), false);
    let server = ScriptedServer::start(vec![rate_limited(7), plan_reply(&COMMUTE)]).await;
    let started = tokio::time::Instant::now();
    let g = generate(config(&server.url), &bench, &temp_dir("cache")).await;
    assert!(
        started.elapsed() >= Duration::from_secs(7),
        "Retry-After ignored: waited {:?}",
        started.elapsed()
    );
    assert_eq!(server.request_count(), 2);
    assert_eq!(
        server.requests()[0],
        server.requests()[1],
        "the same request again"
    );
    assert_eq!(
        (g.counts.http_attempts, g.counts.retries, g.counts.sent),
        (2, 1, 1)
    );
    assert_eq!(g.people[0].outcome, PersonOutcome::Generated);
    assert_eq!(g.diaries[0].unwrap().activities, acts(COMMUTE_SLOTS));
}

#[tokio::test(start_paused = true)]
async fn a_request_that_times_out_is_sent_again() {
    let bench = benchmark("timeout", &train_rows(), &val_rows(1), true);
    let server = ScriptedServer::start(vec![Scripted::Hang, plan_reply(&COMMUTE)]).await;
    let started = tokio::time::Instant::now();
    let g = generate(config(&server.url), &bench, &temp_dir("cache")).await;
    // One 30 s attempt cut by the per-attempt timeout, then the backoff, then the answer.
    assert!(
        started.elapsed() >= Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.request_count(), 2);
    assert_eq!((g.counts.http_attempts, g.counts.retries), (2, 1));
    assert_eq!(g.people[0].outcome, PersonOutcome::Generated);
}

#[tokio::test(start_paused = true)]
async fn an_endpoint_that_stays_down_stops_the_generation_and_a_rerun_continues() {
    let bench = benchmark("down", &train_rows(), &val_rows(3), false);
    let cache = temp_dir("cache");
    // Person 1 answered; person 2's three attempts (1 + 2 retries) all time out.
    let server = ScriptedServer::start(vec![
        plan_reply(&COMMUTE),
        Scripted::Hang,
        Scripted::Hang,
        Scripted::Hang,
    ])
    .await;
    let g = generate(config(&server.url), &bench, &cache).await;
    assert_eq!(server.request_count(), 4);
    assert!(
        matches!(&g.stop, Some(Stop::Endpoint(m)) if m.contains("3 attempt")),
        "{:?}",
        g.stop
    );
    assert!(!g.is_complete());
    assert!(g.diaries[0].is_some());
    assert_eq!(g.diaries[1], None);
    // Person 3 was not sent: the generation had stopped.
    assert_eq!(g.diaries[2], None);
    assert_eq!(g.people[2].outcome, PersonOutcome::NotDone);
    // The rerun replays person 1 from the cache and asks only for persons 2 and 3.
    let back = ScriptedServer::start(vec![plan_reply(&COMMUTE), plan_reply(&COMMUTE)]).await;
    let again = generate(config(&back.url), &bench, &cache).await;
    assert_eq!(back.request_count(), 2);
    assert!(again.is_complete() && again.stop.is_none());
    assert_eq!(again.diaries[0], g.diaries[0]);
    assert_eq!((again.counts.sent, again.counts.cached), (2, 1));
}

#[tokio::test]
async fn a_refused_request_is_not_retried_and_stops_the_generation() {
    let bench = benchmark("refused", &train_rows(), &val_rows(2), false);
    let server = ScriptedServer::start(vec![Scripted::Status {
        code: 404,
        headers: vec![],
        body: serde_json::json!({"error": {"message": "The model `test-model` does not exist", "type": "invalid_request_error"}}).to_string(),
    }])
    .await;
    let g = generate(config(&server.url), &bench, &temp_dir("cache")).await;
    assert_eq!(server.request_count(), 1);
    assert!(
        matches!(&g.stop, Some(Stop::Endpoint(m)) if m.contains("HTTP 404") && m.contains("does not exist")),
        "{:?}",
        g.stop
    );
    assert_eq!(g.diaries, vec![None, None]);
}
