//! One symbol's search: the shared context, trial evaluation and the grid / random / TPE drivers.

use super::batch::{simulate, Simulated};
use super::chunks::{cut, reach, with_symbol, SymbolWork, TrialSettings};
use super::indicators::IndicatorCache;
use super::space::{self, TrialParams};
use super::tpe::Tpe;
use super::{objective_value, select, signals, OptimizeError, RunContext, SymbolOutcome, TrialResult, TrialStatus};
use crate::backtest::{Market, Params, SignalBits};
use crate::data::Bars;
use crate::overfit::robust::{robustness, Point};
use crate::overfit::BlockLayout;
use crate::validate::Fold;
use model::overfitting::{Neighbourhood, Robustness};
use model::spec::experiment::{ExperimentSpec, Objective, SearchMethod, SearchSpace};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// ATR period of the stop distance, as the original.
pub const ATR_PERIOD: usize = 14;

/// What every trial of one symbol shares.
pub struct SymbolCtx<'a> {
    pub market: Market<'a>,
    pub cache: IndicatorCache<'a>,
    pub folds: Vec<Fold>,
    pub bars_per_year: f64,
    pub cost: f64,
    pub min_trades: u64,
    pub objective: Objective,
    /// No train windows: selection happens on the test windows.
    pub in_sample: bool,
    /// The CSCV blocks of the stitched test windows.
    pub layout: BlockLayout,
}

impl SymbolCtx<'_> {
    /// Kernel parameters of a trial.
    pub fn params(&self, p: &TrialParams) -> Params {
        Params {
            atr_k: p.atr_k,
            r_mult: p.r,
            cost: self.cost,
        }
    }

    /// The EMA-cross signal of a trial (shared by every trial of the same EMA pair).
    pub fn signal(&self, p: &TrialParams) -> &SignalBits {
        self.cache.cross(p.ema_fast, p.ema_slow)
    }
}

/// The result of one trial from its simulation over every fold ([`simulate`]; `None` for an invalid trial).
pub(super) fn evaluate(ctx: &SymbolCtx, number: usize, p: TrialParams, sim: Option<Simulated>) -> TrialResult {
    let failed = |p| TrialResult {
        number,
        params: p,
        status: TrialStatus::Fail,
        in_sample: None,
        out_of_sample: Default::default(),
        train_folds: vec![None; ctx.folds.len()],
        objective_value: None,
        selection_value: None,
        blocks: None,
    };
    let Some(Simulated {
        train_all,
        test_all,
        test_blocks,
        train_folds,
    }) = sim.filter(|_| p.is_valid())
    else {
        return failed(p);
    };
    let out_of_sample = test_all.finish(ctx.bars_per_year);
    let in_sample = (train_all.n_bars() > 0).then(|| train_all.finish(ctx.bars_per_year));
    let selection = if ctx.in_sample {
        Some(&out_of_sample)
    } else {
        in_sample.as_ref()
    };
    let selection_value = selection.and_then(|m| objective_value(ctx.objective, m));
    let objective = objective_value(ctx.objective, &out_of_sample);
    let enough = selection.is_some_and(|m| m.n_trades >= ctx.min_trades);
    let status = if enough {
        TrialStatus::Complete
    } else {
        TrialStatus::Pruned
    };
    TrialResult {
        number,
        params: p,
        status,
        in_sample,
        out_of_sample,
        train_folds,
        objective_value: objective,
        selection_value,
        blocks: Some(test_blocks),
    }
}

