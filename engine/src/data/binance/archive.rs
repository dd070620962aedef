//! Import of Binance's public data archive (data.binance.vision): zip files of a header-less 12-column CSV
//! named `<SYMBOL>-<interval>-<YYYY-MM[-DD]>.zip`, merged into the same Parquet files the REST backfill writes.

use super::error::BinanceError;
use super::kline::{is_micros, parse_csv_line, Kline};
use super::store;
use super::Interval;
use crate::data::timestamps::iso;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The outcome for one symbol and interval.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ImportReport {
    pub symbol: String,
    pub interval: String,
    pub path: String,
    /// The archive files read.
    pub files: Vec<String>,
    /// CSV rows read, and how many of them counted microseconds.
    pub rows: u64,
    pub micros_rows: u64,
    /// Klines added to the file, and in it now.
    pub added: u64,
    pub total: u64,
    pub first: Option<String>,
    pub last: Option<String>,
}

/// The symbol and interval an archive file's name gives: `BTCUSDT-1m-2024-01.zip` → (`BTCUSDT`, 1m).
pub fn name_parts(file: &Path) -> Result<(String, Interval), BinanceError> {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem = name.strip_suffix(".zip").unwrap_or(name);
    let mut parts = stem.split('-');
    let bad = || {
        BinanceError::archive(
            file,
            "the name is not <SYMBOL>-<interval>-<date>.zip, as the archive names its kline files",
        )
    };
    let symbol = parts.next().filter(|s| !s.is_empty()).ok_or_else(bad)?;
    let interval = parts.next().ok_or_else(bad)?;
    let interval = interval
        .parse::<Interval>()
        .map_err(|e| BinanceError::archive(file, e))?;
    Ok((symbol.to_ascii_uppercase(), interval))
}

/// The klines of every CSV inside one zip, in file order, and how many rows counted microseconds.
pub fn read_zip(file: &Path) -> Result<(Vec<Kline>, u64), BinanceError> {
    let f = std::fs::File::open(file).map_err(|e| BinanceError::archive(file, e))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| BinanceError::archive(file, e))?;
    let mut out = Vec::new();
    let mut micros = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| BinanceError::archive(file, e))?;
        let name = entry.name().to_string();
        if entry.is_dir() || !name.to_ascii_lowercase().ends_with(".csv") {
            continue;
        }
        let mut bytes = Vec::with_capacity(entry.size().min(1 << 28) as usize);
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| BinanceError::archive(file, format!("{name}: {e}")))?;
        for (n, line) in bytes.split(|b| *b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            // Some archive files (futures) carry a header line: skip a first line that is not a number.
            if n == 0 && !line[0].is_ascii_digit() {
                continue;
            }
            let k = parse_csv_line(line)
                .map_err(|e| BinanceError::archive(file, format!("{name}, line {}: {e}", n + 1)))?;
            if is_micros(first_field(line)) {
                micros += 1;
            }
            out.push(k);
        }
    }
    Ok((out, micros))
}

fn first_field(line: &[u8]) -> i64 {
    let end = line.iter().position(|b| *b == b',').unwrap_or(line.len());
    std::str::from_utf8(&line[..end])
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// Imports archive files into `dir` (one Parquet file per symbol and interval, merged with what is there).
pub fn import(files: &[PathBuf], dir: &Path) -> Result<Vec<ImportReport>, BinanceError> {
    let mut groups: BTreeMap<(String, Interval), Vec<&PathBuf>> = BTreeMap::new();
    for f in files {
        groups.entry(name_parts(f)?).or_default().push(f);
    }
    let mut out = Vec::new();
    for ((symbol, interval), files) in groups {
        let mut rows = Vec::new();
        let mut micros = 0;
        for f in &files {
            let (k, m) = read_zip(f)?;
            rows.extend(k);
            micros += m;
        }
        let n_rows = rows.len() as u64;
        let path = store::path(dir, &symbol, interval);
        let old = store::read(&path, interval)?;
        let (merged, added) = store::merge(old, rows);
        if added > 0 {
            store::write(&path, &symbol, &merged)?;
        }
        out.push(ImportReport {
            symbol,
            interval: interval.to_string(),
            path: path.display().to_string(),
            files: files.iter().map(|f| f.display().to_string()).collect(),
            rows: n_rows,
            micros_rows: micros,
            added: added as u64,
            total: merged.len() as u64,
            first: merged.first().map(|k| iso(k.open_time)),
            last: merged.last().map(|k| iso(k.open_time)),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_give_symbol_and_interval() {
        let (s, i) = name_parts(Path::new("/x/BTCUSDT-1m-2024-01.zip")).unwrap();
        assert_eq!((s.as_str(), i), ("BTCUSDT", Interval::M1));
        let (s, i) = name_parts(Path::new("ETHUSDT-1M-2025-01-01.zip")).unwrap();
        assert_eq!((s.as_str(), i), ("ETHUSDT", Interval::Month1));
        let e = name_parts(Path::new("klines.zip")).unwrap_err().to_string();
        assert!(e.contains("klines.zip") && e.contains("<SYMBOL>-<interval>"), "{e}");
        let e = name_parts(Path::new("BTCUSDT-7m-2024-01.zip")).unwrap_err().to_string();
        assert!(e.contains("7m"), "{e}");
    }

    #[test]
    fn a_zip_of_ms_and_us_rows_imports_once_and_again_adds_nothing() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let zpath = dir.path().join("BTCUSDT-1m-2024-12.zip");
        {
            let mut z = zip::ZipWriter::new(std::fs::File::create(&zpath).unwrap());
            let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            z.start_file("BTCUSDT-1m-2024-12.csv", opts).unwrap();
            z.write_all(b"1704067200000,1,2,0.5,1.5,10,1704067259999,15,3,5,7.5,0\n")
                .unwrap();
            z.write_all(b"1704067260000000,1.5,2,1,1,4,1704067319999999,4,1,2,2,0\n")
                .unwrap();
            z.finish().unwrap();
        }
        let out = dir.path().join("out");
        let r = import(std::slice::from_ref(&zpath), &out).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].rows, r[0].micros_rows, r[0].added, r[0].total), (2, 1, 2, 2));
        let stored = store::read(&store::path(&out, "BTCUSDT", Interval::M1), Interval::M1).unwrap();
        assert_eq!(stored[1].open_time, 1704067260000);
        assert_eq!(stored[1].close_time, 1704067319999);
        let again = import(&[zpath], &out).unwrap();
        assert_eq!((again[0].added, again[0].total), (0, 2));
    }
}
