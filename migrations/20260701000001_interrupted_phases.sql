-- A phase stopped by the user (Ctrl-C) is 'interrupted': neither done nor a failure; it is
-- redone when the run resumes. SQLite cannot change a CHECK constraint in place, so the
-- table is rebuilt with the same columns and keys.
CREATE TABLE round_phases_new (
    run_id      INTEGER NOT NULL,
    round       INTEGER NOT NULL,
    phase       TEXT    NOT NULL CHECK (phase IN ('parent_rollout', 'attribution', 'proposal',
                        'apply', 'build', 'verification', 'evaluation', 'decision', 'report')),
    position    INTEGER NOT NULL CHECK (position BETWEEN 0 AND 8),
    state       TEXT    NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'running', 'done', 'failed', 'interrupted')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    started_at  INTEGER,
    finished_at INTEGER,
    artifacts   TEXT,  -- JSON written with the phase result
    error       TEXT,
    PRIMARY KEY (run_id, round, phase),
    UNIQUE (run_id, round, position),
    FOREIGN KEY (run_id, round) REFERENCES rounds (run_id, round) ON DELETE CASCADE
);
INSERT INTO round_phases_new (run_id, round, phase, position, state, attempts, started_at,
                              finished_at, artifacts, error)
    SELECT run_id, round, phase, position, state, attempts, started_at, finished_at,
           artifacts, error
    FROM round_phases;
DROP TABLE round_phases;
ALTER TABLE round_phases_new RENAME TO round_phases;
