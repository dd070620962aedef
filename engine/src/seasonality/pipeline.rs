//! The seasonality run (reference §2.10 steps 3–5): folds, profiles learned on each fold's train window, bins
//! selected, the signal built on the test window, the shared backtest, metrics per fold, the best fold in the
//! original's sense, and the stitched out-of-sample result.

use super::backtest::{backtest_fold, run_bars_per_year, FoldBacktest, Stitched, SymbolData};
use super::{
    check_lengths, profile_windows, profile_with, select_bins, signal_on, Calendar, Dim, ProfileSettings, Profiles,
    Rules, SeasonalityError, Window,
};
use crate::backtest::{cost_fraction, BacktestMetrics, Params};
use crate::data::Bars;
use crate::overfit::{BlockLayout, BlockSums};
use crate::validate::{walk_forward, WalkForward};
use model::spec::seasonality::SeasonalitySpec;
use rayon::prelude::*;
use std::ops::Range;

/// One fold's windows: per symbol a train and a test range, and the window bounds (None when in-sample).
#[derive(Debug, Clone, PartialEq)]
pub struct FoldWindows {
    pub index: usize,
    pub train: Vec<Range<usize>>,
    pub test: Vec<Range<usize>>,
    /// `[train_start, train_end, test_start, test_end]` in epoch ms (end exclusive).
    pub bounds: Option<[i64; 4]>,
}

/// Splits every series into folds. With `validation.folds > 1` the original's splitter runs on the union of all
/// symbols' timestamps (one set of calendar windows for every symbol); with `folds ≤ 1`, or when the splitter finds
/// no fold, a single in-sample fold trains and tests on everything. Returns the folds and the in-sample flag.
pub fn fold_windows(spec: &SeasonalitySpec, series: &[Bars]) -> (Vec<FoldWindows>, bool) {
    let v = &spec.validation;
    let all = || FoldWindows {
        index: 0,
        train: series.iter().map(|b| 0..b.len()).collect(),
        test: series.iter().map(|b| 0..b.len()).collect(),
        bounds: None,
    };
    if v.folds <= 1 {
        return (vec![all()], true);
    }
    let mut ts: Vec<i64> = series.iter().flat_map(|b| b.ts.iter().copied()).collect();
    ts.sort_unstable();
    let cfg = WalkForward {
        train_months: v.train_months.max(0) as u32,
        test_months: v.test_months.max(0) as u32,
        folds: v.folds as u32,
        embargo_days: v.embargo_days.max(0) as u32,
    };
    let folds = walk_forward(&ts, &cfg);
    if folds.is_empty() {
        return (vec![all()], true);
    }
    let windows = folds
        .iter()
        .map(|f| {
            let range =
                |b: &Bars, lo: i64, hi: i64| b.ts.partition_point(|&t| t < lo)..b.ts.partition_point(|&t| t < hi);
            FoldWindows {
                index: f.index,
                train: series.iter().map(|b| range(b, f.train_start, f.train_end)).collect(),
                test: series.iter().map(|b| range(b, f.test_start, f.test_end)).collect(),
                bounds: Some([f.train_start, f.train_end, f.test_start, f.test_end]),
            }
        })
        .collect();
    (windows, false)
}

/// A processed fold: its profiles (learned on train), rules, and backtest on test.
#[derive(Debug, Clone)]
pub struct FoldOutcome {
    pub windows: FoldWindows,
    pub profiles: Profiles,
    pub rules: Rules,
    pub backtest: FoldBacktest,
}

/// The whole run: processed folds, the best fold (index into `folds`), the stitched out-of-sample metrics.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub symbols: Vec<String>,
    pub folds: Vec<FoldOutcome>,
    pub best: Option<usize>,
    pub in_sample: bool,
    pub oos: BacktestMetrics,
    pub oos_per_symbol: Vec<(String, BacktestMetrics)>,
    /// Per-block sums of the pooled out-of-sample returns (CSCV, N_eff).
    pub oos_blocks: BlockSums,
    pub bars_per_year: f64,
}

/// The backtest parameters of a spec: stop in ATRs (`tp_sl.stop_loss`, null → 1), target in R (`take_profit`,
/// null → 1), costs from `execution`.
pub fn params(spec: &SeasonalitySpec) -> Params {
    Params {
        atr_k: spec.tp_sl.stop_loss.unwrap_or(1.0),
        r_mult: spec.tp_sl.take_profit.unwrap_or(1.0),
        cost: cost_fraction(spec.execution.slippage_bps, spec.execution.commission_bps),
    }
}

/// How a fold gets its profiles: computed from the train window, or supplied (the optimiser's cache).
pub trait ProfileSource {
    /// The profiles of fold `k` (position in `prep.folds`), learned on its train window.
    fn profiles(&self, prep: &Prepared, k: usize) -> Result<Profiles, SeasonalityError>;
}

