//! The run's durable record in SQLite (sqlx): runs, round phases, trials, attribution and verification records, LLM calls.
