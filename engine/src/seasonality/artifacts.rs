//! Files of a run under its own directory (reference §3.2): per processed fold `fold_{i}/seasonality_profiles.parquet`
//! (real Parquet), `summary.json`, and `trades.parquet` / `equity.parquet` (JSON text despite the name, as the
//! original). Every file is written to a temporary name, then renamed.

use super::payload::{fold_metrics, rules_value, ArtifactPaths};
use super::pipeline::{FoldOutcome, RunOutcome};
use super::{write_profiles, SeasonalityError};
use crate::backtest::ExitReason;
use crate::time::to_datetime;
use model::spec::seasonality::Measure;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn write_err(path: &Path, e: impl std::fmt::Display) -> SeasonalityError {
    SeasonalityError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Writes `bytes` to `path` through `<path>.tmp` and a rename (directories created).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SeasonalityError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| write_err(path, e))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(|e| write_err(path, e))?;
    std::fs::rename(&tmp, path).map_err(|e| write_err(path, e))
}

/// Writes `value` as indented JSON (the original's `indent=2`).
pub fn write_json(path: &Path, value: &Value) -> Result<(), SeasonalityError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| write_err(path, e))?;
    write_atomic(path, text.as_bytes())
}

/// The original's timestamp text of a bar: `YYYY-MM-DDTHH:MM:SS+00:00`.
pub fn ts_text(ms: i64) -> String {
    to_datetime(ms).format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

fn reason(r: ExitReason) -> &'static str {
    match r {
        ExitReason::Stop => "stop",
        ExitReason::Target => "target",
        ExitReason::Signal => "signal",
        ExitReason::End => "end",
    }
}

/// The trade records of a fold: the original's fields plus `symbol` and `exit_reason`.
pub fn trades_value(f: &FoldOutcome, symbols: &[String]) -> Value {
    let rows: Vec<Value> = f
        .backtest
        .trades
        .iter()
        .map(|(s, t)| {
            json!({"ts_entry": ts_text(t.ts_entry), "price_entry": t.price_entry, "ts_exit": ts_text(t.ts_exit),
                   "price_exit": t.price_exit, "side": "long", "r_multiple": t.r_multiple, "pnl": t.pnl,
                   "symbol": symbols[*s], "exit_reason": reason(t.reason)})
        })
        .collect();
    Value::Array(rows)
}

/// The equity records of a fold: `{"equity": v}` plus `ts` and `symbol`.
pub fn equity_value(f: &FoldOutcome, symbols: &[String]) -> Value {
    let rows: Vec<Value> = f
        .backtest
        .equity
        .iter()
        .map(|(s, ts, e)| json!({"equity": e, "ts": ts_text(*ts), "symbol": symbols[*s]}))
        .collect();
    Value::Array(rows)
}

/// Writes every fold's files under `out_dir` and returns the best fold's paths (empty without a best fold).
pub fn write_run(outcome: &RunOutcome, measure: Measure, out_dir: &Path) -> Result<ArtifactPaths, SeasonalityError> {
    let mut paths = ArtifactPaths::new();
    for (k, f) in outcome.folds.iter().enumerate() {
        let dir = out_dir.join(format!("fold_{}", f.windows.index));
        let files = [
            ("profiles", dir.join("seasonality_profiles.parquet")),
            ("summary", dir.join("summary.json")),
            ("trades", dir.join("trades.parquet")),
            ("equity", dir.join("equity.parquet")),
        ];
        write_profiles(&f.profiles.rows, measure, &files[0].1)?;
        let summary = json!({
            "metrics": fold_metrics(&f.backtest.metrics, f.windows.index, &f.rules),
            "rules": rules_value(&f.rules),
        });
        write_json(&files[1].1, &summary)?;
        let text = |v: Value| serde_json::to_vec(&v).unwrap_or_default();
        write_atomic(&files[2].1, &text(trades_value(f, &outcome.symbols)))?;
        write_atomic(&files[3].1, &text(equity_value(f, &outcome.symbols)))?;
        if outcome.best == Some(k) {
            for (key, p) in &files {
                paths.insert(key.to_string(), p.display().to_string());
            }
        }
    }
    Ok(paths)
}

/// Writes `seasonality_trials.parquet` (real Parquet): `trial_number`, `state`, `objective`, `params_json`,
/// `metrics_json` as the original, plus `oos_json` (the stitched out-of-sample metrics).
pub fn write_trials(trials: &[super::optimize::TrialRecord], path: &Path) -> Result<(), SeasonalityError> {
    use polars::prelude::*;
    let cols = vec![
        Column::new(
            "trial_number".into(),
            trials.iter().map(|t| t.number as i64).collect::<Vec<i64>>(),
        ),
        Column::new("state".into(), trials.iter().map(|t| t.state).collect::<Vec<&str>>()),
        Column::new(
            "objective".into(),
            trials.iter().map(|t| t.objective).collect::<Vec<f64>>(),
        ),
        Column::new(
            "params_json".into(),
            trials
                .iter()
                .map(|t| t.params.to_json().to_string())
                .collect::<Vec<String>>(),
        ),
        Column::new(
            "metrics_json".into(),
            trials
                .iter()
                .map(super::optimize::trial_metrics_json)
                .collect::<Vec<String>>(),
        ),
        Column::new(
            "oos_json".into(),
            trials
                .iter()
                .map(super::optimize::trial_oos_json)
                .collect::<Vec<String>>(),
        ),
    ];
    let mut df = DataFrame::new(trials.len(), cols).map_err(|e| write_err(path, e))?;
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .finish(&mut df)
        .map_err(|e| write_err(path, e))?;
    write_atomic(path, &buf)
}
