//! `qe bench`: the engine's benchmarks on generated data (see `engine::bench`), as a table or JSON.

use crate::cli::output::{out, outln};
use clap::Args;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Run only these benchmarks (comma-separated): load_csv, load_parquet, load_parquet_prices, kernel, optimize,
    /// overfitting, stats, seasonality_run, seasonality_optimize.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Bars of the generated series (default: one year of 1-minute bars; the kernel: one million).
    #[arg(long)]
    pub bars: Option<usize>,
    /// Timed runs per benchmark, after one warm-up run.
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
}

/// Runs the benchmarks; `json` (the global `--json`) prints the report as JSON.
pub fn run(args: BenchArgs, json: bool) -> anyhow::Result<()> {
    let opts = engine::bench::BenchOptions {
        only: args.only,
        bars: args.bars,
        repeats: args.repeats,
    };
    let report = engine::bench::run(&opts)?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        out!("{}", report.to_text());
    }
    Ok(())
}
