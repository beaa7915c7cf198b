//! The scripted agent's replies: what the fake LLM answers, call after call, in each test
//! run, built from the fixture's degraded workspace so that every edit matches exactly.
//! Every paid reply reports 100 prompt and 10 completion tokens.

use crate::harness::{Fixture, PARAMS};
use agents::scripted_server::{args, rate_limited, text, tool_calls, with_usage, Scripted};
use serde_json::json;

/// Completion tokens every paid reply reports.
pub const TOKENS_OUT: u64 = 10;

fn paid(reply: Scripted) -> Scripted {
    with_usage(reply, 100, TOKENS_OUT)
}

/// Paid LLM calls of the tool-mode script: round 1 (the fix) and round 2 (the refusals).
pub const TOOL_ROUND_1_CALLS: usize = 5;
pub const TOOL_ROUND_2_CALLS: usize = 4;
/// The `--max-steps` the tool-mode script is written for.
pub const TOOL_MAX_STEPS: u32 = 6;

/// Tool mode, two rounds.
///
/// Round 1: the first request is answered `429 Retry-After: 1`, its retry is never
/// answered (timeout), the next retry gets list_files → read_file → apply_edit (the fix)
/// → check_build → submit.
/// Round 2: write_file to evaluator/src/lib.rs and to heuristics/Cargo.toml (both refused),
/// submit with no change (refused), a text reply, then two submits: the step limit ends
/// the proposal with no change.
pub fn tool_mode(fx: &Fixture) -> Vec<Scripted> {
    vec![
        rate_limited(1),
        Scripted::Hang,
        paid(tool_calls(&[("list_files", "{}")])),
        paid(tool_calls(&[("read_file", &args(json!({"path": PARAMS})))])),
        paid(tool_calls(&[(
            "apply_edit",
            &args(json!({"path": PARAMS, "old": fx.bad_line, "new": fx.good_line})),
        )])),
        paid(tool_calls(&[("check_build", "{}")])),
        paid(tool_calls(&[(
            "submit",
            &args(json!({
                "target": "first_nonhome_hour_jsd",
                "hypothesis": "every day is the neighbours' most central routine, so days lost their diversity",
                "rationale": "weigh consensus lightly, as the data varies",
            })),
        )])),
        // Round 2.
        paid(tool_calls(&[
            (
                "write_file",
                &args(
                    json!({"path": "evaluator/src/lib.rs", "content": "pub fn score() -> f64 { 0.0 }\n"}),
                ),
            ),
            (
                "write_file",
                &args(
                    json!({"path": "heuristics/Cargo.toml", "content": "[package]\nname = \"heuristics\"\n"}),
                ),
            ),
        ])),
        paid(tool_calls(&[(
            "submit",
            &args(json!({"target": "the score", "hypothesis": "h", "rationale": "r"})),
        )])),
        paid(text(
            "I may not change the evaluator; I have nothing else to propose.",
        )),
        paid(tool_calls(&[
            (
                "submit",
                &args(json!({"target": "the score", "hypothesis": "h", "rationale": "r"})),
            ),
            (
                "submit",
                &args(json!({"target": "the score", "hypothesis": "h", "rationale": "r"})),
            ),
        ])),
    ]
}

/// A unified diff of `path` from `old` to `new` (3 lines of context).
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

pub fn diff_reply(target: &str, hypothesis: &str, diff: &str) -> Scripted {
    paid(text(&format!(
        "TARGET: {target}\nHYPOTHESIS: {hypothesis}\nRATIONALE: see the diff.\n\n```diff\n{diff}```\n"
    )))
}

/// The fixed `params.rs` (round 1's accepted change applied).
pub fn fixed_params(fx: &Fixture) -> String {
    fx.params.replace(&fx.bad_line, &fx.good_line)
}

/// The comment-only change of round 3 in diff mode (it must score exactly like its parent).
pub const COMMENT: &str = "// Most days keep their real timing.\n";

