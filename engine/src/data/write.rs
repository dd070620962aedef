//! Writes bar series to CSV and Parquet files (one file, several symbols, sorted by symbol then time).

use super::Bars;
use polars::prelude::*;
use std::path::Path;

/// Builds one long table (`ts`, `symbol`, `open`, `high`, `low`, `close`, `volume`) from several series.
pub fn to_frame(series: &[Bars]) -> PolarsResult<DataFrame> {
    let n: usize = series.iter().map(Bars::len).sum();
    let mut ts = Vec::with_capacity(n);
    let mut sym = Vec::with_capacity(n);
    let (mut o, mut h, mut l, mut c, mut v) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for b in series {
        ts.extend_from_slice(&b.ts);
        sym.extend(std::iter::repeat_n(b.symbol.as_str(), b.len()));
        o.extend_from_slice(&b.open);
        h.extend_from_slice(&b.high);
        l.extend_from_slice(&b.low);
        c.extend_from_slice(&b.close);
        v.extend_from_slice(&b.volume);
    }
    let ts = Series::new("ts".into(), ts).cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?;
    DataFrame::new(n, vec![
        ts.into(),
        Column::new("symbol".into(), sym),
        Column::new("open".into(), o),
        Column::new("high".into(), h),
        Column::new("low".into(), l),
        Column::new("close".into(), c),
        Column::new("volume".into(), v),
    ])
}

/// Writes `series` to `path`; the format follows the extension (`.csv` or `.parquet`).
pub fn write_file(series: &[Bars], path: &Path) -> PolarsResult<()> {
    let mut df = to_frame(series)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let file = std::fs::File::create(&tmp)?;
    match path.extension().and_then(|e| e.to_str()) {
        Some("parquet") => {
            ParquetWriter::new(file).finish(&mut df)?;
        }
        Some("csv") => {
            CsvWriter::new(file).include_header(true).with_datetime_format(Some("%Y-%m-%dT%H:%M:%SZ".into())).finish(&mut df)?;
        }
        other => {
            return Err(PolarsError::ComputeError(format!("unsupported output extension {other:?} (use .csv or .parquet)").into()))
        }
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}
