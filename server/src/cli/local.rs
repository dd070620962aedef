//! Running a job in-process from the command line: reading the spec file, the run's id, directory and store,
//! and the exit codes (2 = bad spec or usage, 1 = the run failed).

use super::output::CliError;
use crate::config::Config;
use engine::data::LoadOptions;
use engine::jobs::{JobContext, JobError};
use model::spec::{DataSpec, SpecError};
use std::path::{Path, PathBuf};

/// Reads a spec file as JSON; a missing file or invalid JSON is a usage error (exit 2) naming the file (and
/// line/column).
pub fn read_spec(path: &Path) -> Result<serde_json::Value, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("cannot read the spec {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| CliError::Usage(format!("{}: not valid JSON: {e}", path.display())))
}

/// `<file>: invalid spec: <field>: <message>` (exit 2).
pub fn spec_error(path: &Path, e: SpecError) -> CliError {
    CliError::Usage(format!("{}: invalid spec: {e}", path.display()))
}

/// A usage error (exit 2) when `data.start`/`data.end` do not parse or are reversed (before any run is recorded).
pub fn check_time_range(path: &Path, data: &DataSpec) -> Result<(), CliError> {
    engine::data::time_range(data)
        .map(drop)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}

/// A fresh run id: 32 lowercase hex characters, as the original's `uuid4().hex` (and the job runner's ids).
pub fn new_run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Makes a relative `dataset_path`/`path` relative to the data root (the CLI trusts local paths, so an absolute
/// path anywhere is accepted, unlike specs submitted over HTTP).
pub fn resolve_data_path(data: &mut DataSpec, data_root: &Path) {
    if let Some(file) = data.file().map(PathBuf::from) {
        if file.is_relative() {
            data.dataset_path = Some(data_root.join(file).display().to_string());
            data.path = None;
        }
    }
}

/// The job context of a local run: artifacts in `out` or `<artifacts dir>/<run_id>`, the configured database
/// unless `no_store`, and local paths (no data-root confinement).
pub async fn context(config: &Config, out: Option<PathBuf>, no_store: bool) -> anyhow::Result<JobContext> {
    let run_id = new_run_id();
    let out_dir = out.unwrap_or_else(|| config.artifacts_dir().join(&run_id));
    let store = if no_store {
        None
    } else {
        Some(engine::store::Store::connect(&config.db_url()).await?)
    };
    let load = LoadOptions::from_env(None, None);
    Ok(JobContext::local(run_id, out_dir, store, load))
}

/// Turns a job error into the command's outcome: a spec error is a usage error (exit 2; the run is already
/// recorded `FAILED`), anything else fails with exit 1.
pub fn job_failed(e: JobError) -> CliError {
    match e {
        JobError::Spec { .. } | JobError::Data(engine::data::DataError::Spec { .. }) => CliError::Usage(e.to_string()),
        e => CliError::Failed(e.to_string()),
    }
}