/// Diff mode (`--max-repairs 1`), three rounds.
///
/// Round 1: a malformed diff, then (after the repair prompt) the fix.
/// Round 2: a new file under evaluator/src/, then a change to heuristics/Cargo.toml: both
/// outside the editable scope, so the repairs run out.
/// Round 3: a change that does not compile, then (after the repair prompt) a comment.
pub fn diff_mode(fx: &Fixture) -> Vec<Scripted> {
    let fixed = fixed_params(fx);
    let fix = unified_diff(PARAMS, &fx.params, &fixed);
    let cargo_toml = std::fs::read_to_string(fx.workspace.join("heuristics/Cargo.toml")).unwrap();
    let cargo_change = unified_diff(
        "heuristics/Cargo.toml",
        &cargo_toml,
        &format!("{cargo_toml}\n[dependencies.serde]\nversion = \"1\"\n"),
    );
    let new_evaluator_file = "--- /dev/null\n+++ b/evaluator/src/backdoor.rs\n@@ -0,0 +1 @@\n+pub fn score() -> f64 { 0.0 }\n";
    let broken = unified_diff(
        PARAMS,
        &fixed,
        &fixed.replace(
            &fx.good_line,
            &fx.good_line.replace("f64 = ", "f64 = \"a string\"; // "),
        ),
    );
    let comment = unified_diff(
        PARAMS,
        &fixed,
        &fixed.replace(&fx.good_line, &format!("{COMMENT}{}", fx.good_line)),
    );
    vec![
        paid(text(
            "TARGET: employed people\nHYPOTHESIS: h\n\n```diff\n--- a/heuristics/src/params.rs\n+++ b/heuristics/src/params.rs\n@@ this is not a hunk @@\n-nothing\n```\n",
        )),
        diff_reply(
            "first_nonhome_hour_jsd",
            "every day is the most central routine",
            &fix,
        ),
        // Round 2.
        diff_reply("the score", "a friendlier evaluator", new_evaluator_file),
        diff_reply("the score", "a new dependency", &cargo_change),
        // Round 3.
        diff_reply("slot_accuracy_error", "a string weight", &broken),
        diff_reply("slot_accuracy_error", "document the weight", &comment),
    ]
}

/// Paid LLM calls per round of [`many_rounds`]: round 1, then rounds 2, 3, 4, … in turn.
pub fn many_rounds_calls(round: u32) -> usize {
    match round {
        1 => 3,
        _ => 2,
    }
}

/// Tool mode, `rounds` rounds of plain, always-answered calls (no 429, no timeout), for the
/// random-kill test: every request differs from every other, so a request seen twice was
/// sent twice.
///
/// Round 1: read_file → apply_edit (the fix) → submit: accepted.
/// Later rounds, in turn: the degradation again (rejected: worse), a comment (rejected: no
/// gain), a lighter consensus weight (rejected).
pub fn many_rounds(fx: &Fixture, rounds: u32) -> Vec<Scripted> {
    let submit = |target: &str, hypothesis: &str| {
        paid(tool_calls(&[(
            "submit",
            &args(json!({"target": target, "hypothesis": hypothesis, "rationale": "scripted"})),
        )]))
    };
    let edit = |old: &str, new: &str| {
        paid(tool_calls(&[(
            "apply_edit",
            &args(json!({"path": PARAMS, "old": old, "new": new})),
        )]))
    };
    let mut script = vec![
        paid(tool_calls(&[("read_file", &args(json!({"path": PARAMS})))])),
        edit(&fx.bad_line, &fx.good_line),
        submit(
            "first_nonhome_hour_jsd",
            "every day is the most central routine",
        ),
    ];
    let milder = fx.good_line.replace(
        fx.good_line.rsplit_once("= ").map(|(_, v)| v).unwrap_or(""),
        "0.3;",
    );
    for round in 2..=rounds {
        match (round - 2) % 3 {
            0 => {
                script.push(edit(&fx.good_line, &fx.bad_line));
                script.push(submit(
                    "slot_accuracy_error",
                    &format!("round {round}: the most central routine always"),
                ));
            }
            1 => {
                script.push(edit(&fx.good_line, &format!("{COMMENT}{}", fx.good_line)));
                script.push(submit(
                    "slot_accuracy_error",
                    &format!("round {round}: document it"),
                ));
            }
            _ => {
                script.push(edit(&fx.good_line, &milder));
                script.push(submit(
                    "first_nonhome_hour_jsd",
                    &format!("round {round}: a lighter consensus"),
                ));
            }
        }
    }
    script
}

/// Diff mode (`--max-repairs 0`), one paid call per round: a new file under evaluator/src/,
/// outside the editable scope, so every round is rejected before anything is built.
pub fn out_of_scope_rounds(rounds: usize) -> Vec<Scripted> {
    let backdoor = "--- /dev/null\n+++ b/evaluator/src/backdoor.rs\n@@ -0,0 +1 @@\n+pub fn score() -> f64 { 0.0 }\n";
    (0..rounds)
        .map(|_| diff_reply("the score", "a friendlier evaluator", backdoor))
        .collect()
}
