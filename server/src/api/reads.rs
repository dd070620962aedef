//! Read endpoints over stored results, exactly as the original answered them: `/runs*` (optimisation runs),
//! `/stats*` (market statistics), `/seasonality/profiles|runs*` and `/filters/list`. The row lists also download
//! as CSV or Parquet (`format=`, see [`export`]).

use super::error::ApiError;
use super::export::{self, Format};
use super::params::Params;
use super::ApiState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use engine::store::market_stats::{self, Method, StatsQuery};
use engine::store::runs::{self, RunFilter};
use engine::store::seasonality::{self, ProfileQuery, RunQuery};
use engine::store::seasonality_trials::{self, TrialOrder};
use engine::store::seasonality_years;
use model::runs::RunDetail;
use serde_json::{json, Value};

/// `GET /runs`: `status` (exact), `symbol` (accepted, ignored as the original), `date_from`, `date_to`, paging.
#[utoipa::path(get, path = "/runs", tag = "runs",
    params(("status" = Option<String>, Query, description = "Exact, case-sensitive (QUEUED, RUNNING, FINISHED, FAILED, CANCELLED)"),
           ("symbol" = Option<String>, Query, description = "Accepted and ignored, as the original"),
           ("date_from" = Option<String>, Query), ("date_to" = Option<String>, Query),
           ("page" = Option<i64>, Query, description = crate::api::openapi::PAGE, minimum = 1, maximum = 1000000), ("page_size" = Option<i64>, Query, description = crate::api::openapi::PAGE_SIZE, minimum = 1, maximum = 500)),
    responses((status = 200, body = [model::runs::RunSummary]),
               (status = 422, description = crate::api::openapi::INVALID_QUERY, body = model::ValidationError)))]
pub async fn runs(State(s): State<ApiState>, mut p: Params) -> Result<Json<Value>, ApiError> {
    let (page, page_size) = p.page();
    let f = RunFilter {
        status: p.text("status"),
        date_from: p.text("date_from"),
        date_to: p.text("date_to"),
        page,
        page_size,
    };
    p.finish()?;
    Ok(Json(json!(runs::list_runs(&s.store, &f).await?)))
}

/// `GET /runs/{id}`: `{"run", "metrics", "overfitting"}` (the last null before reports were kept) or 404
/// `Run not found`.
#[utoipa::path(get, path = "/runs/{id}", tag = "runs", params(("id" = String, Path)),
    responses((status = 200, description = "The run row, its metrics and its overfitting report", body = model::runs::RunDetail),
               (status = 404, body = model::ApiError)))]
pub async fn run(State(s): State<ApiState>, Path(id): Path<String>) -> Result<Json<RunDetail>, ApiError> {
    let run = runs::get_run(&s.store, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Run not found"))?;
    let metrics = runs::get_metrics(&s.store, &id).await?;
    let overfitting = runs::get_overfitting(&s.store, &id).await?;
    Ok(Json(RunDetail {
        run,
        metrics,
        overfitting,
    }))
}

/// `GET /runs/{id}/overfitting` and `GET /seasonality/runs/{id}/overfitting`: PBO, deflated Sharpe ratios and
/// robustness per symbol (a seasonality optimisation: one entry for its pooled symbols), or 404.
#[utoipa::path(get, path = "/runs/{id}/overfitting", tag = "runs", params(("id" = String, Path)),
    description = "PBO by CSCV, deflated Sharpe ratios (effective trials, daily periods on intraday bars) and the \
                   optimum's robustness, per symbol; docs/OVERFITTING.md.",
    responses((status = 200, body = model::overfitting::Overfitting), (status = 404, body = model::ApiError)))]
pub async fn overfitting(
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<model::overfitting::Overfitting>, ApiError> {
    let report = runs::get_overfitting(&s.store, &id).await?;
    report
        .map(Json)
        .ok_or_else(|| ApiError::not_found("No overfitting report for this run"))
}

/// `GET /seasonality/runs/{id}/overfitting`: as [`overfitting`], for a seasonality optimisation.
#[utoipa::path(get, path = "/seasonality/runs/{id}/overfitting", tag = "seasonality", params(("id" = String, Path)),
    description = "A seasonality optimisation's PBO by CSCV and its best trial's deflated Sharpe ratio (the symbols \
                   pooled, one entry); docs/OVERFITTING.md.",
    responses((status = 200, body = model::overfitting::Overfitting), (status = 404, body = model::ApiError)))]
