//! Selection: the best trial, the per-fold walk-forward choice and its stitched path, and the overfitting figures.

use super::evaluate::SymbolCtx;
use super::overfitting::{self as of, BarReturns, TrialSpread};
use super::{objective_value, FoldPath, SymbolOutcome, TrialResult, TrialStatus};
use crate::backtest::{run, Accumulator, Recorder};
use model::overfitting::SymbolOverfitting;

/// The first trial (in trial order) with the strictly greatest value among the eligible ones.
fn argmax<'a>(trials: impl Iterator<Item = (&'a TrialResult, Option<f64>)>) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (t, v) in trials {
        if t.status != TrialStatus::Complete {
            continue;
        }
        if let Some(v) = v {
            if best.is_none_or(|(_, b)| v > b) {
                best = Some((t.number, v));
            }
        }
    }
    best.map(|(n, _)| n)
}

/// Picks the best trial, walks the folds with their selected trials, and measures overfitting (robustness is
/// added by the caller, which knows the search space).
pub(super) fn finish(ctx: &SymbolCtx, symbol: &str, trials: Vec<TrialResult>) -> SymbolOutcome {
    let best = argmax(trials.iter().map(|t| (t, t.selection_value)));
    let mut stitched = Accumulator::default();
    let mut folds = Vec::with_capacity(ctx.folds.len());
    let mut path: BarReturns = Vec::new();
    for (k, f) in ctx.folds.iter().enumerate() {
        let selected = if ctx.in_sample {
            best
        } else {
            let eligible = trials.iter().map(|t| {
                let m = t.train_folds.get(k).copied().flatten();
                (
                    t,
                    m.filter(|m| m.n_trades >= ctx.min_trades)
                        .and_then(|m| objective_value(ctx.objective, &m)),
                )
            });
            argmax(eligible)
        };
        let mut rec = Recorder::default();
        if let Some(n) = selected {
            let p = &trials[n].params;
            run(&ctx.market, &ctx.signal(p), f.test.clone(), &ctx.params(p), &mut rec);
            run(
                &ctx.market,
                &ctx.signal(p),
                f.test.clone(),
                &ctx.params(p),
                &mut stitched,
            );
        }
        path.extend(of::bar_returns(&rec));
        let base = stitched.equity() / rec.acc.equity();
        folds.push(FoldPath {
            fold: f.index,
            train_start: f.train_start,
            train_end: f.train_end,
            test_start: f.test_start,
            test_end: f.test_end,
            selected,
            metrics: rec.acc.finish(ctx.bars_per_year),
            trades: rec.trades,
            equity: rec.equity.iter().map(|&(i, e)| (ctx.market.ts[i], base * e)).collect(),
        });
    }
    let walk_forward = (!folds.is_empty()).then(|| stitched.finish(ctx.bars_per_year));
    let spread = TrialSpread::of(ctx, &trials);
    let selected: Vec<Option<usize>> = folds.iter().map(|f| f.selected).collect();
    let overfitting = SymbolOverfitting {
        symbol: symbol.to_string(),
        pbo: spread.pbo(ctx),
        dsr: best.map(|b| of::best_dsr(ctx, &trials, b, &spread)),
        fold_dsr: of::fold_dsrs(ctx, &trials, &selected, &spread),
        walk_forward_dsr: of::walk_forward_dsr(ctx, &trials, &path, &spread),
        robustness: None,
    };
    SymbolOutcome {
        symbol: symbol.to_string(),
        bars_per_year: ctx.bars_per_year,
        trials,
        best,
        folds,
        walk_forward,
        overfitting,
    }
}
