//! A run's artifact files (`GET /runs/{id}/artifacts` and `/runs/{id}/artifacts/{name}`), read only from that
//! run's own directory: the id must be a run id and the name a plain file name in it.

use super::error::ApiError;
use super::ApiState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use model::runs::ArtifactFile;
use std::path::PathBuf;

/// The run's directory, when `id` is a run id (32 hex digits) and the directory exists.
fn run_dir(s: &ApiState, id: &str) -> Result<PathBuf, ApiError> {
    let is_id = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    let dir = s.artifacts_dir.join(id);
    if is_id && dir.is_dir() {
        Ok(dir)
    } else {
        Err(ApiError::not_found("No artifacts for this run"))
    }
}

/// `GET /runs/{id}/artifacts`: the run's artifact files by name (`[{"name", "bytes"}]`), or 404.
#[utoipa::path(operation_id = "artifacts", get, path = "/runs/{id}/artifacts", tag = "runs", params(("id" = String, Path)),
    description = "The run's artifact files (trials, equity curves, result), by name.",
    responses((status = 200, body = [model::runs::ArtifactFile]), (status = 404, body = model::ApiError)))]
pub async fn list(State(s): State<ApiState>, Path(id): Path<String>) -> Result<Json<Vec<ArtifactFile>>, ApiError> {
    let dir = run_dir(&s, &id)?;
    let entries = std::fs::read_dir(&dir).map_err(|e| ApiError::Internal(format!("{}: {e}", dir.display())))?;
    let mut files: Vec<ArtifactFile> = entries
        .flatten()
        .filter_map(|e| {
            let meta = e.metadata().ok().filter(|m| m.is_file())?;
            let name = e.file_name().into_string().ok()?;
            (!name.starts_with('.') && !name.ends_with(".tmp")).then_some(ArtifactFile {
                name,
                bytes: meta.len(),
            })
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Json(files))
}

/// `GET /runs/{id}/artifacts/{name}`: the file's bytes with its type, or 404 (a name with a path separator, or
/// one starting with a dot, is never looked up).
#[utoipa::path(operation_id = "artifact", get, path = "/runs/{id}/artifacts/{name}", tag = "runs",
    params(("id" = String, Path), ("name" = String, Path, description = "A file name from `/runs/{id}/artifacts`")),
    description = "One artifact file of the run, read only from the run's own directory.",
    responses((status = 200, content(("application/vnd.apache.parquet"), ("application/json"), ("text/csv"))),
               (status = 404, body = model::ApiError)))]
pub async fn download(
    State(s): State<ApiState>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let dir = run_dir(&s, &id)?;
    let plain = !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0']);
    let path = dir.join(&name);
    // Confined after symlinks too: the file's real path must be in the run's real directory.
    let inside = plain
        && match (path.canonicalize(), dir.canonicalize()) {
            (Ok(p), Ok(d)) => p.starts_with(&d) && p.is_file(),
            _ => false,
        };
    if !inside {
        return Err(ApiError::not_found("No such artifact"));
    }
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))?;
    let mime = match path.extension().and_then(|e| e.to_str()) {
        Some("json") => "application/json",
        Some("csv") => "text/csv; charset=utf-8",
        Some("parquet") => "application/vnd.apache.parquet",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
