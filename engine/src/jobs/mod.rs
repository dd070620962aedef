//! Durable jobs: every kind of run (optimize, stats, seasonality) executes as a job with a run row, progress,
//! cancellation and a stored result.

mod context;

pub use context::{JobContext, JobError, ProgressFn};
pub mod seasonality;
