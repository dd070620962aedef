//! Database URL normalisation: sqlx URLs as they are, the original's SQLAlchemy URLs translated.

use super::StoreError;

/// The two supported database engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MySql,
}

/// Turns a sqlx or SQLAlchemy URL into a sqlx URL and its backend.
/// `sqlite:///.db/quant.db` → `sqlite://.db/quant.db?mode=rwc`; `mysql+pymysql://u:p@h/db?charset=utf8mb4` → `mysql://u:p@h/db?charset=utf8mb4`.
pub fn normalize_db_url(url: &str) -> Result<(Backend, String), StoreError> {
    let bad = |reason: &str| StoreError::BadUrl {
        url: redact_url(url),
        reason: reason.to_string(),
    };
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("expected scheme://…"))?;
    let driver = scheme.split('+').next().unwrap_or(scheme);
    match driver {
        "sqlite" => {
            // SQLAlchemy (the original's DB_DSN): `sqlite:///rel.db` is relative, `sqlite:////abs.db` absolute.
            // A bare sqlx `sqlite://rel.db` is relative too.
            let path = rest.strip_prefix('/').unwrap_or(rest);
            let (path, query) = path.split_once('?').unwrap_or((path, ""));
            if path.is_empty() {
                return Err(bad("missing database file path"));
            }
            let mut q: Vec<&str> = query.split('&').filter(|s| !s.is_empty()).collect();
            if !q.iter().any(|s| s.starts_with("mode=")) {
                q.push("mode=rwc");
            }
            Ok((Backend::Sqlite, format!("sqlite://{path}?{}", q.join("&"))))
        }
        "mysql" | "mariadb" => Ok((Backend::MySql, format!("mysql://{rest}"))),
        other => Err(bad(&format!("unsupported database {other:?} (use sqlite or mysql)"))),
    }
}

/// `url` with the password of its `user:password@` part replaced by `***` (`mysql://user:***@host/db`), for
/// logs and error messages; URLs without a password are returned as they are.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    // The user information ends at the last `@` before the query, so a password holding an unescaped `@` or
    // `/` is still hidden (at worst a path with `:` and `@` is redacted too).
    let before_query = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    let Some(at) = before_query.rfind('@') else {
        return url.to_string();
    };
    match before_query[..at].find(':') {
        Some(colon) => format!("{scheme}://{}:***{}", &rest[..colon], &rest[at..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_and_the_rest_kept() {
        assert_eq!(
            redact_url("mysql://user:s3cret@host:3306/db"),
            "mysql://user:***@host:3306/db"
        );
        assert_eq!(
            redact_url("mysql+pymysql://u:p%40ss@h/db?charset=utf8mb4"),
            "mysql+pymysql://u:***@h/db?charset=utf8mb4"
        );
        // A password holding `@` or `/`: everything up to the last `@` of the authority is user information.
        assert_eq!(redact_url("mysql://u:a@b@h/db"), "mysql://u:***@h/db");
        assert_eq!(redact_url("mysql://u:a/b@h/db"), "mysql://u:***@h/db");
        assert_eq!(redact_url("mysql://root@localhost/db"), "mysql://root@localhost/db");
        assert_eq!(redact_url("sqlite:///.qe/quant.db"), "sqlite:///.qe/quant.db");
        assert_eq!(redact_url("sqlite:////tmp/a@b:c.db"), "sqlite:////tmp/a@b:c.db");
        assert_eq!(redact_url("not a url"), "not a url");
    }

    #[test]
    fn a_bad_url_error_does_not_print_the_password() {
        let err = normalize_db_url("postgres://u:s3cret@h/db").unwrap_err().to_string();
        assert!(
            !err.contains("s3cret") && err.contains("postgres://u:***@h/db"),
            "{err}"
        );
    }

    #[test]
    fn sqlalchemy_relative_sqlite_becomes_relative_path() {
        let (b, u) = normalize_db_url("sqlite:///.db/quant.db").unwrap();
        assert_eq!(b, Backend::Sqlite);
        assert_eq!(u, "sqlite://.db/quant.db?mode=rwc");
    }

    #[test]
    fn four_slashes_make_an_absolute_sqlite_path() {
        let (_, u) = normalize_db_url("sqlite:////tmp/x.db").unwrap();
        assert_eq!(u, "sqlite:///tmp/x.db?mode=rwc");
        let (_, u) = normalize_db_url("sqlite://rel/x.db?cache=shared").unwrap();
        assert_eq!(u, "sqlite://rel/x.db?cache=shared&mode=rwc");
    }

    #[test]
    fn pymysql_urls_are_translated() {
        let (b, u) = normalize_db_url("mysql+pymysql://user:pw@host:3306/db?charset=utf8mb4").unwrap();
        assert_eq!(b, Backend::MySql);
        assert_eq!(u, "mysql://user:pw@host:3306/db?charset=utf8mb4");
    }

    #[test]
    fn unknown_schemes_are_refused_by_name() {
        let err = normalize_db_url("postgres://x/y").unwrap_err().to_string();
        assert!(err.contains("unsupported database \"postgres\""), "{err}");
    }
}
