-- The three records of the evolution context (paper appendix A) and the proposal with its prompt.
CREATE TABLE attribution_records (
    run_id   INTEGER NOT NULL,
    round    INTEGER NOT NULL,
    text     TEXT    NOT NULL,  -- the record exactly as the agent saw it
    metrics  TEXT    NOT NULL,  -- JSON: parent metrics by group and diagnostic
    findings TEXT    NOT NULL,  -- JSON: localized failures (slots, segments, confusions, examples)
    PRIMARY KEY (run_id, round),
    FOREIGN KEY (run_id, round) REFERENCES rounds (run_id, round) ON DELETE CASCADE
);

CREATE TABLE proposals (
    run_id            INTEGER NOT NULL,
    round             INTEGER NOT NULL,
    prompt            TEXT    NOT NULL,  -- the rendered prompt sent to the agent
    failure_mode      TEXT    NOT NULL,
    target_diagnostic TEXT,
    hypothesis        TEXT    NOT NULL,
    intervention      TEXT    NOT NULL,
    rationale         TEXT    NOT NULL,
    PRIMARY KEY (run_id, round),
    FOREIGN KEY (run_id, round) REFERENCES rounds (run_id, round) ON DELETE CASCADE
);

CREATE TABLE verification_records (
    run_id         INTEGER NOT NULL,
    round          INTEGER NOT NULL,
    build_ok       INTEGER NOT NULL CHECK (build_ok IN (0, 1)),
    build_log      TEXT    NOT NULL,
    tests_ok       INTEGER NOT NULL CHECK (tests_ok IN (0, 1)),
    tests_log      TEXT    NOT NULL,
    validity       TEXT    NOT NULL,  -- JSON array of checks
    metrics        TEXT,              -- JSON: candidate metrics (NULL when never evaluated)
    parent_metrics TEXT    NOT NULL,  -- JSON
    comparison     TEXT,              -- JSON: candidate minus parent
    accepted       INTEGER NOT NULL CHECK (accepted IN (0, 1)),
    reason         TEXT    NOT NULL,
    PRIMARY KEY (run_id, round),
    FOREIGN KEY (run_id, round) REFERENCES rounds (run_id, round) ON DELETE CASCADE
);

CREATE TABLE trial_memory (
    run_id                 INTEGER NOT NULL,
    round                  INTEGER NOT NULL,
    failure_mode           TEXT    NOT NULL,
    failure_key            TEXT    NOT NULL,  -- normalized failure mode, for deduplication
    target_diagnostic      TEXT,
    hypothesis             TEXT    NOT NULL,
    intervention           TEXT    NOT NULL,  -- one-line summary
    diff                   TEXT    NOT NULL,
    intervention_signature TEXT    NOT NULL,  -- hash of the diff's changed lines
    rationale              TEXT    NOT NULL,
    metrics_before         TEXT    NOT NULL,  -- JSON
    metrics_after          TEXT,              -- JSON, NULL when never evaluated
    score_before           REAL    NOT NULL,
    score_after            REAL,
    target_before          REAL,
    target_after           REAL,
    accepted               INTEGER NOT NULL CHECK (accepted IN (0, 1)),
    lesson                 TEXT    NOT NULL,
    PRIMARY KEY (run_id, round),
    FOREIGN KEY (run_id, round) REFERENCES rounds (run_id, round) ON DELETE CASCADE
);
CREATE INDEX trial_memory_dedup ON trial_memory (run_id, failure_key, intervention_signature);
