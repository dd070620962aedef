//! The bounded job executor: a submission writes its `queued` row first, waits for one of `workers` slots, runs
//! its body with progress and cancellation, and ends `completed` (result document on disk), `failed` or
//! `cancelled`. More than `workers + queue_limit` unfinished jobs are refused instead of piling up.

use super::execution;
use super::{JobContext, JobError, JobKind, JobResult, JobSpec};
use crate::data::LoadOptions;
use crate::store::jobs::{self as repo, FailureReason, JobStatus};
use crate::store::{Store, StoreError};
use futures_util::future::BoxFuture;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{watch, Notify, Semaphore};

/// Executor settings.
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// Jobs running at once.
    pub workers: usize,
    /// Accepted jobs waiting for a worker beyond those running.
    pub queue_limit: usize,
    /// Each run writes under `<artifacts_dir>/<run_id>/`.
    pub artifacts_dir: PathBuf,
    /// How specs' data is loaded (data root, MySQL defaults).
    pub load: LoadOptions,
    /// Hands optimisations' trials to `qe worker`s (`QE_NATS_URL`); None computes everything here.
    pub nats: Option<super::nats::Nats>,
}

/// A job body: runs a spec in a context. [`Jobs::start`] uses [`super::execute`].
pub type Body = Arc<dyn Fn(JobContext, JobSpec) -> BoxFuture<'static, Result<JobResult, JobError>> + Send + Sync>;

/// A queued job: its run id and, once it has completed, its result as computed (a synchronous POST answers
/// from it without reading `result.json` back).
#[derive(Debug, Clone)]
pub struct Submission {
    pub id: String,
    result: Arc<OnceLock<Arc<JobResult>>>,
}

impl Submission {
    /// The job's result, once it has completed.
    pub fn result(&self) -> Option<Arc<JobResult>> {
        self.result.get().cloned()
    }
}

/// The live state of a job, as streamed to watchers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobUpdate {
    pub run_id: String,
    pub kind: JobKind,
    pub status: JobStatus,
    pub progress: f64,
    pub message: Option<String>,
    pub error: Option<String>,
}

/// Why a submission was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("the job queue is full ({limit} jobs unfinished); retry later")]
    QueueFull { limit: usize },
    #[error("the server is shutting down")]
    ShuttingDown,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a cancel request found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelOutcome {
    /// The job will stop at its next check (a queued job never starts).
    Requested,
    /// The job had already ended with this status.
    AlreadyFinished(JobStatus),
    NotFound,
}

/// The executor; cheap to clone.
#[derive(Clone)]
pub struct Jobs {
    inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) store: Store,
    pub(super) config: JobsConfig,
    pub(super) body: Body,
    pub(super) slots: Semaphore,
    pub(super) unfinished: AtomicUsize,
    pub(super) live: Mutex<HashMap<String, Live>>,
    pub(super) accepting: AtomicBool,
    pub(super) draining: AtomicBool,
    pub(super) settled: Notify,
}

#[derive(Clone)]
pub(super) struct Live {
    pub(super) cancel: Arc<AtomicBool>,
    pub(super) updates: Arc<watch::Sender<JobUpdate>>,
    /// Set when the job completes, before its last update is sent.
    pub(super) result: Arc<OnceLock<Arc<JobResult>>>,
}

impl Jobs {
    /// Runs again the jobs a previous process left queued or running (a job interrupted twice fails
    /// `interrupted`) and starts an executor running the real job bodies.
    pub async fn start(store: Store, config: JobsConfig) -> Result<Jobs, StoreError> {
        let body: Body = Arc::new(|ctx, spec| Box::pin(async move { super::execute(&ctx, spec).await }));
        Self::start_with(store, config, body).await
    }

