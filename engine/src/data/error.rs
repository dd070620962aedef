//! The one error type of the market-data layer: every message names the source, and the line, row or field at fault.

use std::path::PathBuf;

/// Everything that can go wrong loading, validating or converting market data.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: unsupported file type {ext:?} (use .csv, .json, .jsonl, .ndjson or .parquet)")]
    UnsupportedFormat { path: String, ext: String },
    #[error("{path}: cannot read the file: {message}")]
    Read { path: String, message: String },
    #[error("{source_name}: missing column {column} (found: {found})")]
    MissingColumn {
        source_name: String,
        column: String,
        found: String,
    },
    #[error("{source_name}: column `{column}` has type {dtype}, which cannot hold {expected}")]
    ColumnType {
        source_name: String,
        column: String,
        dtype: String,
        expected: String,
    },
    #[error("{source_name}, {at}, column `{column}`: {reason}")]
    BadRow {
        source_name: String,
        at: String,
        column: String,
        reason: String,
    },
    #[error("{source_name}, {at}: {symbol} has two bars at {ts} with different values (first at {first_at})")]
    ConflictingDuplicate {
        source_name: String,
        at: String,
        first_at: String,
        symbol: String,
        ts: String,
    },
    #[error("{source_name}: no bars left after the {filter} filter: {detail}")]
    EmptyAfterFilter {
        source_name: String,
        filter: &'static str,
        detail: String,
    },
    #[error("{source_name}: the source holds no bars")]
    Empty { source_name: String },
    /// A line longer than the read's limit, refused before any parser sees it.
    #[error(
        "{source_name}, line {line}: the line is {bytes} bytes long, more than the limit of {limit} bytes \
         (QE_MAX_LINE_BYTES)"
    )]
    LineTooLong {
        source_name: String,
        line: usize,
        bytes: usize,
        limit: usize,
    },
    /// The load was stopped by its cancel flag (the job was cancelled).
    #[error("the load was cancelled")]
    Cancelled,
    #[error("invalid spec: {field}: {message}")]
    Spec { field: String, message: String },
    #[error("data path {} is outside the data root", path.display())]
    OutsideDataRoot { path: PathBuf, root: PathBuf },
    /// A marketdata source the server's policy does not let this spec reach (answered 403).
    #[error("{field}: {message}")]
    SourceRefused { field: String, message: String },
    #[error("data.mysql: {0}")]
    MySql(String),
    #[error(
        "data.mysql.{field}: {value:?} is not a valid SQL identifier ([A-Za-z_][A-Za-z0-9_]*, schema.table allowed)"
    )]
    BadIdentifier { field: String, value: String },
    #[error(
        "data.mysql.extra_where is refused: raw SQL is only accepted when the operator sets QE_ALLOW_EXTRA_WHERE=1"
    )]
    ExtraWhereRefused,
    #[error("MySQL query failed: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },
}

impl DataError {
    /// A spec error about `field` (dotted path such as `data.start`).
    pub fn spec(field: &str, message: impl Into<String>) -> Self {
        DataError::Spec {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

pub use model::time::quoted;

/// How rows of a source are numbered in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowNumbering {
    /// CSV: the header is line 1, so row 0 is line 2.
    CsvLine,
    /// JSON lines: row 0 is line 1.
    Line,
    /// JSON array: row 0 is record 1.
    Record,
    /// Parquet or a query result: row 0 is row 1.
    Row,
}

impl RowNumbering {
    /// The human position of 0-based row `i`, e.g. `line 7` or `record 3`.
    pub fn at(self, i: usize) -> String {
        match self {
            RowNumbering::CsvLine => format!("line {}", i + 2),
            RowNumbering::Line => format!("line {}", i + 1),
            RowNumbering::Record => format!("record {}", i + 1),
            RowNumbering::Row => format!("row {}", i + 1),
        }
    }
}
