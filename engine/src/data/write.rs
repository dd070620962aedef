//! Writes bar series to CSV, JSON (array or lines) and Parquet files (one file, several symbols, sorted by symbol
//! then time), with the `session_id` and `roll_id` columns when every series has them.

use super::Bars;
use polars::prelude::*;
use std::path::Path;

/// Builds one long table (`ts`, `symbol`, `open`, `high`, `low`, `close`, `volume`, and `session_id`/`roll_id`
/// when every series has them) from several series.
pub fn to_frame(series: &[Bars]) -> PolarsResult<DataFrame> {
    let ts: Vec<i64> = series.iter().flat_map(|b| b.ts.iter().copied()).collect();
    let ts = Series::new("ts".into(), ts).cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?;
    frame_with_ts(series, ts.into())
}

/// As [`to_frame`] with `ts` as ISO-8601 UTC text (for JSON, whose writer has no datetime format option).
fn to_text_frame(series: &[Bars]) -> PolarsResult<DataFrame> {
    let ts: Vec<String> = series
        .iter()
        .flat_map(|b| b.ts.iter().map(|t| super::timestamps::iso(*t)))
        .collect();
    frame_with_ts(series, Column::new("ts".into(), ts))
}

fn frame_with_ts(series: &[Bars], ts: Column) -> PolarsResult<DataFrame> {
    let n: usize = series.iter().map(Bars::len).sum();
    let mut sym = Vec::with_capacity(n);
    let (mut o, mut h, mut l, mut c, mut v) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for b in series {
        sym.extend(std::iter::repeat_n(b.symbol.as_str(), b.len()));
        o.extend_from_slice(&b.open);
        h.extend_from_slice(&b.high);
        l.extend_from_slice(&b.low);
        c.extend_from_slice(&b.close);
        v.extend_from_slice(&b.volume);
    }
    let mut columns = vec![
        ts,
        Column::new("symbol".into(), sym),
        Column::new("open".into(), o),
        Column::new("high".into(), h),
        Column::new("low".into(), l),
        Column::new("close".into(), c),
        Column::new("volume".into(), v),
    ];
    if !series.is_empty() && series.iter().all(|b| b.session.is_some()) {
        let s: Vec<&str> = series
            .iter()
            .flat_map(|b| b.session.iter().flat_map(|l| l.iter()))
            .collect();
        columns.push(Column::new("session_id".into(), s));
    }
    if !series.is_empty() && series.iter().all(|b| b.roll_id.is_some()) {
        let r: Vec<i64> = series
            .iter()
            .flat_map(|b| b.roll_id.iter().flatten().copied())
            .collect();
        columns.push(Column::new("roll_id".into(), r));
    }
    DataFrame::new(n, columns)
}

/// Writes `series` to `path`; the format follows the extension (`.csv`, `.parquet`, `.json` array, `.jsonl`/`.ndjson`).
pub fn write_file(series: &[Bars], path: &Path) -> PolarsResult<()> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let mut df = match ext.as_deref() {
        Some("json" | "jsonl" | "ndjson") => to_text_frame(series)?,
        _ => to_frame(series)?,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let file = std::fs::File::create(&tmp)?;
    match ext.as_deref() {
        Some("parquet") => {
            parquet_writer(file).finish(&mut df)?;
        }
        Some("csv") => {
            CsvWriter::new(file)
                .include_header(true)
                .with_datetime_format(Some("%Y-%m-%dT%H:%M:%SZ".into()))
                .finish(&mut df)?;
        }
        Some("json") => JsonWriter::new(file)
            .with_json_format(JsonFormat::Json)
            .finish(&mut df)?,
        Some("jsonl" | "ndjson") => JsonWriter::new(file)
            .with_json_format(JsonFormat::JsonLines)
            .finish(&mut df)?,
        other => {
            let _ = std::fs::remove_file(&tmp);
            return Err(PolarsError::ComputeError(
                format!("unsupported output extension {other:?} (use .csv, .parquet, .json or .jsonl)").into(),
            ));
        }
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// A Parquet writer with LZ4 (raw) compression, used for every file the engine writes: polars' default zstd was
/// the largest item of loading a bar file and a large share of writing a run's artifacts.
pub fn parquet_writer<W: std::io::Write>(w: W) -> ParquetWriter<W> {
    ParquetWriter::new(w).with_compression(ParquetCompression::Lz4Raw)
}
