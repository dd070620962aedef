//! `seasonality_trials` (migration 0004): the trials of a `seasonality optimize` run, written in one transaction.

use super::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// One stored trial; the JSON columns stay text (as `params_json` in `GET /runs/{id}/trials`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeasonalityTrialRow {
    pub trial_number: i64,
    pub state: String,
    pub objective: Option<f64>,
    pub params_json: Option<String>,
    pub metrics_json: Option<String>,
    pub oos_json: Option<String>,
}

impl SeasonalityTrialRow {
    /// The row with its JSON columns decoded (a column that is missing or not JSON is null).
    pub fn decoded(&self) -> model::seasonality::SeasonalityTrial {
        let json = |text: &Option<String>| {
            text.as_deref()
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or(serde_json::Value::Null)
        };
        model::seasonality::SeasonalityTrial {
            trial_number: self.trial_number,
            state: self.state.clone(),
            objective: self.objective,
            params: json(&self.params_json),
            metrics: json(&self.metrics_json),
            oos: json(&self.oos_json),
        }
    }
}

/// Inserts the trials of `run_id` in one transaction (a trial number already stored is left as it is).
pub async fn insert_trials(store: &Store, run_id: &str, trials: &[SeasonalityTrialRow]) -> Result<(), StoreError> {
    let insert = match store.backend() {
        super::Backend::Sqlite => "INSERT OR IGNORE",
        super::Backend::MySql => "INSERT IGNORE",
    };
    let sql = format!(
        "{insert} INTO seasonality_trials (run_id, trial_number, state, objective, params_json, metrics_json, \
         oos_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    );
    let now = crate::time::now_db_text();
    let mut tx = store.pool().begin().await?;
    for t in trials {
        sqlx::query(&sql)
            .bind(run_id.to_string())
            .bind(t.trial_number)
            .bind(t.state.clone())
            .bind(t.objective.filter(|x| x.is_finite()))
            .bind(t.params_json.clone())
            .bind(t.metrics_json.clone())
            .bind(t.oos_json.clone())
            .bind(now.clone())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The trials of `run_id` by trial number.
pub async fn list_trials(store: &Store, run_id: &str) -> Result<Vec<SeasonalityTrialRow>, StoreError> {
    list_trials_page(store, run_id, TrialOrder::Number, i64::MAX, 0).await
}

/// How [`list_trials_page`] orders a run's trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialOrder {
    /// By trial number.
    Number,
    /// Highest objective first, trials without one last, then by number.
    BestFirst,
}

/// At most `limit` trials of `run_id` in `order`, after skipping `offset`.
pub async fn list_trials_page(
    store: &Store,
    run_id: &str,
    order: TrialOrder,
    limit: i64,
    offset: i64,
) -> Result<Vec<SeasonalityTrialRow>, StoreError> {
    let order = match order {
        TrialOrder::Number => "trial_number",
        TrialOrder::BestFirst => "objective IS NULL, objective DESC, trial_number",
    };
    let sql = format!(
        "SELECT trial_number, state, objective, params_json, metrics_json, oos_json FROM seasonality_trials \
         WHERE run_id = ? ORDER BY {order} LIMIT ? OFFSET ?"
    );
    let rows = sqlx::query(&sql)
        .bind(run_id.to_string())
        .bind(limit)
        .bind(offset)
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(SeasonalityTrialRow {
                trial_number: r.try_get::<i64, _>("trial_number")?,
                state: r.try_get("state")?,
                objective: r.try_get("objective")?,
                params_json: r.try_get("params_json")?,
                metrics_json: r.try_get("metrics_json")?,
                oos_json: r.try_get("oos_json")?,
            })
        })
        .collect()
}

/// How many trials `run_id` stored.
pub async fn count_trials(store: &Store, run_id: &str) -> Result<usize, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM seasonality_trials WHERE run_id = ?")
        .bind(run_id.to_string())
        .fetch_one(store.pool())
        .await?;
    Ok(n.max(0) as usize)
}
