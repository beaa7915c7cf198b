-- The statistical acceptance rule, decisions by kind, the applied change, and the event stream.
ALTER TABLE runs ADD COLUMN rule TEXT;             -- JSON: the frozen rule's parameters
ALTER TABLE runs ADD COLUMN decision_secret TEXT;  -- hex key of the stream decision seeds are drawn from
ALTER TABLE runs ADD COLUMN status_reason TEXT;    -- why the run has its status (`failed: <reason>`)
ALTER TABLE rounds ADD COLUMN outcome TEXT;        -- RoundOutcome name, set with the decision
ALTER TABLE rounds ADD COLUMN change_summary TEXT; -- JSON: memory::ChangeSummary, set at apply
ALTER TABLE verification_records ADD COLUMN outcome TEXT;
ALTER TABLE verification_records ADD COLUMN evidence TEXT;  -- JSON: memory::DecisionEvidence

-- Events, appended in the transaction of the record they announce.
CREATE TABLE run_events (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    round  INTEGER,
    at     INTEGER NOT NULL,
    kind   TEXT    NOT NULL,
    event  TEXT    NOT NULL  -- JSON: memory::RunEvent
);
CREATE INDEX run_events_run ON run_events (run_id, id);
