//! The result documents of the four job kinds, as `GET /result/{id}` and the synchronous POSTs answer them and as
//! `result.json` stores them. Each keeps the original's keys and order; ours sit alongside.

pub mod optimize;
pub mod seasonality;
pub mod stats;
pub(crate) mod wire;

pub use optimize::OptimizeResult;
pub use seasonality::{SeasonalityOptimizeResult, SeasonalityResult};
pub use stats::StatsResult;

use serde::Serialize;

/// The result of a finished job, by kind. It serialises as the bare document of its kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum JobResult {
    Optimize(Box<OptimizeResult>),
    Stats(StatsResult),
    Seasonality(Box<SeasonalityResult>),
    SeasonalityOptimize(Box<SeasonalityOptimizeResult>),
}

/// `{"result": …}`: a job's result, null while it is unknown, unfinished or failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultAnswer<T> {
    pub result: Option<T>,
}
