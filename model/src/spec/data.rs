//! The `data` block shared by every job spec (reference §1.1, §1.3).

use serde::{Deserialize, Deserializer, Serialize};

/// Where a job's bars come from: a file (`dataset_path`, alias `path`) or a MySQL table, filtered by
/// symbols and a time range. Unknown keys are ignored, as the original did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataSpec {
    #[serde(default)]
    pub dataset_path: Option<String>,
    /// The submit parser's alias of `dataset_path`, used when `dataset_path` is missing or empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default)]
    pub mysql: Option<MySqlSpec>,
    /// A market-data service to fetch the bars from instead (`"binance"`: the symbols' klines at `timeframe`,
    /// cached under the server's home; the endpoint is the operator's `QE_BINANCE_REST_URL`, never the spec's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<DataSource>,
    #[serde(default)]
    pub symbols: Vec<String>,
    #[serde(default)]
    pub timeframe: Option<String>,
    /// `2024-01-01`, `2024-01-01T00:00:00Z` or `2024-01-01 00:00:00`; numbers are accepted as text.
    #[serde(default, deserialize_with = "spec_time")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub start: Option<SpecTime>,
    /// As `start`; a date-only `end` includes that whole day.
    #[serde(default, deserialize_with = "spec_time")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub end: Option<SpecTime>,
}

/// A spec's `start` or `end`: the text as sent (stored with the rows it bounds) and its UTC instant, parsed once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct SpecTime {
    text: String,
    ms: i64,
}

impl SpecTime {
    /// The text as the spec wrote it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The instant in epoch milliseconds, as a `start` means it.
    pub fn ms(&self) -> i64 {
        self.ms
    }

    /// The instant as an `end` means it: a bare date includes that whole day.
    pub fn end_ms(&self) -> i64 {
        if crate::time::is_date_only(&self.text) {
            self.ms + crate::time::DAY_MS - 1
        } else {
            self.ms
        }
    }
}

impl TryFrom<String> for SpecTime {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let ms = crate::time::parse_timestamp(&text)?;
        Ok(SpecTime { text, ms })
    }
}

impl From<SpecTime> for String {
    fn from(t: SpecTime) -> String {
        t.text
    }
}

/// A market-data service a spec's bars can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DataSource {
    /// Binance spot klines (REST backfill into a local cache).
    Binance,
}

impl DataSpec {
    /// The file to read: `dataset_path`, else `path`, ignoring empty strings.
    pub fn file(&self) -> Option<&str> {
        [self.dataset_path.as_deref(), self.path.as_deref()]
            .into_iter()
            .flatten()
            .find(|p| !p.trim().is_empty())
    }

    /// Checks that a source is named: a `source` service, a file or a `mysql` block (`source` wins, then the file).
    pub fn require_source(&self) -> Result<(), super::SpecError> {
        if self.source.is_none() && self.file().is_none() && self.mysql.is_none() {
            return Err(super::SpecError::new(
                ["data"],
                "data must provide either dataset_path/path or mysql configuration",
            ));
        }
        Ok(())
    }

    /// Checks that both `start` and `end` are present and non-empty (every job kind requires them).
    pub fn require_range(&self) -> Result<(), super::SpecError> {
        for (field, v) in [(["data", "start"], &self.start), (["data", "end"], &self.end)] {
            if v.is_none() {
                return Err(super::SpecError::new(field, "data.start and data.end are required"));
            }
        }
        Ok(())
    }

    /// The `[start, end]` bounds in epoch milliseconds (each optional; a bare-date `end` includes its day).
    pub fn bounds(&self) -> (Option<i64>, Option<i64>) {
        (
            self.start.as_ref().map(SpecTime::ms),
            self.end.as_ref().map(SpecTime::end_ms),
        )
    }
}

/// The `data.mysql` block: connection, table and column mapping of a marketdata table.
/// `schema` has no default here: the submit parser defaults it to none, the others to `marketdata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MySqlSpec {
    #[serde(default)]
    pub connection_url: Option<String>,
    /// The name of a marketdata source the operator configured (`QE_MARKETDATA_SOURCES=name=url,…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Variable holding the URL when `connection_url` is empty; explicit null disables the fallback.
    #[serde(default = "default_env_var")]
    pub env_var: Option<String>,
    #[serde(default, deserialize_with = "present_or_null")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub schema: Option<Option<String>>,
    #[serde(default = "default_table")]
    pub table: String,
    #[serde(default = "default_symbol_col")]
    pub symbol_col: String,
    #[serde(default = "default_ts_col")]
    pub ts_col: String,
    #[serde(default = "default_open_col")]
    pub open_col: String,
    #[serde(default = "default_high_col")]
    pub high_col: String,
    #[serde(default = "default_low_col")]
    pub low_col: String,
    #[serde(default = "default_close_col")]
    pub close_col: String,
    #[serde(default = "default_volume_col")]
    pub volume_col: String,
    /// Column holding the timeframe; null when the table holds one timeframe only.
    #[serde(default = "default_timeframe_col")]
    pub timeframe_col: Option<String>,
    #[serde(default)]
    pub extra_where: Option<String>,
    #[serde(default)]
    pub chunk_minutes: i64,
    #[serde(default)]
    pub symbol_lookup_table: Option<String>,
    #[serde(default = "default_symbol_col")]
    pub symbol_lookup_symbol_col: String,
    #[serde(default = "default_lookup_id_col")]
    pub symbol_lookup_id_col: String,
}

