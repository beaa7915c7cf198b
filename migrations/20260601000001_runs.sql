-- Runs: one evolution run, its frozen configuration, status and the accepted generator.
-- Timestamps are milliseconds since the Unix epoch (UTC).
CREATE TABLE runs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    benchmark         TEXT    NOT NULL,
    benchmark_hash    TEXT    NOT NULL,
    evaluator_version TEXT    NOT NULL,
    agent             TEXT    NOT NULL,
    model             TEXT    NOT NULL,
    seeds             TEXT    NOT NULL,  -- JSON array of integers
    acceptance_rule   TEXT    NOT NULL,
    budgets           TEXT    NOT NULL,  -- JSON object (max rounds, tokens, cost, wall time)
    initial_commit    TEXT    NOT NULL,
    current_commit    TEXT    NOT NULL,  -- the current accepted generator
    status            TEXT    NOT NULL DEFAULT 'active'
                      CHECK (status IN ('active', 'finished', 'failed', 'stopped')),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    -- Who drives the run now (informative: the real lock is an OS file lock).
    owner_pid         INTEGER,
    owner_host        TEXT,
    owner_since       INTEGER
);
