//! Protection of the API: a bearer token on mutating requests (`QE_API_TOKEN`), a CORS allow-list
//! (`QE_CORS_ORIGINS`), a request body limit and request timeouts; framework errors keep `{"detail"}` bodies.

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Settings of the protection layers (from flags or environment, see `qe serve --help`).
#[derive(Debug, Clone)]
pub struct Protection {
    /// Required as `Authorization: Bearer <token>` on POST/PUT/PATCH/DELETE when set.
    pub token: Option<String>,
    /// Origins allowed by CORS (exact, e.g. `http://localhost:4200`); empty = no CORS headers.
    pub cors_origins: Vec<String>,
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
}

impl Protection {
    /// Adds the request timeout (408 `{"detail"}` when exceeded).
    pub fn with_timeout<S: Clone + Send + Sync + 'static>(&self, router: Router<S>) -> Router<S> {
        let limit = self.request_timeout;
        router.layer(middleware::from_fn(move |req: Request, next: Next| async move {
            match tokio::time::timeout(limit, next.run(req)).await {
                Ok(resp) => resp,
                Err(_) => detail(
                    StatusCode::REQUEST_TIMEOUT,
                    "Request timed out; submit with `Prefer: respond-async` for long runs",
                ),
            }
        }))
    }

    /// Adds authentication, the body limit, JSON framework errors and CORS.
    pub fn apply<S: Clone + Send + Sync + 'static>(&self, router: Router<S>) -> Router<S> {
        let token = self.token.clone();
        let router = router
            .layer(axum::extract::DefaultBodyLimit::max(self.max_body_bytes))
            .layer(middleware::from_fn(json_framework_errors))
            .layer(middleware::from_fn(move |req: Request, next: Next| {
                let token = token.clone();
                async move { authorize(token.as_deref(), req, next).await }
            }));
        match self.cors() {
            Some(cors) => router.layer(cors),
            None => router,
        }
    }

    fn cors(&self) -> Option<CorsLayer> {
        if self.cors_origins.is_empty() {
            return None;
        }
        let origins: Vec<HeaderValue> = self
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        Some(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
                .allow_headers([
                    header::CONTENT_TYPE,
                    header::AUTHORIZATION,
                    header::HeaderName::from_static("prefer"),
                ])
                .expose_headers([header::LOCATION])
                .max_age(Duration::from_secs(600)),
        )
    }
}

async fn authorize(token: Option<&str>, req: Request, next: Next) -> Response {
    let mutating = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if let (Some(expected), true) = (token, mutating) {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes())) {
            let mut resp = detail(StatusCode::UNAUTHORIZED, "Not authenticated");
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return resp;
        }
    }
    next.run(req).await
}

/// Gives axum's plain-text rejections (405, 413, 415) the original's `{"detail"}` body.
async fn json_framework_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let is_json = resp.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(b"application/json") || v.as_bytes().starts_with(b"text/event-stream")
    });
    if is_json {
        return resp;
    }
    match resp.status() {
        StatusCode::METHOD_NOT_ALLOWED => detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => detail(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large"),
        _ => resp,
    }
}

fn detail(status: StatusCode, msg: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "detail": msg }))).into_response()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
