//! One optimisation trial replayed on demand: `GET /runs/{id}/trials/{trial}` (metrics per fold and stitched, the
//! equity curve, the trades) and `GET /runs/{id}/trials/{trial}/trades` (the trades, also as CSV or Parquet).
//! The sweep keeps no per-trial series, so both load the run's data again and re-run that one trial.

use super::error::ApiError;
use super::export::{self, Format};
use super::params::Params;
use super::ApiState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use engine::data::DataError;
use engine::jobs::replay::{self, ReplayError, Replayed};
use model::trial::TrialDetail;

/// `GET /runs/{id}/trials/{trial}`: the replayed trial, or 404 for an unknown run or trial.
#[utoipa::path(operation_id = "trial", get, path = "/runs/{id}/trials/{trial}", tag = "runs",
    params(("id" = String, Path), ("trial" = i64, Path, description = "The trial number (`trial_number`)")),
    description = crate::api::openapi::REPLAY,
    responses((status = 200, description = "The trial's metrics per fold and stitched, its out-of-sample equity \
                (at most 2,000 points) and its trades", body = model::trial::TrialDetail),
               (status = 404, description = "Unknown run or trial", body = model::ApiError),
               (status = 409, description = "The trial cannot be replayed: a failed trial, a spec not stored here, \
                or data that can no longer be loaded", body = model::ApiError),
               (status = 422, description = "A trial that is not a number", body = model::ValidationError)))]
pub async fn detail(
    State(s): State<ApiState>,
    Path((id, trial)): Path<(String, String)>,
) -> Result<Json<TrialDetail>, ApiError> {
    Ok(Json(replayed(&s, &id, &trial).await?.detail()))
}

/// `GET /runs/{id}/trials/{trial}/trades`: the replayed trial's trades as JSON, or a file with `format=csv|parquet`
/// (or the `Accept` header).
#[utoipa::path(operation_id = "trial_trades", get, path = "/runs/{id}/trials/{trial}/trades", tag = "runs",
    params(("id" = String, Path), ("trial" = i64, Path, description = "The trial number (`trial_number`)"),
           ("format" = Option<String>, Query, description = crate::api::openapi::FORMAT)),
    description = crate::api::openapi::REPLAY,
    responses((status = 200, description = "Every trade of the trial's test windows, as JSON or a CSV or Parquet file",
                content(([model::trial::TrialTrade] = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.apache.parquet"))),
               (status = 404, description = "Unknown run or trial", body = model::ApiError),
               (status = 409, description = "The trial cannot be replayed", body = model::ApiError),
               (status = 422, description = crate::api::openapi::INVALID_QUERY, body = model::ValidationError)))]
pub async fn trades(
    State(s): State<ApiState>,
    Path((id, trial)): Path<(String, String)>,
    headers: HeaderMap,
    mut p: Params,
) -> Result<Response, ApiError> {
    let format = Format::of(&mut p, &headers);
    p.finish()?;
    let r = replayed(&s, &id, &trial).await?;
    let rows = serde_json::to_value(r.trades()).map_err(|e| ApiError::Internal(e.to_string()))?;
    export::answer(format, &format!("trades_{id}_{}", r.row.trial_number), rows)
}

async fn replayed(s: &ApiState, id: &str, trial: &str) -> Result<Replayed, ApiError> {
    let number: i64 = trial.parse().map_err(|_| {
        ApiError::invalid(
            vec!["path".into(), "trial".into()],
            "Input should be a valid integer (a trial number)",
            trial.into(),
        )
    })?;
    replay::trial(&s.store, s.jobs.load_options(), id, number)
        .await
        .map_err(|e| match e {
            ReplayError::RunNotFound | ReplayError::TrialNotFound(_) => ApiError::not_found(&e.to_string()),
            ReplayError::Store(e) => e.into(),
            ReplayError::Data(DataError::OutsideDataRoot { .. } | DataError::SourceRefused { .. }) => {
                ApiError::Detail(StatusCode::FORBIDDEN, e.to_string())
            }
            e => ApiError::Detail(StatusCode::CONFLICT, e.to_string()),
        })
}
