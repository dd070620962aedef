//! The files of an optimisation run (`trials.parquet`, `summary.json`, `trades_<fold>.parquet`,
//! `equity_<fold>.parquet`), real Parquet, each written to a temporary name in the run directory and renamed.

use super::result::{fold_file, iso, params_of};
use super::{objective_value, OptimizeOutcome, TrialStatus};
use crate::backtest::{BacktestMetrics, Trade};
use polars::prelude::*;
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file of the run could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {reason}", path.display())]
pub struct ArtifactError {
    pub path: PathBuf,
    pub reason: String,
}

/// One file of a run.
enum Artifact<'a> {
    Trials,
    Summary,
    Trades(&'a [Trade]),
    Equity(&'a [(i64, f64)]),
}

/// Writes every artifact of `outcome` into `dir` (created if needed), the files in parallel, and returns the paths
/// written, trials first.
pub fn write_all(outcome: &OptimizeOutcome, dir: &Path) -> Result<Vec<PathBuf>, ArtifactError> {
    std::fs::create_dir_all(dir).map_err(|e| ArtifactError {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut plan = vec![
        (dir.join("trials.parquet"), Artifact::Trials),
        (dir.join("summary.json"), Artifact::Summary),
    ];
    let several = outcome.symbols.len() > 1;
    for s in &outcome.symbols {
        for f in &s.folds {
            let file = |kind| dir.join(fold_file(kind, &s.symbol, f.fold, several));
            plan.push((file("trades"), Artifact::Trades(&f.trades)));
            plan.push((file("equity"), Artifact::Equity(&f.equity)));
        }
    }
    plan.par_iter()
        .map(|(path, artifact)| write_one(outcome, path, artifact))
        .collect::<Result<Vec<()>, ArtifactError>>()?;
    Ok(plan.into_iter().map(|(path, _)| path).collect())
}

fn write_one(outcome: &OptimizeOutcome, path: &Path, artifact: &Artifact) -> Result<(), ArtifactError> {
    match artifact {
        Artifact::Trials => write_parquet(path, trials_frame(outcome)),
        Artifact::Summary => {
            let text = serde_json::to_vec_pretty(&outcome.summary()).map_err(|e| ArtifactError {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
            write_atomic(path, |f| f.write_all(&text).map_err(|e| e.to_string()))
        }
        Artifact::Trades(trades) => write_parquet(path, trades_frame(trades)),
        // Per-bar equity barely compresses; LZ4 took half of its writing time.
        Artifact::Equity(points) => write_parquet_with(path, equity_frame(points), ParquetCompression::Uncompressed),
    }
}

/// One row per trial of every symbol (numbered across symbols as the `trials` table): `trial_number`, `symbol`,
/// the parameters (`ema_fast`, `ema_slow`, `R`, `atr_k`, and `params_json` as in the API), `status`,
/// `objective_value` (out of sample), `selection_value`, the out-of-sample metrics under their API keys and the
/// in-sample ones prefixed `is_`. Metrics of failed trials are null.
pub fn trials_frame(outcome: &OptimizeOutcome) -> PolarsResult<DataFrame> {
    let trials: Vec<_> = outcome
        .symbols
        .iter()
        .flat_map(|s| s.trials.iter().map(move |t| (s.symbol.as_str(), t)))
        .collect();
    let n = trials.len();
    let ok = |t: &&super::TrialResult| t.status != TrialStatus::Fail;
    let oos: Vec<Option<&BacktestMetrics>> = trials
        .iter()
        .map(|(_, t)| Some(&t.out_of_sample).filter(|_| ok(t)))
        .collect();
    let is: Vec<Option<&BacktestMetrics>> = trials
        .iter()
        .map(|(_, t)| t.in_sample.as_ref().filter(|_| ok(t)))
        .collect();
    let mut cols = vec![
        Column::new("trial_number".into(), (0..n as i64).collect::<Vec<i64>>()),
        Column::new("symbol".into(), trials.iter().map(|(s, _)| *s).collect::<Vec<&str>>()),
        Column::new(
            "ema_fast".into(),
            trials
                .iter()
                .map(|(_, t)| t.params.ema_fast as i64)
                .collect::<Vec<i64>>(),
        ),
        Column::new(
            "ema_slow".into(),
            trials
                .iter()
                .map(|(_, t)| t.params.ema_slow as i64)
                .collect::<Vec<i64>>(),
        ),
        Column::new("R".into(), trials.iter().map(|(_, t)| t.params.r).collect::<Vec<f64>>()),
        Column::new(
            "atr_k".into(),
            trials.iter().map(|(_, t)| t.params.atr_k).collect::<Vec<f64>>(),
        ),
        Column::new(
            "params_json".into(),
            trials
                .iter()
                .map(|(_, t)| serde_json::to_string(&params_of(t, outcome.atr_k_searched)).unwrap_or_default())
                .collect::<Vec<String>>(),
        ),
        Column::new(
            "status".into(),
            trials.iter().map(|(_, t)| t.status.as_str()).collect::<Vec<&str>>(),
        ),
        Column::new(
            "objective_value".into(),
            trials
                .iter()
                .map(|(_, t)| t.objective_value)
                .collect::<Vec<Option<f64>>>(),
        ),
        Column::new(
            "selection_value".into(),
            trials
                .iter()
                .map(|(_, t)| t.selection_value)
                .collect::<Vec<Option<f64>>>(),
        ),
    ];
    cols.extend(metric_columns("", &oos));
    cols.push(Column::new(
        "is_objective".into(),
        is.iter()
            .map(|m| m.and_then(|m| objective_value(outcome.objective, m)))
            .collect::<Vec<Option<f64>>>(),
    ));
    cols.extend(metric_columns("is_", &is));
    DataFrame::new(n, cols)
}

/// The metric columns (API key names, `prefix` prepended); a None entry is a row of nulls.
fn metric_columns(prefix: &str, ms: &[Option<&BacktestMetrics>]) -> Vec<Column> {
    type Getter = fn(&BacktestMetrics) -> Option<f64>;
    let getters: [(&str, Getter); 12] = [
        ("sharpe", |m| Some(m.sharpe)),
        ("sortino", |m| Some(m.sortino)),
        ("max_drawdown", |m| Some(m.max_drawdown)),
        ("cagr", |m| Some(m.cagr)),
        ("hit_rate", |m| Some(m.hit_rate)),
        ("avg_R", |m| Some(m.avg_r)),
        ("trades", |m| Some(m.trades)),
        ("profit_factor", |m| m.profit_factor),
        ("expectancy", |m| Some(m.expectancy)),
        ("exposure", |m| Some(m.exposure)),
        ("calmar", |m| Some(m.calmar)),
        ("sqn", |m| Some(m.sqn)),
    ];
    let mut cols: Vec<Column> = getters
        .iter()
        .map(|(name, get)| {
            let v: Vec<Option<f64>> = ms.iter().map(|m| m.and_then(get)).collect();
            Column::new(format!("{prefix}{name}").into(), v)
        })
        .collect();
    let n_trades: Vec<Option<i64>> = ms.iter().map(|m| m.map(|m| m.n_trades as i64)).collect();
    cols.insert(7, Column::new(format!("{prefix}n_trades").into(), n_trades));
    cols
}

/// The trade records of one fold: `ts_entry, price_entry, ts_exit, price_exit` (ISO-8601 UTC text; prices are
/// fills net of costs), `side` (always `long`), `r_multiple`, `pnl` (fraction of equity) and `exit_reason`.
pub fn trades_frame(trades: &[Trade]) -> PolarsResult<DataFrame> {
    let prices = |get: fn(&Trade) -> f64| trades.iter().map(get).collect::<Vec<f64>>();
    let times = |get: fn(&Trade) -> i64| trades.iter().map(|t| iso(get(t))).collect::<Vec<String>>();
    DataFrame::new(
        trades.len(),
        vec![
            Column::new("ts_entry".into(), times(|t| t.ts_entry)),
            Column::new("price_entry".into(), prices(|t| t.price_entry)),
            Column::new("ts_exit".into(), times(|t| t.ts_exit)),
            Column::new("price_exit".into(), prices(|t| t.price_exit)),
            Column::new("side".into(), vec!["long"; trades.len()]),
            Column::new("r_multiple".into(), prices(|t| t.r_multiple)),
            Column::new("pnl".into(), prices(|t| t.pnl)),
            Column::new(
                "exit_reason".into(),
                trades.iter().map(|t| t.reason.as_str()).collect::<Vec<&str>>(),
            ),
        ],
    )
}

/// The equity curve of one fold: `ts` (UTC datetime, ms, as the seasonality job writes it: no text formatted per
/// bar) and `equity` (continuing across folds, start 1).
pub fn equity_frame(points: &[(i64, f64)]) -> PolarsResult<DataFrame> {
    let ts: Vec<i64> = points.iter().map(|p| p.0).collect();
    let ts = Int64Chunked::from_vec("ts".into(), ts).into_datetime(TimeUnit::Milliseconds, None);
    let equity: Vec<f64> = points.iter().map(|p| p.1).collect();
    DataFrame::new(
        points.len(),
        vec![ts.into_column(), Column::new("equity".into(), equity)],
    )
}

/// Writes `frame` as Parquet to `path` through a temporary name.
pub fn write_parquet(path: &Path, frame: PolarsResult<DataFrame>) -> Result<(), ArtifactError> {
    write_parquet_with(path, frame, ParquetCompression::Lz4Raw)
}

/// As [`write_parquet`] with another compression.
pub fn write_parquet_with(
    path: &Path,
    frame: PolarsResult<DataFrame>,
    compression: ParquetCompression,
) -> Result<(), ArtifactError> {
    let mut df = frame.map_err(|e| ArtifactError {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    write_atomic(path, |f| {
        crate::data::write::parquet_writer(f)
            .with_compression(compression)
            .finish(&mut df)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
}

/// Writes through `write` into `<path>.tmp` and renames it to `path`; the temporary file is removed on failure.
fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<(), String>,
) -> Result<(), ArtifactError> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    let fail = |reason: String| ArtifactError {
        path: path.to_path_buf(),
        reason,
    };
    let result = std::fs::File::create(&tmp)
        .map_err(|e| e.to_string())
        .and_then(|mut f| {
            write(&mut f)?;
            f.sync_all().map_err(|e| e.to_string())
        })
        .and_then(|_| std::fs::rename(&tmp, path).map_err(|e| e.to_string()));
    if let Err(reason) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(reason));
    }
    Ok(())
}
