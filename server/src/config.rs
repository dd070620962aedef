//! Where things live: configuration from flags, environment variables and `.env`.

use clap::Args;
use std::path::PathBuf;

/// Locations shared by every command.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Home of the embedded database, demo data and artifacts.
    #[arg(long, env = "QE_HOME", default_value = ".qe", global = true)]
    pub home: PathBuf,
    /// Results database: sqlite or mysql URL (SQLAlchemy `DB_DSN` style accepted). Default: `<home>/quant.db`.
    #[arg(long, env = "QE_DB_URL", global = true)]
    pub db_url: Option<String>,
    /// Directory that relative `dataset_path`s in specs resolve against, and that HTTP specs may not leave.
    #[arg(long, env = "QE_DATA_ROOT", default_value = ".", global = true)]
    pub data_root: PathBuf,
    /// Where runs write their artifacts (`<dir>/<run_id>/`). Default: `<home>/artifacts`.
    #[arg(long, env = "QE_ARTIFACTS_DIR", global = true)]
    pub artifacts_dir: Option<PathBuf>,
}

impl Config {
    /// The database URL: `QE_DB_URL`, else the original's `DB_DSN`, else SQLite under the home directory.
    pub fn db_url(&self) -> String {
        if let Some(url) = self.db_url.as_ref().filter(|u| !u.trim().is_empty()) {
            return url.clone();
        }
        if let Ok(dsn) = std::env::var("DB_DSN").map(|d| d.trim().to_string()) {
            if !dsn.is_empty() {
                return dsn;
            }
        }
        let path = self.home.join("quant.db");
        // SQLAlchemy form: three slashes for a relative path, four for an absolute one.
        format!("sqlite:///{}", path.display())
    }

    /// The artifacts directory.
    pub fn artifacts_dir(&self) -> PathBuf {
        self.artifacts_dir
            .clone()
            .unwrap_or_else(|| self.home.join("artifacts"))
    }

    /// Where the demo data set is written.
    pub fn demo_dir(&self) -> PathBuf {
        self.home.join("data")
    }
}
