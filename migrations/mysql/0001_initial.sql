-- Quant Engine schema (MySQL/MariaDB). Same tables and keys as migrations/sqlite; timestamps are
-- VARCHAR(19) 'YYYY-MM-DD HH:MM:SS' in UTC so both backends return identical text.
-- Columns read as text through sqlx's Any driver must be VARCHAR: it decodes TEXT/LONGTEXT as bytes.

CREATE TABLE IF NOT EXISTS jobs (
    job_id      VARCHAR(64) NOT NULL PRIMARY KEY,
    kind        VARCHAR(32) NOT NULL,
    status      VARCHAR(16) NOT NULL,
    spec_json   LONGTEXT NOT NULL,
    result_json LONGTEXT,
    error       TEXT,
    progress    DOUBLE NOT NULL DEFAULT 0,
    message     TEXT,
    created_at  VARCHAR(19) NOT NULL,
    started_at  VARCHAR(19),
    finished_at VARCHAR(19),
    INDEX jobs_created_at (created_at)
) CHARACTER SET utf8mb4;

CREATE TABLE IF NOT EXISTS datasets (
    name       VARCHAR(128) NOT NULL,
    symbol     VARCHAR(64) NOT NULL,
    timeframe  VARCHAR(16) NOT NULL,
    path       VARCHAR(1024) NOT NULL,
    n_bars     BIGINT NOT NULL,
    start_ts   VARCHAR(19) NOT NULL,
    end_ts     VARCHAR(19) NOT NULL,
    created_at VARCHAR(19) NOT NULL,
    PRIMARY KEY (name, symbol)
) CHARACTER SET utf8mb4;

CREATE TABLE IF NOT EXISTS experiment_runs (
    id          BIGINT AUTO_INCREMENT PRIMARY KEY,
    run_id      VARCHAR(64) NOT NULL UNIQUE,
    spec_id     VARCHAR(255),
    dataset_id  VARCHAR(255),
    status      VARCHAR(32),
    objective   VARCHAR(64),
    out_dir     VARCHAR(1024),
    started_at  VARCHAR(19),
    finished_at VARCHAR(19)
) CHARACTER SET utf8mb4;

CREATE TABLE IF NOT EXISTS run_metrics (
    id           BIGINT AUTO_INCREMENT PRIMARY KEY,
    run_id       VARCHAR(64) NOT NULL,
    fold         INT,
    metric_name  VARCHAR(64) NOT NULL,
    metric_value DOUBLE NOT NULL,
    fold_key     INT NOT NULL,
    UNIQUE KEY run_metrics_key (run_id, fold_key, metric_name),
    INDEX run_metrics_run (run_id)
) CHARACTER SET utf8mb4;

CREATE TABLE IF NOT EXISTS trials (
    id              BIGINT AUTO_INCREMENT PRIMARY KEY,
    run_id          VARCHAR(64) NOT NULL,
    trial_number    INT NOT NULL,
    params_json     VARCHAR(4000),
    objective_value DOUBLE,
    status          VARCHAR(32),
    n_trades        INT,
    max_dd          DOUBLE,
    sharpe          DOUBLE,
    sortino         DOUBLE,
    cagr            DOUBLE,
    hit_rate        DOUBLE,
    avg_r           DOUBLE,
    UNIQUE KEY trials_key (run_id, trial_number),
    INDEX trials_number (trial_number)
) CHARACTER SET utf8mb4;

CREATE TABLE IF NOT EXISTS market_stats (
    id              BIGINT AUTO_INCREMENT PRIMARY KEY,
    symbol          VARCHAR(64) NOT NULL,
    timeframe       VARCHAR(16) NOT NULL,
    event           VARCHAR(128) NOT NULL,
    condition_name  VARCHAR(128),
    condition_value VARCHAR(128),
    target          VARCHAR(128) NOT NULL,
    split           VARCHAR(32) NOT NULL,
    n               BIGINT NOT NULL,
    successes       BIGINT NOT NULL,
    p_hat           DOUBLE NOT NULL,
    ci_low          DOUBLE,
    ci_high         DOUBLE,
    lift            DOUBLE NOT NULL,
    start           VARCHAR(64) NOT NULL,
    `end`           VARCHAR(64) NOT NULL,
    spec_id         VARCHAR(255),
    dataset_id      VARCHAR(255),
    created_at      VARCHAR(19) NOT NULL,
    ukey            VARCHAR(64) NOT NULL UNIQUE,
    INDEX market_stats_lookup (symbol, timeframe, event, condition_name, condition_value, target, split)
) CHARACTER SET utf8mb4;

CREATE TABLE IF NOT EXISTS seasonality_profiles (
    id         BIGINT AUTO_INCREMENT PRIMARY KEY,
    symbol     VARCHAR(64) NOT NULL,
    timeframe  VARCHAR(16),
    dim        VARCHAR(64) NOT NULL,
    bin        VARCHAR(64) NOT NULL,
    measure    VARCHAR(16) NOT NULL,
    score      DOUBLE,
    n          BIGINT,
    baseline   DOUBLE,
    lift       DOUBLE,
    metrics    VARCHAR(4000),
    start      VARCHAR(32),
    `end`      VARCHAR(32),
    spec_id    VARCHAR(255),
    dataset_id VARCHAR(255),
    created_at VARCHAR(19) NOT NULL,
    ukey       VARCHAR(64) NOT NULL UNIQUE,
    INDEX seasonality_profiles_lookup (symbol, timeframe, dim, measure)
) CHARACTER SET utf8mb4;

CREATE TABLE IF NOT EXISTS seasonality_runs (
    id           BIGINT AUTO_INCREMENT PRIMARY KEY,
    run_id       VARCHAR(64) NOT NULL UNIQUE,
    spec_id      VARCHAR(255),
    dataset_id   VARCHAR(255),
    out_dir      VARCHAR(1024),
    status       VARCHAR(32) NOT NULL,
    best_summary VARCHAR(12000),
    created_at   VARCHAR(19) NOT NULL
) CHARACTER SET utf8mb4;