/// Profiles computed on demand from a fold's train window on a list of dims.
pub struct SpecProfiles<'a> {
    pub spec: &'a SeasonalitySpec,
    pub dims: Vec<Dim>,
}

impl<'a> SpecProfiles<'a> {
    /// The dims the spec's `profile.by_*` flags enable (the run).
    pub fn enabled(spec: &'a SeasonalitySpec) -> Self {
        SpecProfiles {
            spec,
            dims: Dim::enabled(&spec.profile),
        }
    }

    /// The enabled dims plus every dim named in `extra` (an optimiser trial profiles the dims it selects).
    pub fn with(spec: &'a SeasonalitySpec, extra: &[Dim]) -> Self {
        let mut dims = Dim::enabled(&spec.profile);
        for &d in extra {
            if !dims.contains(&d) {
                dims.push(d);
            }
        }
        SpecProfiles { spec, dims }
    }
}

impl ProfileSource for SpecProfiles<'_> {
    fn profiles(&self, prep: &Prepared, k: usize) -> Result<Profiles, SeasonalityError> {
        profile_windows(self.spec, &prep.train_windows(k)?, &self.dims)
    }
}

/// One fold's profiles to compute: the fold (position in `prep.folds`), the settings and the dims.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldAsk {
    pub fold: usize,
    pub settings: ProfileSettings,
    pub dims: Vec<Dim>,
}

/// Where folds are profiled: this process's cores or `qe worker`s; the profiles are the same either way.
pub trait ProfileExecutor: Sync {
    /// The profiles of each ask, in order.
    fn profile(&self, prep: &Prepared, asks: &[FoldAsk]) -> Result<Vec<Profiles>, SeasonalityError>;
}

/// This process's cores: every ask at once on the rayon pool.
pub struct InProcess;

impl ProfileExecutor for InProcess {
    fn profile(&self, prep: &Prepared, asks: &[FoldAsk]) -> Result<Vec<Profiles>, SeasonalityError> {
        asks.par_iter()
            .map(|a| profile_with(&a.settings, &prep.train_windows(a.fold)?, &a.dims))
            .collect()
    }
}

/// Every usable fold's profiles, computed up front by an executor (the run's source).
pub struct FoldProfiles {
    by_fold: Vec<Option<Profiles>>,
}

impl FoldProfiles {
    /// Profiles every usable fold of `prep` on `dims` with `spec`'s settings.
    pub fn compute(
        spec: &SeasonalitySpec,
        prep: &Prepared,
        dims: &[Dim],
        executor: &dyn ProfileExecutor,
    ) -> Result<FoldProfiles, SeasonalityError> {
        let settings = ProfileSettings::of(spec);
        let asks: Vec<FoldAsk> = (0..prep.folds.len())
            .filter(|&k| prep.usable[k])
            .map(|fold| FoldAsk {
                fold,
                settings: settings.clone(),
                dims: dims.to_vec(),
            })
            .collect();
        let mut by_fold = vec![None; prep.folds.len()];
        for (a, p) in asks.iter().zip(executor.profile(prep, &asks)?) {
            by_fold[a.fold] = Some(p);
        }
        Ok(FoldProfiles { by_fold })
    }
}

impl ProfileSource for FoldProfiles {
    fn profiles(&self, _prep: &Prepared, k: usize) -> Result<Profiles, SeasonalityError> {
        Ok(self.by_fold[k].clone().unwrap_or_default())
    }
}

/// Everything computed once per run and reused by every evaluation of it (the optimiser's trials share it).
pub struct Prepared<'a> {
    pub series: &'a [Bars],
    pub data: Vec<SymbolData<'a>>,
    pub folds: Vec<FoldWindows>,
    pub in_sample: bool,
    /// Per fold: whether it is processed (some symbol has train bars and some has test bars).
    pub usable: Vec<bool>,
    /// Test-window calendars per fold and symbol (window-relative indices).
    pub test_calendars: Vec<Vec<Calendar>>,
    pub bars_per_year: f64,
    /// CSCV blocks over the usable folds' test windows, fold by fold, symbol by symbol (window `k · symbols + s`).
    pub layout: BlockLayout,
}

