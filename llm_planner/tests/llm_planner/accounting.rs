//! Tokens and dollars counted exactly; every response cached so a rerun sends nothing; the
//! budget stops cleanly and a larger one continues; concurrency changes nothing but speed.

use crate::fixture::{benchmark, plan_json, plan_reply, temp_dir, train_rows, val_rows, COMMUTE};
use crate::support::{config, first_user, generate};
use agents::scripted_server::{text, with_usage, Responder, ScriptedServer};
use llm_planner::{PersonOutcome, RunSummary, Stop};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn tokens_and_cost_are_counted_exactly_per_person_and_in_total() {
    let bench = benchmark("accounting", &train_rows(), &val_rows(2), false);
    let broken = text("{\"activities\": ");
    let server = ScriptedServer::start(vec![
        with_usage(plan_reply(&COMMUTE), 1_234, 56),
        with_usage(broken, 2_000, 7),
        with_usage(plan_reply(&COMMUTE), 2_500, 300),
    ])
    .await;
    let mut c = config(&server.url);
    c.endpoint.price_in_per_mtok = 2.0;
    c.endpoint.price_out_per_mtok = 8.0;
    let g = generate(c.clone(), &bench, &temp_dir("cache")).await;
    let cost = |i: u64, o: u64| (i as f64 * 2.0 + o as f64 * 8.0) / 1e6;
    let (p1, p2) = (&g.people[0], &g.people[1]);
    assert_eq!((p1.tokens_in, p1.tokens_out, p1.sent), (1_234, 56, 1));
    assert_eq!((p2.tokens_in, p2.tokens_out, p2.sent), (4_500, 307, 2));
    assert_eq!(p1.cost_usd, cost(1_234, 56));
    assert_eq!(p2.cost_usd, cost(2_000, 7) + cost(2_500, 300));
    let s = RunSummary::new(&c, &g, &bench.name, "val", "hash");
    assert_eq!(
        (s.tokens_in, s.tokens_out, s.calls, s.requests_sent),
        (5_734, 363, 3, 3)
    );
    assert!((s.usd - 0.014_372).abs() < 1e-15, "{}", s.usd);
    assert!((s.usd_spent_now - s.usd).abs() < 1e-15);
    assert_eq!(s.per_person.calls, 1.5);
    assert_eq!(s.per_person.tokens_in, 2_867.0);
    assert!((s.per_person.usd - 0.007_186).abs() < 1e-15);
}

#[tokio::test]
async fn a_rerun_sends_no_request_and_gives_the_same_diaries_and_figures() {
    for location in [false, true] {
        let bench = benchmark("rerun", &train_rows(), &val_rows(3), location);
        let cache = temp_dir("cache");
        let first = ScriptedServer::start(vec![
            with_usage(text("not json"), 900, 10),
            with_usage(plan_reply(&COMMUTE), 1_000, 100),
            with_usage(plan_reply(&COMMUTE), 1_000, 100),
            with_usage(plan_reply(&COMMUTE), 1_000, 100),
        ])
        .await;
        let mut c = config(&first.url);
        c.endpoint.price_in_per_mtok = 1.0;
        c.endpoint.price_out_per_mtok = 4.0;
        let g1 = generate(c.clone(), &bench, &cache).await;
        assert_eq!(first.request_count(), 4);
        // An empty script: any request would be answered 400 and stop the generation.
        let silent = ScriptedServer::start(Vec::new()).await;
        let mut c2 = c.clone();
        c2.endpoint.base_url = silent.url.clone();
        let g2 = generate(c2.clone(), &bench, &cache).await;
        assert_eq!(
            silent.request_count(),
            0,
            "a rerun must not send any request"
        );
        assert_eq!(g2.diaries, g1.diaries);
        assert_eq!(
            g2.people,
            g1.people
                .iter()
                .map(|p| {
                    let mut p = p.clone();
                    p.cached = p.sent;
                    p.sent = 0;
                    p
                })
                .collect::<Vec<_>>()
        );
        let (s1, s2) = (
            RunSummary::new(&c, &g1, "b", "val", "h"),
            RunSummary::new(&c2, &g2, "b", "val", "h"),
        );
        assert_eq!(
            (s2.requests_sent, s2.responses_from_cache, s2.usd_spent_now),
            (0, 4, 0.0)
        );
        assert_eq!(
            (s2.usd, s2.tokens_in, s2.per_person.latency_ms),
            (s1.usd, s1.tokens_in, s1.per_person.latency_ms)
        );
    }
}

