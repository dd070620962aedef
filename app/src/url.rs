//! Links that keep the page's state in the URL: the current query with some keys changed or removed.

use leptos_router::params::ParamsMap;

/// `path` followed by `query` with each `(key, Some(value))` set and each `(key, None)` removed.
pub fn link(path: &str, query: &ParamsMap, changes: &[(&str, Option<String>)]) -> String {
    let mut q = query.clone();
    for (key, value) in changes {
        match value {
            Some(v) => q.replace(key.to_string(), v.clone()),
            None => {
                q.remove(key);
            }
        }
    }
    let pairs: Vec<String> = q
        .into_iter()
        .map(|(k, v)| format!("{}={}", escape(&k), escape(&v)))
        .collect();
    if pairs.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", pairs.join("&"))
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (the same text on the server and in the browser).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The value of `key`, or None when missing or blank.
pub fn get(query: &ParamsMap, key: &str) -> Option<String> {
    query.get(key).filter(|v| !v.trim().is_empty())
}

/// The value of `key` parsed as a page number (≥ 1; 1 when missing or invalid).
pub fn page(query: &ParamsMap, key: &str) -> i64 {
    query.get(key).and_then(|p| p.parse::<i64>().ok()).unwrap_or(1).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_change_one_key_and_keep_the_others() {
        let q: ParamsMap = [("sort", "sharpe.desc"), ("page", "3"), ("hx", "R")]
            .into_iter()
            .collect();
        let l = link("/ui/runs/a", &q, &[("page", Some("4".into())), ("hx", None)]);
        assert_eq!(l, "/ui/runs/a?sort=sharpe.desc&page=4");
        assert_eq!(link("/x", &ParamsMap::new(), &[]), "/x");
        assert_eq!(page(&q, "page"), 3);
        assert_eq!(page(&q, "nope"), 1);
        assert_eq!(get(&q, "hx").as_deref(), Some("R"));
        assert_eq!(escape("ema_fast=10 & R/ü"), "ema_fast%3D10%20%26%20R%2F%C3%BC");
    }
}
