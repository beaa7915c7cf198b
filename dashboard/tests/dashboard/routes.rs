//! Every page and API route over a recorded run, and over an empty runs folder.

use crate::fixture::record_run;
use crate::support::{config, get, get_json, start, TempDir};

/// Every `src=` and `href=` of `html` stays on this server (no outside script, style,
/// font or image), and no `@import` or `url(http…)` loads one either.
fn assert_offline(path: &str, html: &str) {
    for attr in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attr) {
            let value = &html[at + attr.len()..];
            let value = &value[..value.find('"').unwrap()];
            assert!(
                !value.contains("//") && !value.starts_with("data:text/javascript"),
                "{path}: {attr}{value}\" leaves the server"
            );
        }
    }
    assert!(
        !html.contains("@import") && !html.contains("url(http"),
        "{path}"
    );
}

#[tokio::test]
async fn every_page_and_api_route_answers_from_a_recorded_run() {
    let dir = TempDir::new("routes");
    let run = record_run(dir.path(), 40).await;
    let server = start(config(dir.path())).await;

    // The runs.
    let (status, kind, html) = get(&server, "/").await;
    assert_eq!((status, kind.as_str()), (200, "text/html; charset=utf-8"));
    assert!(
        html.contains(&format!("<a href=\"/runs/{run}\">run {run}</a>")),
        "{html}"
    );
    assert!(html.contains("atus-2014") && html.contains("<strong>active</strong>"));
    assert_offline("/", &html);
    let runs = get_json(&server, "/api/runs").await;
    assert_eq!(runs["runs"][0]["id"], run);
    assert_eq!(runs["runs"][0]["rounds"], 41);
    assert_eq!(runs["runs"][0]["accepted"], 5);
    // The starting generator's Score is its latest estimate before the first accepted change
    // (the parent's pooled Score moves as seeds pool), the best one the current generator's.
    let trajectory = memory::Memory::open(dir.path().join(crate::fixture::DATABASE))
        .await
        .unwrap()
        .trajectory(run)
        .await
        .unwrap();
    let first_accepted = trajectory
        .iter()
        .find(|p| p.accepted == Some(true))
        .unwrap();
    assert_eq!(
        runs["runs"][0]["initial_score"].as_f64(),
        first_accepted.parent_score
    );
    assert!((first_accepted.parent_score.unwrap() - 0.9003).abs() < 0.01);
    assert_eq!(
        runs["runs"][0]["best_score"].as_f64(),
        trajectory.last().unwrap().current
    );

    // A run: the chart with its acceptance bands and legend, group curves, the round table.
    let (status, _, html) = get(&server, &format!("/runs/{run}")).await;
    assert_eq!(status, 200, "{html}");
    assert_offline("/runs/1", &html);
    assert!(html.contains("<script src=\"/assets/live.js\" defer></script>"));
    assert!(html.contains(&format!("data-run=\"{run}\"")));
    assert!(html.contains("<svg class=\"trajectory\""), "{html}");
    assert!(html.contains("class=\"acceptance-band\""));
    assert!(
        html.contains("off the chart (value in tooltip)"),
        "round 31 is off the chart"
    );
    assert!(html.contains("not scored (bottom edge)"));
    for group in ["individual", "distribution", "behavior"] {
        assert!(
            html.contains(&format!("group-score group-{group}")),
            "{group}"
        );
    }
    let table = &html[html.find("id=\"round-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr>").count(), 1 + 41, "header + 41 rounds");
    assert!(table.contains("<a href=\"/runs/1/rounds/4\">4</a>"));
    assert!(table.contains("<span class=\"badge compile_error\">compile error</span>"));
    assert!(table.contains("<span class=\"badge not_confirmed\">not confirmed</span>"));
    assert!(table.contains("in progress: verification (running)"));
    assert!(table.contains("heuristics/src/params.rs; +1 −1 lines; NEIGHBOURS_K 10 → 20"));
    assert!(table.contains("± 0.0021"), "improvement ± SE");
    // Points link to their rounds.
    assert!(html.contains("<a href=\"/runs/1/rounds/2\">"));

    let (status, _, live) = get(&server, &format!("/runs/{run}/live")).await;
    assert_eq!(status, 200);
    assert!(live.starts_with("<h2>Trajectory</h2>") && live.contains("id=\"round-table\""));
    let (status, kind, svg) = get(&server, &format!("/runs/{run}/trajectory.svg")).await;
    assert_eq!((status, kind.as_str()), (200, "image/svg+xml"));
    assert!(svg.starts_with("<svg") && svg.contains("accepted-generator"));

    let json = get_json(&server, &format!("/api/runs/{run}")).await;
    assert_eq!(json["rounds"].as_array().unwrap().len(), 41);
    assert_eq!(json["rounds"][3]["outcome"], "compile_error");
    assert_eq!(json["trajectory"][1]["outcome"], "accepted");
    assert_eq!(
        json["rejected"][0]["outcome"], "agent_declined",
        "kinds in RoundOutcome::ALL order"
    );
    assert_eq!(json["rejected"][0]["rounds"], serde_json::json!([14]));

    // An accepted round: decision with evidence, diff, verification, lesson, attribution.
    let (status, _, html) = get(&server, &format!("/runs/{run}/rounds/2")).await;
    assert_eq!(status, 200, "{html}");
    assert_offline("/runs/1/rounds/2", &html);
    assert!(html.contains("<title>Run 1, round 2: accepted</title>"));
    assert!(html.contains("<span class=\"badge accepted\">accepted</span>"));
    assert!(
        html.contains("screening (decision seeds)")
            && html.contains("pooled with confirmation seeds")
    );
    assert!(html.contains("<pre class=\"diff\">"));
    assert!(
        html.contains("<span class=\"add\">+pub const TRAVEL_ANCHOR_MIN_GAP: f64 = 3;</span>"),
        "{html}"
    );
    assert!(html.contains("<h2>Lesson</h2>"));
    assert_eq!(
        html.matches("<svg class=\"hourly-share").count(),
        5,
        "one chart per activity"
    );
    assert!(html.contains("<table class=\"diaries\">"));
    assert_eq!(html.matches("<tr class=\"real\">").count(), 3);
    assert!(
        html.contains("<td class=\"slot T miss\">T</td>")
            || html.contains("<td class=\"slot H miss\">H</td>")
    );
    assert!(html.contains("employed/weekday") && html.contains("<h3>Segments</h3>"));
    assert!(html.contains("<a href=\"/runs/1/rounds/1\">← round 1</a>"));
    assert!(html.contains("<a href=\"/runs/1/rounds/3\">round 3 →</a>"));
    // A compile error: the build log, no metrics.
    let (_, _, html) = get(&server, &format!("/runs/{run}/rounds/4")).await;
    assert!(html.contains("<h3>Build log</h3>") && html.contains("expected `usize`, found `f64`"));
    // The round in progress.
    let (status, _, html) = get(&server, &format!("/runs/{run}/rounds/41")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<title>Run 1, round 41: in progress</title>")
            && html.contains("Not verified yet.")
    );
    let round = get_json(&server, &format!("/api/runs/{run}/rounds/4")).await;
    assert_eq!(round["outcome"], "compile_error");
    assert_eq!(round["verification"]["build"]["ok"], false);

    // The comparison: baselines on val and test, no repeated rows, cost columns.
    let (status, _, html) = get(&server, &format!("/runs/{run}/comparison")).await;
    assert_eq!(status, 200);
    let table = &html[html.find("id=\"comparison-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(
        table.contains(
            "<th class=\"group\" colspan=\"4\">val</th><th class=\"group\" colspan=\"4\">test</th>"
        ),
        "{table}"
    );
    assert!(table.contains("ms/person") && table.contains("USD/person"));
    for name in [
        "markov baseline",
        "nearest1 baseline",
        "llm-planner baseline",
        "initial generator",
        "evolved generator",
    ] {
        assert_eq!(
            table.matches(&format!("<td>{name}</td>")).count(),
            1,
            "{name}: {table}"
        );
    }
    assert!(table.contains("$0.00042"));
    assert!(html.contains("evolved generator: the <code>test</code> split was read 2 times; the latest read is shown."));
    let comparison = get_json(&server, &format!("/api/runs/{run}/comparison")).await;
    assert_eq!(comparison["splits"], serde_json::json!(["val", "test"]));
    let evolved = comparison["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["generator"] == "evolved generator")
        .unwrap();
    assert_eq!(
        evolved["splits"]["test"]["score"], 0.8975,
        "the latest read"
    );

    // The static report's files, and the live script.
    let (status, kind, html) = get(&server, &format!("/runs/{run}/report/report.html")).await;
    assert_eq!((status, kind.as_str()), (200, "text/html; charset=utf-8"));
    assert!(html.contains("<a href=\"rounds/round-0004.html\">4</a>"));
    let (status, _, page) = get(
        &server,
        &format!("/runs/{run}/report/rounds/round-0004.html"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("<a href=\"../report.html\">Run 1</a>"));
    let (status, kind, js) = get(&server, "/assets/live.js").await;
    assert_eq!(
        (status, kind.as_str()),
        (200, "text/javascript; charset=utf-8")
    );
    assert!(js.contains("new EventSource("));

    // Unknown runs and rounds.
    for path in [
        "/runs/9",
        "/runs/1/rounds/99",
        "/runs/9/comparison",
        "/runs/1/report/nope.html",
    ] {
        assert_eq!(get(&server, path).await.0, 404, "{path}");
    }
    let (status, kind, body) = get(&server, "/api/runs/9").await;
    assert_eq!((status, kind.as_str()), (404, "application/json"));
    assert!(body.contains("\"error\""), "{body}");
    assert_eq!(get(&server, "/api/runs/9/events").await.0, 404);
    assert_eq!(get(&server, "/runs/abc").await.0, 400);

    let response = crate::support::fetch(server.url("/")).await;
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    server.stop().await;
}

#[tokio::test]
async fn an_empty_runs_folder_has_no_runs_until_one_is_recorded() {
    let dir = TempDir::new("empty");
    let server = start(config(dir.path())).await;
    let (status, _, html) = get(&server, "/").await;
    assert_eq!(status, 200);
    assert!(html.contains("No run yet"), "{html}");
    assert_eq!(
        get_json(&server, "/api/runs").await["runs"],
        serde_json::json!([])
    );
    assert_eq!(get(&server, "/runs/1").await.0, 404);
    // A run recorded while the server runs shows up.
    let run = record_run(dir.path(), 2).await;
    assert_eq!(get_json(&server, "/api/runs").await["runs"][0]["id"], run);
    assert_eq!(get(&server, &format!("/runs/{run}")).await.0, 200);
    server.stop().await;
}
