//! The `jobs` table: one row per submitted run of any kind, from `queued` to `completed`, `failed` or
//! `cancelled`, with progress, the error and where the result document is.

use super::text::StoredText;
use super::{parse_name, Store, StoreError};

pub use model::jobs::{FailureReason, JobKind, JobRecord, JobStatus};

/// Now as `YYYY-MM-DD HH:MM:SS.mmm` (UTC): sortable, and fine-grained enough to order submissions.
pub fn now_text() -> String {
    chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

/// Inserts a new `queued` job.
pub async fn insert(store: &Store, job_id: &str, kind: JobKind, spec_json: &str) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO jobs (job_id, kind, status, spec_json, progress, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(job_id)
        .bind(kind.as_str())
        .bind(JobStatus::Queued.as_str())
        .bind(spec_json)
        .bind(0.0)
        .bind(now_text())
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Marks the job `running` with `started_at` now.
pub async fn set_running(store: &Store, job_id: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE jobs SET status = ?, started_at = ? WHERE job_id = ?")
        .bind(JobStatus::Running.as_str())
        .bind(now_text())
        .bind(job_id)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Records progress (fraction 0…1 and a message of at most 1000 characters).
pub async fn set_progress(store: &Store, job_id: &str, progress: f64, message: &str) -> Result<(), StoreError> {
    let message: String = message.chars().take(1000).collect();
    sqlx::query("UPDATE jobs SET progress = ?, message = ? WHERE job_id = ? AND status = ?")
        .bind(progress)
        .bind(message)
        .bind(job_id)
        .bind(JobStatus::Running.as_str())
        .execute(store.pool())
        .await?;
    Ok(())
}

/// How a job ended.
#[derive(Debug, Clone)]
pub struct Finish<'a> {
    pub status: JobStatus,
    pub error: Option<&'a str>,
    pub reason: Option<FailureReason>,
    pub result_path: Option<&'a str>,
}

impl Finish<'_> {
    /// An end in `status` with no error, reason or result.
    pub fn of(status: JobStatus) -> Self {
        Finish {
            status,
            error: None,
            reason: None,
            result_path: None,
        }
    }
}

/// The message of a completed job (its last progress message was about a phase it has left).
pub const DONE_MESSAGE: &str = "done";

/// Sets the final status, error, reason and result path, with `finished_at` now (progress 1 and the message
/// [`DONE_MESSAGE`] when completed).
pub async fn finish(store: &Store, job_id: &str, end: &Finish<'_>) -> Result<(), StoreError> {
    let error: Option<String> = end.error.map(|e| e.chars().take(4000).collect());
    let progress_sql = if end.status == JobStatus::Completed {
        format!(", progress = 1, message = '{DONE_MESSAGE}'")
    } else {
        String::new()
    };
    let sql = format!(
        "UPDATE jobs SET status = ?, error = ?, reason = ?, result_path = ?, finished_at = ?{progress_sql} \
         WHERE job_id = ?"
    );
    sqlx::query(&sql)
        .bind(end.status.as_str())
        .bind(error)
        .bind(end.reason.map(FailureReason::as_str))
        .bind(end.result_path)
        .bind(now_text())
        .bind(job_id)
        .execute(store.pool())
        .await?;
    Ok(())
}

const COLS: &str =
    "job_id, kind, status, progress, message, error, reason, result_path, created_at, started_at, finished_at";

/// One job, or None.
pub async fn get(store: &Store, job_id: &str) -> Result<Option<JobRecord>, StoreError> {
    let row: Option<JobRow> = sqlx::query_as(&format!("SELECT {COLS} FROM jobs WHERE job_id = ?"))
        .bind(job_id)
        .fetch_optional(store.pool())
        .await?;
    row.map(JobRecord::try_from).transpose()
}

/// The job's spec as submitted.
pub async fn spec_json(store: &Store, job_id: &str) -> Result<Option<String>, StoreError> {
    let spec: Option<StoredText> = sqlx::query_scalar("SELECT spec_json FROM jobs WHERE job_id = ?")
        .bind(job_id)
        .fetch_optional(store.pool())
        .await?;
    Ok(spec.map(String::from))
}

/// Jobs newest first, optionally of one kind and status.
pub async fn list(
    store: &Store,
    kind: Option<JobKind>,
    status: Option<JobStatus>,
    limit: i64,
    offset: i64,
) -> Result<Vec<JobRecord>, StoreError> {
    let mut sql = format!("SELECT {COLS} FROM jobs WHERE 1 = 1");
    if kind.is_some() {
        sql.push_str(" AND kind = ?");
    }
    if status.is_some() {
        sql.push_str(" AND status = ?");
    }
    sql.push_str(" ORDER BY created_at DESC, job_id LIMIT ? OFFSET ?");
    let mut q = sqlx::query_as(&sql);
    for v in [kind.map(JobKind::as_str), status.map(JobStatus::as_str)]
        .into_iter()
        .flatten()
    {
        q = q.bind(v);
    }
    let rows: Vec<JobRow> = q.bind(limit).bind(offset).fetch_all(store.pool()).await?;
    rows.into_iter().map(JobRecord::try_from).collect()
}

/// The most recently finished job of `kind` with status `completed`.
pub async fn latest_completed(store: &Store, kind: JobKind) -> Result<Option<JobRecord>, StoreError> {
    let sql = format!("SELECT {COLS} FROM jobs WHERE kind = ? AND status = ? ORDER BY finished_at DESC LIMIT 1");
    let row: Option<JobRow> = sqlx::query_as(&sql)
        .bind(kind.as_str())
        .bind(JobStatus::Completed.as_str())
        .fetch_optional(store.pool())
        .await?;
    row.map(JobRecord::try_from).transpose()
}

/// A job a restarted server runs (again): its id, kind and stored spec.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Requeued {
    pub job_id: String,
    /// As stored: a name no longer known fails that job alone when it is resumed.
    pub kind: String,
    #[sqlx(try_from = "StoredText")]
    pub spec_json: String,
}

