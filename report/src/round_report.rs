//! One round, for `orchestrator show RUN ROUND`: a readable plain-text report
//! ([`render_round`]) and the same record as JSON ([`round_json`]) for `--json`.

use std::fmt::Write as _;

use memory::{format_utc, PhaseState, RoundRecord, RunConfig};
use serde_json::{json, Value};

use crate::report_input::{round_agent, AgentSource};
use crate::text_format::{delta, diff_stat, duration, score};

/// Longest attribution record shown, in lines and characters.
const ATTRIBUTION_LINES: usize = 40;
const ATTRIBUTION_CHARS: usize = 4000;
/// Longest build or test log tail shown, in lines.
const LOG_LINES: usize = 8;

/// A readable text report of one round of a run configured by `config`.
pub fn render_round(record: &RoundRecord, config: &RunConfig) -> String {
    let mut s = String::new();
    let (agent, source) = round_agent(record, config);
    let verdict = match &record.verification {
        Some(v) if v.accepted => "ACCEPTED".to_string(),
        Some(v) => format!("REJECTED ({})", v.outcome.label()),
        None => "no decision yet".to_string(),
    };
    let _ = writeln!(s, "Run {}, round {}: {verdict}", record.run, record.round);
    let _ = writeln!(
        s,
        "Agent: {agent}, model {}{}",
        config.model,
        match source {
            AgentSource::ProposalArtifacts => "",
            AgentSource::RunConfig =>
                " (the run's configured agent: memory records the agent per run, not per round)",
        }
    );
    let _ = write!(s, "Parent generator: {}", record.parent_commit);
    match &record.candidate {
        Some(c) => {
            let (added, removed) = diff_stat(&c.diff);
            let _ = writeln!(s, "; candidate: {} (+{added} −{removed} lines)", c.commit);
            if !c.summary.is_empty() {
                let _ = writeln!(s, "Change: {}", c.summary.headline());
            }
        }
        None => s.push_str("; no candidate yet\n"),
    }
    let _ = write!(s, "Started {}", format_utc(record.started_at));
    match record.finished_at {
        Some(end) => {
            let _ = writeln!(
                s,
                ", finished {} ({})",
                format_utc(end),
                duration((end - record.started_at) as f64 / 1000.0)
            );
        }
        None => s.push_str(", not finished\n"),
    }

    s.push_str("\nPhases\n");
    for e in &record.phases {
        let took = match (e.state, e.started_at, e.finished_at) {
            (PhaseState::Done | PhaseState::Failed | PhaseState::Interrupted, Some(a), Some(b)) => {
                duration((b - a) as f64 / 1000.0)
            }
            (PhaseState::Running, Some(a), _) => format!("since {}", format_utc(a)),
            _ => String::new(),
        };
        let _ = write!(
            s,
            "  {:<15} {:<11} {took:>12}",
            e.phase.name(),
            e.state.name()
        );
        if e.attempts > 1 {
            let _ = write!(s, "  ({} attempts)", e.attempts);
        }
        if let Some(err) = &e.error {
            let _ = write!(s, "  error: {}", one_line(err, 200));
        }
        s.push('\n');
    }

    if let Some(a) = &record.attribution {
        let _ = writeln!(
            s,
            "\nAttribution record (parent Score {:.4})",
            a.metrics.score
        );
        s.push_str(&indent(&trim_text(&a.text), "  "));
    }

    if let Some(p) = &record.proposal {
        let _ = writeln!(s, "\nProposal by {agent}");
        let _ = writeln!(s, "  Failure mode: {}", one_line(&p.failure_mode, 400));
        if let Some(t) = &p.target_diagnostic {
            let _ = writeln!(s, "  Target diagnostic: {t}");
        }
        field(&mut s, "Hypothesis", &p.hypothesis);
        field(&mut s, "Intervention", &p.intervention);
        field(&mut s, "Rationale", &p.rationale);
    }

    if let Some(v) = &record.verification {
        s.push_str("\nVerification\n");
        step(&mut s, "Build", v.build.ok, &v.build.log);
        step(&mut s, "Tests", v.tests.ok, &v.tests.log);
        let passed = v.validity.iter().filter(|c| c.passed).count();
        let _ = writeln!(s, "  Validity: {passed}/{} checks passed", v.validity.len());
        for c in v.validity.iter().filter(|c| !c.passed) {
            let _ = writeln!(s, "    FAILED {}: {}", c.name, one_line(&c.detail, 300));
        }
        let _ = writeln!(
            s,
            "  {:<28} {:>10} {:>10} {:>10}",
            "Metric", "parent", "candidate", "delta"
        );
        let cand = v.metrics.as_ref();
        let mut row = |name: &str, before: Option<f64>, after: Option<f64>| {
            let d = match (before, after) {
                (Some(b), Some(a)) => delta(a - b),
                _ => "–".into(),
            };
            let _ = writeln!(
                s,
                "  {:<28} {:>10} {:>10} {:>10}",
                name,
                score(before),
                score(after),
                d
            );
        };
        row("Score", Some(v.parent_metrics.score), cand.map(|m| m.score));
        for g in crate::run_report::group_names(v.parent_metrics.groups.keys()) {
            let before = v.parent_metrics.groups.get(&g).copied();
            row(&g, before, cand.and_then(|m| m.groups.get(&g).copied()));
        }
        if let Some(t) = record
            .proposal
            .as_ref()
            .and_then(|p| p.target_diagnostic.as_ref())
        {
            row(
                &format!("{t} (target)"),
                v.parent_metrics.diagnostics.get(t).copied(),
                cand.and_then(|m| m.diagnostics.get(t).copied()),
            );
        }
        let _ = writeln!(
            s,
            "  Decision: {} ({}) — {}",
            if v.accepted { "ACCEPTED" } else { "REJECTED" },
            v.outcome.label(),
            one_line(&v.reason, 400)
        );
        if let Some(e) = &v.evidence {
            let p = e.confirmation.as_ref().unwrap_or(&e.screening);
            let _ = writeln!(
                s,
                "  Evidence: improvement {:+.4} ± {:.4} (one-sided bound {:+.4}) on seeds {:?}; \
                 threshold {:.4}",
                p.improvement, p.standard_error, p.lower_bound, p.seeds, e.threshold
            );
        }
    }

    if let Some(t) = &record.trial {
        s.push('\n');
        field(&mut s, "Lesson", &t.lesson);
    }

    if !record.llm_calls.is_empty() {
        let calls = &record.llm_calls;
        let _ = writeln!(
            s,
            "\nLLM calls: {}, {} tokens in, {} tokens out, ${:.4}",
            calls.len(),
            calls.iter().map(|c| c.tokens_in).sum::<u64>(),
            calls.iter().map(|c| c.tokens_out).sum::<u64>(),
            calls.iter().map(|c| c.cost_usd).sum::<f64>()
        );
    }
    s
}

