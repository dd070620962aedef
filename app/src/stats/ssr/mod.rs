//! Server-side body of the stats page: the `/stats` query with a count for paging, the facets for the filters,
//! and the lift grid of one (symbol, timeframe, event, condition) slice.

pub mod heatmap;

use crate::stats::ssr::heatmap::lift_grid;
use crate::stats::{StatsFilter, StatsView, PAGE_SIZE};
use engine::store::market_stats::{query, Method, StatsQuery};
use engine::store::stats_views::{count, facets};
use engine::store::{Store, StoreError};
use model::stats::StatsOrder;

/// Rows, count, facets and the lift grid for `filter`.
pub async fn view(store: &Store, filter: StatsFilter) -> Result<StatsView, StoreError> {
    let method = if filter.bayes { Method::Bayes } else { Method::Freq };
    let q = StatsQuery {
        symbol: filter.symbol.clone(),
        timeframe: filter.timeframe.clone(),
        event: filter.event.clone(),
        condition_name: filter.condition_name.clone(),
        condition_value: filter.condition_value.clone(),
        target: filter.target.clone(),
        split: filter.split.clone(),
        significant_only: filter.significant,
        sufficient_only: !filter.all,
        method,
        order: filter.sort.as_deref().and_then(StatsOrder::parse_sort),
        page: filter.page.clamp(1, u32::MAX as i64) as u32,
        page_size: PAGE_SIZE,
        ..Default::default()
    };
    let rows = query(store, &q).await?;
    let total = count(store, &q).await?;
    let facets = facets(store).await?;
    // The heatmap's slice: each filter, else the first value of its column (a stable choice across pages).
    let pick = |chosen: &Option<String>, all: &Vec<String>| chosen.clone().or_else(|| all.first().cloned());
    let grid_of = match (
        pick(&filter.symbol, &facets.symbols),
        pick(&filter.timeframe, &facets.timeframes),
        pick(&filter.event, &facets.events),
        pick(&filter.condition_name, &facets.condition_names),
    ) {
        (Some(s), Some(t), Some(e), Some(c)) => Some((s, t, e, c)),
        _ => None,
    };
    let grid = match &grid_of {
        Some((s, t, e, c)) => {
            let slice = StatsQuery {
                symbol: Some(s.clone()),
                timeframe: Some(t.clone()),
                event: Some(e.clone()),
                condition_name: Some(c.clone()),
                split: filter.split.clone(),
                significant_only: filter.significant,
                page_size: 5000,
                ..Default::default()
            };
            let cells = query(store, &slice).await?;
            (!cells.is_empty()).then(|| lift_grid(&cells, filter.bayes))
        }
        None => None,
    };
    Ok(StatsView {
        facets,
        filter,
        rows,
        total,
        page_size: PAGE_SIZE as i64,
        grid_of,
        grid,
    })
}
