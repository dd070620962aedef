//! Reading CSV, JSON (array or lines) and Parquet files with polars into a [`Table`], resolving column aliases
//! and timestamp encodings.

use super::error::{DataError, RowNumbering};
use super::guard::ReadGuard;
use super::table::Table;
use super::timestamps::{epoch_f64_to_ms, epoch_to_ms, ColumnParser};
use crate::time::DAY_MS;
use polars::prelude::*;
use std::path::Path;

/// Accepted names of the timestamp column, in order of preference (case-insensitive).
pub const TS_ALIASES: [&str; 5] = ["ts", "timestamp", "datetime", "date", "time"];
const SESSION_ALIASES: [&str; 2] = ["session_id", "session"];
/// The other columns a read decodes; every column outside these lists is left unparsed.
const OTHER_COLUMNS: [&str; 7] = ["open", "high", "low", "close", "volume", "symbol", "roll_id"];

/// Whether a read decodes the session column: the optimiser never looks at sessions, stats and seasonality may.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SessionColumn {
    #[default]
    Read,
    /// Not decoded: the table has no sessions, so rows differing only in their session are exact duplicates.
    Skip,
}

/// Whether a read decodes the column `name` (case-insensitively): the timestamp, prices, volume, symbol, roll id
/// and, unless skipped, the session.
pub(crate) fn is_read(name: &str, sessions: SessionColumn) -> bool {
    let lower = name.to_ascii_lowercase();
    let l = lower.as_str();
    TS_ALIASES.contains(&l)
        || OTHER_COLUMNS.contains(&l)
        || (sessions == SessionColumn::Read && SESSION_ALIASES.contains(&l))
}

/// The first required column `names` lacks (as an error names it), if any.
fn missing_required(names: &[&str]) -> Option<&'static str> {
    let has = |aliases: &[&str]| names.iter().any(|n| aliases.iter().any(|a| n.eq_ignore_ascii_case(a)));
    if !has(&TS_ALIASES) {
        return Some("ts (or timestamp, datetime, date, time)");
    }
    ["open", "high", "low", "close"].into_iter().find(|c| !has(&[c]))
}

/// The columns of `names` a read decodes, or None when a required one is missing: the whole file is then read, so
/// that the error lists every column it has.
fn projection(names: &[&str], sessions: SessionColumn) -> Option<Vec<PlSmallStr>> {
    missing_required(names).is_none().then(|| {
        names
            .iter()
            .filter(|n| is_read(n, sessions))
            .map(|n| PlSmallStr::from(*n))
            .collect()
    })
}

/// The file formats the loader reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    JsonLines,
    Parquet,
}

impl Format {
    /// The format of `path` by extension; a `.json` file whose first character is `{` is JSON lines.
    pub fn of(path: &Path) -> Result<Format, DataError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "txt" => Ok(Format::Csv),
            "jsonl" | "ndjson" => Ok(Format::JsonLines),
            "parquet" | "pq" => Ok(Format::Parquet),
            "json" => Ok(if first_char(path).is_some_and(|c| c == '{') {
                Format::JsonLines
            } else {
                Format::Json
            }),
            _ => Err(DataError::UnsupportedFormat {
                path: path.display().to_string(),
                ext,
            }),
        }
    }

    fn numbering(self) -> RowNumbering {
        match self {
            Format::Csv => RowNumbering::CsvLine,
            Format::JsonLines => RowNumbering::Line,
            Format::Json => RowNumbering::Record,
            Format::Parquet => RowNumbering::Row,
        }
    }
}

fn first_char(path: &Path) -> Option<char> {
    use std::io::Read;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(path).ok()?.read(&mut head).ok()?;
    head[..n]
        .iter()
        .map(|b| *b as char)
        .find(|c| !c.is_whitespace() && c.is_ascii())
}

