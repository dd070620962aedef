//! `qe jobs` (jobs of every kind, `GET /jobs`) and `qe cancel ID` (`POST /runs/{id}/cancel`).

use super::http::{Api, Query};
use crate::cli::output::{CliError, Output, Table};
use clap::Args;
use model::jobs::JobStatus;
use serde_json::{json, Value};

#[derive(Debug, Args)]
pub struct JobsArgs {
    /// optimize, stats, seasonality or seasonality_optimize.
    #[arg(long)]
    pub kind: Option<String>,
    /// queued, running, completed, failed or cancelled (any case).
    #[arg(long)]
    pub status: Option<String>,
    /// At most this many jobs (1…500).
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The job (run) id.
    pub id: String,
}

/// Runs `qe jobs`.
pub async fn list(api: &Api, out: Output, a: JobsArgs) -> Result<(), CliError> {
    let mut q: Query = vec![("page", "1".into()), ("page_size", a.limit.to_string())];
    if let Some(k) = &a.kind {
        q.push(("kind", k.trim().to_lowercase()));
    }
    if let Some(s) = &a.status {
        q.push(("status", s.trim().to_lowercase()));
    }
    let rows = api.get("/jobs", &q).await?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    out.emit(&json!(rows), || {
        if rows.is_empty() {
            return "No jobs found".into();
        }
        let flat: Vec<Value> = rows
            .iter()
            .map(|r| {
                let mut r = r.clone();
                let status = r["status"].as_str().and_then(JobStatus::from_label);
                let live = status.is_some_and(|s| !s.is_terminal());
                let message = r["message"].as_str().filter(|_| live);
                let note = r["error"].as_str().or(message).unwrap_or("").to_string();
                r["note"] = json!(note.chars().take(60).collect::<String>());
                r
            })
            .collect();
        let cols = [
            "job_id",
            "kind",
            "status",
            "progress",
            "created_at",
            "finished_at",
            "note",
        ];
        Table::from_rows(&flat, &cols).render()
    });
    Ok(())
}

/// Runs `qe cancel ID`: exit 0 once cancellation is requested, 1 when the job had already ended or is unknown.
pub async fn cancel(api: &Api, out: Output, a: CancelArgs) -> Result<(), CliError> {
    let body = api.post(&format!("/runs/{}/cancel", a.id), &json!({}), false).await?;
    out.emit(&body, || format!("cancellation of {} requested", a.id));
    Ok(())
}

#[derive(Debug, Args)]
pub struct TasksArgs {
    /// The job (run) id.
    pub id: String,
}

/// Runs `qe workers`: the live workers (`GET /workers`).
pub async fn workers(api: &Api, out: Output) -> Result<(), CliError> {
    let rows = api.get("/workers", &Vec::new()).await?;
    let list = rows.as_array().cloned().unwrap_or_default();
    out.emit(&rows, || {
        if list.is_empty() {
            return "No workers (start one with `qe worker --nats URL`)".into();
        }
        let flat: Vec<Value> = list
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r["running"] = json!(r["running"].as_array().map(|a| a.len()).unwrap_or(0));
                r
            })
            .collect();
        let cols = [
            "worker",
            "host",
            "concurrency",
            "running",
            "tasks_done",
            "started_at",
            "last_seen",
        ];
        Table::from_rows(&flat, &cols).render()
    });
    Ok(())
}

/// Runs `qe tasks ID`: a job's tasks on the workers (`GET /jobs/{id}/tasks`).
pub async fn tasks(api: &Api, out: Output, a: TasksArgs) -> Result<(), CliError> {
    let rows = api.get(&format!("/jobs/{}/tasks", a.id), &Vec::new()).await?;
    let list = rows.as_array().cloned().unwrap_or_default();
    out.emit(&rows, || {
        if list.is_empty() {
            return format!("Job {} ran in the server's process (no tasks)", a.id);
        }
        let cols = [
            "task",
            "symbol",
            "unit",
            "first_trial",
            "trials",
            "status",
            "worker",
            "attempts",
            "error",
        ];
        Table::from_rows(&list, &cols).render()
    });
    Ok(())
}
