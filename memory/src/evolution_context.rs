//! The evolution context for the next prompt: the most effective accepted trials, the most
//! informative rejected ones (biggest regressions on the diagnostic they targeted), the
//! recent ones, and the dead ends, each trial shown once, rendered compactly.
//!
//! Trials are deduplicated by (targeted failure mode, intervention signature, outcome):
//! the same change tried again for the same failure counts as one entry with a repeat count.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::llm_cache::hex_sha256;
use crate::outcome::RoundOutcome;
use crate::{Memory, MemoryError};

/// How much context to give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextLimits {
    /// Most recent trials (not already shown).
    pub recent: usize,
    /// Best accepted trials.
    pub accepted: usize,
    /// Most informative rejected trials.
    pub rejected: usize,
    /// Longest rendered free-text field, in characters.
    pub field_chars: usize,
}

impl Default for ContextLimits {
    fn default() -> Self {
        ContextLimits {
            recent: 5,
            accepted: 5,
            rejected: 5,
            field_chars: 240,
        }
    }
}

/// One (deduplicated) trial as shown to the agent.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialSummary {
    /// The latest round this trial (or a repeat of it) ran in.
    pub round: u32,
    /// Number of trials merged into this entry.
    pub repeats: u32,
    /// Accepted?
    pub accepted: bool,
    /// The targeted failure mode.
    pub failure_mode: String,
    /// The targeted diagnostic.
    pub target_diagnostic: Option<String>,
    /// The hypothesis.
    pub hypothesis: String,
    /// One-line intervention.
    pub intervention: String,
    /// The lesson.
    pub lesson: String,
    /// Parent score.
    pub score_before: f64,
    /// Candidate score (None if it never got evaluated).
    pub score_after: Option<f64>,
    /// Targeted diagnostic before.
    pub target_before: Option<f64>,
    /// Targeted diagnostic after.
    pub target_after: Option<f64>,
}

impl TrialSummary {
    /// Score after − before (negative = better).
    pub fn score_delta(&self) -> Option<f64> {
        self.score_after.map(|a| a - self.score_before)
    }

    /// Targeted diagnostic after − before (positive = regression).
    pub fn target_delta(&self) -> Option<f64> {
        Some(self.target_after? - self.target_before?)
    }
}

/// One trial in one line: every trial of the run gets one, whatever the prompt budget.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialLine {
    /// The round.
    pub round: u32,
    /// How it ended (`None` for a trial recorded before decisions had kinds).
    pub outcome: Option<RoundOutcome>,
    /// One-line intervention (the applied change's summary).
    pub intervention: String,
    /// Parent score.
    pub score_before: f64,
    /// Candidate score, if scored.
    pub score_after: Option<f64>,
}

/// The evolution context of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct EvolutionContext {
    /// Every trial, oldest first, one line each.
    pub every_trial: Vec<TrialLine>,
    /// The run.
    pub run: i64,
    /// Trials recorded.
    pub trials: u32,
    /// Of which accepted.
    pub accepted: u32,
    /// Best accepted score so far (or the starting generator's score).
    pub best_score: Option<f64>,
    /// Accepted trials, biggest score improvement first.
    pub best_accepted: Vec<TrialSummary>,
    /// Rejected trials, biggest regression on the targeted diagnostic first.
    pub informative_rejected: Vec<TrialSummary>,
    /// Latest trials not shown above, oldest first.
    pub recent: Vec<TrialSummary>,
    /// Failure modes tried at least twice and never fixed: (failure mode, attempts).
    pub dead_ends: Vec<(String, u32)>,
    /// Longest rendered free-text field.
    pub field_chars: usize,
}

impl EvolutionContext {
    /// The compact text for the prompt: [`EvolutionContext::lines_text`] then
    /// [`EvolutionContext::details_text`].
    pub fn to_text(&self) -> String {
        let mut s = self.lines_text();
        let details = self.details_text();
        if !details.is_empty() {
            s.push('\n');
            s.push_str(&details);
        }
        s
    }

