//! Everything a run report shows, gathered from the run database ([`ReportInput::load`]) plus
//! the comparison rows the caller computes (baselines, LLM generators, initial and evolved
//! generator).
//!
//! Which agent produced a change: memory stores the agent once per run (`RunConfig::agent`),
//! not per round. A round's agent is read from the `agent` string of its Proposal phase's
//! artifacts when the orchestrator wrote one there ([`AgentSource::ProposalArtifacts`]), and
//! otherwise from the run configuration ([`AgentSource::RunConfig`]); reports say which.

use std::collections::BTreeMap;

use memory::{
    FinalEvaluation, Memory, Metrics, Phase, PhaseState, RoundOutcome, RoundRecord, RunConfig,
    RunSummary, Totals, TrajectoryPoint, VerificationRecord,
};
use serde::{Deserialize, Serialize};

use crate::text_format::{collapse_whitespace, diff_stat};
use crate::ReportError;

/// The run a report is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    /// Run id.
    pub id: i64,
    /// Prepared benchmark name.
    pub benchmark: String,
    /// The coding agent configured for the run.
    pub agent: String,
    /// Its model.
    pub model: String,
    /// `active`, `finished`, `failed` or `stopped`.
    pub status: String,
    /// Why it has that status, when recorded.
    pub status_reason: Option<String>,
    /// Creation time (ms since the epoch).
    pub created_at: i64,
    /// Last write (ms since the epoch).
    pub updated_at: i64,
    /// The generator the run started from.
    pub initial_commit: String,
    /// The current accepted (evolved) generator.
    pub current_commit: String,
    /// The frozen configuration.
    pub config: RunConfig,
}

impl RunInfo {
    /// The report's view of a run summary.
    pub fn from_summary(summary: &RunSummary) -> RunInfo {
        RunInfo {
            id: summary.id,
            benchmark: summary.config.benchmark.clone(),
            agent: summary.config.agent.clone(),
            model: summary.config.model.clone(),
            status: summary.status.name().to_string(),
            status_reason: summary.status_reason.clone(),
            created_at: summary.created_at,
            updated_at: summary.updated_at,
            initial_commit: summary.config.initial_commit.clone(),
            current_commit: summary.current_commit.clone(),
            config: summary.config.clone(),
        }
    }
}

/// Where the agent name of a change comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentSource {
    /// The `agent` field of the round's Proposal phase artifacts.
    ProposalArtifacts,
    /// The run's configured agent (nothing per round was recorded).
    RunConfig,
}

/// One round of the round table: who proposed what, what happened and why, what it cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundRow {
    /// The round.
    pub round: u32,
    /// The agent that proposed the change.
    pub agent: String,
    /// Where `agent` was read from.
    pub agent_source: AgentSource,
    /// The applied change in one line (files, lines, changed constants), or the proposed
    /// intervention when nothing was applied yet.
    pub change: String,
    /// The agent's one-line intervention.
    pub intervention: String,
    /// Whether the applied change altered constants (`change` names them).
    pub constants_changed: bool,
    /// The failure mode the proposal targeted.
    pub failure_mode: String,
    /// The diagnostic it targeted, if named.
    pub target: Option<String>,
    /// The decision's kind, once decided.
    pub outcome: Option<RoundOutcome>,
    /// Why, in one sentence.
    pub reason: Option<String>,
    /// The parent's (pooled) validation Score.
    pub parent_score: Option<f64>,
    /// The candidate's validation Score, if scored.
    pub candidate_score: Option<f64>,
    /// The paired improvement (parent − candidate) on the decision seeds, its standard error
    /// and one-sided lower bound, when the decision recorded its evidence.
    pub improvement: Option<(f64, f64, f64)>,
    /// (parent's Score on the decision seeds, the threshold the candidate had to beat).
    pub band: Option<(f64, f64)>,
    /// The candidate's Score on the decision seeds (what was compared with the threshold).
    pub decided_score: Option<f64>,
    /// The parent's group scores.
    pub parent_groups: BTreeMap<String, f64>,
    /// The candidate's group scores, if scored.
    pub candidate_groups: Option<BTreeMap<String, f64>>,
    /// Lines added and removed by the applied change.
    pub lines: (usize, usize),
    /// Wall time from the round's start to its last recorded phase end, in seconds.
    pub secs: Option<f64>,
    /// LLM spend of the round in US dollars, and its tokens (in + out).
    pub cost_usd: f64,
    /// See `cost_usd`.
    pub tokens: u64,
    /// `finished`, or the phase the round is in (`build`, `evaluation`, …).
    pub state: String,
}

