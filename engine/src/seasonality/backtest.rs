//! One fold's backtest over every symbol with the shared kernel ([`crate::backtest`]): each symbol trades its own
//! test window; the fold's metrics pool the symbols one after the other, and every bar also feeds the stitched
//! out-of-sample accumulators (all folds, pooled and per symbol).

use crate::backtest::{run, Accumulator, BacktestMetrics, Market, Params, Signal, Sink, Trade};
use crate::data::Bars;
use crate::overfit::{BlockLayout, BlockSink, BlockSums};
use std::ops::Range;

/// A signal computed for a window only, read with absolute bar indices.
pub struct WindowSignal<'a> {
    pub start: usize,
    pub long: &'a [bool],
}

impl Signal for WindowSignal<'_> {
    #[inline(always)]
    fn long(&self, i: usize) -> bool {
        self.long[i - self.start]
    }
}

/// A symbol's series with its ATR(14) computed once over the whole series (causal: bar i uses bars ≤ i).
pub struct SymbolData<'a> {
    pub bars: &'a Bars,
    pub atr: Vec<f64>,
}

impl<'a> SymbolData<'a> {
    /// Computes the ATR of `bars`.
    pub fn new(bars: &'a Bars) -> Self {
        let atr = crate::features::atr(&bars.high, &bars.low, &bars.close, 14);
        SymbolData { bars, atr }
    }

    fn market(&self) -> Market<'_> {
        let b = self.bars;
        Market {
            ts: &b.ts,
            open: &b.open,
            high: &b.high,
            low: &b.low,
            close: &b.close,
            atr: &self.atr,
        }
    }
}

/// Running accumulators of a whole run: pooled and per symbol, across folds, and the pooled per-block sums.
#[derive(Debug, Clone)]
pub struct Stitched {
    pub pooled: Accumulator,
    pub per_symbol: Vec<Accumulator>,
    pub blocks: BlockSums,
}

impl Stitched {
    /// Fresh accumulators for `n_symbols` symbols and `blocks` CSCV blocks.
    pub fn new(n_symbols: usize, blocks: usize) -> Self {
        Stitched {
            pooled: Accumulator::default(),
            per_symbol: vec![Accumulator::default(); n_symbols],
            blocks: BlockSums::new(blocks),
        }
    }
}

/// What a fold's backtest produced: pooled and per-symbol metrics, and (when recorded) trades and equity.
#[derive(Debug, Clone, Default)]
pub struct FoldBacktest {
    pub metrics: BacktestMetrics,
    /// `(symbol index, metrics)` for every symbol that traded a non-empty window.
    pub per_symbol: Vec<(usize, BacktestMetrics)>,
    /// `(symbol index, trade)` in symbol order, then time order.
    pub trades: Vec<(usize, Trade)>,
    /// The pooled equity after every test bar (starts at 1).
    pub equity: EquityCurve,
}

/// An equity curve column by column, so that its file takes the columns as they are: one row per bar.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EquityCurve {
    /// Index of the bar's symbol.
    pub symbol: Vec<u32>,
    pub ts: Vec<i64>,
    pub equity: Vec<f64>,
}

impl EquityCurve {
    /// Number of bars.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// True when no bar was recorded.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }
}

struct Tee<'a> {
    fold: &'a mut Accumulator,
    symbol: &'a mut Accumulator,
    oos: &'a mut Accumulator,
    oos_symbol: &'a mut Accumulator,
    blocks: BlockSink<'a>,
    record: Option<(&'a mut FoldBacktest, usize, &'a [i64])>,
}

impl Sink for Tee<'_> {
    #[inline(always)]
    fn bar(&mut self, i: usize, ret: f64, long: bool) {
        self.fold.bar(i, ret, long);
        self.symbol.bar(i, ret, long);
        self.oos.bar(i, ret, long);
        self.oos_symbol.bar(i, ret, long);
        self.blocks.bar(i, ret, long);
        if let Some((out, _, ts)) = self.record.as_mut() {
            out.equity.ts.push(ts[i]);
            out.equity.equity.push(self.fold.equity());
        }
    }

    fn trade(&mut self, t: &Trade) {
        self.fold.trade(t);
        self.symbol.trade(t);
        self.oos.trade(t);
        self.oos_symbol.trade(t);
        self.blocks.trade(t);
        if let Some((out, s, _)) = self.record.as_mut() {
            out.trades.push((*s, *t));
        }
    }

    fn span(&mut self, elapsed_ms: i64) {
        self.fold.span(elapsed_ms);
        self.symbol.span(elapsed_ms);
        self.oos.span(elapsed_ms);
        self.oos_symbol.span(elapsed_ms);
    }
}

/// Backtests every symbol on its test window with its signal (`signals[s]` covers `tests[s]`), feeding `stitched`
/// (its block sums through `blocks`: the layout and the index of this fold's first window in it). `record` keeps
/// trades and the equity curve.
#[allow(clippy::too_many_arguments)]
pub fn backtest_fold(
    data: &[SymbolData],
    tests: &[Range<usize>],
    signals: &[Vec<bool>],
    params: &Params,
    bars_per_year: f64,
    stitched: &mut Stitched,
    blocks: (&BlockLayout, usize),
    record: bool,
) -> FoldBacktest {
    let mut out = FoldBacktest::default();
    let mut fold = Accumulator::default();
    let mut per_symbol = Vec::new();
    if record {
        let bars = tests.iter().map(|r| r.len()).sum();
        out.equity.ts.reserve_exact(bars);
        out.equity.equity.reserve_exact(bars);
    }
    for (s, d) in data.iter().enumerate() {
        let range = tests[s].clone();
        if range.is_empty() {
            continue;
        }
        let signal = WindowSignal {
            start: range.start,
            long: &signals[s],
        };
        let mut symbol = Accumulator::default();
        let mut tee = Tee {
            fold: &mut fold,
            symbol: &mut symbol,
            oos: &mut stitched.pooled,
            oos_symbol: &mut stitched.per_symbol[s],
            blocks: blocks.0.sink(blocks.1 + s, &mut stitched.blocks),
            record: record.then_some((&mut out, s, &d.bars.ts[..])),
        };
        run(&d.market(), &signal, range, params, &mut tee);
        if record {
            out.equity.symbol.resize(out.equity.len(), s as u32);
        }
        per_symbol.push((s, symbol.finish(bars_per_year)));
    }
    out.metrics = fold.finish(bars_per_year);
    out.per_symbol = per_symbol;
    out
}

