//! Optimisation runs: `experiment_runs`, `run_metrics` (fold_key −1 = aggregated) and `trials`, with the
//! reads of the compat API (`GET /runs`, `/runs/{id}`, `/runs/{id}/trials`, `/runs/{id}/metrics`).

use super::{Store, StoreError};
use model::jobs::JobStatus;
pub use model::runs::MetricValue;
use model::runs::{RunMetrics, RunRow, RunSummary, TrialRow};

/// Identification of a new run.
#[derive(Debug, Clone, Default)]
pub struct NewRun {
    pub run_id: String,
    pub spec_id: Option<String>,
    pub dataset_id: Option<String>,
    pub objective: Option<String>,
    pub out_dir: Option<String>,
}

/// Filters and paging of `GET /runs` (`page` from 1).
#[derive(Debug, Clone)]
pub struct RunFilter {
    pub status: Option<String>,
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    pub page: i64,
    pub page_size: i64,
}

impl Default for RunFilter {
    fn default() -> Self {
        Self {
            status: None,
            date_from: None,
            date_to: None,
            page: 1,
            page_size: 50,
        }
    }
}

/// Fields `GET /runs/{id}/trials` may order by; anything else falls back to `objective_value`.
pub const TRIAL_ORDER_FIELDS: [&str; 8] = [
    "objective_value",
    "n_trades",
    "max_dd",
    "sharpe",
    "sortino",
    "cagr",
    "hit_rate",
    "avg_r",
];

