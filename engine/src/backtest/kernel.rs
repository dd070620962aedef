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

/// Per-bar "want to be long" decision, evaluated at the close of bar `i`.
pub trait Signal {
    /// True when the strategy wants to hold a long position after the close of bar `i`.
    fn long(&self, i: usize) -> bool;
}

/// The EMA-cross signal (§2.2): long while `fast[i] > slow[i]`.
#[derive(Debug, Clone, Copy)]
pub struct EmaCross<'a> {
    pub fast: &'a [f64],
    pub slow: &'a [f64],
}

impl Signal for EmaCross<'_> {
    #[inline(always)]
    fn long(&self, i: usize) -> bool {
        self.fast[i] > self.slow[i]
    }
}

impl Signal for [bool] {
    #[inline(always)]
    fn long(&self, i: usize) -> bool {
        self[i]
    }
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

/// Why a position was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitReason {
    Stop,
    Target,
    Signal,
    End,
}

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
    /// A trade was closed.
    fn trade(&mut self, trade: &Trade);
    /// A slice of `elapsed_ms` real time was simulated (called once at the end of each run).
    fn span(&mut self, elapsed_ms: i64);
}

/// Runs the strategy over `range` of `market`, flat at the start, streaming bars and trades into `sink`.
pub fn run<S: Signal + ?Sized, K: Sink>(market: &Market, signal: &S, range: Range<usize>, p: &Params, sink: &mut K) {
    let Range { start, end } = range;
    if start >= end {
        return;
    }
    // Slices cut at `end` let the compiler drop the bounds checks inside the loop.
    let (open, high, low, close, atr) = (
        &market.open[..end],
        &market.high[..end],
        &market.low[..end],
        &market.close[..end],
        &market.atr[..end],
    );
    let (buy, sell) = (1.0 + p.cost, 1.0 - p.cost);
    let mut long = false;
    let (mut pending_entry, mut pending_exit) = (false, false);
    // Equity is marked at `mark` (effective price of the last valuation); levels are market prices.
    let (mut mark, mut stop, mut target, mut dist) = (0.0, f64::NEG_INFINITY, f64::INFINITY, 0.0);
    let (mut entry_index, mut entry_eff, mut next_dist) = (0usize, 0.0, 0.0);
    for t in start..end {
        let mut ret = 0.0;
        let mut entered_now = false;
        if pending_entry {
            pending_entry = false;
            long = true;
            entered_now = true;
            entry_index = t;
            entry_eff = open[t] * buy;
            mark = entry_eff;
            dist = next_dist;
            (stop, target) = if dist > 0.0 {
                (open[t] - dist, open[t] + p.r_mult * dist)
            } else {
                (f64::NEG_INFINITY, f64::INFINITY)
            };
        } else if pending_exit {
            pending_exit = false;
            long = false;
            let exit_eff = open[t] * sell;
            ret = exit_eff / mark - 1.0;
            sink.trade(&close_trade(
                market,
                entry_index,
                entry_eff,
                t,
                exit_eff,
                dist,
                ExitReason::Signal,
            ));
        }
        if long {
            let o = open[t];
            let fill = if !entered_now && o <= stop {
                Some((o, ExitReason::Stop))
            } else if !entered_now && o >= target {
                Some((o, ExitReason::Target))
            } else if low[t] <= stop {
                Some((stop, ExitReason::Stop))
            } else if high[t] >= target {
                Some((target, ExitReason::Target))
            } else {
                None
            };
            if let Some((price, reason)) = fill {
                long = false;
                let exit_eff = price * sell;
                ret = exit_eff / mark - 1.0;
                sink.trade(&close_trade(market, entry_index, entry_eff, t, exit_eff, dist, reason));
            } else {
                ret = close[t] / mark - 1.0;
                mark = close[t];
            }
        }
        let has_next = t + 1 < end;
        if long {
            if !has_next {
                long = false;
                let exit_eff = close[t] * sell;
                ret = (1.0 + ret) * sell - 1.0;
                sink.trade(&close_trade(
                    market,
                    entry_index,
                    entry_eff,
                    t,
                    exit_eff,
                    dist,
                    ExitReason::End,
                ));
            } else if !signal.long(t) {
                pending_exit = true;
            }
        } else if has_next && signal.long(t) {
            pending_entry = true;
            next_dist = p.atr_k * atr[t];
        }
        sink.bar(t, ret, long);
    }
    sink.span(market.ts[end - 1] - market.ts[start]);
}

fn close_trade(
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