/// How many rounds ended with one kind of decision, and which.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeCount {
    /// The kind.
    pub outcome: RoundOutcome,
    /// How many.
    pub count: u32,
    /// The rounds.
    pub rounds: Vec<u32>,
}

/// One accepted change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceptedChange {
    /// The round.
    pub round: u32,
    /// The agent that proposed it.
    pub agent: String,
    /// Where `agent` was read from.
    pub agent_source: AgentSource,
    /// The failure mode it targeted.
    pub failure_mode: String,
    /// The diagnostic it targeted, if named.
    pub target: Option<String>,
    /// The agent's hypothesis.
    pub hypothesis: String,
    /// One line: what it changed.
    pub intervention: String,
    /// The applied change summarised (files, lines, constants).
    pub change: String,
    /// The candidate commit.
    pub commit: Option<String>,
    /// The parent's validation Score.
    pub score_before: f64,
    /// The candidate's validation Score.
    pub score_after: Option<f64>,
    /// Candidate minus parent per group (negative = better).
    pub group_deltas: BTreeMap<String, f64>,
    /// The targeted diagnostic before and after, when both are known.
    pub target_before: Option<f64>,
    /// See `target_before`.
    pub target_after: Option<f64>,
    /// Lines added by the diff.
    pub lines_added: u32,
    /// Lines removed by the diff.
    pub lines_removed: u32,
}

/// One row of the comparison table, computed by the caller (lower is better). Rows are
/// data: a new baseline is a new row, a new split a new column group, and the cost columns
/// appear when any row has them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// What was evaluated, e.g. `markov baseline`, `initial generator`, `evolved generator`.
    pub name: String,
    /// The split, e.g. `val` (`validation` is read as `val`) or `test`.
    pub split: String,
    /// Individual group score (`null` in JSON when unknown).
    #[serde(with = "nan_as_null")]
    pub individual: f64,
    /// Distribution group score.
    #[serde(with = "nan_as_null")]
    pub distribution: f64,
    /// Behavior group score.
    #[serde(with = "nan_as_null")]
    pub behavior: f64,
    /// Individual + Distribution + Behavior.
    #[serde(with = "nan_as_null")]
    pub score: f64,
    /// The side metrics (`BENCHMARKS.md`: reported, not in the Score), when the caller has
    /// them.
    #[serde(default)]
    pub side: Option<SideFigures>,
    /// Generation time in milliseconds per person, when measured (for an LLM generator, its
    /// LLM latency per person).
    #[serde(default)]
    pub ms_per_person: Option<f64>,
    /// LLM spend in US dollars per person, for generators that call an LLM.
    #[serde(default)]
    pub usd_per_person: Option<f64>,
    /// The generator's commit, for generators of the run (merges its rows with the run's
    /// final evaluations of the same commit).
    #[serde(default)]
    pub commit: Option<String>,
}

impl ComparisonRow {
    /// A row from evaluator metrics (a missing group reads as NaN and renders as `–`).
    pub fn from_metrics(name: &str, split: &str, metrics: &Metrics) -> ComparisonRow {
        let group = |g: &str| metrics.groups.get(g).copied().unwrap_or(f64::NAN);
        ComparisonRow {
            name: name.to_string(),
            split: split.to_string(),
            individual: group("individual"),
            distribution: group("distribution"),
            behavior: group("behavior"),
            score: metrics.score,
            side: None,
            ms_per_person: None,
            usd_per_person: None,
            commit: None,
        }
    }

    /// The same row with its side metrics.
    pub fn with_side(mut self, side: SideFigures) -> Self {
        self.side = Some(side);
        self
    }