#[tokio::test]
async fn the_budget_stops_cleanly_and_a_larger_budget_continues_where_it_stopped() {
    let bench = benchmark("budget", &train_rows(), &val_rows(4), false);
    let cache = temp_dir("cache");
    // Each call reports 1 output token at $1 per output token: $1 a call, and the check
    // reserves max_completion_tokens = 1 output token ($1) before sending.
    let reply = || with_usage(plan_reply(&COMMUTE), 0, 1);
    let configure = |url: &str, budget: f64| {
        let mut c = config(url);
        c.endpoint.price_out_per_mtok = 1e6;
        c.endpoint.max_completion_tokens = Some(1);
        c.endpoint.budget_usd = Some(budget);
        c
    };
    let server = ScriptedServer::start(vec![reply(), reply(), reply(), reply()]).await;
    let g = generate(configure(&server.url, 2.5), &bench, &cache).await;
    assert_eq!(
        server.request_count(),
        2,
        "the third call would cross $2.50"
    );
    assert!(
        matches!(&g.stop, Some(Stop::Budget(m)) if m.contains("$2.000000 of $2.500000")),
        "{:?}",
        g.stop
    );
    assert_eq!(g.diaries.iter().filter(|d| d.is_some()).count(), 2);
    assert_eq!(g.people[3].outcome, PersonOutcome::NotDone);
    // The same budget again: the two cached calls count against it; nothing is sent.
    let same = generate(configure(&server.url, 2.5), &bench, &cache).await;
    assert_eq!(server.request_count(), 2);
    assert_eq!(same.diaries, g.diaries);
    // A larger budget: two more requests, and the result of an uninterrupted run.
    let more = generate(configure(&server.url, 10.0), &bench, &cache).await;
    assert_eq!(server.request_count(), 4);
    assert!(more.is_complete() && more.stop.is_none());
    assert_eq!(&more.diaries[..2], &g.diaries[..2]);
    let whole_server = ScriptedServer::start(vec![reply(), reply(), reply(), reply()]).await;
    let whole = generate(
        configure(&whole_server.url, 10.0),
        &bench,
        &temp_dir("cache"),
    )
    .await;
    assert_eq!(whole.diaries, more.diaries);
    let s = RunSummary::new(&configure(&server.url, 10.0), &more, "b", "val", "h");
    assert_eq!((s.usd, s.usd_spent_now), (4.0, 2.0));
}

/// A model that answers each prompt on its own: people aged 40 or more work 09–17, the
/// others 08–16; usage from the request size.
fn by_age() -> Responder {
    Arc::new(|request: &serde_json::Value| {
        let prompt = first_user(request);
        let age: u32 = prompt
            .lines()
            .find_map(|l| l.strip_prefix("- age: "))
            .and_then(|a| a.trim().parse().ok())
            .unwrap_or(0);
        let (start, end) = if age >= 40 {
            ("09:00", "17:00")
        } else {
            ("08:00", "16:00")
        };
        let plan = plan_json(&[
            ("Home", "00:00", "08:30", "home"),
            ("Work", start, end, "work"),
            ("Home", "17:30", "24:00", "home"),
        ]);
        let plan = if age >= 40 {
            plan
        } else {
            plan.replace("08:30", "07:30")
        };
        with_usage(
            text(&plan),
            request.to_string().len() as u64 / 4,
            plan.len() as u64 / 4,
        )
    })
}

#[tokio::test]
async fn concurrent_people_get_the_same_diaries_as_one_at_a_time() {
    let bench = benchmark("concurrency", &train_rows(), &val_rows(12), true);
    let server = ScriptedServer::start_responding(by_age(), Duration::from_millis(20)).await;
    let mut parallel = config(&server.url);
    parallel.endpoint.concurrency = 6;
    let g_parallel = generate(parallel, &bench, &temp_dir("cache")).await;
    let g_serial = generate(config(&server.url), &bench, &temp_dir("cache")).await;
    assert_eq!(server.request_count(), 24);
    assert!(g_parallel.is_complete());
    assert_eq!(g_parallel.diaries, g_serial.diaries);
    assert_eq!(
        g_parallel.people,
        g_serial
            .people
            .iter()
            .zip(&g_parallel.people)
            .map(|(s, p)| {
                let mut s = s.clone();
                s.latency_ms = p.latency_ms;
                s
            })
            .collect::<Vec<_>>()
    );
    // Ages 33..44: the first seven start work at 08:00, the rest at 09:00.
    for (i, d) in g_parallel.diaries.iter().enumerate() {
        let d = d.unwrap();
        // 08:00–09:00 is work, or half home half travel (Travel wins the tie).
        let expected = if 33 + i >= 40 {
            mobility::Activity::Travel
        } else {
            mobility::Activity::Work
        };
        assert_eq!(d.activities[8], expected, "person {i}");
    }
}
