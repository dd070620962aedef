//! `GET /openapi.json`: the OpenAPI 3.1 document of the JSON API, generated from the wire types in `model`
//! (utoipa). Each operation is described once here, next to the others, rather than on its handler.
#![allow(dead_code)]

use axum::Json;
use model::jobs::JobRecord;
use model::overfitting::{
    Dsr, FoldDsr, LogitBin, Neighbourhood, Overfitting, ParamSensitivity, Pbo, ReturnPeriod, Robustness,
    SymbolOverfitting,
};
use model::runs::{ArtifactFile, BacktestMetrics, RunMetrics, RunRow, RunSummary, TrialRow};
use model::seasonality::{Bin, SeasonalityRunRow, SeasonalityTrial, StoredProfile, YearRow};
use model::stats::{HeatmapCell, StatRow, StatSummaryRow, StoredStatRow};
use model::tasks::{TaskRow, TaskStatus, TaskUnit, WorkerRow};
use model::trial::{EquityPoint, ExitReason, Side, TrialDetail, TrialFold, TrialTrade};
use model::{ApiError, Health};
use serde_json::Value;
use utoipa::OpenApi;

/// The document, built once per request (it is small).
pub async fn document() -> Json<Value> {
    Json(serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null))
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
        healthz, submit, status, result, jobs, job_tasks, workers, runs, run, trials, trial, trial_trades, artifacts, artifact, metrics, overfitting, events, cancel, stats_run, stats_result,
        stats, stats_summary, stats_heatmap, stats_top, stats_conditions, filters_list, seasonality_run,
        seasonality_optimize, seasonality_profiles, seasonality_runs, seasonality_run_one, seasonality_overfitting, seasonality_trials,
        seasonality_years, seasonality_compare,
        seasonality_correlation, levels, levels_active, levels_search, levels_nearest, levels_build, levels_fill
    ),
    components(schemas(
        ApiError, ValidationError, ValidationItem, LocPart, Unprocessable, Health, JobRecord, RunSummary, RunRow, RunMetrics, TrialRow, BacktestMetrics, StatRow,
        Overfitting, SymbolOverfitting, Pbo, LogitBin, Dsr, FoldDsr, ReturnPeriod, Robustness, Neighbourhood,
        ParamSensitivity, TaskRow, TaskStatus, TaskUnit, WorkerRow, ArtifactFile, TrialDetail, TrialFold, TrialTrade, EquityPoint, Side, ExitReason,
        StoredStatRow, StatSummaryRow, HeatmapCell, StoredProfile, SeasonalityRunRow, SeasonalityTrial, YearRow, Bin
    )),
    tags(
        (name = "jobs", description = "Submit, follow and cancel runs of every kind"),
        (name = "runs", description = "Optimisation runs, trials and metrics"),
        (name = "stats", description = "Market statistics"),
        (name = "seasonality", description = "Seasonality profiles and runs"),
        (name = "levels", description = "The original's levels module: not configured in this engine, every call \
                                         answers 500 `MySQL URL not configured for levels module`"),
    )
)]
pub struct ApiDoc;

const PAGE: &str = "Page number, 1…1,000,000 (default 1; above it 422 `less_than_equal`)";
const PAGE_SIZE: &str = "Rows per page, 1…500 (default 50)";
const FORMAT: &str = "json (default), csv or parquet; without it an `Accept: text/csv` or \
                      `application/vnd.apache.parquet` header asks for the file. A file holds every row unless \
                      `page` or `page_size` is given";
const DOWNLOADS: &str = "The rows as JSON, or as a CSV or Parquet download (nested objects as dotted columns)";
const INVALID_QUERY: &str = "Invalid query parameters, one item per parameter";

/// FastAPI's 422 answer: `{"detail": [item, …]}`, one item per invalid parameter or field.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct ValidationError {
    detail: Vec<ValidationItem>,
}

/// One invalid parameter or field of a 422 answer, as pydantic describes it.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct ValidationItem {
    /// The kind of error: `missing`, `int_parsing`, `less_than_equal`, `value_error`, `json_invalid`, …
    r#type: String,
    /// Where: `["query", "page"]` or `["body", "events", 0, "params", "k"]`.
    loc: Vec<LocPart>,
    msg: String,
    /// The value refused (null when not kept).
    input: Value,
    /// pydantic's page about the kind of error.
    url: String,
    /// The bound or pattern broken, for bound and pattern errors (`{"le": 500}`).
    ctx: Option<Value>,
}