    /// The same row with its generation cost.
    pub fn with_cost(mut self, ms_per_person: Option<f64>, usd_per_person: Option<f64>) -> Self {
        self.ms_per_person = ms_per_person;
        self.usd_per_person = usd_per_person;
        self
    }

    /// The same row marked as generator `commit` of the run.
    pub fn with_commit(mut self, commit: &str) -> Self {
        self.commit = Some(commit.to_string());
        self
    }
}

/// The side metrics of a comparison row (`BENCHMARKS.md`; reported, not in the Score).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideFigures {
    /// Mean of the first-non-home and last-return-home MAEs, minutes.
    pub temporal_mae_min: f64,
    /// Mean centroid distance between generated and real zones, km (location task only).
    pub spatial_mae_km: Option<f64>,
    /// Activity weighted F1 (higher is better).
    pub activity_weighted_f1: f64,
}

/// NaN (an unknown group score) as JSON `null`, and back.
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

/// Time and LLM spend of one phase (or one LLM step that is not a phase) over the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseCost {
    /// The phase name (or `<step> (LLM step)` for LLM calls whose step is not a phase).
    pub phase: String,
    /// Timed executions (phases done or failed with a start and an end).
    pub count: u32,
    /// Time in them, summed, in seconds.
    pub total_secs: f64,
    /// `total_secs / count` (0 when `count` is 0).
    pub mean_secs: f64,
    /// Executions that ended failed.
    pub failed: u32,
    /// LLM calls recorded with this step name.
    pub llm_calls: u32,
    /// Their prompt tokens.
    pub tokens_in: u64,
    /// Their completion tokens.
    pub tokens_out: u64,
    /// Their cost in US dollars.
    pub cost_usd: f64,
}

impl PhaseCost {
    fn named(phase: String) -> PhaseCost {
        PhaseCost {
            phase,
            count: 0,
            total_secs: 0.0,
            mean_secs: 0.0,
            failed: 0,
            llm_calls: 0,
            tokens_in: 0,
            tokens_out: 0,
            cost_usd: 0.0,
        }
    }
}

/// Everything a run report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportInput {
    /// The run.
    pub run: RunInfo,
    /// Per round: parent and candidate scores, decision, the accepted generator's Score.
    pub trajectory: Vec<TrajectoryPoint>,
    /// Per round: agent, change, decision and reason, scores, cost and time.
    pub rounds: Vec<RoundRow>,
    /// Accepted changes, in round order.
    pub accepted: Vec<AcceptedChange>,
    /// Decided rounds that were not accepted, by kind (kinds with none left out).
    pub rejected: Vec<OutcomeCount>,
    /// Baselines, initial and evolved generator (supplied by the caller).
    pub comparison: Vec<ComparisonRow>,
    /// Logged reads of held-out splits.
    pub final_evaluations: Vec<FinalEvaluation>,
    /// Time and LLM spend per phase.
    pub phase_costs: Vec<PhaseCost>,
    /// The run's totals.
    pub totals: Totals,
    /// Every round's full record, in round order (for the round pages).
    pub records: Vec<RoundRecord>,
    /// Settings changed on resume (rounds, caps, model, endpoint, agent timeout), in order.
    pub settings_changes: Vec<memory::RecordedChange>,
}

impl ReportInput {
    /// Read `run` from `memory`; `comparison` is shown as given.
    pub async fn load(
        memory: &Memory,
        run: i64,
        comparison: Vec<ComparisonRow>,
    ) -> Result<ReportInput, ReportError> {
        let summary = memory.run_summary(run).await?;
        let trajectory = memory.trajectory(run).await?;
        let totals = memory.totals(run).await?;
        let final_evaluations = memory.final_evaluations(run).await?;
        let settings_changes = memory.settings_changes(run).await?;
        let mut records = Vec::with_capacity(trajectory.len());
        for point in &trajectory {
            records.push(memory.round_record(run, point.round).await?);
        }
        let mut input = ReportInput::from_records(
            &summary,
            trajectory,
            records,
            comparison,
            final_evaluations,
            totals,
        );
        input.settings_changes = settings_changes;
        Ok(input)
    }

