-- Per-year stability cells of a seasonality run's stored profiles (issue 9): one row per
-- (run_id, symbol, dim, bin, year) with that year's bin size, score and lift against that year's baseline.
CREATE TABLE IF NOT EXISTS seasonality_years (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id  TEXT NOT NULL,
    symbol  TEXT NOT NULL,
    dim     TEXT NOT NULL,
    bin     TEXT NOT NULL,
    year    INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    score   REAL NOT NULL,
    lift    REAL NOT NULL,
    UNIQUE (run_id, symbol, dim, bin, year)
);