/// Builds the context, runs the spec's search method and the selection for one symbol (`index` in input order).
pub(super) fn optimize_symbol(
    spec: &ExperimentSpec,
    bars: &Bars,
    index: usize,
    ctx: &RunContext,
) -> Result<SymbolOutcome, OptimizeError> {
    let s = &spec.strategy;
    let mut settings = TrialSettings::of(spec);
    if !ctx.overfitting {
        settings.blocks = 0;
    }
    with_symbol(&settings, bars, |sym| {
        let work = SymbolWork {
            sym,
            settings: &settings,
            bars,
            index,
        };
        let trials = if sym.folds.is_empty() {
            Vec::new() // as the original: no folds, no trial recorded
        } else {
            match s.method {
                SearchMethod::Grid => evaluate_on(&work, space::grid(&s.search_space), 0, ctx)?,
                SearchMethod::Random => {
                    evaluate_on(&work, space::random(&s.search_space, s.max_trials, s.seed), 0, ctx)?
                }
                SearchMethod::Tpe => tpe_search(&work, spec, ctx)?,
            }
        };
        let mut outcome = select::finish(sym, &bars.symbol, trials, ctx.overfitting);
        if ctx.overfitting {
            outcome.overfitting.robustness = robustness_of(&s.search_space, s.method, &outcome);
        }
        Ok(outcome)
    })
}

/// Cuts `points` (numbered from `first`) into chunks and has the context's executor evaluate them.
fn evaluate_on(
    work: &SymbolWork,
    points: Vec<TrialParams>,
    first: usize,
    ctx: &RunContext,
) -> Result<Vec<TrialResult>, OptimizeError> {
    let cap = ctx
        .trials
        .max_chunk_trials(work.sym.folds.len(), work.sym.layout.blocks());
    let chunks = cut(
        work.index,
        first,
        points,
        reach(&work.sym.folds),
        ctx.trials.bar_trials(),
        cap,
    );
    ctx.trials.evaluate(work, chunks, ctx)
}

/// The best trial's neighbourhood by its selection value: grid neighbours for a grid search, nearest trials else.
fn robustness_of(space: &SearchSpace, method: SearchMethod, outcome: &SymbolOutcome) -> Option<Robustness> {
    let pos = |list: &[f64], v: f64| list.iter().position(|&x| x == v).unwrap_or(0);
    let fast: Vec<f64> = space.ema_fast.iter().map(|&v| v as f64).collect();
    let slow: Vec<f64> = space.ema_slow.iter().map(|&v| v as f64).collect();
    let points: Vec<Point<4>> = outcome
        .trials
        .iter()
        .map(|t| Point {
            trial: t.number,
            index: [
                pos(&fast, t.params.ema_fast as f64),
                pos(&slow, t.params.ema_slow as f64),
                pos(&space.atr_k, t.params.atr_k),
                pos(&space.r, t.params.r),
            ],
            value: t.selection_value.filter(|_| t.status == TrialStatus::Complete),
        })
        .collect();
    let how = match method {
        SearchMethod::Grid => Neighbourhood::Grid,
        SearchMethod::Random | SearchMethod::Tpe => Neighbourhood::Nearest,
    };
    let names = ["ema_fast", "ema_slow", "atr_k", "R"];
    robustness(&points, outcome.best?, space::cardinalities(space), names, how)
}

/// Evaluates `points` in parallel, numbering them from `first`, wave by wave (each wave's signals built first, at
/// most [`signals::WAVE_BYTES`] of them); checks the cancel flag before each batch of trials.
pub(super) fn evaluate_all(
    sym: &SymbolCtx,
    points: Vec<TrialParams>,
    first: usize,
    ctx: &RunContext,
) -> Result<Vec<TrialResult>, OptimizeError> {
    let counter = Counter {
        total: points.len(),
        done: AtomicUsize::new(0),
    };
    let close = sym.cache.close();
    let mut out = crate::alloc::with_capacity(points.len(), "the kept trials");
    for wave in signals::waves(&points, signals::pairs_per_wave(close.len())) {
        let pairs: Vec<(usize, usize)> = points[wave.clone()]
            .iter()
            .filter(|p| p.is_valid())
            .map(|p| (p.ema_fast, p.ema_slow))
            .collect();
        let signals = signals::cross_signals(close, &pairs);
        let results = evaluate_wave(sym, &points[wave.clone()], first + wave.start, &signals, &counter, ctx);
        if ctx.cancel.load(Ordering::Relaxed) {
            return Err(OptimizeError::Cancelled);
        }
        out.extend(results);
    }
    Ok(out)
}

