//! Durable jobs: every kind of run (optimize, stats, seasonality) executes as a job with a stored row, progress,
//! cancellation and a result document. [`Jobs`] is the bounded executor; the job bodies live in one module per kind.

pub mod budget;
mod context;
mod execution;
mod leftovers;
pub mod nats;
pub mod optimize;
pub mod replay;
mod runner;
pub mod seasonality;
pub mod stats;

pub use context::{JobContext, JobError, ProgressFn};
pub use runner::{CancelOutcome, JobUpdate, Jobs, JobsConfig, Submission, SubmitError};

use model::spec::experiment::ExperimentSpec;
use model::spec::seasonality::SeasonalitySpec;
use model::spec::stats::StatsSpec;
use serde_json::Value;

pub use model::jobs::JobKind;
pub use model::results::JobResult;

/// A parsed spec ready to run.
#[derive(Debug, Clone)]
pub enum JobSpec {
    Optimize(Box<ExperimentSpec>),
    Stats(Box<StatsSpec>),
    Seasonality(Box<SeasonalitySpec>),
    SeasonalityOptimize(Box<SeasonalitySpec>),
}

impl JobSpec {
    /// Parses `value` as a spec of `kind`, with errors naming the field.
    pub fn parse(kind: JobKind, value: Value) -> Result<JobSpec, model::spec::SpecError> {
        use model::spec::{experiment, seasonality, stats};
        Ok(match kind {
            JobKind::Optimize => JobSpec::Optimize(Box::new(experiment::parse_experiment(value)?)),
            JobKind::Stats => JobSpec::Stats(Box::new(stats::parse_stats(value)?)),
            JobKind::Seasonality => JobSpec::Seasonality(Box::new(seasonality::parse_seasonality(value)?)),
            JobKind::SeasonalityOptimize => {
                JobSpec::SeasonalityOptimize(Box::new(seasonality::parse_seasonality(value)?))
            }
        })
    }

    /// The kind of job this spec runs as.
    pub fn kind(&self) -> JobKind {
        match self {
            JobSpec::Optimize(_) => JobKind::Optimize,
            JobSpec::Stats(_) => JobKind::Stats,
            JobSpec::Seasonality(_) => JobKind::Seasonality,
            JobSpec::SeasonalityOptimize(_) => JobKind::SeasonalityOptimize,
        }
    }

    /// The spec's `data` block (for checking paths before the job is queued).
    pub fn data(&self) -> &model::spec::DataSpec {
        match self {
            JobSpec::Optimize(s) => &s.data,
            JobSpec::Stats(s) => &s.data,
            JobSpec::Seasonality(s) | JobSpec::SeasonalityOptimize(s) => &s.data,
        }
    }
}

/// Runs the body of `spec`'s kind and returns its `result` document.
pub async fn execute(ctx: &JobContext, spec: JobSpec) -> Result<JobResult, JobError> {
    Ok(match spec {
        JobSpec::Optimize(s) => JobResult::Optimize(Box::new(optimize::execute(ctx, *s).await?)),
        JobSpec::Stats(s) => JobResult::Stats(stats::execute(ctx, *s).await?),
        JobSpec::Seasonality(s) => JobResult::Seasonality(Box::new(seasonality::run(ctx, *s).await?)),
        JobSpec::SeasonalityOptimize(s) => {
            JobResult::SeasonalityOptimize(Box::new(seasonality::optimize(ctx, *s).await?))
        }
    })
}

#[cfg(test)]
mod spec_props;
