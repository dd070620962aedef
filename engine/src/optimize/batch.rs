//! Trials simulated together: every fold window is run for a batch of trials block by block
//! ([`crate::backtest::run_lanes`]), so the bars are read from memory once per batch instead of once per trial.
//! Each trial's accumulators receive exactly the calls of running it alone.

use super::evaluate::SymbolCtx;
use super::signals::Signals;
use super::space::TrialParams;
use crate::backtest::metrics::held_pair;
use crate::backtest::{run_lanes, Accumulator, BacktestMetrics, Lane, SignalBits, Sink, Trade};
use crate::overfit::{BlockSink, BlockSums};

/// One trial over every fold: the train windows stitched, the test windows stitched (with their per-block sums),
/// and each fold's train metrics.
pub(super) struct Simulated {
    pub train_all: Accumulator,
    pub test_all: Accumulator,
    pub test_blocks: BlockSums,
    pub train_folds: Vec<Option<BacktestMetrics>>,
}

/// Feeds a test window into the stitched out-of-sample accumulator and the trial's block sums.
struct TestSink<'a> {
    acc: &'a mut Accumulator,
    blocks: BlockSink<'a>,
}

impl Sink for TestSink<'_> {
    #[inline(always)]
    fn bar(&mut self, i: usize, ret: f64, long: bool) {
        self.acc.bar(i, ret, long);
        self.blocks.bar(i, ret, long);
    }
    #[inline]
    fn flat(&mut self, range: std::ops::Range<usize>) {
        self.acc.flat(range);
    }
    #[inline]
    fn held(&mut self, first: usize, rets: &[f64]) {
        self.blocks.held_into(self.acc, first, rets);
    }
    fn trade(&mut self, t: &Trade) {
        self.acc.trade(t);
        self.blocks.trade(t);
    }
    fn span(&mut self, ms: i64) {
        self.acc.span(ms);
    }
}

/// Feeds one kernel pass into two accumulators (a fold's own metrics and the stitched ones).
struct Tee<'a>(&'a mut Accumulator, &'a mut Accumulator);

impl Sink for Tee<'_> {
    #[inline(always)]
    fn bar(&mut self, i: usize, ret: f64, long: bool) {
        self.0.bar(i, ret, long);
        self.1.bar(i, ret, long);
    }
    #[inline]
    fn flat(&mut self, range: std::ops::Range<usize>) {
        self.0.flat(range.clone());
        self.1.flat(range);
    }
    #[inline]
    fn held(&mut self, _first: usize, rets: &[f64]) {
        held_pair(self.0, self.1, rets);
    }
    fn trade(&mut self, t: &Trade) {
        self.0.trade(t);
        self.1.trade(t);
    }
    fn span(&mut self, ms: i64) {
        self.0.span(ms);
        self.1.span(ms);
    }
}

/// Simulates the (valid) trials `points` over every fold of `ctx`: per fold, its train window, then its test window;
/// each point's signal is taken from `signals`.
pub(super) fn simulate(ctx: &SymbolCtx, points: &[TrialParams], signals: &Signals) -> Vec<Simulated> {
    let n = points.len();
    let signals: Vec<&SignalBits> = points.iter().map(|p| &signals[&(p.ema_fast, p.ema_slow)]).collect();
    let mut train_all = vec![Accumulator::default(); n];
    let mut test_all = vec![Accumulator::default(); n];
    let mut test_blocks = vec![BlockSums::new(ctx.layout.blocks()); n];
    let mut train_folds: Vec<Vec<Option<BacktestMetrics>>> = vec![Vec::with_capacity(ctx.folds.len()); n];
    for (k, f) in ctx.folds.iter().enumerate() {
        if f.train.is_empty() {
            train_folds.iter_mut().for_each(|t| t.push(None));
        } else {
            let mut own = vec![Accumulator::default(); n];
            let mut lanes: Vec<Lane<SignalBits, Tee>> = own
                .iter_mut()
                .zip(train_all.iter_mut())
                .zip(points.iter().zip(&signals))
                .map(|((o, all), (p, s))| Lane {
                    signal: *s,
                    params: ctx.params(p),
                    sink: Tee(o, all),
                })
                .collect();
            run_lanes(&ctx.market, f.train.clone(), &mut lanes);
            drop(lanes);
            for (t, o) in train_folds.iter_mut().zip(&own) {
                t.push(Some(o.finish(ctx.bars_per_year)));
            }
        }
        let mut lanes: Vec<Lane<SignalBits, TestSink>> = test_all
            .iter_mut()
            .zip(test_blocks.iter_mut())
            .zip(points.iter().zip(&signals))
            .map(|((acc, blocks), (p, s))| Lane {
                signal: *s,
                params: ctx.params(p),
                sink: TestSink {
                    acc,
                    blocks: ctx.layout.sink(k, blocks),
                },
            })
            .collect();
        run_lanes(&ctx.market, f.test.clone(), &mut lanes);
    }
    train_all
        .into_iter()
        .zip(test_all)
        .zip(test_blocks)
        .zip(train_folds)
        .map(|(((train_all, test_all), test_blocks), train_folds)| Simulated {
            train_all,
            test_all,
            test_blocks,
            train_folds,
        })
        .collect()
}
