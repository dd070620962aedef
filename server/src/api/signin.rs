//! `POST /ui/signin` trades the API token (a form or JSON `{"token", "next"}`) for a session cookie, and
//! `POST /ui/signout` ends the session. JSON callers get JSON answers (401 `{"detail"}` on a wrong token); forms get
//! 303 redirects (back to the sign-in page with `failed=1` on a wrong token).

use super::protect::{constant_time_eq, detail, origin_allowed, Protection};
use super::session;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::json;

/// The sign-in and sign-out handlers, to merge into the dashboard's router.
pub fn routes<S: Clone + Send + Sync + 'static>(protection: &Protection) -> Router<S> {
    Router::new()
        .route("/ui/signin", post(sign_in))
        .route("/ui/signout", post(sign_out))
        .with_state(protection.clone())
}

/// What a sign-in form or JSON body carries.
#[derive(Default)]
struct SignInForm {
    token: String,
    next: Option<String>,
}

async fn sign_in(State(p): State<Protection>, headers: HeaderMap, uri: Uri, body: Bytes) -> Response {
    let json = wants_json(&headers);
    if !origin_allowed(&headers, &uri, &p.cors_origins) {
        return detail(StatusCode::FORBIDDEN, "Cross-origin sign-in refused");
    }
    let Some(expected) = p.token.as_deref() else {
        return detail(
            StatusCode::NOT_FOUND,
            "Nothing to sign in to: no API token is configured",
        );
    };
    let Some(form) = parse(&body, json) else {
        return detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Expected a form or JSON with a \"token\"",
        );
    };
    let next = app::auth::local_path(form.next.as_deref().unwrap_or("/"));
    if !constant_time_eq(form.token.trim().as_bytes(), expected.trim().as_bytes()) {
        tracing::warn!("dashboard sign-in with a wrong token");
        if json {
            return detail(StatusCode::UNAUTHORIZED, "Wrong token");
        }
        let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
        return redirect(&format!("/ui/signin?failed=1&next={next}"), None);
    }
    let cookie = session::issue_cookie(&p.sessions.create(), session::is_https(&headers, &uri));
    if json {
        let mut resp = (StatusCode::OK, axum::Json(json!({ "signed_in": true, "next": next }))).into_response();
        set_cookie(&mut resp, &cookie);
        return resp;
    }
    redirect(&next, Some(&cookie))
}

async fn sign_out(State(p): State<Protection>, headers: HeaderMap, uri: Uri) -> Response {
    if !origin_allowed(&headers, &uri, &p.cors_origins) {
        return detail(StatusCode::FORBIDDEN, "Cross-origin sign-out refused");
    }
    for id in session::cookie_values(&headers) {
        p.sessions.end(id);
    }
    let cookie = session::clear_cookie(session::is_https(&headers, &uri));
    if wants_json(&headers) {
        let mut resp = (StatusCode::OK, axum::Json(json!({ "signed_in": false }))).into_response();
        set_cookie(&mut resp, &cookie);
        return resp;
    }
    redirect("/ui/signin", Some(&cookie))
}

/// A JSON body or an `Accept: application/json` asks for JSON answers.
fn wants_json(headers: &HeaderMap) -> bool {
    let has = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json"))
    };
    has(header::CONTENT_TYPE) || has(header::ACCEPT)
}

fn parse(body: &[u8], json: bool) -> Option<SignInForm> {
    if json && body.first().is_some_and(|b| *b == b'{') {
        let v: serde_json::Value = serde_json::from_slice(body).ok()?;
        return Some(SignInForm {
            token: v.get("token")?.as_str()?.to_string(),
            next: v.get("next").and_then(|n| n.as_str()).map(str::to_string),
        });
    }
    let mut form = SignInForm::default();
    let mut has_token = false;
    for (k, v) in form_urlencoded::parse(body) {
        match &*k {
            "token" => {
                form.token = v.into_owned();
                has_token = true;
            }
            "next" => form.next = Some(v.into_owned()),
            _ => {}
        }
    }
    has_token.then_some(form)
}

fn redirect(to: &str, cookie: Option<&str>) -> Response {
    let mut resp = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response();
    if let Some(c) = cookie {
        set_cookie(&mut resp, c);
    }
    resp
}

fn set_cookie(resp: &mut Response, cookie: &str) {
    if let Ok(v) = header::HeaderValue::from_str(cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
}
