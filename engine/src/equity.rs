//! Equity curves as Parquet (`equity_<fold>.parquet`): written by runs, read back by the dashboard.
//! The reader takes any file with an `equity` column and a time column (`ts`, `timestamp`, `time` or `date`;
//! integers as epoch milliseconds, datetimes, or ISO-8601 text as the optimisation job writes), so artifacts from
//! every writer load.

use polars::prelude::*;
use std::path::Path;

/// Why an equity file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum EquityError {
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
    #[error("{path}: no column named {column}")]
    MissingColumn { path: String, column: &'static str },
}

/// One point of an equity curve: UTC epoch milliseconds and the equity (starting near 1.0).
pub type EquityPoint = (i64, f64);

/// Writes `points` as `ts` (Int64 epoch ms) and `equity` (Float64) to `path`, through a temporary name.
pub fn write_equity(points: &[EquityPoint], path: &Path) -> Result<(), EquityError> {
    let fail = |e: &dyn std::fmt::Display| EquityError::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let cols = vec![
        Column::new("ts".into(), points.iter().map(|p| p.0).collect::<Vec<i64>>()),
        Column::new("equity".into(), points.iter().map(|p| p.1).collect::<Vec<f64>>()),
    ];
    let mut df = DataFrame::new(points.len(), cols).map_err(|e| fail(&e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
    }
    let tmp = path.with_extension("parquet.tmp");
    let file = std::fs::File::create(&tmp).map_err(|e| fail(&e))?;
    crate::data::write::parquet_writer(file)
        .finish(&mut df)
        .map_err(|e| fail(&e))?;
    std::fs::rename(&tmp, path).map_err(|e| fail(&e))
}

/// Reads an equity curve; rows with a null time or equity are skipped.
pub fn read_equity(path: &Path) -> Result<Vec<EquityPoint>, EquityError> {
    let name = path.display().to_string();
    let fail = |e: &dyn std::fmt::Display| EquityError::File {
        path: name.clone(),
        reason: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(|e| fail(&e))?;
    let df = ParquetReader::new(file).finish().map_err(|e| fail(&e))?;
    let find = |aliases: &[&str]| {
        let names = df.get_column_names();
        aliases
            .iter()
            .find_map(|a| names.iter().find(|n| n.eq_ignore_ascii_case(a)))
            .and_then(|n| df.column(n.as_str()).ok())
    };
    let equity = find(&["equity"]).ok_or(EquityError::MissingColumn {
        path: name.clone(),
        column: "equity",
    })?;
    let time = find(&["ts", "timestamp", "time", "date", "datetime"]).ok_or(EquityError::MissingColumn {
        path: name.clone(),
        column: "ts",
    })?;
    let ts: Vec<Option<i64>> = match time.dtype() {
        DataType::String => time
            .str()
            .map_err(|e| fail(&e))?
            .iter()
            .map(|t| t.and_then(|t| crate::data::timestamps::parse_timestamp(t).ok()))
            .collect(),
        dtype => {
            let per_ms = match dtype {
                DataType::Datetime(TimeUnit::Nanoseconds, _) => 1_000_000,
                DataType::Datetime(TimeUnit::Microseconds, _) => 1000,
                _ => 1,
            };
            let ts = time.cast(&DataType::Int64).map_err(|e| fail(&e))?;
            let ts = ts.i64().map_err(|e| fail(&e))?;
            ts.iter().map(|t| t.map(|t| t.div_euclid(per_ms))).collect()
        }
    };
    let eq = equity.cast(&DataType::Float64).map_err(|e| fail(&e))?;
    let eq = eq.f64().map_err(|e| fail(&e))?;
    Ok(ts
        .into_iter()
        .zip(eq.iter())
        .filter_map(|(t, e)| Some((t?, e.filter(|v| v.is_finite())?)))
        .collect())
}

/// Running drawdown of an equity curve: `equity / running peak − 1` (0 at new highs, negative below).
pub fn drawdown(points: &[EquityPoint]) -> Vec<EquityPoint> {
    let mut peak = f64::NEG_INFINITY;
    points
        .iter()
        .map(|&(t, e)| {
            peak = peak.max(e);
            (t, if peak > 0.0 { e / peak - 1.0 } else { 0.0 })
        })
        .collect()
}

/// At most `max` points of `points`, evenly spaced, the first and the last always kept (charts and answers stay
/// light for long curves and large runs).
pub fn thin<T: Clone>(points: &[T], max: usize) -> Vec<T> {
    if points.len() <= max || max < 2 {
        return points.to_vec();
    }
    let last = points.len() - 1;
    (0..max).map(|k| points[k * last / (max - 1)].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_ends_and_at_most_the_limit() {
        let v: Vec<usize> = (0..10_001).collect();
        let t = thin(&v, 2_000);
        assert_eq!(t.len(), 2_000);
        assert_eq!((t[0], *t.last().unwrap()), (0, 10_000));
        assert!(t.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(thin(&v[..5], 2_000), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn an_equity_curve_survives_the_round_trip_through_parquet() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run/equity_0.parquet");
        let points: Vec<EquityPoint> = (0..500)
            .map(|i| (1_704_067_200_000 + i * 300_000, 1.0 + (i as f64 * 0.1).sin() * 0.01))
            .collect();
        write_equity(&points, &path).unwrap();
        assert_eq!(read_equity(&path).unwrap(), points);
        assert!(!path.with_extension("parquet.tmp").exists());
    }

    #[test]
    fn datetime_columns_and_other_names_are_read_as_milliseconds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("eq.parquet");
        let us = Column::new("timestamp".into(), vec![1_000_000i64, 2_000_000])
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
            .unwrap();
        let eq = Column::new("Equity".into(), vec![Some(1.0f64), None]);
        let mut df = DataFrame::new(2, vec![us, eq]).unwrap();
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        assert_eq!(read_equity(&path).unwrap(), vec![(1000, 1.0)]);
    }

    #[test]
    fn the_optimisation_jobs_equity_artifact_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("equity_0.parquet");
        let points = vec![(1_704_067_200_000, 1.0), (1_704_067_500_000, 1.01)];
        let mut df = crate::optimize::artifacts::equity_frame(&points).unwrap();
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        assert_eq!(read_equity(&path).unwrap(), points);
    }

    #[test]
    fn a_file_without_equity_names_the_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.parquet");
        let mut df = DataFrame::new(1, vec![Column::new("ts".into(), vec![1i64])]).unwrap();
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        let err = read_equity(&path).unwrap_err().to_string();
        assert!(err.contains("equity") && err.contains("x.parquet"), "{err}");
    }

    #[test]
    fn drawdown_is_the_fall_from_the_running_peak() {
        let dd = drawdown(&[(0, 1.0), (1, 1.2), (2, 0.9), (3, 1.5)]);
        let want = [0.0, 0.0, 0.9 / 1.2 - 1.0, 0.0];
        for (got, want) in dd.iter().zip(want) {
            assert!((got.1 - want).abs() < 1e-12);
        }
    }
}
