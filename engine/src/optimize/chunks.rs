//! Trials cut into chunks, the unit of work of both executors: in-process (rayon) and `qe worker`s over NATS.
//!
//! A chunk is a run of consecutive trials of one symbol, evaluated over every fold in one pass (the stitched
//! train and test accumulators of a trial cannot be merged across tasks, so folds stay inside a chunk). A
//! trial's result depends only on its parameters and the bars, never on its chunk, so any cutting and any
//! executor give the same trials bit for bit; the selection on train windows runs on the merged trials.

use super::evaluate::{evaluate_all, SymbolCtx, ATR_PERIOD};
use super::indicators::IndicatorCache;
use super::space::TrialParams;
use super::{OptimizeError, RunContext, TrialResult};
use crate::backtest::{bars_per_year, cost_fraction, Market};
use crate::data::Bars;
use crate::features::atr;
use crate::overfit::BlockLayout;
use crate::validate::{walk_forward, Fold, WalkForward};
use model::spec::experiment::{ExperimentSpec, Objective};
use serde::{Deserialize, Serialize};

/// Bars × trials per task by default: about a second of one core's work (≈ 3·10⁸ bar-trials per core-second).
pub const DEFAULT_BAR_TRIALS: u64 = 300_000_000;

/// Everything of a spec that evaluating a trial needs, small enough to travel with every task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialSettings {
    pub walk_forward: WalkForward,
    pub min_trades: u64,
    pub objective: Objective,
    /// No train windows: selection happens on the test windows.
    pub in_sample: bool,
    /// Round-trip cost as a fraction of price.
    pub cost: f64,
    pub ema_fast: Vec<usize>,
    pub ema_slow: Vec<usize>,
    /// PBO's blocks of the stitched test windows (`overfitting.blocks`).
    pub blocks: usize,
}

impl TrialSettings {
    /// The settings of `spec`.
    pub fn of(spec: &ExperimentSpec) -> Self {
        let s = &spec.strategy;
        let v = s.validation;
        TrialSettings {
            walk_forward: WalkForward {
                train_months: v.train_months,
                test_months: v.test_months,
                folds: v.folds,
                embargo_days: v.embargo_days,
            },
            min_trades: v.min_trades as u64,
            objective: s.objective,
            in_sample: v.train_months == 0,
            cost: cost_fraction(spec.execution.slippage_bps, spec.execution.commission_bps),
            ema_fast: s.search_space.ema_fast.clone(),
            ema_slow: s.search_space.ema_slow.clone(),
            blocks: spec.overfitting.blocks,
        }
    }
}

/// Builds the shared context of one symbol's trials (folds, ATR, lazily built signals) and runs `work` on it.
pub(super) fn with_symbol<R>(settings: &TrialSettings, bars: &Bars, work: impl FnOnce(&SymbolCtx) -> R) -> R {
    let atr14 = atr(&bars.high, &bars.low, &bars.close, ATR_PERIOD);
    let pairs = settings
        .ema_fast
        .iter()
        .flat_map(|&f| settings.ema_slow.iter().filter(move |&&l| f < l).map(move |&l| (f, l)));
    let folds = walk_forward(&bars.ts, &settings.walk_forward);
    let tests: Vec<_> = folds.iter().map(|f| f.test.clone()).collect();
    // Trials only read bars up to the last fold's end: indicators (recursive from the first bar) stop there.
    let used = reach(&folds);
    let sym = SymbolCtx {
        market: Market {
            ts: &bars.ts,
            open: &bars.open,
            high: &bars.high,
            low: &bars.low,
            close: &bars.close,
            atr: &atr14,
        },
        cache: IndicatorCache::new(&bars.close[..used], pairs),
        folds,
        bars_per_year: bars_per_year(&bars.ts),
        cost: settings.cost,
        min_trades: settings.min_trades,
        objective: settings.objective,
        in_sample: settings.in_sample,
        layout: BlockLayout::new(&tests, settings.blocks),
    };
    work(&sym)
}

/// Bars the trials of `folds` read: up to the end of the last fold.
pub(super) fn reach(folds: &[Fold]) -> usize {
    folds.iter().map(|f| f.train.end.max(f.test.end)).max().unwrap_or(0)
}

/// A run of consecutive trials of one symbol: trial numbers `first..first + points.len()`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialChunk {
    /// Index of the symbol's series in the job's input order.
    pub symbol: usize,
    pub first: usize,
    pub points: Vec<TrialParams>,
}

