//! `qe runs show ID --plot FILE`: the best trial's equity from the run's artifacts when this machine can read
//! them (the server on the same host), else the per-fold values of the run's objective as bars.

use crate::cli::output::CliError;
use crate::plot::{self, LineChart, ProfileBar, ProfileChart};
use serde_json::Value;
use std::path::Path;

/// Draws the run's chart into `path`; returns what was drawn.
pub fn draw(path: &Path, id: &str, run: &Value, result: Option<&Value>) -> Result<String, CliError> {
    let fail = |e: plot::PlotError| CliError::Failed(format!("{}: {e}", path.display()));
    if let Some(points) = result.and_then(equity_points) {
        let x_is_time = points.1;
        let chart = LineChart {
            title: format!("run {id}: equity of the best trial (test folds)"),
            y_label: "equity".into(),
            points: points.0,
            x_is_time,
        };
        plot::draw_line(path, &chart).map_err(fail)?;
        return Ok("equity of the best trial".into());
    }
    let chart = fold_chart(id, run).ok_or_else(|| {
        CliError::Failed(format!(
            "run {id} has neither readable equity artifacts nor per-fold metrics to plot"
        ))
    })?;
    plot::draw_profile(path, &chart).map_err(fail)?;
    Ok(format!(
        "{}; the equity artifacts are not readable from here",
        chart.y_label
    ))
}

/// The best trial's equity, fold after fold, from the files listed in `best.equity`: `(points, x is time)`.
/// None when a file is missing or unreadable.
pub fn equity_points(result: &Value) -> Option<(Vec<(f64, f64)>, bool)> {
    let files = result["best"]["equity"].as_array()?;
    let mut values: Vec<(Option<f64>, f64)> = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f.as_str()?).ok()?;
        let doc: Value = serde_json::from_str(&text).ok()?;
        for p in doc.as_array()? {
            let (ts, eq) = match p {
                Value::Number(n) => (None, n.as_f64()?),
                Value::Object(o) => (
                    o.get("ts").or_else(|| o.get("timestamp")).and_then(time_ms),
                    o.get("equity")?.as_f64()?,
                ),
                _ => return None,
            };
            values.push((ts, eq));
        }
    }
    if values.len() < 2 {
        return None;
    }
    let timed = values.iter().all(|(t, _)| t.is_some());
    let points = values
        .iter()
        .enumerate()
        .map(|(i, (t, e))| (if timed { t.unwrap_or(0.0) } else { i as f64 }, *e))
        .collect();
    Some((points, timed))
}

/// Epoch milliseconds of a number (ms) or an RFC 3339 text.
fn time_ms(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.timestamp_millis() as f64),
        _ => None,
    }
}

/// Bars of the run's objective (else `sharpe`, else the first metric) per fold, from `GET /runs/{id}`.
pub fn fold_chart(id: &str, run: &Value) -> Option<ProfileChart> {
    let folds = run["metrics"]["folds"].as_object().filter(|f| !f.is_empty())?;
    let objective = run["run"]["objective"].as_str().unwrap_or("sharpe");
    let has = |m: &str| folds.values().any(|f| f.get(m).is_some_and(Value::is_number));
    let metric = [objective, "sharpe"]
        .into_iter()
        .find(|m| has(m))
        .map(str::to_string)
        .or_else(|| folds.values().find_map(|f| f.as_object()?.keys().next().cloned()))?;
    let mut keys: Vec<&String> = folds.keys().collect();
    keys.sort_by_key(|k| k.parse::<i64>().unwrap_or(i64::MAX));
    let bars = keys
        .into_iter()
        .filter_map(|k| {
            Some(ProfileBar {
                label: format!("fold {k}"),
                value: folds[k][&metric].as_f64()?,
                low: None,
                high: None,
            })
        })
        .collect();
    let aggregated = run["metrics"]["aggregated"][&metric].as_f64();
    Some(ProfileChart {
        title: format!("run {id}: {metric} per fold"),
        y_label: metric,
        bars,
        baseline: aggregated,
        baseline_label: "all folds".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equity_files_are_read_fold_after_fold() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("equity_0.parquet"), dir.path().join("equity_1.parquet"));
        std::fs::write(&a, r#"[{"equity": 0.0}, {"equity": 1.5}]"#).unwrap();
        std::fs::write(&b, r#"[{"equity": 1.5}, {"equity": -0.5}]"#).unwrap();
        let result = json!({"best": {"equity": [a.to_str().unwrap(), b.to_str().unwrap()]}});
        let (points, timed) = equity_points(&result).unwrap();
        assert!(!timed);
        assert_eq!(points, vec![(0.0, 0.0), (1.0, 1.5), (2.0, 1.5), (3.0, -0.5)]);
        let missing = json!({"best": {"equity": ["/nonexistent/equity_0.parquet"]}});
        assert!(equity_points(&missing).is_none());
    }

    #[test]
    fn the_fold_chart_uses_the_runs_objective() {
        let run = json!({"run": {"objective": "sortino"},
            "metrics": {"aggregated": {"sortino": 0.4}, "folds": {"1": {"sharpe": 1.0, "sortino": 0.5},
                                                                    "0": {"sharpe": 2.0, "sortino": 0.3}}}});
        let c = fold_chart("r", &run).unwrap();
        assert_eq!(c.y_label, "sortino");
        let values: Vec<f64> = c.bars.iter().map(|b| b.value).collect();
        assert_eq!(values, vec![0.3, 0.5], "folds in numeric order");
        assert_eq!(c.baseline, Some(0.4));
    }
}