impl<'a> Prepared<'a> {
    /// Splits the series into folds and prepares test calendars and ATRs.
    pub fn new(spec: &SeasonalitySpec, series: &'a [Bars]) -> Prepared<'a> {
        let (folds, in_sample) = fold_windows(spec, series);
        let tom = (spec.profile.tom_before, spec.profile.tom_after);
        let usable = |f: &FoldWindows| f.train.iter().any(|r| !r.is_empty()) && f.test.iter().any(|r| !r.is_empty());
        let usable: Vec<bool> = folds.iter().map(usable).collect();
        let windows: Vec<Range<usize>> = folds
            .iter()
            .zip(&usable)
            .flat_map(|(f, &u)| f.test.iter().map(move |r| if u { r.clone() } else { 0..0 }))
            .collect();
        let calendars = || {
            folds
                .par_iter()
                .map(|f| {
                    series
                        .par_iter()
                        .zip(&f.test)
                        .map(|(b, r)| {
                            let rolls = b.roll_id.as_deref().map(|x| &x[r.clone()]);
                            Calendar::of(&b.ts[r.clone()], rolls, tom.0, tom.1)
                        })
                        .collect()
                })
                .collect()
        };
        let (test_calendars, data) = rayon::join(calendars, || series.par_iter().map(SymbolData::new).collect());
        Prepared {
            series,
            data,
            folds,
            in_sample,
            usable,
            test_calendars,
            bars_per_year: run_bars_per_year(series),
            layout: BlockLayout::new(&windows, spec.overfitting.blocks),
        }
    }

    /// The train windows of fold `k` (position in `folds`), one per symbol that has train bars, borrowed from the
    /// series. Where a window is also the fold's test window (in-sample), it carries the test calendar; where it
    /// starts at the series' first bar, the backtest's ATR.
    pub fn train_windows(&self, k: usize) -> Result<Vec<Window<'_>>, SeasonalityError> {
        let fold = &self.folds[k];
        let mut out = Vec::new();
        for (s, (b, r)) in self.series.iter().zip(&fold.train).enumerate() {
            check_lengths(b)?;
            if r.is_empty() {
                continue;
            }
            let mut w = Window::of(b, r.clone());
            if fold.test[s] == *r {
                w.calendar = Some(&self.test_calendars[k][s]);
            }
            if r.start == 0 {
                w.atr = Some(&self.data[s].atr[r.clone()]);
            }
            out.push(w);
        }
        Ok(out)
    }
}

/// Runs every fold of `prep` with `spec`'s selection, signal and backtest settings. Folds whose train or test
/// windows are empty for every symbol are skipped (as the original). `record` keeps trades and equity.
/// `cancelled` is polled between folds.
pub fn run(
    spec: &SeasonalitySpec,
    prep: &Prepared,
    source: &dyn ProfileSource,
    record: bool,
    cancelled: &dyn Fn() -> bool,
) -> Result<Option<RunOutcome>, SeasonalityError> {
    let params = params(spec);
    let mut stitched = Stitched::new(prep.series.len(), prep.layout.blocks());
    let mut folds = Vec::new();
    for (k, w) in prep.folds.iter().enumerate() {
        if cancelled() {
            return Ok(None);
        }
        if !prep.usable[k] {
            continue;
        }
        let profiles = source.profiles(prep, k)?;
        let rules = select_bins(&profiles.rows, &spec.signal, &spec.profile);
        let signals: Vec<Vec<bool>> = prep.test_calendars[k]
            .iter()
            .zip(&w.test)
            .map(|(cal, r)| signal_on(cal, r.len(), &rules))
            .collect();
        let backtest = backtest_fold(
            &prep.data,
            &w.test,
            &signals,
            &params,
            prep.bars_per_year,
            &mut stitched,
            (&prep.layout, k * prep.series.len()),
            record,
        );
        folds.push(FoldOutcome {
            windows: w.clone(),
            profiles,
            rules,
            backtest,
        });
    }
    let best = best_fold(&folds, spec.validation.min_trades);
    let symbols: Vec<String> = prep.series.iter().map(|b| b.symbol.clone()).collect();
    Ok(Some(RunOutcome {
        oos_per_symbol: symbols
            .iter()
            .zip(&stitched.per_symbol)
            .map(|(s, a)| (s.clone(), a.finish(prep.bars_per_year)))
            .collect(),
        symbols,
        folds,
        best,
        in_sample: prep.in_sample,
        oos: stitched.pooled.finish(prep.bars_per_year),
        oos_blocks: stitched.blocks,
        bars_per_year: prep.bars_per_year,
    }))
}

/// The original's best fold: at least `min_trades` trades and a strictly greater Sharpe than the best so far
/// (the first fold wins ties). Kept for `best_metrics`; the stitched result is the honest one.
pub fn best_fold(folds: &[FoldOutcome], min_trades: i64) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (k, f) in folds.iter().enumerate() {
        let m = &f.backtest.metrics;
        if (m.n_trades as i64) < min_trades {
            continue;
        }
        if best.is_none_or(|(_, s)| m.sharpe > s) {
            best = Some((k, m.sharpe));
        }
    }
    best.map(|(k, _)| k)
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
