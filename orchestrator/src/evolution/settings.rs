//! What a run is started with, frozen for its whole life (`<run>/settings.json` and the
//! run's row in the database). A resumed run reads these, never the command line's.

use crate::cli::{AgentKind, AgentMode, RunArgs};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSettings {
    pub benchmark: String,
    /// Rounds to complete (a resume may extend it).
    pub rounds: u32,
    /// First seed; the evaluation seeds are `seed..seed+eval_seeds`.
    pub seed: u64,
    pub eval_seeds: u32,
    pub noise_seeds: u32,
    pub max_group_regression: Option<f64>,
    pub agent: AgentSettings,
    pub prompt_budget: usize,
    pub prompts_dir: Option<PathBuf>,
    /// The workspace the run's repository was made from.
    pub workspace: PathBuf,
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
        anyhow::ensure!(args.eval_seeds >= 1, "--eval-seeds must be at least 1");
        anyhow::ensure!(args.noise_seeds >= 2, "--noise-seeds must be at least 2");
        Ok(RunSettings {
            benchmark: args.benchmark.clone(),
            rounds: args.rounds,
            seed: args.seed,
            eval_seeds: args.eval_seeds,
            noise_seeds: args.noise_seeds.max(args.eval_seeds),
            max_group_regression: args.max_group_regression,
            agent,
            prompt_budget: args.prompt_budget,
            prompts_dir: args.prompts.clone(),
            workspace: match &args.workspace {
                Some(w) => std::path::absolute(w)?,
                None => crate::evolution::run::workspace_root(),
            },
        })
    }

    pub fn eval_seed_list(&self) -> Vec<u64> {
        (0..self.eval_seeds as u64).map(|i| self.seed + i).collect()
    }

    pub fn noise_seed_list(&self) -> Vec<u64> {
        (0..self.noise_seeds as u64)
            .map(|i| self.seed + i)
            .collect()
    }

    /// The acceptance rule in words (stored with the run).
    pub fn rule_text(&self) -> String {
        let mut s = format!(
            "accept iff every validity check passes and the mean validation Score over seeds {:?} \
             beats the parent's by more than the noise floor (σ/√{} over {} seeds, measured on the \
             initial generator in round 1)",
            self.eval_seed_list(),
            self.eval_seeds,
            self.noise_seeds
        );
        if let Some(g) = self.max_group_regression {
            s.push_str(&format!(", and no group score worsens by more than {g}"));
        }
        s
    }
}
