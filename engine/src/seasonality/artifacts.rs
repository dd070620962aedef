//! Files of a run under its own directory (reference §3.2): per processed fold `fold_{i}/seasonality_profiles.parquet`
//! (real Parquet), `summary.json`, and real Parquet `trades.parquet` / `equity.parquet` (the original wrote JSON text
//! under those names). Every file is written to a temporary name, then renamed.

use super::backtest::EquityCurve;
use super::payload::{fold_metrics, ArtifactPaths};
use super::pipeline::{FoldOutcome, RunOutcome};
use super::{write_profiles, SeasonalityError};
use crate::backtest::Trade;
use model::spec::seasonality::Measure;
use polars::prelude::*;
use rayon::prelude::*;
use serde_json::json;
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
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), SeasonalityError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| write_err(path, e))?;
    write_atomic(path, text.as_bytes())
}

/// The trade records of a fold as the optimisation job writes them (`ts_entry`, `price_entry`, `ts_exit`,
/// `price_exit`, `side`, `r_multiple`, `pnl`, `exit_reason`), plus `symbol`.
pub fn trades_frame(f: &FoldOutcome, symbols: &[String]) -> PolarsResult<DataFrame> {
    let trades: Vec<Trade> = f.backtest.trades.iter().map(|(_, t)| *t).collect();
    let mut df = crate::optimize::artifacts::trades_frame(&trades)?;
    let names: Vec<&str> = f.backtest.trades.iter().map(|(s, _)| symbols[*s].as_str()).collect();
    df.with_column(Column::new("symbol".into(), names))?;
    Ok(df)
}

/// The pooled equity after every test bar: `ts` (UTC datetime, ms), `symbol`, `equity` (starts at 1).
pub fn equity_frame(e: &EquityCurve, symbols: &[String]) -> PolarsResult<DataFrame> {
    let ts = Int64Chunked::from_slice("ts".into(), &e.ts).into_datetime(TimeUnit::Milliseconds, None);
    let symbol = symbol_column(e.symbol.iter().copied(), symbols)?;
    let equity = Column::new("equity".into(), &e.equity);
    DataFrame::new(e.len(), vec![ts.into_column(), symbol, equity])
}

/// A `symbol` column from indices into `symbols`, as an enum of them: Parquet stores it dictionary-encoded straight
/// from the indices, where a string column would be hashed row by row to find its few distinct values.
fn symbol_column(indices: impl Iterator<Item = u32>, symbols: &[String]) -> PolarsResult<Column> {
    let dtype = DataType::from_frozen_categories(FrozenCategories::new(symbols.iter().map(String::as_str))?);
    let name = PlSmallStr::from("symbol");
    let series = match dtype.cat_physical()? {
        CategoricalPhysical::U8 => {
            let ids = UInt8Chunked::from_vec(name, indices.map(|k| k as u8).collect());
            CategoricalChunked::<Categorical8Type>::from_cats_and_dtype(ids, dtype).into_series()
        }
        CategoricalPhysical::U16 => {
            let ids = UInt16Chunked::from_vec(name, indices.map(|k| k as u16).collect());
            CategoricalChunked::<Categorical16Type>::from_cats_and_dtype(ids, dtype).into_series()
        }
        CategoricalPhysical::U32 => {
            let ids = UInt32Chunked::from_vec(name, indices.collect());
            CategoricalChunked::<Categorical32Type>::from_cats_and_dtype(ids, dtype).into_series()
        }
    };
    Ok(series.into())
}