    /// Assemble a report from already read records (what [`ReportInput::load`] does after
    /// reading).
    pub fn from_records(
        summary: &RunSummary,
        trajectory: Vec<TrajectoryPoint>,
        records: Vec<RoundRecord>,
        comparison: Vec<ComparisonRow>,
        final_evaluations: Vec<FinalEvaluation>,
        totals: Totals,
    ) -> ReportInput {
        let mut accepted = Vec::new();
        let mut rejected: BTreeMap<usize, (RoundOutcome, Vec<u32>)> = BTreeMap::new();
        let mut rounds = Vec::with_capacity(records.len());
        for record in &records {
            let point = trajectory.iter().find(|p| p.round == record.round);
            rounds.push(round_row(record, point, &summary.config));
            let Some(v) = &record.verification else {
                continue;
            };
            if v.accepted {
                accepted.push(accepted_change(record, v, &summary.config));
            } else {
                let order = RoundOutcome::ALL
                    .iter()
                    .position(|o| *o == v.outcome)
                    .unwrap_or(usize::MAX);
                rejected
                    .entry(order)
                    .or_insert_with(|| (v.outcome, Vec::new()))
                    .1
                    .push(record.round);
            }
        }
        ReportInput {
            run: RunInfo::from_summary(summary),
            trajectory,
            rounds,
            accepted,
            rejected: rejected
                .into_values()
                .map(|(outcome, rounds)| OutcomeCount {
                    outcome,
                    count: rounds.len() as u32,
                    rounds,
                })
                .collect(),
            comparison,
            final_evaluations,
            phase_costs: phase_costs(&records),
            totals,
            records,
            settings_changes: Vec::new(),
        }
    }

    /// The distinct agents that produced the accepted changes (or the run's agent when
    /// none was accepted), with whether any of them was only known from the run config.
    pub fn agents(&self) -> (Vec<String>, bool) {
        let mut names: Vec<String> = Vec::new();
        for change in &self.accepted {
            if !names.contains(&change.agent) {
                names.push(change.agent.clone());
            }
        }
        if names.is_empty() {
            names.push(self.run.agent.clone());
        }
        let from_config = self.accepted.is_empty()
            || self
                .accepted
                .iter()
                .any(|c| c.agent_source == AgentSource::RunConfig);
        (names, from_config)
    }

    /// The record of round `round`, if recorded.
    pub fn record(&self, round: u32) -> Option<&RoundRecord> {
        self.records.iter().find(|r| r.round == round)
    }
}

/// The agent of a round: the Proposal phase artifacts' `agent` string, else the run's.
pub fn round_agent(record: &RoundRecord, config: &RunConfig) -> (String, AgentSource) {
    record
        .phases
        .iter()
        .find(|e| e.phase == Phase::Proposal)
        .and_then(|e| e.artifacts.as_ref())
        .and_then(|a| a.get("agent"))
        .and_then(|a| a.as_str())
        .filter(|a| !a.trim().is_empty())
        .map_or_else(
            || (config.agent.clone(), AgentSource::RunConfig),
            |a| (a.to_string(), AgentSource::ProposalArtifacts),
        )
}

/// The applied change in one line, else the proposal's intervention, else `–`.
pub(crate) fn change_line(record: &RoundRecord) -> String {
    match &record.candidate {
        Some(c) if !c.summary.is_empty() => c.summary.headline(),
        Some(c) if !c.diff.trim().is_empty() => {
            let (a, r) = diff_stat(&c.diff);
            format!("+{a} −{r} lines")
        }
        _ => record
            .proposal
            .as_ref()
            .map(|p| collapse_whitespace(&p.intervention))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "–".into()),
    }
}

