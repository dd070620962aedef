//! The run's `result` document in the original's shape (reference §2.10 step 6, response 27), with our additions
//! alongside: `in_sample`, `oos_metrics` (stitched out of sample), `oos_per_symbol`, `symbols`, and per fold
//! `per_symbol` metrics and the fold's `window`.

use super::pipeline::{FoldOutcome, RunOutcome};
use super::Rules;
use crate::backtest::BacktestMetrics;
use crate::time::to_datetime;
use model::results::seasonality::{FoldMetrics, FoldSummary, FoldWindow, SeasonalityResult};
use std::collections::BTreeMap;

/// Artifact paths of the best fold (`profiles`, `summary`, `trades`, `equity`; only those written).
pub type ArtifactPaths = BTreeMap<String, String>;

/// A fold's metrics with the original's fold keys: `fold_index` and `rules_counts`.
pub fn fold_metrics(m: &BacktestMetrics, fold_index: usize, rules: &Rules) -> FoldMetrics {
    FoldMetrics {
        metrics: *m,
        fold_index,
        rules_counts: rules.metadata.counts.clone(),
    }
}

fn utc_text(ms: i64) -> String {
    to_datetime(ms).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// One entry of `folds`: `{fold, metrics, rules}` plus `per_symbol` and `window`.
pub fn fold_summary(f: &FoldOutcome, symbols: &[String]) -> FoldSummary {
    FoldSummary {
        fold: f.windows.index,
        metrics: fold_metrics(&f.backtest.metrics, f.windows.index, &f.rules),
        rules: f.rules.clone(),
        per_symbol: f
            .backtest
            .per_symbol
            .iter()
            .map(|(s, m)| (symbols[*s].clone(), *m))
            .collect(),
        window: f.windows.bounds.map(|[a, b, c, d]| FoldWindow {
            train_start: utc_text(a),
            train_end: utc_text(b),
            test_start: utc_text(c),
            test_end: utc_text(d),
        }),
    }
}

/// The `result` document. `artifacts` are the best fold's paths.
pub fn result(outcome: &RunOutcome, artifacts: &ArtifactPaths, run_id: Option<&str>) -> SeasonalityResult {
    let best = outcome.best.map(|k| &outcome.folds[k]);
    SeasonalityResult {
        best_metrics: best.map(|f| fold_metrics(&f.backtest.metrics, f.windows.index, &f.rules)),
        active_bins: best.map(|f| f.rules.active_bins.clone()).unwrap_or_default(),
        rules_metadata: best.map(|f| f.rules.metadata.clone()),
        artifacts: best.map(|_| artifacts.clone()).unwrap_or_default(),
        folds: outcome
            .folds
            .iter()
            .map(|f| fold_summary(f, &outcome.symbols))
            .collect(),
        in_sample: outcome.in_sample,
        oos_metrics: Some(outcome.oos),
        oos_per_symbol: outcome.oos_per_symbol.clone(),
        symbols: outcome.symbols.clone(),
        run_id: run_id.map(str::to_string),
    }
}
