//! The job endpoints: `POST /submit`, `/stats/run`, `/seasonality/run`, `/seasonality/optimize` (synchronous by
//! default as the original; `Prefer: respond-async` → 202 with the id), `GET /status/{id}`, `/result/{id}`,
//! `/stats/result`, `/jobs`, and the new `GET /runs/{id}/events` (server-sent events) and `POST /runs/{id}/cancel`.

use super::error::{failure_status, ApiError};
use super::params::Params;
use super::ApiState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use engine::jobs::{CancelOutcome, JobKind, JobResult, JobSpec, JobUpdate, Submission, SubmitError};
use engine::store::jobs::{self as repo, JobRecord};
use futures_util::stream::{self, Stream, StreamExt};
use model::jobs::{
    CancelRequested, Cancelling, JobEvent, JobStatus, Queued, StatsRan, StatusAnswer, Submitted, Unknown,
};
use model::results::{ResultAnswer, SeasonalityOptimizeResult, SeasonalityResult, StatsResult};
use model::tasks::{TaskRow, WorkerRow};
use serde_json::{json, Value};
use std::convert::Infallible;

const PREFER: &str = "`respond-async` answers 202 at once";
const QUEUED: &str = "Queued (with `Prefer: respond-async`); `Location` is its status";
const FORBIDDEN: &str = "dataset_path outside the data root, or a MySQL source the operator did not allow";
const INVALID_SPEC: &str = "Invalid spec (a list naming the field) or data (a message)";
const QUEUE_FULL: &str = "Queue full";

/// `POST /submit`: an experiment spec; 400 `Invalid spec: …` as the original. Answers `{"id"}`.
#[utoipa::path(post, path = "/submit", tag = "jobs",
    request_body(content = model::spec::experiment::ExperimentRequest, description = "Experiment spec (reference §1.4)"),
    params(("Prefer" = Option<String>, Header, description = PREFER)),
    responses(
        (status = 200, description = "Run completed", body = Submitted),
        (status = 202, description = QUEUED, body = Queued),
        (status = 400, description = "`Invalid spec: …`", body = model::ApiError),
        (status = 403, description = FORBIDDEN, body = model::ApiError),
        (status = 422, description = "Invalid JSON (a list), or data missing or invalid (a message)",
         body = model::api::Unprocessable),
        (status = 429, description = QUEUE_FULL, body = model::ApiError)))]
pub async fn submit(State(s): State<ApiState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let value = json_body(&body)?;
    let spec = model::spec::experiment::parse_experiment(value.clone())
        .and_then(|spec| s.limits.check_experiment(&spec).map(|()| spec))
        .map_err(|e| ApiError::Detail(StatusCode::BAD_REQUEST, format!("Invalid spec: {e}")))?;
    let job = enqueue(&s, JobSpec::Optimize(Box::new(spec)), &value).await?;
    if prefers_async(&headers) {
        return Ok(accepted(&job.id));
    }
    finished_or_error(&s, &job.id).await?;
    Ok(Json(Submitted { id: job.id }).into_response())
}

/// `POST /stats/run`: a stats spec; 422 naming the field. Answers `{"status": "completed"}`.
#[utoipa::path(post, path = "/stats/run", tag = "stats",
    request_body(content = model::spec::stats::RawSpec, description = "Stats spec (reference §1.5)"),
    params(("Prefer" = Option<String>, Header, description = PREFER)),
    responses(
        (status = 200, description = "Run completed", body = StatsRan),
        (status = 202, description = QUEUED, body = Queued),
        (status = 403, description = FORBIDDEN, body = model::ApiError),
        (status = 422, description = INVALID_SPEC, body = model::api::Unprocessable),
        (status = 429, description = QUEUE_FULL, body = model::ApiError)))]
pub async fn stats_run(State(s): State<ApiState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let value = json_body(&body)?;
    let spec = model::spec::stats::parse_stats(value.clone()).map_err(spec_422)?;
    let job = enqueue(&s, JobSpec::Stats(Box::new(spec)), &value).await?;
    if prefers_async(&headers) {
        return Ok(accepted(&job.id));
    }
    finished_or_error(&s, &job.id).await?;
    Ok(Json(StatsRan {
        status: JobStatus::Completed,
        id: job.id,
    })
    .into_response())
}