fn round_row(
    record: &RoundRecord,
    point: Option<&TrajectoryPoint>,
    config: &RunConfig,
) -> RoundRow {
    let (agent, agent_source) = round_agent(record, config);
    let v = record.verification.as_ref();
    let evidence = v.and_then(|v| v.evidence.as_ref());
    let proposal = record.proposal.as_ref();
    let last_end = record.phases.iter().filter_map(|e| e.finished_at).max();
    let state = match record.phases.iter().find(|e| e.state != PhaseState::Done) {
        None => "finished".to_string(),
        Some(e) => format!("{} ({})", e.phase.name(), e.state.name()),
    };
    let parent_groups = v
        .map(|v| v.parent_metrics.groups.clone())
        .or_else(|| {
            record
                .attribution
                .as_ref()
                .map(|a| a.metrics.groups.clone())
        })
        .unwrap_or_default();
    RoundRow {
        round: record.round,
        agent,
        agent_source,
        change: change_line(record),
        intervention: proposal
            .map(|p| collapse_whitespace(&p.intervention))
            .unwrap_or_default(),
        constants_changed: record
            .candidate
            .as_ref()
            .is_some_and(|c| !c.summary.constants.is_empty()),
        failure_mode: proposal
            .map(|p| collapse_whitespace(&p.failure_mode))
            .unwrap_or_default(),
        target: proposal.and_then(|p| p.target_diagnostic.clone()),
        outcome: v.map(|v| v.outcome),
        reason: v.map(|v| v.reason.clone()),
        parent_score: point
            .and_then(|p| p.parent_score)
            .or(v.map(|v| v.parent_metrics.score))
            .or_else(|| record.attribution.as_ref().map(|a| a.metrics.score)),
        candidate_score: point
            .and_then(|p| p.candidate_score)
            .or_else(|| v.and_then(|v| v.metrics.as_ref().map(|m| m.score))),
        improvement: evidence.map(|e| {
            let s = e.confirmation.as_ref().unwrap_or(&e.screening);
            (s.improvement, s.standard_error, s.lower_bound)
        }),
        band: evidence.map(|e| (e.screening.parent_score, e.threshold)),
        decided_score: evidence.map(|e| e.screening.candidate_score),
        parent_groups,
        candidate_groups: v.and_then(|v| v.metrics.as_ref().map(|m| m.groups.clone())),
        lines: record
            .candidate
            .as_ref()
            .map(|c| c.summary.lines())
            .unwrap_or((0, 0)),
        secs: last_end.map(|end| (end - record.started_at).max(0) as f64 / 1000.0),
        cost_usd: record.llm_calls.iter().map(|c| c.cost_usd).sum(),
        tokens: record
            .llm_calls
            .iter()
            .map(|c| c.tokens_in + c.tokens_out)
            .sum(),
        state,
    }
}

fn accepted_change(
    record: &RoundRecord,
    v: &VerificationRecord,
    config: &RunConfig,
) -> AcceptedChange {
    let (agent, agent_source) = round_agent(record, config);
    let proposal = record.proposal.as_ref();
    let trial = record.trial.as_ref();
    let text = |from_proposal: Option<&String>, from_trial: Option<&String>| {
        from_proposal.or(from_trial).cloned().unwrap_or_default()
    };
    let target = proposal
        .and_then(|p| p.target_diagnostic.clone())
        .or_else(|| trial.and_then(|t| t.target_diagnostic.clone()));
    let group_deltas = match (&v.comparison, &v.metrics) {
        (Some(c), _) => c.groups.clone(),
        (None, Some(m)) => memory::Comparison::between(&v.parent_metrics, m).groups,
        (None, None) => BTreeMap::new(),
    };
    let diagnostic = |m: Option<&Metrics>| {
        let name = target.as_ref()?;
        m?.diagnostics.get(name).copied()
    };
    let diff = record
        .candidate
        .as_ref()
        .map(|c| c.diff.as_str())
        .or(trial.map(|t| t.diff.as_str()))
        .unwrap_or("");
    let (lines_added, lines_removed) = diff_stat(diff);
    AcceptedChange {
        round: record.round,
        agent,
        agent_source,
        failure_mode: text(
            proposal.map(|p| &p.failure_mode),
            trial.map(|t| &t.failure_mode),
        ),
        hypothesis: text(
            proposal.map(|p| &p.hypothesis),
            trial.map(|t| &t.hypothesis),
        ),
        intervention: text(
            proposal.map(|p| &p.intervention),
            trial.map(|t| &t.intervention),
        ),
        change: change_line(record),
        commit: record.candidate.as_ref().map(|c| c.commit.clone()),
        score_before: v.parent_metrics.score,
        score_after: v.metrics.as_ref().map(|m| m.score),
        group_deltas,
        target_before: diagnostic(Some(&v.parent_metrics)),
        target_after: diagnostic(v.metrics.as_ref()),
        target,
        lines_added,
        lines_removed,
    }
}

