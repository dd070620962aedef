-- Trials of `seasonality optimize` runs (issue 6): one row per trial, keyed by (run_id, trial_number).
-- Text columns are VARCHAR: sqlx's Any driver reads MySQL TEXT back as a BLOB.
CREATE TABLE IF NOT EXISTS seasonality_trials (
    id           BIGINT AUTO_INCREMENT PRIMARY KEY,
    run_id       VARCHAR(64) NOT NULL,
    trial_number INT NOT NULL,
    state        VARCHAR(16) NOT NULL,
    objective    DOUBLE,
    params_json  VARCHAR(2000),
    metrics_json VARCHAR(4000),
    oos_json     VARCHAR(2000),
    created_at   VARCHAR(19) NOT NULL,
    UNIQUE KEY seasonality_trials_key (run_id, trial_number),
    KEY seasonality_trials_run (run_id)
) CHARACTER SET utf8mb4;

-- A run's result with many folds and symbols outgrows VARCHAR(12000); reads fall back to bytes for MEDIUMTEXT.
ALTER TABLE seasonality_runs MODIFY best_summary MEDIUMTEXT;
