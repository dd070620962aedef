//! The JSON API: the original's endpoints with their exact paths, parameters and shapes, plus jobs, events,
//! cancellation and health. Mutating endpoints honour `QE_API_TOKEN`; CORS, body size and timeouts are layered here.

mod artifacts;
mod compare;
mod error;
mod export;
mod jobs;
mod levels;
mod openapi;
mod params;
mod protect;
mod reads;
mod server_paths;
mod session;
mod signin;
mod trial;

pub use protect::Protection;
pub use server_paths::ServerPaths;
pub use session::Sessions;
pub use signin::routes as signin_routes;

use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use engine::jobs::Jobs;
use engine::store::Store;
use std::path::PathBuf;

/// What every API handler can reach.
#[derive(Clone)]
pub struct ApiState {
    pub store: Store,
    pub jobs: Jobs,
    /// Relative `dataset_path`s of specs received over HTTP resolve here and may not leave it.
    pub data_root: PathBuf,
    /// Each run's artifacts are in `<artifacts_dir>/<run id>` (`GET /runs/{id}/artifacts/{name}`).
    pub artifacts_dir: PathBuf,
    /// The work budget every spec is checked against before it is queued (`QE_MAX_TRIALS`).
    pub limits: model::spec::limits::Limits,
    /// The MySQL marketdata sources a spec received over HTTP may reach.
    pub sources: engine::data::SourcePolicy,
    /// The server folders that answers name relative paths under.
    pub paths: server_paths::ServerPaths,
    /// Where jobs' tasks go (`QE_NATS_URL`); None runs everything in this process.
    pub nats: Option<engine::jobs::nats::Nats>,
}

/// The API routes with their protection layers (auth, CORS, body limit, timeout; the event stream has no timeout).
pub fn router(state: ApiState, protection: &Protection) -> Router {
    let timed = Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/submit", post(jobs::submit))
        .route("/status/{id}", get(jobs::status))
        .route("/result/{id}", get(jobs::result))
        .route("/jobs", get(jobs::list))
        .route("/jobs/{id}/tasks", get(jobs::tasks))
        .route("/workers", get(jobs::workers))
        .route("/runs", get(reads::runs))
        .route("/runs/{id}", get(reads::run))
        .route("/runs/{id}/trials", get(reads::trials))
        .route("/runs/{id}/trials/{trial}", get(trial::detail))
        .route("/runs/{id}/trials/{trial}/trades", get(trial::trades))
        .route("/runs/{id}/metrics", get(reads::metrics))
        .route("/runs/{id}/overfitting", get(reads::overfitting))
        .route("/runs/{id}/artifacts", get(artifacts::list))
        .route("/runs/{id}/artifacts/{name}", get(artifacts::download))
        .route("/runs/{id}/cancel", post(jobs::cancel))
        .route("/stats/run", post(jobs::stats_run))
        .route("/stats/result", get(jobs::stats_result))
        .route("/stats", get(reads::stats))
        .route("/stats/summary", get(reads::stats_summary))
        .route("/stats/heatmap", get(reads::stats_heatmap))
        .route("/stats/top", get(reads::stats_top))
        .route("/stats/conditions", get(reads::stats_conditions))
        .route("/filters/list", get(reads::filters_list))
        .route("/seasonality/run", post(jobs::seasonality_run))
        .route("/seasonality/optimize", post(jobs::seasonality_optimize))
        .route("/seasonality/profiles", get(reads::profiles))
        .route("/seasonality/runs", get(reads::seasonality_runs))
        .route("/seasonality/runs/{id}", get(reads::seasonality_run))
        .route(
            "/seasonality/runs/{id}/overfitting",
            get(reads::seasonality_overfitting),
        )
        .route("/seasonality/runs/{id}/trials", get(reads::seasonality_trials))
        .route("/seasonality/years", get(reads::seasonality_years))
        .route("/seasonality/compare", get(compare::compare))
        .route("/seasonality/correlation", get(compare::correlation))
        .route("/levels", get(levels::list))
        .route("/levels/active", get(levels::active))
        .route("/levels/search", get(levels::search))
        .route("/levels/nearest", get(levels::nearest))
        .route("/levels/build", post(levels::build))
        .route("/levels/fill", post(levels::fill));
    let timed = protection.with_timeout(timed);
    let streams = Router::new().route("/runs/{id}/events", get(jobs::events));
    let relative = axum::middleware::from_fn_with_state(state.paths.clone(), server_paths::relativize_json);
    // A handler that panics answers a generic 500 with a request id instead of a dropped connection.
    let panics = tower_http::catch_panic::CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
        error::ApiError::Internal("a request handler panicked".into()).into_response()
    });
    protection
        .apply(timed.merge(streams))
        .layer(relative)
        .layer(panics)
        .with_state(state)
}
