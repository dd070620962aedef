//! One trial run again on its own, with everything the sweep reduced away: its trades and equity per fold.
//! The sweep keeps only metrics per trial; a trial page or a trades download replays the trial on demand, over the
//! same folds and indicators, so the replay's metrics are the stored ones.

use super::chunks::{with_symbol, TrialSettings};
use super::space::TrialParams;
use crate::backtest::{run, Accumulator, BacktestMetrics, Recorder, Trade};
use crate::data::Bars;
use model::spec::experiment::ExperimentSpec;

/// One fold of a replayed trial: its windows, its train metrics, and its test window in full.
#[derive(Debug, Clone)]
pub struct FoldReplay {
    pub fold: usize,
    pub train_start: i64,
    pub train_end: i64,
    pub test_start: i64,
    pub test_end: i64,
    /// The train window's metrics (None without a train window).
    pub train: Option<BacktestMetrics>,
    /// The test window's own metrics (its equity starting at 1).
    pub test: BacktestMetrics,
    pub trades: Vec<Trade>,
    /// `(timestamp ms, equity)` after each test bar, continuing the stitched curve across folds (start 1).
    pub equity: Vec<(i64, f64)>,
}

/// A trial replayed over every fold, with the stitched metrics the sweep stored for it.
#[derive(Debug, Clone)]
pub struct Replay {
    pub folds: Vec<FoldReplay>,
    /// The train windows stitched in fold order (None without train windows).
    pub in_sample: Option<BacktestMetrics>,
    /// The test windows stitched in fold order.
    pub out_of_sample: BacktestMetrics,
}

/// Replays the trial `params` of `spec` on `bars`: the folds, costs and indicators of the sweep, one trial.
pub fn replay(spec: &ExperimentSpec, bars: &Bars, params: TrialParams) -> Replay {
    let settings = TrialSettings {
        ema_fast: vec![params.ema_fast],
        ema_slow: vec![params.ema_slow],
        blocks: 0,
        ..TrialSettings::of(spec)
    };
    with_symbol(&settings, bars, |sym| {
        let kernel = sym.params(&params);
        let signal = sym.signal(&params);
        let mut train_all = Accumulator::default();
        let mut test_all = Accumulator::default();
        let mut folds = Vec::with_capacity(sym.folds.len());
        for f in &sym.folds {
            let train = (!f.train.is_empty()).then(|| {
                let mut own = Accumulator::default();
                run(&sym.market, signal, f.train.clone(), &kernel, &mut own);
                run(&sym.market, signal, f.train.clone(), &kernel, &mut train_all);
                own.finish(sym.bars_per_year)
            });
            let base = test_all.equity();
            let mut rec = Recorder::with_capacity(f.test.len());
            run(&sym.market, signal, f.test.clone(), &kernel, &mut rec);
            run(&sym.market, signal, f.test.clone(), &kernel, &mut test_all);
            folds.push(FoldReplay {
                fold: f.index,
                train_start: f.train_start,
                train_end: f.train_end,
                test_start: f.test_start,
                test_end: f.test_end,
                train,
                test: rec.acc.finish(sym.bars_per_year),
                trades: rec.trades,
                equity: rec.equity.iter().map(|&(i, e)| (sym.market.ts[i], base * e)).collect(),
            });
        }
        Replay {
            folds,
            in_sample: (train_all.n_bars() > 0).then(|| train_all.finish(sym.bars_per_year)),
            out_of_sample: test_all.finish(sym.bars_per_year),
        }
    })
}
