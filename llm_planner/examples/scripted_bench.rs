//! Cost, latency and request count of an LLM generation of N people against the scripted
//! OpenAI-compatible server on 127.0.0.1 (no outside host), then of its rerun from the cache.
//!
//! ```text
//! cargo run --release -p llm_planner --example scripted_bench -- \
//!     [--bench out/bench/atus-2014] [--people 1000] [--prompting few-shot|zero-shot] \
//!     [--executor statistical|none] [--concurrency 8] [--latency-ms 0] \
//!     [--price-in 0.40] [--price-out 1.60]
//! ```
//!
//! The scripted model answers each request on its own: few-shot, with the first example's
//! day (a real day of a similar train person, in the reply format asked for); zero-shot,
//! with a plain day for the person's group at the nearest zone. It never revises: a reply
//! the generator cannot use is sent again until the person falls back. It reports usage as request bytes / 4 prompt
//! tokens and reply bytes / 4 completion tokens (about what a real tokenizer gives for this
//! JSON-heavy text), and answers `--latency-ms` after each request. People are the first N
//! of the benchmark's validation split (repeated with new ids if it has fewer). Prices are
//! USD per million tokens (defaults: gpt-4.1-mini's list prices in 2025).
//!
//! With `--serve`, it only serves the scripted model on 127.0.0.1 and prints its URL, until
//! killed, to try `orchestrator baseline llm-planner --base-url URL` without an LLM.

use agents::scripted_server::{text, with_usage, Responder, ScriptedServer};
use llm_planner::{
    EndpointConfig, ExecutorKind, LlmGenerator, PlannerConfig, Prompting, RunSummary,
};
use mobility::{Benchmark, Person, Split};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