/// Phase times from every round's phase log, LLM spend by the calls' step names.
fn phase_costs(records: &[RoundRecord]) -> Vec<PhaseCost> {
    let mut rows: Vec<PhaseCost> = Phase::ALL
        .iter()
        .map(|p| PhaseCost::named(p.name().to_string()))
        .collect();
    for record in records {
        for entry in &record.phases {
            let (Some(start), Some(end)) = (entry.started_at, entry.finished_at) else {
                continue;
            };
            if !matches!(entry.state, PhaseState::Done | PhaseState::Failed) {
                continue;
            }
            let row = &mut rows[entry.phase.position()];
            row.count += 1;
            row.total_secs += (end - start).max(0) as f64 / 1000.0;
            if entry.state == PhaseState::Failed {
                row.failed += 1;
            }
        }
        for call in &record.llm_calls {
            let index = match Phase::from_name(&call.step) {
                Some(p) => p.position(),
                None => {
                    let name = format!("{} (LLM step)", call.step);
                    match rows.iter().position(|r| r.phase == name) {
                        Some(i) => i,
                        None => {
                            rows.push(PhaseCost::named(name));
                            rows.len() - 1
                        }
                    }
                }
            };
            let row = &mut rows[index];
            row.llm_calls += 1;
            row.tokens_in += call.tokens_in;
            row.tokens_out += call.tokens_out;
            row.cost_usd += call.cost_usd;
        }
    }
    for row in &mut rows {
        if row.count > 0 {
            row.mean_secs = row.total_secs / f64::from(row.count);
        }
    }
    rows
}

impl ReportInput {
    /// The whole report as JSON (for `orchestrator report RUN --json` and the dashboard's
    /// API), without the full round records (each round has its own JSON).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let trajectory: Vec<serde_json::Value> = self
            .trajectory
            .iter()
            .map(|p| {
                json!({
                    "round": p.round, "parent_score": p.parent_score,
                    "candidate_score": p.candidate_score, "accepted": p.accepted,
                    "outcome": p.outcome.map(RoundOutcome::name),
                    "current": p.current,
                })
            })
            .collect();
        let finals: Vec<serde_json::Value> = self
            .final_evaluations
            .iter()
            .map(|f| {
                json!({
                    "id": f.id, "split": f.split, "commit": f.commit,
                    "metrics": to_value(&f.metrics), "evaluation": f.evaluation,
                    "created_at": f.created_at,
                })
            })
            .collect();
        let t = &self.totals;
        json!({
            "run": to_value(&self.run),
            "trajectory": trajectory,
            "rounds": to_value(&self.rounds),
            "accepted": to_value(&self.accepted),
            "rejected": to_value(&self.rejected),
            "comparison": to_value(&self.comparison),
            "final_evaluations": finals,
            "settings_changes": self.settings_changes.iter().map(|c| json!({
                "changed_at": c.changed_at, "from_round": c.from_round,
                "setting": c.change.setting, "old": c.change.old_value,
                "new": c.change.new_value, "command": c.command,
            })).collect::<Vec<_>>(),
            "phase_costs": to_value(&self.phase_costs),
            "totals": {
                "rounds": t.rounds, "finished_rounds": t.finished_rounds,
                "accepted": t.accepted, "rejected": t.rejected, "llm_calls": t.llm_calls,
                "tokens_in": t.tokens_in, "tokens_out": t.tokens_out, "cost_usd": t.cost_usd,
                "phase_secs": t.phase_time.as_secs_f64(), "elapsed_secs": t.elapsed.as_secs_f64(),
            },
        })
    }
}

/// A value as JSON (the report's types always serialize; `null` otherwise). NaN becomes
/// `null`.
pub(crate) fn to_value<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}
