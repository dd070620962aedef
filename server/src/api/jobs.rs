//! The job endpoints: `POST /submit`, `/stats/run`, `/seasonality/run`, `/seasonality/optimize` (synchronous by
//! default as the original; `Prefer: respond-async` → 202 with the id), `GET /status/{id}`, `/result/{id}`,
//! `/stats/result`, `/jobs`, and the new `GET /runs/{id}/events` (server-sent events) and `POST /runs/{id}/cancel`.

use super::error::{loc_of, ApiError};
use super::params::Params;
use super::ApiState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use engine::jobs::{CancelOutcome, JobKind, JobSpec, JobUpdate, SubmitError};
use engine::store::jobs::{self as repo, JobRecord};
use futures_util::stream::{self, Stream, StreamExt};
use model::tasks::{TaskRow, WorkerRow};
use serde_json::{json, Value};
use std::convert::Infallible;

/// `POST /submit`: an experiment spec; 400 `Invalid spec: …` as the original. Answers `{"id"}`.
pub async fn submit(State(s): State<ApiState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let value = json_body(&body)?;
    let spec = model::spec::experiment::parse_experiment(value.clone())
        .and_then(|spec| s.limits.check_experiment(&spec).map(|()| spec))
        .map_err(|e| ApiError::Detail(StatusCode::BAD_REQUEST, format!("Invalid spec: {e}")))?;
    let id = enqueue(&s, JobSpec::Optimize(Box::new(spec)), &value).await?;
    if prefers_async(&headers) {
        return Ok(accepted(&id));
    }
    finished_or_error(&s, &id).await?;
    Ok(Json(json!({ "id": id })).into_response())
}

/// `POST /stats/run`: a stats spec; 422 naming the field. Answers `{"status": "completed"}`.
pub async fn stats_run(State(s): State<ApiState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let value = json_body(&body)?;
    let spec = model::spec::stats::parse_stats(value.clone()).map_err(spec_422)?;
    let id = enqueue(&s, JobSpec::Stats(Box::new(spec)), &value).await?;
    if prefers_async(&headers) {
        return Ok(accepted(&id));
    }
    finished_or_error(&s, &id).await?;
    Ok(Json(json!({ "status": "completed", "id": id })).into_response())
}

/// `POST /seasonality/run`: answers `{"result": <run payload>}`.
pub async fn seasonality_run(s: State<ApiState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    seasonality(s, headers, body, false).await
}

/// `POST /seasonality/optimize`: answers `{"result": {best_value, best_params, best_metrics, paths}}`.
pub async fn seasonality_optimize(s: State<ApiState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    seasonality(s, headers, body, true).await
}

async fn seasonality(
    State(s): State<ApiState>,
    headers: HeaderMap,
    body: Bytes,
    optimize: bool,
) -> Result<Response, ApiError> {
    let value = json_body(&body)?;
    let spec = model::spec::seasonality::parse_seasonality(value.clone())
        .and_then(|spec| s.limits.check_seasonality(&spec, optimize).map(|()| Box::new(spec)))
        .map_err(spec_422)?;
    let job = if optimize {
        JobSpec::SeasonalityOptimize(spec)
    } else {
        JobSpec::Seasonality(spec)
    };
    let id = enqueue(&s, job, &value).await?;
    if prefers_async(&headers) {
        return Ok(accepted(&id));
    }
    finished_or_error(&s, &id).await?;
    let result = s.jobs.result(&id).await?;
    Ok(Json(json!({ "result": result })).into_response())
}

/// `GET /status/{id}`: `{"status"}` (`unknown` for unknown ids, never 404) plus progress, message and error.
pub async fn status(State(s): State<ApiState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(match repo::get(&s.store, &id).await? {
        Some(r) => json!({
            "status": r.status, "kind": r.kind, "progress": r.progress, "message": r.message,
            "error": r.error, "reason": r.reason,
        }),
        None => json!({ "status": "unknown" }),
    }))
}

