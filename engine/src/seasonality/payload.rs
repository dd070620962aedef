//! The run's `result` object in the original's shape (reference §2.10 step 6, response 27), with our additions
//! alongside: `in_sample`, `oos_metrics` (stitched out of sample), `oos_per_symbol`, `symbols`, and per fold
//! `per_symbol` metrics and the fold's `window`.

use super::pipeline::{FoldOutcome, RunOutcome};
use super::Rules;
use crate::backtest::BacktestMetrics;
use crate::time::to_datetime;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Artifact paths of the best fold (`profiles`, `summary`, `trades`, `equity`; only those written).
pub type ArtifactPaths = BTreeMap<String, String>;

/// A metrics object with the original's fold keys: the backtest metrics, `fold_index`, `n_trades`, `rules_counts`.
pub fn fold_metrics(m: &BacktestMetrics, fold_index: usize, rules: &Rules) -> Value {
    let mut v = metrics_value(m);
    if let Value::Object(o) = &mut v {
        o.insert("fold_index".into(), json!(fold_index));
        o.insert("n_trades".into(), json!(m.n_trades));
        o.insert("rules_counts".into(), json!(rules.metadata.counts));
    }
    v
}

/// The backtest metrics as JSON (non-finite numbers become null so the payload always serialises).
pub fn metrics_value(m: &BacktestMetrics) -> Value {
    let mut v = serde_json::to_value(m).unwrap_or(Value::Null);
    if let Value::Object(o) = &mut v {
        for (_, x) in o.iter_mut() {
            if x.as_f64().is_some_and(|f| !f.is_finite()) {
                *x = Value::Null;
            }
        }
    }
    v
}

/// `{"active_bins", "combine", "metadata"}` with each bin set sorted.
pub fn rules_value(r: &Rules) -> Value {
    json!({"active_bins": r.active_bins, "combine": r.combine, "metadata": r.metadata})
}

fn utc_text(ms: i64) -> String {
    to_datetime(ms).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// One entry of `folds`: `{fold, metrics, rules}` plus `per_symbol` and `window`.
pub fn fold_summary(f: &FoldOutcome, symbols: &[String]) -> Value {
    let per_symbol: Map<String, Value> = f
        .backtest
        .per_symbol
        .iter()
        .map(|(s, m)| (symbols[*s].clone(), metrics_value(m)))
        .collect();
    let window = f.windows.bounds.map(|[a, b, c, d]| {
        json!({"train_start": utc_text(a), "train_end": utc_text(b), "test_start": utc_text(c), "test_end": utc_text(d)})
    });
    json!({
        "fold": f.windows.index,
        "metrics": fold_metrics(&f.backtest.metrics, f.windows.index, &f.rules),
        "rules": rules_value(&f.rules),
        "per_symbol": per_symbol,
        "window": window,
    })
}

/// The `result` object. `artifacts` are the best fold's paths; `run_id` is added when given.
pub fn result(outcome: &RunOutcome, artifacts: &ArtifactPaths, run_id: Option<&str>) -> Value {
    let mut root = Map::new();
    let best = outcome.best.map(|k| &outcome.folds[k]);
    match best {
        Some(f) => {
            root.insert(
                "best_metrics".into(),
                fold_metrics(&f.backtest.metrics, f.windows.index, &f.rules),
            );
            root.insert("active_bins".into(), json!(f.rules.active_bins));
            root.insert("rules_metadata".into(), json!(f.rules.metadata));
            root.insert("artifacts".into(), json!(artifacts));
        }
        None => {
            root.insert("best_metrics".into(), json!({}));
            root.insert("active_bins".into(), json!({}));
            root.insert("artifacts".into(), json!({}));
        }
    }
    let folds: Vec<Value> = outcome
        .folds
        .iter()
        .map(|f| fold_summary(f, &outcome.symbols))
        .collect();
    root.insert("folds".into(), Value::Array(folds));
    root.insert("in_sample".into(), json!(outcome.in_sample));
    root.insert("oos_metrics".into(), metrics_value(&outcome.oos));
    let per: Map<String, Value> = outcome
        .oos_per_symbol
        .iter()
        .map(|(s, m)| (s.clone(), metrics_value(m)))
        .collect();
    root.insert("oos_per_symbol".into(), Value::Object(per));
    root.insert("symbols".into(), json!(outcome.symbols));
    if let Some(id) = run_id {
        root.insert("run_id".into(), json!(id));
    }
    Value::Object(root)
}

/// The result of a run without any bar: the original's empty shape.
pub fn empty_result(run_id: Option<&str>) -> Value {
    let mut v = json!({"best_metrics": {}, "active_bins": {}, "artifacts": {}, "folds": [], "in_sample": true,
                       "symbols": []});
    if let (Some(id), Value::Object(o)) = (run_id, &mut v) {
        o.insert("run_id".into(), json!(id));
    }
    v
}