pub async fn seasonality_overfitting(
    s: State<ApiState>,
    id: Path<String>,
) -> Result<Json<model::overfitting::Overfitting>, ApiError> {
    overfitting(s, id).await
}

/// `GET /runs/{id}/trials`: `order_by=<field>.<dir>`, paging; `[]` for unknown runs.
/// With `format=csv|parquet`, every trial (unless paged) with its parameters as `params.<name>` columns.
#[utoipa::path(get, path = "/runs/{id}/trials", tag = "runs",
    params(("id" = String, Path),
           ("order_by" = Option<String>, Query, description = "`<field>.<asc|desc>`; fields objective_value, n_trades, \
             max_dd, sharpe, sortino, cagr, hit_rate, avg_r (default objective_value.desc)"),
           ("page" = Option<i64>, Query, description = crate::api::openapi::PAGE, minimum = 1, maximum = 1000000), ("page_size" = Option<i64>, Query, description = crate::api::openapi::PAGE_SIZE, minimum = 1, maximum = 500), ("format" = Option<String>, Query, description = crate::api::openapi::FORMAT)),
    responses((status = 200, description = crate::api::openapi::DOWNLOADS, content(([model::runs::TrialRow] = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.apache.parquet"))),
               (status = 422, description = crate::api::openapi::INVALID_QUERY, body = model::ValidationError)))]
pub async fn trials(
    State(s): State<ApiState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    mut p: Params,
) -> Result<Response, ApiError> {
    let format = Format::of(&mut p, &headers);
    let (page, size) = format.page(&mut p);
    let order_by = p.text("order_by");
    p.finish()?;
    let rows = json!(runs::list_trials(&s.store, &id, order_by.as_deref(), page, size).await?);
    let rows = match format {
        Format::Json => rows,
        _ => with_params(rows),
    };
    export::answer(format, &format!("trials_{id}"), rows)
}

/// Trial rows with their `params_json` also read into a `params` object (dotted columns in a download).
fn with_params(mut rows: Value) -> Value {
    for row in rows.as_array_mut().into_iter().flatten() {
        let params = row["params_json"]
            .as_str()
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
            .filter(Value::is_object);
        if let (Some(params), Some(o)) = (params, row.as_object_mut()) {
            o.insert("params".into(), params);
        }
    }
    rows
}

/// `GET /runs/{id}/metrics`: `{"aggregated", "folds"}`, empty objects for unknown runs.
#[utoipa::path(get, path = "/runs/{id}/metrics", tag = "runs", params(("id" = String, Path)),
    responses((status = 200, body = model::runs::RunMetrics)))]
pub async fn metrics(State(s): State<ApiState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(runs::get_metrics(&s.store, &id).await?)))
}

fn method(p: &mut Params) -> Method {
    match p.choice("method", "freq", &["freq", "bayes"]).as_str() {
        "bayes" => Method::Bayes,
        _ => Method::Freq,
    }
}

