//! A job as stored, its tasks on `qe worker`s and the live workers, for the job page (the same reads as
//! `GET /status/{id}`, `GET /jobs/{id}/tasks` and `GET /workers`), and where a finished job's results are shown.

pub mod page;
pub mod tasks;

#[cfg(feature = "ssr")]
use crate::server_fns;
use leptos::prelude::*;
use model::jobs::JobKind;
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
    let store = server_fns::store()?;
    engine::store::jobs::get(&store, &job_id)
        .await
        .map_err(server_fns::fail)
}

/// Job `job_id`'s tasks and the live workers.
#[server]
pub async fn get_job_tasks(job_id: String) -> Result<JobTasks, ServerFnError> {
    let Some(nats) = use_context::<NatsContext>().and_then(|c| c.0) else {
        return Ok(JobTasks::default());
    };
    let workers = nats.workers().await.map_err(server_fns::fail)?;
    Ok(JobTasks {
        distributed: true,
        tasks: nats.board().tasks(&job_id).unwrap_or_default(),
        workers,
    })
}

/// A progress value as a fraction: values above 1 are read as percentages.
pub fn fraction(p: f64) -> f64 {
    let f = if p > 1.0 { p / 100.0 } else { p };
    f.clamp(0.0, 1.0)
}

/// Where a finished job's results are shown.
pub fn result_href(kind: JobKind, id: &str) -> String {
    match kind {
        JobKind::Stats => "/ui/stats".into(),
        JobKind::Seasonality | JobKind::SeasonalityOptimize => format!("/ui/seasonality?run={id}"),
        JobKind::Optimize => format!("/ui/runs/{id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_reads_as_a_fraction_and_results_have_a_page_per_kind() {
        assert_eq!(fraction(0.4), 0.4);
        assert_eq!(fraction(40.0), 0.4);
        assert_eq!(fraction(-1.0), 0.0);
        assert_eq!(result_href(JobKind::Seasonality, "x"), "/ui/seasonality?run=x");
        assert_eq!(result_href(JobKind::Optimize, "x"), "/ui/runs/x");
    }
}
