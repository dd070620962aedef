//! The overfitting figures of one symbol's search: PBO over the trials' out-of-sample blocks, and deflated Sharpe
//! ratios ([`deflated::dsr`]) for the best trial, each fold's choice and the stitched walk-forward path.

use super::evaluate::SymbolCtx;
use super::space::TrialParams;
use super::{TrialResult, TrialStatus};
use crate::backtest::{run, Recorder, Sink, Trade};
use crate::overfit::deflated::PeriodReturns;
use crate::overfit::{cscv, deflated, neff, BlockSums};
use model::overfitting::{Dsr, FoldDsr, Pbo};
use std::ops::Range;

/// Seed of the split sample when CSCV has more splits than it evaluates.
pub const CSCV_SEED: u64 = cscv::SEED;

/// The periods of a strategy's path, gathered as its backtest runs: a DSR needs nothing per bar.
struct PathSink<'a> {
    ts: &'a [i64],
    periods: PeriodReturns,
}

impl Sink for PathSink<'_> {
    #[inline]
    fn bar(&mut self, i: usize, ret: f64, _long: bool) {
        self.periods.push(self.ts[i], ret);
    }

    fn trade(&mut self, _trade: &Trade) {}

    fn span(&mut self, _elapsed_ms: i64) {}
}

/// The periods of trial `p`'s path over `windows`, run one after the other.
fn path_of(ctx: &SymbolCtx, p: &TrialParams, windows: impl Iterator<Item = Range<usize>>) -> PeriodReturns {
    let mut sink = PathSink {
        ts: ctx.market.ts,
        periods: PeriodReturns::new(ctx.bars_per_year),
    };
    for range in windows {
        run(&ctx.market, &ctx.signal(p), range, &ctx.params(p), &mut sink);
    }
    sink.periods
}

/// Adds the bars a recorder saw to a path's periods.
pub(super) fn extend_path(path: &mut PeriodReturns, ctx: &SymbolCtx, rec: &Recorder) {
    let bars = rec.equity.iter().map(|&(i, _)| ctx.market.ts[i]);
    path.extend(bars.zip(rec.returns.iter().copied()));
}

/// The trials' correlation and PBO, shared by every DSR of the symbol.
pub(super) struct TrialSpread<'a> {
    pub blocks: Vec<&'a BlockSums>,
    pub rho: f64,
}

impl<'a> TrialSpread<'a> {
    /// From the completed trials' block sums.
    pub fn of(ctx: &SymbolCtx, trials: &'a [TrialResult]) -> Self {
        let blocks: Vec<&BlockSums> = trials
            .iter()
            .filter(|t| t.status == TrialStatus::Complete)
            .filter_map(|t| t.blocks.as_ref())
            .collect();
        let (rho, _) = neff::effective_trials(&ctx.layout.bars(), &blocks);
        Self { blocks, rho }
    }

    /// PBO by CSCV over the completed trials.
    pub fn pbo(&self, ctx: &SymbolCtx) -> Option<Pbo> {
        cscv::pbo(&ctx.layout.bars(), &self.blocks, CSCV_SEED)
    }
}

/// The DSR of `path` against trials whose annualised Sharpes on the same windows are `trial_sharpes`.
fn dsr(ctx: &SymbolCtx, path: &PeriodReturns, trial_sharpes: &[f64], spread: &TrialSpread) -> Dsr {
    deflated::dsr(path, ctx.bars_per_year, trial_sharpes, spread.rho)
}

/// The DSR of trial `best` on its selection windows (every fold's train window, or test windows without them).
pub(super) fn best_dsr(ctx: &SymbolCtx, trials: &[TrialResult], best: usize, spread: &TrialSpread) -> Dsr {
    let windows = ctx
        .folds
        .iter()
        .map(|f| if ctx.in_sample { f.test.clone() } else { f.train.clone() });
    let path = path_of(ctx, &trials[best].params, windows);
    let sharpes: Vec<f64> = completed(trials)
        .filter_map(|t| {
            if ctx.in_sample {
                Some(t.out_of_sample.sharpe)
            } else {
                t.in_sample.map(|m| m.sharpe)
            }
        })
        .collect();
    dsr(ctx, &path, &sharpes, spread)
}

/// Per fold with a train window and a selected trial: that trial's DSR on the train window it was chosen on.
pub(super) fn fold_dsrs(
    ctx: &SymbolCtx,
    trials: &[TrialResult],
    selected: &[Option<usize>],
    spread: &TrialSpread,
) -> Vec<FoldDsr> {
    if ctx.in_sample {
        return Vec::new();
    }
    ctx.folds
        .iter()
        .enumerate()
        .filter_map(|(k, f)| {
            let n = selected.get(k).copied().flatten()?;
            let path = path_of(ctx, &trials[n].params, std::iter::once(f.train.clone()));
            let sharpes: Vec<f64> = completed(trials)
                .filter_map(|t| t.train_folds.get(k).copied().flatten().map(|m| m.sharpe))
                .collect();
            Some(FoldDsr {
                fold: f.index,
                trial_number: n,
                dsr: dsr(ctx, &path, &sharpes, spread),
            })
        })
        .collect()
}

fn completed(trials: &[TrialResult]) -> impl Iterator<Item = &TrialResult> {
    trials.iter().filter(|t| t.status == TrialStatus::Complete)
}

/// The stitched walk-forward path's DSR against the trials' out-of-sample Sharpes.
pub(super) fn walk_forward_dsr(
    ctx: &SymbolCtx,
    trials: &[TrialResult],
    path: &PeriodReturns,
    spread: &TrialSpread,
) -> Option<Dsr> {
    if path.is_empty() {
        return None;
    }
    let sharpes: Vec<f64> = completed(trials).map(|t| t.out_of_sample.sharpe).collect();
    Some(dsr(ctx, path, &sharpes, spread))
}
