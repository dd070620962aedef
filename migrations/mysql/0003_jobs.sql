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
