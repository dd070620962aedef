//! Protection of the API: a bearer token or a dashboard session on mutating requests (`QE_API_TOKEN`), on reads
//! too with `QE_PROTECT_READS`, an Origin check on session-authenticated mutations, a CORS allow-list
//! (`QE_CORS_ORIGINS`), a request body limit and request timeouts; framework errors keep `{"detail"}` bodies.

use super::session::{self, Sessions};
use app::auth::AuthStatus;
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
    /// Required as `Authorization: Bearer <token>` (or a session from signing in with it) on POST/PUT/PATCH/DELETE
    /// when set.
    pub token: Option<String>,
    /// With a token: reads need it too (API GETs answer 401, dashboard pages redirect to the sign-in page).
    pub protect_reads: bool,
    /// The dashboard's signed-in sessions (in memory).
    pub sessions: Sessions,
    /// Origins allowed by CORS (exact, e.g. `http://localhost:4200`); empty = no CORS headers.
    pub cors_origins: Vec<String>,
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
}

/// How a request proved it may pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential {
    Bearer,
    Session,
    None,
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
        let guard = self.clone();
        let router = router
            .layer(axum::extract::DefaultBodyLimit::max(self.max_body_bytes))
            .layer(middleware::from_fn(json_framework_errors))
            .layer(middleware::from_fn(move |req: Request, next: Next| {
                let guard = guard.clone();
                async move { guard.authorize(req, next).await }
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

impl Protection {
    /// Guards the dashboard (pages, server functions, sign-in): tells the pages whether a sign-in is needed and
    /// held ([`AuthStatus`] in the request's extensions) and, with `protect_reads`, turns away requests without a
    /// credential: pages with a 303 to the sign-in page, anything else with 401.
    pub fn guard_pages(&self, router: Router) -> Router {
        let guard = self.clone();
        router.layer(middleware::from_fn(move |req: Request, next: Next| {
            let guard = guard.clone();
            async move { guard.guard_page(req, next).await }
        }))
    }

    async fn authorize(&self, req: Request, next: Next) -> Response {
        let method = req.method().clone();
        let needed = self.token.is_some() && method != Method::OPTIONS && (is_mutating(&method) || self.protect_reads);
        if needed {
            if let Some(refused) = self.refusal(&req) {
                return refused;
            }
        }
        if is_mutating(&method) {
            if let Some(refused) = self.cross_site_refusal(&req) {
                return refused;
            }
        }
        next.run(req).await
    }

    /// The refusal, if any, of what a page on another site can make a browser send without a preflight: a body not
    /// JSON (415: HTML forms and `fetch` without preflight send only form, multipart and text bodies) and, unless the
    /// bearer token was given, a request whose `Origin` is neither ours nor in `QE_CORS_ORIGINS` (403).
    fn cross_site_refusal(&self, req: &Request) -> Option<Response> {
        if has_body(req.headers()) && !is_json(req.headers()) {
            return Some(detail(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported Media Type: send the body as Content-Type: application/json",
            ));
        }
        if self.credential(req) != Credential::Bearer && !self.origin_allowed(req) {
            return Some(detail(
                StatusCode::FORBIDDEN,
                "Cross-origin request refused: the Origin header names another site",
            ));
        }
        None
    }

    async fn guard_page(&self, mut req: Request, next: Next) -> Response {
        let credential = self.credential(&req);
        req.extensions_mut().insert(AuthStatus {
            required: self.token.is_some(),
            signed_in: credential != Credential::None,
        });
        let path = req.uri().path();
        if self.token.is_none() || !self.protect_reads || is_open(path) || req.method() == Method::OPTIONS {
            return next.run(req).await;
        }
        if credential == Credential::None
            && matches!(*req.method(), Method::GET | Method::HEAD)
            && !path.starts_with("/api/")
        {
            let here = req.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
            let next_param: String = form_urlencoded::byte_serialize(app::auth::local_path(here).as_bytes()).collect();
            return (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, format!("/ui/signin?next={next_param}"))],
            )
                .into_response();
        }
        if let Some(refused) = self.refusal(&req) {
            return refused;
        }
        next.run(req).await
    }

    /// Why a request may not pass, if it may not: no credential is 401, and a session-authenticated mutation from
    /// an origin neither ours nor allowed is 403.
    fn refusal(&self, req: &Request) -> Option<Response> {
        match self.credential(req) {
            Credential::Bearer => None,
            Credential::Session if is_mutating(req.method()) && !self.origin_allowed(req) => Some(detail(
                StatusCode::FORBIDDEN,
                "Cross-origin request refused: the Origin header names another site",
            )),
            Credential::Session => None,
            Credential::None => {
                let mut resp = detail(StatusCode::UNAUTHORIZED, "Not authenticated");
                resp.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                Some(resp)
            }
        }
    }

    /// The bearer token when it matches (constant time), else a live session cookie, else none.
    fn credential(&self, req: &Request) -> Credential {
        let Some(expected) = self.token.as_deref() else {
            return Credential::None;
        };
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes())) {
            Credential::Bearer
        } else if self.sessions.signed_in(req.headers()) {
            Credential::Session
        } else {
            Credential::None
        }
    }

    /// No `Origin` header (SameSite=Strict already keeps the cookie off cross-site requests), or one equal to the
    /// request's own origin or listed in `QE_CORS_ORIGINS`.
    pub fn origin_allowed(&self, req: &Request) -> bool {
        origin_allowed(req.headers(), req.uri(), &self.cors_origins)
    }
}

/// See [`Protection::origin_allowed`]; for handlers that hold the parts of a request.
pub fn origin_allowed(headers: &axum::http::HeaderMap, uri: &axum::http::Uri, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    allowed.iter().any(|o| o == origin)
        || session::own_origin(headers, uri).is_some_and(|own| own.eq_ignore_ascii_case(origin))
}

/// Whether the request announces a body (a non-zero `Content-Length`, or a `Transfer-Encoding`).
fn has_body(headers: &axum::http::HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|n| n.trim() != "0")
}

/// Whether the body is declared JSON: `application/json` or a `+json` type, with any parameters.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let media = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

fn is_mutating(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Paths open even when reads are protected: health, the sign-in page and its handlers, static assets.
fn is_open(path: &str) -> bool {
    let asset = path.starts_with("/pkg/") && !path.contains("..") && !path.contains('%') && !path.contains('\\');
    asset
        || matches!(
            path,
            "/healthz" | "/ui/signin" | "/ui/signout" | "/favicon.svg" | "/favicon.ico"
        )
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

/// A `{"detail": msg}` JSON answer.
pub fn detail(status: StatusCode, msg: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "detail": msg }))).into_response()
}

/// Equality of two byte strings in time that depends on their lengths only.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
