//! A job as stored, its tasks on `qe worker`s and the live workers, for the job page (the same reads as
//! `GET /status/{id}`, `GET /jobs/{id}/tasks` and `GET /workers`).

use leptos::prelude::*;
use model::tasks::{TaskRow, WorkerRow};
use serde::{Deserialize, Serialize};

/// What the job page's tasks panel shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobTasks {
    /// False when the server runs without NATS: every job is computed in its process.
    pub distributed: bool,
    pub tasks: Vec<TaskRow>,
    pub workers: Vec<WorkerRow>,
}

/// The NATS connection `qe serve` hands to every request (None without `QE_NATS_URL`).
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct NatsContext(pub Option<engine::jobs::nats::Nats>);

/// Job `job_id` as stored (status, progress, message, error), or None for an unknown id.
#[server]
pub async fn get_job(job_id: String) -> Result<Option<model::jobs::JobRecord>, ServerFnError> {
    let store = super::store()?;
    engine::store::jobs::get(&store, &job_id).await.map_err(super::fail)
}

/// Job `job_id`'s tasks and the live workers.
#[server]
pub async fn get_job_tasks(job_id: String) -> Result<JobTasks, ServerFnError> {
    let Some(nats) = use_context::<NatsContext>().and_then(|c| c.0) else {
        return Ok(JobTasks::default());
    };
    let workers = nats.workers().await.map_err(super::fail)?;
    Ok(JobTasks {
        distributed: true,
        tasks: nats.board().tasks(&job_id).unwrap_or_default(),
        workers,
    })
}