/// `GET /stats`: exact filters, `min_n`, `significant_only`, `sufficient_only`, `method`, `alpha`, paging; sorted
/// by lift desc.
/// `format=csv|parquet` downloads every filtered row (unless paged).
#[utoipa::path(get, path = "/stats", tag = "stats",
    params(("symbol" = Option<String>, Query), ("timeframe" = Option<String>, Query), ("event" = Option<String>, Query),
           ("condition_name" = Option<String>, Query), ("condition_value" = Option<String>, Query),
           ("target" = Option<String>, Query), ("split" = Option<String>, Query),
           ("min_n" = Option<i64>, Query, minimum = 0), ("significant_only" = Option<bool>, Query),
           ("sufficient_only" = Option<bool>, Query, description = "Leave out rows flagged `insufficient` (fewer \
             observations than the spec's `min_samples`); default false"),
           ("method" = Option<String>, Query, description = "freq (default) or bayes"),
           ("alpha" = Option<f64>, Query, description = "0…1, default 0.05", minimum = 0, maximum = 1),
           ("page" = Option<i64>, Query, description = crate::api::openapi::PAGE, minimum = 1, maximum = 1000000), ("page_size" = Option<i64>, Query, description = crate::api::openapi::PAGE_SIZE, minimum = 1, maximum = 500), ("format" = Option<String>, Query, description = crate::api::openapi::FORMAT)),
    responses((status = 200, description = crate::api::openapi::DOWNLOADS, content(([model::stats::StoredStatRow] = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.apache.parquet"))),
               (status = 422, description = crate::api::openapi::INVALID_QUERY, body = model::ValidationError)))]
pub async fn stats(State(s): State<ApiState>, headers: HeaderMap, mut p: Params) -> Result<Response, ApiError> {
    let format = Format::of(&mut p, &headers);
    let (page, page_size) = format.page(&mut p);
    let q = StatsQuery {
        symbol: p.text("symbol"),
        timeframe: p.text("timeframe"),
        event: p.text("event"),
        condition_name: p.text("condition_name"),
        condition_value: p.text("condition_value"),
        target: p.text("target"),
        split: p.text("split"),
        min_n: p.opt_int("min_n", Some(0)),
        significant_only: p.bool("significant_only", false),
        sufficient_only: p.bool("sufficient_only", false),
        method: method(&mut p),
        order: None,
        alpha: p.float("alpha", 0.05, 0.0, 1.0),
        page: page as u32,
        page_size: page_size as u32,
    };
    p.finish()?;
    export::answer(format, "stats", json!(market_stats::query(&s.store, &q).await?))
}

/// `GET /stats/summary?symbol=&timeframe=&event=`.
#[utoipa::path(get, path = "/stats/summary", tag = "stats",
    params(("symbol" = Option<String>, Query), ("timeframe" = Option<String>, Query), ("event" = Option<String>, Query)),
    responses((status = 200, body = [model::stats::StatSummaryRow])))]
pub async fn stats_summary(State(s): State<ApiState>, p: Params) -> Result<Json<Value>, ApiError> {
    let (symbol, timeframe, event) = (p.text("symbol"), p.text("timeframe"), p.text("event"));
    p.finish()?;
    let rows = market_stats::summary(&s.store, symbol.as_deref(), timeframe.as_deref(), event.as_deref()).await?;
    Ok(Json(json!(rows)))
}

/// `GET /stats/heatmap`: all of symbol, timeframe, event, target, condition_name required (422 listing the missing).
#[utoipa::path(get, path = "/stats/heatmap", tag = "stats",
    params(("symbol" = String, Query), ("timeframe" = String, Query), ("event" = String, Query),
           ("target" = String, Query), ("condition_name" = String, Query)),
    responses((status = 200, body = [model::stats::HeatmapCell]), (status = 422, description = "Missing parameters", body = model::ValidationError)))]
pub async fn stats_heatmap(State(s): State<ApiState>, mut p: Params) -> Result<Json<Value>, ApiError> {
    let [symbol, timeframe, event, target, condition] =
        ["symbol", "timeframe", "event", "target", "condition_name"].map(|k| p.required(k));
    p.finish()?;
    let cells = market_stats::heatmap(&s.store, &symbol, &timeframe, &event, &target, &condition).await?;
    Ok(Json(json!(cells)))
}

/// `GET /stats/top`: symbol and timeframe required, `k` 1…100, `method`, `significant_only`.
#[utoipa::path(get, path = "/stats/top", tag = "stats",
    params(("symbol" = String, Query), ("timeframe" = String, Query), ("k" = Option<i64>, Query, description = "1…100, default 10", minimum = 1, maximum = 100),
           ("method" = Option<String>, Query), ("significant_only" = Option<bool>, Query)),
    responses((status = 200, body = [model::stats::StoredStatRow]),
               (status = 422, description = crate::api::openapi::INVALID_QUERY, body = model::ValidationError)))]
