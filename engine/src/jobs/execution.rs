//! One job's execution: waiting for a worker slot, running the body with progress and cancellation, storing the
//! result document and the final status.

use super::context::{panicked, INTERNAL_ERROR};
use super::runner::{Inner, Live};
use super::{JobContext, JobError, JobResult, JobSpec, JobUpdate};
use crate::data::LoadOptions;
use crate::store::jobs::{self as repo, FailureReason, Finish, JobStatus};
use crate::store::Store;
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::sync::watch;

pub(super) async fn run_one(inner: Arc<Inner>, id: String, spec: JobSpec, live: Live, load: LoadOptions) {
    let kind = spec.kind();
    let permit = inner.slots.acquire().await;
    if live.cancel.load(Ordering::SeqCst) && inner.draining.load(Ordering::SeqCst) {
        // Shutting down before it started: the row stays queued and the next start runs it.
        drop(permit);
        forget(&inner, &id);
        return;
    }
    let end = if live.cancel.load(Ordering::SeqCst) {
        Ending::of(Err(JobError::Cancelled))
    } else {
        execute_one(&inner, &id, spec, &live, load).await
    };
    let end = if end.status == JobStatus::Cancelled && inner.draining.load(Ordering::SeqCst) {
        end.by_shutdown()
    } else {
        end
    };
    drop(permit);
    let result_path = end.result_path.as_ref().map(|p| p.display().to_string());
    let finish = Finish {
        status: end.status,
        error: end.error.as_deref(),
        reason: end.reason,
        result_path: result_path.as_deref(),
    };
    if let Err(e) = repo::finish(&inner.store, &id, &finish).await {
        tracing::error!(run_id = %id, error = %e, "cannot record the end of a job");
    }
    if end.status != JobStatus::Completed {
        if let Err(e) = repo::fail_run_rows(&inner.store, &id, kind, end.status).await {
            tracing::error!(run_id = %id, error = %e, "cannot mark the run row");
        }
    }
    tracing::info!(run_id = %id, kind = kind.as_str(), status = end.status.as_str(), error = ?end.error, "job ended");
    if let Some(result) = end.result {
        let _ = live.result.set(result);
    }
    live.updates.send_modify(|u| {
        u.status = end.status;
        u.error = end.error.clone();
        if end.status == JobStatus::Completed {
            u.progress = 1.0;
            u.message = Some(repo::DONE_MESSAGE.into());
        }
    });
    forget(&inner, &id);
}

/// Drops a job from the live set and the unfinished count.
fn forget(inner: &Inner, id: &str) {
    inner.live.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
    inner.unfinished.fetch_sub(1, Ordering::SeqCst);
    inner.settled.notify_waiters();
}

/// The end of a job as recorded.
struct Ending {
    status: JobStatus,
    error: Option<String>,
    reason: Option<FailureReason>,
    result_path: Option<PathBuf>,
    result: Option<Arc<JobResult>>,
}

impl Ending {
    fn of(outcome: Result<(PathBuf, JobResult), JobError>) -> Ending {
        match outcome {
            Ok((path, result)) => Ending {
                status: JobStatus::Completed,
                error: None,
                reason: None,
                result_path: Some(path),
                result: Some(Arc::new(result)),
            },
            Err(JobError::Cancelled) => Ending {
                status: JobStatus::Cancelled,
                error: Some("cancelled on request".into()),
                reason: None,
                result_path: None,
                result: None,
            },
            Err(e) => Ending {
                status: JobStatus::Failed,
                reason: e.failure_reason(),
                error: Some(e.to_string()),
                result_path: None,
                result: None,
            },
        }
    }

    /// A cancellation that came from the server's shutdown (its grace period ran out), not from a client.
    fn by_shutdown(self) -> Ending {
        Ending {
            error: Some("cancelled: the server shut down before the job finished (QE_SHUTDOWN_GRACE)".into()),
            ..self
        }
    }
}

