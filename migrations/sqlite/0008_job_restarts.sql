-- Durable queue (issue 23): a job left running by a crash is queued again once on restart; `restarts` counts it.
ALTER TABLE jobs ADD COLUMN restarts INTEGER NOT NULL DEFAULT 0;