/// Cuts `points` (numbered from `first`) into chunks of about `bar_trials` bars × trials each over `n_bars` bars,
/// and of at most `max_trials` trials.
pub fn cut(
    symbol: usize,
    first: usize,
    points: Vec<TrialParams>,
    n_bars: usize,
    bar_trials: u64,
    max_trials: usize,
) -> Vec<TrialChunk> {
    let per_chunk = (bar_trials / n_bars.max(1) as u64).min(max_trials as u64).max(1) as usize;
    points
        .chunks(per_chunk)
        .enumerate()
        .map(|(k, c)| TrialChunk {
            symbol,
            first: first + k * per_chunk,
            points: c.to_vec(),
        })
        .collect()
}

/// One symbol's trials as an executor sees them: the context built on this machine and what a remote worker
/// needs to rebuild it (the settings and the series).
pub struct SymbolWork<'a, 'b> {
    pub sym: &'a SymbolCtx<'b>,
    pub settings: &'a TrialSettings,
    pub bars: &'a Bars,
    /// Index of the series in the job's input order.
    pub index: usize,
}

/// Where chunks of trials are evaluated. Results come back in chunk order, each chunk's trials in order.
pub trait TrialExecutor: Sync {
    /// Bars × trials per chunk.
    fn bar_trials(&self) -> u64 {
        DEFAULT_BAR_TRIALS
    }

    /// The most trials a chunk of a symbol with `folds` folds and `blocks` PBO blocks may hold (its results must
    /// fit one message).
    fn max_chunk_trials(&self, _folds: usize, _blocks: usize) -> usize {
        usize::MAX
    }

    /// Evaluates `chunks` of `work`'s symbol.
    fn evaluate(
        &self,
        work: &SymbolWork,
        chunks: Vec<TrialChunk>,
        ctx: &RunContext,
    ) -> Result<Vec<TrialResult>, OptimizeError>;
}

/// This process's cores: chunk after chunk, each chunk's trials in parallel with rayon.
pub struct InProcess;

impl TrialExecutor for InProcess {
    fn evaluate(
        &self,
        work: &SymbolWork,
        chunks: Vec<TrialChunk>,
        ctx: &RunContext,
    ) -> Result<Vec<TrialResult>, OptimizeError> {
        let total: usize = chunks.iter().map(|c| c.points.len()).sum();
        let mut out = crate::alloc::with_capacity(total, "the kept trials");
        for chunk in chunks {
            let (done, size) = (out.len(), chunk.points.len());
            let report = |f: f64, _: &str| {
                let d = done as f64 + f * size as f64;
                (ctx.progress)(d / total as f64, &format!("trial {}/{total}", d.round() as usize));
            };
            let sub = RunContext {
                progress: &report,
                ..*ctx
            };
            out.extend(evaluate_all(work.sym, chunk.points, chunk.first, &sub)?);
        }
        Ok(out)
    }
}

/// Evaluates one chunk on this machine from its settings and series, as a `qe worker` does for a task.
pub fn evaluate_chunk(
    settings: &TrialSettings,
    bars: &Bars,
    chunk: TrialChunk,
    ctx: &RunContext,
) -> Result<Vec<TrialResult>, OptimizeError> {
    with_symbol(settings, bars, |sym| evaluate_all(sym, chunk.points, chunk.first, ctx))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(n: usize) -> Vec<TrialParams> {
        (0..n)
            .map(|k| TrialParams {
                ema_fast: k + 1,
                ema_slow: k + 10,
                r: 2.0,
                atr_k: 1.0,
            })
            .collect()
    }

    #[test]
    fn chunks_cover_every_trial_once_in_order() {
        let chunks = cut(3, 100, points(10), 1_000, 3_000, usize::MAX);
        assert_eq!(chunks.len(), 4, "3 trials of 1,000 bars per chunk");
        assert_eq!(chunks.iter().map(|c| c.first).collect::<Vec<_>>(), [100, 103, 106, 109]);
        let joined: Vec<_> = chunks.iter().flat_map(|c| c.points.clone()).collect();
        assert_eq!(joined, points(10));
        assert!(chunks.iter().all(|c| c.symbol == 3));
    }

    #[test]
    fn a_series_longer_than_the_budget_still_gets_one_trial_per_chunk() {
        let chunks = cut(0, 0, points(3), 10_000, 10, usize::MAX);
        assert_eq!(chunks.len(), 3);
        assert!(chunks.iter().all(|c| c.points.len() == 1));
        assert!(cut(0, 0, Vec::new(), 10, 10, usize::MAX).is_empty());
        let capped = cut(0, 0, points(10), 10, 1_000_000, 4);
        assert_eq!(capped.iter().map(|c| c.points.len()).collect::<Vec<_>>(), [4, 4, 2]);
    }
}
