//! Errors as the original answered them: `{"detail": "…"}` with a status, or FastAPI's validation list
//! `{"detail": [{"type", "loc", "msg", "input"}]}` with 422. Server-side failures are logged under a request id,
//! never leaked: the 500 body carries only that id.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use model::{LocPart, ValidationError, ValidationItem};
use serde_json::{json, Value};

/// An error answer of the JSON API.
#[derive(Debug)]
pub enum ApiError {
    /// `{"detail": message}` with this status.
    Detail(StatusCode, String),
    /// 422 with FastAPI's list of validation errors.
    Validation(Vec<ValidationItem>),
    /// 500; the cause is logged and the client gets a generic message.
    Internal(String),
}

impl ApiError {
    pub fn not_found(msg: &str) -> Self {
        ApiError::Detail(StatusCode::NOT_FOUND, msg.into())
    }

    /// A 422 about one field, `loc` as FastAPI writes it (`["body", "events", 0, "params", "k"]`).
    pub fn invalid(loc: Vec<LocPart>, msg: impl Into<String>, input: Value) -> Self {
        ApiError::Validation(vec![ValidationItem::new("value_error", loc, msg, input)])
    }

    /// A 422 about the spec field at `path` in the request body (`loc` `["body", "events", 1, "params", "k"]`).
    pub fn invalid_spec(path: Vec<LocPart>, msg: impl Into<String>) -> Self {
        let loc = std::iter::once(LocPart::from("body")).chain(path).collect();
        ApiError::invalid(loc, msg, Value::Null)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Detail(status, detail) => (status, Json(json!({ "detail": detail }))).into_response(),
            ApiError::Validation(items) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(ValidationError { detail: items }),
            )
                .into_response(),
            ApiError::Internal(cause) => {
                let request_id = uuid::Uuid::new_v4().simple().to_string();
                tracing::error!(%request_id, %cause, "internal error");
                let body = json!({
                    "detail": format!("Internal Server Error: the failure is in the server log under request id {request_id}"),
                    "request_id": request_id,
                });
                (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
            }
        }
    }
}

impl From<engine::store::StoreError> for ApiError {
    fn from(e: engine::store::StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

use model::jobs::FailureReason;

impl From<engine::jobs::JobError> for ApiError {
    fn from(e: engine::jobs::JobError) -> Self {
        use engine::jobs::JobError;
        match (e.failure_reason(), e) {
            (_, JobError::Spec { path, message }) => ApiError::invalid_spec(path, message),
            (Some(reason), e) => ApiError::Detail(failure_status(reason), e.to_string()),
            (None, JobError::Cancelled) => ApiError::Detail(StatusCode::CONFLICT, "the run was cancelled".into()),
            (None, e) => ApiError::Internal(e.to_string()),
        }
    }
}

/// The HTTP status of a job that failed for `reason`: the client's input (422), a refused path or source (403),
/// or a server that stopped while it ran (503).
pub fn failure_status(reason: FailureReason) -> StatusCode {
    match reason {
        FailureReason::BadInput => StatusCode::UNPROCESSABLE_ENTITY,
        FailureReason::Forbidden => StatusCode::FORBIDDEN,
        FailureReason::Interrupted => StatusCode::SERVICE_UNAVAILABLE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_paths_become_fastapi_locations_under_the_body() {
        let loc = |path: Vec<LocPart>| {
            let ApiError::Validation(items) = ApiError::invalid_spec(path, "bad") else {
                panic!("a validation list")
            };
            serde_json::to_value(&items[0].loc).unwrap()
        };
        let path = vec!["events".into(), 1usize.into(), "params".into(), "k".into()];
        assert_eq!(loc(path), json!(["body", "events", 1, "params", "k"]));
        assert_eq!(loc(vec!["data".into()]), json!(["body", "data"]));
        assert_eq!(loc(Vec::new()), json!(["body"]));
        let job = engine::jobs::JobError::Spec {
            path: vec!["data".into()],
            message: "bad".into(),
        };
        let ApiError::Validation(items) = ApiError::from(job) else {
            panic!("a validation list")
        };
        assert_eq!(
            (serde_json::to_value(&items[0].loc).unwrap(), items[0].msg.as_str()),
            (json!(["body", "data"]), "bad")
        );
    }
}
