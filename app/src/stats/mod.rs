//! Market stats: the filtered table (paged on the server) and the lift heatmap.

pub mod page;
#[cfg(feature = "ssr")]
mod ssr;

#[cfg(feature = "ssr")]
use crate::server_fns;
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
    /// Each row's stored condition value (None: rows without one), which also links a cell to its rows.
    pub condition_values: Vec<Option<String>>,
    pub targets: Vec<String>,
    pub cells: Vec<Vec<Option<LiftCell>>>,
}

impl LiftGrid {
    /// The rows' labels: each condition value, `(none)` for rows without one.
    pub fn labels(&self) -> Vec<String> {
        let label = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        self.condition_values.iter().map(label).collect()
    }

    /// The colour scale of the cells with enough observations (insufficient cells are drawn grey and do not stretch
    /// it), centred on no lift.
    pub fn scale(&self) -> crate::charts::color::Scale {
        let sufficient = self.cells.iter().flatten().flatten().filter(|c| !c.insufficient);
        crate::charts::color::Scale::diverging(0.0, sufficient.map(|c| c.lift))
    }
}

/// The filters as the server applied them (blank = all).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsFilter {
    pub symbol: Option<String>,
    pub timeframe: Option<String>,
    pub event: Option<String>,
    pub condition_name: Option<String>,
    /// One condition value (a heatmap cell's rows).
    pub condition_value: Option<String>,
    pub target: Option<String>,
    pub split: Option<String>,
    pub significant: bool,
    /// Also rows flagged insufficient (fewer observations than the spec's `min_samples`), hidden by default.
    pub all: bool,
    pub bayes: bool,
    /// `<column>.<asc|desc>` of a sortable column; None: lift, descending.
    pub sort: Option<String>,
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

/// The stats table and heatmap for the given filters.
#[server]
pub async fn get_stats(filter: StatsFilter) -> Result<StatsView, ServerFnError> {
    use crate::server_fns::non_empty;
    let store = server_fns::store()?;
    let filter = StatsFilter {
        symbol: non_empty(filter.symbol),
        timeframe: non_empty(filter.timeframe),
        event: non_empty(filter.event),
        condition_name: non_empty(filter.condition_name),
        condition_value: non_empty(filter.condition_value),
        target: non_empty(filter.target),
        split: non_empty(filter.split),
        sort: non_empty(filter.sort),
        page: filter.page.max(1),
        ..filter
    };
    ssr::view(&store, filter).await.map_err(server_fns::fail)
}