    /// [`Jobs::start`] with another body (tests of the executor itself).
    pub async fn start_with(store: Store, config: JobsConfig, body: Body) -> Result<Jobs, StoreError> {
        let requeued = repo::requeue_unfinished(&store).await?;
        let mut aside = repo::interrupted_ids(&store).await?;
        // A re-run starts from an empty folder: whatever the interrupted attempt wrote is set aside.
        aside.extend(requeued.iter().map(|j| j.job_id.clone()));
        super::leftovers::set_aside_interrupted(&config.artifacts_dir, &aside);
        let workers = config.workers.max(1);
        let jobs = Jobs {
            inner: Arc::new(Inner {
                store,
                slots: Semaphore::new(workers),
                config: JobsConfig { workers, ..config },
                body,
                unfinished: AtomicUsize::new(0),
                live: Mutex::new(HashMap::new()),
                accepting: AtomicBool::new(true),
                draining: AtomicBool::new(false),
                settled: Notify::new(),
            }),
        };
        if !requeued.is_empty() {
            let ids: Vec<&str> = requeued.iter().map(|j| j.job_id.as_str()).collect();
            tracing::warn!(
                count = ids.len(),
                ?ids,
                "jobs a previous process left unfinished are queued again"
            );
        }
        for job in requeued {
            jobs.resume(job).await;
        }
        Ok(jobs)
    }

    /// Schedules a job whose row a previous process wrote; a spec that no longer parses fails it (`bad_input`).
    async fn resume(&self, job: repo::Requeued) {
        let parsed = job.kind.parse::<JobKind>().map_err(|e| e.to_string()).and_then(|kind| {
            let value = serde_json::from_str(&job.spec_json).map_err(|e| e.to_string())?;
            JobSpec::parse(kind, value).map_err(|e| e.to_string())
        });
        match parsed {
            Ok(spec) => {
                self.inner.unfinished.fetch_add(1, Ordering::SeqCst);
                let load = self.inner.config.load.clone();
                self.schedule(job.job_id, spec, load);
            }
            Err(e) => {
                let error = format!("the stored spec cannot run again: {e}");
                let end = repo::Finish {
                    status: JobStatus::Failed,
                    error: Some(&error),
                    reason: Some(FailureReason::BadInput),
                    result_path: None,
                };
                if let Err(e) = repo::finish(&self.inner.store, &job.job_id, &end).await {
                    tracing::error!(run_id = %job.job_id, error = %e, "cannot fail a stored job");
                }
            }
        }
    }

    /// The store jobs persist to.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// How jobs load their data (also a replayed trial's, as a resumed job's).
    pub fn load_options(&self) -> &LoadOptions {
        &self.inner.config.load
    }