/// One step of a `loc`: a name or a list index.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum LocPart {
    Name(String),
    Index(u64),
}

/// The 422 of a job endpoint: a validation list for an invalid body or spec field, `{"detail": "…"}` for data
/// that cannot be loaded or fails validation.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum Unprocessable {
    Fields(ValidationError),
    Message(ApiError),
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health)))]
fn healthz() {}

#[utoipa::path(post, path = "/submit", tag = "jobs",
    request_body(content = Object, description = "Experiment spec (reference §1.4)"),
    params(("Prefer" = Option<String>, Header, description = "`respond-async` answers 202 at once")),
    responses(
        (status = 200, description = "Run completed: `{\"id\"}`", body = Object),
        (status = 202, description = "Queued: `{\"id\", \"status\"}`", body = Object),
        (status = 400, description = "`Invalid spec: …`", body = ApiError),
        (status = 403, description = "dataset_path outside the data root, or a MySQL source the operator did not allow", body = ApiError),
        (status = 422, description = "Invalid JSON (a list), or data missing or invalid (a message)", body = Unprocessable),
        (status = 429, description = "Queue full", body = ApiError)))]
fn submit() {}

#[utoipa::path(get, path = "/status/{id}", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, description = "`{\"status\"}`: queued, running, completed, failed, cancelled or unknown, \
                                            plus kind, progress, message, error, reason", body = Object)))]
fn status() {}

#[utoipa::path(get, path = "/result/{id}", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, description = "`{\"result\": …}`, null when unknown or unfinished", body = Object)))]
fn result() {}

#[utoipa::path(get, path = "/jobs", tag = "jobs",
    params(("kind" = Option<String>, Query, description = "optimize, stats, seasonality, seasonality_optimize"),
           ("status" = Option<String>, Query), ("page" = Option<i64>, Query, description = PAGE, minimum = 1, maximum = 1000000),
           ("page_size" = Option<i64>, Query, description = PAGE_SIZE, minimum = 1, maximum = 500)),
    responses((status = 200, body = [JobRecord]),
               (status = 422, description = INVALID_QUERY, body = ValidationError)))]
fn jobs() {}

#[utoipa::path(get, path = "/jobs/{id}/tasks", tag = "jobs",
    params(("id" = String, Path, description = "Job (run) id")),
    responses((status = 200, description = "The tasks `qe worker`s ran for the job, in publishing order; [] for a job \
                                           computed in the server's process", body = [TaskRow]),
               (status = 404, description = "Unknown job", body = ApiError)))]
fn job_tasks() {}

#[utoipa::path(get, path = "/workers", tag = "jobs",
    responses((status = 200, description = "Live `qe worker`s (those answering within 300 ms); [] without QE_NATS_URL", body = [WorkerRow]),
               (status = 503, description = "The NATS server does not answer", body = ApiError)))]
fn workers() {}

#[utoipa::path(get, path = "/runs", tag = "runs",
    params(("status" = Option<String>, Query, description = "Exact, case-sensitive (QUEUED, RUNNING, FINISHED, FAILED, CANCELLED)"),
           ("symbol" = Option<String>, Query, description = "Accepted and ignored, as the original"),
           ("date_from" = Option<String>, Query), ("date_to" = Option<String>, Query),
           ("page" = Option<i64>, Query, description = PAGE, minimum = 1, maximum = 1000000), ("page_size" = Option<i64>, Query, description = PAGE_SIZE, minimum = 1, maximum = 500)),
    responses((status = 200, body = [RunSummary]),
               (status = 422, description = INVALID_QUERY, body = ValidationError)))]
fn runs() {}

#[utoipa::path(get, path = "/runs/{id}", tag = "runs", params(("id" = String, Path)),
    responses((status = 200, description = "`{\"run\": RunRow, \"metrics\": RunMetrics, \"overfitting\": Overfitting | null}`", body = Object),
               (status = 404, body = ApiError)))]
fn run() {}

