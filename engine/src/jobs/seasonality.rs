//! Job bodies of `POST /seasonality/run` and `POST /seasonality/optimize` (and `qe seasonality …`): load the data
//! on the blocking pool, compute, write artifacts under the run's own directory, persist, return the `result`.
//!
//! With a store, the `seasonality_runs` row is inserted `running` first and always finished: `completed` with the
//! result (and, when `persistence.enabled`, the best fold's profiles upserted in the same transaction), or `failed`
//! with `{"error": …}`.

use super::{JobContext, JobError};
use crate::data::{Bars, LoadOptions};
use crate::seasonality::artifacts::{write_json, write_run, write_trials};
use crate::seasonality::optimize::{self as opt, TrialParams};
use crate::seasonality::pipeline::{self, FoldProfiles, InProcess, Prepared, ProfileExecutor, SpecProfiles};
use crate::seasonality::{payload, SeasonalityError};
use crate::store::seasonality::{complete_run, finish_run, insert_run, ProfileKey};
use crate::store::seasonality_trials::{insert_trials, SeasonalityTrialRow};
use model::jobs::JobStatus;
use model::overfitting::Overfitting;
use model::results::seasonality::{
    OptimizePaths, SeasonalityObjective, SeasonalityOptimizeResult, SeasonalityOptimizeSummary, SeasonalityResult,
};
use model::seasonality::{ProfileRow, YearRow};
use model::spec::seasonality::SeasonalitySpec;
use serde::Serialize;
use serde_json::{json, Value};

/// A run's result and the profiles behind it (the best fold's, else the last processed fold's) with their
/// per-year stability cells.
#[derive(Debug, Clone)]
pub struct RunDetails<R> {
    pub result: R,
    pub profiles: Vec<ProfileRow>,
    pub years: Vec<YearRow>,
}

/// Runs a seasonality spec as a job and returns the `result` object of `POST /seasonality/run`.
pub async fn run(ctx: &JobContext, spec: SeasonalitySpec) -> Result<SeasonalityResult, JobError> {
    run_detailed(ctx, spec).await.map(|d| d.result)
}

/// As [`run`], also returning the profiles (the CLI prints them).
pub async fn run_detailed(ctx: &JobContext, spec: SeasonalitySpec) -> Result<RunDetails<SeasonalityResult>, JobError> {
    let spec_c = spec.clone();
    persisted(ctx, &spec, async move {
        ctx.blocking(move |ctx| {
            let series = load(ctx, &spec_c)?;
            let _memory = super::budget::admit(&super::budget::seasonality(&series, 0), ctx)?;
            compute_run(ctx, &spec_c, &series)
        })
        .await
    })
    .await
}

/// Runs the seasonality optimiser as a job and returns `{best_value, best_params, best_metrics, paths}` and more.
pub async fn optimize(ctx: &JobContext, spec: SeasonalitySpec) -> Result<SeasonalityOptimizeResult, JobError> {
    let space = spec.compute.search_space.clone();
    let spec_c = spec.clone();
    let details = persisted(ctx, &spec, async move {
        let (details, trials, overfitting) = ctx
            .blocking(move |ctx| {
                let series = load(ctx, &spec_c)?;
                let budget = super::budget::seasonality(&series, spec_c.compute.trials());
                let _memory = super::budget::admit(&budget, ctx)?;
                let trials = opt::sample(&space, spec_c.compute.trials(), spec_c.compute.seed);
                compute_optimize(ctx, &spec_c, &series, &trials)
            })
            .await?;
        store_trials(ctx, &trials).await?;
        if let Some(store) = &ctx.store {
            crate::store::runs::save_overfitting(store, &ctx.run_id, &overfitting).await?;
        }
        Ok::<_, JobError>(details)
    })
    .await?;
    Ok(details.result)
}

fn load(ctx: &JobContext, spec: &SeasonalitySpec) -> Result<Vec<Bars>, JobError> {
    ctx.report(0.0, "loading data");
    let mut opts: LoadOptions = ctx.load_options();
    if opts.mysql_schema_default.is_none() {
        opts.mysql_schema_default = Some("marketdata".into());
    }
    Ok(crate::data::load(&spec.data, &opts)?)
}

fn job_err(e: SeasonalityError) -> JobError {
    match e {
        SeasonalityError::Write { path, reason } => JobError::Artifact { path, reason },
        SeasonalityError::Remote(e) => JobError::Failed(e),
        SeasonalityError::Cancelled => JobError::Cancelled,
        other => JobError::Spec {
            path: vec!["data".into()],
            message: other.to_string(),
        },
    }
}