/// The bars-per-year figure of a run: the median over symbols of each symbol's measured bars per year.
pub fn run_bars_per_year(series: &[Bars]) -> f64 {
    let mut v: Vec<f64> = series
        .iter()
        .map(|b| crate::backtest::bars_per_year(&b.ts))
        .filter(|x| *x > 0.0)
        .collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::{full, metrics_only};

    fn bars() -> Bars {
        let mut b = Bars::new("X");
        let mut p = 100.0;
        for i in 0..200i64 {
            let step = if (i / 7) % 2 == 0 { 0.4 } else { -0.3 };
            let next: f64 = p + step;
            b.push(i * 60_000, p, p.max(next) + 0.2, p.min(next) - 0.2, next, 1.0);
            p = next;
        }
        b
    }

    #[test]
    fn a_window_signal_gives_the_same_metrics_as_a_full_length_signal() {
        let b = bars();
        let d = SymbolData::new(&b);
        let params = Params {
            atr_k: 1.5,
            r_mult: 2.0,
            cost: 0.0001,
        };
        let long: Vec<bool> = (0..b.len()).map(|i| i % 5 != 0).collect();
        let range = 50..170;
        let expected = metrics_only(&d.market(), &long[..], range.clone(), &params, 1000.0);
        let expected_trades = full(&d.market(), &long[..], range.clone(), &params).trades;
        let mut st = Stitched::new(1, 0);
        let layout = BlockLayout::new(std::slice::from_ref(&range), 0);
        let got = backtest_fold(
            &[d],
            std::slice::from_ref(&range),
            &[long[range.clone()].to_vec()],
            &params,
            1000.0,
            &mut st,
            (&layout, 0),
            true,
        );
        assert_eq!(got.metrics, expected);
        assert_eq!(got.per_symbol[0].1, expected);
        assert_eq!(st.pooled.finish(1000.0), expected);
        assert_eq!(got.trades.iter().map(|t| t.1).collect::<Vec<_>>(), expected_trades);
        assert_eq!(got.equity.len(), 120);
    }

    #[test]
    fn the_equity_curve_records_every_test_bar_of_each_symbol_in_order() {
        let b = bars();
        let params = Params {
            atr_k: 1.5,
            r_mult: 2.0,
            cost: 0.0,
        };
        let tests = [50..170, 0..0, 10..40];
        let signals: Vec<Vec<bool>> = tests.iter().map(|r| r.clone().map(|i| i % 3 != 0).collect()).collect();
        let data: Vec<SymbolData> = (0..3).map(|_| SymbolData::new(&b)).collect();
        let layout = BlockLayout::new(&tests, 4);
        let mut st = Stitched::new(3, 4);
        let got = backtest_fold(&data, &tests, &signals, &params, 1000.0, &mut st, (&layout, 0), true);
        let e = &got.equity;
        let want_symbols: Vec<u32> = [0; 120].into_iter().chain([2; 30]).collect();
        assert_eq!(e.symbol, want_symbols);
        assert_eq!(e.ts, [&b.ts[50..170], &b.ts[10..40]].concat());
        assert_eq!(e.equity.len(), 150);
        assert!(e.equity.iter().all(|x| x.is_finite() && *x > 0.0));
        assert!(!got.trades.is_empty());
        // The block sums hold every pooled bar return (the equity curve's ratios), symbols one after the other.
        let mut prev = 1.0;
        let rets: Vec<f64> = e
            .equity
            .iter()
            .map(|&x| std::mem::replace(&mut prev, x))
            .zip(&e.equity)
            .map(|(a, b)| b / a - 1.0)
            .collect();
        let total: f64 = rets.iter().sum();
        assert!((st.blocks.sum.iter().sum::<f64>() - total).abs() < 1e-9);
        assert_eq!(st.blocks.trades.iter().sum::<u32>() as usize, got.trades.len());
    }

    #[test]
    fn stitching_two_windows_equals_running_both_into_one_accumulator() {
        let b = bars();
        let d = SymbolData::new(&b);
        let params = Params {
            atr_k: 1.0,
            r_mult: 1.0,
            cost: 0.0,
        };
        let long = vec![true; b.len()];
        let mut st = Stitched::new(1, 0);
        for r in [0..80, 100..200] {
            let layout = BlockLayout::new(std::slice::from_ref(&r), 0);
            backtest_fold(
                std::slice::from_ref(&d),
                std::slice::from_ref(&r),
                &[long[r.clone()].to_vec()],
                &params,
                500.0,
                &mut st,
                (&layout, 0),
                false,
            );
        }
        let mut acc = Accumulator::default();
        for r in [0..80, 100..200] {
            run(&d.market(), &long[..], r, &params, &mut acc);
        }
        assert_eq!(st.pooled.finish(500.0), acc.finish(500.0));
        assert!(acc.n_trades() >= 2);
    }
}