#[utoipa::path(get, path = "/runs/{id}/trials", tag = "runs",
    params(("id" = String, Path),
           ("order_by" = Option<String>, Query, description = "`<field>.<asc|desc>`; fields objective_value, n_trades, \
             max_dd, sharpe, sortino, cagr, hit_rate, avg_r (default objective_value.desc)"),
           ("page" = Option<i64>, Query, description = PAGE, minimum = 1, maximum = 1000000), ("page_size" = Option<i64>, Query, description = PAGE_SIZE, minimum = 1, maximum = 500), ("format" = Option<String>, Query, description = FORMAT)),
    responses((status = 200, description = DOWNLOADS, content(([TrialRow] = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.apache.parquet"))),
               (status = 422, description = INVALID_QUERY, body = ValidationError)))]
fn trials() {}

const REPLAY: &str =
    "The sweep keeps no per-trial series: the trial is re-run on the run's data, loaded again from its \
                      stored spec. `reproduced` is false when the data changed since the run.";

#[utoipa::path(get, path = "/runs/{id}/trials/{trial}", tag = "runs",
    params(("id" = String, Path), ("trial" = i64, Path, description = "The trial number (`trial_number`)")),
    description = REPLAY,
    responses((status = 200, description = "The trial's metrics per fold and stitched, its out-of-sample equity \
                (at most 2,000 points) and its trades", body = TrialDetail),
               (status = 404, description = "Unknown run or trial", body = ApiError),
               (status = 409, description = "The trial cannot be replayed: a failed trial, a spec not stored here, \
                or data that can no longer be loaded", body = ApiError),
               (status = 422, description = "A trial that is not a number", body = ValidationError)))]
fn trial() {}

#[utoipa::path(get, path = "/runs/{id}/trials/{trial}/trades", tag = "runs",
    params(("id" = String, Path), ("trial" = i64, Path, description = "The trial number (`trial_number`)"),
           ("format" = Option<String>, Query, description = FORMAT)),
    description = REPLAY,
    responses((status = 200, description = "Every trade of the trial's test windows, as JSON or a CSV or Parquet file",
                content(([TrialTrade] = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.apache.parquet"))),
               (status = 404, description = "Unknown run or trial", body = ApiError),
               (status = 409, description = "The trial cannot be replayed", body = ApiError),
               (status = 422, description = INVALID_QUERY, body = ValidationError)))]
fn trial_trades() {}

#[utoipa::path(get, path = "/runs/{id}/artifacts", tag = "runs", params(("id" = String, Path)),
    description = "The run's artifact files (trials, equity curves, result), by name.",
    responses((status = 200, body = [ArtifactFile]), (status = 404, body = ApiError)))]
fn artifacts() {}

#[utoipa::path(get, path = "/runs/{id}/artifacts/{name}", tag = "runs",
    params(("id" = String, Path), ("name" = String, Path, description = "A file name from `/runs/{id}/artifacts`")),
    description = "One artifact file of the run, read only from the run's own directory.",
    responses((status = 200, content(("application/vnd.apache.parquet"), ("application/json"), ("text/csv"))),
               (status = 404, body = ApiError)))]
fn artifact() {}

#[utoipa::path(get, path = "/runs/{id}/metrics", tag = "runs", params(("id" = String, Path)),
    responses((status = 200, body = RunMetrics)))]
fn metrics() {}

#[utoipa::path(get, path = "/runs/{id}/overfitting", tag = "runs", params(("id" = String, Path)),
    description = "PBO by CSCV, deflated Sharpe ratios (effective trials, daily periods on intraday bars) and the \
                   optimum's robustness, per symbol; docs/OVERFITTING.md.",
    responses((status = 200, body = Overfitting), (status = 404, body = ApiError)))]
fn overfitting() {}

#[utoipa::path(get, path = "/seasonality/runs/{id}/overfitting", tag = "seasonality", params(("id" = String, Path)),
    description = "A seasonality optimisation's PBO by CSCV and its best trial's deflated Sharpe ratio (the symbols \
                   pooled, one entry); docs/OVERFITTING.md.",
    responses((status = 200, body = Overfitting), (status = 404, body = ApiError)))]
fn seasonality_overfitting() {}

