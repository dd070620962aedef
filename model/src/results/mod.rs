//! The result documents of the four job kinds, as `GET /result/{id}` and the synchronous POSTs answer them and as
//! `result.json` stores them. Each keeps the original's keys and order; ours sit alongside.

pub mod optimize;
pub mod seasonality;
pub mod stats;
pub(crate) mod wire;

pub use optimize::OptimizeResult;
pub use seasonality::{SeasonalityOptimizeResult, SeasonalityResult};
pub use stats::StatsResult;

use crate::jobs::JobKind;
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

impl JobResult {
    /// The kind of job that produced this result.
    pub fn kind(&self) -> JobKind {
        match self {
            JobResult::Optimize(_) => JobKind::Optimize,
            JobResult::Stats(_) => JobKind::Stats,
            JobResult::Seasonality(_) => JobKind::Seasonality,
            JobResult::SeasonalityOptimize(_) => JobKind::SeasonalityOptimize,
        }
    }

    /// Reads a stored result document of a `kind` job.
    pub fn parse(kind: JobKind, text: &[u8]) -> Result<JobResult, serde_json::Error> {
        Ok(match kind {
            JobKind::Optimize => JobResult::Optimize(serde_json::from_slice(text)?),
            JobKind::Stats => JobResult::Stats(serde_json::from_slice(text)?),
            JobKind::Seasonality => JobResult::Seasonality(serde_json::from_slice(text)?),
            JobKind::SeasonalityOptimize => JobResult::SeasonalityOptimize(serde_json::from_slice(text)?),
        })
    }
}

/// `{"result": …}`: a job's result, null while it is unknown, unfinished or failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultAnswer<T> {
    pub result: Option<T>,
}
