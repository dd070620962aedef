//! Benchmark: backtest (filled in by its issue).
fn main() {}