pub async fn stats_top(State(s): State<ApiState>, mut p: Params) -> Result<Json<Value>, ApiError> {
    let symbol = p.required("symbol");
    let timeframe = p.required("timeframe");
    let k = p.int("k", 10, Some(1), Some(100));
    let method = method(&mut p);
    let significant_only = p.bool("significant_only", false);
    p.finish()?;
    let rows = market_stats::top(&s.store, &symbol, &timeframe, k as u32, method, significant_only).await?;
    Ok(Json(json!(rows)))
}

/// `GET /stats/conditions`: the condition types this engine computes, sorted (the original also listed stray
/// typing names and level conditions it could not compute without its levels database).
#[utoipa::path(get, path = "/stats/conditions", tag = "stats", responses((status = 200, body = [String])))]
pub async fn stats_conditions() -> Json<Value> {
    Json(json!(model::spec::stats::CONDITION_TYPES))
}

/// `GET /filters/list`: the keys `strategy.filters` accepts, sorted, from the spec parser's own list (the
/// original listed 23 filter functions that no spec could apply).
#[utoipa::path(get, path = "/filters/list", tag = "runs",
    responses((status = 200, description = "The keys `strategy.filters` accepts: `ema_fast`, `ema_slow`", body = [String])))]
pub async fn filters_list() -> Json<Value> {
    Json(json!(model::spec::experiment::FILTER_KEYS))
}

/// `GET /seasonality/profiles`: exact filters, repeatable `metrics`, `max_q`, `min_years_same_sign`, paging.
#[utoipa::path(operation_id = "seasonality_profiles", get, path = "/seasonality/profiles", tag = "seasonality",
    params(("symbol" = Option<String>, Query), ("timeframe" = Option<String>, Query), ("dim" = Option<String>, Query),
           ("measure" = Option<String>, Query), ("spec_id" = Option<String>, Query), ("dataset_id" = Option<String>, Query),
           ("metrics" = Option<Vec<String>>, Query, description = "Repeatable: rows must have these metrics"),
           ("max_q" = Option<f64>, Query, minimum = 0, maximum = 1,
            description = "Rows whose Benjamini-Hochberg `q_value` is at most this (rows without one are left out)"),
           ("min_years_same_sign" = Option<f64>, Query, minimum = 0, maximum = 1,
            description = "Rows whose share of years with the overall lift's sign is at least this"),
           ("page" = Option<i64>, Query, description = crate::api::openapi::PAGE, minimum = 1, maximum = 1000000), ("page_size" = Option<i64>, Query, description = crate::api::openapi::PAGE_SIZE, minimum = 1, maximum = 500), ("format" = Option<String>, Query, description = crate::api::openapi::FORMAT)),
    responses((status = 200, description = crate::api::openapi::DOWNLOADS, content(([model::seasonality::StoredProfile] = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.apache.parquet"))),
               (status = 422, description = crate::api::openapi::INVALID_QUERY, body = model::ValidationError)))]
pub async fn profiles(State(s): State<ApiState>, headers: HeaderMap, mut p: Params) -> Result<Response, ApiError> {
    let format = Format::of(&mut p, &headers);
    let (page, page_size) = format.page(&mut p);
    let q = ProfileQuery {
        symbol: p.text("symbol"),
        timeframe: p.text("timeframe"),
        dim: p.text("dim"),
        measure: p.text("measure"),
        spec_id: p.text("spec_id"),
        dataset_id: p.text("dataset_id"),
        metrics: p.all("metrics").iter().map(|m| m.trim().to_string()).collect(),
        max_q: p.opt_float("max_q", 0.0, 1.0),
        min_years_same_sign: p.opt_float("min_years_same_sign", 0.0, 1.0),
        page,
        page_size,
    };
    p.finish()?;
    export::answer(
        format,
        "seasonality_profiles",
        json!(seasonality::list_profiles(&s.store, &q).await?),
    )
}

/// `GET /seasonality/runs`: `status`, `spec_id`, `dataset_id`, paging.
#[utoipa::path(get, path = "/seasonality/runs", tag = "seasonality",
    params(("status" = Option<String>, Query), ("spec_id" = Option<String>, Query), ("dataset_id" = Option<String>, Query),
           ("page" = Option<i64>, Query, description = crate::api::openapi::PAGE, minimum = 1, maximum = 1000000), ("page_size" = Option<i64>, Query, description = crate::api::openapi::PAGE_SIZE, minimum = 1, maximum = 500)),
    responses((status = 200, body = [model::seasonality::SeasonalityRunRow]),
               (status = 422, description = crate::api::openapi::INVALID_QUERY, body = model::ValidationError)))]