/// `GET /result/{id}`: `{"result": …}`, null for unknown or unfinished jobs.
pub async fn result(State(s): State<ApiState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "result": s.jobs.result(&id).await? })))
}

/// `GET /stats/result`: the latest completed stats run's `{"columns", "rows"}`, or `{"result": null}`.
pub async fn stats_result(State(s): State<ApiState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "result": s.jobs.latest_result(JobKind::Stats).await? })))
}

/// `GET /jobs/{id}/tasks`: the tasks `qe worker`s ran for the job (new); `[]` for a job computed in this process,
/// 404 for an unknown job.
pub async fn tasks(State(s): State<ApiState>, Path(id): Path<String>) -> Result<Json<Vec<TaskRow>>, ApiError> {
    if repo::get(&s.store, &id).await?.is_none() {
        return Err(ApiError::not_found("Job not found"));
    }
    let rows = s.nats.as_ref().and_then(|n| n.board().tasks(&id));
    Ok(Json(rows.unwrap_or_default()))
}

/// `GET /workers`: the live `qe worker`s, those answering a roll call (new); `[]` without `QE_NATS_URL`.
pub async fn workers(State(s): State<ApiState>) -> Result<Json<Vec<WorkerRow>>, ApiError> {
    match &s.nats {
        Some(n) => n.workers().await.map(Json).map_err(|e| {
            tracing::error!(error = %e, "cannot list the workers");
            ApiError::Detail(
                StatusCode::SERVICE_UNAVAILABLE,
                "the NATS server does not answer".into(),
            )
        }),
        None => Ok(Json(Vec::new())),
    }
}

/// `GET /jobs?kind=&status=&page=&page_size=`: jobs of every kind, newest first (new).
pub async fn list(State(s): State<ApiState>, mut p: Params) -> Result<Json<Vec<JobRecord>>, ApiError> {
    let (page, size) = p.page();
    let (kind, status) = (p.text("kind"), p.text("status"));
    p.finish()?;
    let offset = (page - 1).saturating_mul(size);
    let rows = repo::list(&s.store, kind.as_deref(), status.as_deref(), size, offset).await?;
    Ok(Json(rows))
}

/// `POST /runs/{id}/cancel`: 202 while the job stops, 409 when it had already ended, 404 when unknown.
pub async fn cancel(State(s): State<ApiState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    match s.jobs.cancel(&id).await? {
        CancelOutcome::Requested => Ok((
            StatusCode::ACCEPTED,
            Json(json!({ "run_id": id, "status": "cancelling" })),
        )
            .into_response()),
        CancelOutcome::AlreadyFinished(status) => Err(ApiError::Detail(
            StatusCode::CONFLICT,
            format!("Run already finished ({status})"),
        )),
        CancelOutcome::NotFound => Err(ApiError::not_found("Run not found")),
    }
}

/// `GET /runs/{id}/events`: `progress` events while the job runs, then one `done` event, then the stream ends.
pub async fn events(
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let live = s.jobs.watch(&id);
    let stored = match live {
        Some(_) => None,
        None => Some(
            repo::get(&s.store, &id)
                .await?
                .ok_or_else(|| ApiError::not_found("Run not found"))?,
        ),
    };
    let updates: stream::BoxStream<'static, JobUpdate> = match (live, stored) {
        (Some(rx), _) => stream::unfold((rx, false), |(mut rx, ended)| async move {
            if ended {
                return None;
            }
            let u = rx.borrow_and_update().clone();
            let ended = repo::is_terminal(&u.status);
            if !ended && rx.changed().await.is_err() {
                return Some((u, (rx, true)));
            }
            Some((u, (rx, ended)))
        })
        .boxed(),
        (None, Some(r)) => stream::iter([update_of(&r)]).boxed(),
        (None, None) => stream::empty().boxed(),
    };
    let paths = s.paths.clone();
    let events = updates.map(move |u| Ok(event_of(&u, &paths)));
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

