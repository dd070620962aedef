//! `qe runs show ID --plot FILE`: the best trial's equity from the run's artifacts when this machine can read
//! them (the server on the same host), else the per-fold values of the run's objective as bars.

use crate::cli::output::CliError;
use crate::plot::{self, Figure};
use app::charts::{BarChart, ChartSpec, LineChart, LineSeries};
use serde_json::Value;
use std::path::Path;

/// Draws the run's chart into `path`; returns what was drawn. Relative artifact paths resolve under `artifacts`.
pub fn draw(path: &Path, id: &str, run: &Value, result: Option<&Value>, artifacts: &Path) -> Result<String, CliError> {
    let fail = |e: plot::PlotError| CliError::Failed(format!("{}: {e}", path.display()));
    if let Some(points) = result.and_then(|r| equity_points(r, artifacts)) {
        let figure = Figure {
            title: format!("run {id}: equity of the best trial (test folds)"),
            chart: ChartSpec::Lines(equity_chart(points)),
        };
        plot::write(path, &figure).map_err(fail)?;
        return Ok("equity of the best trial".into());
    }
    let (metric, chart) = fold_chart(run).ok_or_else(|| {
        CliError::Failed(format!(
            "run {id} has neither readable equity artifacts nor per-fold metrics to plot"
        ))
    })?;
    let figure = Figure {
        title: format!("run {id}: {metric} per fold (baseline: all folds)"),
        chart: ChartSpec::Bars(chart),
    };
    plot::write(path, &figure).map_err(fail)?;
    Ok(format!("{metric}; the equity artifacts are not readable from here"))
}

/// The equity line of [`equity_points`]: over time, else over the trade index.
fn equity_chart((points, x_is_time): (Vec<(f64, f64)>, bool)) -> LineChart {
    LineChart {
        series: vec![LineSeries {
            label: "equity".into(),
            points,
        }],
        x_is_time,
        x_label: if x_is_time { "" } else { "trade" }.into(),
        y_label: "equity".into(),
        area: false,
        percent: false,
        markers: Vec::new(),
    }
}

/// The best trial's equity, fold after fold, from the files listed in `best.equity` (Parquet with `ts` and
/// `equity` columns, or the original's JSON text `[{"equity": v}, …]`): `(points, x is time)`. None when a file
/// is missing or unreadable. Relative paths (as the server names them) resolve under `artifacts`.
pub fn equity_points(result: &Value, artifacts: &Path) -> Option<(Vec<(f64, f64)>, bool)> {
    let files = result["best"]["equity"].as_array()?;
    let mut values: Vec<(Option<f64>, f64)> = Vec::new();
    for f in files {
        values.extend(read_equity_file(&artifacts.join(f.as_str()?))?);
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

/// `(time in ms if known, equity)` rows of one equity file.
fn read_equity_file(path: &Path) -> Option<Vec<(Option<f64>, f64)>> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.starts_with(b"PAR1") {
        return read_equity_parquet(bytes);
    }
    let doc: Value = serde_json::from_slice(&bytes).ok()?;
    doc.as_array()?
        .iter()
        .map(|p| match p {
            Value::Number(n) => Some((None, n.as_f64()?)),
            Value::Object(o) => Some((
                o.get("ts").or_else(|| o.get("timestamp")).and_then(time_ms),
                o.get("equity")?.as_f64()?,
            )),
            _ => None,
        })
        .collect()
}

fn read_equity_parquet(bytes: Vec<u8>) -> Option<Vec<(Option<f64>, f64)>> {
    use polars::prelude::*;
    let df = ParquetReader::new(std::io::Cursor::new(bytes)).finish().ok()?;
    let equity = df.column("equity").ok()?.cast(&DataType::Float64).ok()?;
    let equity: Vec<f64> = equity.f64().ok()?.iter().collect::<Option<Vec<f64>>>()?;
    let times: Vec<Option<f64>> = match df.column("ts") {
        Ok(ts) if ts.dtype() == &DataType::String => ts
            .str()
            .ok()?
            .iter()
            .map(|t| t.and_then(|t| time_ms(&Value::String(t.to_string()))))
            .collect(),
        Ok(ts) => match ts.cast(&DataType::Int64) {
            Ok(c) => c.i64().ok()?.iter().map(|t| t.map(|t| t as f64)).collect(),
            Err(_) => vec![None; equity.len()],
        },
        Err(_) => vec![None; equity.len()],
    };
    Some(times.into_iter().zip(equity).collect())
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

/// Bars of the run's objective (else `sharpe`, else the first metric) per fold, from `GET /runs/{id}`, with the
/// value over all folds as the baseline: `(metric, chart)`.
pub fn fold_chart(run: &Value) -> Option<(String, BarChart)> {
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
    let chart = BarChart {
        labels: keys.iter().map(|k| format!("fold {k}")).collect(),
        values: keys.iter().map(|k| folds[*k][&metric].as_f64()).collect(),
        whiskers: vec![None; keys.len()],
        baseline: run["metrics"]["aggregated"][&metric].as_f64(),
        x_label: String::new(),
        y_label: metric.clone(),
        percent: false,
    };
    Some((metric, chart))
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
        let (points, timed) = equity_points(&result, Path::new("/")).unwrap();
        assert!(!timed);
        assert_eq!(points, vec![(0.0, 0.0), (1.0, 1.5), (2.0, 1.5), (3.0, -0.5)]);
        let missing = json!({"best": {"equity": ["/nonexistent/equity_0.parquet"]}});
        assert!(equity_points(&missing, Path::new("/")).is_none());
    }

    #[test]
    fn parquet_equity_files_give_a_time_axis() {
        use polars::prelude::*;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("equity_0.parquet");
        let mut df = DataFrame::new(
            2,
            vec![
                Column::new("ts".into(), ["2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z"]),
                Column::new("equity".into(), [1.0, 1.25]),
            ],
        )
        .unwrap();
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        let result = json!({"best": {"equity": [path.to_str().unwrap()]}});
        let (points, timed) = equity_points(&result, Path::new("/")).unwrap();
        assert!(timed);
        // 2024-01-01T00:00:00Z is 1 704 067 200 000 ms after the epoch.
        assert_eq!(points, vec![(1_704_067_200_000.0, 1.0), (1_704_067_260_000.0, 1.25)]);
    }

    #[test]
    fn the_fold_chart_uses_the_runs_objective() {
        let run = json!({"run": {"objective": "sortino"},
            "metrics": {"aggregated": {"sortino": 0.4}, "folds": {"1": {"sharpe": 1.0, "sortino": 0.5},
                                                                    "0": {"sharpe": 2.0, "sortino": 0.3}}}});
        let (metric, c) = fold_chart(&run).unwrap();
        assert_eq!((metric.as_str(), c.y_label.as_str()), ("sortino", "sortino"));
        assert_eq!(c.values, vec![Some(0.3), Some(0.5)], "folds in numeric order");
        assert_eq!(c.labels, vec!["fold 0", "fold 1"]);
        assert_eq!(c.baseline, Some(0.4));
    }
}
