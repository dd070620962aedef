//! The backtest shared by the optimiser and the seasonality job: a long-only kernel over contiguous slices
//! ([`kernel::run`]) reduced to metrics while it runs ([`Accumulator`]) or fully recorded ([`Recorder`]).
//!
//! ```ignore
//! let m = Market { ts: &b.ts, open: &b.open, high: &b.high, low: &b.low, close: &b.close, atr: &atr };
//! let metrics = backtest::metrics_only(&m, &signal[..], 0..b.len(), &params, bars_per_year(&b.ts));
//! ```

pub mod kernel;
pub mod lanes;
pub mod metrics;
pub mod signal;
mod step;

pub use kernel::{run, Backtest, CloseReturns, ExitReason, Market, Params, Sink, Trade};
pub use lanes::{run_lanes, Lane};
pub use metrics::{bars_per_year, skew_kurtosis, Accumulator, Recorder, YEAR_MS};
pub use model::runs::BacktestMetrics;
pub use signal::{EmaCross, Signal, SignalBits};

use std::ops::Range;

/// Runs one backtest over `range` and returns only its metrics (no per-bar storage).
pub fn metrics_only<S: Signal + ?Sized>(
    market: &Market,
    signal: &S,
    range: Range<usize>,
    params: &Params,
    bars_per_year: f64,
) -> BacktestMetrics {
    let mut acc = Accumulator::default();
    run(market, signal, range, params, &mut acc);
    acc.finish(bars_per_year)
}

/// Runs one backtest over `range` and keeps its trades, equity curve and returns.
pub fn full<S: Signal + ?Sized>(market: &Market, signal: &S, range: Range<usize>, params: &Params) -> Recorder {
    let mut rec = Recorder::default();
    run(market, signal, range, params, &mut rec);
    rec
}

/// The per-leg cost fraction of `slippage_bps` and `commission_bps`.
pub fn cost_fraction(slippage_bps: f64, commission_bps: f64) -> f64 {
    (slippage_bps + commission_bps) / 10_000.0
}

#[cfg(test)]
mod kernel_tests;