pub async fn seasonality_runs(State(s): State<ApiState>, mut p: Params) -> Result<Json<Value>, ApiError> {
    let (page, page_size) = p.page();
    let q = RunQuery {
        status: p.text("status"),
        spec_id: p.text("spec_id"),
        dataset_id: p.text("dataset_id"),
        page,
        page_size,
    };
    p.finish()?;
    Ok(Json(json!(seasonality::list_runs(&s.store, &q).await?)))
}

/// `GET /seasonality/runs/{id}/trials`: the run's trials by trial number, paged; `[]` for unknown runs.
#[utoipa::path(get, path = "/seasonality/runs/{id}/trials", tag = "seasonality",
    params(("id" = String, Path),
           ("page" = Option<i64>, Query, description = crate::api::openapi::PAGE, minimum = 1, maximum = 1000000), ("page_size" = Option<i64>, Query, description = crate::api::openapi::PAGE_SIZE, minimum = 1, maximum = 500), ("format" = Option<String>, Query, description = crate::api::openapi::FORMAT)),
    description = "A seasonality optimisation's trials by trial number (`[]` for an unknown run).",
    responses((status = 200, description = crate::api::openapi::DOWNLOADS, content(([model::seasonality::SeasonalityTrial] = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.apache.parquet"))),
               (status = 422, description = crate::api::openapi::INVALID_QUERY, body = model::ValidationError)))]
pub async fn seasonality_trials(
    State(s): State<ApiState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    mut p: Params,
) -> Result<Response, ApiError> {
    let format = Format::of(&mut p, &headers);
    let (page, size) = format.page(&mut p);
    p.finish()?;
    let offset = (page - 1).saturating_mul(size);
    let rows = seasonality_trials::list_trials_page(&s.store, &id, TrialOrder::Number, size, offset).await?;
    let rows: Vec<model::seasonality::SeasonalityTrial> = rows.iter().map(|r| r.decoded()).collect();
    export::answer(format, &format!("seasonality_trials_{id}"), json!(rows))
}

/// `GET /seasonality/years?run_id&symbol&dim`: the per-year cells (bin size, score, lift against that year's
/// baseline) of a run's stored profiles, by bin then year; `[]` when there are none.
#[utoipa::path(get, path = "/seasonality/years", tag = "seasonality",
    params(("run_id" = String, Query), ("symbol" = String, Query), ("dim" = String, Query)),
    description = "The per-year cells of a seasonality run's stored profiles for one symbol and dim: each bin's size, \
                   score and lift against that year's baseline, by bin then year (`[]` when there are none).",
    responses((status = 200, body = [model::seasonality::YearRow]),
               (status = 422, description = crate::api::openapi::INVALID_QUERY, body = model::ValidationError)))]
pub async fn seasonality_years(
    State(s): State<ApiState>,
    mut p: Params,
) -> Result<Json<Vec<model::seasonality::YearRow>>, ApiError> {
    let run_id = p.required("run_id");
    let symbol = p.required("symbol");
    let dim = p.required("dim");
    p.finish()?;
    Ok(Json(
        seasonality_years::list_years(&s.store, &run_id, &symbol, &dim).await?,
    ))
}

/// `GET /seasonality/runs/{id}` or 404 `Run not found`.
#[utoipa::path(operation_id = "seasonality_run_one", get, path = "/seasonality/runs/{id}", tag = "seasonality", params(("id" = String, Path)),
    responses((status = 200, body = model::seasonality::SeasonalityRunRow), (status = 404, body = model::ApiError)))]
pub async fn seasonality_run(State(s): State<ApiState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let run = seasonality::get_run(&s.store, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Run not found"))?;
    Ok(Json(json!(run)))
}
