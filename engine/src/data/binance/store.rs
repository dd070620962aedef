//! The kline files: `DIR/<SYMBOL>_<interval>.parquet` with `ts` (open time, UTC, ms), `symbol`, `open`, `high`,
//! `low`, `close`, `volume`, `quote_volume` and `trades`, sorted by `ts`, rewritten through a temporary file
//! and a rename so a reader never sees half a file.

use super::error::BinanceError;
use super::kline::Kline;
use super::Interval;
use polars::prelude::*;
use std::path::{Path, PathBuf};

/// The file of one symbol and interval in `dir`.
pub fn path(dir: &Path, symbol: &str, interval: Interval) -> PathBuf {
    dir.join(format!("{symbol}_{interval}.parquet"))
}

/// Reads a kline file; a missing file is an empty series. Close times are derived from the interval.
pub fn read(path: &Path, interval: Interval) -> Result<Vec<Kline>, BinanceError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let err = |e: PolarsError| BinanceError::store(path, e);
    let file = std::fs::File::open(path).map_err(|e| BinanceError::store(path, e))?;
    let df = ParquetReader::new(file).finish().map_err(err)?;
    let int = |name: &str| -> Result<Vec<i64>, BinanceError> {
        let c = df.column(name).map_err(err)?.cast(&DataType::Int64).map_err(err)?;
        Ok(c.i64().map_err(err)?.iter().map(|v| v.unwrap_or(0)).collect())
    };
    let float = |name: &str| -> Result<Vec<f64>, BinanceError> {
        let c = df.column(name).map_err(err)?.cast(&DataType::Float64).map_err(err)?;
        Ok(c.f64().map_err(err)?.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    };
    let ts = int("ts")?;
    let (o, h, l, c, v, q) = (
        float("open")?,
        float("high")?,
        float("low")?,
        float("close")?,
        float("volume")?,
        float("quote_volume")?,
    );
    let n = int("trades")?;
    let mut out = Vec::with_capacity(ts.len());
    for i in 0..ts.len() {
        out.push(Kline {
            open_time: ts[i],
            open: o[i],
            high: h[i],
            low: l[i],
            close: c[i],
            volume: v[i],
            close_time: interval.next_open(ts[i]) - 1,
            quote_volume: q[i],
            trades: n[i],
        });
    }
    if out.windows(2).any(|w| w[1].open_time <= w[0].open_time) {
        return Err(BinanceError::store(
            path,
            "the file's ts column is not strictly increasing",
        ));
    }
    Ok(out)
}

/// The klines of one symbol as a frame of the file's columns.
pub fn frame(symbol: &str, klines: &[Kline]) -> PolarsResult<DataFrame> {
    let col_f = |name: &str, f: fn(&Kline) -> f64| Column::new(name.into(), klines.iter().map(f).collect::<Vec<_>>());
    let ts: Vec<i64> = klines.iter().map(|k| k.open_time).collect();
    let ts = Series::new("ts".into(), ts).cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?;
    let trades: Vec<i64> = klines.iter().map(|k| k.trades).collect();
    DataFrame::new(
        klines.len(),
        vec![
            ts.into(),
            Column::new("symbol".into(), vec![symbol; klines.len()]),
            col_f("open", |k| k.open),
            col_f("high", |k| k.high),
            col_f("low", |k| k.low),
            col_f("close", |k| k.close),
            col_f("volume", |k| k.volume),
            col_f("quote_volume", |k| k.quote_volume),
            Column::new("trades".into(), trades),
        ],
    )
}

/// Writes the whole series to `path` (a temporary file in the same folder, then a rename).
pub fn write(path: &Path, symbol: &str, klines: &[Kline]) -> Result<(), BinanceError> {
    let err = |e: PolarsError| BinanceError::store(path, e);
    let io = |e: std::io::Error| BinanceError::store(path, e);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut df = frame(symbol, klines).map_err(err)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("klines");
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let file = std::fs::File::create(&tmp).map_err(io)?;
    let written = crate::data::write::parquet_writer(file).finish(&mut df).map_err(err);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).map_err(io)
}

