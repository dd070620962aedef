//! Backtest kernel, costs, stop/target rules and metrics (issue 4).
