//! The optimisation result (`GET /result/{id}` of a `POST /submit` job, reference §2.6) and its `summary.json`:
//! the original's keys for the first symbol, every symbol under `symbols` when there are several.

use super::wire::{nan_if_null, whole_as_integer};
use crate::overfitting::Dsr;
use crate::runs::BacktestMetrics;
use crate::spec::experiment::Objective;
use serde::{Deserialize, Serialize};

/// A trial's fate: `COMPLETE`, `PRUNED` (fewer trades than `min_trades` on its selection window) or
/// `FAIL` (invalid parameters such as ema_fast ≥ ema_slow, or a non-finite objective).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum TrialStatus {
    Complete,
    Pruned,
    Fail,
}

crate::jobs::named_enum!(TrialStatus, "trial status", {
    Complete => "COMPLETE",
    Pruned => "PRUNED",
    Fail => "FAIL",
});

/// A trial's parameters: `R` is written as an integer when whole and `atr_k` only when it was searched.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmaParams {
    pub ema_fast: usize,
    pub ema_slow: usize,
    /// Take-profit distance in R (multiples of the stop distance).
    #[serde(rename = "R", serialize_with = "whole_as_integer", deserialize_with = "nan_if_null")]
    pub r: f64,
    /// Stop distance in ATRs, present when it is a searched dimension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub atr_k: Option<f64>,
}

/// One trial of the leaderboard: out-of-sample `metrics`, the stitched train windows' `in_sample` metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrialEntry {
    pub params: EmaParams,
    pub metrics: BacktestMetrics,
    pub in_sample: Option<BacktestMetrics>,
    pub trial_number: usize,
    pub status: TrialStatus,
    pub objective_value: Option<f64>,
}

/// The best trial with the paths of its per-fold `trades` and `equity` files and of `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BestTrial {
    pub params: EmaParams,
    pub metrics: BacktestMetrics,
    pub in_sample: Option<BacktestMetrics>,
    pub trial_number: usize,
    pub trades: Vec<String>,
    pub equity: Vec<String>,
    pub summary: String,
    pub deflated_sharpe: Option<Dsr>,
}

/// One walk-forward fold: its windows (ISO-8601 UTC), the trial chosen on its train window and its test metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalkForwardFold {
    pub fold: usize,
    pub train_start: String,
    pub train_end: String,
    pub test_start: String,
    pub test_end: String,
    pub trial_number: Option<usize>,
    pub params: Option<EmaParams>,
    pub metrics: BacktestMetrics,
}

/// The stitched out-of-sample path of the folds' chosen trials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalkForwardPath {
    pub metrics: Option<BacktestMetrics>,
    pub folds: Vec<WalkForwardFold>,
}

/// One symbol's optimisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SymbolResult {
    pub symbol: String,
    pub trials: Vec<TrialEntry>,
    pub best: Option<BestTrial>,
    pub walk_forward: WalkForwardPath,
    pub bars_per_year: f64,
}

/// The `result` of an optimisation job: the first symbol's keys at the top, as the original wrote them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptimizeResult {
    pub trials_path: String,
    #[serde(flatten)]
    pub first: SymbolResult,
    pub objective: Objective,
    /// True without train windows: trials were chosen on the data they are scored on.
    pub in_sample_selection: bool,
    /// Every symbol, present when there are several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbols: Option<Vec<SymbolResult>>,
}

impl OptimizeResult {
    /// Every symbol's result: `symbols` when there are several, else the first.
    pub fn per_symbol(&self) -> Vec<&SymbolResult> {
        match &self.symbols {
            Some(all) => all.iter().collect(),
            None => vec![&self.first],
        }
    }
}

/// One symbol's best trial in `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SymbolSummary {
    pub symbol: String,
    pub params: Option<EmaParams>,
    pub metrics: Option<BacktestMetrics>,
    pub in_sample: Option<BacktestMetrics>,
    pub walk_forward: Option<BacktestMetrics>,
    pub deflated_sharpe: Option<Dsr>,
}

/// `summary.json`: the best trial's `{params, metrics}` as the original wrote it, plus walk-forward and DSR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptimizeSummary {
    #[serde(flatten)]
    pub first: SymbolSummary,
    pub objective: Objective,
    pub in_sample_selection: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbols: Option<Vec<SymbolSummary>>,
}
