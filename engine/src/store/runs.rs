//! `experiment_runs`, `run_metrics` and `trials` (issue 4).