/// After a crash or stop: `queued` jobs stay queued; a `running` job is queued again once (`restarts` + 1), and
/// fails `interrupted` when it was interrupted again. Returns every job now queued, oldest first.
pub async fn requeue_unfinished(store: &Store) -> Result<Vec<Requeued>, StoreError> {
    let mut tx = store.pool().begin().await?;
    let again = ids_in(
        &mut tx,
        "SELECT job_id FROM jobs WHERE status = ? AND restarts >= 1",
        JobStatus::Running,
    )
    .await?;
    fail_in(
        &mut tx,
        &again,
        "interrupted: the server stopped twice while the job ran",
    )
    .await?;
    sqlx::query(
        "UPDATE jobs SET status = ?, restarts = restarts + 1, progress = 0, message = ?, started_at = NULL \
         WHERE status = ?",
    )
    .bind(JobStatus::Queued.as_str())
    .bind("queued again: the server stopped while the job ran")
    .bind(JobStatus::Running.as_str())
    .execute(&mut *tx)
    .await?;
    let requeued = sqlx::query_as("SELECT job_id, kind, spec_json FROM jobs WHERE status = ? ORDER BY created_at")
        .bind(JobStatus::Queued.as_str())
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(requeued)
}

/// At shutdown: every job still `running` becomes `failed` with reason `interrupted`, and so do its
/// `experiment_runs` (`FAILED`) and `seasonality_runs` (`failed`) rows; queued jobs stay queued for the next
/// start. Returns the job ids.
pub async fn fail_running(store: &Store) -> Result<Vec<String>, StoreError> {
    let mut tx = store.pool().begin().await?;
    let ids = ids_in(&mut tx, "SELECT job_id FROM jobs WHERE status = ?", JobStatus::Running).await?;
    fail_in(&mut tx, &ids, "interrupted: the server stopped before the job finished").await?;
    tx.commit().await?;
    Ok(ids)
}

async fn ids_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    sql: &str,
    status: JobStatus,
) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(sql)
        .bind(status.as_str())
        .fetch_all(&mut **tx)
        .await?)
}