/// Trials evaluated so far out of all of them, for the progress messages.
struct Counter {
    total: usize,
    done: AtomicUsize,
}

/// One wave's trials (numbered from `first`) in parallel batches; a batch started after a cancel is left out.
fn evaluate_wave(
    sym: &SymbolCtx,
    points: &[TrialParams],
    first: usize,
    signals: &signals::Signals,
    counter: &Counter,
    ctx: &RunContext,
) -> Vec<TrialResult> {
    let total = counter.total;
    let step = (total / 100).max(1);
    // Batches small enough to keep every thread busy, large enough to share each block of bars (see batch.rs).
    let batch = points.len().div_ceil(rayon::current_num_threads() * 4).clamp(1, 32);
    let results: Vec<Option<Vec<TrialResult>>> = points
        .par_chunks(batch)
        .enumerate()
        .map(|(c, chunk)| {
            if ctx.cancel.load(Ordering::Relaxed) {
                return None;
            }
            let valid: Vec<TrialParams> = chunk.iter().filter(|p| p.is_valid()).copied().collect();
            let mut sims = simulate(sym, &valid, signals).into_iter();
            let results = chunk
                .iter()
                .enumerate()
                .map(|(k, p)| {
                    let sim = if p.is_valid() { sims.next() } else { None };
                    evaluate(sym, first + c * batch + k, *p, sim)
                })
                .collect();
            let d = counter.done.fetch_add(chunk.len(), Ordering::Relaxed) + chunk.len();
            if d / step != (d - chunk.len()) / step || d == total {
                (ctx.progress)(d as f64 / total as f64, &format!("trial {d}/{total}"));
            }
            Some(results)
        })
        .collect();
    results.into_iter().flatten().flatten().collect()
}

/// TPE in parallel batches: each batch's points are suggested from the history so far.
fn tpe_search(work: &SymbolWork, spec: &ExperimentSpec, ctx: &RunContext) -> Result<Vec<TrialResult>, OptimizeError> {
    let s = &spec.strategy;
    let dims = space::cardinalities(&s.search_space);
    let budget = (s.max_trials as u128).min(s.search_space.grid_size()) as usize;
    let mut tpe = Tpe::new(dims.to_vec(), s.seed);
    let batch = (rayon::current_num_threads() * 2).max(2);
    let mut history: Vec<(Vec<usize>, Option<f64>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut results = crate::alloc::with_capacity(budget, "the kept trials");
    while results.len() < budget {
        let want = batch.min(budget - results.len());
        let mut points = Vec::with_capacity(want);
        let mut ixs = Vec::with_capacity(want);
        for _ in 0..want {
            // Re-draw duplicates (of the history or of this batch), then fall back to random points.
            let mut ix = tpe.suggest(&history);
            for attempt in 0..200 {
                if seen.insert(ix.clone()) {
                    break;
                }
                ix = if attempt < 20 {
                    tpe.suggest(&history)
                } else {
                    tpe.random()
                };
            }
            points.push(space::at(&s.search_space, [ix[0], ix[1], ix[2], ix[3]]));
            ixs.push(ix);
        }
        let first = results.len();
        let quiet = RunContext {
            progress: &super::no_progress,
            ..*ctx
        };
        let done = evaluate_on(work, points, first, &quiet)?;
        for (ix, r) in ixs.into_iter().zip(&done) {
            history.push((ix, r.selection_value.filter(|_| r.status == TrialStatus::Complete)));
        }
        results.extend(done);
        (ctx.progress)(
            results.len() as f64 / budget as f64,
            &format!("trial {}/{budget}", results.len()),
        );
    }
    Ok(results)
}