/// Merges two series sorted by open time into one; at equal open times the kline of `old` is kept. Answers the
/// merged series and how many klines of `new` it gained.
pub fn merge(old: Vec<Kline>, mut new: Vec<Kline>) -> (Vec<Kline>, usize) {
    if !new.windows(2).all(|w| w[0].open_time < w[1].open_time) {
        new.sort_by_key(|k| k.open_time);
        new.dedup_by_key(|k| k.open_time);
    }
    if old.is_empty() {
        let n = new.len();
        return (new, n);
    }
    // The common cases (appending, prepending) without a full merge.
    if new.is_empty() {
        return (old, 0);
    }
    let (first, last) = (old[0].open_time, old[old.len() - 1].open_time);
    if new[0].open_time > last {
        let n = new.len();
        let mut out = old;
        out.extend(new);
        return (out, n);
    }
    if new[new.len() - 1].open_time < first {
        let n = new.len();
        new.extend(old);
        return (new, n);
    }
    let mut out = Vec::with_capacity(old.len() + new.len());
    let (mut i, mut j, mut added) = (0, 0, 0);
    while i < old.len() || j < new.len() {
        let take_old = j >= new.len() || (i < old.len() && old[i].open_time <= new[j].open_time);
        if take_old {
            if j < new.len() && old[i].open_time == new[j].open_time {
                j += 1;
            }
            out.push(old[i]);
            i += 1;
        } else {
            out.push(new[j]);
            j += 1;
            added += 1;
        }
    }
    (out, added)
}

/// A run of missing klines: none opens strictly between `after` and `before`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Gap {
    /// Open time of the last kline before the gap.
    pub after: i64,
    /// Open time of the first kline after it.
    pub before: i64,
    /// How many klines are missing.
    pub missing: u64,
}

/// The gaps of a sorted series (exchange outages: Binance has no kline there, none is invented).
pub fn gaps(klines: &[Kline], interval: Interval) -> Vec<Gap> {
    let mut out = Vec::new();
    for w in klines.windows(2) {
        let expected = interval.next_open(w[0].open_time);
        if w[1].open_time > expected {
            out.push(Gap {
                after: w[0].open_time,
                before: w[1].open_time,
                missing: interval.count_between(expected, w[1].open_time),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(t: i64) -> Kline {
        Kline {
            open_time: t,
            open: t as f64,
            high: t as f64 + 1.0,
            low: t as f64 - 1.0,
            close: t as f64 + 0.5,
            volume: 2.0,
            close_time: t + 59_999,
            quote_volume: 3.0,
            trades: 4,
        }
    }

    #[test]
    fn a_written_file_reads_back_equal_and_loads_with_the_engine_loader() {
        let dir = tempfile::tempdir().unwrap();
        let p = path(dir.path(), "BTCUSDT", Interval::M1);
        assert!(p.ends_with("BTCUSDT_1m.parquet"));
        assert!(read(&p, Interval::M1).unwrap().is_empty(), "a missing file is empty");
        let t0 = 1_704_067_200_000;
        let ks: Vec<Kline> = (0..100).map(|i| k(t0 + i * 60_000)).collect();
        write(&p, "BTCUSDT", &ks).unwrap();
        assert_eq!(read(&p, Interval::M1).unwrap(), ks);
        let bars = crate::data::load_file(&p).unwrap();
        assert_eq!(bars.len(), 1);
        assert_eq!(bars[0].symbol, "BTCUSDT");
        assert_eq!(bars[0].ts, ks.iter().map(|k| k.open_time).collect::<Vec<_>>());
        assert_eq!(bars[0].close[7], ks[7].close);
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[test]
    fn merging_keeps_order_drops_repeats_and_counts_the_new() {
        let (m, n) = merge(vec![k(2), k(4)], vec![k(1), k(4), k(5)]);
        assert_eq!(m.iter().map(|k| k.open_time).collect::<Vec<_>>(), [1, 2, 4, 5]);
        assert_eq!(n, 2);
        let (m, n) = merge(vec![k(1)], vec![k(3), k(2), k(3)]);
        assert_eq!(m.iter().map(|k| k.open_time).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(n, 2);
        let (m, n) = merge(vec![], vec![k(1)]);
        assert_eq!((m.len(), n), (1, 1));
    }

    #[test]
    fn gaps_count_the_missing_klines() {
        let t0 = 1_704_067_200_000;
        let ks = [k(t0), k(t0 + 60_000), k(t0 + 5 * 60_000)];
        assert_eq!(
            gaps(&ks, Interval::M1),
            vec![Gap {
                after: t0 + 60_000,
                before: t0 + 5 * 60_000,
                missing: 3
            }]
        );
    }
}
