//! Seasonality: the runs, and for a chosen run and symbol the profile of every dim, the weekday × hour heatmap,
//! the per-year stability of a dim and the multi-symbol lift-correlation matrix.

pub mod page;
#[cfg(feature = "ssr")]
mod ssr;
pub mod stability;
pub mod trials;

use crate::charts::{BarChart, ChartSpec, HeatmapChart};
#[cfg(feature = "ssr")]
use crate::server_fns;
use leptos::prelude::*;
use model::seasonality::{Measure, SeasonalityRunRow, SeasonalityTrial};
use serde::{Deserialize, Serialize};

/// One dim's profile chart and its bin counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimProfile {
    pub dim: String,
    pub chart: ChartSpec,
    pub bins: usize,
    pub insufficient: usize,
}

/// One bin of a two-symbol comparison: each side's lift and n, and `lift_a − lift_b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareBin {
    pub bin: String,
    pub lift_a: Option<f64>,
    pub lift_b: Option<f64>,
    pub lift_diff: Option<f64>,
    pub n_a: u64,
    pub n_b: u64,
}

/// Two symbols compared on one dim (reference §2.12): bins both have, and the correlation of their lifts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub dim: String,
    pub symbol_a: String,
    pub symbol_b: String,
    pub correlation: Option<f64>,
    pub bins: Vec<CompareBin>,
}

/// One bin of the stability view: in how many years its lift was positive, out of the years it has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StabilityBin {
    pub bin: String,
    pub years: usize,
    pub positive: usize,
    pub mean_lift: Option<f64>,
    pub min_lift: Option<f64>,
}

/// Per-year stability of one dim of the chosen symbol: lift by year and bin, and the share of positive years.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stability {
    pub dim: String,
    pub years: usize,
    pub heatmap: HeatmapChart,
    pub positive: BarChart,
    pub bins: Vec<StabilityBin>,
}

/// Everything the seasonality page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeasonalityView {
    pub runs: Vec<SeasonalityRunRow>,
    /// The run whose profiles are shown (the chosen one, else the newest).
    pub run_id: Option<String>,
    pub symbols: Vec<String>,
    pub symbol: Option<String>,
    pub measure: Option<Measure>,
    pub profiles: Vec<DimProfile>,
    pub weekday_hour: Option<ChartSpec>,
    /// Dims the correlation matrix can be drawn for, and the chosen one.
    pub corr_dims: Vec<String>,
    pub corr_dim: Option<String>,
    pub correlation: Option<ChartSpec>,
    /// The chosen symbol against another (`?vs=`, else the next symbol) on the correlation dim.
    pub comparison: Option<Comparison>,
    /// Dims the stability view can show, the chosen one (`?years=`) and its view (None: no year cells stored).
    pub stability_dims: Vec<String>,
    pub stability_dim: Option<String>,
    pub stability: Option<Stability>,
    /// The chosen run's best trials by objective (at most [`TRIALS_SHOWN`]; none for a plain run), and how many
    /// it has.
    pub trials: Vec<SeasonalityTrial>,
    pub trial_count: usize,
}

/// Trials the seasonality page lists.
pub const TRIALS_SHOWN: usize = 20;

/// The seasonality page for run `run`, symbol `symbol`, correlation dim `corr_dim`, compared symbol `vs` and
/// stability dim `years` (each optional).
#[server]
pub async fn get_seasonality(
    run: Option<String>,
    symbol: Option<String>,
    corr_dim: Option<String>,
    vs: Option<String>,
    years: Option<String>,
) -> Result<SeasonalityView, ServerFnError> {
    use crate::server_fns::non_empty;
    let store = server_fns::store()?;
    let choice = ssr::Choice {
        run: non_empty(run),
        symbol: non_empty(symbol),
        corr_dim: non_empty(corr_dim),
        vs: non_empty(vs),
        years_dim: non_empty(years),
    };
    ssr::view(&store, choice).await.map_err(server_fns::fail)
}