async fn execute_one(inner: &Arc<Inner>, id: &str, spec: JobSpec, live: &Live, load: LoadOptions) -> Ending {
    if let Err(e) = repo::set_running(&inner.store, id).await {
        return Ending::of(Err(e.into()));
    }
    live.updates.send_modify(|u| u.status = JobStatus::Running);
    let updates = live.updates.clone();
    // Reports from parallel workers can arrive out of order: one behind the progress already shown is stale.
    let progress: super::ProgressFn = Arc::new(move |fraction, message| {
        updates.send_if_modified(|u| {
            if fraction < u.progress {
                return false;
            }
            let changed = (u.progress - fraction).abs() >= 1e-4 || u.message.as_deref() != Some(message);
            if changed {
                u.progress = fraction;
                u.message = Some(message.to_string());
            }
            changed
        });
    });
    let out_dir = inner.config.artifacts_dir.join(id);
    let ctx = JobContext {
        run_id: id.to_string(),
        out_dir: out_dir.clone(),
        store: Some(inner.store.clone()),
        load,
        progress,
        cancel: live.cancel.clone(),
        nats: inner.config.nats.clone(),
    };
    let recorder = tokio::spawn(record_progress(
        inner.store.clone(),
        id.to_string(),
        live.updates.subscribe(),
    ));
    let body = (inner.body)(ctx, spec);
    let outcome = match tokio::spawn(guarded(id.to_string(), body)).await {
        Ok(Ok(result)) => write_result(&out_dir, &result).await.map(|path| (path, result)),
        Ok(Err(e)) => Err(e),
        Err(join) => {
            tracing::error!(run_id = %id, error = %join, "a job's task ended abnormally");
            Err(JobError::Failed(INTERNAL_ERROR.into()))
        }
    };
    recorder.abort();
    Ending::of(outcome)
}

/// Runs a job body behind a `catch_unwind` boundary, the last line of defence: a panic fails the job with the
/// generic [`INTERNAL_ERROR`], its text goes to the log only, and the server lives on.
pub(super) async fn guarded(
    run_id: String,
    mut body: BoxFuture<'static, Result<JobResult, JobError>>,
) -> Result<JobResult, JobError> {
    std::future::poll_fn(move |cx| {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body.as_mut().poll(cx))) {
            Ok(poll) => poll,
            Err(payload) => Poll::Ready(Err(panicked(&run_id, payload))),
        }
    })
    .await
}

/// Persists progress at most every 250 ms while the job runs.
async fn record_progress(store: Store, id: String, mut rx: watch::Receiver<JobUpdate>) {
    while rx.changed().await.is_ok() {
        let u = rx.borrow_and_update().clone();
        if u.status.is_terminal() {
            break;
        }
        if u.status == JobStatus::Running {
            let msg = u.message.as_deref().unwrap_or("");
            if let Err(e) = repo::set_progress(&store, &id, u.progress, msg).await {
                tracing::warn!(run_id = %id, error = %e, "cannot record progress");
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Writes `result.json` into the run directory (temporary name, then rename) and returns its path.
async fn write_result(out_dir: &Path, result: &JobResult) -> Result<PathBuf, JobError> {
    let path = out_dir.join("result.json");
    let tmp = out_dir.join("result.json.tmp");
    let bytes = serde_json::to_vec(result).map_err(|e| JobError::Failed(format!("cannot encode the result: {e}")))?;
    let io = |e: std::io::Error| JobError::Artifact {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    tokio::fs::create_dir_all(out_dir).await.map_err(io)?;
    tokio::fs::write(&tmp, bytes).await.map_err(io)?;
    tokio::fs::rename(&tmp, &path).await.map_err(io)?;
    Ok(path)
}

pub(super) async fn read_result(rec: &repo::JobRecord) -> Result<Option<Value>, JobError> {
    let Some(path) = rec
        .result_path
        .as_deref()
        .filter(|_| rec.status == JobStatus::Completed)
    else {
        return Ok(None);
    };
    let bytes = tokio::fs::read(path).await.map_err(|e| JobError::Artifact {
        path: path.to_string(),
        reason: e.to_string(),
    })?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| JobError::Artifact {
            path: path.to_string(),
            reason: format!("not valid JSON: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_body_fails_with_a_generic_error() {
        let body: BoxFuture<'static, Result<JobResult, JobError>> =
            Box::pin(async { panic!("secret internals: /srv/qe/private.db") });
        let err = guarded("r1".into(), body).await.unwrap_err();
        assert_eq!(err.to_string(), INTERNAL_ERROR);
        let done = JobResult::Stats(Default::default());
        let ok: BoxFuture<'static, Result<JobResult, JobError>> =
            Box::pin(async { Ok(JobResult::Stats(Default::default())) });
        assert_eq!(guarded("r2".into(), ok).await.unwrap(), done);
    }

    #[tokio::test]
    async fn a_panic_in_blocking_work_is_caught_the_same_way() {
        let ctx = JobContext::local("r3", "/nonexistent", None, LoadOptions::default());
        let err = ctx
            .blocking(|_| -> Result<(), JobError> { panic!("secret internals") })
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), INTERNAL_ERROR);
    }
}
