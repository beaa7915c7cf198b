//! What may change in a run after it started, and what may not.
//!
//! `resume` may change the settings that do not affect what a round measures — rounds,
//! the budget and token caps, the model and endpoint, the external agent's timeout — and
//! each change is recorded in the run's history ([`memory::Memory::change_settings`]).
//! `run` without `--new` continues a run with its own settings: a flag given on the command
//! line that differs from them is a conflict, named, never silently ignored.

use crate::evolution::settings::{AgentSettings, RunSettings};
use anyhow::bail;
use memory::SettingChange;

/// The changes a `resume` asks for.
#[derive(Debug, Clone, Default)]
pub struct SettingsUpdate {
    pub rounds: Option<u32>,
    pub budget_usd: Option<f64>,
    pub max_tokens: Option<u64>,
    pub model: Option<String>,
    pub base_url: Option<String>,
    pub agent_timeout_secs: Option<u64>,
    /// The command line, recorded with the changes.
    pub command: String,
}

fn shown<T: ToString>(value: Option<T>) -> String {
    value
        .map(|v| v.to_string())
        .unwrap_or_else(|| "none".into())
}

impl SettingsUpdate {
    pub fn is_empty(&self) -> bool {
        self.rounds.is_none()
            && self.budget_usd.is_none()
            && self.max_tokens.is_none()
            && self.model.is_none()
            && self.base_url.is_none()
            && self.agent_timeout_secs.is_none()
    }

    /// Applies the update to run `id`'s `settings`, whose next round is `next_round`;
    /// returns what actually changed. Refused (nothing changed): fewer rounds than already
    /// finished, and LLM settings for a run whose agent is not `openai` (or a timeout for
    /// one without an external agent).
    pub fn apply(
        &self,
        id: i64,
        settings: &mut RunSettings,
        next_round: u32,
    ) -> anyhow::Result<Vec<SettingChange>> {
        let mut changes = Vec::new();
        let mut change = |setting: &str, old: String, new: String| {
            if old != new {
                changes.push(SettingChange {
                    setting: setting.into(),
                    old_value: old,
                    new_value: new,
                });
            }
        };
        if let Some(rounds) = self.rounds {
            let finished = next_round.saturating_sub(1);
            if rounds < finished.max(1) {
                bail!(
                    "run {id} has already finished {finished} rounds: --rounds must be at least {}",
                    finished.max(1)
                );
            }
            change("rounds", settings.rounds.to_string(), rounds.to_string());
            settings.rounds = rounds;
        }
        let agent_name = settings.agent.name();
        let llm_flags: Vec<&str> = [
            ("--budget-usd", self.budget_usd.is_some()),
            ("--max-tokens", self.max_tokens.is_some()),
            ("--model", self.model.is_some()),
            ("--base-url", self.base_url.is_some()),
        ]
        .iter()
        .filter(|(_, given)| *given)
        .map(|(flag, _)| *flag)
        .collect();
        match &mut settings.agent {
            AgentSettings::Openai {
                base_url,
                model,
                budget_usd,
                max_tokens,
                ..
            } => {
                if let Some(new) = self.budget_usd {
                    change("budget_usd", shown(*budget_usd), new.to_string());
                    *budget_usd = Some(new);
                }
                if let Some(new) = self.max_tokens {
                    change("max_tokens", shown(*max_tokens), new.to_string());
                    *max_tokens = Some(new);
                }
                if let Some(new) = &self.model {
                    change("model", model.clone(), new.clone());
                    *model = new.clone();
                }
                if let Some(new) = &self.base_url {
                    change("base_url", base_url.clone(), new.clone());
                    *base_url = new.clone();
                }
            }
            _ if !llm_flags.is_empty() => bail!(
                "run {id} uses the {agent_name} agent: {} appl{} only to the openai agent",
                llm_flags.join(", "),
                if llm_flags.len() == 1 { "ies" } else { "y" }
            ),
            _ => {}
        }
        if let Some(new) = self.agent_timeout_secs {
            match &mut settings.agent {
                AgentSettings::Command { timeout_secs, .. }
                | AgentSettings::Inbox { timeout_secs, .. } => {
                    change(
                        "agent_timeout_secs",
                        timeout_secs.to_string(),
                        new.to_string(),
                    );
                    *timeout_secs = new;
                }
                _ => bail!(
                    "run {id} uses the {agent_name} agent: --agent-timeout applies only to the \
                     command and inbox agents"
                ),
            }
        }
        Ok(changes)
    }
}

