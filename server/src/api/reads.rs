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
use serde_json::{json, Value};

/// `GET /runs`: `status` (exact), `symbol` (accepted, ignored as the original), `date_from`, `date_to`, paging.
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
pub async fn run(State(s): State<ApiState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let run = runs::get_run(&s.store, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Run not found"))?;
    let metrics = runs::get_metrics(&s.store, &id).await?;
    let overfitting = runs::get_overfitting(&s.store, &id).await?;
    Ok(Json(
        json!({ "run": run, "metrics": metrics, "overfitting": overfitting }),
    ))
}

/// `GET /runs/{id}/overfitting` and `GET /seasonality/runs/{id}/overfitting`: PBO, deflated Sharpe ratios and
/// robustness per symbol (a seasonality optimisation: one entry for its pooled symbols), or 404.
pub async fn overfitting(
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<model::overfitting::Overfitting>, ApiError> {
    let report = runs::get_overfitting(&s.store, &id).await?;
    report
        .map(Json)
        .ok_or_else(|| ApiError::not_found("No overfitting report for this run"))
}

/// `GET /runs/{id}/trials`: `order_by=<field>.<dir>`, paging; `[]` for unknown runs.
/// With `format=csv|parquet`, every trial (unless paged) with its parameters as `params.<name>` columns.
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
pub async fn stats_summary(State(s): State<ApiState>, p: Params) -> Result<Json<Value>, ApiError> {
    let (symbol, timeframe, event) = (p.text("symbol"), p.text("timeframe"), p.text("event"));
    p.finish()?;
    let rows = market_stats::summary(&s.store, symbol.as_deref(), timeframe.as_deref(), event.as_deref()).await?;
    Ok(Json(json!(rows)))
}

/// `GET /stats/heatmap`: all of symbol, timeframe, event, target, condition_name required (422 listing the missing).
pub async fn stats_heatmap(State(s): State<ApiState>, mut p: Params) -> Result<Json<Value>, ApiError> {
    let [symbol, timeframe, event, target, condition] =
        ["symbol", "timeframe", "event", "target", "condition_name"].map(|k| p.required(k));
    p.finish()?;
    let cells = market_stats::heatmap(&s.store, &symbol, &timeframe, &event, &target, &condition).await?;
    Ok(Json(json!(cells)))
}

/// `GET /stats/top`: symbol and timeframe required, `k` 1…100, `method`, `significant_only`.
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
pub async fn stats_conditions() -> Json<Value> {
    Json(json!(model::spec::stats::CONDITION_TYPES))
}

/// `GET /filters/list`: the keys `strategy.filters` accepts, sorted, from the spec parser's own list (the
/// original listed 23 filter functions that no spec could apply).
pub async fn filters_list() -> Json<Value> {
    Json(json!(model::spec::experiment::FILTER_KEYS))
}

/// `GET /seasonality/profiles`: exact filters, repeatable `metrics`, `max_q`, `min_years_same_sign`, paging.
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
pub async fn seasonality_run(State(s): State<ApiState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let run = seasonality::get_run(&s.store, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Run not found"))?;
    Ok(Json(json!(run)))
}
