//! Builds the configured agent (and its LLM budget) from the run's frozen settings.

use crate::evolution::llm_store::MemoryLlmStore;
use crate::evolution::run::shared_budget;
use crate::evolution::settings::AgentSettings;
use agents::{
    Agent, BudgetLimits, BuiltinAgent, CommandAgent, CommandConfig, CommandJail, InboxAgent,
    InboxConfig, OpenAiAgent, OpenAiConfig, OpenAiMode, SharedBudget,
};
use memory::{Memory, RunLock};
use std::sync::Arc;
use std::time::Duration;

pub fn make_agent(
    settings: &AgentSettings,
    memory: Arc<Memory>,
    lock: Arc<RunLock>,
    spent: (f64, u64),
    templates: prompts::Templates,
    jail: Arc<dyn CommandJail>,
) -> anyhow::Result<(Box<dyn Agent>, Option<SharedBudget>)> {
    make_agent_with_store(
        settings,
        Arc::new(MemoryLlmStore { memory, lock }),
        spent,
        templates,
        Some(jail),
    )
}

/// [`make_agent`] with any store of LLM calls.
fn make_agent_with_store(
    settings: &AgentSettings,
    store: Arc<dyn agents::LlmCallStore>,
    spent: (f64, u64),
    templates: prompts::Templates,
    jail: Option<Arc<dyn CommandJail>>,
) -> anyhow::Result<(Box<dyn Agent>, Option<SharedBudget>)> {
    Ok(match settings {
        AgentSettings::Builtin => (Box::new(BuiltinAgent), None),
        AgentSettings::Openai {
            base_url,
            model,
            tools,
            max_steps,
            max_repairs,
            price_in,
            price_out,
            budget_usd,
            max_tokens,
            llm_timeout_secs,
        } => {
            let mut config = OpenAiConfig::new(base_url, model);
            config.mode = if *tools {
                OpenAiMode::Tools
            } else {
                OpenAiMode::Diff
            };
            config.max_steps = *max_steps;
            config.max_repairs = *max_repairs;
            config.price_in_per_mtok = *price_in;
            config.price_out_per_mtok = *price_out;
            config.call_timeout = Duration::from_secs(*llm_timeout_secs);
            config.templates = templates;
            let budget = shared_budget(
                BudgetLimits {
                    max_usd: *budget_usd,
                    max_tokens: *max_tokens,
                },
                spent.0,
                spent.1,
            );
            let agent = OpenAiAgent::new(config, budget.clone(), store)?;
            (Box::new(agent), Some(budget))
        }
        AgentSettings::Command {
            command,
            timeout_secs,
        } => {
            let mut config = CommandConfig::new(command);
            config.timeout = Duration::from_secs(*timeout_secs);
            config.jail = jail;
            (Box::new(CommandAgent::new(config)), None)
        }
        AgentSettings::Inbox { dir, timeout_secs } => {
            let mut config = InboxConfig::new(dir);
            config.timeout = Some(Duration::from_secs(*timeout_secs));
            config.templates = templates;
            (Box::new(InboxAgent::new(config)), None)
        }
    })
}

/// Checks that the configured agent can work at all (endpoint reachable, key accepted, model
/// served; command found; inbox writable) before anything of a run is created or resumed.
pub async fn preflight(
    settings: &AgentSettings,
    templates: prompts::Templates,
) -> anyhow::Result<()> {
    let mut agent: Box<dyn Agent> = match settings {
        AgentSettings::Openai { .. } => {
            // A throw-away agent: the preflight sends no chat request, so nothing is stored.
            let (agent, _) = make_agent_with_store(
                settings,
                Arc::new(agents::MemoryCallStore::default()),
                (0.0, 0),
                templates,
                None,
            )?;
            agent
        }
        other => {
            let store = Arc::new(agents::MemoryCallStore::default());
            make_agent_with_store(other, store, (0.0, 0), templates, None)?.0
        }
    };
    agent
        .preflight()
        .await
        .map_err(|e| anyhow::anyhow!("the {} agent cannot work: {e}", settings.name()))
}
