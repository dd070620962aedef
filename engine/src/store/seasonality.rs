//! `seasonality_runs` and `seasonality_profiles` (issue 6).