#[utoipa::path(get, path = "/seasonality/runs/{id}/trials", tag = "seasonality",
    params(("id" = String, Path),
           ("page" = Option<i64>, Query, description = PAGE, minimum = 1, maximum = 1000000), ("page_size" = Option<i64>, Query, description = PAGE_SIZE, minimum = 1, maximum = 500), ("format" = Option<String>, Query, description = FORMAT)),
    description = "A seasonality optimisation's trials by trial number (`[]` for an unknown run).",
    responses((status = 200, description = DOWNLOADS, content(([SeasonalityTrial] = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.apache.parquet"))),
               (status = 422, description = INVALID_QUERY, body = ValidationError)))]
fn seasonality_trials() {}

#[utoipa::path(get, path = "/seasonality/years", tag = "seasonality",
    params(("run_id" = String, Query), ("symbol" = String, Query), ("dim" = String, Query)),
    description = "The per-year cells of a seasonality run's stored profiles for one symbol and dim: each bin's size, \
                   score and lift against that year's baseline, by bin then year (`[]` when there are none).",
    responses((status = 200, body = [YearRow]),
               (status = 422, description = INVALID_QUERY, body = ValidationError)))]
fn seasonality_years() {}

#[utoipa::path(get, path = "/runs/{id}/events", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, description = "text/event-stream: `progress` events `{run_id, status, progress, message}`, \
                                            then one `done` event `{run_id, status, error, progress}`"),
               (status = 404, body = ApiError)))]
fn events() {}

#[utoipa::path(post, path = "/runs/{id}/cancel", tag = "jobs", params(("id" = String, Path)),
    responses((status = 202, body = Object), (status = 404, body = ApiError),
               (status = 409, description = "Already finished", body = ApiError)))]
fn cancel() {}

#[utoipa::path(post, path = "/stats/run", tag = "stats",
    request_body(content = Object, description = "Stats spec (reference §1.5)"),
    params(("Prefer" = Option<String>, Header, description = "`respond-async` answers 202 at once")),
    responses((status = 200, description = "`{\"status\": \"completed\", \"id\"}`", body = Object),
               (status = 202, body = Object), (status = 422, description = "Invalid spec (a list naming the field) or data (a message)", body = Unprocessable),
               (status = 429, body = ApiError)))]
fn stats_run() {}

#[utoipa::path(get, path = "/stats/result", tag = "stats",
    responses((status = 200, description = "`{\"result\": {\"columns\": [...], \"rows\": [StatRow]}}` of the latest run, or null", body = Object)))]
fn stats_result() {}

#[utoipa::path(get, path = "/stats", tag = "stats",
    params(("symbol" = Option<String>, Query), ("timeframe" = Option<String>, Query), ("event" = Option<String>, Query),
           ("condition_name" = Option<String>, Query), ("condition_value" = Option<String>, Query),
           ("target" = Option<String>, Query), ("split" = Option<String>, Query),
           ("min_n" = Option<i64>, Query, minimum = 0), ("significant_only" = Option<bool>, Query),
           ("sufficient_only" = Option<bool>, Query, description = "Leave out rows flagged `insufficient` (fewer \
             observations than the spec's `min_samples`); default false"),
           ("method" = Option<String>, Query, description = "freq (default) or bayes"),
           ("alpha" = Option<f64>, Query, description = "0…1, default 0.05", minimum = 0, maximum = 1),
           ("page" = Option<i64>, Query, description = PAGE, minimum = 1, maximum = 1000000), ("page_size" = Option<i64>, Query, description = PAGE_SIZE, minimum = 1, maximum = 500), ("format" = Option<String>, Query, description = FORMAT)),
    responses((status = 200, description = DOWNLOADS, content(([StoredStatRow] = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.apache.parquet"))),
               (status = 422, description = INVALID_QUERY, body = ValidationError)))]
fn stats() {}

#[utoipa::path(get, path = "/stats/summary", tag = "stats",
    params(("symbol" = Option<String>, Query), ("timeframe" = Option<String>, Query), ("event" = Option<String>, Query)),
    responses((status = 200, body = [StatSummaryRow])))]
fn stats_summary() {}

