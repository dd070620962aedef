//! Market stats: the filtered table (paged on the server) and the lift heatmap.

use leptos::prelude::*;
use model::stats::{StatFacets, StoredStatRow};
use serde::{Deserialize, Serialize};

/// Rows per stats page.
pub const PAGE_SIZE: u32 = 50;

/// One heatmap cell: the lift and what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiftCell {
    pub lift: f64,
    pub n: i64,
    pub p_hat: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub q_value: Option<f64>,
    pub significant: bool,
    pub insufficient: bool,
    pub split: String,
}

/// Condition values (rows) × targets (columns); None where no row exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiftGrid {
    pub condition_values: Vec<String>,
    pub targets: Vec<String>,
    pub cells: Vec<Vec<Option<LiftCell>>>,
}

/// The filters as the server applied them (blank = all).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsFilter {
    pub symbol: Option<String>,
    pub timeframe: Option<String>,
    pub event: Option<String>,
    pub condition_name: Option<String>,
    pub target: Option<String>,
    pub split: Option<String>,
    pub significant: bool,
    pub bayes: bool,
    pub page: i64,
}

/// Everything the stats page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsView {
    pub facets: StatFacets,
    pub filter: StatsFilter,
    pub rows: Vec<StoredStatRow>,
    pub total: i64,
    pub page_size: i64,
    /// The heatmap's slice: symbol, timeframe, event, condition (filters, else the first of each).
    pub grid_of: Option<(String, String, String, String)>,
    pub grid: Option<LiftGrid>,
}

/// The stats table and heatmap for the given filters (`method` = `freq` or `bayes`).
#[server]
pub async fn get_stats(
    symbol: Option<String>,
    timeframe: Option<String>,
    event: Option<String>,
    condition_name: Option<String>,
    target: Option<String>,
    split: Option<String>,
    significant: Option<bool>,
    method: Option<String>,
    page: Option<i64>,
) -> Result<StatsView, ServerFnError> {
    use super::non_empty;
    let store = super::store()?;
    let filter = StatsFilter {
        symbol: non_empty(symbol),
        timeframe: non_empty(timeframe),
        event: non_empty(event),
        condition_name: non_empty(condition_name),
        target: non_empty(target),
        split: non_empty(split),
        significant: significant.unwrap_or(false),
        bayes: method.as_deref() == Some("bayes"),
        page: page.unwrap_or(1).max(1),
    };
    crate::backend::stats::view(&store, filter).await.map_err(super::fail)
}
