//! Persistence on SQLite (embedded default) or MySQL/MariaDB through one sqlx `AnyPool`.
//! Migrations run at connect time; one repository module per table family.

mod bulk;
pub mod datasets;
pub mod jobs;
pub mod leaderboard;
pub mod market_stats;
pub mod runs;
pub mod seasonality;
pub mod seasonality_trials;
pub mod seasonality_years;
pub mod stats_views;
mod text;
mod url;

pub use url::{normalize_db_url, redact_url, Backend};

use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::AnyPool;
use std::str::FromStr;

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static MYSQL_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/mysql");

/// Everything that can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid database URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create the database directory {path}: {source}")]
    Dir { path: String, source: std::io::Error },
    #[error("the stored {what} cannot be read: {reason}")]
    Corrupt { what: String, reason: String },
}

/// A connected, migrated database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects to `url` (sqlx or SQLAlchemy style), creating a SQLite file and its directory if needed,
    /// and applies the backend's migrations.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        install_default_drivers();
        let (backend, url) = normalize_db_url(url)?;
        if let Backend::Sqlite = backend {
            create_sqlite_dir(&url)?;
        }
        let opts = sqlx::any::AnyConnectOptions::from_str(&url)?;
        let max = if backend == Backend::Sqlite { 8 } else { 16 };
        let pool = AnyPoolOptions::new().max_connections(max).connect_with(opts).await?;
        if backend == Backend::Sqlite {
            // WAL lets the dashboard read while a job writes; the busy timeout queues writers instead of failing.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
            sqlx::query("PRAGMA busy_timeout = 5000").execute(&pool).await?;
        }
        let store = Store { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies pending migrations for this backend.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATOR.run(&self.pool).await?,
            Backend::MySql => MYSQL_MIGRATOR.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// The connection pool, for repositories.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The one-row `INSERT … ON CONFLICT/DUPLICATE KEY UPDATE` statement for this backend.
    pub fn upsert_sql(&self, table: &str, cols: &[&str], key: &[&str], update: &[&str]) -> String {
        self.upsert(table, cols, key, update).one_row_sql()
    }

    /// Quotes an identifier (only needed for reserved words such as `end`).
    pub fn quote(&self, ident: &str) -> String {
        match self.backend {
            Backend::Sqlite => format!("\"{ident}\""),
            Backend::MySql => format!("`{ident}`"),
        }
    }
}

/// A stored name of one of `model`'s vocabularies (job kind, status, measure); an unknown name is
/// [`StoreError::Corrupt`], naming `table.col`.
pub(crate) fn parse_name<T: FromStr<Err = model::jobs::UnknownName>>(
    table: &str,
    col: &str,
    text: &str,
) -> Result<T, StoreError> {
    text.parse().map_err(|e: model::jobs::UnknownName| StoreError::Corrupt {
        what: format!("{table}.{col}"),
        reason: e.to_string(),
    })
}

fn create_sqlite_dir(url: &str) -> Result<(), StoreError> {
    let path = url.trim_start_matches("sqlite://");
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.contains(":memory:") {
        return Ok(());
    }
    if let Some(dir) = std::path::Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A fresh SQLite store in a temporary directory (kept alive by the returned guard).
    pub async fn sqlite() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite:///{}/test.db", dir.path().display());
        (Store::connect(&url).await.expect("connect sqlite"), dir)
    }

    /// A fresh MySQL database on the server named by `QE_TEST_MYSQL_URL`, or None when it is unset.
    /// With `QE_REQUIRE_MYSQL=1` (set by `make test` and CI) a missing URL fails the test instead.
    pub async fn mysql() -> Option<Store> {
        let Ok(base) = std::env::var("QE_TEST_MYSQL_URL") else {
            assert!(
                std::env::var("QE_REQUIRE_MYSQL").as_deref() != Ok("1"),
                "QE_REQUIRE_MYSQL=1 but QE_TEST_MYSQL_URL is unset"
            );
            return None;
        };
        install_default_drivers();
        let name = format!("qe_test_{}", uuid_like());
        let admin = sqlx::AnyPool::connect(&base).await.expect("connect QE_TEST_MYSQL_URL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .expect("create database");
        let root = base.rsplit_once('/').map(|(r, _)| r).unwrap_or(&base);
        Some(
            Store::connect(&format!("{root}/{name}"))
                .await
                .expect("connect test database"),
        )
    }

    fn uuid_like() -> String {
        use std::time::{SystemTime, UNIX_EPOCH};
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!("{:x}{:x}", nanos, std::process::id())
    }
}
