//! Backtest benchmarks: `cargo bench -p engine --bench backtest` (the same code as `qe bench --only kernel,optimize`).
//! 1. Kernel throughput in bar-trials per second on one core, 1M synthetic 1-minute bars, indicators precomputed.
//! 2. End to end from CSV: the 10×10 EMA grid × R 1…5 (500 trials), walk-forward train 2 / test 1 / folds 3, on one
//!    year of 1-minute bars, all cores, with peak RSS.

fn main() {
    let opts = engine::bench::BenchOptions {
        only: vec!["kernel".into(), "optimize".into()],
        ..Default::default()
    };
    match engine::bench::run(&opts) {
        Ok(report) => print!("{}", report.to_text()),
        Err(e) => eprintln!("{e}"),
    }
}