#[utoipa::path(get, path = "/stats/heatmap", tag = "stats",
    params(("symbol" = String, Query), ("timeframe" = String, Query), ("event" = String, Query),
           ("target" = String, Query), ("condition_name" = String, Query)),
    responses((status = 200, body = [HeatmapCell]), (status = 422, description = "Missing parameters", body = ValidationError)))]
fn stats_heatmap() {}

#[utoipa::path(get, path = "/stats/top", tag = "stats",
    params(("symbol" = String, Query), ("timeframe" = String, Query), ("k" = Option<i64>, Query, description = "1…100, default 10", minimum = 1, maximum = 100),
           ("method" = Option<String>, Query), ("significant_only" = Option<bool>, Query)),
    responses((status = 200, body = [StoredStatRow]),
               (status = 422, description = INVALID_QUERY, body = ValidationError)))]
fn stats_top() {}

#[utoipa::path(get, path = "/stats/conditions", tag = "stats", responses((status = 200, body = [String])))]
fn stats_conditions() {}

#[utoipa::path(get, path = "/filters/list",
    responses((status = 200, description = "The keys `strategy.filters` accepts: `ema_fast`, `ema_slow`", body = [String])))]
fn filters_list() {}

#[utoipa::path(post, path = "/seasonality/run", tag = "seasonality",
    request_body(content = Object, description = "Seasonality spec (reference §1.6)"),
    params(("Prefer" = Option<String>, Header, description = "`respond-async` answers 202 at once")),
    responses((status = 200, description = "`{\"result\": <run payload>}`", body = Object), (status = 202, body = Object),
               (status = 422, description = "Invalid spec (a list naming the field) or data (a message)", body = Unprocessable),
               (status = 429, body = ApiError)))]
fn seasonality_run() {}

#[utoipa::path(post, path = "/seasonality/optimize", tag = "seasonality",
    request_body(content = Object, description = "Seasonality spec with `compute.search_space`"),
    params(("Prefer" = Option<String>, Header, description = "`respond-async` answers 202 at once")),
    responses((status = 200, description = "`{\"result\": {best_value, best_params, best_metrics, paths}}`", body = Object),
               (status = 202, body = Object), (status = 422, description = "Invalid spec (a list naming the field) or data (a message)", body = Unprocessable),
               (status = 429, body = ApiError)))]
fn seasonality_optimize() {}

#[utoipa::path(get, path = "/seasonality/profiles", tag = "seasonality",
    params(("symbol" = Option<String>, Query), ("timeframe" = Option<String>, Query), ("dim" = Option<String>, Query),
           ("measure" = Option<String>, Query), ("spec_id" = Option<String>, Query), ("dataset_id" = Option<String>, Query),
           ("metrics" = Option<Vec<String>>, Query, description = "Repeatable: rows must have these metrics"),
           ("max_q" = Option<f64>, Query, minimum = 0, maximum = 1,
            description = "Rows whose Benjamini-Hochberg `q_value` is at most this (rows without one are left out)"),
           ("min_years_same_sign" = Option<f64>, Query, minimum = 0, maximum = 1,
            description = "Rows whose share of years with the overall lift's sign is at least this"),
           ("page" = Option<i64>, Query, description = PAGE, minimum = 1, maximum = 1000000), ("page_size" = Option<i64>, Query, description = PAGE_SIZE, minimum = 1, maximum = 500), ("format" = Option<String>, Query, description = FORMAT)),
    responses((status = 200, description = DOWNLOADS, content(([StoredProfile] = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.apache.parquet"))),
               (status = 422, description = INVALID_QUERY, body = ValidationError)))]
fn seasonality_profiles() {}

#[utoipa::path(get, path = "/seasonality/runs", tag = "seasonality",
    params(("status" = Option<String>, Query), ("spec_id" = Option<String>, Query), ("dataset_id" = Option<String>, Query),
           ("page" = Option<i64>, Query, description = PAGE, minimum = 1, maximum = 1000000), ("page_size" = Option<i64>, Query, description = PAGE_SIZE, minimum = 1, maximum = 500)),
    responses((status = 200, body = [SeasonalityRunRow]),
               (status = 422, description = INVALID_QUERY, body = ValidationError)))]
fn seasonality_runs() {}