/// Reads `path` into raw rows; the symbol of a file without a `symbol` column is `default_symbol`. Only the columns
/// a table holds are decoded (sessions as `sessions` says). The lines of a CSV or JSON-lines file are held to
/// `guard`'s limit before polars reads them (its readers slow down more than linearly on huge lines), and the cancel
/// flag is looked at between the steps.
pub(crate) fn read_table(
    path: &Path,
    default_symbol: &str,
    guard: &ReadGuard<'_>,
    sessions: SessionColumn,
) -> Result<Table, DataError> {
    let fmt = Format::of(path)?;
    let name = path.display().to_string();
    if !path.is_file() {
        let source = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        return Err(DataError::Io { path: name, source });
    }
    guard.check()?;
    if matches!(fmt, Format::Csv | Format::JsonLines) {
        let bytes = map_file(path).map_err(|source| DataError::Io {
            path: name.clone(),
            source,
        })?;
        if fmt == Format::Csv {
            if let Some(table) = super::csv_fast::read(&bytes, name.clone(), default_symbol, guard, sessions)? {
                return Ok(table);
            }
        }
        // The fast path checks the lines it counts; it may have given up before the last one.
        guard.check_lines(&bytes, &name)?;
    }
    let table = read_table_polars(path, fmt, default_symbol, sessions);
    guard.check()?;
    table
}

/// Maps a whole file: its bytes are the page cache's own, neither copied nor zeroed first, and the page tables are
/// filled in one call.
pub(crate) fn map_file(path: &Path) -> std::io::Result<memmap2::Mmap> {
    let file = std::fs::File::open(path)?;
    // SAFETY: the map is only read, and dropped before `read_table` returns. A file truncated by another process
    // while it is read would fault the reader (SIGBUS); polars' readers, which map the files they read, share
    // that risk, and data files are not rewritten in place while jobs read them.
    unsafe { memmap2::MmapOptions::new().populate().map(&file) }
}

/// As [`read_table`] through polars' readers only (every format; CSV files the fast path does not take).
pub(crate) fn read_table_polars(
    path: &Path,
    fmt: Format,
    default_symbol: &str,
    sessions: SessionColumn,
) -> Result<Table, DataError> {
    let name = path.display().to_string();
    let read_err = |e: PolarsError| DataError::Read {
        path: name.clone(),
        message: e.to_string(),
    };
    let df = match fmt {
        Format::Csv => read_csv(path, sessions).map_err(read_err)?,
        Format::Json | Format::JsonLines => {
            let file = std::fs::File::open(path).map_err(|source| DataError::Io {
                path: name.clone(),
                source,
            })?;
            let json_format = if fmt == Format::Json {
                JsonFormat::Json
            } else {
                JsonFormat::JsonLines
            };
            JsonReader::new(file)
                .with_json_format(json_format)
                .infer_schema_len(None)
                .finish()
                .map_err(read_err)?
        }
        Format::Parquet => {
            let file = std::fs::File::open(path).map_err(|source| DataError::Io {
                path: name.clone(),
                source,
            })?;
            let mut reader = ParquetReader::new(file);
            let schema = reader.schema().map_err(read_err)?;
            let names: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
            let columns = projection(&names, sessions);
            reader
                .with_columns(columns.map(|c| c.into_iter().map(String::from).collect()))
                .finish()
                .map_err(read_err)?
        }
    };
    let mut table = frame_to_table(df, name, fmt.numbering(), default_symbol)?;
    if sessions == SessionColumn::Skip {
        // JSON readers decode every column.
        table.session = None;
    }
    Ok(table)
}

/// CSV with the columns a table holds typed up front and the others left unparsed (their names as polars reads the
/// header); if a cell does not parse, those columns are re-read as text so that the conversion can name the exact
/// line and column. Text is decoded lossily: polars would otherwise refuse the whole file, naming no line, for one
/// byte that is not UTF-8 anywhere in it; such a byte in a timestamp, number or symbol is a bad row instead.
fn read_csv(path: &Path, sessions: SessionColumn) -> PolarsResult<DataFrame> {
    let options = || {
        CsvReadOptions::default()
            .with_has_header(true)
            .map_parse_options(|p| p.with_encoding(CsvEncoding::LossyUtf8))
    };
    let header = options()
        .with_n_rows(Some(0))
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.into()))?
        .finish()?;
    let names = header.get_column_names();
    let columns = projection(&names.iter().map(|n| n.as_str()).collect::<Vec<_>>(), sessions);
    let mut schema = Schema::default();
    for name in names {
        let dtype = match name.to_ascii_lowercase().as_str() {
            "open" | "high" | "low" | "close" | "volume" => DataType::Float64,
            "symbol" | "session" | "session_id" => DataType::String,
            l if TS_ALIASES.contains(&l) => DataType::String,
            _ => continue,
        };
        schema.with_column(name.clone(), dtype);
    }
    let columns: Option<Arc<[PlSmallStr]>> = columns.map(Into::into);
    let typed = options()
        .with_columns(columns.clone())
        .with_schema_overwrite(Some(Arc::new(schema)))
        .try_into_reader_with_file_path(Some(path.into()))?
        .finish();
    match typed {
        Ok(df) => Ok(df),
        Err(_) => options()
            .with_columns(columns)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(path.into()))?
            .finish(),
    }
}