/// `POST /seasonality/run`: answers `{"result": <run payload>}`.
#[utoipa::path(post, path = "/seasonality/run", tag = "seasonality",
    request_body(content = model::spec::seasonality::SeasonalitySpec, description = "Seasonality spec (reference §1.6)"),
    params(("Prefer" = Option<String>, Header, description = PREFER)),
    responses(
        (status = 200, description = "The run's result document", body = ResultAnswer<SeasonalityResult>),
        (status = 202, description = QUEUED, body = Queued),
        (status = 403, description = FORBIDDEN, body = model::ApiError),
        (status = 422, description = INVALID_SPEC, body = model::api::Unprocessable),
        (status = 429, description = QUEUE_FULL, body = model::ApiError)))]
pub async fn seasonality_run(s: State<ApiState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    seasonality(s, headers, body, false).await
}

/// `POST /seasonality/optimize`: answers `{"result": {best_value, best_params, best_metrics, paths}}`.
#[utoipa::path(post, path = "/seasonality/optimize", tag = "seasonality",
    request_body(content = model::spec::seasonality::SeasonalitySpec,
                 description = "Seasonality spec with `compute.search_space`"),
    params(("Prefer" = Option<String>, Header, description = PREFER)),
    responses(
        (status = 200, description = "The optimisation's result document", body = ResultAnswer<SeasonalityOptimizeResult>),
        (status = 202, description = QUEUED, body = Queued),
        (status = 403, description = FORBIDDEN, body = model::ApiError),
        (status = 422, description = INVALID_SPEC, body = model::api::Unprocessable),
        (status = 429, description = QUEUE_FULL, body = model::ApiError)))]
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
    let job = enqueue(&s, job, &value).await?;
    if prefers_async(&headers) {
        return Ok(accepted(&job.id));
    }
    finished_or_error(&s, &job.id).await?;
    let result = job
        .result()
        .ok_or_else(|| ApiError::Internal(format!("job {} completed without a result", job.id)))?;
    Ok(Json(ResultAnswer { result: Some(&*result) }).into_response())
}

/// `GET /status/{id}`: `{"status"}` (`unknown` for unknown ids, never 404) plus progress, message and error.
#[utoipa::path(get, path = "/status/{id}", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, description = "The job's state, or `{\"status\": \"unknown\"}` for an id never seen", body = StatusAnswer)))]
pub async fn status(State(s): State<ApiState>, Path(id): Path<String>) -> Result<Json<StatusAnswer>, ApiError> {
    Ok(Json(match repo::get(&s.store, &id).await? {
        Some(r) => StatusAnswer::from(&r),
        None => StatusAnswer::Unknown {
            status: Unknown::Unknown,
        },
    }))
}

/// `GET /result/{id}`: `{"result": …}`, null for unknown or unfinished jobs.
#[utoipa::path(get, path = "/result/{id}", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, description = "The job's result document (of its kind), null when unknown, unfinished or failed",
               body = ResultAnswer<JobResult>)))]
pub async fn result(State(s): State<ApiState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "result": s.jobs.result(&id).await? })))
}

/// `GET /stats/result`: the latest completed stats run's `{"columns", "rows"}`, or `{"result": null}`.
#[utoipa::path(get, path = "/stats/result", tag = "stats",
    responses((status = 200, description = "The latest completed stats run's result, or null", body = ResultAnswer<StatsResult>)))]
pub async fn stats_result(State(s): State<ApiState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "result": s.jobs.latest_result(JobKind::Stats).await? })))
}

/// `GET /jobs/{id}/tasks`: the tasks `qe worker`s ran for the job (new); `[]` for a job computed in this process,
/// 404 for an unknown job.
#[utoipa::path(operation_id = "job_tasks", get, path = "/jobs/{id}/tasks", tag = "jobs",
    params(("id" = String, Path, description = "Job (run) id")),
    responses((status = 200, description = "The tasks `qe worker`s ran for the job, in publishing order; [] for a job \
                                           computed in the server's process", body = [model::tasks::TaskRow]),
               (status = 404, description = "Unknown job", body = model::ApiError)))]
pub async fn tasks(State(s): State<ApiState>, Path(id): Path<String>) -> Result<Json<Vec<TaskRow>>, ApiError> {
    if repo::get(&s.store, &id).await?.is_none() {
        return Err(ApiError::not_found("Job not found"));
    }
    let rows = s.nats.as_ref().and_then(|n| n.board().tasks(&id));
    Ok(Json(rows.unwrap_or_default()))
}

