-- The overfitting report of a finished optimisation (issue 25): PBO by CSCV, deflated Sharpe ratios with the
-- effective number of trials and the optimum's robustness, one JSON document per run (GET /runs/{id}/overfitting).
CREATE TABLE IF NOT EXISTS run_overfitting (
    run_id  TEXT PRIMARY KEY,
    report  TEXT NOT NULL
);