    /// Writes the job's `queued` row (and its run row) and schedules it.
    pub async fn submit(&self, spec: JobSpec, spec_json: &str) -> Result<Submission, SubmitError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        self.submit_as(id, spec, spec_json, self.inner.config.load.clone())
            .await
    }

    /// [`Jobs::submit`] under a chosen run id (the demo runs get stable, linkable ids; the id must be new) and with
    /// other load options (the server's own demo jobs read from its home, which may lie outside the data root).
    pub async fn submit_as(
        &self,
        id: String,
        spec: JobSpec,
        spec_json: &str,
        load: LoadOptions,
    ) -> Result<Submission, SubmitError> {
        let inner = &self.inner;
        if !inner.accepting.load(Ordering::SeqCst) {
            return Err(SubmitError::ShuttingDown);
        }
        let limit = inner.config.workers + inner.config.queue_limit;
        inner
            .unfinished
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < limit).then_some(n + 1))
            .map_err(|_| SubmitError::QueueFull { limit })?;
        if let Err(e) = register(inner, &id, &spec, spec_json).await {
            inner.unfinished.fetch_sub(1, Ordering::SeqCst);
            return Err(e.into());
        }
        let result = self.schedule(id.clone(), spec, load);
        Ok(Submission { id, result })
    }

    /// Makes the job live (watchable, cancellable) and spawns its execution; the caller counted it unfinished.
    /// Returns the slot its result will be put in.
    fn schedule(&self, id: String, spec: JobSpec, load: LoadOptions) -> Arc<OnceLock<Arc<JobResult>>> {
        let (tx, _) = watch::channel(JobUpdate {
            run_id: id.clone(),
            kind: spec.kind(),
            status: JobStatus::Queued,
            progress: 0.0,
            message: None,
            error: None,
        });
        let live = Live {
            cancel: Arc::new(AtomicBool::new(false)),
            updates: Arc::new(tx),
            result: Arc::new(OnceLock::new()),
        };
        let result = live.result.clone();
        self.lock_live().insert(id.clone(), live.clone());
        tokio::spawn(execution::run_one(self.inner.clone(), id, spec, live, load));
        result
    }

    /// A receiver of the job's updates while it is queued or running; None once it has ended (read the store).
    pub fn watch(&self, id: &str) -> Option<watch::Receiver<JobUpdate>> {
        self.lock_live().get(id).map(|l| l.updates.subscribe())
    }

    /// Waits until the job has ended and returns its row (None for an unknown id).
    pub async fn wait(&self, id: &str) -> Result<Option<repo::JobRecord>, StoreError> {
        if let Some(mut rx) = self.watch(id) {
            while !rx.borrow_and_update().status.is_terminal() {
                if rx.changed().await.is_err() {
                    break;
                }
            }
        }
        repo::get(&self.inner.store, id).await
    }

    /// Asks a queued or running job to stop.
    pub async fn cancel(&self, id: &str) -> Result<CancelOutcome, StoreError> {
        if let Some(live) = self.lock_live().get(id) {
            live.cancel.store(true, Ordering::SeqCst);
            return Ok(CancelOutcome::Requested);
        }
        Ok(match repo::get(&self.inner.store, id).await? {
            Some(r) => CancelOutcome::AlreadyFinished(r.status),
            None => CancelOutcome::NotFound,
        })
    }

    /// The stored result document of a completed job (None when unknown, unfinished or failed), as written.
    pub async fn result(&self, id: &str) -> Result<Option<serde_json::Value>, JobError> {
        let Some(rec) = repo::get(&self.inner.store, id).await? else {
            return Ok(None);
        };
        execution::read_result(&rec).await
    }

    /// The result document of the most recent completed job of `kind`.
    pub async fn latest_result(&self, kind: JobKind) -> Result<Option<serde_json::Value>, JobError> {
        let Some(rec) = repo::latest_completed(&self.inner.store, kind).await? else {
            return Ok(None);
        };
        execution::read_result(&rec).await
    }

    /// Stops accepting jobs; queued jobs stay queued (the next start runs them); running jobs get `grace` to
    /// finish, then are cancelled, and whatever still runs is marked interrupted.
    pub async fn shutdown(&self, grace: Duration) {
        let inner = &self.inner;
        inner.accepting.store(false, Ordering::SeqCst);
        inner.draining.store(true, Ordering::SeqCst);
        let lives: Vec<Live> = self.lock_live().values().cloned().collect();
        for l in &lives {
            if l.updates.borrow().status == JobStatus::Queued {
                l.cancel.store(true, Ordering::SeqCst);
            }
        }
        if !self.settle(grace).await {
            tracing::warn!("jobs still running after the shutdown grace period; cancelling them");
            for l in self.lock_live().values() {
                l.cancel.store(true, Ordering::SeqCst);
            }
            self.settle(Duration::from_secs(5)).await;
        }
        match repo::fail_running(&inner.store).await {
            Ok(ids) if !ids.is_empty() => tracing::warn!(?ids, "marked interrupted at shutdown"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "cannot mark unfinished jobs at shutdown"),
        }
    }

    /// Waits until no job is unfinished, at most `limit`; true when settled.
    async fn settle(&self, limit: Duration) -> bool {
        let wait = async {
            loop {
                let notified = self.inner.settled.notified();
                if self.inner.unfinished.load(Ordering::SeqCst) == 0 {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(limit, wait).await.is_ok()
    }

    fn lock_live(&self) -> std::sync::MutexGuard<'_, HashMap<String, Live>> {
        self.inner.live.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Writes the job row and, for kinds with a run table of their own, its queued run row.
async fn register(inner: &Inner, id: &str, spec: &JobSpec, spec_json: &str) -> Result<(), StoreError> {
    repo::insert(&inner.store, id, spec.kind(), spec_json).await?;
    if let JobSpec::Optimize(s) = spec {
        let dataset = dataset_id(&s.data);
        let run = repo::QueuedRun {
            run_id: id,
            dataset_id: dataset.as_deref(),
            objective: s.strategy.objective.key(),
            out_dir: &inner.config.artifacts_dir.join(id).display().to_string(),
        };
        repo::register_queued_run(&inner.store, &run).await?;
    }
    Ok(())
}

/// A data set's name for run rows: the file stem, or the MySQL table.
pub fn dataset_id(data: &model::spec::DataSpec) -> Option<String> {
    if let Some(file) = data.file() {
        return Path::new(file).file_stem().map(|s| s.to_string_lossy().into_owned());
    }
    data.mysql.as_ref().map(|m| m.table.clone())
}

#[cfg(test)]
#[path = "runner_tests.rs"]
mod tests;
