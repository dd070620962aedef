-- trials: the in-sample side of each trial (train windows stitched), for the dashboard's IS-vs-OOS scatter.
-- Null when the run selects in-sample (no train window) and for failed trials.
ALTER TABLE trials ADD COLUMN is_sharpe REAL;
ALTER TABLE trials ADD COLUMN is_objective REAL;
ALTER TABLE trials ADD COLUMN is_n_trades INTEGER;