/// Marks the jobs `ids` failed (interrupted) with `error`, with their run rows.
async fn fail_in(tx: &mut sqlx::Transaction<'_, sqlx::Any>, ids: &[String], error: &str) -> Result<(), StoreError> {
    let now = now_text();
    for id in ids {
        sqlx::query("UPDATE jobs SET status = ?, reason = ?, error = ?, finished_at = ? WHERE job_id = ?")
            .bind(JobStatus::Failed.as_str())
            .bind(FailureReason::Interrupted.as_str())
            .bind(error)
            .bind(&now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        end_run_rows(tx, id, None, JobStatus::Failed).await?;
    }
    Ok(())
}

/// The ids of every job that ended interrupted (by a crash, a stop, or the shutdown grace).
pub async fn interrupted_ids(store: &Store) -> Result<Vec<String>, StoreError> {
    let ids = sqlx::query_scalar("SELECT job_id FROM jobs WHERE reason = ?")
        .bind(FailureReason::Interrupted.as_str())
        .fetch_all(store.pool())
        .await?;
    Ok(ids)
}

/// The `experiment_runs` row of a submitted optimisation, written before it runs.
#[derive(Debug, Clone)]
pub struct QueuedRun<'a> {
    pub run_id: &'a str,
    pub dataset_id: Option<&'a str>,
    pub objective: &'a str,
    pub out_dir: &'a str,
}

/// Inserts the run row of an optimisation job with status `QUEUED` (so `GET /runs` shows it at once).
pub async fn register_queued_run(store: &Store, run: &QueuedRun<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO experiment_runs (run_id, dataset_id, status, objective, out_dir, started_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(run.run_id)
    .bind(run.dataset_id)
    .bind(JobStatus::Queued.run_label())
    .bind(run.objective)
    .bind(run.out_dir)
    .bind(crate::time::now_db_text())
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Ends the run rows of a job that did not complete: `experiment_runs` becomes `FAILED`/`CANCELLED` and
/// `seasonality_runs` `failed`, unless the job body already recorded an end.
pub async fn fail_run_rows(store: &Store, job_id: &str, kind: JobKind, status: JobStatus) -> Result<(), StoreError> {
    let mut conn = store.pool().acquire().await?;
    end_run_rows(&mut conn, job_id, Some(kind), status).await
}

/// Ends the unfinished run rows of job `id` (of `kind`, or of any kind): `experiment_runs` with `status`'s upper-case
/// label, `seasonality_runs` as `failed`.
async fn end_run_rows(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    kind: Option<JobKind>,
    status: JobStatus,
) -> Result<(), StoreError> {
    if kind.is_none_or(|k| k == JobKind::Optimize) {
        sqlx::query("UPDATE experiment_runs SET status = ?, finished_at = ? WHERE run_id = ? AND status IN (?, ?)")
            .bind(status.run_label())
            .bind(crate::time::now_db_text())
            .bind(id)
            .bind(JobStatus::Queued.run_label())
            .bind(JobStatus::Running.run_label())
            .execute(&mut *conn)
            .await?;
    }
    if kind.is_none_or(|k| matches!(k, JobKind::Seasonality | JobKind::SeasonalityOptimize)) {
        sqlx::query("UPDATE seasonality_runs SET status = ? WHERE run_id = ? AND status = ?")
            .bind(JobStatus::Failed.as_str())
            .bind(id)
            .bind(JobStatus::Running.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A `jobs` row as stored: vocabulary names and long texts as the driver hands them over.
#[derive(sqlx::FromRow)]
struct JobRow {
    job_id: String,
    kind: String,
    status: String,
    progress: f64,
    #[sqlx(try_from = "StoredText")]
    message: Option<String>,
    #[sqlx(try_from = "StoredText")]
    error: Option<String>,
    #[sqlx(try_from = "StoredText")]
    reason: Option<String>,
    #[sqlx(try_from = "StoredText")]
    result_path: Option<String>,
    created_at: String,
    started_at: Option<String>,
    finished_at: Option<String>,
}

/// The job of a stored row; an unknown kind, status or reason is [`StoreError::Corrupt`].
impl TryFrom<JobRow> for JobRecord {
    type Error = StoreError;

    fn try_from(r: JobRow) -> Result<Self, StoreError> {
        Ok(JobRecord {
            job_id: r.job_id,
            kind: parse_name("jobs", "kind", &r.kind)?,
            status: parse_name("jobs", "status", &r.status)?,
            progress: r.progress,
            message: r.message,
            error: r.error,
            reason: r.reason.map(|t| parse_name("jobs", "reason", &t)).transpose()?,
            result_path: r.result_path,
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        })
    }
}

#[cfg(test)]
#[path = "jobs_tests.rs"]
mod tests;