/// Takes the first column named by one of `aliases` (in order of preference, case-insensitively) out of `df`.
fn take(df: &mut DataFrame, aliases: &[&str]) -> Option<Column> {
    let names = df.get_column_names();
    let name = aliases
        .iter()
        .find_map(|a| names.iter().find(|n| n.eq_ignore_ascii_case(a)))?
        .to_string();
    df.drop_in_place(&name).ok()
}

/// Converts a polars frame (any source) to raw rows, recording unreadable cells as bad rows. Each column is taken
/// out of the frame and dropped once converted, so a large file is not held twice over.
pub(crate) fn frame_to_table(
    mut df: DataFrame,
    source: String,
    numbering: RowNumbering,
    default_symbol: &str,
) -> Result<Table, DataError> {
    let height = df.height();
    let mut t = Table {
        source,
        numbering: Some(numbering),
        ..Table::default()
    };
    let found: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
    let missing = |column: &str| DataError::MissingColumn {
        source_name: t.source.clone(),
        column: column.to_string(),
        found: found.join(", "),
    };
    if let Some(column) = missing_required(&found.iter().map(String::as_str).collect::<Vec<_>>()) {
        return Err(missing(column));
    }
    let mut column = |aliases: &[&str]| take(&mut df, aliases).expect("the column was found");
    t.ts = ts_column(&mut t, &column(&TS_ALIASES))?;
    t.open = f64_column(&mut t, &column(&["open"]), "open")?;
    t.high = f64_column(&mut t, &column(&["high"]), "high")?;
    t.low = f64_column(&mut t, &column(&["low"]), "low")?;
    t.close = f64_column(&mut t, &column(&["close"]), "close")?;
    t.volume = match take(&mut df, &["volume"]) {
        Some(v) => f64_column(&mut t, &v, "volume")?,
        None => vec![0.0; height],
    };
    match take(&mut df, &["symbol"]) {
        Some(s) => {
            let s = text(&t, &s, "symbol")?;
            t.sym = Vec::with_capacity(s.len());
            let mut index = super::table::NameIndex::default();
            for (i, v) in s.iter().enumerate() {
                match v {
                    Some(name) if name.contains(char::REPLACEMENT_CHARACTER) => {
                        t.bad.push(t.bad_row(i, "symbol", "not UTF-8 text"));
                        t.sym.push(0);
                    }
                    Some(name) if !name.trim().is_empty() => {
                        let k = index.intern(&mut t.symbols, name.trim());
                        t.sym.push(k);
                    }
                    _ => {
                        t.bad.push(t.bad_row(i, "symbol", "missing symbol"));
                        t.sym.push(0);
                    }
                }
            }
            if t.symbols.is_empty() {
                t.intern(default_symbol);
            }
        }
        None => {
            t.intern(default_symbol);
            t.sym = vec![0; height];
        }
    }
    if let Some(s) = take(&mut df, &SESSION_ALIASES) {
        let s = text(&t, &s, "session")?;
        t.session = Some(s.iter().map(|v| v.unwrap_or("")).collect());
    }
    if let Some(r) = take(&mut df, &["roll_id"]) {
        let r = r
            .cast(&DataType::Int64)
            .map_err(|_| col_type(&t, &r, "an integer roll id"))?;
        let r = r.i64().map_err(|_| col_type(&t, &r, "an integer roll id"))?;
        t.roll_id = Some(r.iter().map(|v| v.unwrap_or(0)).collect());
    }
    t.bad.sort_by_key(|b| b.row);
    Ok(t)
}

fn col_type(t: &Table, c: &Column, expected: &str) -> DataError {
    DataError::ColumnType {
        source_name: t.source.clone(),
        column: c.name().to_string(),
        dtype: c.dtype().to_string(),
        expected: expected.to_string(),
    }
}

fn text(t: &Table, c: &Column, what: &str) -> Result<StringChunked, DataError> {
    let s = c.cast(&DataType::String).map_err(|_| col_type(t, c, what))?;
    s.str().cloned().map_err(|_| col_type(t, c, what))
}

