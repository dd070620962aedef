//! Whether the dashboard asks for a sign-in (`QE_API_TOKEN` is set) and whether this browser holds one, and where a
//! sign-in may lead afterwards.

pub mod page;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The sign-in state of a request; `qe serve` puts it in every dashboard request's extensions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthStatus {
    /// A token is configured: mutations (and with `QE_PROTECT_READS` reads too) need a sign-in.
    pub required: bool,
    /// The request carries a live session cookie (or the bearer token).
    pub signed_in: bool,
}

/// The sign-in state of the current request (nothing required when served without `qe serve`'s guard); at a fixed
/// path, `POST /api/auth_status`.
#[server(endpoint = "auth_status")]
pub async fn sign_in_status() -> Result<AuthStatus, ServerFnError> {
    let parts = use_context::<http::request::Parts>();
    Ok(parts
        .and_then(|p| p.extensions.get::<AuthStatus>().copied())
        .unwrap_or_default())
}

/// `next` when it is a path on this site (`/…`, not `//host` or `/\host`, no control characters), else `/`.
pub fn local_path(next: &str) -> String {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if local {
        next.to_string()
    } else {
        "/".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path("/ui/runs?page=2"), "/ui/runs?page=2");
        assert_eq!(local_path("/"), "/");
        for outside in [
            "https://evil.test/",
            "//evil.test/x",
            "/\\evil.test",
            "evil",
            "",
            "/a\nb",
            "/a\\b",
        ] {
            assert_eq!(local_path(outside), "/", "{outside:?}");
        }
    }
}