    /// Every trial in one line each (`r007 accepted: <change> (Score 0.9012 → 0.8901)`),
    /// oldest first, with the run's totals on top.
    pub fn lines_text(&self) -> String {
        let mut s = String::new();
        let best = self
            .best_score
            .map_or_else(|| "none yet".into(), |b| format!("{b:.4}"));
        let _ = writeln!(
            s,
            "Evolution memory: {} trials, {} accepted, {} rejected; best score {best} (lower is better).",
            self.trials,
            self.accepted,
            self.trials - self.accepted
        );
        if self.trials == 0 {
            s.push_str("No trials yet.\n");
            return s;
        }
        let _ = writeln!(
            s,
            "Every trial, one line each (round, outcome, change, Score):"
        );
        for t in &self.every_trial {
            let outcome = t.outcome.map_or("?", RoundOutcome::label);
            let score = match t.score_after {
                Some(a) => format!("{:.4} → {a:.4}", t.score_before),
                None => "not scored".into(),
            };
            let _ = writeln!(
                s,
                "- r{:03} {outcome}: {} ({score})",
                t.round,
                clip(&t.intervention, self.field_chars)
            );
        }
        s
    }

    /// The lessons in full as separate entries, most relevant first: the accepted trials,
    /// the most informative rejected ones, the recent ones, then the dead ends (one entry).
    /// A prompt that must shorten its memory leaves out whole entries from the end.
    pub fn detail_entries(&self) -> Vec<String> {
        let mut entries = Vec::new();
        let sections = [
            ("Accepted (most effective first):", &self.best_accepted),
            (
                "Rejected (biggest regressions on the targeted diagnostic first; do not repeat):",
                &self.informative_rejected,
            ),
            ("Recent:", &self.recent),
        ];
        for (title, trials) in sections {
            for (k, t) in trials.iter().enumerate() {
                let mut s = String::new();
                if k == 0 {
                    let _ = writeln!(s, "{title}");
                }
                self.render_trial(&mut s, t);
                entries.push(s);
            }
        }
        if !self.dead_ends.is_empty() {
            let mut s = String::new();
            let _ = writeln!(s, "Dead ends (tried repeatedly, never accepted):");
            for (mode, n) in &self.dead_ends {
                let _ = writeln!(s, "- {} ({n} attempts)", clip(mode, self.field_chars));
            }
            entries.push(s);
        }
        entries
    }

    /// The lessons in full: the accepted trials, the most informative rejected ones, the
    /// recent ones and the dead ends. Empty when there is no trial.
    pub fn details_text(&self) -> String {
        let mut s = String::new();
        if self.trials == 0 {
            return s;
        }
        let sections = [
            ("Accepted (most effective first):", &self.best_accepted),
            (
                "Rejected (biggest regressions on the targeted diagnostic first; do not repeat):",
                &self.informative_rejected,
            ),
            ("Recent:", &self.recent),
        ];
        for (title, trials) in sections {
            if trials.is_empty() {
                continue;
            }
            let _ = writeln!(s, "{title}");
            for t in trials {
                self.render_trial(&mut s, t);
            }
        }
        if !self.dead_ends.is_empty() {
            let _ = writeln!(s, "Dead ends (tried repeatedly, never accepted):");
            for (mode, n) in &self.dead_ends {
                let _ = writeln!(s, "- {} ({n} attempts)", clip(mode, self.field_chars));
            }
        }
        s
    }

    fn render_trial(&self, s: &mut String, t: &TrialSummary) {
        let n = self.field_chars;
        let verdict = if t.accepted { "ACCEPTED" } else { "REJECTED" };
        let repeats = if t.repeats > 1 {
            format!(" x{}", t.repeats)
        } else {
            String::new()
        };
        let score = match t.score_after {
            Some(a) => format!(
                "score {:.4} -> {a:.4} ({:+.4})",
                t.score_before,
                a - t.score_before
            ),
            None => format!("score {:.4} -> not evaluated", t.score_before),
        };
        let _ = write!(s, "- r{:03} {verdict}{repeats}: {score}", t.round);
        if let (Some(name), Some(d)) = (&t.target_diagnostic, t.target_delta()) {
            let _ = write!(s, "; {name} {d:+.4}");
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "  failure: {}", clip(&t.failure_mode, n));
        let _ = writeln!(s, "  change: {}", clip(&t.intervention, n));
        let _ = writeln!(s, "  hypothesis: {}", clip(&t.hypothesis, n));
        let _ = writeln!(s, "  lesson: {}", clip(&t.lesson, n));
    }
}

