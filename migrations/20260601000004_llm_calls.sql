-- LLM calls, keyed by the SHA-256 of the canonical request so a resumed run replays a
-- stored response instead of paying again.
CREATE TABLE llm_calls (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    round        INTEGER,
    step         TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    model        TEXT    NOT NULL,
    request      TEXT    NOT NULL,
    response     TEXT    NOT NULL,
    tokens_in    INTEGER NOT NULL CHECK (tokens_in >= 0),
    tokens_out   INTEGER NOT NULL CHECK (tokens_out >= 0),
    cost_usd     REAL    NOT NULL CHECK (cost_usd >= 0),
    latency_ms   INTEGER NOT NULL CHECK (latency_ms >= 0),
    created_at   INTEGER NOT NULL,
    UNIQUE (run_id, request_hash)
);
CREATE INDEX llm_calls_round ON llm_calls (run_id, round);