struct Options {
    serve: bool,
    bench: PathBuf,
    people: usize,
    prompting: Prompting,
    executor: ExecutorKind,
    concurrency: usize,
    latency_ms: u64,
    price_in: f64,
    price_out: f64,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        serve: false,
        bench: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../out/bench/atus-2014"),
        people: 1000,
        prompting: Prompting::FewShot { examples: 3 },
        executor: ExecutorKind::Statistical,
        concurrency: 8,
        latency_ms: 0,
        price_in: 0.40,
        price_out: 1.60,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--serve" {
            o.serve = true;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| v.parse::<f64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--bench" => o.bench = PathBuf::from(value),
            "--people" => o.people = number(&value)? as usize,
            "--prompting" => {
                o.prompting = match value.as_str() {
                    "zero-shot" => Prompting::ZeroShot,
                    "few-shot" => Prompting::FewShot { examples: 3 },
                    other => return Err(format!("--prompting: unknown `{other}`")),
                }
            }
            "--executor" => {
                o.executor = match value.as_str() {
                    "statistical" => ExecutorKind::Statistical,
                    "none" => ExecutorKind::None,
                    other => return Err(format!("--executor: unknown `{other}`")),
                }
            }
            "--concurrency" => o.concurrency = number(&value)? as usize,
            "--latency-ms" => o.latency_ms = number(&value)? as u64,
            "--price-in" => o.price_in = number(&value)?,
            "--price-out" => o.price_out = number(&value)?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

/// The scripted model (see the file docs); it answers in the form the system prompt asks.
fn model() -> Responder {
    Arc::new(move |request: &serde_json::Value| {
        let message = |role: &str| {
            request["messages"]
                .as_array()
                .and_then(|m| m.iter().find(|m| m["role"] == role))
                .and_then(|m| m["content"].as_str())
                .unwrap_or("")
        };
        let prompt = message("user");
        let executor = if message("system").contains("{\"slots\":") {
            ExecutorKind::None
        } else {
            ExecutorKind::Statistical
        };
        let reply = match prompt.lines().find_map(|l| l.strip_prefix("Reply: ")) {
            Some(example) => example.to_string(),
            None => plain_day(prompt, executor),
        };
        let tokens_in = request.to_string().len() as u64 / 4;
        let tokens_out = (reply.len() as u64 / 4).max(1);
        with_usage(text(&reply), tokens_in, tokens_out)
    })
}

/// Zero-shot: work 08:30–17:00 for the employed, an errand 10:00–12:00 for the others,
/// an hour to get home;
/// on the location task at the nearest zone other than home (the prompt lists the zones
/// nearest first) and at home otherwise.
fn plain_day(prompt: &str, executor: ExecutorKind) -> String {
    let home = prompt
        .lines()
        .find_map(|l| l.strip_prefix("- home zone: "))
        .map(str::to_string);
    let away = prompt
        .lines()
        .find_map(|l| l.strip_prefix("Zones (code and distance from home): "))
        .and_then(|list| list.split(", ").nth(1))
        .and_then(|z| z.split(' ').next())
        .map(str::to_string);
    let employed = prompt.contains("- group: employed");
    let (activity, day) = if employed {
        ("Work", "HHHHHHHHTWWWWWWWWTHHHHHH")
    } else {
        ("Others", "HHHHHHHHHHTOOTHHHHHHHHHH")
    };
    match executor {
        ExecutorKind::Statistical => {
            let (start, end, back) = if employed {
                ("08:30", "17:00", "18:00")
            } else {
                ("10:00", "12:00", "13:00")
            };
            let place = away.clone().unwrap_or_else(|| activity.to_lowercase());
            serde_json::json!({"activities": [
                {"activity": "Home", "start": "00:00", "end": "08:00", "place": "home"},
                {"activity": activity, "start": start, "end": end, "place": place},
                {"activity": "Home", "start": back, "end": "24:00", "place": "home"},
            ]})
            .to_string()
        }
        ExecutorKind::None => {
            let label = |c: char| match c {
                'H' => "Home",
                'W' => "Work",
                'O' => "Others",
                _ => "Travel",
            };
            let slots: Vec<&str> = day.chars().map(label).collect();
            let mut reply = serde_json::json!({ "slots": slots });
            if let (Some(home), Some(away)) = (&home, &away) {
                let zones: Vec<&str> = day
                    .chars()
                    .map(|c| match c {
                        'H' => home.as_str(),
                        'T' => "T",
                        _ => away.as_str(),
                    })
                    .collect();
                reply["zones"] = serde_json::json!(zones);
            }
            reply.to_string()
        }
    }
}

fn people(bench: &Benchmark, n: usize) -> Result<Vec<Person>, String> {
    let val = bench
        .persons(Split::Val)
        .map_err(|e| e.to_string())?
        .persons;
    if val.is_empty() {
        return Err("the validation split has no people".into());
    }
    Ok(val
        .iter()
        .cycle()
        .take(n)
        .enumerate()
        .map(|(i, p)| {
            let mut p = p.clone();
            if i >= val.len() {
                p.id = format!("{}-{}", p.id, i / val.len());
            }
            p
        })
        .collect())
}

fn report(label: &str, s: &RunSummary, server_requests: usize) {
    println!(
        "{label}: {} people ({} from the model, {} fallbacks, {} revisions); {} requests sent \
         (server saw {server_requests}), {} from the cache, {} retries",
        s.people,
        s.from_model,
        s.fallbacks,
        s.revisions,
        s.requests_sent,
        s.responses_from_cache,
        s.retries
    );
    println!(
        "  per person: {:.3} requests, {:.0} tokens in, {:.0} tokens out, ${:.6}, LLM latency {:.2} ms; \
         wall {:.3} ms/person ({:.2} s in all); total ${:.4}, spent now ${:.4}",
        s.per_person.calls,
        s.per_person.tokens_in,
        s.per_person.tokens_out,
        s.per_person.usd,
        s.per_person.latency_ms,
        s.wall_ms_per_person,
        s.wall_ms / 1e3,
        s.usd,
        s.usd_spent_now
    );
}

fn main() -> Result<(), String> {
    let o = options()?;
    if o.serve {
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        let server = runtime.block_on(ScriptedServer::start_responding(
            model(),
            Duration::from_millis(o.latency_ms),
        ));
        println!("{}", server.url);
        runtime.block_on(std::future::pending::<()>());
        return Ok(());
    }
    let bench = Benchmark::open(&o.bench).map_err(|e| e.to_string())?;
    let train = bench.read_split(Split::Train).map_err(|e| e.to_string())?;
    let targets = people(&bench, o.people)?;
    let cache = std::env::temp_dir().join(format!("llm-planner-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let server =
            ScriptedServer::start_responding(model(), Duration::from_millis(o.latency_ms)).await;
        let mut endpoint = EndpointConfig::new(&server.url, "scripted-model");
        endpoint.api_key = None;
        endpoint.concurrency = o.concurrency;
        endpoint.price_in_per_mtok = o.price_in;
        endpoint.price_out_per_mtok = o.price_out;
        let config = PlannerConfig {
            prompting: o.prompting,
            executor: o.executor,
            max_revisions: 2,
            seed: 7,
            endpoint,
        };
        println!(
            "{} on {} ({} people, concurrency {}, scripted latency {} ms, ${}/${} per Mtok in/out)",
            match o.executor {
                ExecutorKind::Statistical => "planner + statistical executor",
                ExecutorKind::None => "direct slots",
            },
            bench.name,
            targets.len(),
            o.concurrency,
            o.latency_ms,
            o.price_in,
            o.price_out
        );
        for label in ["first run", "rerun"] {
            let generator = Arc::new(
                LlmGenerator::new(config.clone(), &bench, train.clone(), &cache)
                    .map_err(|e| e.to_string())?,
            );
            let before = server.request_count();
            let g = generator.generate(&targets).await;
            let s = RunSummary::new(&config, &g, &bench.name, "val", "");
            report(label, &s, server.request_count() - before);
            if !g.is_complete() {
                return Err(format!("the generation stopped: {:?}", g.stop));
            }
        }
        Ok(())
    })?;
    let _ = std::fs::remove_dir_all(&cache);
    Ok(())
}
