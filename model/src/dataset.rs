//! Registered market-data files, as listed on the dashboard.

use serde::{Deserialize, Serialize};

/// One registered OHLCV series: a symbol in a file, with its extent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct DatasetRow {
    pub name: String,
    pub symbol: String,
    pub timeframe: String,
    pub path: String,
    pub n_bars: i64,
    /// First bar, UTC, `YYYY-MM-DD HH:MM:SS`.
    #[cfg_attr(feature = "sqlx", sqlx(rename = "start_ts"))]
    pub start: String,
    /// Last bar, UTC, `YYYY-MM-DD HH:MM:SS`.
    #[cfg_attr(feature = "sqlx", sqlx(rename = "end_ts"))]
    pub end: String,
}

/// What the overview page shows: the datasets and how many runs of each kind exist.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub datasets: Vec<DatasetRow>,
    pub optimize_runs: i64,
    pub stats_rows: i64,
    pub seasonality_runs: i64,
}
