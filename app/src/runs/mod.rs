//! Optimisation runs: the list, a run's summary, its leaderboard page, its parameter heatmap and its charts.

pub mod leaderboard;
pub mod page;
pub mod run_charts;
pub mod run_detail;
pub mod run_overfitting;
#[cfg(feature = "ssr")]
mod ssr;
pub mod trial;

use crate::charts::ChartSpec;
#[cfg(feature = "ssr")]
use crate::server_fns;
use leptos::prelude::*;
use model::runs::{RunRow, RunSummary};
use serde::{Deserialize, Serialize};

/// Trials per leaderboard page.
pub const PAGE_SIZE: i64 = 25;

/// One page of optimisation runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunList {
    pub runs: Vec<RunSummary>,
    pub page: i64,
    pub has_more: bool,
}

/// What the top of a run page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOverview {
    pub run: RunRow,
    /// Aggregated (walk-forward, out-of-sample) metrics by name.
    pub aggregated: Vec<(String, f64)>,
    /// Per fold, its test-window metrics.
    pub folds: Vec<(String, Vec<(String, f64)>)>,
    /// The selected parameters (`summary.json`, else the top trial by objective).
    pub best_params: Vec<(String, String)>,
    pub best_trial: Option<i64>,
    pub deflated_sharpe: Option<f64>,
    /// True when parameters were selected on the data they are reported on.
    pub in_sample: Option<bool>,
    pub n_trials: i64,
    /// Every parameter with its distinct values.
    pub params: Vec<(String, Vec<String>)>,
}

/// The metric columns of the leaderboard, in order (names of `trials` columns).
pub const METRIC_COLUMNS: [&str; 8] = [
    "objective_value",
    "sharpe",
    "sortino",
    "cagr",
    "max_dd",
    "hit_rate",
    "avg_r",
    "n_trades",
];

/// One leaderboard row: parameters aligned with [`Leaderboard::param_names`], metrics with [`METRIC_COLUMNS`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderRow {
    pub trial_number: i64,
    pub status: String,
    pub params: Vec<String>,
    pub metrics: Vec<Option<f64>>,
}

/// A page of trials, as sorted, filtered and paged on the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leaderboard {
    pub rows: Vec<LeaderRow>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    pub sort_field: String,
    pub descending: bool,
    pub param_names: Vec<String>,
}

/// The parameter heatmap and the choices it was drawn with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamHeatmap {
    pub chart: Option<ChartSpec>,
    pub x: String,
    pub y: String,
    pub metric: String,
    pub agg: String,
    pub params: Vec<String>,
    pub note: Option<String>,
    /// What the outlined cell is, with the best trial's neighbourhood from the overfitting report.
    pub neighbourhood: Option<String>,
}

/// The overfitting scatter and the equity/drawdown curves, each with a sentence when missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunCharts {
    pub scatter: Option<ChartSpec>,
    pub scatter_note: String,
    pub equity: Option<ChartSpec>,
    pub drawdown: Option<ChartSpec>,
    pub equity_note: String,
}

/// Optuna's staples on one metric: the history with its best-so-far line, each parameter's importance and one
/// slice per parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchViews {
    /// The metric drawn (a `METRIC_COLUMNS` name).
    pub metric: String,
    pub history: Option<ChartSpec>,
    pub importance: Option<ChartSpec>,
    /// Per searched parameter, the metric against its values.
    pub slices: Vec<(String, ChartSpec)>,
}

/// One symbol's overfitting figures with the charts of its PBO panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverfittingView {
    pub report: model::overfitting::SymbolOverfitting,
    /// The CSCV logits' histogram.
    pub logits: Option<ChartSpec>,
    /// Each split's in-sample best: in-sample against out-of-sample Sharpe.
    pub degradation: Option<ChartSpec>,
}

/// The overfitting panel of run `run_id`: one view per symbol (empty before reports were kept).
#[server]
pub async fn get_run_overfitting(run_id: String) -> Result<Vec<OverfittingView>, ServerFnError> {
    let store = server_fns::store()?;
    let report = engine::store::runs::get_overfitting(&store, &run_id)
        .await
        .map_err(server_fns::fail)?;
    Ok(ssr::overfitting::views(report.unwrap_or_default()))
}

/// Optimisation runs, newest first, 25 per page (`page` from 1).
#[server]
pub async fn list_optimize_runs(page: i64) -> Result<RunList, ServerFnError> {
    use engine::store::runs::{list_runs, RunFilter};
    let store = server_fns::store()?;
    let page = page.max(1);
    let runs = list_runs(
        &store,
        &RunFilter {
            page,
            page_size: 25,
            ..Default::default()
        },
    )
    .await
    .map_err(server_fns::fail)?;
    let has_more = runs.len() == 25;
    Ok(RunList { runs, page, has_more })
}

/// The summary of run `run_id`, or None for an unknown run.
#[server]
pub async fn get_run_overview(run_id: String) -> Result<Option<RunOverview>, ServerFnError> {
    let store = server_fns::store()?;
    ssr::overview(&store, &run_id).await.map_err(server_fns::fail)
}

/// One leaderboard page: `sort` = `<metric>.<asc|desc>`, `param`/`value` filter on one parameter.
#[server]
pub async fn get_leaderboard(
    run_id: String,
    sort: Option<String>,
    page: Option<i64>,
    param: Option<String>,
    value: Option<String>,
) -> Result<Leaderboard, ServerFnError> {
    let store = server_fns::store()?;
    let filter = server_fns::non_empty(param).zip(server_fns::non_empty(value));
    ssr::leaderboard(&store, &run_id, sort, page.unwrap_or(1), filter)
        .await
        .map_err(server_fns::fail)
}

/// The heatmap of `metric` over parameters `x` × `y`, the rest aggregated by `agg` (`max` or `mean`).
#[server]
pub async fn get_param_heatmap(
    run_id: String,
    x: Option<String>,
    y: Option<String>,
    metric: Option<String>,
    agg: Option<String>,
) -> Result<ParamHeatmap, ServerFnError> {
    let store = server_fns::store()?;
    ssr::heatmap(
        &store,
        &run_id,
        server_fns::non_empty(x),
        server_fns::non_empty(y),
        server_fns::non_empty(metric),
        server_fns::non_empty(agg),
    )
    .await
    .map_err(server_fns::fail)
}

/// The in-sample vs out-of-sample scatter and the best trial's equity curve with drawdown.
#[server]
pub async fn get_run_charts(run_id: String) -> Result<RunCharts, ServerFnError> {
    let store = server_fns::store()?;
    ssr::charts(&store, &run_id).await.map_err(server_fns::fail)
}

/// The search views of run `run_id` on `metric` (the objective when unset or unknown).
#[server]
pub async fn get_search_views(run_id: String, metric: Option<String>) -> Result<SearchViews, ServerFnError> {
    let store = server_fns::store()?;
    ssr::search(&store, &run_id, server_fns::non_empty(metric))
        .await
        .map_err(server_fns::fail)
}
