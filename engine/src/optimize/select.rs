//! Selection: the best trial, the per-fold walk-forward choice and its stitched path, and the DSR.

use super::dsr::{deflated_sharpe, expected_max_sharpe};
use super::evaluate::SymbolCtx;
use super::{objective_value, DsrReport, FoldPath, SymbolOutcome, TrialResult, TrialStatus};
use crate::backtest::{run, skew_kurtosis, Accumulator, Recorder};

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

/// Picks the best trial, walks the folds with their selected trials, and computes the DSR.
pub(super) fn finish(ctx: &SymbolCtx, symbol: &str, trials: Vec<TrialResult>) -> SymbolOutcome {
    let best = argmax(trials.iter().map(|t| (t, t.selection_value)));
    let mut stitched = Accumulator::default();
    let mut folds = Vec::with_capacity(ctx.folds.len());
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
    let dsr = best.map(|b| dsr_of(ctx, &trials, b));
    SymbolOutcome {
        symbol: symbol.to_string(),
        bars_per_year: ctx.bars_per_year,
        trials,
        best,
        folds,
        walk_forward,
        dsr,
    }
}

/// DSR of trial `best` on its selection windows, deflated by the spread of all completed trials' Sharpes.
fn dsr_of(ctx: &SymbolCtx, trials: &[TrialResult], best: usize) -> DsrReport {
    let p = &trials[best].params;
    let mut rec = Recorder::default();
    for f in &ctx.folds {
        let range = if ctx.in_sample { f.test.clone() } else { f.train.clone() };
        run(&ctx.market, &ctx.signal(p), range, &ctx.params(p), &mut rec);
    }
    let r = &rec.returns;
    let n = r.len() as f64;
    let mean = r.iter().sum::<f64>() / n.max(1.0);
    let sd = (r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    let sharpe = if sd > 0.0 { mean / sd } else { 0.0 };
    let (skew, kurtosis) = skew_kurtosis(r);
    // Per-bar Sharpe of every completed trial on its selection window.
    let per_bar = ctx.bars_per_year.max(1.0).sqrt();
    let srs: Vec<f64> = trials
        .iter()
        .filter(|t| t.status == TrialStatus::Complete)
        .filter_map(|t| {
            if ctx.in_sample {
                Some(t.out_of_sample.sharpe)
            } else {
                t.in_sample.map(|m| m.sharpe)
            }
        })
        .map(|s| s / per_bar)
        .collect();
    let k = srs.len() as f64;
    let m = srs.iter().sum::<f64>() / k.max(1.0);
    let var_sharpe = if srs.len() > 1 {
        srs.iter().map(|s| (s - m).powi(2)).sum::<f64>() / (k - 1.0)
    } else {
        0.0
    };
    DsrReport {
        dsr: deflated_sharpe(sharpe, var_sharpe, srs.len(), r.len(), skew, kurtosis),
        sharpe,
        expected_max_sharpe: expected_max_sharpe(var_sharpe, srs.len()),
        var_sharpe,
        n_trials: srs.len(),
        n_obs: r.len(),
        skew,
        kurtosis,
    }
}
