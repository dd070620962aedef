//! One optimisation trial replayed on demand (`GET /runs/{id}/trials/{trial}` and `/trades`): the sweep keeps only
//! metrics per trial, so its trades and equity are computed again from the stored spec and the run's data.

use crate::runs::BacktestMetrics;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The side of a trade (the EMA-cross strategy trades long only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Long,
}

/// Why a position was closed: its stop, its target, the opposite signal, or the end of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ExitReason {
    Stop,
    Target,
    Signal,
    End,
}

impl ExitReason {
    /// The reason as written in trades files and CSV downloads.
    pub fn as_str(self) -> &'static str {
        match self {
            ExitReason::Stop => "stop",
            ExitReason::Target => "target",
            ExitReason::Signal => "signal",
            ExitReason::End => "end",
        }
    }
}

/// One round trip of a replayed trial, in a fold's test window. Times are ISO-8601 UTC; prices are fills net of
/// costs; `pnl` is the trade's return as a fraction of equity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrialTrade {
    pub fold: usize,
    pub ts_entry: String,
    pub price_entry: f64,
    pub ts_exit: String,
    pub price_exit: f64,
    pub side: Side,
    pub r_multiple: f64,
    pub pnl: f64,
    pub exit_reason: ExitReason,
    /// Bars from the entry to the exit.
    pub bars_held: u64,
}

/// One fold of a replayed trial: its windows (ISO-8601 UTC), the train window's metrics (null without one) and the
/// test window's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrialFold {
    pub fold: usize,
    pub train_start: String,
    pub train_end: String,
    pub test_start: String,
    pub test_end: String,
    pub train: Option<BacktestMetrics>,
    pub test: BacktestMetrics,
}

/// A point of a replayed trial's out-of-sample equity curve (start 1, continuing across folds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EquityPoint {
    /// Epoch milliseconds (UTC).
    pub ts: i64,
    pub equity: f64,
}

/// A replayed trial: its stored row's identity and parameters, its metrics per fold and stitched, its equity curve
/// (at most [`EQUITY_POINTS`] points, evenly thinned) and every trade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrialDetail {
    pub run_id: String,
    pub trial_number: i64,
    pub symbol: String,
    /// The trial's parameters as stored (`params_json`).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: BTreeMap<String, serde_json::Value>,
    pub status: Option<String>,
    /// The run's objective (`sharpe`, `calmar`, …).
    pub objective: Option<String>,
    /// The stored out-of-sample objective value.
    pub objective_value: Option<f64>,
    /// True when the replay's out-of-sample metrics equal the stored ones; false means the data changed since.
    pub reproduced: bool,
    /// The train windows stitched in fold order (null without train windows).
    pub in_sample: Option<BacktestMetrics>,
    /// The test windows stitched in fold order.
    pub out_of_sample: BacktestMetrics,
    pub folds: Vec<TrialFold>,
    pub equity: Vec<EquityPoint>,
    pub trades: Vec<TrialTrade>,
}

/// The most equity points a [`TrialDetail`] carries.
pub const EQUITY_POINTS: usize = 2_000;
