//! Parameter search over walk-forward folds, trial records, leaderboard and deflated Sharpe (issue 4).
