//! The seasonality results: `POST /seasonality/run`'s run document (reference §2.10 step 6, response 27) and
//! `POST /seasonality/optimize`'s (response 28), with our additions alongside the original's keys.

use super::wire::{empty_object, ordered_map};
use crate::dim::Dim;
use crate::overfitting::Overfitting;
use crate::runs::BacktestMetrics;
use crate::seasonality::{Bin, Measure};
use crate::spec::seasonality::{Combine, SelectMethod};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Selected bins per dim, how to combine them, and the selection metadata, in the original's result shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rules {
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, Vec<Bin>>))]
    pub active_bins: BTreeMap<String, BTreeSet<Bin>>,
    pub combine: Combine,
    pub metadata: RulesMetadata,
    /// Turn-of-month window (trading days before the end, after the start) used when a rule is on `turn_of_month`.
    #[serde(skip, default = "default_tom")]
    pub tom: (u32, u32),
}

fn default_tom() -> (u32, u32) {
    (1, 3)
}

/// `{"thresholds": {dim: x|null}, "counts": {dim: k}, "method", "measure"}`; method and measure are absent when
/// there were no profiles at all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RulesMetadata {
    pub thresholds: BTreeMap<String, Option<f64>>,
    pub counts: BTreeMap<String, usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<SelectMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
}

/// A fold's backtest metrics with the original's fold keys: `fold_index` and the selected bins per dim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FoldMetrics {
    #[serde(flatten)]
    pub metrics: BacktestMetrics,
    pub fold_index: usize,
    pub rules_counts: BTreeMap<String, usize>,
}

/// A fold's train and test windows, ISO-8601 UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FoldWindow {
    pub train_start: String,
    pub train_end: String,
    pub test_start: String,
    pub test_end: String,
}

/// One entry of `folds`: the original's `{fold, metrics, rules}` plus metrics per symbol and the fold's window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FoldSummary {
    pub fold: usize,
    pub metrics: FoldMetrics,
    pub rules: Rules,
    #[serde(with = "ordered_map")]
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, BacktestMetrics>))]
    pub per_symbol: Vec<(String, BacktestMetrics)>,
    pub window: Option<FoldWindow>,
}

/// The result of `POST /seasonality/run`. Without any bar only the original's empty keys are present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeasonalityResult {
    /// The best fold's metrics; `{}` without a best fold.
    #[serde(with = "empty_object")]
    pub best_metrics: Option<FoldMetrics>,
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, Vec<Bin>>))]
    pub active_bins: BTreeMap<String, BTreeSet<Bin>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules_metadata: Option<RulesMetadata>,
    /// The best fold's artifact paths (`profiles`, `summary`, `trades`, `equity`; those written).
    pub artifacts: BTreeMap<String, String>,
    pub folds: Vec<FoldSummary>,
    pub in_sample: bool,
    /// The test windows stitched in fold order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oos_metrics: Option<BacktestMetrics>,
    #[serde(default, with = "ordered_map", skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, BacktestMetrics>))]
    pub oos_per_symbol: Vec<(String, BacktestMetrics)>,
    pub symbols: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}

impl SeasonalityResult {
    /// The original's shape for a run without any bar.
    pub fn empty(run_id: Option<String>) -> Self {
        Self {
            best_metrics: None,
            active_bins: BTreeMap::new(),
            rules_metadata: None,
            artifacts: BTreeMap::new(),
            folds: Vec::new(),
            in_sample: true,
            oos_metrics: None,
            oos_per_symbol: Vec::new(),
            symbols: Vec::new(),
            run_id,
        }
    }
}

/// A seasonality optimiser trial's parameters: `threshold` or `topk` as its method uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeasonalityTrialParams {
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub dims: Vec<Dim>,
    pub method: SelectMethod,
    pub combine: Combine,
    pub ret_horizon: i64,
    pub min_samples_bin: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topk: Option<i64>,
}

/// The files an optimisation wrote: its trials, its summary and, when a trial was best, that trial's run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptimizePaths {
    pub trials: String,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_run: Option<String>,
}

/// What the seasonality optimiser maximises: the stitched out-of-sample Sharpe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SeasonalityObjective {
    OosSharpe,
}

/// `summary.json` of a seasonality optimisation (the original's keys).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeasonalityOptimizeSummary {
    pub best_value: Option<f64>,
    /// `{}` without a best trial.
    #[serde(with = "empty_object")]
    pub best_params: Option<SeasonalityTrialParams>,
    /// `{}` without a best trial or when it had no eligible fold.
    #[serde(with = "empty_object")]
    pub best_metrics: Option<FoldMetrics>,
    pub n_trials: usize,
}

/// The result of `POST /seasonality/optimize`: the original's summary keys and `paths`, then ours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeasonalityOptimizeResult {
    pub best_value: Option<f64>,
    #[serde(with = "empty_object")]
    pub best_params: Option<SeasonalityTrialParams>,
    #[serde(with = "empty_object")]
    pub best_metrics: Option<FoldMetrics>,
    pub paths: OptimizePaths,
    pub n_trials: usize,
    pub seed: u64,
    pub objective: SeasonalityObjective,
    /// The best trial's test windows stitched in fold order.
    pub best_oos_metrics: Option<BacktestMetrics>,
    pub in_sample: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    pub overfitting: Overfitting,
}
