//! Jobs as the API lists them (`GET /jobs`, `GET /status/{id}`).

use serde::{Deserialize, Serialize};

/// A stored job (without its spec, which [`spec_json`] reads on demand).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobRecord {
    pub job_id: String,
    pub kind: String,
    pub status: String,
    pub progress: f64,
    pub message: Option<String>,
    pub error: Option<String>,
    /// Why a job failed: `interrupted` (the server stopped), `bad_input` (its spec or data), `forbidden` (a path
    /// outside the data root); null otherwise.
    pub reason: Option<String>,
    pub result_path: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

impl JobRecord {
    /// True once the job can no longer change.
    pub fn is_finished(&self) -> bool {
        is_terminal(&self.status)
    }
}

/// True for `completed`, `failed` and `cancelled`.
pub fn is_terminal(status: &str) -> bool {
    matches!(status, "completed" | "failed" | "cancelled")
}
