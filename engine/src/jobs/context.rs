//! What a job body receives: its run id and directory, the store, data options, progress and cancellation.

use crate::data::{DataError, LoadOptions};
use crate::store::{Store, StoreError};
use model::spec::SpecError;
use model::LocPart;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A progress callback: fraction done (0…1) and a short message. Called from any thread.
pub type ProgressFn = Arc<dyn Fn(f64, &str) + Send + Sync>;

/// Everything a job body needs; cheap to clone (shared handles only).
#[derive(Clone)]
pub struct JobContext {
    /// The run id (32 hex characters), also the job id and the artifact directory's name.
    pub run_id: String,
    /// The run's own artifact directory (`<QE_ARTIFACTS_DIR>/<run_id>`); the body creates it when it writes.
    pub out_dir: PathBuf,
    /// Where results persist; None runs without a database (e.g. `qe run --no-store`).
    pub store: Option<Store>,
    /// Data root, MySQL schema default and the `extra_where` gate for loading the spec's data.
    pub load: LoadOptions,
    pub progress: ProgressFn,
    pub cancel: Arc<AtomicBool>,
    /// When set, the job's tasks (trials, stats folds, fold profiles) run on `qe worker`s over NATS instead of this
    /// process's cores.
    pub nats: Option<super::nats::Nats>,
}

impl JobContext {
    /// A context that reports nowhere and is never cancelled (CLI and tests).
    pub fn local(
        run_id: impl Into<String>,
        out_dir: impl Into<PathBuf>,
        store: Option<Store>,
        load: LoadOptions,
    ) -> Self {
        JobContext {
            run_id: run_id.into(),
            out_dir: out_dir.into(),
            store,
            load,
            progress: Arc::new(|_, _| {}),
            cancel: Arc::new(AtomicBool::new(false)),
            nats: None,
        }
    }

    /// The data options with this job's cancel flag, so that a load stops when the job is cancelled.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            cancel: Some(self.cancel.clone()),
            ..self.load.clone()
        }
    }

    /// True once cancellation was requested; bodies check it between units of work.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Reports progress.
    pub fn report(&self, fraction: f64, message: &str) {
        (self.progress)(fraction.clamp(0.0, 1.0), message)
    }

    /// Runs CPU-bound work on Tokio's blocking pool (works on any runtime flavour) with this context.
    pub async fn blocking<T, F>(&self, work: F) -> Result<T, JobError>
    where
        T: Send + 'static,
        F: FnOnce(&JobContext) -> Result<T, JobError> + Send + 'static,
    {
        let ctx = self.clone();
        match tokio::task::spawn_blocking(move || work(&ctx)).await {
            Ok(outcome) => outcome,
            Err(e) if e.is_panic() => Err(panicked(&self.run_id, e.into_panic())),
            Err(e) => Err(JobError::Failed(format!("the job's worker thread failed: {e}"))),
        }
    }
}

/// The generic error of a job that panicked; the panic text is logged (it may hold internals), never stored.
pub(crate) const INTERNAL_ERROR: &str = "internal error: the failure is in the server log";

/// Logs a panic's payload under the run id and returns the generic [`INTERNAL_ERROR`]; a failed large
/// allocation ([`crate::alloc::OutOfMemory`]) becomes [`JobError::OutOfMemory`], with what it needed.
pub(crate) fn panicked(run_id: &str, payload: Box<dyn std::any::Any + Send>) -> JobError {
    if let Some(oom) = payload.downcast_ref::<crate::alloc::OutOfMemory>() {
        tracing::error!(run_id, bytes = %oom.bytes, what = oom.what, "a job ran out of memory");
        return JobError::OutOfMemory(oom.clone());
    }
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    tracing::error!(run_id, panic = %text, "a job panicked");
    JobError::Failed(INTERNAL_ERROR.into())
}

/// Why a job did not complete. The server maps these to HTTP statuses; the runner stores the message.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The spec is well-formed JSON but asks for something impossible (names the field by its path).
    #[error("invalid spec: {}: {message}", model::spec::dotted(.path))]
    Spec { path: Vec<LocPart>, message: String },
    /// The spec's data could not be loaded or failed validation (a cancelled load is [`JobError::Cancelled`]).
    #[error(transparent)]
    Data(DataError),
    #[error("the run was cancelled")]
    Cancelled,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write {path}: {reason}")]
    Artifact { path: String, reason: String },
    /// A large buffer of the job could not be allocated: its plan is too big for this server (answered 422).
    #[error("{0}")]
    OutOfMemory(crate::alloc::OutOfMemory),
    #[error("{0}")]
    Failed(String),
}

impl From<SpecError> for JobError {
    fn from(e: SpecError) -> Self {
        JobError::Spec {
            path: e.path,
            message: e.message,
        }
    }
}

impl From<DataError> for JobError {
    fn from(e: DataError) -> Self {
        match e {
            DataError::Cancelled => JobError::Cancelled,
            e => JobError::Data(e),
        }
    }
}

impl JobError {
    /// True when the client's spec or data is at fault (answered 4xx), false for server-side failures.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            JobError::Spec { .. } | JobError::Data(_) | JobError::OutOfMemory(_)
        )
    }

    /// The stored reason of a failure the client caused: `forbidden` (a path outside the data root, a refused
    /// source) or `bad_input`; None for server-side failures and cancellation.
    pub fn failure_reason(&self) -> Option<model::jobs::FailureReason> {
        use crate::data::DataError;
        use model::jobs::FailureReason;
        match self {
            JobError::Data(DataError::OutsideDataRoot { .. } | DataError::SourceRefused { .. }) => {
                Some(FailureReason::Forbidden)
            }
            e if e.is_client_error() => Some(FailureReason::BadInput),
            _ => None,
        }
    }
}
