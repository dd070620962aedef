//! Probability of backtest overfitting by combinatorially symmetric cross-validation (Bailey, Borwein,
//! López de Prado & Zhu, 2015, "The probability of backtest overfitting"), from per-block sums.
//!
//! Every split puts S/2 of the S blocks in sample and the rest out of sample; the trial with the best in-sample
//! Sharpe is ranked among all trials out of sample (ω = rank / (N + 1), ties averaged as R's `pbo` package), and
//! λ = ln(ω / (1 − ω)). PBO is the share of splits with λ ≤ 0.

use super::blocks::BlockSums;
use model::overfitting::{LogitBin, Pbo};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::collections::HashSet;

/// Splits evaluated at most: all of C(16, 8); more blocks draw this many distinct splits at random.
pub const MAX_SPLITS: usize = 12_870;

/// The split sample's seed every job uses (reproducible reports).
pub const SEED: u64 = 0x5eed;

/// Degradation points kept for the IS-vs-OOS scatter.
const SCATTER_POINTS: usize = 400;

/// The logit histogram's range and bin width (λ beyond it goes to the end bins).
const LOGIT_RANGE: f64 = 6.0;
const LOGIT_BIN: f64 = 0.5;

/// Sample Sharpe (per bar) of `n` returns with sum `s` and sum of squares `q`; 0 without variance.
#[inline]
pub fn sharpe_of(s: f64, q: f64, n: f64) -> f64 {
    if n < 2.0 {
        return 0.0;
    }
    let mean = s / n;
    let var = (q - s * mean) / (n - 1.0);
    if var > 1e-300 && var.is_finite() {
        mean / var.sqrt()
    } else {
        0.0
    }
}

/// C(n, k) as a float-safe integer (saturating).
fn choose(n: usize, k: usize) -> u64 {
    (0..k).fold(1u64, |acc, i| acc.saturating_mul((n - i) as u64) / (i as u64 + 1))
}

