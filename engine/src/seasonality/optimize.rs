//! The seasonality optimiser (reference §2.11): trials sampled from the normalised search space with a seeded
//! generator (all drawn up front, so results do not depend on thread scheduling), data and features prepared once
//! (folds, test calendars, ATRs, and per (fold, horizon) profiles of every dim the space can select), trials
//! evaluated in parallel with rayon.

use super::payload::fold_metrics;
use super::pipeline::{self, InProcess, Prepared, ProfileExecutor, RunOutcome};
use super::trial_cache::{ProfileCache, TrialProfiles};
use super::{Dim, SeasonalityError};
use crate::backtest::BacktestMetrics;
use crate::overfit::{cscv, deflated, neff, BlockSums};
use model::overfitting::SymbolOverfitting;
use model::results::optimize::TrialStatus;
use model::results::seasonality::FoldMetrics;
use model::spec::seasonality::{Param, SearchSpace, SeasonalitySpec, SelectMethod};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The original's objective floor: a trial with fewer trades scores −1e9.
pub const MIN_TRADES: u64 = 30;
/// The objective of a trial below [`MIN_TRADES`].
pub const FLOOR: f64 = -1e9;

/// One trial's parameters (the original's `best_params` keys; `threshold` only with method `threshold`, `topk`
/// only with `topk`).
pub use model::results::seasonality::SeasonalityTrialParams as TrialParams;

/// The spec a trial runs: `spec` with the trial's parameters written into `profile` and `signal`.
pub fn apply(params: &TrialParams, spec: &SeasonalitySpec) -> SeasonalitySpec {
    let mut s = spec.clone();
    s.profile.ret_horizon = params.ret_horizon;
    s.profile.min_samples_bin = params.min_samples_bin;
    s.signal.dims = params.dims.clone();
    s.signal.method = params.method;
    s.signal.combine = params.combine;
    if let Some(t) = params.threshold {
        s.signal.threshold = t;
    }
    if let Some(k) = params.topk {
        s.signal.topk = k;
    }
    s
}

fn pick<T: Clone>(p: &Param<T>, rng: &mut ChaCha8Rng, range: impl Fn(&T, &T, &Option<T>, &mut ChaCha8Rng) -> T) -> T {
    match p {
        Param::Fixed(v) => v.clone(),
        Param::Choice(vs) => vs[rng.random_range(0..vs.len())].clone(),
        Param::Range { low, high, step } => range(low, high, step, rng),
    }
}

fn int_range(lo: &i64, hi: &i64, step: &Option<i64>, rng: &mut ChaCha8Rng) -> i64 {
    // The parser bounds the values; the arithmetic saturates anyway, so no range can overflow.
    let step = step.unwrap_or(1).max(1);
    lo.saturating_add(step.saturating_mul(rng.random_range(0..=hi.saturating_sub(*lo) / step)))
}

fn float_range(lo: &f64, hi: &f64, step: &Option<f64>, rng: &mut ChaCha8Rng) -> f64 {
    match step.filter(|s| *s > 0.0) {
        Some(s) => lo + s * rng.random_range(0..=((hi - lo) / s + 1e-9).floor() as i64) as f64,
        None => rng.random_range(*lo..=*hi),
    }
}

/// Draws `n` trials from `space` with a ChaCha8 generator seeded by `seed` (same inputs, same trials).
pub fn sample(space: &SearchSpace, n: usize, seed: u64) -> Vec<TrialParams> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = crate::alloc::with_capacity(n, "the sampled seasonality trials");
    out.extend((0..n).map(|_| {
        let dims = pick(&space.dims, &mut rng, |a, _, _, _| a.clone());
        let method = pick(&space.method, &mut rng, |a, _, _, _| *a);
        let combine = pick(&space.combine, &mut rng, |a, _, _, _| *a);
        let ret_horizon = pick(&space.ret_horizon, &mut rng, int_range);
        let min_samples_bin = pick(&space.min_samples_bin, &mut rng, int_range);
        let (threshold, topk) = if method == SelectMethod::Topk {
            (None, Some(pick(&space.topk, &mut rng, int_range)))
        } else {
            (Some(pick(&space.threshold, &mut rng, float_range)), None)
        };
        TrialParams {
            dims,
            method,
            combine,
            ret_horizon,
            min_samples_bin,
            threshold,
            topk,
        }
    }));
    out
}

/// One evaluated trial: parameters, state (`COMPLETE`), objective, the original's `best_metrics` and the
/// stitched out-of-sample metrics.
#[derive(Debug, Clone)]
pub struct TrialRecord {
    pub number: usize,
    pub params: TrialParams,
    pub state: TrialStatus,
    pub objective: f64,
    pub best_metrics: Option<FoldMetrics>,
    pub oos: BacktestMetrics,
    /// Per-block sums of the pooled out-of-sample returns.
    pub blocks: BlockSums,
}

/// The trials and the best one (highest objective; the first wins ties).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub trials: Vec<TrialRecord>,
    pub best: Option<usize>,
}

/// The objective of a run: the stitched out-of-sample Sharpe, or [`FLOOR`] below [`MIN_TRADES`] trades.
pub fn objective(run: &RunOutcome) -> f64 {
    if run.oos.n_trades < MIN_TRADES || !run.oos.sharpe.is_finite() {
        FLOOR
    } else {
        run.oos.sharpe
    }
}

