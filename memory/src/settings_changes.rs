//! A run's settings changes: what a resume changed (rounds, budget and token caps, model,
//! endpoint, agent timeout), from which round on, and by which command — together with the
//! run's current model and budgets in `runs`, written in one transaction.

use sqlx::Row;

use crate::clock::now_ms;
use crate::records::Budgets;
use crate::{Memory, MemoryError, RunLock};

/// One setting's change, as users read it (`none` for an absent cap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingChange {
    /// The setting's name: `rounds`, `budget_usd`, `max_tokens`, `model`, `base_url`,
    /// `agent_timeout_secs`.
    pub setting: String,
    /// Its value before the change.
    pub old_value: String,
    /// Its value from the change on.
    pub new_value: String,
}

/// A change as recorded in the run's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedChange {
    /// When it was made (ms since the epoch).
    pub changed_at: i64,
    /// The first round run with the new value.
    pub from_round: u32,
    /// What changed.
    pub change: SettingChange,
    /// The command line that made it.
    pub command: String,
}

impl Memory {
    /// Records `changes`, effective from round `from_round`, made by `command`, and sets
    /// the run's model (as shown beside its agent) and budgets — all in one transaction.
    pub async fn change_settings(
        &self,
        lock: &RunLock,
        from_round: u32,
        changes: &[SettingChange],
        command: &str,
        model: &str,
        budgets: &Budgets,
    ) -> Result<(), MemoryError> {
        let run = lock.run();
        self.check_lock(lock, run)?;
        let budgets = serde_json::to_string(budgets).map_err(self.json("runs.budgets"))?;
        let now = now_ms();
        let mut tx = self.begin_immediate().await?;
        for change in changes {
            sqlx::query(
                "INSERT INTO run_settings_changes
                     (run_id, changed_at, from_round, setting, old_value, new_value, command)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(run)
            .bind(now)
            .bind(i64::from(from_round))
            .bind(&change.setting)
            .bind(&change.old_value)
            .bind(&change.new_value)
            .bind(command)
            .execute(&mut *tx)
            .await
            .map_err(self.sql(format!("recording a settings change of run {run}")))?;
            let event = crate::RunEvent::SettingChanged {
                setting: change.setting.clone(),
                old: change.old_value.clone(),
                new: change.new_value.clone(),
            };
            self.append_event(&mut tx, run, &event).await?;
        }
        sqlx::query("UPDATE runs SET model = ?, budgets = ?, updated_at = ? WHERE id = ?")
            .bind(model)
            .bind(budgets)
            .bind(now)
            .bind(run)
            .execute(&mut *tx)
            .await
            .map_err(self.sql(format!("updating the settings of run {run}")))?;
        tx.commit()
            .await
            .map_err(self.sql("committing a settings change"))?;
        Ok(())
    }

    /// Every settings change of `run`, oldest first.
    pub async fn settings_changes(&self, run: i64) -> Result<Vec<RecordedChange>, MemoryError> {
        let rows = sqlx::query(
            "SELECT changed_at, from_round, setting, old_value, new_value, command
             FROM run_settings_changes WHERE run_id = ? ORDER BY id",
        )
        .bind(run)
        .fetch_all(&self.pool)
        .await
        .map_err(self.sql(format!("reading the settings changes of run {run}")))?;
        rows.iter()
            .map(|row| {
                let get = |e: sqlx::Error| MemoryError::Sql {
                    path: self.path.clone(),
                    context: "reading a run_settings_changes row".into(),
                    source: e,
                };
                let from_round: i64 = row.try_get("from_round").map_err(get)?;
                Ok(RecordedChange {
                    changed_at: row.try_get("changed_at").map_err(get)?,
                    from_round: u32::try_from(from_round).unwrap_or(0),
                    change: SettingChange {
                        setting: row.try_get("setting").map_err(get)?,
                        old_value: row.try_get("old_value").map_err(get)?,
                        new_value: row.try_get("new_value").map_err(get)?,
                    },
                    command: row.try_get("command").map_err(get)?,
                })
            })
            .collect()
    }
}
