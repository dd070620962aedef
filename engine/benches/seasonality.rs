//! Benchmark: seasonality (filled in by its issue).
fn main() {}
