//! Tasks of jobs run by `qe worker`s over NATS (`GET /jobs/{id}/tasks`) and the live workers (`GET /workers`).

use serde::{Deserialize, Serialize};

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Published, not yet taken by a worker.
    Queued,
    /// A worker said it started it (again, after a redelivery).
    Running,
    Done,
    /// Failed on every delivery; its error failed the job.
    Failed,
    /// Withdrawn when its job was cancelled or failed.
    Cancelled,
}

crate::jobs::named_enum!(TaskStatus, "task status", {
    Queued => "queued",
    Running => "running",
    Done => "done",
    Failed => "failed",
    Cancelled => "cancelled",
});

/// What a task's items are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskUnit {
    /// An optimisation's trials.
    #[default]
    Trials,
    /// Walk-forward folds: of one symbol (stats), or one fold's profiles of one symbol (seasonality).
    Folds,
}

impl TaskUnit {
    /// The plural noun shown next to a task's items.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskUnit::Trials => "trials",
            TaskUnit::Folds => "folds",
        }
    }
}

/// One task of a job: consecutive trials of one symbol (optimisations), consecutive folds of one symbol (stats),
/// or one fold of one symbol (seasonality profiles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskRow {
    /// Unique within the job: `<symbol index>.<first trial>`, `s<symbol index>.<first fold>` (stats) or
    /// `p<profile ask>.<symbol index>` (seasonality).
    pub task: String,
    pub symbol: String,
    /// What `first_trial` and `trials` count.
    #[serde(default)]
    pub unit: TaskUnit,
    /// The first item (trial number, or fold index).
    pub first_trial: usize,
    /// Number of items.
    pub trials: usize,
    pub status: TaskStatus,
    /// The worker that last started it.
    pub worker: Option<String>,
    /// Deliveries so far (1 when it ran once).
    pub attempts: u32,
    pub error: Option<String>,
}

/// A live `qe worker`, as it describes itself when asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkerRow {
    pub worker: String,
    pub host: String,
    pub pid: u32,
    /// Tasks it runs at once.
    pub concurrency: usize,
    /// `<job>/<task>` of the tasks it runs now.
    pub running: Vec<String>,
    pub tasks_done: u64,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// When it answered (RFC 3339 UTC).
    pub last_seen: String,
}
