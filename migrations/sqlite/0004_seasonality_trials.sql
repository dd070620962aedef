-- Trials of `seasonality optimize` runs (issue 6): one row per trial, keyed by (run_id, trial_number).
CREATE TABLE IF NOT EXISTS seasonality_trials (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id       TEXT NOT NULL,
    trial_number INTEGER NOT NULL,
    state        TEXT NOT NULL,
    objective    REAL,
    params_json  TEXT,
    metrics_json TEXT,
    oos_json     TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (run_id, trial_number)
);
CREATE INDEX IF NOT EXISTS seasonality_trials_run ON seasonality_trials (run_id);
