//! The optimisation job (submit): a search over EMA-cross parameters with walk-forward validation.
//!
//! Per symbol: each EMA pair's signal is built once per wave of trials and shared by them; trials run in parallel
//! (rayon), each reduced to metrics while it runs; parameters are selected on each fold's train window by
//! the spec's objective and evaluated on its test window; the selected path is stitched out of sample and
//! the selected trial gets a deflated Sharpe ratio. `train_months: 0` selects in-sample (and says so).

pub mod artifacts;
mod batch;
pub mod chunks;
pub mod dsr;
mod evaluate;
mod indicators;
mod overfitting;
pub mod replay;
mod result;
mod rows;
pub use result::{artifact_path, fold_file, iso, params_of};
pub use rows::metric_pairs;
mod select;
pub mod signals;
pub mod space;
pub mod tpe;

pub use indicators::IndicatorCache;
pub use space::TrialParams;

use crate::backtest::{BacktestMetrics, Trade};
use crate::data::Bars;
use model::spec::experiment::{ExperimentSpec, Objective};
use std::sync::atomic::AtomicBool;

/// Progress reporting and cancellation for a run. `progress(fraction 0…1, message)` may be called from
/// worker threads; `cancel` is checked between trials.
#[derive(Clone, Copy)]
pub struct RunContext<'a> {
    pub progress: &'a (dyn Fn(f64, &str) + Sync),
    pub cancel: &'a AtomicBool,
    /// Where chunks of trials run: this process's cores unless a job hands them to `qe worker`s.
    pub trials: &'a dyn chunks::TrialExecutor,
    /// Whether the overfitting figures (per-block sums, PBO, DSRs, robustness) are measured; off only in the
    /// benchmark that prices them.
    pub overfitting: bool,
}

impl<'a> RunContext<'a> {
    /// A context from a progress callback and a cancel flag, evaluating trials in this process.
    pub fn new(progress: &'a (dyn Fn(f64, &str) + Sync), cancel: &'a AtomicBool) -> Self {
        Self {
            progress,
            cancel,
            trials: &chunks::InProcess,
            overfitting: true,
        }
    }

    /// The same context without the overfitting figures (the `overfitting` benchmark's baseline).
    pub fn without_overfitting(self) -> Self {
        Self {
            overfitting: false,
            ..self
        }
    }

    /// The same context with trials evaluated by `trials`.
    pub fn on(self, trials: &'a dyn chunks::TrialExecutor) -> Self {
        Self { trials, ..self }
    }
}

/// A progress callback that ignores every report.
pub fn no_progress(_: f64, _: &str) {}

/// Why a run did not produce an outcome.
#[derive(Debug, thiserror::Error)]
pub enum OptimizeError {
    #[error("the run was cancelled")]
    Cancelled,
    #[error("no bar series to optimise (the data selection is empty)")]
    NoSeries,
    /// Trials handed to `qe worker`s failed (a task's error, or NATS).
    #[error("{0}")]
    Remote(String),
}

pub use model::results::optimize::TrialStatus;

/// One evaluated trial.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrialResult {
    /// 0-based trial number in evaluation order.
    pub number: usize,
    pub params: TrialParams,
    pub status: TrialStatus,
    /// Train windows of all folds stitched in fold order (None without train windows).
    pub in_sample: Option<BacktestMetrics>,
    /// Test windows of all folds stitched in fold order.
    pub out_of_sample: BacktestMetrics,
    /// Per fold, the train-window metrics used for that fold's selection.
    pub train_folds: Vec<Option<BacktestMetrics>>,
    /// The objective on the out-of-sample metrics (None for failed trials or an undefined objective).
    pub objective_value: Option<f64>,
    /// The objective on the selection window (train in walk-forward mode, test in in-sample mode).
    pub selection_value: Option<f64>,
    /// Per-block sums of the stitched test windows (None for failed trials), for CSCV and N_eff.
    pub blocks: Option<crate::overfit::BlockSums>,
}

/// The selected parameters' path through one fold's test window.
#[derive(Debug, Clone)]
pub struct FoldPath {
    pub fold: usize,
    pub train_start: i64,
    pub train_end: i64,
    pub test_start: i64,
    pub test_end: i64,
    /// Index (= trial number) of the trial selected for this fold; None when no trial was eligible.
    pub selected: Option<usize>,
    pub metrics: BacktestMetrics,
    pub trades: Vec<Trade>,
    /// `(timestamp ms, equity)` after each test bar, continuing the stitched curve across folds.
    pub equity: Vec<(i64, f64)>,
}

/// The deflated Sharpe ratio of the best trial and its inputs (Sharpe values per return period).
pub type DsrReport = model::overfitting::Dsr;

/// Everything one symbol's optimisation produced.
#[derive(Debug, Clone)]
pub struct SymbolOutcome {
    pub symbol: String,
    pub bars_per_year: f64,
    pub trials: Vec<TrialResult>,
    /// Trial number of the best trial (by the objective on its selection window).
    pub best: Option<usize>,
    pub folds: Vec<FoldPath>,
    /// Metrics of the stitched walk-forward path (None without folds).
    pub walk_forward: Option<BacktestMetrics>,
    /// PBO, deflated Sharpe ratios and the optimum's robustness.
    pub overfitting: model::overfitting::SymbolOverfitting,
}

/// The result of [`run`]: one outcome per symbol, in input order.
#[derive(Debug, Clone)]
pub struct OptimizeOutcome {
    pub objective: Objective,
    /// True when there is no train window, so parameters were selected on the data they are reported on.
    pub in_sample_selection: bool,
    /// True when `atr_k` was a searched dimension (then reported in every trial's params).
    pub atr_k_searched: bool,
    pub symbols: Vec<SymbolOutcome>,
}

/// Runs the optimisation of `spec` over `series` (one `Bars` per symbol, each run independently).
pub fn run(spec: &ExperimentSpec, series: &[Bars], ctx: &RunContext) -> Result<OptimizeOutcome, OptimizeError> {
    if series.is_empty() {
        return Err(OptimizeError::NoSeries);
    }
    let n = series.len() as f64;
    let mut symbols = Vec::with_capacity(series.len());
    for (k, bars) in series.iter().enumerate() {
        let report = move |f: f64, msg: &str| (ctx.progress)((k as f64 + f) / n, &format!("{}: {msg}", bars.symbol));
        let sub = RunContext {
            progress: &report,
            ..*ctx
        };
        symbols.push(evaluate::optimize_symbol(spec, bars, k, &sub)?);
    }
    (ctx.progress)(1.0, "done");
    Ok(OptimizeOutcome {
        objective: spec.strategy.objective,
        in_sample_selection: spec.strategy.validation.train_months == 0,
        atr_k_searched: spec.strategy.search_space.atr_k_searched,
        symbols,
    })
}

/// The objective's value on `m` (None when undefined, e.g. profit factor without a losing trade).
pub fn objective_value(objective: Objective, m: &BacktestMetrics) -> Option<f64> {
    let v = match objective {
        Objective::Sharpe => m.sharpe,
        Objective::Sortino => m.sortino,
        Objective::Cagr => m.cagr,
        Objective::Calmar => m.calmar,
        Objective::ProfitFactor => m.profit_factor?,
        Objective::Expectancy => m.expectancy,
        Objective::Sqn => m.sqn,
    };
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests;
