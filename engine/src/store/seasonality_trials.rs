//! `seasonality_trials` (migration 0004): the trials of a `seasonality optimize` run, written in one transaction.

use super::{Store, StoreError};
use serde::{Deserialize, Serialize};

/// One stored trial; the JSON columns stay text (as `params_json` in `GET /runs/{id}/trials`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
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
    let insert = store.insert_ignore(
        "seasonality_trials",
        &[
            "run_id",
            "trial_number",
            "state",
            "objective",
            "params_json",
            "metrics_json",
            "oos_json",
            "created_at",
        ],
    );
    let now = crate::time::now_db_text();
    let mut tx = store.pool().begin().await?;
    insert
        .run(&mut tx, trials, |mut b, t| {
            b.push_bind(run_id)
                .push_bind(t.trial_number)
                .push_bind(&t.state)
                .push_bind(t.objective.filter(|x| x.is_finite()))
                .push_bind(&t.params_json)
                .push_bind(&t.metrics_json)
                .push_bind(&t.oos_json)
                .push_bind(&now);
        })
        .await?;
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
    let query = sqlx::query_as(&sql).bind(run_id).bind(limit).bind(offset);
    Ok(query.fetch_all(store.pool()).await?)
}

/// How many trials `run_id` stored.
pub async fn count_trials(store: &Store, run_id: &str) -> Result<usize, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM seasonality_trials WHERE run_id = ?")
        .bind(run_id.to_string())
        .fetch_one(store.pool())
        .await?;
    Ok(n.max(0) as usize)
}
