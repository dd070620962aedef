//! `market_stats` rows (issue 5).