/// Inserts the run with status `RUNNING` and `started_at` now, or sets an existing run back to `RUNNING`.
pub async fn create_or_running(store: &Store, run: &NewRun) -> Result<(), StoreError> {
    let sql = store.upsert_sql(
        "experiment_runs",
        &[
            "run_id",
            "spec_id",
            "dataset_id",
            "status",
            "objective",
            "out_dir",
            "started_at",
        ],
        &["run_id"],
        &["status"],
    );
    sqlx::query(&sql)
        .bind(&run.run_id)
        .bind(&run.spec_id)
        .bind(&run.dataset_id)
        .bind(JobStatus::Running.run_label())
        .bind(&run.objective)
        .bind(&run.out_dir)
        .bind(crate::time::now_db_text())
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Sets the run's final status (`FINISHED`, `FAILED`, `CANCELLED`) and `finished_at` now.
pub async fn finish(store: &Store, run_id: &str, status: JobStatus) -> Result<(), StoreError> {
    sqlx::query("UPDATE experiment_runs SET status = ?, finished_at = ? WHERE run_id = ?")
        .bind(status.run_label())
        .bind(crate::time::now_db_text())
        .bind(run_id)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Upserts metric values in one transaction (re-writes update; the aggregated row is keyed as fold −1).
pub async fn upsert_metrics(store: &Store, run_id: &str, metrics: &[MetricValue]) -> Result<(), StoreError> {
    let mut tx = store.pool().begin().await?;
    record::write_metrics(store, &mut tx, run_id, metrics).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes every trial in one transaction (a re-written trial number replaces the previous row; no in-sample values).
pub async fn insert_trials(store: &Store, run_id: &str, trials: &[TrialRow]) -> Result<(), StoreError> {
    let rows: Vec<record::StoredTrial> = trials
        .iter()
        .map(|row| record::StoredTrial {
            row: row.clone(),
            is_sharpe: None,
            is_objective: None,
            is_n_trades: None,
        })
        .collect();
    let mut tx = store.pool().begin().await?;
    record::write_trials(store, &mut tx, run_id, &rows).await?;
    tx.commit().await?;
    Ok(())
}

/// `GET /runs`: filtered by exact status and `started_at` text bounds, newest first, paged.
pub async fn list_runs(store: &Store, f: &RunFilter) -> Result<Vec<RunSummary>, StoreError> {
    let mut sql =
        "SELECT run_id, status, objective, out_dir, started_at, finished_at FROM experiment_runs WHERE 1=1".to_string();
    let mut binds = Vec::new();
    // Status matches case-sensitively as in the original's SQLite (MySQL's default collation ignores case).
    let status_cond = match store.backend() {
        super::Backend::Sqlite => "status = ?",
        super::Backend::MySql => "CAST(status AS BINARY) = CAST(? AS BINARY)",
    };
    for (cond, value) in [
        (status_cond, &f.status),
        ("started_at >= ?", &f.date_from),
        ("started_at <= ?", &f.date_to),
    ] {
        if let Some(v) = value {
            sql.push_str(&format!(" AND {cond}"));
            binds.push(v.clone());
        }
    }
    sql.push_str(" ORDER BY started_at DESC, id ASC LIMIT ? OFFSET ?");
    let mut q = sqlx::query_as(&sql);
    for b in binds {
        q = q.bind(b);
    }
    let (limit, offset) = paging(f.page, f.page_size);
    Ok(q.bind(limit).bind(offset).fetch_all(store.pool()).await?)
}

/// `GET /runs/{id}`'s `run` object, or None for an unknown run.
pub async fn get_run(store: &Store, run_id: &str) -> Result<Option<RunRow>, StoreError> {
    let sql = "SELECT id, run_id, spec_id, dataset_id, status, objective, out_dir, started_at, finished_at \
               FROM experiment_runs WHERE run_id = ?";
    Ok(sqlx::query_as(sql).bind(run_id).fetch_optional(store.pool()).await?)
}

/// `{aggregated, folds{"0": …}}` of a run (empty objects for an unknown run).
pub async fn get_metrics(store: &Store, run_id: &str) -> Result<RunMetrics, StoreError> {
    let rows: Vec<(Option<i64>, String, f64)> =
        sqlx::query_as("SELECT fold, metric_name, metric_value FROM run_metrics WHERE run_id = ? ORDER BY id")
            .bind(run_id)
            .fetch_all(store.pool())
            .await?;
    let mut out = RunMetrics::default();
    for (fold, name, value) in rows {
        match fold {
            None => out.aggregated.insert(name, value),
            Some(f) => out.folds.entry(f.to_string()).or_default().insert(name, value),
        };
    }
    Ok(out)
}

/// `GET /runs/{id}/trials`: `order_by` = `<field>.<dir>` (field whitelisted, else `objective_value`; dir
/// `desc` case-insensitive → DESC, anything else ASC), paged.
pub async fn list_trials(
    store: &Store,
    run_id: &str,
    order_by: Option<&str>,
    page: i64,
    page_size: i64,
) -> Result<Vec<TrialRow>, StoreError> {
    let (field, dir) = order_clause(order_by.unwrap_or("objective_value.desc"));
    let sql = format!(
        "SELECT trial_number, params_json, objective_value, status, n_trades, max_dd, sharpe, sortino, cagr, hit_rate, \
         avg_r FROM trials WHERE run_id = ? ORDER BY {field} {dir}, trial_number ASC LIMIT ? OFFSET ?"
    );
    let (limit, offset) = paging(page, page_size);
    let query = sqlx::query_as(&sql).bind(run_id).bind(limit).bind(offset);
    Ok(query.fetch_all(store.pool()).await?)
}

/// Trial `number` of run `run_id`, or None.
pub async fn get_trial(store: &Store, run_id: &str, number: i64) -> Result<Option<TrialRow>, StoreError> {
    let sql = "SELECT trial_number, params_json, objective_value, status, n_trades, max_dd, sharpe, sortino, cagr, \
               hit_rate, avg_r FROM trials WHERE run_id = ? AND trial_number = ?";
    Ok(sqlx::query_as(sql)
        .bind(run_id)
        .bind(number)
        .fetch_optional(store.pool())
        .await?)
}

/// The whitelisted ORDER BY field and direction of an `order_by` query value.
pub fn order_clause(order_by: &str) -> (&'static str, &'static str) {
    let (field, dir) = order_by.split_once('.').unwrap_or((order_by, ""));
    let field = TRIAL_ORDER_FIELDS
        .iter()
        .find(|f| **f == field)
        .copied()
        .unwrap_or("objective_value");
    (
        field,
        if dir.eq_ignore_ascii_case("desc") {
            "DESC"
        } else {
            "ASC"
        },
    )
}

fn paging(page: i64, page_size: i64) -> (i64, i64) {
    let size = page_size.clamp(1, 500);
    (size, (page.max(1) - 1).saturating_mul(size))
}

#[path = "runs_record.rs"]
mod record;
pub use record::{
    get_overfitting, record_outcome, save_overfitting, set_status, trials_in_sample, StoredTrial, TrialInSample,
};

#[cfg(test)]
#[path = "runs_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "runs_record_tests.rs"]
mod record_tests;