/// Runs `work` with the job's fold profiler: `qe worker`s when NATS is configured, else this process's cores.
fn with_profiler<T>(ctx: &JobContext, work: impl FnOnce(&dyn ProfileExecutor) -> T) -> T {
    match &ctx.nats {
        Some(n) => work(&n.profiles(ctx, tokio::runtime::Handle::current())),
        None => work(&InProcess),
    }
}

fn compute_run(
    ctx: &JobContext,
    spec: &SeasonalitySpec,
    series: &[Bars],
) -> Result<RunDetails<SeasonalityResult>, JobError> {
    ctx.report(0.1, "profiling folds");
    let prep = Prepared::new(spec, series);
    let dims = SpecProfiles::enabled(spec).dims;
    let profiles = with_profiler(ctx, |p| FoldProfiles::compute(spec, &prep, &dims, p)).map_err(job_err)?;
    let outcome = pipeline::run(spec, &prep, &profiles, true, &|| ctx.is_cancelled())
        .map_err(job_err)?
        .ok_or(JobError::Cancelled)?;
    if outcome.symbols.is_empty() {
        return Ok(RunDetails {
            result: SeasonalityResult::empty(Some(ctx.run_id.clone())),
            profiles: Vec::new(),
            years: Vec::new(),
        });
    }
    ctx.report(0.9, "writing artifacts");
    let paths = write_run(&outcome, spec.profile.measure, &ctx.out_dir).map_err(job_err)?;
    let shown = outcome.best.or(outcome.folds.len().checked_sub(1));
    let (profiles, years) = shown
        .map(|k| {
            let p = &outcome.folds[k].profiles;
            (p.rows.clone(), p.years.clone())
        })
        .unwrap_or_default();
    Ok(RunDetails {
        result: payload::result(&outcome, &paths, Some(&ctx.run_id)),
        profiles,
        years,
    })
}

fn compute_optimize(
    ctx: &JobContext,
    spec: &SeasonalitySpec,
    series: &[Bars],
    trials: &[TrialParams],
) -> Result<
    (
        RunDetails<SeasonalityOptimizeResult>,
        Vec<opt::TrialRecord>,
        Overfitting,
    ),
    JobError,
> {
    ctx.report(0.05, "preparing folds and profiles");
    let prep = Prepared::new(spec, series);
    let progress = |done: usize, total: usize| ctx.report(0.1 + 0.8 * done as f64 / total.max(1) as f64, "trials");
    let outcome = with_profiler(ctx, |p| {
        opt::optimize_on(spec, &prep, trials, &progress, &|| ctx.is_cancelled(), p)
    })
    .map_err(job_err)?
    .ok_or(JobError::Cancelled)?;
    let out = &ctx.out_dir;
    let trials_path = out.join("seasonality_trials.parquet");
    write_trials(&outcome.trials, &trials_path).map_err(job_err)?;
    let best = outcome.best.map(|b| &outcome.trials[b]);
    let summary_path = out.join("summary.json");
    let summary = SeasonalityOptimizeSummary {
        best_value: best.map(|t| t.objective),
        best_params: best.map(|t| t.params.clone()),
        best_metrics: best.and_then(|t| t.best_metrics.clone()),
        n_trials: outcome.trials.len(),
    };
    write_json(&summary_path, &summary).map_err(job_err)?;
    // The best trial again, recorded: its fold artifacts under `best_run/` and its profiles for persistence.
    let (mut profiles, mut years) = (Vec::new(), Vec::new());
    let mut paths = OptimizePaths {
        trials: trials_path.display().to_string(),
        summary: summary_path.display().to_string(),
        best_run: None,
    };
    let mut best_run = None;
    if let Some(t) = best {
        let trial_spec = opt::apply(&t.params, spec);
        let source = SpecProfiles::with(&trial_spec, &t.params.dims);
        if let Some(run) = pipeline::run(&trial_spec, &prep, &source, true, &|| false).map_err(job_err)? {
            let dir = out.join("best_run");
            write_run(&run, trial_spec.profile.measure, &dir).map_err(job_err)?;
            paths.best_run = Some(dir.display().to_string());
            if let Some(k) = run.best {
                profiles = run.folds[k].profiles.rows.clone();
                years = run.folds[k].profiles.years.clone();
            }
            best_run = Some(run);
        }
    }
    let overfitting = Overfitting {
        symbols: vec![opt::overfitting(&prep, &outcome, best_run.as_ref())],
    };
    let result = SeasonalityOptimizeResult {
        best_value: summary.best_value,
        best_params: summary.best_params,
        best_metrics: summary.best_metrics,
        paths,
        n_trials: summary.n_trials,
        seed: spec.compute.seed,
        objective: SeasonalityObjective::OosSharpe,
        best_oos_metrics: best.map(|t| t.oos),
        in_sample: prep.in_sample,
        run_id: Some(ctx.run_id.clone()),
        overfitting: overfitting.clone(),
    };
    let details = RunDetails {
        result,
        profiles,
        years,
    };
    Ok((details, outcome.trials, overfitting))
}

