-- Changes of a run's changeable settings (rounds, budget and token caps, model, endpoint,
-- agent timeout) made when it is resumed: the run's history of what it ran with, from
-- which round on. Timestamps are milliseconds since the Unix epoch (UTC).
CREATE TABLE run_settings_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    changed_at INTEGER NOT NULL,
    from_round INTEGER NOT NULL CHECK (from_round >= 1),  -- the first round run with it
    setting    TEXT    NOT NULL,  -- e.g. 'rounds', 'budget_usd', 'model'
    old_value  TEXT    NOT NULL,  -- as shown to users; 'none' for an absent cap
    new_value  TEXT    NOT NULL,
    command    TEXT    NOT NULL   -- the command line that made the change
);
CREATE INDEX run_settings_changes_run ON run_settings_changes (run_id, id);
