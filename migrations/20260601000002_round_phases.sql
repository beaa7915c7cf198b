-- Rounds and their phase log: what each phase did, when, and what it produced, so a
-- restarted process knows which phase to redo and which results to reuse.
CREATE TABLE rounds (
    run_id           INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    round            INTEGER NOT NULL CHECK (round >= 1),
    parent_commit    TEXT    NOT NULL,
    candidate_commit TEXT,
    candidate_diff   TEXT,
    parent_score     REAL,
    candidate_score  REAL,
    accepted         INTEGER CHECK (accepted IN (0, 1)),  -- NULL until the decision
    started_at       INTEGER NOT NULL,
    finished_at      INTEGER,
    PRIMARY KEY (run_id, round)
);

CREATE TABLE round_phases (
    run_id      INTEGER NOT NULL,
    round       INTEGER NOT NULL,
    phase       TEXT    NOT NULL CHECK (phase IN ('parent_rollout', 'attribution', 'proposal',
                        'apply', 'build', 'verification', 'evaluation', 'decision', 'report')),
    position    INTEGER NOT NULL CHECK (position BETWEEN 0 AND 8),
    state       TEXT    NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'running', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    started_at  INTEGER,
    finished_at INTEGER,
    artifacts   TEXT,  -- JSON written with the phase result
    error       TEXT,
    PRIMARY KEY (run_id, round, phase),
    UNIQUE (run_id, round, position),
    FOREIGN KEY (run_id, round) REFERENCES rounds (run_id, round) ON DELETE CASCADE
);
