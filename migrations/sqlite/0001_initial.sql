-- Quant Engine schema (SQLite). Timestamps are TEXT 'YYYY-MM-DD HH:MM:SS' in UTC, as the original wrote them.

CREATE TABLE IF NOT EXISTS jobs (
    job_id      TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    spec_json   TEXT NOT NULL,
    result_json TEXT,
    error       TEXT,
    progress    REAL NOT NULL DEFAULT 0,
    message     TEXT,
    created_at  TEXT NOT NULL,
    started_at  TEXT,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS jobs_created_at ON jobs (created_at);

CREATE TABLE IF NOT EXISTS datasets (
    name       TEXT NOT NULL,
    symbol     TEXT NOT NULL,
    timeframe  TEXT NOT NULL,
    path       TEXT NOT NULL,
    n_bars     INTEGER NOT NULL,
    start_ts   TEXT NOT NULL,
    end_ts     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (name, symbol)
);

CREATE TABLE IF NOT EXISTS experiment_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id      TEXT NOT NULL UNIQUE,
    spec_id     TEXT,
    dataset_id  TEXT,
    status      TEXT,
    objective   TEXT,
    out_dir     TEXT,
    started_at  TEXT,
    finished_at TEXT
);

CREATE TABLE IF NOT EXISTS run_metrics (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id       TEXT NOT NULL,
    fold         INTEGER,
    metric_name  TEXT NOT NULL,
    metric_value REAL NOT NULL,
    -- fold NULL (aggregated) is keyed as -1 so re-writes update instead of duplicating.
    fold_key     INTEGER NOT NULL,
    UNIQUE (run_id, fold_key, metric_name)
);
CREATE INDEX IF NOT EXISTS run_metrics_run ON run_metrics (run_id);

CREATE TABLE IF NOT EXISTS trials (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id          TEXT NOT NULL,
    trial_number    INTEGER NOT NULL,
    params_json     TEXT,
    objective_value REAL,
    status          TEXT,
    n_trades        INTEGER,
    max_dd          REAL,
    sharpe          REAL,
    sortino         REAL,
    cagr            REAL,
    hit_rate        REAL,
    avg_r           REAL,
    UNIQUE (run_id, trial_number)
);
CREATE INDEX IF NOT EXISTS trials_run ON trials (run_id);
CREATE INDEX IF NOT EXISTS trials_number ON trials (trial_number);

CREATE TABLE IF NOT EXISTS market_stats (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    symbol          TEXT NOT NULL,
    timeframe       TEXT NOT NULL,
    event           TEXT NOT NULL,
    condition_name  TEXT,
    condition_value TEXT,
    target          TEXT NOT NULL,
    split           TEXT NOT NULL,
    n               INTEGER NOT NULL,
    successes       INTEGER NOT NULL,
    p_hat           REAL NOT NULL,
    ci_low          REAL,
    ci_high         REAL,
    lift            REAL NOT NULL,
    start           TEXT NOT NULL,
    "end"           TEXT NOT NULL,
    spec_id         TEXT,
    dataset_id      TEXT,
    created_at      TEXT NOT NULL,
    -- Hash of the natural key (nullable columns included), so re-runs upsert instead of duplicating.
    ukey            TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS market_stats_lookup
    ON market_stats (symbol, timeframe, event, condition_name, condition_value, target, split);

CREATE TABLE IF NOT EXISTS seasonality_profiles (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    symbol     TEXT NOT NULL,
    timeframe  TEXT,
    dim        TEXT NOT NULL,
    bin        TEXT NOT NULL,
    measure    TEXT NOT NULL,
    score      REAL,
    n          INTEGER,
    baseline   REAL,
    lift       REAL,
    metrics    TEXT,
    start      TEXT,
    "end"      TEXT,
    spec_id    TEXT,
    dataset_id TEXT,
    created_at TEXT NOT NULL,
    ukey       TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS seasonality_profiles_lookup ON seasonality_profiles (symbol, timeframe, dim, measure);

CREATE TABLE IF NOT EXISTS seasonality_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id       TEXT NOT NULL UNIQUE,
    spec_id      TEXT,
    dataset_id   TEXT,
    out_dir      TEXT,
    status       TEXT NOT NULL,
    best_summary TEXT,
    created_at   TEXT NOT NULL
);
