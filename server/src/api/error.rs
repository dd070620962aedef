//! Errors as the original answered them: `{"detail": "…"}` with a status, or FastAPI's validation list
//! `{"detail": [{"type", "loc", "msg", "input"}]}` with 422. Server-side failures are logged under a request id,
//! never leaked: the 500 body carries only that id.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// An error answer of the JSON API.
#[derive(Debug)]
pub enum ApiError {
    /// `{"detail": message}` with this status.
    Detail(StatusCode, String),
    /// 422 with FastAPI's list of validation errors.
    Validation(Vec<Value>),
    /// 500; the cause is logged and the client gets a generic message.
    Internal(String),
}

impl ApiError {
    pub fn not_found(msg: &str) -> Self {
        ApiError::Detail(StatusCode::NOT_FOUND, msg.into())
    }

    /// A 422 about one field, `loc` as FastAPI writes it (`["body", "events", 0, "params", "k"]`).
    pub fn invalid(loc: Vec<Value>, msg: impl Into<String>, input: Value) -> Self {
        ApiError::Validation(vec![validation_item("value_error", loc, &msg.into(), input)])
    }
}

/// One item of a validation list.
pub fn validation_item(kind: &str, loc: Vec<Value>, msg: &str, input: Value) -> Value {
    json!({
        "type": kind,
        "loc": loc,
        "msg": msg,
        "input": input,
        "url": format!("https://errors.pydantic.dev/2.11/v/{kind}"),
    })
}

/// A dotted field path (`events[1].params.k`) as a FastAPI `loc` under `root` (`["body","events",1,"params","k"]`).
pub fn loc_of(root: &str, field: &str) -> Vec<Value> {
    let mut loc = vec![json!(root)];
    for part in field.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                loc.push(json!(&rest[..i]));
            }
            rest = &rest[i..];
            while let Some(end) = rest.find(']') {
                let idx = &rest[1..end];
                loc.push(idx.parse::<u64>().map(|n| json!(n)).unwrap_or_else(|_| json!(idx)));
                rest = &rest[end + 1..];
            }
        } else {
            loc.push(json!(rest));
        }
    }
    loc
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Detail(status, detail) => (status, Json(json!({ "detail": detail }))).into_response(),
            ApiError::Validation(items) => {
                (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({ "detail": items }))).into_response()
            }
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

impl From<engine::jobs::JobError> for ApiError {
    fn from(e: engine::jobs::JobError) -> Self {
        use engine::data::DataError;
        use engine::jobs::JobError;
        match e {
            JobError::Data(DataError::OutsideDataRoot { .. } | DataError::SourceRefused { .. }) => {
                ApiError::Detail(StatusCode::FORBIDDEN, e.to_string())
            }
            JobError::Spec { field, message } => ApiError::invalid(loc_of("body", &field), message, Value::Null),
            e if e.is_client_error() => ApiError::Detail(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
            JobError::Cancelled => ApiError::Detail(StatusCode::CONFLICT, "the run was cancelled".into()),
            e => ApiError::Internal(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_paths_become_fastapi_locations() {
        assert_eq!(
            loc_of("body", "events[1].params.k"),
            vec![json!("body"), json!("events"), json!(1), json!("params"), json!("k")]
        );
        assert_eq!(loc_of("body", "data"), vec![json!("body"), json!("data")]);
        assert_eq!(loc_of("body", ""), vec![json!("body")]);
        assert_eq!(
            loc_of("body", "a[0][2]"),
            vec![json!("body"), json!("a"), json!(0), json!(2)]
        );
    }
}