/// The in-sample block sets: every S/2-subset of S blocks when there are at most [`MAX_SPLITS`], else that
/// many distinct ones drawn with a generator seeded by `seed`.
fn splits(s: usize, seed: u64) -> (Vec<u64>, u64) {
    let total = choose(s, s / 2);
    if total <= MAX_SPLITS as u64 {
        // Gosper's hack: every s-bit mask with s/2 bits set, in increasing order.
        let mut out = Vec::with_capacity(total as usize);
        let mut m: u64 = (1 << (s / 2)) - 1;
        while m < (1u64 << s) {
            out.push(m);
            let c = m & m.wrapping_neg();
            let r = m + c;
            m = (((r ^ m) >> 2) / c) | r;
        }
        return (out, total);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut seen = HashSet::with_capacity(MAX_SPLITS);
    let mut out = Vec::with_capacity(MAX_SPLITS);
    while out.len() < MAX_SPLITS {
        let mut idx: Vec<usize> = (0..s).collect();
        for i in 0..s / 2 {
            let j = rng.random_range(i..s);
            idx.swap(i, j);
        }
        let m = idx[..s / 2].iter().fold(0u64, |m, &b| m | 1 << b);
        if seen.insert(m) {
            out.push(m);
        }
    }
    (out, total)
}

/// One split's result: the in-sample best's logit and its Sharpe in and out of sample.
#[derive(Clone, Copy)]
struct SplitResult {
    logit: f64,
    is_sharpe: f64,
    oos_sharpe: f64,
}

/// PBO over `trials` (each with the same S blocks of `bars` bars); None with fewer than two trials or blocks.
/// S may be at most 64; more than [`MAX_SPLITS`] splits are sampled with `seed`.
pub fn pbo(bars: &[usize], trials: &[&BlockSums], seed: u64) -> Option<Pbo> {
    let s = bars.len();
    let n = trials.len();
    if n < 2 || s < 2 || s > 64 || s % 2 != 0 {
        return None;
    }
    let (masks, total) = splits(s, seed);
    let all_bars: usize = bars.iter().sum();
    let totals: Vec<(f64, f64)> = trials
        .iter()
        .map(|t| (t.sum.iter().sum(), t.sum_sq.iter().sum()))
        .collect();
    let results: Vec<SplitResult> = masks
        .par_iter()
        .map_init(
            || vec![0.0f64; n],
            |oos, &mask| {
                let in_blocks: Vec<usize> = (0..s).filter(|b| mask >> b & 1 == 1).collect();
                let n_is = in_blocks.iter().map(|&b| bars[b]).sum::<usize>() as f64;
                let n_oos = all_bars as f64 - n_is;
                let mut best = (0usize, f64::NEG_INFINITY, 0.0);
                for (j, t) in trials.iter().enumerate() {
                    let (mut si, mut qi) = (0.0, 0.0);
                    for &b in &in_blocks {
                        si += t.sum[b];
                        qi += t.sum_sq[b];
                    }
                    let is = sharpe_of(si, qi, n_is);
                    oos[j] = sharpe_of(totals[j].0 - si, totals[j].1 - qi, n_oos);
                    if is > best.1 {
                        best = (j, is, oos[j]);
                    }
                }
                let (star, is_sharpe, oos_sharpe) = best;
                let (mut below, mut ties) = (0usize, 0usize);
                for (j, &v) in oos.iter().enumerate() {
                    if v < oos_sharpe {
                        below += 1;
                    } else if v == oos_sharpe && j != star {
                        ties += 1;
                    }
                }
                let omega = (below as f64 + 1.0 + ties as f64 / 2.0) / (n as f64 + 1.0);
                SplitResult {
                    logit: (omega / (1.0 - omega)).ln(),
                    is_sharpe,
                    oos_sharpe,
                }
            },
        )
        .collect();
    Some(summarise(&results, s, total, n))
}

fn summarise(results: &[SplitResult], blocks: usize, total: u64, n_trials: usize) -> Pbo {
    let k = results.len() as f64;
    let share = |f: &dyn Fn(&SplitResult) -> bool| results.iter().filter(|r| f(r)).count() as f64 / k;
    let mut logits: Vec<f64> = results.iter().map(|r| r.logit).collect();
    logits.sort_by(f64::total_cmp);
    let median = if logits.len() % 2 == 1 {
        logits[logits.len() / 2]
    } else {
        (logits[logits.len() / 2 - 1] + logits[logits.len() / 2]) / 2.0
    };
    let (slope, intercept) = regression(results);
    let step = (results.len() / SCATTER_POINTS).max(1);
    Pbo {
        pbo: share(&|r| r.logit <= 0.0),
        blocks,
        splits: results.len(),
        splits_total: total,
        sampled: (results.len() as u64) < total,
        n_trials,
        degradation_slope: slope,
        degradation_intercept: intercept,
        prob_oos_loss: share(&|r| r.oos_sharpe < 0.0),
        logit_mean: logits.iter().sum::<f64>() / k,
        logit_median: median,
        logit_histogram: histogram(&logits),
        degradation: results
            .iter()
            .step_by(step)
            .take(SCATTER_POINTS)
            .map(|r| [r.is_sharpe, r.oos_sharpe])
            .collect(),
    }
}

/// Least-squares slope and intercept of the out-of-sample on the in-sample Sharpe (slope 0 without spread).
fn regression(results: &[SplitResult]) -> (f64, f64) {
    let k = results.len() as f64;
    let mx = results.iter().map(|r| r.is_sharpe).sum::<f64>() / k;
    let my = results.iter().map(|r| r.oos_sharpe).sum::<f64>() / k;
    let (sxy, sxx) = results.iter().fold((0.0, 0.0), |(sxy, sxx), r| {
        let dx = r.is_sharpe - mx;
        (sxy + dx * (r.oos_sharpe - my), sxx + dx * dx)
    });
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (slope, my - slope * mx)
}

fn histogram(logits: &[f64]) -> Vec<LogitBin> {
    let bins = (2.0 * LOGIT_RANGE / LOGIT_BIN) as usize;
    let mut counts = vec![0usize; bins];
    for &l in logits {
        let b = ((l + LOGIT_RANGE) / LOGIT_BIN).floor().clamp(0.0, bins as f64 - 1.0) as usize;
        counts[b] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(b, count)| LogitBin {
            lo: -LOGIT_RANGE + b as f64 * LOGIT_BIN,
            hi: -LOGIT_RANGE + (b + 1) as f64 * LOGIT_BIN,
            count,
        })
        .collect()
}

#[cfg(test)]
#[path = "cscv_tests.rs"]
mod tests;