/// Whitespace collapsed, cut to `max` characters with an ellipsis — at a word boundary when
/// one falls in the last third, so a clipped line does not end mid-word.
fn clip(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    let kept = cut.chars().count();
    if let Some(space) = cut.rfind(' ') {
        if cut[..space].chars().count() * 3 >= kept * 2 {
            cut.truncate(space);
        }
    }
    cut.push('…');
    cut
}

/// A failure mode normalized for deduplication: lower-case words of letters and digits.
pub fn failure_key(failure_mode: &str) -> String {
    failure_mode
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A signature of what an intervention changes: a hash of the diff's added and removed
/// lines with whitespace collapsed (file headers, hunk positions and context ignored), or
/// of the normalized one-line summary when the diff changes no line.
pub fn intervention_signature(diff: &str, summary: &str) -> String {
    let changed: Vec<String> = diff
        .lines()
        .filter(|l| !l.starts_with("+++") && !l.starts_with("---"))
        .filter_map(|l| {
            let sign = l.chars().next()?;
            if sign != '+' && sign != '-' {
                return None;
            }
            let body = l[1..].split_whitespace().collect::<Vec<_>>().join(" ");
            (!body.is_empty()).then(|| format!("{sign}{body}"))
        })
        .collect();
    if changed.is_empty() {
        let key = failure_key(summary);
        return format!("s:{}", &hex_sha256(key.as_bytes())[..16]);
    }
    format!("d:{}", &hex_sha256(changed.join("\n").as_bytes())[..16])
}

type TrialRow = (
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    f64,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    bool,
    String,
    Option<String>,
);

impl Memory {
    /// The evolution context of `run` for the next prompt.
    pub async fn evolution_context(
        &self,
        run: i64,
        limits: ContextLimits,
    ) -> Result<EvolutionContext, MemoryError> {
        self.run_summary(run).await?;
        let rows: Vec<TrialRow> = sqlx::query_as(
            "SELECT t.round, t.failure_mode, t.failure_key, t.target_diagnostic, t.hypothesis,
                    t.intervention, t.intervention_signature, t.score_before, t.score_after,
                    t.target_before, t.target_after, t.accepted, t.lesson, r.outcome
             FROM trial_memory t JOIN rounds r ON r.run_id = t.run_id AND r.round = t.round
             WHERE t.run_id = ? ORDER BY t.round",
        )
        .bind(run)
        .fetch_all(&self.pool)
        .await
        .map_err(self.sql(format!("reading the trial memory of run {run}")))?;

        let trials = rows.len() as u32;
        let accepted = rows.iter().filter(|r| r.11).count() as u32;
        let every_trial: Vec<TrialLine> = rows
            .iter()
            .map(|r| TrialLine {
                round: u32::try_from(r.0).unwrap_or(0),
                outcome: r.13.as_deref().and_then(RoundOutcome::from_name),
                intervention: r.5.clone(),
                score_before: r.7,
                score_after: r.8,
            })
            .collect();
        let mut best_score = rows.first().map(|r| r.7);
        // Deduplicate: the latest trial of each (failure, signature, outcome) represents it;
        // for rejected ones the most damaging one is kept as the evidence.
        let mut groups: BTreeMap<(String, String, bool), TrialSummary> = BTreeMap::new();
        let mut attempts: BTreeMap<String, (String, u32, bool)> = BTreeMap::new();
        for r in rows {
            let (round, mode, key, target, hypothesis, intervention, sig, before, after) =
                (r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8);
            let (target_before, target_after, is_accepted, lesson) = (r.9, r.10, r.11, r.12);
            if is_accepted {
                if let Some(a) = after {
                    best_score = Some(best_score.map_or(a, |b| b.min(a)));
                }
            }
            let entry = attempts
                .entry(key.clone())
                .or_insert((mode.clone(), 0, false));
            entry.1 += 1;
            entry.2 |= is_accepted;
            let summary = TrialSummary {
                round: u32::try_from(round).unwrap_or(0),
                repeats: 1,
                accepted: is_accepted,
                failure_mode: mode,
                target_diagnostic: target,
                hypothesis,
                intervention,
                lesson,
                score_before: before,
                score_after: after,
                target_before,
                target_after,
            };
            groups
                .entry((key, sig, is_accepted))
                .and_modify(|g| {
                    let repeats = g.repeats + 1;
                    let round = g.round.max(summary.round);
                    if is_accepted || regression(&summary) > regression(g) {
                        *g = summary.clone();
                    }
                    g.repeats = repeats;
                    g.round = round;
                })
                .or_insert(summary);
        }
        let all: Vec<TrialSummary> = groups.into_values().collect();

        let mut best_accepted: Vec<TrialSummary> =
            all.iter().filter(|t| t.accepted).cloned().collect();
        best_accepted.sort_by(|a, b| {
            let (da, db) = (
                a.score_delta().unwrap_or(0.0),
                b.score_delta().unwrap_or(0.0),
            );
            da.total_cmp(&db).then(b.round.cmp(&a.round))
        });
        best_accepted.truncate(limits.accepted);

        let mut informative_rejected: Vec<TrialSummary> =
            all.iter().filter(|t| !t.accepted).cloned().collect();
        informative_rejected.sort_by(|a, b| {
            regression(b)
                .total_cmp(&regression(a))
                .then(b.round.cmp(&a.round))
        });
        informative_rejected.truncate(limits.rejected);

        let shown = |t: &TrialSummary| {
            best_accepted
                .iter()
                .chain(&informative_rejected)
                .any(|s| s.round == t.round)
        };
        let mut recent: Vec<TrialSummary> = all.iter().filter(|t| !shown(t)).cloned().collect();
        recent.sort_by_key(|t| t.round);
        let skip = recent.len().saturating_sub(limits.recent);
        let recent = recent.split_off(skip);

        let dead_ends = attempts
            .into_values()
            .filter(|(_, n, ever_accepted)| *n >= 2 && !ever_accepted)
            .map(|(mode, n, _)| (mode, n))
            .collect();
        Ok(EvolutionContext {
            every_trial,
            run,
            trials,
            accepted,
            best_score,
            best_accepted,
            informative_rejected,
            recent,
            dead_ends,
            field_chars: limits.field_chars,
        })
    }
}

/// How informative a rejected trial is: the regression on its targeted diagnostic, else
/// its score regression; never-evaluated trials rank last.
fn regression(t: &TrialSummary) -> f64 {
    t.target_delta()
        .or_else(|| t.score_delta())
        .unwrap_or(f64::NEG_INFINITY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_key_ignores_case_and_punctuation() {
        assert_eq!(
            failure_key("  Under-predicted afternoon TRAVEL!"),
            "under predicted afternoon travel"
        );
    }

    #[test]
    fn signature_ignores_context_headers_and_whitespace() {
        let a = "--- a/x.rs\n+++ b/x.rs\n@@ -1,3 +1,3 @@\n ctx\n-let p = 0.5;\n+let p  =  0.4;\n";
        let b =
            "--- a/x.rs\n+++ b/x.rs\n@@ -9,3 +9,3 @@\n other ctx\n-let p = 0.5;\n+let p = 0.4;\n";
        let c = "--- a/x.rs\n+++ b/x.rs\n@@ -1 +1 @@\n-let p = 0.5;\n+let p = 0.3;\n";
        assert_eq!(
            intervention_signature(a, "x"),
            intervention_signature(b, "y")
        );
        assert_ne!(
            intervention_signature(a, "x"),
            intervention_signature(c, "x")
        );
        assert!(intervention_signature("", "Lower p").starts_with("s:"));
        assert_eq!(
            intervention_signature("", "Lower p"),
            intervention_signature(" \n", "lower  P")
        );
    }

    #[test]
    fn clip_collapses_and_cuts() {
        assert_eq!(clip("a\n  b", 10), "a b");
        assert_eq!(clip("abcdefghij", 5), "abcd…");
        assert_eq!(
            clip("moved the selection Score", 22),
            "moved the selection…"
        );
        assert_eq!(clip("a bcdefghijklm", 8), "a bcdef…");
    }
}
