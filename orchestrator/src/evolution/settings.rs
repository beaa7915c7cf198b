//! What a run is started with, frozen for its whole life (`<run>/settings.json` and the
//! run's row in the database). A resumed run reads these, never the command line's.

use crate::cli::{AgentKind, AgentMode, RunArgs};
use crate::evolution::rule::AcceptanceRule;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSettings {
    pub benchmark: String,
    /// Rounds to complete (a resume may extend it).
    pub rounds: u32,
    /// First public seed; the evolution seeds are `seed..seed + evolution_seeds`.
    pub seed: u64,
    /// Public seeds of the parent's attribution, the candidate's verification, the agents'
    /// previews and the reports' validation Scores.
    pub evolution_seeds: u32,
    /// The acceptance rule (frozen).
    pub rule: AcceptanceRule,
    pub agent: AgentSettings,
    pub prompt_budget: usize,
    pub prompts_dir: Option<PathBuf>,
    /// The workspace the run's repository was made from.
    pub workspace: PathBuf,
    /// The git revision of the workspace the generator (`heuristics/`) was taken from, when
    /// not the workspace as it is (e.g. `generator-initial`, the designed generator).
    #[serde(default)]
    pub generator_from: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum AgentSettings {
    Builtin,
    Openai {
        base_url: String,
        model: String,
        tools: bool,
        max_steps: u32,
        max_repairs: u32,
        price_in: f64,
        price_out: f64,
        budget_usd: Option<f64>,
        max_tokens: Option<u64>,
        llm_timeout_secs: u64,
    },
    Command {
        command: String,
        timeout_secs: u64,
    },
    Inbox {
        dir: PathBuf,
        timeout_secs: u64,
    },
}

impl AgentSettings {
    pub fn name(&self) -> &'static str {
        match self {
            AgentSettings::Builtin => "builtin",
            AgentSettings::Openai { .. } => "openai",
            AgentSettings::Command { .. } => "command",
            AgentSettings::Inbox { .. } => "inbox",
        }
    }

    /// The LLM spending cap in USD (openai agent).
    pub fn budget_usd(&self) -> Option<f64> {
        match self {
            AgentSettings::Openai { budget_usd, .. } => *budget_usd,
            _ => None,
        }
    }

    /// The LLM token cap (openai agent).
    pub fn max_tokens(&self) -> Option<u64> {
        match self {
            AgentSettings::Openai { max_tokens, .. } => *max_tokens,
            _ => None,
        }
    }

    /// The model (or command line, or inbox folder) shown beside the agent's name.
    pub fn model(&self) -> String {
        match self {
            AgentSettings::Builtin => "none (attribution-guided search over params.rs)".into(),
            AgentSettings::Openai {
                model, base_url, ..
            } => format!("{model} @ {base_url}"),
            AgentSettings::Command { command, .. } => command.clone(),
            AgentSettings::Inbox { dir, .. } => dir.display().to_string(),
        }
    }
}

impl RunSettings {
    pub fn from_args(args: &RunArgs) -> anyhow::Result<RunSettings> {
        let agent = match args.agent {
            AgentKind::Builtin => AgentSettings::Builtin,
            AgentKind::Openai => AgentSettings::Openai {
                base_url: args.llm.base_url.clone(),
                model: args.llm.model.clone(),
                tools: args.llm.agent_mode == AgentMode::Tools,
                max_steps: args.llm.max_steps,
                max_repairs: args.llm.max_repairs,
                price_in: args.llm.price_in,
                price_out: args.llm.price_out,
                budget_usd: args.llm.budget_usd,
                max_tokens: args.llm.max_tokens,
                llm_timeout_secs: args.llm.llm_timeout,
            },
            AgentKind::Command => AgentSettings::Command {
                command: args.agent_command.clone().ok_or_else(|| {
                    anyhow::anyhow!("--agent command needs --agent-command \"CMD\"")
                })?,
                timeout_secs: args.agent_timeout,
            },
            AgentKind::Inbox => AgentSettings::Inbox {
                dir: args
                    .inbox
                    .clone()
                    .ok_or_else(|| anyhow::anyhow!("--agent inbox needs --inbox DIR"))?,
                timeout_secs: args.agent_timeout,
            },
        };
        let r = &args.rule;
        anyhow::ensure!(
            args.evolution_seeds >= 1,
            "--evolution-seeds must be at least 1"
        );
        anyhow::ensure!(r.decision_seeds >= 1, "--decision-seeds must be at least 1");
        anyhow::ensure!(
            r.confirmation_seeds >= 1,
            "--confirmation-seeds must be at least 1"
        );
        anyhow::ensure!(
            r.bootstrap_resamples >= 20,
            "--bootstrap-resamples must be at least 20"
        );
        anyhow::ensure!(
            r.confidence > 0.5 && r.confidence < 1.0,
            "--confidence must be between 0.5 and 1 (one-sided), not {}",
            r.confidence
        );
        anyhow::ensure!(
            r.selection_share > 0.0 && r.selection_share < 1.0,
            "--selection-share must be strictly between 0 and 1, not {}",
            r.selection_share
        );
        anyhow::ensure!(
            r.min_effect >= 0.0 && r.non_inferiority_margin >= 0.0 && r.guard_margin >= 0.0,
            "--min-effect, --non-inferiority-margin and --guard-margin must not be negative"
        );
        if let Some(guard) = &r.guard {
            anyhow::ensure!(
                *guard != args.benchmark,
                "--guard {guard} is the run's own benchmark; name the other one"
            );
        }
        Ok(RunSettings {
            benchmark: args.benchmark.clone(),
            rounds: args.rounds,
            seed: args.seed,
            evolution_seeds: args.evolution_seeds,
            rule: AcceptanceRule {
                confidence: r.confidence,
                min_effect: r.min_effect,
                non_inferiority_margin: r.non_inferiority_margin,
                decision_seeds: r.decision_seeds,
                confirmation_seeds: r.confirmation_seeds,
                resamples: r.bootstrap_resamples,
                selection_share: r.selection_share,
                max_group_regression: r.max_group_regression,
                guard: r.guard.clone(),
                guard_margin: r.guard_margin,
            },
            agent,
            prompt_budget: args.prompt_budget,
            prompts_dir: args.prompts.clone(),
            workspace: match &args.workspace {
                Some(w) => std::path::absolute(w)?,
                None => crate::evolution::run::workspace_root(),
            },
            generator_from: args.from.clone(),
        })
    }

    /// The public evolution seeds.
    pub fn evolution_seed_list(&self) -> Vec<u64> {
        crate::evolution::seeds::evolution_seeds(self.seed, self.evolution_seeds)
    }

    /// The acceptance rule in words (stored with the run).
    pub fn rule_text(&self) -> String {
        self.rule.describe()
    }
}
