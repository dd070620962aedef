//! `seasonality_runs` and `seasonality_profiles` (issue 6): run rows with lowercase statuses, profile upserts keyed
//! by a hash of the natural key (NULLs included), and the reads behind `/seasonality/profiles` and `/seasonality/runs`.

use super::{Store, StoreError};
use model::jobs::JobStatus;
use model::seasonality::{Bin, ProfileRow, SeasonalityRunRow, StoredProfile, YearRow};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;

/// Inserts a run row with status `running` and the current time.
pub async fn insert_run(
    store: &Store,
    run_id: &str,
    spec_id: Option<&str>,
    dataset_id: Option<&str>,
    out_dir: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO seasonality_runs (run_id, spec_id, dataset_id, out_dir, status, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(run_id.to_string())
        .bind(spec_id.map(str::to_string))
        .bind(dataset_id.map(str::to_string))
        .bind(out_dir.map(str::to_string))
        .bind(JobStatus::Running.as_str().to_string())
        .bind(crate::time::now_db_text())
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Sets a run's final status and `best_summary` (the result payload, or `{"error": …}` for a failed run).
pub async fn finish_run(
    store: &Store,
    run_id: &str,
    status: JobStatus,
    best_summary: &serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE seasonality_runs SET status = ?, best_summary = ? WHERE run_id = ?")
        .bind(status.as_str().to_string())
        .bind(best_summary.to_string())
        .bind(run_id.to_string())
        .execute(store.pool())
        .await?;
    Ok(())
}

/// The natural-key values copied into every stored profile row of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileKey {
    /// `data.start` / `data.end`; stored as their `YYYY-MM-DD` part.
    pub start: Option<String>,
    pub end: Option<String>,
    pub spec_id: Option<String>,
    pub dataset_id: Option<String>,
}

/// SHA-256 (hex) of the natural key; a NULL hashes differently from any text, so NULL keys still upsert.
pub fn profile_ukey(fields: &[Option<&str>]) -> String {
    let mut h = Sha256::new();
    for f in fields {
        match f {
            Some(s) => {
                h.update([1u8]);
                h.update((s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
            None => h.update([0u8]),
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn date_part(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(|t| model::spec::seasonality::iso_date_part(t).unwrap_or(t).to_string())
}

/// Upserts profile rows in one transaction; a re-run with the same key updates score, n, baseline, lift, metrics.
pub async fn upsert_profiles(store: &Store, rows: &[ProfileRow], key: &ProfileKey) -> Result<(), StoreError> {
    let mut tx = store.pool().begin().await?;
    upsert_profiles_in(store, &mut tx, rows, key).await?;
    tx.commit().await?;
    Ok(())
}

/// Completes a run in one transaction: its status becomes `completed` with `best_summary`, `rows` (the best
/// fold's profiles; may be empty) are upserted and `years` (their per-year cells) replace the run's stored ones.
/// Nothing is written if any statement fails.
pub async fn complete_run(
    store: &Store,
    run_id: &str,
    best_summary: &serde_json::Value,
    rows: &[ProfileRow],
    years: &[YearRow],
    key: &ProfileKey,
) -> Result<(), StoreError> {
    let mut tx = store.pool().begin().await?;
    sqlx::query("UPDATE seasonality_runs SET status = ?, best_summary = ? WHERE run_id = ?")
        .bind(JobStatus::Completed.as_str().to_string())
        .bind(best_summary.to_string())
        .bind(run_id.to_string())
        .execute(&mut *tx)
        .await?;
    upsert_profiles_in(store, &mut tx, rows, key).await?;
    super::seasonality_years::replace_years_in(&mut tx, run_id, years).await?;
    tx.commit().await?;
    Ok(())
}

async fn upsert_profiles_in(
    store: &Store,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    rows: &[ProfileRow],
    key: &ProfileKey,
) -> Result<(), StoreError> {
    // The figures a re-run of the same natural key updates, bound in this order after the key's first columns.
    let figures = [
        "score",
        "n",
        "baseline",
        "lift",
        "metrics",
        "t_stat",
        "p_value",
        "q_value",
        "years_same_sign",
    ];
    let cols: Vec<&str> = ["symbol", "timeframe", "dim", "bin", "measure"]
        .into_iter()
        .chain(figures)
        .chain(["start", "end", "spec_id", "dataset_id", "created_at", "ukey"])
        .collect();
    let sql = store.upsert_sql("seasonality_profiles", &cols, &["ukey"], &figures);
    let (start, end) = (date_part(&key.start), date_part(&key.end));
    let now = crate::time::now_db_text();
    for r in rows {
        let bin = r.bin.to_string();
        let natural = [
            Some(r.symbol.as_str()),
            Some(r.timeframe.as_str()),
            Some(r.dim.as_str()),
            Some(bin.as_str()),
            Some(r.measure().as_str()),
            start.as_deref(),
            end.as_deref(),
            key.spec_id.as_deref(),
            key.dataset_id.as_deref(),
        ];
        let ukey = profile_ukey(&natural);
        sqlx::query(&sql)
            .bind(r.symbol.clone())
            .bind(r.timeframe.clone())
            .bind(r.dim.clone())
            .bind(bin)
            .bind(r.measure().as_str())
            .bind(r.score())
            .bind(r.n as i64)
            .bind(r.baseline)
            .bind(r.lift)
            .bind(serde_json::Value::Object(r.metrics_json()).to_string())
            .bind(finite(r.t_stat))
            .bind(finite(r.p_value))
            .bind(finite(r.q_value))
            .bind(finite(r.years_same_sign))
            .bind(start.clone())
            .bind(end.clone())
            .bind(key.spec_id.clone())
            .bind(key.dataset_id.clone())
            .bind(now.clone())
            .bind(ukey)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

/// Filters and paging of `GET /seasonality/profiles`; `page` ≥ 1, `page_size` as validated by the API.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileQuery {
    pub symbol: Option<String>,
    pub timeframe: Option<String>,
    pub dim: Option<String>,
    pub measure: Option<String>,
    pub spec_id: Option<String>,
    pub dataset_id: Option<String>,
    /// Metric names that must be present (non-null) in `metrics`; applied before paging.
    pub metrics: Vec<String>,
    /// Rows whose `q_value` is at most this (rows without one are left out).
    pub max_q: Option<f64>,
    /// Rows whose `years_same_sign` is at least this (rows without one are left out).
    pub min_years_same_sign: Option<f64>,
    pub page: i64,
    pub page_size: i64,
}

impl Default for ProfileQuery {
    fn default() -> Self {
        Self {
            symbol: None,
            timeframe: None,
            dim: None,
            measure: None,
            spec_id: None,
            dataset_id: None,
            metrics: Vec::new(),
            max_q: None,
            min_years_same_sign: None,
            page: 1,
            page_size: 50,
        }
    }
}

/// Stored profiles matching `q`, newest first (`created_at DESC, id DESC`).
pub async fn list_profiles(store: &Store, q: &ProfileQuery) -> Result<Vec<StoredProfile>, StoreError> {
    let names: Vec<String> = q.metrics.iter().map(|m| m.trim().to_string()).collect();
    if names
        .iter()
        .any(|m| m.is_empty() || !m.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        return Ok(Vec::new()); // no stored metric has such a name
    }
    let mut sql = format!(
        "SELECT id, symbol, timeframe, dim, bin, measure, score, n, baseline, lift, metrics, t_stat, p_value, \
         q_value, years_same_sign, start, {end}, spec_id, dataset_id, created_at FROM seasonality_profiles WHERE 1 = 1",
        end = store.quote("end")
    );
    let filters = [
        ("symbol", &q.symbol),
        ("timeframe", &q.timeframe),
        ("dim", &q.dim),
        ("measure", &q.measure),
        ("spec_id", &q.spec_id),
        ("dataset_id", &q.dataset_id),
    ];
    let mut binds: Vec<String> = Vec::new();
    for (col, v) in filters {
        if let Some(v) = v {
            sql.push_str(&format!(" AND {col} = ?"));
            binds.push(v.clone());
        }
    }
    for name in &names {
        sql.push_str(" AND JSON_EXTRACT(metrics, ?) IS NOT NULL");
        binds.push(format!("$.{name}"));
    }
    let bounds = [
        ("q_value <= ?", q.max_q),
        ("years_same_sign >= ?", q.min_years_same_sign),
    ];
    let bounds: Vec<(&str, f64)> = bounds.into_iter().filter_map(|(c, v)| Some((c, v?))).collect();
    for (condition, _) in &bounds {
        sql.push_str(&format!(" AND {condition}"));
    }
    sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?");
    let mut query = sqlx::query(&sql);
    for b in binds {
        query = query.bind(b);
    }
    for (_, v) in bounds {
        query = query.bind(v);
    }
    let size = q.page_size.max(1);
    let rows = query
        .bind(size)
        .bind((q.page.max(1) - 1).saturating_mul(size))
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(stored_profile).collect()
}

fn stored_profile(r: &AnyRow) -> Result<StoredProfile, StoreError> {
    let metrics: Option<String> = r.try_get("metrics")?;
    let metrics = metrics
        .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    let bin: String = r.try_get("bin")?;
    Ok(StoredProfile {
        id: r.try_get("id")?,
        symbol: r.try_get("symbol")?,
        timeframe: r.try_get("timeframe")?,
        dim: r.try_get("dim")?,
        bin: Bin::from_text(&bin),
        measure: super::name_in(r, "seasonality_profiles", "measure")?,
        score: r.try_get("score")?,
        n: r.try_get("n")?,
        baseline: r.try_get("baseline")?,
        lift: r.try_get("lift")?,
        metrics,
        t_stat: r.try_get("t_stat")?,
        p_value: r.try_get("p_value")?,
        q_value: r.try_get("q_value")?,
        years_same_sign: r.try_get("years_same_sign")?,
        start: r.try_get("start")?,
        end: r.try_get("end")?,
        spec_id: r.try_get("spec_id")?,
        dataset_id: r.try_get("dataset_id")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Filters and paging of `GET /seasonality/runs`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunQuery {
    pub status: Option<String>,
    pub spec_id: Option<String>,
    pub dataset_id: Option<String>,
    pub page: i64,
    pub page_size: i64,
}

impl Default for RunQuery {
    fn default() -> Self {
        Self {
            status: None,
            spec_id: None,
            dataset_id: None,
            page: 1,
            page_size: 50,
        }
    }
}

const RUN_COLS: &str = "run_id, spec_id, dataset_id, out_dir, status, best_summary, created_at";

/// Runs matching `q`, newest first (`created_at DESC, id DESC`).
pub async fn list_runs(store: &Store, q: &RunQuery) -> Result<Vec<SeasonalityRunRow>, StoreError> {
    let mut sql = format!("SELECT {RUN_COLS} FROM seasonality_runs WHERE 1 = 1");
    let mut binds = Vec::new();
    for (col, v) in [
        ("status", &q.status),
        ("spec_id", &q.spec_id),
        ("dataset_id", &q.dataset_id),
    ] {
        if let Some(v) = v {
            sql.push_str(&format!(" AND {col} = ?"));
            binds.push(v.clone());
        }
    }
    sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?");
    let mut query = sqlx::query(&sql);
    for b in binds {
        query = query.bind(b);
    }
    let size = q.page_size.max(1);
    let rows = query
        .bind(size)
        .bind((q.page.max(1) - 1).saturating_mul(size))
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(run_row).collect()
}

/// One run by its id, or None (the API answers 404 `Run not found`).
pub async fn get_run(store: &Store, run_id: &str) -> Result<Option<SeasonalityRunRow>, StoreError> {
    let row = sqlx::query(&format!("SELECT {RUN_COLS} FROM seasonality_runs WHERE run_id = ?"))
        .bind(run_id.to_string())
        .fetch_optional(store.pool())
        .await?;
    row.as_ref().map(run_row).transpose()
}

fn run_row(r: &AnyRow) -> Result<SeasonalityRunRow, StoreError> {
    // MySQL MEDIUMTEXT arrives as bytes through the Any driver (migration 0004); SQLite TEXT as text.
    let summary = super::jobs::text(r, "best_summary")?;
    Ok(SeasonalityRunRow {
        run_id: r.try_get("run_id")?,
        spec_id: r.try_get("spec_id")?,
        dataset_id: r.try_get("dataset_id")?,
        out_dir: r.try_get("out_dir")?,
        status: r.try_get("status")?,
        best_summary: summary.and_then(|s| serde_json::from_str(&s).ok()),
        created_at: r.try_get("created_at")?,
    })
}

#[cfg(test)]
#[path = "seasonality_tests.rs"]
mod tests;
