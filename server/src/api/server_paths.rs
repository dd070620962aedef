//! Answers never show the server's own folders: in every JSON body, a path under the artifacts root, the data root
//! or the home directory is rewritten relative to that root (`/srv/qe/artifacts/abc/trials.parquet` → `abc/trials.parquet`).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

/// The server folders to hide, most specific first.
#[derive(Debug, Clone, Default)]
pub struct ServerPaths {
    roots: Arc<Vec<String>>,
}

impl ServerPaths {
    /// Hides `roots` (and their canonical forms); a root inside another is matched first.
    pub fn new(roots: &[&Path]) -> Self {
        let mut all: Vec<String> = Vec::new();
        for root in roots {
            let canonical = root.canonicalize().ok();
            for p in [Some(root.to_path_buf()), canonical].into_iter().flatten() {
                let text = p.display().to_string();
                let text = text.trim_end_matches('/').to_string();
                if text.len() > 1 && p.is_absolute() && !all.contains(&text) {
                    all.push(text);
                }
            }
        }
        all.sort_by_key(|r| std::cmp::Reverse(r.len()));
        ServerPaths { roots: Arc::new(all) }
    }

    /// `text` with every root-prefixed path made relative to its root (a bare root becomes `.`).
    pub fn relativize<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for root in self.roots.iter() {
            if out.contains(root.as_str()) {
                out = Cow::Owned(strip_root(&out, root));
            }
        }
        out
    }
}

/// Replaces `root/` by nothing and a bare `root` by `.`, leaving longer names that merely start with it.
fn strip_root(text: &str, root: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(root) {
        out.push_str(&rest[..i]);
        let after = &rest[i + root.len()..];
        match after.chars().next() {
            Some('/') => rest = &after[1..],
            Some(c) if c.is_alphanumeric() || "._-".contains(c) => {
                out.push_str(root);
                rest = after;
            }
            _ => {
                out.push('.');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Rewrites the JSON bodies of API answers with [`ServerPaths::relativize`]; other bodies (event streams) pass.
pub async fn relativize_json(State(paths): State<ServerPaths>, req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !is_json || paths.roots.is_empty() {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => return super::error::ApiError::Internal(format!("reading an answer: {e}")).into_response(),
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    match paths.relativize(text) {
        Cow::Borrowed(_) => Response::from_parts(parts, Body::from(bytes)),
        Cow::Owned(new) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(new))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_under_a_root_become_relative_to_it() {
        let p = ServerPaths::new(&[Path::new("/srv/qe/artifacts"), Path::new("/srv/qe")]);
        assert_eq!(
            p.relativize(r#"{"out_dir":"/srv/qe/artifacts/abc","x":"/srv/qe/data/a.csv: bad"}"#),
            r#"{"out_dir":"abc","x":"data/a.csv: bad"}"#
        );
        assert_eq!(p.relativize(r#"{"dir":"/srv/qe/artifacts"}"#), r#"{"dir":"."}"#);
        assert_eq!(p.relativize("/srv/qe2/x and /srv/qe.old"), "/srv/qe2/x and /srv/qe.old");
        assert!(matches!(p.relativize("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn relative_and_root_folders_are_not_hidden() {
        let p = ServerPaths::new(&[Path::new("/"), Path::new("data")]);
        assert_eq!(p.relativize("/etc/x data/y"), "/etc/x data/y");
    }
}
