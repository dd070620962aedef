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

/// One thread's buffers for the splits, per trial: in-sample sums and squares (then out-of-sample ones), and the
/// in- and out-of-sample order keys.
struct SplitScratch {
    si: Vec<f64>,
    qi: Vec<f64>,
    is: Vec<f64>,
    oos: Vec<f64>,
}

impl SplitScratch {
    fn new(n: usize) -> Self {
        Self {
            si: vec![0.0; n],
            qi: vec![0.0; n],
            is: vec![0.0; n],
            oos: vec![0.0; n],
        }
    }
}

/// Per trial, a key in the order of `sharpe_of(s[j], q[j], n)` without its square root: with n·(n − 1)·variance
/// d = n·q − s², the Sharpe is s / √(d / (n − 1)) up to a constant and s·|s| / d is in the same order (0 where the
/// Sharpe is 0). One division per trial, no branch, so the loop runs on vector registers.
fn sharpe_order(s: &[f64], q: &[f64], n: f64, out: &mut [f64]) {
    if n < 2.0 {
        out.fill(0.0);
        return;
    }
    let floor = 1e-300 * n * (n - 1.0);
    for ((o, &s), &q) in out.iter_mut().zip(s).zip(q) {
        let d = n * q - s * s;
        let key = s * s.abs() / d;
        *o = if d > floor && d < f64::INFINITY { key } else { 0.0 };
    }
}

fn add_row(acc: &mut [f64], row: &[f64]) {
    for (a, r) in acc.iter_mut().zip(row) {
        *a += r;
    }
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
    // Block-major copies (row b holds every trial's sum of block b), so a split adds whole rows.
    let row = |get: fn(&BlockSums, usize) -> f64| -> Vec<f64> {
        (0..s).flat_map(|b| trials.iter().map(move |t| get(t, b))).collect()
    };
    let (sums, squares) = (row(|t, b| t.sum[b]), row(|t, b| t.sum_sq[b]));
    let total_sum: Vec<f64> = trials.iter().map(|t| t.sum.iter().sum()).collect();
    let total_sq: Vec<f64> = trials.iter().map(|t| t.sum_sq.iter().sum()).collect();
    let results: Vec<SplitResult> = masks
        .par_iter()
        .map_init(
            || SplitScratch::new(n),
            |w, &mask| {
                w.si.fill(0.0);
                w.qi.fill(0.0);
                let mut n_is = 0;
                for b in (0..s).filter(|b| mask >> b & 1 == 1) {
                    n_is += bars[b];
                    add_row(&mut w.si, &sums[b * n..][..n]);
                    add_row(&mut w.qi, &squares[b * n..][..n]);
                }
                let (n_is, n_oos) = (n_is as f64, (all_bars - n_is) as f64);
                sharpe_order(&w.si, &w.qi, n_is, &mut w.is);
                let mut star = 0;
                for j in 1..n {
                    if w.is[j] > w.is[star] {
                        star = j;
                    }
                }
                let is_sharpe = sharpe_of(w.si[star], w.qi[star], n_is);
                for j in 0..n {
                    w.si[j] = total_sum[j] - w.si[j];
                    w.qi[j] = total_sq[j] - w.qi[j];
                }
                sharpe_order(&w.si, &w.qi, n_oos, &mut w.oos);
                let oos_sharpe = sharpe_of(w.si[star], w.qi[star], n_oos);
                let key = w.oos[star];
                let below = w.oos.iter().filter(|&&v| v < key).count();
                let ties = w.oos.iter().filter(|&&v| v == key).count() - 1;
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
