//! `GET /openapi.json`: the OpenAPI 3.1 document of the JSON API, generated (utoipa) from the `#[utoipa::path]` on
//! each handler and the wire types in `model`.

use axum::Json;
use model::api::Unprocessable;
use model::jobs::{
    CancelRequested, Cancelling, FailureReason, JobEvent, JobKind, JobRecord, JobStatus, Queued, StatsRan,
    StatusAnswer, Submitted, Unknown,
};
use model::overfitting::{
    Dsr, FoldDsr, LogitBin, Neighbourhood, Overfitting, ParamSensitivity, Pbo, ReturnPeriod, Robustness,
    SymbolOverfitting,
};
use model::results::{JobResult, OptimizeResult, SeasonalityOptimizeResult, SeasonalityResult, StatsResult};
use model::runs::{ArtifactFile, BacktestMetrics, RunDetail, RunMetrics, RunRow, RunSummary, TrialRow};
use model::seasonality::{
    Bin, CompareRow, LiftCorrelation, SeasonalityRunRow, SeasonalityTrial, StoredProfile, SymbolComparison, YearRow,
};
use model::stats::{HeatmapCell, StatRow, StatSummaryRow, StoredStatRow};
use model::tasks::{TaskRow, TaskStatus, TaskUnit, WorkerRow};
use model::trial::{EquityPoint, ExitReason, Side, TrialDetail, TrialFold, TrialTrade};
use model::{ApiError, Health, LocPart, ValidationError, ValidationItem};
use serde_json::Value;
use utoipa::openapi::example::Example;
use utoipa::{Modify, OpenApi};

use super::{artifacts, compare, jobs, levels, reads, trial};
use crate::serve;

/// The document, built on the first request (with the example specs parsed) and kept.
pub async fn document() -> Json<Value> {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    Json(
        DOC.get_or_init(|| serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null))
            .clone(),
    )
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Quant Engine API",
        version = "0.1.0",
        description = "Walk-forward optimisation, market statistics and seasonality jobs, and their stored results. \
                       Paths, parameters and shapes of the original Python engine are kept; see docs/compat/api.md."
    ),
    paths(
        serve::healthz, jobs::submit, jobs::status, jobs::result, jobs::list, jobs::tasks, jobs::workers, reads::runs,
        reads::run, reads::trials, trial::detail, trial::trades, artifacts::list, artifacts::download, reads::metrics,
        reads::overfitting, jobs::events, jobs::cancel, jobs::stats_run, jobs::stats_result, reads::stats,
        reads::stats_summary, reads::stats_heatmap, reads::stats_top, reads::stats_conditions, reads::filters_list,
        jobs::seasonality_run, jobs::seasonality_optimize, reads::profiles, reads::seasonality_runs,
        reads::seasonality_run, reads::seasonality_overfitting, reads::seasonality_trials, reads::seasonality_years,
        compare::compare, compare::correlation, levels::list, levels::active, levels::search, levels::nearest,
        levels::build, levels::fill
    ),
    components(schemas(
        ApiError, ValidationError, ValidationItem, LocPart, Unprocessable, Health, JobRecord, JobKind, JobStatus,
        FailureReason, StatusAnswer, Unknown, Queued, Submitted, StatsRan, Cancelling, CancelRequested, JobEvent,
        RunSummary, RunRow, RunDetail, RunMetrics, TrialRow, BacktestMetrics, StatRow, Overfitting, SymbolOverfitting,
        Pbo, LogitBin, Dsr, FoldDsr, ReturnPeriod, Robustness, Neighbourhood, ParamSensitivity, TaskRow, TaskStatus,
        TaskUnit, WorkerRow, ArtifactFile, TrialDetail, TrialFold, TrialTrade, EquityPoint, Side, ExitReason,
        StoredStatRow, StatSummaryRow, HeatmapCell, StoredProfile, SeasonalityRunRow, SeasonalityTrial, YearRow, Bin,
        CompareRow, LiftCorrelation, SymbolComparison, JobResult, OptimizeResult, StatsResult, SeasonalityResult,
        SeasonalityOptimizeResult
    )),
    modifiers(&SpecExamples),
    tags(
        (name = "health", description = "Liveness and the database in use"),
        (name = "jobs", description = "Submit, follow and cancel runs of every kind"),
        (name = "runs", description = "Optimisation runs, trials and metrics"),
        (name = "stats", description = "Market statistics"),
        (name = "seasonality", description = "Seasonality profiles and runs"),
        (name = "levels", description = "The original's levels module: not configured in this engine, every call \
                                         answers 500 `MySQL URL not configured for levels module`"),
    )
)]
pub struct ApiDoc;

/// Adds the example specs of `specs/` (built into the binary) to the request body of their job endpoint.
struct SpecExamples;

impl Modify for SpecExamples {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for example in engine::examples::embedded() {
            let Ok(value) = serde_json::from_str::<Value>(&example.text) else {
                continue;
            };
            let path = example.kind.endpoint();
            let body = doc
                .paths
                .paths
                .get_mut(path)
                .and_then(|item| item.post.as_mut())
                .and_then(|op| op.request_body.as_mut())
                .and_then(|body| body.content.get_mut("application/json"));
            if let Some(content) = body {
                let summary = format!("specs/{}.json", example.name);
                let example_value = Example::builder().summary(summary).value(Some(value)).build();
                content.examples.insert(example.name.clone(), example_value.into());
            }
        }
    }
}

pub(crate) const PAGE: &str = "Page number, 1…1,000,000 (default 1; above it 422 `less_than_equal`)";
pub(crate) const PAGE_SIZE: &str = "Rows per page, 1…500 (default 50)";
pub(crate) const FORMAT: &str = "json (default), csv or parquet; without it an `Accept: text/csv` or \
                      `application/vnd.apache.parquet` header asks for the file. A file holds every row unless \
                      `page` or `page_size` is given";
pub(crate) const DOWNLOADS: &str =
    "The rows as JSON, or as a CSV or Parquet download (nested objects as dotted columns)";
pub(crate) const INVALID_QUERY: &str = "Invalid query parameters, one item per parameter";

pub(crate) const REPLAY: &str =
    "The sweep keeps no per-trial series: the trial is re-run on the run's data, loaded again from its \
                      stored spec. `reproduced` is false when the data changed since the run.";
