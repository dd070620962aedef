//! Dashboard sessions: a random id handed out as an `HttpOnly; SameSite=Strict` cookie after a sign-in with the
//! API token. Sessions live in memory only, so a restart of `qe serve` signs everyone out.

use axum::http::{header, HeaderMap, Uri};
use rand::TryRngCore;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The name of the session cookie.
pub const COOKIE: &str = "qe_session";

/// How long a session lasts after its sign-in.
pub const LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// The live sessions: id → the moment it expires. Cloning shares the same store.
#[derive(Clone, Default)]
pub struct Sessions(Arc<Mutex<HashMap<String, Instant>>>);

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sessions({} live)", self.lock().len())
    }
}

impl Sessions {
    /// Starts a session and returns its id (64 hex digits, 256 bits from the operating system's random source).
    pub fn create(&self) -> String {
        let id = random_id();
        let now = Instant::now();
        let mut map = self.lock();
        map.retain(|_, expires| *expires > now);
        map.insert(id.clone(), now + LIFETIME);
        id
    }

    /// Whether `id` names a session that has not expired.
    pub fn is_live(&self, id: &str) -> bool {
        self.lock().get(id).is_some_and(|expires| *expires > Instant::now())
    }

    /// Ends the session `id` (nothing happens when there is none).
    pub fn end(&self, id: &str) {
        self.lock().remove(id);
    }

    /// Whether the request carries the cookie of a live session.
    pub fn signed_in(&self, headers: &HeaderMap) -> bool {
        cookie_values(headers).any(|id| self.is_live(id))
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Instant>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// 32 bytes from the OS random source (getrandom) as hex; the thread-local CSPRNG if the OS refuses.
fn random_id() -> String {
    let mut bytes = [0u8; 32];
    if rand::rngs::OsRng.try_fill_bytes(&mut bytes).is_err() {
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every value of our cookie in the request's `Cookie` headers (a browser may send more than one).
pub fn cookie_values(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(header::COOKIE)
        .into_iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
}

/// The `Set-Cookie` value that hands out session `id`.
pub fn issue_cookie(id: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        LIFETIME.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that makes the browser forget the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Whether the request reached us over https: the URI's scheme, or a proxy's `X-Forwarded-Proto` / `Forwarded`.
pub fn is_https(headers: &HeaderMap, uri: &Uri) -> bool {
    if uri.scheme_str() == Some("https") {
        return true;
    }
    let first = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or("").trim().to_ascii_lowercase())
    };
    if let Some(proto) = first("x-forwarded-proto") {
        return proto == "https";
    }
    first("forwarded").is_some_and(|f| f.split(';').any(|kv| kv.trim() == "proto=https"))
}

/// The request's own origin, `scheme://host[:port]` from the `Host` header (or the URI's authority).
pub fn own_origin(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| uri.authority().map(|a| a.to_string()))?;
    let scheme = if is_https(headers, uri) { "https" } else { "http" };
    Some(format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_random_live_until_ended_and_found_among_cookies() {
        let sessions = Sessions::default();
        let (a, b) = (sessions.create(), sessions.create());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert!(sessions.is_live(&a) && sessions.is_live(&b));
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, format!("other=1; {COOKIE}={a}; x=y").parse().unwrap());
        assert!(sessions.signed_in(&headers));
        sessions.end(&a);
        assert!(!sessions.signed_in(&headers));
        assert!(sessions.is_live(&b));
        assert!(!sessions.is_live("not-a-session"));
    }

    #[test]
    fn cookies_carry_the_flags_and_origins_follow_the_proxy() {
        assert_eq!(
            issue_cookie("abc", false),
            "qe_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200"
        );
        assert!(issue_cookie("abc", true).ends_with("; Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
        let uri: Uri = "/ui/signin".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(own_origin(&headers, &uri).as_deref(), Some("http://127.0.0.1:3000"));
        headers.insert("x-forwarded-proto", "https".parse().unwrap());
        assert!(is_https(&headers, &uri));
        assert_eq!(own_origin(&headers, &uri).as_deref(), Some("https://127.0.0.1:3000"));
        let mut forwarded = HeaderMap::new();
        forwarded.insert("forwarded", "for=1.2.3.4;proto=https;host=x".parse().unwrap());
        assert!(is_https(&forwarded, &uri));
    }
}