fn profile_key(spec: &SeasonalitySpec) -> ProfileKey {
    ProfileKey {
        start: spec.data.start.as_ref().map(|t| t.text().to_string()),
        end: spec.data.end.as_ref().map(|t| t.text().to_string()),
        spec_id: spec.persistence.spec_id.clone(),
        dataset_id: spec.persistence.dataset_id.clone(),
    }
}

async fn start_row(ctx: &JobContext, spec: &SeasonalitySpec) -> Result<(), JobError> {
    if let Some(store) = &ctx.store {
        let out = ctx.out_dir.display().to_string();
        let p = &spec.persistence;
        insert_run(
            store,
            &ctx.run_id,
            p.spec_id.as_deref(),
            p.dataset_id.as_deref(),
            Some(&out),
        )
        .await?;
    }
    Ok(())
}

async fn fail_row(ctx: &JobContext, e: &JobError) {
    if let Some(store) = &ctx.store {
        let body = json!({"error": e.to_string()});
        if let Err(err) = finish_run(store, &ctx.run_id, JobStatus::Failed, &body).await {
            tracing::error!(run_id = %ctx.run_id, "cannot mark the seasonality run failed: {err}");
        }
    }
}

async fn finish_row<R: Serialize>(ctx: &JobContext, spec: &SeasonalitySpec, d: &RunDetails<R>) -> Result<(), JobError> {
    let Some(store) = &ctx.store else { return Ok(()) };
    let mut summary =
        serde_json::to_value(&d.result).map_err(|e| JobError::Failed(format!("cannot encode the result: {e}")))?;
    if let Value::Object(o) = &mut summary {
        o.remove("run_id");
    }
    let (rows, years): (&[ProfileRow], &[YearRow]) = if spec.persistence.enabled {
        (&d.profiles, &d.years)
    } else {
        (&[], &[])
    };
    complete_run(store, &ctx.run_id, &summary, rows, years, &profile_key(spec)).await?;
    Ok(())
}

/// Wraps a run body with the run row: inserted first, always finished.
async fn persisted<R: Serialize>(
    ctx: &JobContext,
    spec: &SeasonalitySpec,
    body: impl std::future::Future<Output = Result<RunDetails<R>, JobError>>,
) -> Result<RunDetails<R>, JobError> {
    start_row(ctx, spec).await?;
    let outcome = body.await;
    let outcome = match outcome {
        Ok(d) => finish_row(ctx, spec, &d).await.map(|_| d),
        Err(e) => Err(e),
    };
    if let Err(e) = &outcome {
        fail_row(ctx, e).await;
    }
    outcome
}

async fn store_trials(ctx: &JobContext, trials: &[opt::TrialRecord]) -> Result<(), JobError> {
    let Some(store) = &ctx.store else { return Ok(()) };
    let rows: Vec<SeasonalityTrialRow> = trials
        .iter()
        .map(|t| SeasonalityTrialRow {
            trial_number: t.number as i64,
            state: t.state.to_string(),
            objective: Some(t.objective),
            params_json: Some(serde_json::to_string(&t.params).unwrap_or_default()),
            metrics_json: Some(opt::trial_metrics_json(t)),
            oos_json: Some(opt::trial_oos_json(t)),
        })
        .collect();
    insert_trials(store, &ctx.run_id, &rows).await?;
    Ok(())
}

/// A fresh run id: 32 lowercase hex characters (the original's uuid4 hex form).
pub fn new_run_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

#[cfg(test)]
#[path = "seasonality_tests.rs"]
mod tests;
