//! Optimisation runs as the API and the dashboard show them: run rows, trial rows, metrics.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The metrics of one backtest (or of stitched out-of-sample windows). Key names keep the original's
/// (`sharpe`, `sortino`, `max_drawdown`, `cagr`, `hit_rate`, `avg_R`, `trades`); definitions in `docs/COMPAT.md`.
/// A value that is not finite is written `null` and read back as NaN.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BacktestMetrics {
    /// Annualised Sharpe of per-bar mark-to-market equity returns: mean / sample std × √(bars per year).
    #[serde(deserialize_with = "crate::results::wire::nan_if_null")]
    pub sharpe: f64,
    /// Annualised Sortino: mean / √(Σ min(0, r)² / n) × √(bars per year).
    #[serde(deserialize_with = "crate::results::wire::nan_if_null")]
    pub sortino: f64,
    /// Largest peak-to-trough fall of the equity curve, as a fraction of the peak (0…1).
    #[serde(deserialize_with = "crate::results::wire::nan_if_null")]
    pub max_drawdown: f64,
    /// Compound annual growth: final equity ^ (1 / elapsed years) − 1, on real elapsed time.
    #[serde(deserialize_with = "crate::results::wire::nan_if_null")]
    pub cagr: f64,
    /// Fraction of trades with a positive return.
    #[serde(deserialize_with = "crate::results::wire::nan_if_null")]
    pub hit_rate: f64,
    /// Mean R multiple: (exit − entry) / stop distance, fill prices net of costs.
    #[serde(deserialize_with = "crate::results::wire::nan_if_null")]
    #[serde(rename = "avg_R")]
    pub avg_r: f64,
    /// Number of trades as a float (the original's type).
    #[serde(deserialize_with = "crate::results::wire::nan_if_null")]
    pub trades: f64,
    /// Number of trades.
    pub n_trades: u64,
    /// Gross winning returns / gross losing returns (null when no trade lost).
    pub profit_factor: Option<f64>,
    /// Mean trade return (fraction of equity).
    #[serde(deserialize_with = "crate::results::wire::nan_if_null")]
    pub expectancy: f64,
    /// Fraction of bars ending in a position.
    #[serde(deserialize_with = "crate::results::wire::nan_if_null")]
    pub exposure: f64,
    /// CAGR / max drawdown (0 without drawdown).
    #[serde(deserialize_with = "crate::results::wire::nan_if_null")]
    pub calmar: f64,
    /// System quality number: √n × mean(R) / sample std(R) (0 below two trades).
    #[serde(deserialize_with = "crate::results::wire::nan_if_null")]
    pub sqn: f64,
}

/// One row of `GET /runs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct RunSummary {
    pub run_id: String,
    pub status: Option<String>,
    pub objective: Option<String>,
    pub out_dir: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// The `run` object of `GET /runs/{run_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct RunRow {
    pub id: i64,
    pub run_id: String,
    pub spec_id: Option<String>,
    pub dataset_id: Option<String>,
    pub status: Option<String>,
    pub objective: Option<String>,
    pub out_dir: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// `GET /runs/{run_id}`: the run row, its metrics and its overfitting report (null before the run finished).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunDetail {
    pub run: RunRow,
    pub metrics: RunMetrics,
    pub overfitting: Option<crate::overfitting::Overfitting>,
}

/// `{"aggregated": {name: value}, "folds": {"0": {name: value}}}` of `GET /runs/{run_id}/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunMetrics {
    pub aggregated: BTreeMap<String, f64>,
    pub folds: BTreeMap<String, BTreeMap<String, f64>>,
}

/// One row of `GET /runs/{run_id}/trials` (and of the `trials` table). `params_json` stays a JSON string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct TrialRow {
    pub trial_number: i64,
    pub params_json: Option<String>,
    pub objective_value: Option<f64>,
    pub status: Option<String>,
    pub n_trades: Option<i64>,
    pub max_dd: Option<f64>,
    pub sharpe: Option<f64>,
    pub sortino: Option<f64>,
    pub cagr: Option<f64>,
    pub hit_rate: Option<f64>,
    pub avg_r: Option<f64>,
}

/// One `run_metrics` value: `fold` None = aggregated over the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricValue {
    pub fold: Option<i64>,
    pub name: String,
    pub value: f64,
}

/// One artifact file of a run (`GET /runs/{id}/artifacts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArtifactFile {
    pub name: String,
    pub bytes: u64,
}
