//! Seasonality: the runs, and for a chosen run and symbol the profile of every dim, the weekday × hour heatmap
//! and the multi-symbol lift-correlation matrix.

use crate::charts::ChartSpec;
use leptos::prelude::*;
use model::seasonality::SeasonalityRunRow;
use serde::{Deserialize, Serialize};

/// One dim's profile chart and its bin counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimProfile {
    pub dim: String,
    pub chart: ChartSpec,
    pub bins: usize,
    pub insufficient: usize,
}

/// Everything the seasonality page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeasonalityView {
    pub runs: Vec<SeasonalityRunRow>,
    /// The run whose profiles are shown (the chosen one, else the newest).
    pub run_id: Option<String>,
    pub symbols: Vec<String>,
    pub symbol: Option<String>,
    pub measure: Option<String>,
    pub profiles: Vec<DimProfile>,
    pub weekday_hour: Option<ChartSpec>,
    /// Dims the correlation matrix can be drawn for, and the chosen one.
    pub corr_dims: Vec<String>,
    pub corr_dim: Option<String>,
    pub correlation: Option<ChartSpec>,
}

/// The seasonality page for run `run`, symbol `symbol` and correlation dim `corr_dim` (each optional).
#[server]
pub async fn get_seasonality(
    run: Option<String>,
    symbol: Option<String>,
    corr_dim: Option<String>,
) -> Result<SeasonalityView, ServerFnError> {
    use super::non_empty;
    let store = super::store()?;
    crate::backend::seasonality::view(&store, non_empty(run), non_empty(symbol), non_empty(corr_dim))
        .await
        .map_err(super::fail)
}