#[utoipa::path(get, path = "/seasonality/runs/{id}", tag = "seasonality", params(("id" = String, Path)),
    responses((status = 200, body = SeasonalityRunRow), (status = 404, body = ApiError)))]
fn seasonality_run_one() {}

#[utoipa::path(get, path = "/seasonality/compare", tag = "seasonality",
    params(("symbols" = Vec<String>, Query, description = "Exactly two: ?symbols=A&symbols=B"), ("dim" = String, Query),
           ("timeframe" = Option<String>, Query), ("measure" = Option<String>, Query), ("spec_id" = Option<String>, Query),
           ("dataset_id" = Option<String>, Query)),
    responses((status = 200, description = "`{dim, symbol_a, symbol_b, correlation, rows, wide, missing}`", body = Object),
               (status = 404, body = ApiError),
               (status = 422, description = "`dim` missing (a list), or not exactly two symbols (a message)", body = Unprocessable)))]
fn seasonality_compare() {}

#[utoipa::path(get, path = "/seasonality/correlation", tag = "seasonality",
    params(("dim" = String, Query), ("symbols" = Option<Vec<String>>, Query, description = "Restrict to these symbols"),
           ("timeframe" = Option<String>, Query), ("measure" = Option<String>, Query), ("spec_id" = Option<String>, Query),
           ("dataset_id" = Option<String>, Query)),
    responses((status = 200, description = "`{dim, symbols, matrix}`: Pearson correlations of per-bin lifts", body = Object),
               (status = 422, description = "`dim` missing", body = ValidationError)))]
fn seasonality_correlation() {}

#[utoipa::path(get, path = "/levels", tag = "levels",
    params(("symbol" = String, Query), ("level_type" = Option<String>, Query), ("from" = Option<String>, Query),
           ("to" = Option<String>, Query), ("limit" = Option<i64>, Query, description = "1…1000, default 200")),
    responses((status = 500, description = "No levels database: `MySQL URL not configured for levels module`", body = ApiError),
               (status = 422, description = "Missing or invalid parameters", body = ValidationError)))]
fn levels() {}

#[utoipa::path(get, path = "/levels/active", tag = "levels",
    params(("symbol" = String, Query), ("level_type" = Option<Vec<String>>, Query, description = "Repeatable"),
           ("from" = Option<String>, Query), ("to" = Option<String>, Query),
           ("limit" = Option<i64>, Query, description = "1…10000")),
    responses((status = 500, description = "No levels database: `MySQL URL not configured for levels module`", body = ApiError),
               (status = 422, description = "Missing or invalid parameters", body = ValidationError)))]
fn levels_active() {}

#[utoipa::path(get, path = "/levels/search", tag = "levels",
    params(("symbol" = String, Query), ("type" = Option<String>, Query, description = "Comma-separated level types"),
           ("from" = Option<String>, Query), ("to" = Option<String>, Query), ("limit" = Option<i64>, Query)),
    responses((status = 500, description = "No levels database: `MySQL URL not configured for levels module`", body = ApiError),
               (status = 422, description = "Missing or invalid parameters", body = ValidationError)))]
fn levels_search() {}

#[utoipa::path(get, path = "/levels/nearest", tag = "levels",
    params(("symbol" = String, Query), ("price" = f64, Query), ("level_type" = Option<String>, Query),
           ("window" = Option<String>, Query), ("limit" = Option<i64>, Query, description = "1…200, default 20")),
    responses((status = 500, description = "No levels database: `MySQL URL not configured for levels module`", body = ApiError),
               (status = 422, description = "Missing or invalid parameters", body = ValidationError)))]
fn levels_nearest() {}

#[utoipa::path(post, path = "/levels/build", tag = "levels",
    request_body(content = Object, description = "Levels build spec (reference §1.7); not read"),
    responses((status = 500, description = "No levels database: `MySQL URL not configured for levels module`", body = ApiError)))]
fn levels_build() {}

#[utoipa::path(post, path = "/levels/fill", tag = "levels",
    request_body(content = Object, description = "Levels build spec with FILL_FVG/FILL_GAP targets; not read"),
    responses((status = 500, description = "No levels database: `MySQL URL not configured for levels module`", body = ApiError)))]
fn levels_fill() {}
