//! Selection: the best trial, the per-fold walk-forward choice and its stitched path, and the overfitting figures.

use super::evaluate::SymbolCtx;
use super::overfitting::{self as of, TrialSpread};
use super::{objective_value, FoldPath, SymbolOutcome, TrialResult, TrialStatus};
use crate::backtest::{run, Accumulator, Recorder};
use model::overfitting::SymbolOverfitting;
use rayon::prelude::*;

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

/// Picks the best trial, walks the folds with their selected trials, and measures overfitting when `overfitting`
/// (robustness is added by the caller, which knows the search space). The folds' paths, the stitched path and the
/// figures are independent once the trials are chosen, so they run in parallel.
pub(super) fn finish(ctx: &SymbolCtx, symbol: &str, trials: Vec<TrialResult>, overfitting: bool) -> SymbolOutcome {
    let best = argmax(trials.iter().map(|t| (t, t.selection_value)));
    let selected: Vec<Option<usize>> = (0..ctx.folds.len())
        .map(|k| {
            if ctx.in_sample {
                best
            } else {
                fold_choice(ctx, &trials, k)
            }
        })
        .collect();
    let ((recorded, stitched), figures) = rayon::join(
        || {
            rayon::join(
                || {
                    ctx.folds
                        .par_iter()
                        .zip(&selected)
                        .map(|(f, n)| record(ctx, &trials, *n, f.test.clone()))
                        .collect::<Vec<Recorder>>()
                },
                || stitch(ctx, &trials, &selected),
            )
        },
        || overfitting.then(|| figures(ctx, symbol, &trials, best, &selected)),
    );
    let mut path = crate::overfit::deflated::PeriodReturns::new(ctx.bars_per_year);
    let mut folds = Vec::with_capacity(ctx.folds.len());
    for ((f, rec), (n, after)) in ctx.folds.iter().zip(recorded).zip(selected.iter().zip(&stitched.after)) {
        of::extend_path(&mut path, ctx, &rec);
        let base = after / rec.acc.equity();
        folds.push(FoldPath {
            fold: f.index,
            train_start: f.train_start,
            train_end: f.train_end,
            test_start: f.test_start,
            test_end: f.test_end,
            selected: *n,
            metrics: rec.acc.finish(ctx.bars_per_year),
            trades: rec.trades,
            equity: rec.equity.iter().map(|&(i, e)| (ctx.market.ts[i], base * e)).collect(),
        });
    }
    let walk_forward = (!folds.is_empty()).then(|| stitched.acc.finish(ctx.bars_per_year));
    let overfitting = match figures {
        Some((spread, mut o)) => {
            o.walk_forward_dsr = of::walk_forward_dsr(ctx, &trials, &path, &spread);
            o
        }
        None => SymbolOverfitting {
            symbol: symbol.to_string(),
            pbo: None,
            dsr: None,
            fold_dsr: Vec::new(),
            walk_forward_dsr: None,
            robustness: None,
        },
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

/// The trial selected for fold `k`: the best on its train window among those with enough trades.
fn fold_choice(ctx: &SymbolCtx, trials: &[TrialResult], k: usize) -> Option<usize> {
    argmax(trials.iter().map(|t| {
        let m = t.train_folds.get(k).copied().flatten();
        (
            t,
            m.filter(|m| m.n_trades >= ctx.min_trades)
                .and_then(|m| objective_value(ctx.objective, &m)),
        )
    }))
}

/// Trial `n`'s bars, trades and equity over `range` (nothing without a trial).
fn record(ctx: &SymbolCtx, trials: &[TrialResult], n: Option<usize>, range: std::ops::Range<usize>) -> Recorder {
    let Some(n) = n else {
        return Recorder::default();
    };
    let mut rec = Recorder::with_capacity(range.len());
    let p = &trials[n].params;
    run(&ctx.market, &ctx.signal(p), range, &ctx.params(p), &mut rec);
    rec
}

/// The stitched walk-forward path's metrics and its equity after each fold (a fold's own curve, which starts at
/// 1, is scaled by that over its own final equity).
struct Stitched {
    acc: Accumulator,
    after: Vec<f64>,
}

fn stitch(ctx: &SymbolCtx, trials: &[TrialResult], selected: &[Option<usize>]) -> Stitched {
    let mut acc = Accumulator::default();
    let mut after = Vec::with_capacity(selected.len());
    for (f, n) in ctx.folds.iter().zip(selected) {
        if let Some(n) = n {
            let p = &trials[*n].params;
            run(&ctx.market, &ctx.signal(p), f.test.clone(), &ctx.params(p), &mut acc);
        }
        after.push(acc.equity());
    }
    Stitched { acc, after }
}

/// The trials' spread, PBO and the DSRs that do not need the stitched path (the caller adds that one).
fn figures<'a>(
    ctx: &SymbolCtx,
    symbol: &str,
    trials: &'a [TrialResult],
    best: Option<usize>,
    selected: &[Option<usize>],
) -> (TrialSpread<'a>, SymbolOverfitting) {
    let spread = TrialSpread::of(ctx, trials);
    let ((pbo, dsr), fold_dsr) = rayon::join(
        || {
            rayon::join(
                || spread.pbo(ctx),
                || best.map(|b| of::best_dsr(ctx, trials, b, &spread)),
            )
        },
        || of::fold_dsrs(ctx, trials, selected, &spread),
    );
    let o = SymbolOverfitting {
        symbol: symbol.to_string(),
        pbo,
        dsr,
        fold_dsr,
        walk_forward_dsr: None,
        robustness: None,
    };
    (spread, o)
}
