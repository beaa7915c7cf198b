-- Final evaluations: every read of a held-out split (the test split) by
-- `orchestrator evaluate --run RUN --split test`, logged in the run so the report shows it.
CREATE TABLE final_evaluations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    split      TEXT    NOT NULL,
    "commit"   TEXT    NOT NULL,  -- the generator evaluated
    metrics    TEXT    NOT NULL,  -- JSON: memory::Metrics
    evaluation TEXT    NOT NULL,  -- JSON: free-form (seeds, people, evaluator version, ...)
    created_at INTEGER NOT NULL
);
CREATE INDEX final_evaluations_run ON final_evaluations (run_id, id);
