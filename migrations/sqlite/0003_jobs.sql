-- jobs: where the result document lives (a JSON file in the run's artifact directory) and the failure reason.
ALTER TABLE jobs ADD COLUMN result_path TEXT;
ALTER TABLE jobs ADD COLUMN reason TEXT;
CREATE INDEX IF NOT EXISTS jobs_kind_status ON jobs (kind, status);
