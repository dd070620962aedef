//! Rows of a stats run as the API and the dashboard show them.

use serde::{Deserialize, Serialize};

/// The output columns in order: the original's 21 (§2.8), then `fold` and the `time_to_reversal` distribution.
pub const STAT_COLUMNS: [&str; 27] = [
    "symbol",
    "event",
    "condition_name",
    "condition_value",
    "target",
    "n",
    "successes",
    "p_hat",
    "ci_low",
    "ci_high",
    "p_mean",
    "p_map",
    "hdi_low",
    "hdi_high",
    "lift_freq",
    "lift_bayes",
    "insufficient",
    "split",
    "p_value",
    "q_value",
    "significant",
    "fold",
    "ttr_mean",
    "ttr_median",
    "ttr_q25",
    "ttr_q75",
    "ttr_q90",
];

/// One (symbol, split, fold, event, condition value, target) cell of a stats run.
/// For `time_to_reversal`, `successes` counts reversals seen within the horizon and `ttr_*` describe the
/// distribution of the original's integer outcome; the `ttr_*` fields are null for binary targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatRow {
    pub symbol: String,
    pub event: String,
    pub condition_name: Option<String>,
    pub condition_value: Option<String>,
    pub target: String,
    pub n: i64,
    pub successes: i64,
    pub p_hat: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub p_mean: f64,
    pub p_map: f64,
    pub hdi_low: Option<f64>,
    pub hdi_high: Option<f64>,
    pub lift_freq: f64,
    pub lift_bayes: f64,
    pub insufficient: bool,
    pub split: String,
    pub p_value: f64,
    pub q_value: f64,
    pub significant: bool,
    /// Walk-forward fold index; null when the spec has no `validation`.
    pub fold: Option<i64>,
    pub ttr_mean: Option<f64>,
    pub ttr_median: Option<f64>,
    pub ttr_q25: Option<f64>,
    pub ttr_q75: Option<f64>,
    pub ttr_q90: Option<f64>,
}

/// A stored `market_stats` row as `GET /stats` and `/stats/top` return it (§4.2): the original's columns,
/// `lift_freq`, `lift_bayes`, then the columns it never stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct StoredStatRow {
    pub id: i64,
    pub symbol: String,
    pub timeframe: String,
    pub event: String,
    pub condition_name: Option<String>,
    pub condition_value: Option<String>,
    pub target: String,
    pub split: String,
    pub n: i64,
    pub successes: i64,
    pub p_hat: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub lift: f64,
    pub start: String,
    pub end: String,
    pub spec_id: Option<String>,
    pub dataset_id: Option<String>,
    pub created_at: String,
    // The engine's store maps these four itself: null lifts fall back to `lift`, flags are stored as integers.
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub lift_freq: f64,
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub lift_bayes: f64,
    pub p_mean: Option<f64>,
    pub p_map: Option<f64>,
    pub hdi_low: Option<f64>,
    pub hdi_high: Option<f64>,
    pub p_value: Option<f64>,
    pub q_value: Option<f64>,
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub significant: Option<bool>,
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub insufficient: Option<bool>,
    pub fold: Option<i64>,
    pub ttr_mean: Option<f64>,
    pub ttr_median: Option<f64>,
    pub ttr_q25: Option<f64>,
    pub ttr_q75: Option<f64>,
    pub ttr_q90: Option<f64>,
}

/// One `GET /stats/summary` group: counts pooled per (condition, value, target) with a Wilson interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatSummaryRow {
    pub condition_name: Option<String>,
    pub condition_value: Option<String>,
    pub target: String,
    pub n: i64,
    pub successes: i64,
    pub p_hat: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// One `GET /stats/heatmap` cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeatmapCell {
    pub bin: Option<String>,
    pub p_hat: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub n: i64,
    pub lift: f64,
}

/// The distinct values of every filterable `market_stats` column, each sorted (the dashboard's drop-downs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatFacets {
    pub symbols: Vec<String>,
    pub timeframes: Vec<String>,
    pub events: Vec<String>,
    pub condition_names: Vec<String>,
    pub targets: Vec<String>,
    pub splits: Vec<String>,
}

/// A column the stats rows can be sorted by on the dashboard (`sort=<column>.<asc|desc>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatsOrder {
    N,
    PHat,
    Lift,
    QValue,
}

impl StatsOrder {
    /// Every column, in table order.
    pub const ALL: [StatsOrder; 4] = [StatsOrder::N, StatsOrder::PHat, StatsOrder::Lift, StatsOrder::QValue];

    /// The name in a `sort` value.
    pub fn as_str(self) -> &'static str {
        match self {
            StatsOrder::N => "n",
            StatsOrder::PHat => "p_hat",
            StatsOrder::Lift => "lift",
            StatsOrder::QValue => "q_value",
        }
    }

    /// A `sort` value (`n.desc`, `q_value.asc`): the column and whether descending; None for anything else.
    pub fn parse_sort(sort: &str) -> Option<(StatsOrder, bool)> {
        let (col, dir) = sort.split_once('.').unwrap_or((sort, "desc"));
        let order = Self::ALL.into_iter().find(|o| o.as_str() == col)?;
        match dir {
            "desc" => Some((order, true)),
            "asc" => Some((order, false)),
            _ => None,
        }
    }
}
