//! The long-only backtest kernel over contiguous slices.
//!
//! Timing convention (all documented in `docs/compat/optimize.md`):
//! - the decision is taken at the close of bar i from data up to bar i; orders fill at the open of bar i+1;
//! - the stop distance is `atr_k × ATR[i]` (the ATR known at the decision); stop = open[i+1] − dist and
//!   target = open[i+1] + R·dist, placed right after the fill;
//! - stop and target are checked intrabar from the entry bar itself (the part of the bar after the fill) on;
//!   a bar touching both is assumed to hit the stop first; a later bar opening beyond a level fills at its open;
//! - a signal that turns off at the close of bar t exits at the open of bar t+1;
//! - a position still open at the last bar of the slice is closed at that bar's close;
//! - costs `c = (slippage + commission) bps / 10⁴` on both legs: buy at price × (1 + c), sell at price × (1 − c).
//!
//! Returns are fractions of equity (fully invested, compounding); the equity is marked to market at every close.

pub use super::signal::{EmaCross, Signal, SignalBits};
pub use super::step::{Backtest, CloseReturns};
use std::ops::Range;

/// The price columns and the ATR of one symbol (full length; the kernel runs over a sub-range).
#[derive(Debug, Clone, Copy)]
pub struct Market<'a> {
    pub ts: &'a [i64],
    pub open: &'a [f64],
    pub high: &'a [f64],
    pub low: &'a [f64],
    pub close: &'a [f64],
    pub atr: &'a [f64],
}

/// Stop multiple, take-profit multiple and costs of one backtest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Stop distance in ATRs; 0 (or a zero ATR) disables stop and target.
    pub atr_k: f64,
    /// Take-profit distance as a multiple of the stop distance.
    pub r_mult: f64,
    /// Cost per leg as a fraction of the price: (slippage_bps + commission_bps) / 10⁴.
    pub cost: f64,
}

/// Why a position was closed (the wire's vocabulary).
pub use model::trial::ExitReason;

/// One round trip. Prices are fills net of costs; `pnl` is the trade's return as a fraction of equity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trade {
    pub entry_index: usize,
    pub exit_index: usize,
    pub ts_entry: i64,
    pub price_entry: f64,
    pub ts_exit: i64,
    pub price_exit: f64,
    pub r_multiple: f64,
    pub pnl: f64,
    pub reason: ExitReason,
}

/// Receives the kernel's output as it runs: one call per bar, one per closed trade, one per slice.
pub trait Sink {
    /// Bar `i` closed with equity return `ret` (fraction); `long` tells whether a position is held after it.
    fn bar(&mut self, i: usize, ret: f64, long: bool);
    /// The bars of `range` passed flat (return 0, no position); the same as one `bar(i, 0.0, false)` per bar.
    #[inline]
    fn flat(&mut self, range: Range<usize>) {
        for i in range {
            self.bar(i, 0.0, false);
        }
    }
    /// Bars `first..first + rets.len()` were held without an exit; bar `first + k` returned `rets[k]` (its close over
    /// the previous close, minus 1). The same as one `bar(i, ret, true)` per bar.
    #[inline]
    fn held(&mut self, first: usize, rets: &[f64]) {
        for (k, &ret) in rets.iter().enumerate() {
            self.bar(first + k, ret, true);
        }
    }
    /// A trade was closed.
    fn trade(&mut self, trade: &Trade);
    /// A slice of `elapsed_ms` real time was simulated (called once at the end of each run).
    fn span(&mut self, elapsed_ms: i64);
}

impl<K: Sink + ?Sized> Sink for &mut K {
    #[inline(always)]
    fn bar(&mut self, i: usize, ret: f64, long: bool) {
        (**self).bar(i, ret, long);
    }
    #[inline]
    fn flat(&mut self, range: Range<usize>) {
        (**self).flat(range);
    }
    #[inline]
    fn held(&mut self, first: usize, rets: &[f64]) {
        (**self).held(first, rets);
    }
    fn trade(&mut self, trade: &Trade) {
        (**self).trade(trade);
    }
    fn span(&mut self, elapsed_ms: i64) {
        (**self).span(elapsed_ms);
    }
}

/// Runs the strategy over `range` of `market`, flat at the start, streaming bars and trades into `sink`.
pub fn run<S: Signal + ?Sized, K: Sink>(market: &Market, signal: &S, range: Range<usize>, p: &Params, sink: &mut K) {
    let rets = CloseReturns::new(market.close, range.clone());
    Backtest::new(range).advance(market, &rets, signal, p, usize::MAX, sink);
}

/// The trade closing a position entered at `entry` (fill `entry_eff`) at bar `exit` (fill `exit_eff`).
pub(super) fn close_trade(
    m: &Market,
    entry: usize,
    entry_eff: f64,
    exit: usize,
    exit_eff: f64,
    dist: f64,
    reason: ExitReason,
) -> Trade {
    Trade {
        entry_index: entry,
        exit_index: exit,
        ts_entry: m.ts[entry],
        price_entry: entry_eff,
        ts_exit: m.ts[exit],
        price_exit: exit_eff,
        r_multiple: if dist > 0.0 { (exit_eff - entry_eff) / dist } else { 0.0 },
        pnl: exit_eff / entry_eff - 1.0,
        reason,
    }
}
