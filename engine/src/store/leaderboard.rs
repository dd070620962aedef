//! The dashboard's reads of `trials`: a leaderboard page (sorted by any metric, filtered by one parameter value,
//! counted, paged in SQL so large runs stay fast) and every trial's parameters and metrics for the charts.

use super::{Backend, Store, StoreError};
use model::runs::TrialRow;

/// Columns a leaderboard may sort by: the trial number and every metric column of `trials`.
pub const SORT_FIELDS: [&str; 9] = [
    "trial_number",
    "objective_value",
    "n_trades",
    "max_dd",
    "sharpe",
    "sortino",
    "cagr",
    "hit_rate",
    "avg_r",
];

/// One leaderboard request: `sort` = `<field>.<asc|desc>`, `page` from 1, an optional `name=value` filter.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialQuery {
    pub sort: Option<String>,
    pub page: i64,
    pub page_size: i64,
    /// Keep trials whose parameter `name` equals `value` (numbers compare numerically).
    pub param: Option<(String, String)>,
}

impl Default for TrialQuery {
    fn default() -> Self {
        Self {
            sort: None,
            page: 1,
            page_size: 25,
            param: None,
        }
    }
}

/// One page of trials and how many trials match the filter.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialPage {
    pub rows: Vec<TrialRow>,
    pub total: i64,
}

/// A trial with the in-sample values stored alongside it, when the schema has `is_*` columns.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TrialPoint {
    #[sqlx(flatten)]
    pub row: TrialRow,
    /// In-sample objective (`is_objective`), when stored.
    #[sqlx(default)]
    pub is_objective: Option<f64>,
    /// In-sample Sharpe (`is_sharpe`), when stored.
    #[sqlx(default)]
    pub is_sharpe: Option<f64>,
}

/// The sort field and direction of a `sort` value; unknown fields sort by `objective_value`, and the direction
/// is descending unless `asc` is asked for.
pub fn sort_clause(sort: Option<&str>) -> (&'static str, &'static str) {
    let text = sort.unwrap_or("objective_value.desc");
    let (field, dir) = text.split_once('.').unwrap_or((text, "desc"));
    let field = SORT_FIELDS
        .iter()
        .find(|f| **f == field)
        .copied()
        .unwrap_or("objective_value");
    (field, if dir.eq_ignore_ascii_case("asc") { "ASC" } else { "DESC" })
}

/// True for a parameter name that may appear in a JSON path (letters, digits, underscore; not starting with a digit).
pub fn valid_param_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The SQL condition and bind values of a parameter filter; None when the name is not a plain identifier.
fn param_condition(store: &Store, name: &str, value: &str) -> Option<(String, Bind)> {
    if !valid_param_name(name) {
        return None;
    }
    let path = format!("$.{name}");
    let number = value.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    let sql = match (store.backend(), number.is_some()) {
        (Backend::Sqlite, _) => "json_extract(params_json, ?) = ?",
        (Backend::MySql, true) => "(JSON_UNQUOTE(JSON_EXTRACT(params_json, ?)) + 0) = ?",
        (Backend::MySql, false) => "JSON_UNQUOTE(JSON_EXTRACT(params_json, ?)) = ?",
    };
    let bind = match number {
        Some(v) => Bind::Number(path, v),
        None => Bind::Text(path, value.to_string()),
    };
    Some((sql.to_string(), bind))
}

enum Bind {
    Number(String, f64),
    Text(String, String),
}

/// A page of a run's trials, sorted (nulls last, ties by trial number), filtered and counted.
/// A filter on a name that is not a plain identifier matches nothing.
pub async fn query_trials(store: &Store, run_id: &str, q: &TrialQuery) -> Result<TrialPage, StoreError> {
    let mut cond = String::from("run_id = ?");
    let mut bind = None;
    if let Some((name, value)) = &q.param {
        match param_condition(store, name, value) {
            Some((sql, b)) => {
                cond.push_str(&format!(" AND {sql}"));
                bind = Some(b);
            }
            None => {
                return Ok(TrialPage {
                    rows: Vec::new(),
                    total: 0,
                })
            }
        }
    }
    let (field, dir) = sort_clause(q.sort.as_deref());
    let size = q.page_size.clamp(1, 500);
    let offset = (q.page.max(1) - 1).saturating_mul(size);
    let select = format!(
        "SELECT trial_number, params_json, objective_value, status, n_trades, max_dd, sharpe, sortino, cagr, \
         hit_rate, avg_r FROM trials WHERE {cond} ORDER BY ({field} IS NULL) ASC, {field} {dir}, trial_number ASC \
         LIMIT ? OFFSET ?"
    );
    let count = format!("SELECT COUNT(*) FROM trials WHERE {cond}");
    let mut rows_q = sqlx::query_as(&select).bind(run_id);
    let mut count_q = sqlx::query_scalar(&count).bind(run_id);
    match &bind {
        Some(Bind::Number(path, v)) => {
            rows_q = rows_q.bind(path.clone()).bind(*v);
            count_q = count_q.bind(path.clone()).bind(*v);
        }
        Some(Bind::Text(path, v)) => {
            rows_q = rows_q.bind(path.clone()).bind(v.clone());
            count_q = count_q.bind(path.clone()).bind(v.clone());
        }
        None => {}
    }
    Ok(TrialPage {
        rows: rows_q.bind(size).bind(offset).fetch_all(store.pool()).await?,
        total: count_q.fetch_one(store.pool()).await?,
    })
}

/// Every trial of a run by trial number, with the in-sample columns when the table has them.
pub async fn trial_points(store: &Store, run_id: &str) -> Result<Vec<TrialPoint>, StoreError> {
    let query = sqlx::query_as("SELECT * FROM trials WHERE run_id = ? ORDER BY trial_number").bind(run_id);
    Ok(query.fetch_all(store.pool()).await?)
}

#[cfg(test)]
#[path = "leaderboard_tests.rs"]
mod tests;