fn f64_column(t: &mut Table, c: &Column, name: &str) -> Result<Vec<f64>, DataError> {
    if c.dtype().is_primitive_numeric() {
        let f = c.cast(&DataType::Float64).map_err(|_| col_type(t, c, "numbers"))?;
        let f = f.f64().map_err(|_| col_type(t, c, "numbers"))?;
        if f.null_count() == 0 {
            return Ok(f.into_no_null_iter().collect());
        }
        return Ok(f.iter().map(|v| v.unwrap_or(f64::NAN)).collect());
    }
    if !matches!(c.dtype(), DataType::String | DataType::Null) {
        return Err(col_type(t, c, "numbers"));
    }
    let s = text(t, c, "numbers")?;
    let mut out = Vec::with_capacity(s.len());
    for (i, v) in s.iter().enumerate() {
        match v.map(str::trim) {
            None | Some("") => out.push(f64::NAN),
            Some(x) => match x.parse::<f64>() {
                Ok(f) => out.push(f),
                Err(_) => {
                    t.bad
                        .push(t.bad_row(i, name, format!("not a number: {}", super::error::quoted(x))));
                    out.push(f64::NAN);
                }
            },
        }
    }
    Ok(out)
}

fn ts_column(t: &mut Table, c: &Column) -> Result<Vec<i64>, DataError> {
    let name = c.name().to_string();
    let expected = "timestamps";
    match c.dtype() {
        DataType::Datetime(unit, _) => {
            let per_ms = match unit {
                TimeUnit::Nanoseconds => 1_000_000,
                TimeUnit::Microseconds => 1000,
                TimeUnit::Milliseconds => 1,
            };
            let p = c.cast(&DataType::Int64).map_err(|_| col_type(t, c, expected))?;
            let p = p.i64().map_err(|_| col_type(t, c, expected))?;
            if p.null_count() == 0 {
                return Ok(p.into_no_null_iter().map(|v| v.div_euclid(per_ms)).collect());
            }
            Ok(p.iter()
                .enumerate()
                .map(|(i, v)| v.map(|v| v.div_euclid(per_ms)).unwrap_or_else(|| null_ts(t, i, &name)))
                .collect())
        }
        DataType::Date => {
            let p = c.cast(&DataType::Int32).map_err(|_| col_type(t, c, expected))?;
            let p = p.i32().map_err(|_| col_type(t, c, expected))?;
            Ok(p.iter()
                .enumerate()
                .map(|(i, v)| v.map(|d| i64::from(d) * DAY_MS).unwrap_or_else(|| null_ts(t, i, &name)))
                .collect())
        }
        d if d.is_integer() => {
            let p = c.cast(&DataType::Int64).map_err(|_| col_type(t, c, expected))?;
            let p = p.i64().map_err(|_| col_type(t, c, expected))?;
            Ok(p.iter()
                .enumerate()
                .map(|(i, v)| v.map(epoch_to_ms).unwrap_or_else(|| null_ts(t, i, &name)))
                .collect())
        }
        d if d.is_float() => {
            let p = c.cast(&DataType::Float64).map_err(|_| col_type(t, c, expected))?;
            let p = p.f64().map_err(|_| col_type(t, c, expected))?;
            Ok(p.iter()
                .enumerate()
                .map(|(i, v)| v.and_then(epoch_f64_to_ms).unwrap_or_else(|| null_ts(t, i, &name)))
                .collect())
        }
        DataType::String => {
            let s = c.str().map_err(|_| col_type(t, c, expected))?;
            let mut out = Vec::with_capacity(s.len());
            let mut parser = ColumnParser::default();
            for (i, v) in s.iter().enumerate() {
                match v.map(|v| parser.parse(v)) {
                    Some(Ok(ms)) => out.push(ms),
                    Some(Err(why)) => {
                        t.bad.push(t.bad_row(i, &name, why));
                        out.push(i64::MIN);
                    }
                    None => out.push(null_ts(t, i, &name)),
                }
            }
            Ok(out)
        }
        _ => Err(col_type(t, c, expected)),
    }
}

fn null_ts(t: &mut Table, i: usize, name: &str) -> i64 {
    t.bad.push(t.bad_row(i, name, "missing timestamp"));
    i64::MIN
}