/// One `run` flag and how to read its value out of a run's settings (`None`: the flag
/// means nothing for that run's agent).
type FlagValue = fn(&RunSettings) -> Option<String>;

const FLAGS: &[(&str, &str, FlagValue)] = &[
    ("rounds", "--rounds", |s| Some(s.rounds.to_string())),
    ("seed", "--seed", |s| Some(s.seed.to_string())),
    ("evolution_seeds", "--evolution-seeds", |s| {
        Some(s.evolution_seeds.to_string())
    }),
    ("decision_seeds", "--decision-seeds", |s| {
        Some(s.rule.decision_seeds.to_string())
    }),
    ("confirmation_seeds", "--confirmation-seeds", |s| {
        Some(s.rule.confirmation_seeds.to_string())
    }),
    ("confidence", "--confidence", |s| {
        Some(s.rule.confidence.to_string())
    }),
    ("min_effect", "--min-effect", |s| {
        Some(s.rule.min_effect.to_string())
    }),
    ("non_inferiority_margin", "--non-inferiority-margin", |s| {
        Some(s.rule.non_inferiority_margin.to_string())
    }),
    ("bootstrap_resamples", "--bootstrap-resamples", |s| {
        Some(s.rule.resamples.to_string())
    }),
    ("selection_share", "--selection-share", |s| {
        Some(s.rule.selection_share.to_string())
    }),
    ("max_group_regression", "--max-group-regression", |s| {
        Some(shown(s.rule.max_group_regression))
    }),
    ("guard", "--guard", |s| Some(shown(s.rule.guard.as_ref()))),
    ("guard_margin", "--guard-margin", |s| {
        Some(s.rule.guard_margin.to_string())
    }),
    ("prompts", "--prompts", |s| {
        Some(shown(s.prompts_dir.as_ref().map(|p| p.display())))
    }),
    ("prompt_budget", "--prompt-budget", |s| {
        Some(s.prompt_budget.to_string())
    }),
    ("workspace", "--workspace", |s| {
        Some(s.workspace.display().to_string())
    }),
    ("from", "--from", |s| Some(shown(s.generator_from.as_ref()))),
    ("base_url", "--base-url", |s| match &s.agent {
        AgentSettings::Openai { base_url, .. } => Some(base_url.clone()),
        _ => None,
    }),
    ("model", "--model", |s| match &s.agent {
        AgentSettings::Openai { model, .. } => Some(model.clone()),
        _ => None,
    }),
    ("agent_mode", "--agent-mode", |s| match &s.agent {
        AgentSettings::Openai { tools, .. } => {
            Some(if *tools { "tools" } else { "diff" }.to_string())
        }
        _ => None,
    }),
    ("max_steps", "--max-steps", |s| match &s.agent {
        AgentSettings::Openai { max_steps, .. } => Some(max_steps.to_string()),
        _ => None,
    }),
    ("max_repairs", "--max-repairs", |s| match &s.agent {
        AgentSettings::Openai { max_repairs, .. } => Some(max_repairs.to_string()),
        _ => None,
    }),
    ("price_in", "--price-in", |s| match &s.agent {
        AgentSettings::Openai { price_in, .. } => Some(price_in.to_string()),
        _ => None,
    }),
    ("price_out", "--price-out", |s| match &s.agent {
        AgentSettings::Openai { price_out, .. } => Some(price_out.to_string()),
        _ => None,
    }),
    ("budget_usd", "--budget-usd", |s| match &s.agent {
        AgentSettings::Openai { budget_usd, .. } => Some(shown(*budget_usd)),
        _ => None,
    }),
    ("max_tokens", "--max-tokens", |s| match &s.agent {
        AgentSettings::Openai { max_tokens, .. } => Some(shown(*max_tokens)),
        _ => None,
    }),
    ("llm_timeout", "--llm-timeout", |s| match &s.agent {
        AgentSettings::Openai {
            llm_timeout_secs, ..
        } => Some(llm_timeout_secs.to_string()),
        _ => None,
    }),
    ("agent_command", "--agent-command", |s| match &s.agent {
        AgentSettings::Command { command, .. } => Some(command.clone()),
        _ => None,
    }),
    ("inbox", "--inbox", |s| match &s.agent {
        AgentSettings::Inbox { dir, .. } => Some(dir.display().to_string()),
        _ => None,
    }),
    ("agent_timeout", "--agent-timeout", |s| match &s.agent {
        AgentSettings::Command { timeout_secs, .. } | AgentSettings::Inbox { timeout_secs, .. } => {
            Some(timeout_secs.to_string())
        }
        _ => None,
    }),
];

