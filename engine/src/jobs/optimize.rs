//! The optimisation job body (`POST /submit`, `qe run`): load, search with walk-forward validation, write the
//! artifacts, persist the run, and answer the original's `GET /result/{id}` `result` object.

use super::{JobContext, JobError};
use crate::data::{self, LoadOptions, SessionColumn};
use crate::optimize::{self as opt, artifacts, OptimizeError, OptimizeOutcome, RunContext};
use crate::store::runs::{self, NewRun};
use model::jobs::JobStatus;
use model::results::OptimizeResult;
use model::spec::experiment::ExperimentSpec;

/// Share of the progress bar spent loading data; the search takes the rest but the last percent (artifacts).
const LOAD_SHARE: f64 = 0.05;
const SEARCH_SHARE: f64 = 0.94;

/// Runs `spec` as the run `ctx.run_id`. With a store, the `experiment_runs` row is created (or an existing
/// `QUEUED` one set) `RUNNING` first; metrics, every trial and `FINISHED` are then written in one transaction.
/// On any error the run is marked `FAILED` (`CANCELLED` after a cancellation) before the error is returned.
pub async fn execute(ctx: &JobContext, spec: ExperimentSpec) -> Result<OptimizeResult, JobError> {
    let out_dir = ctx.out_dir.display().to_string();
    if let Some(store) = &ctx.store {
        let run = NewRun {
            run_id: ctx.run_id.clone(),
            objective: Some(spec.strategy.objective.key().to_string()),
            out_dir: Some(out_dir.clone()),
            ..Default::default()
        };
        runs::create_or_running(store, &run).await?;
    }
    let result = run_and_record(ctx, spec, &out_dir).await;
    if let (Err(e), Some(store)) = (&result, &ctx.store) {
        let status = if matches!(e, JobError::Cancelled) {
            JobStatus::Cancelled
        } else {
            JobStatus::Failed
        };
        if let Err(store_err) = runs::finish(store, &ctx.run_id, status).await {
            tracing::error!(run_id = %ctx.run_id, error = %store_err, "could not mark the run {}", status.run_label());
        }
    }
    result
}

async fn run_and_record(ctx: &JobContext, spec: ExperimentSpec, out_dir: &str) -> Result<OptimizeResult, JobError> {
    let outcome = ctx.blocking(move |ctx| compute(ctx, &spec)).await?;
    if let Some(store) = &ctx.store {
        let metrics = outcome.metric_values();
        let trials = outcome.stored_trials();
        let report = outcome.overfitting();
        runs::record_outcome(
            store,
            &ctx.run_id,
            &metrics,
            &trials,
            Some(&report),
            JobStatus::Completed,
        )
        .await?;
    }
    ctx.report(1.0, "finished");
    Ok(outcome.result(out_dir))
}

/// How an optimisation loads its bars from `base`: no MySQL schema default (submit specs), and no sessions, which
/// the optimiser never reads.
pub fn load_options(base: LoadOptions) -> LoadOptions {
    LoadOptions {
        mysql_schema_default: None,
        sessions: SessionColumn::Skip,
        ..base
    }
}

/// The blocking part: load, search, write the artifacts.
fn compute(ctx: &JobContext, spec: &ExperimentSpec) -> Result<OptimizeOutcome, JobError> {
    if ctx.is_cancelled() {
        return Err(JobError::Cancelled);
    }
    ctx.report(0.0, "loading data");
    let series = data::load(&spec.data, &load_options(ctx.load_options()))?;
    if ctx.is_cancelled() {
        return Err(JobError::Cancelled);
    }
    let _memory = super::budget::admit(&super::budget::optimize(spec, &series), ctx)?;
    let progress = |f: f64, m: &str| ctx.report(LOAD_SHARE + SEARCH_SHARE * f, m);
    let remote = ctx
        .nats
        .as_ref()
        .map(|n| n.trials(&ctx.run_id, tokio::runtime::Handle::current()));
    let rc = RunContext::new(&progress, &ctx.cancel);
    let rc = match &remote {
        Some(r) => rc.on(r),
        None => rc,
    };
    let outcome = opt::run(spec, &series, &rc).map_err(|e| match e {
        OptimizeError::Cancelled => JobError::Cancelled,
        other => JobError::Failed(other.to_string()),
    })?;
    ctx.report(LOAD_SHARE + SEARCH_SHARE, "writing artifacts");
    artifacts::write_all(&outcome, &ctx.out_dir).map_err(|e| JobError::Artifact {
        path: e.path.display().to_string(),
        reason: e.reason,
    })?;
    Ok(outcome)
}

#[cfg(test)]
#[path = "optimize_tests.rs"]
mod tests;
