-- Per-year stability cells of a seasonality run's stored profiles (issue 9): one row per
-- (run_id, symbol, dim, bin, year) with that year's bin size, score and lift against that year's baseline.
CREATE TABLE IF NOT EXISTS seasonality_years (
    id      BIGINT AUTO_INCREMENT PRIMARY KEY,
    run_id  VARCHAR(64) NOT NULL,
    symbol  VARCHAR(64) NOT NULL,
    dim     VARCHAR(64) NOT NULL,
    bin     VARCHAR(64) NOT NULL,
    year    INT NOT NULL,
    n       BIGINT NOT NULL,
    score   DOUBLE NOT NULL,
    lift    DOUBLE NOT NULL,
    UNIQUE KEY seasonality_years_key (run_id, symbol, dim, bin, year)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
