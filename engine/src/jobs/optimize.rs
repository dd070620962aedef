//! TEMPORARY placeholder until the `opt` branch lands (never merged to main as is).
use super::{JobContext, JobError};
use serde_json::Value;

/// Placeholder.
pub async fn execute(_ctx: &JobContext, _spec: impl Sized) -> Result<Value, JobError> {
    Err(JobError::Failed("not wired yet".into()))
}
