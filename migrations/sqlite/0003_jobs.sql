-- jobs: where the result document lives (a JSON file in the run's artifact directory) and the failure reason.
ALTER TABLE jobs ADD COLUMN result_path TEXT;
ALTER TABLE jobs ADD COLUMN reason TEXT;
CREATE INDEX IF NOT EXISTS jobs_kind_status ON jobs (kind, status);
-- The leaderboard's default order (objective_value desc, ties by trial number) and sharpe served from indexes,
-- so a page of a 100k-trial run does not sort the run; profile listings newest first.
CREATE INDEX IF NOT EXISTS trials_objective_desc ON trials (run_id, objective_value DESC, trial_number);
CREATE INDEX IF NOT EXISTS trials_sharpe_desc ON trials (run_id, sharpe DESC, trial_number);
CREATE INDEX IF NOT EXISTS seasonality_profiles_created ON seasonality_profiles (created_at, id);
