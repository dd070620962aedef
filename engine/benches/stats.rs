//! Benchmark: stats (filled in by its issue).
fn main() {}
