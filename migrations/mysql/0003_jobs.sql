-- jobs: where the result document lives (a JSON file in the run's artifact directory) and the failure reason;
-- timestamps carry milliseconds; short text columns as VARCHAR (sqlx's Any driver reads MySQL TEXT as bytes).
ALTER TABLE jobs ADD COLUMN result_path VARCHAR(1024) NULL;
ALTER TABLE jobs ADD COLUMN reason VARCHAR(32) NULL;
ALTER TABLE jobs MODIFY created_at VARCHAR(23) NOT NULL;
ALTER TABLE jobs MODIFY started_at VARCHAR(23) NULL;
ALTER TABLE jobs MODIFY finished_at VARCHAR(23) NULL;
ALTER TABLE jobs MODIFY error VARCHAR(4000) NULL;
ALTER TABLE jobs MODIFY message VARCHAR(1000) NULL;
CREATE INDEX jobs_kind_status ON jobs (kind, status);
-- The leaderboard's default order (objective_value desc, ties by trial number) and sharpe served from indexes,
-- so a page of a 100k-trial run does not sort the run; profile listings newest first.
CREATE INDEX trials_objective_desc ON trials (run_id, objective_value DESC, trial_number);
CREATE INDEX trials_sharpe_desc ON trials (run_id, sharpe DESC, trial_number);
CREATE INDEX seasonality_profiles_created ON seasonality_profiles (created_at, id);
-- Exact, case-sensitive text comparison as on SQLite (filters such as `?status=FINISHED` must behave the same on
-- both backends; MariaDB's default collation ignores case).
ALTER TABLE jobs CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
ALTER TABLE datasets CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
ALTER TABLE experiment_runs CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
ALTER TABLE run_metrics CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
ALTER TABLE trials CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
ALTER TABLE market_stats CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
ALTER TABLE seasonality_profiles CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
ALTER TABLE seasonality_runs CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