fn update_of(r: &JobRecord) -> JobUpdate {
    JobUpdate {
        run_id: r.job_id.clone(),
        kind: serde_json::from_value(json!(r.kind)).unwrap_or(JobKind::Optimize),
        status: r.status.clone(),
        progress: r.progress,
        message: r.message.clone(),
        error: r.error.clone(),
    }
}

/// The event of one update; paths in its text are made relative as in every JSON answer.
fn event_of(u: &JobUpdate, paths: &super::ServerPaths) -> Event {
    let (name, data) = if repo::is_terminal(&u.status) {
        let data = json!({ "run_id": u.run_id, "status": u.status, "error": u.error, "progress": u.progress });
        ("done", data)
    } else {
        let data = json!({ "run_id": u.run_id, "status": u.status, "progress": u.progress, "message": u.message });
        ("progress", data)
    };
    Event::default().event(name).data(paths.relativize(&data.to_string()))
}

fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        let item = super::error::validation_item(
            "json_invalid",
            vec![json!("body"), json!(e.column())],
            &format!("JSON decode error: {e}"),
            json!({}),
        );
        ApiError::Validation(vec![item])
    })
}

fn spec_422(e: model::spec::SpecError) -> ApiError {
    ApiError::invalid(loc_of("body", &e.field), e.message, Value::Null)
}

/// Checks the spec's data path against the data root and its MySQL source against the allowed ones (403 when
/// either is refused), then queues the job.
async fn enqueue(s: &ApiState, spec: JobSpec, value: &Value) -> Result<String, ApiError> {
    use engine::data::DataError;
    let data = spec.data();
    let refusal = match (data.file(), &data.mysql) {
        (Some(file), _) => engine::data::resolve_path(file, Some(&s.data_root)).err(),
        (None, Some(m)) => s.sources.url_for(m).err(),
        (None, None) => None,
    };
    if let Some(e @ (DataError::OutsideDataRoot { .. } | DataError::SourceRefused { .. })) = refusal {
        return Err(ApiError::Detail(StatusCode::FORBIDDEN, e.to_string()));
    }
    s.jobs.submit(spec, &value.to_string()).await.map_err(|e| match e {
        SubmitError::QueueFull { .. } => ApiError::Detail(StatusCode::TOO_MANY_REQUESTS, e.to_string()),
        SubmitError::ShuttingDown => ApiError::Detail(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
        SubmitError::Store(e) => e.into(),
    })
}

/// Waits for the job; a job that did not complete becomes the error answer a synchronous client expects.
async fn finished_or_error(s: &ApiState, id: &str) -> Result<(), ApiError> {
    let rec = s
        .jobs
        .wait(id)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("job {id} vanished")))?;
    let error = rec.error.clone().unwrap_or_default();
    match (rec.status.as_str(), rec.reason.as_deref()) {
        (repo::COMPLETED, _) => Ok(()),
        (repo::CANCELLED, _) => Err(ApiError::Detail(
            StatusCode::CONFLICT,
            format!("Run {id} was cancelled"),
        )),
        (_, Some(repo::BAD_INPUT)) => Err(ApiError::Detail(StatusCode::UNPROCESSABLE_ENTITY, error)),
        (_, Some(repo::FORBIDDEN)) => Err(ApiError::Detail(StatusCode::FORBIDDEN, error)),
        (_, Some(repo::INTERRUPTED)) => Err(ApiError::Detail(StatusCode::SERVICE_UNAVAILABLE, error)),
        _ => Err(ApiError::Internal(format!("job {id} failed: {error}"))),
    }
}

fn prefers_async(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("respond-async"))
}

fn accepted(id: &str) -> Response {
    let body = Json(json!({ "id": id, "status": "queued" }));
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, format!("/status/{id}"))],
        body,
    )
        .into_response()
}