/// The flags given on the command line (`given(id)`) whose value in `wanted` differs from
/// the run's `stored` settings, as `--flag value (the run has value)`.
pub fn conflicts(
    wanted: &RunSettings,
    stored: &RunSettings,
    given: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    FLAGS
        .iter()
        .filter(|(id, _, _)| given(id))
        .filter_map(|(_, flag, value)| {
            let (new, old) = (value(wanted)?, value(stored)?);
            (new != old).then(|| format!("{flag} {new} (the run has {old})"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn openai() -> RunSettings {
        RunSettings {
            benchmark: "atus-2014".into(),
            rounds: 10,
            seed: 7,
            evolution_seeds: 5,
            rule: crate::evolution::rule::AcceptanceRule::default(),
            agent: AgentSettings::Openai {
                base_url: "http://a/v1".into(),
                model: "m1".into(),
                tools: true,
                max_steps: 30,
                max_repairs: 3,
                price_in: 1.0,
                price_out: 2.0,
                budget_usd: Some(5.0),
                max_tokens: None,
                llm_timeout_secs: 300,
            },
            prompt_budget: 60_000,
            prompts_dir: None,
            workspace: PathBuf::from("/ws"),
            generator_from: None,
        }
    }

    #[test]
    fn a_resume_changes_only_what_differs_and_refuses_what_does_not_apply() {
        let mut s = openai();
        let update = SettingsUpdate {
            rounds: Some(20),
            budget_usd: Some(9.5),
            max_tokens: Some(1_000_000),
            model: Some("m1".into()),
            base_url: Some("http://b/v1".into()),
            ..SettingsUpdate::default()
        };
        let changes = update.apply(3, &mut s, 4).unwrap();
        let shown: Vec<String> = changes
            .iter()
            .map(|c| format!("{} {} → {}", c.setting, c.old_value, c.new_value))
            .collect();
        assert_eq!(
            shown,
            [
                "rounds 10 → 20",
                "budget_usd 5 → 9.5",
                "max_tokens none → 1000000",
                "base_url http://a/v1 → http://b/v1",
            ]
        );
        assert_eq!(s.rounds, 20);
        assert!(
            matches!(&s.agent, AgentSettings::Openai { budget_usd: Some(b), max_tokens: Some(1_000_000), .. } if *b == 9.5)
        );

        let few = SettingsUpdate {
            rounds: Some(2),
            ..SettingsUpdate::default()
        };
        let err = few.apply(3, &mut s, 6).unwrap_err().to_string();
        assert!(err.contains("already finished 5 rounds"), "{err}");
        let timeout = SettingsUpdate {
            agent_timeout_secs: Some(60),
            ..SettingsUpdate::default()
        };
        let err = timeout.apply(3, &mut s, 6).unwrap_err().to_string();
        assert!(err.contains("--agent-timeout applies only"), "{err}");

        let mut builtin = openai();
        builtin.agent = AgentSettings::Builtin;
        let llm = SettingsUpdate {
            model: Some("m2".into()),
            budget_usd: Some(1.0),
            ..SettingsUpdate::default()
        };
        let err = llm.apply(1, &mut builtin, 1).unwrap_err().to_string();
        assert_eq!(
            err,
            "run 1 uses the builtin agent: --budget-usd, --model apply only to the openai agent"
        );
    }

    #[test]
    fn only_given_flags_that_differ_conflict() {
        let stored = openai();
        let mut wanted = openai();
        wanted.rounds = 50;
        wanted.evolution_seeds = 10;
        wanted.agent = AgentSettings::Openai {
            base_url: "http://a/v1".into(),
            model: "m2".into(),
            tools: true,
            max_steps: 30,
            max_repairs: 3,
            price_in: 1.0,
            price_out: 2.0,
            budget_usd: Some(5.0),
            max_tokens: None,
            llm_timeout_secs: 300,
        };
        let given = |id: &str| matches!(id, "model" | "evolution_seeds" | "seed");
        assert_eq!(
            conflicts(&wanted, &stored, &given),
            [
                "--evolution-seeds 10 (the run has 5)",
                "--model m2 (the run has m1)"
            ]
        );
        // Defaults (not given) never conflict, even when they differ (rounds here).
        assert!(conflicts(&wanted, &stored, &|_| false).is_empty());
    }
}