/// `GET /workers`: the live `qe worker`s, those answering a roll call (new); `[]` without `QE_NATS_URL`.
#[utoipa::path(get, path = "/workers", tag = "jobs",
    responses((status = 200, description = "Live `qe worker`s (those answering within 300 ms); [] without QE_NATS_URL", body = [model::tasks::WorkerRow]),
               (status = 503, description = "The NATS server does not answer", body = model::ApiError)))]
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
#[utoipa::path(operation_id = "jobs", get, path = "/jobs", tag = "jobs",
    params(("kind" = Option<String>, Query, description = "optimize, stats, seasonality, seasonality_optimize"),
           ("status" = Option<String>, Query), ("page" = Option<i64>, Query, description = crate::api::openapi::PAGE, minimum = 1, maximum = 1000000),
           ("page_size" = Option<i64>, Query, description = crate::api::openapi::PAGE_SIZE, minimum = 1, maximum = 500)),
    responses((status = 200, body = [model::jobs::JobRecord]),
               (status = 422, description = crate::api::openapi::INVALID_QUERY, body = model::ValidationError)))]
pub async fn list(State(s): State<ApiState>, mut p: Params) -> Result<Json<Vec<JobRecord>>, ApiError> {
    let (page, size) = p.page();
    let (kind, status) = (
        p.named("kind", JobKind::ALL, JobKind::as_str),
        p.named("status", JobStatus::ALL, JobStatus::as_str),
    );
    p.finish()?;
    let offset = (page - 1).saturating_mul(size);
    let rows = repo::list(&s.store, kind, status, size, offset).await?;
    Ok(Json(rows))
}

/// `POST /runs/{id}/cancel`: 202 while the job stops, 409 when it had already ended, 404 when unknown.
#[utoipa::path(post, path = "/runs/{id}/cancel", tag = "jobs", params(("id" = String, Path)),
    responses((status = 202, description = "The job stops at its next check", body = Cancelling),
               (status = 404, body = model::ApiError),
               (status = 409, description = "Already finished", body = model::ApiError)))]
pub async fn cancel(State(s): State<ApiState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    match s.jobs.cancel(&id).await? {
        CancelOutcome::Requested => Ok((
            StatusCode::ACCEPTED,
            Json(Cancelling {
                run_id: id,
                status: CancelRequested::Cancelling,
            }),
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
#[utoipa::path(get, path = "/runs/{id}/events", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, description = "Server-sent events: `progress` events while the job runs, then one `done` \
                                            event; each `data:` line is a JobEvent", content_type = "text/event-stream", body = JobEvent),
               (status = 404, body = model::ApiError)))]
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
            let ended = u.status.is_terminal();
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
        kind: r.kind,
        status: r.status,
        progress: r.progress,
        message: r.message.clone(),
        error: r.error.clone(),
    }
}

/// The event of one update; paths in its text are made relative as in every JSON answer.
fn event_of(u: &JobUpdate, paths: &super::ServerPaths) -> Event {
    let event = JobEvent::of(
        u.run_id.clone(),
        u.status,
        u.progress,
        u.message.clone(),
        u.error.clone(),
    );
    let data = serde_json::to_string(&event).unwrap_or_default();
    Event::default().event(event.name()).data(paths.relativize(&data))
}

fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        let item = model::ValidationItem::new(
            "json_invalid",
            vec!["body".into(), model::LocPart::Index(e.column() as u64)],
            format!("JSON decode error: {e}"),
            json!({}),
        );
        ApiError::Validation(vec![item])
    })
}

fn spec_422(e: model::spec::SpecError) -> ApiError {
    ApiError::invalid_spec(e.path, e.message)
}

/// Checks the spec's data path against the data root and its MySQL source against the allowed ones (403 when
/// either is refused), then queues the job.
async fn enqueue(s: &ApiState, spec: JobSpec, value: &Value) -> Result<Submission, ApiError> {
    use engine::data::DataError;
    let data = spec.data();
    let refusal = match (data.file(), &data.mysql) {
        (Some(file), _) => engine::data::resolve_path(file, Some(&s.data_root)).err(),
        (None, Some(m)) => s.sources.url_for(m).err(),
        (None, None) => None,
    };
    if let Some(e @ (DataError::OutsideDataRoot { .. } | DataError::SourceRefused { .. })) = refusal {
        return Err(engine::jobs::JobError::Data(e).into());
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
    match (rec.status, rec.reason) {
        (JobStatus::Completed, _) => Ok(()),
        (JobStatus::Cancelled, _) => Err(ApiError::Detail(
            StatusCode::CONFLICT,
            format!("Run {id} was cancelled"),
        )),
        (_, Some(reason)) => Err(ApiError::Detail(failure_status(reason), error)),
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
    let body = Json(Queued {
        id: id.to_string(),
        status: JobStatus::Queued,
    });
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, format!("/status/{id}"))],
        body,
    )
        .into_response()
}
