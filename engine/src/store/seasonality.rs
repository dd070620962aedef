//! `seasonality_runs` and `seasonality_profiles` (issue 6): run rows with lowercase statuses, profile upserts keyed
//! by a hash of the natural key (NULLs included), and the reads behind `/seasonality/profiles` and `/seasonality/runs`.

use super::text::StoredText;
use super::{Store, StoreError};
use model::jobs::JobStatus;
use model::seasonality::{Bin, ProfileRow, SeasonalityRunRow, StoredProfile, YearRow};
use sha2::{Digest, Sha256};

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
    let insert = store.upsert("seasonality_profiles", &cols, &["ukey"], &figures);
    let (start, end) = (date_part(&key.start), date_part(&key.end));
    let now = crate::time::now_db_text();
    insert
        .run(tx, rows, |mut b, r| {
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
            b.push_bind(&r.symbol)
                .push_bind(&r.timeframe)
                .push_bind(&r.dim)
                .push_bind(bin)
                .push_bind(r.measure().as_str())
                .push_bind(r.score())
                .push_bind(r.n as i64)
                .push_bind(r.baseline)
                .push_bind(r.lift)
                .push_bind(serde_json::Value::Object(r.metrics_json()).to_string())
                .push_bind(finite(r.t_stat))
                .push_bind(finite(r.p_value))
                .push_bind(finite(r.q_value))
                .push_bind(finite(r.years_same_sign))
                .push_bind(&start)
                .push_bind(&end)
                .push_bind(&key.spec_id)
                .push_bind(&key.dataset_id)
                .push_bind(&now)
                .push_bind(ukey);
        })
        .await
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
    let mut query = sqlx::query_as(&sql);
    for b in binds {
        query = query.bind(b);
    }
    for (_, v) in bounds {
        query = query.bind(v);
    }
    let size = q.page_size.max(1);
    let rows: Vec<ProfileRecord> = query
        .bind(size)
        .bind((q.page.max(1) - 1).saturating_mul(size))
        .fetch_all(store.pool())
        .await?;
    rows.into_iter().map(StoredProfile::try_from).collect()
}

/// A `seasonality_profiles` row as stored: the bin, measure and metrics as text.
#[derive(sqlx::FromRow)]
struct ProfileRecord {
    id: i64,
    symbol: String,
    timeframe: Option<String>,
    dim: String,
    bin: String,
    measure: String,
    score: Option<f64>,
    n: Option<i64>,
    baseline: Option<f64>,
    lift: Option<f64>,
    metrics: Option<String>,
    t_stat: Option<f64>,
    p_value: Option<f64>,
    q_value: Option<f64>,
    years_same_sign: Option<f64>,
    start: Option<String>,
    end: Option<String>,
    spec_id: Option<String>,
    dataset_id: Option<String>,
    created_at: String,
}

/// The profile of a stored row; an unknown measure is [`StoreError::Corrupt`], unreadable metrics are empty.
impl TryFrom<ProfileRecord> for StoredProfile {
    type Error = StoreError;

    fn try_from(r: ProfileRecord) -> Result<Self, StoreError> {
        let metrics = r
            .metrics
            .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default();
        Ok(StoredProfile {
            id: r.id,
            symbol: r.symbol,
            timeframe: r.timeframe,
            dim: r.dim,
            bin: Bin::from_text(&r.bin),
            measure: super::parse_name("seasonality_profiles", "measure", &r.measure)?,
            score: r.score,
            n: r.n,
            baseline: r.baseline,
            lift: r.lift,
            metrics,
            t_stat: r.t_stat,
            p_value: r.p_value,
            q_value: r.q_value,
            years_same_sign: r.years_same_sign,
            start: r.start,
            end: r.end,
            spec_id: r.spec_id,
            dataset_id: r.dataset_id,
            created_at: r.created_at,
        })
    }
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
    let mut query = sqlx::query_as(&sql);
    for b in binds {
        query = query.bind(b);
    }
    let size = q.page_size.max(1);
    let rows: Vec<RunRecord> = query
        .bind(size)
        .bind((q.page.max(1) - 1).saturating_mul(size))
        .fetch_all(store.pool())
        .await?;
    Ok(rows.into_iter().map(SeasonalityRunRow::from).collect())
}

/// One run by its id, or None (the API answers 404 `Run not found`).
pub async fn get_run(store: &Store, run_id: &str) -> Result<Option<SeasonalityRunRow>, StoreError> {
    let row: Option<RunRecord> = sqlx::query_as(&format!("SELECT {RUN_COLS} FROM seasonality_runs WHERE run_id = ?"))
        .bind(run_id)
        .fetch_optional(store.pool())
        .await?;
    Ok(row.map(SeasonalityRunRow::from))
}

/// A `seasonality_runs` row as stored: `best_summary` as text.
#[derive(sqlx::FromRow)]
struct RunRecord {
    run_id: String,
    spec_id: Option<String>,
    dataset_id: Option<String>,
    out_dir: Option<String>,
    status: String,
    // MySQL MEDIUMTEXT arrives as bytes through the Any driver (migration 0004); SQLite TEXT as text.
    #[sqlx(try_from = "StoredText")]
    best_summary: Option<String>,
    created_at: String,
}

impl From<RunRecord> for SeasonalityRunRow {
    fn from(r: RunRecord) -> Self {
        SeasonalityRunRow {
            run_id: r.run_id,
            spec_id: r.spec_id,
            dataset_id: r.dataset_id,
            out_dir: r.out_dir,
            status: r.status,
            best_summary: r.best_summary.and_then(|s| serde_json::from_str(&s).ok()),
            created_at: r.created_at,
        }
    }
}

#[cfg(test)]
#[path = "seasonality_tests.rs"]
mod tests;
