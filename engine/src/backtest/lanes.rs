//! Many backtests over the same bars, block by block: every trial simulates one block before the next block is
//! touched, so the price columns are read from memory once per block instead of once per trial. The results are
//! those of running each trial alone with [`super::run`].

use super::kernel::{Backtest, CloseReturns, Market, Params, Signal, Sink};
use std::ops::Range;

/// Bars per block: the block's open, high, low, close and ATR (5 × 8 bytes per bar) stay within a core's L2 cache.
pub const BLOCK_BARS: usize = 4096;

/// One trial of a multi-trial run: its signal, its parameters and the sink receiving its bars and trades.
pub struct Lane<'a, S: ?Sized, K> {
    pub signal: &'a S,
    pub params: Params,
    pub sink: K,
}

/// Runs every lane over `range` of `market`, block by block.
pub fn run_lanes<S: Signal + ?Sized, K: Sink>(market: &Market, range: Range<usize>, lanes: &mut [Lane<'_, S, K>]) {
    let mut tests: Vec<Backtest> = lanes.iter().map(|_| Backtest::new(range.clone())).collect();
    let rets = CloseReturns::new(market.close, range.clone());
    let mut from = range.start;
    while from < range.end {
        let until = (from + BLOCK_BARS).min(range.end);
        for (bt, lane) in tests.iter_mut().zip(lanes.iter_mut()) {
            bt.advance(market, &rets, lane.signal, &lane.params, until, &mut lane.sink);
        }
        from = until;
    }
}
