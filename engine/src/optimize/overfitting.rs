//! The overfitting figures of one symbol's search: PBO over the trials' out-of-sample blocks, and deflated Sharpe
//! ratios ([`deflated::dsr`]) for the best trial, each fold's choice and the stitched walk-forward path.

use super::evaluate::SymbolCtx;
use super::{TrialResult, TrialStatus};
use crate::backtest::{run, Recorder};
use crate::overfit::{cscv, deflated, neff, BlockSums};
use model::overfitting::{Dsr, FoldDsr, Pbo};

/// Seed of the split sample when CSCV has more splits than it evaluates.
pub const CSCV_SEED: u64 = cscv::SEED;

/// A strategy's returns bar by bar: `(bar index, return)`.
pub(super) type BarReturns = Vec<(usize, f64)>;

/// The bar returns a recorder saw.
pub(super) fn bar_returns(rec: &Recorder) -> BarReturns {
    rec.equity
        .iter()
        .map(|&(i, _)| i)
        .zip(rec.returns.iter().copied())
        .collect()
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
fn dsr(ctx: &SymbolCtx, path: &BarReturns, trial_sharpes: &[f64], spread: &TrialSpread) -> Dsr {
    let timed: Vec<(i64, f64)> = path.iter().map(|&(i, r)| (ctx.market.ts[i], r)).collect();
    deflated::dsr(&timed, ctx.bars_per_year, trial_sharpes, spread.rho)
}

/// The DSR of trial `best` on its selection windows (every fold's train window, or test windows without them).
pub(super) fn best_dsr(ctx: &SymbolCtx, trials: &[TrialResult], best: usize, spread: &TrialSpread) -> Dsr {
    let p = &trials[best].params;
    let windows = || {
        ctx.folds
            .iter()
            .map(|f| if ctx.in_sample { f.test.clone() } else { f.train.clone() })
    };
    let mut rec = Recorder::with_capacity(windows().map(|r| r.len()).sum());
    for range in windows() {
        run(&ctx.market, &ctx.signal(p), range, &ctx.params(p), &mut rec);
    }
    let sharpes: Vec<f64> = completed(trials)
        .filter_map(|t| {
            if ctx.in_sample {
                Some(t.out_of_sample.sharpe)
            } else {
                t.in_sample.map(|m| m.sharpe)
            }
        })
        .collect();
    dsr(ctx, &bar_returns(&rec), &sharpes, spread)
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
            let p = &trials[n].params;
            let mut rec = Recorder::with_capacity(f.train.len());
            run(&ctx.market, &ctx.signal(p), f.train.clone(), &ctx.params(p), &mut rec);
            let sharpes: Vec<f64> = completed(trials)
                .filter_map(|t| t.train_folds.get(k).copied().flatten().map(|m| m.sharpe))
                .collect();
            Some(FoldDsr {
                fold: f.index,
                trial_number: n,
                dsr: dsr(ctx, &bar_returns(&rec), &sharpes, spread),
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
    path: &BarReturns,
    spread: &TrialSpread,
) -> Option<Dsr> {
    if path.is_empty() {
        return None;
    }
    let sharpes: Vec<f64> = completed(trials).map(|t| t.out_of_sample.sharpe).collect();
    Some(dsr(ctx, path, &sharpes, spread))
}