/// The original's `best_metrics` of a run (None without an eligible fold; written `{}`).
pub fn best_metrics(run: &RunOutcome) -> Option<FoldMetrics> {
    run.best
        .map(|k| &run.folds[k])
        .map(|f| fold_metrics(&f.backtest.metrics, f.windows.index, &f.rules))
}

/// Every dim a trial of `trials` may select, plus the dims the spec's profile enables.
fn union_dims(spec: &SeasonalitySpec, trials: &[TrialParams]) -> Vec<Dim> {
    let mut dims: BTreeSet<Dim> = Dim::enabled(&spec.profile).into_iter().collect();
    dims.extend(trials.iter().flat_map(|t| t.dims.iter().copied()));
    dims.into_iter().collect()
}

/// Runs `trials` on `prep` in parallel. `progress(done, total)` is called after each trial; `cancelled` is polled
/// before each trial (a cancelled optimisation returns None).
pub fn optimize(
    spec: &SeasonalitySpec,
    prep: &Prepared,
    trials: &[TrialParams],
    progress: &(dyn Fn(usize, usize) + Sync),
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Result<Option<Outcome>, SeasonalityError> {
    optimize_on(spec, prep, trials, progress, cancelled, &InProcess)
}

/// [`optimize`] with the folds' profiles computed on `executor` (the trials run here).
pub fn optimize_on(
    spec: &SeasonalitySpec,
    prep: &Prepared,
    trials: &[TrialParams],
    progress: &(dyn Fn(usize, usize) + Sync),
    cancelled: &(dyn Fn() -> bool + Sync),
    executor: &dyn ProfileExecutor,
) -> Result<Option<Outcome>, SeasonalityError> {
    let horizons: BTreeSet<usize> = trials.iter().map(|t| t.ret_horizon.max(1) as usize).collect();
    let cache = ProfileCache::build(spec, prep, &horizons, &union_dims(spec, trials), executor)?;
    let done = AtomicUsize::new(0);
    let records: Vec<Option<TrialRecord>> = trials
        .par_iter()
        .enumerate()
        .map(|(number, t)| -> Result<Option<TrialRecord>, SeasonalityError> {
            if cancelled() {
                return Ok(None);
            }
            let trial_spec = apply(t, spec);
            let source = TrialProfiles {
                cache: &cache,
                horizon: t.ret_horizon.max(1) as usize,
                min_samples: t.min_samples_bin,
                dims: &t.dims,
            };
            let Some(run) = pipeline::run(&trial_spec, prep, &source, false, &|| false)? else {
                return Ok(None);
            };
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, trials.len());
            Ok(Some(TrialRecord {
                number,
                params: t.clone(),
                state: TrialStatus::Complete,
                objective: objective(&run),
                best_metrics: best_metrics(&run),
                oos: run.oos,
                blocks: run.oos_blocks,
            }))
        })
        .collect::<Result<_, _>>()?;
    if records.iter().any(Option::is_none) {
        return Ok(None);
    }
    let trials: Vec<TrialRecord> = records.into_iter().flatten().collect();
    let mut best: Option<usize> = None;
    for (k, t) in trials.iter().enumerate() {
        if best.is_none_or(|b| t.objective > trials[b].objective) {
            best = Some(k);
        }
    }
    Ok(Some(Outcome { trials, best }))
}

/// PBO over the trials that reach [`MIN_TRADES`], and the best trial's DSR on its pooled out-of-sample path
/// (`best_run`, recorded: the windows it was selected on) against those trials' out-of-sample Sharpes.
pub fn overfitting(prep: &Prepared, outcome: &Outcome, best_run: Option<&RunOutcome>) -> SymbolOverfitting {
    let eligible: Vec<&TrialRecord> = outcome.trials.iter().filter(|t| t.objective > FLOOR).collect();
    let blocks: Vec<&BlockSums> = eligible.iter().map(|t| &t.blocks).collect();
    let bars = prep.layout.bars();
    let (rho, _) = neff::effective_trials(&bars, &blocks);
    let sharpes: Vec<f64> = eligible.iter().map(|t| t.oos.sharpe).collect();
    let dsr = best_run.map(|run| {
        let mut path = deflated::PeriodReturns::new(run.bars_per_year);
        for f in &run.folds {
            let e = &f.backtest.equity;
            let mut prev = 1.0;
            for (&ts, &x) in e.ts.iter().zip(&e.equity) {
                path.push(ts, x / prev - 1.0);
                prev = x;
            }
        }
        deflated::dsr(&path, run.bars_per_year, &sharpes, rho)
    });
    SymbolOverfitting {
        symbol: prep
            .series
            .iter()
            .map(|b| b.symbol.as_str())
            .collect::<Vec<_>>()
            .join(","),
        pbo: cscv::pbo(&bars, &blocks, cscv::SEED),
        dsr,
        fold_dsr: Vec::new(),
        walk_forward_dsr: None,
        robustness: outcome.best.and_then(|b| super::robust::robustness(&outcome.trials, b)),
    }
}

/// The `metrics_json` of a trial: its `best_metrics` (the original's meaning).
pub fn trial_metrics_json(t: &TrialRecord) -> String {
    match &t.best_metrics {
        Some(m) => serde_json::to_string(m).unwrap_or_default(),
        None => "{}".into(),
    }
}

/// The stitched out-of-sample metrics of a trial as JSON text.
pub fn trial_oos_json(t: &TrialRecord) -> String {
    serde_json::to_string(&t.oos).unwrap_or_default()
}

#[cfg(test)]
#[path = "optimize_tests.rs"]
mod tests;