impl MySqlSpec {
    /// The schema to prefix tables with, given the job kind's default when the key is absent.
    pub fn schema_or<'a>(&'a self, default: Option<&'a str>) -> Option<&'a str> {
        match &self.schema {
            Some(explicit) => explicit.as_deref(),
            None => default,
        }
    }
}

fn default_env_var() -> Option<String> {
    Some("QE_MARKETDATA_MYSQL_URL".into())
}
fn default_table() -> String {
    "ohlcv".into()
}
fn default_symbol_col() -> String {
    "symbol".into()
}
fn default_ts_col() -> String {
    "ts".into()
}
fn default_open_col() -> String {
    "open".into()
}
fn default_high_col() -> String {
    "high".into()
}
fn default_low_col() -> String {
    "low".into()
}
fn default_close_col() -> String {
    "close".into()
}
fn default_volume_col() -> String {
    "volume".into()
}
fn default_timeframe_col() -> Option<String> {
    Some("timeframe".into())
}
fn default_lookup_id_col() -> String {
    "id".into()
}

/// A timestamp given as a string or a number (the submit parser stringified whatever it got); null and blank text
/// stay None, anything else must parse.
fn spec_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SpecTime>, D::Error> {
    use serde::de::Error;
    let text = match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::String(s) if s.trim().is_empty() => return Ok(None),
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        other => return Err(D::Error::custom(format!("expected a date string, got {other}"))),
    };
    SpecTime::try_from(text).map(Some).map_err(D::Error::custom)
}

/// Distinguishes an absent key (None) from an explicit null (Some(None)).
fn present_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::<String>::deserialize(d)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::from_value;
    use serde_json::json;

    #[test]
    fn path_is_an_alias_used_when_dataset_path_is_empty() {
        let d: DataSpec = from_value(json!({"dataset_path": "", "path": "a.csv"})).unwrap();
        assert_eq!(d.file(), Some("a.csv"));
        let d: DataSpec = from_value(json!({"dataset_path": "b.csv", "path": "a.csv"})).unwrap();
        assert_eq!(d.file(), Some("b.csv"));
    }

    #[test]
    fn mysql_schema_distinguishes_absent_from_null() {
        let m: MySqlSpec = from_value(json!({})).unwrap();
        assert_eq!(m.schema_or(Some("marketdata")), Some("marketdata"));
        let m: MySqlSpec = from_value(json!({"schema": null})).unwrap();
        assert_eq!(m.schema_or(Some("marketdata")), None);
        assert_eq!(m.env_var.as_deref(), Some("QE_MARKETDATA_MYSQL_URL"));
        assert_eq!(m.timeframe_col.as_deref(), Some("timeframe"));
    }

    #[test]
    fn a_mistyped_known_key_names_the_field() {
        let err = from_value::<DataSpec>(json!({"symbols": "EURUSD"})).unwrap_err();
        assert_eq!(err.field(), "symbols");
    }

    #[test]
    fn a_source_and_both_bounds_are_required_naming_the_field() {
        let d: DataSpec = from_value(json!({"start": "2024-01-01"})).unwrap();
        assert!(d
            .require_source()
            .unwrap_err()
            .message
            .contains("either dataset_path/path or mysql"));
        assert_eq!(d.require_range().unwrap_err().field(), "data.end");
        let d: DataSpec = from_value(json!({"mysql": {}, "start": "", "end": "2024-01-02"})).unwrap();
        assert!(d.require_source().is_ok());
        assert_eq!(d.require_range().unwrap_err().field(), "data.start");
        let d: DataSpec = from_value(json!({"path": "a.csv", "start": "2024-01-01", "end": "2024-01-02"})).unwrap();
        assert!(d.require_source().is_ok() && d.require_range().is_ok());
    }

    #[test]
    fn a_mistyped_mysql_key_names_the_nested_field() {
        let err = from_value::<DataSpec>(json!({"mysql": {"chunk_minutes": "often"}})).unwrap_err();
        assert_eq!(err.field(), "mysql.chunk_minutes");
    }

    #[test]
    fn a_binance_source_is_a_source_and_an_unknown_one_names_the_field() {
        let d: DataSpec = from_value(json!({"source": "binance", "symbols": ["BTCUSDT"]})).unwrap();
        assert_eq!(d.source, Some(DataSource::Binance));
        assert!(d.require_source().is_ok());
        let err = from_value::<DataSpec>(json!({"source": "kraken"})).unwrap_err();
        assert_eq!(err.field(), "source");
        assert!(err.message.contains("binance"), "{}", err.message);
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let d: DataSpec = from_value(json!({"foo": 1, "start": 20240101})).unwrap();
        assert_eq!(d.start.as_ref().map(SpecTime::text), Some("20240101"));
    }

    #[test]
    fn bounds_are_parsed_once_with_a_bare_date_end_taking_its_whole_day() {
        let d: DataSpec = from_value(json!({"start": "2024-01-01", "end": "2024-01-02"})).unwrap();
        let jan1 = 1_704_067_200_000;
        assert_eq!(d.bounds(), (Some(jan1), Some(jan1 + 2 * crate::time::DAY_MS - 1)));
        assert_eq!(
            serde_json::to_value(&d.start).unwrap(),
            json!("2024-01-01"),
            "written as sent"
        );
        let err = from_value::<DataSpec>(json!({"start": "soon"})).unwrap_err();
        assert_eq!(err.field(), "start");
        assert!(
            err.message.starts_with("unparsable timestamp \"soon\""),
            "{}",
            err.message
        );
    }
}