/// The round's record as JSON (for `--json`), with the agent and diff statistics added.
pub fn round_json(record: &RoundRecord, config: &RunConfig) -> Value {
    let (agent, source) = round_agent(record, config);
    let phases: Vec<Value> = record
        .phases
        .iter()
        .map(|e| {
            json!({
                "phase": e.phase.name(),
                "state": e.state.name(),
                "attempts": e.attempts,
                "started_at": e.started_at,
                "finished_at": e.finished_at,
                "duration_secs": match (e.started_at, e.finished_at) {
                    (Some(a), Some(b)) => Some((b - a) as f64 / 1000.0),
                    _ => None,
                },
                "artifacts": e.artifacts,
                "error": e.error,
            })
        })
        .collect();
    let calls: Vec<Value> = record
        .llm_calls
        .iter()
        .map(|c| {
            json!({
                "step": c.step, "model": c.model, "request_hash": c.request_hash,
                "tokens_in": c.tokens_in, "tokens_out": c.tokens_out,
                "cost_usd": c.cost_usd, "latency_ms": c.latency_ms,
            })
        })
        .collect();
    json!({
        "run": record.run,
        "round": record.round,
        "agent": agent,
        "agent_source": source,
        "parent_commit": record.parent_commit,
        "candidate": record.candidate.as_ref().map(|c| {
            let (added, removed) = diff_stat(&c.diff);
            json!({
                "commit": c.commit, "diff": c.diff, "lines_added": added, "lines_removed": removed,
                "summary": to_value(&c.summary), "headline": c.summary.headline(),
            })
        }),
        "outcome": record.verification.as_ref().map(|v| v.outcome.name()),
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "phases": phases,
        "attribution": to_value(&record.attribution),
        "proposal": to_value(&record.proposal),
        "verification": to_value(&record.verification),
        "trial": to_value(&record.trial),
        "llm_calls": calls,
    })
}

/// A record as JSON (these records always serialize; `null` otherwise).
fn to_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn field(s: &mut String, name: &str, value: &str) {
    let value = value.trim();
    if value.lines().count() <= 1 {
        let _ = writeln!(s, "  {name}: {value}");
    } else {
        let _ = writeln!(s, "  {name}:");
        s.push_str(&indent(value, "    "));
    }
}

fn step(s: &mut String, name: &str, ok: bool, log: &str) {
    if ok {
        let _ = writeln!(s, "  {name}: ok");
        return;
    }
    let _ = writeln!(s, "  {name}: FAILED");
    let lines: Vec<&str> = log.trim_end().lines().collect();
    let tail = &lines[lines.len().saturating_sub(LOG_LINES)..];
    s.push_str(&indent(&tail.join("\n"), "    | "));
}

/// The first lines and characters of a long text, saying how much was cut.
fn trim_text(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let mut kept = String::new();
    let mut shown = 0;
    for line in &lines {
        if shown == ATTRIBUTION_LINES || kept.len() + line.len() > ATTRIBUTION_CHARS {
            break;
        }
        kept.push_str(line);
        kept.push('\n');
        shown += 1;
    }
    if shown < lines.len() {
        let _ = writeln!(
            kept,
            "… ({} more lines; `--json` has the whole record)",
            lines.len() - shown
        );
    }
    kept
}

fn indent(text: &str, prefix: &str) -> String {
    let mut out = String::new();
    for line in text.trim_end().lines() {
        let _ = writeln!(out, "{prefix}{line}");
    }
    out
}

fn one_line(text: &str, max: usize) -> String {
    crate::text_format::clip(&crate::text_format::collapse_whitespace(text), max)
}