/// Writes every fold's files under `out_dir` (folds, and each fold's equity beside its other files, in parallel)
/// and returns the best fold's paths (empty without a best fold).
pub fn write_run(outcome: &RunOutcome, measure: Measure, out_dir: &Path) -> Result<ArtifactPaths, SeasonalityError> {
    let written: Vec<[(&'static str, PathBuf); 4]> = outcome
        .folds
        .par_iter()
        .map(|f| write_fold(f, outcome, measure, out_dir))
        .collect::<Result<_, _>>()?;
    let mut paths = ArtifactPaths::new();
    if let Some(files) = outcome.best.and_then(|k| written.get(k)) {
        for (key, p) in files {
            paths.insert(key.to_string(), p.display().to_string());
        }
    }
    Ok(paths)
}

/// Writes one fold's profiles, summary, trades and equity under `fold_{index}`; returns their paths by key.
fn write_fold(
    f: &FoldOutcome,
    outcome: &RunOutcome,
    measure: Measure,
    out_dir: &Path,
) -> Result<[(&'static str, PathBuf); 4], SeasonalityError> {
    let dir = out_dir.join(format!("fold_{}", f.windows.index));
    std::fs::create_dir_all(&dir).map_err(|e| write_err(&dir, e))?;
    let files = [
        ("profiles", dir.join("seasonality_profiles.parquet")),
        ("summary", dir.join("summary.json")),
        ("trades", dir.join("trades.parquet")),
        ("equity", dir.join("equity.parquet")),
    ];
    let others = || {
        write_profiles(&f.profiles.rows, measure, &files[0].1)?;
        let summary = json!({
            "metrics": fold_metrics(&f.backtest.metrics, f.windows.index, &f.rules),
            "rules": &f.rules,
        });
        write_json(&files[1].1, &summary)?;
        crate::optimize::artifacts::write_parquet(&files[2].1, trades_frame(f, &outcome.symbols))
            .map_err(|e| write_err(&files[2].1, e.reason))
    };
    // Per-bar equity barely compresses; LZ4 took half of its writing time.
    let equity = || {
        let frame = equity_frame(&f.backtest.equity, &outcome.symbols);
        crate::optimize::artifacts::write_parquet_with(&files[3].1, frame, ParquetCompression::Uncompressed)
            .map_err(|e| write_err(&files[3].1, e.reason))
    };
    let (a, b) = rayon::join(others, equity);
    a.and(b)?;
    Ok(files)
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
        Column::new(
            "state".into(),
            trials.iter().map(|t| t.state.as_str()).collect::<Vec<&str>>(),
        ),
        Column::new(
            "objective".into(),
            trials.iter().map(|t| t.objective).collect::<Vec<f64>>(),
        ),
        Column::new(
            "params_json".into(),
            trials
                .iter()
                .map(|t| serde_json::to_string(&t.params).unwrap_or_default())
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
    crate::data::write::parquet_writer(&mut buf)
        .finish(&mut df)
        .map_err(|e| write_err(path, e))?;
    write_atomic(path, &buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(indices: &[u32], symbols: &[String]) -> Vec<Option<String>> {
        let column = symbol_column(indices.iter().copied(), symbols).unwrap();
        let mut df = DataFrame::new(indices.len(), vec![column]).unwrap();
        let mut buf = Vec::new();
        crate::data::write::parquet_writer(&mut buf).finish(&mut df).unwrap();
        let back = ParquetReader::new(std::io::Cursor::new(buf)).finish().unwrap();
        let text = back.column("symbol").unwrap().cast(&DataType::String).unwrap();
        text.str().unwrap().iter().map(|s| s.map(str::to_string)).collect()
    }

    #[test]
    fn the_equity_file_holds_every_recorded_bar_with_its_time_symbol_and_equity() {
        let symbols = ["BTCUSD", "ES"].map(String::from);
        let e = EquityCurve {
            symbol: vec![0, 0, 0, 1, 1],
            ts: vec![
                1_704_067_200_000,
                1_704_067_260_000,
                1_704_067_320_000,
                1_704_067_200_000,
                1_704_067_500_000,
            ],
            equity: vec![1.0, 1.002, 0.9985, 0.9985, 1.25],
        };
        let mut df = equity_frame(&e, &symbols).unwrap();
        let mut buf = Vec::new();
        crate::data::write::parquet_writer(&mut buf).finish(&mut df).unwrap();
        let back = ParquetReader::new(std::io::Cursor::new(buf)).finish().unwrap();
        let columns: Vec<&str> = back.get_column_names().iter().map(|c| c.as_str()).collect();
        assert_eq!(columns, ["ts", "symbol", "equity"]);
        let ts = back.column("ts").unwrap();
        assert_eq!(ts.dtype(), &DataType::Datetime(TimeUnit::Milliseconds, None));
        let ts = ts.cast(&DataType::Int64).unwrap();
        assert_eq!(ts.i64().unwrap().into_no_null_iter().collect::<Vec<_>>(), e.ts);
        let names = back.column("symbol").unwrap().cast(&DataType::String).unwrap();
        let names: Vec<Option<&str>> = names.str().unwrap().iter().collect();
        assert_eq!(names, ["BTCUSD", "BTCUSD", "BTCUSD", "ES", "ES"].map(Some));
        let equity: Vec<f64> = back
            .column("equity")
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(equity, e.equity);
    }

    #[test]
    fn the_symbol_column_reads_back_from_parquet_as_the_symbols_of_its_rows() {
        let symbols = ["EURUSD", "ES", "BTCUSD"].map(String::from);
        let want = ["EURUSD", "EURUSD", "ES", "BTCUSD", "BTCUSD", "BTCUSD"].map(|s| Some(s.to_string()));
        assert_eq!(round_trip(&[0, 0, 1, 2, 2, 2], &symbols), want);
        // More symbols than one-byte codes hold.
        let many: Vec<String> = (0..300).map(|k| format!("S{k}")).collect();
        let got = round_trip(&[299, 0, 256], &many);
        assert_eq!(got, ["S299", "S0", "S256"].map(|s| Some(s.to_string())));
    }
}
