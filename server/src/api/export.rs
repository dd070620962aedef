//! Downloads of the read endpoints' rows: `?format=csv|parquet` (or `Accept: text/csv` /
//! `application/vnd.apache.parquet`) answers the same rows as a CSV or Parquet file instead of JSON, which stays the
//! default. Nested objects become dotted columns (`params.ema_fast`), arrays their JSON text.

use super::error::ApiError;
use super::params::Params;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use polars::prelude::*;
use serde_json::{Map, Value};

/// Rows a download holds when the request names no `page_size` (every row of a run, or of a filtered table).
pub const EXPORT_ROWS: i64 = 1_000_000;

/// How a read endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Parquet,
}

impl Format {
    /// The `format` parameter, else the `Accept` header's first file type, else JSON.
    pub fn of(p: &mut Params, headers: &HeaderMap) -> Format {
        if p.text("format").is_some() {
            return match p.choice("format", "json", &["json", "csv", "parquet"]).as_str() {
                "csv" => Format::Csv,
                "parquet" => Format::Parquet,
                _ => Format::Json,
            };
        }
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if accept.contains("text/csv") {
            Format::Csv
        } else if accept.contains("application/vnd.apache.parquet") {
            Format::Parquet
        } else {
            Format::Json
        }
    }

    /// The page and page size: a download without `page_size` holds every row (up to [`EXPORT_ROWS`]).
    pub fn page(self, p: &mut Params) -> (i64, i64) {
        if self != Format::Json && p.text("page_size").is_none() && p.text("page").is_none() {
            (1, EXPORT_ROWS)
        } else {
            p.page()
        }
    }
}

/// Answers `rows` (a JSON array of objects) as JSON, or as the file `<name>.csv` / `<name>.parquet`.
pub fn answer(format: Format, name: &str, rows: Value) -> Result<Response, ApiError> {
    let (ext, mime) = match format {
        Format::Json => return Ok(Json(rows).into_response()),
        Format::Csv => ("csv", "text/csv; charset=utf-8"),
        Format::Parquet => ("parquet", "application/vnd.apache.parquet"),
    };
    let mut df = frame(&rows).map_err(|e| ApiError::Internal(format!("cannot tabulate {name}: {e}")))?;
    let mut bytes = Vec::new();
    let written = match format {
        Format::Csv => CsvWriter::new(&mut bytes).finish(&mut df),
        _ => ParquetWriter::new(&mut bytes).finish(&mut df).map(|_| ()),
    };
    written.map_err(|e| ApiError::Internal(format!("cannot write {name}.{ext}: {e}")))?;
    let disposition = format!("attachment; filename=\"{name}.{ext}\"");
    let mut response = (StatusCode::OK, bytes).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// The rows as a table: one column per (dotted) key in order of first appearance, typed from its values (integers,
/// floats, booleans, else text); a key a row lacks is null there.
pub fn frame(rows: &Value) -> PolarsResult<DataFrame> {
    let flat: Vec<Map<String, Value>> = rows
        .as_array()
        .map(|a| a.iter().map(flatten).collect())
        .unwrap_or_default();
    let mut names: Vec<String> = Vec::new();
    for row in &flat {
        for k in row.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    let columns: Vec<Column> = names
        .iter()
        .map(|name| column(name, flat.iter().map(|r| r.get(name).unwrap_or(&Value::Null))))
        .collect();
    DataFrame::new(flat.len(), columns)
}

/// One typed column from its values.
fn column<'a>(name: &str, values: impl Iterator<Item = &'a Value> + Clone) -> Column {
    let all = |f: fn(&Value) -> bool| values.clone().all(|v| v.is_null() || f(v));
    let name: PlSmallStr = name.into();
    if all(Value::is_boolean) {
        Column::new(name, values.map(Value::as_bool).collect::<Vec<_>>())
    } else if all(|v| v.is_i64()) {
        Column::new(name, values.map(Value::as_i64).collect::<Vec<_>>())
    } else if all(Value::is_number) {
        Column::new(name, values.map(Value::as_f64).collect::<Vec<_>>())
    } else {
        let text = |v: &Value| match v {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        };
        Column::new(name, values.map(text).collect::<Vec<_>>())
    }
}

/// A row with nested objects as dotted keys.
fn flatten(row: &Value) -> Map<String, Value> {
    fn walk(prefix: &str, v: &Value, out: &mut Map<String, Value>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            other => {
                out.insert(prefix.to_string(), other.clone());
            }
        }
    }
    let mut out = Map::new();
    walk("", row, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_become_typed_dotted_columns_with_nulls_where_a_key_is_missing() {
        let rows = json!([
            {"n": 1, "x": 0.5, "ok": true, "s": "a", "params": {"fast": 5, "slow": 20}, "list": [1, 2]},
            {"n": 2, "x": 1, "ok": null, "params": {"fast": 6, "slow": 30}, "extra": "z"}
        ]);
        let df = frame(&rows).unwrap();
        let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
        let mut first_row = names[..7].to_vec();
        first_row.sort();
        assert_eq!(first_row, ["list", "n", "ok", "params.fast", "params.slow", "s", "x"]);
        assert_eq!(names[7], "extra", "a key first seen in a later row comes last");
        assert_eq!(df.column("n").unwrap().dtype(), &DataType::Int64);
        assert_eq!(df.column("x").unwrap().dtype(), &DataType::Float64);
        assert_eq!(df.column("ok").unwrap().dtype(), &DataType::Boolean);
        assert_eq!(df.column("list").unwrap().str().unwrap().get(0), Some("[1,2]"));
        assert_eq!(df.column("s").unwrap().str().unwrap().get(1), None);
        assert_eq!(df.column("params.slow").unwrap().i64().unwrap().get(1), Some(30));
    }

    #[test]
    fn an_empty_list_is_an_empty_table() {
        let df = frame(&json!([])).unwrap();
        assert_eq!((df.height(), df.width()), (0, 0));
    }
}
