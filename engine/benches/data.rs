//! Benchmark: data (filled in by its issue).
fn main() {}
