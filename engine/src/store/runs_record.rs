//! Writes of a run's life cycle: its status, and its outcome (metrics, every trial, final status) in one
//! transaction, so a reader never sees a half-written run.

use super::{MetricValue, Store, StoreError};
use crate::store::text::StoredText;
use model::jobs::JobStatus;
use model::overfitting::Overfitting;
use model::runs::TrialRow;

/// A `trials` row with the trial's in-sample values (train windows stitched; None without train windows).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTrial {
    pub row: TrialRow,
    pub is_sharpe: Option<f64>,
    pub is_objective: Option<f64>,
    pub is_n_trades: Option<i64>,
}

/// One trial's in-sample and out-of-sample values as the dashboard's IS-vs-OOS scatter reads them.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TrialInSample {
    pub trial_number: i64,
    pub status: Option<String>,
    pub is_sharpe: Option<f64>,
    pub is_objective: Option<f64>,
    pub is_n_trades: Option<i64>,
    pub sharpe: Option<f64>,
    pub objective_value: Option<f64>,
}

/// Sets a run's status without touching its times (e.g. `QUEUED` → `RUNNING`); false when the run is unknown.
pub async fn set_status(store: &Store, run_id: &str, status: JobStatus) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE experiment_runs SET status = ? WHERE run_id = ?")
        .bind(status.run_label())
        .bind(run_id)
        .execute(store.pool())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Writes a finished run in ONE transaction: its `run_metrics` (upserted; aggregated = fold −1), every trial
/// (upserted by trial number, in-sample columns included), its overfitting report and the final `status` with
/// `finished_at` now.
pub async fn record_outcome(
    store: &Store,
    run_id: &str,
    metrics: &[MetricValue],
    trials: &[StoredTrial],
    overfitting: Option<&Overfitting>,
    status: JobStatus,
) -> Result<(), StoreError> {
    let mut tx = store.pool().begin().await?;
    write_metrics(store, &mut tx, run_id, metrics).await?;
    write_trials(store, &mut tx, run_id, trials).await?;
    if let Some(report) = overfitting {
        write_overfitting(store, &mut tx, run_id, report).await?;
    }
    sqlx::query("UPDATE experiment_runs SET status = ?, finished_at = ? WHERE run_id = ?")
        .bind(status.run_label())
        .bind(crate::time::now_db_text())
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Stores (or replaces) the overfitting report of run `run_id` (a seasonality optimisation's, say).
pub async fn save_overfitting(store: &Store, run_id: &str, report: &Overfitting) -> Result<(), StoreError> {
    let mut conn = store.pool().acquire().await?;
    write_overfitting(store, &mut conn, run_id, report).await
}

async fn write_overfitting(
    store: &Store,
    conn: &mut sqlx::AnyConnection,
    run_id: &str,
    report: &Overfitting,
) -> Result<(), StoreError> {
    let sql = store.upsert_sql("run_overfitting", &["run_id", "report"], &["run_id"], &["report"]);
    let text = serde_json::to_string(report).map_err(|e| StoreError::Corrupt {
        what: format!("overfitting report of run {run_id}"),
        reason: e.to_string(),
    })?;
    sqlx::query(&sql).bind(run_id).bind(text).execute(&mut *conn).await?;
    Ok(())
}

/// Upserts metric values inside `tx` (a re-write updates; the aggregated row is keyed as fold −1).
pub(crate) async fn write_metrics(
    store: &Store,
    tx: &mut sqlx::AnyConnection,
    run_id: &str,
    metrics: &[MetricValue],
) -> Result<(), StoreError> {
    let insert = store.upsert(
        "run_metrics",
        &["run_id", "fold", "metric_name", "metric_value", "fold_key"],
        &["run_id", "fold_key", "metric_name"],
        &["metric_value"],
    );
    insert
        .run(tx, metrics, |mut b, m| {
            b.push_bind(run_id)
                .push_bind(m.fold)
                .push_bind(&m.name)
                .push_bind(m.value)
                .push_bind(m.fold.unwrap_or(-1));
        })
        .await
}

/// Upserts trials by trial number inside `tx`, in-sample columns included.
pub(crate) async fn write_trials(
    store: &Store,
    tx: &mut sqlx::AnyConnection,
    run_id: &str,
    trials: &[StoredTrial],
) -> Result<(), StoreError> {
    let cols = [
        "run_id",
        "trial_number",
        "params_json",
        "objective_value",
        "status",
        "n_trades",
        "max_dd",
        "sharpe",
        "sortino",
        "cagr",
        "hit_rate",
        "avg_r",
        "is_sharpe",
        "is_objective",
        "is_n_trades",
    ];
    let insert = store.upsert("trials", &cols, &["run_id", "trial_number"], &cols[2..]);
    insert
        .run(tx, trials, |mut b, t| {
            let r = &t.row;
            b.push_bind(run_id)
                .push_bind(r.trial_number)
                .push_bind(&r.params_json)
                .push_bind(r.objective_value)
                .push_bind(&r.status)
                .push_bind(r.n_trades)
                .push_bind(r.max_dd)
                .push_bind(r.sharpe)
                .push_bind(r.sortino)
                .push_bind(r.cagr)
                .push_bind(r.hit_rate)
                .push_bind(r.avg_r)
                .push_bind(t.is_sharpe)
                .push_bind(t.is_objective)
                .push_bind(t.is_n_trades);
        })
        .await
}

/// The overfitting report of a run (None for an unknown run, or one recorded before reports were kept).
pub async fn get_overfitting(store: &Store, run_id: &str) -> Result<Option<Overfitting>, StoreError> {
    // MySQL LONGTEXT arrives as bytes through the Any driver; `StoredText` reads either form.
    let report: Option<StoredText> = sqlx::query_scalar("SELECT report FROM run_overfitting WHERE run_id = ?")
        .bind(run_id)
        .fetch_optional(store.pool())
        .await?;
    report
        .map(|text| {
            serde_json::from_str(&String::from(text)).map_err(|e| StoreError::Corrupt {
                what: format!("overfitting report of run {run_id}"),
                reason: e.to_string(),
            })
        })
        .transpose()
}

/// Every trial of a run with its in-sample and out-of-sample values, by trial number.
pub async fn trials_in_sample(store: &Store, run_id: &str) -> Result<Vec<TrialInSample>, StoreError> {
    let sql = "SELECT trial_number, status, is_sharpe, is_objective, is_n_trades, sharpe, objective_value FROM trials \
               WHERE run_id = ? ORDER BY trial_number";
    Ok(sqlx::query_as(sql).bind(run_id).fetch_all(store.pool()).await?)
}
