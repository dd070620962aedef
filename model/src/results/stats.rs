//! The stats result (`GET /stats/result`, reference §2.8): the output columns and one object per row, each with
//! exactly the listed columns.

use crate::stats::StatRow;
use serde::ser::{Error, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

/// Number of output columns the original had (§2.8); the rest (`fold`, `ttr_*`) are ours.
pub const ORIGINAL_COLUMNS: usize = 21;

/// The result of a stats job. `columns` holds the original's 21 columns plus each of ours (`fold`, `ttr_*`) that
/// some row fills, so a spec the original could run gets exactly the original's shape.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatsResult {
    pub columns: Vec<String>,
    pub rows: Vec<StatRow>,
}

impl StatsResult {
    /// The result of `rows` computed with `all_columns` (the original's first): ours are kept when a row has a
    /// value in them.
    pub fn new(all_columns: &[String], rows: Vec<StatRow>) -> Result<Self, serde_json::Error> {
        let objects = rows.iter().map(serde_json::to_value).collect::<Result<Vec<_>, _>>()?;
        let columns = all_columns
            .iter()
            .enumerate()
            .filter(|(i, c)| *i < ORIGINAL_COLUMNS || objects.iter().any(|r| !r[c.as_str()].is_null()))
            .map(|(_, c)| c.clone())
            .collect();
        Ok(Self { columns, rows })
    }
}

impl Serialize for StatsResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rows = self
            .rows
            .iter()
            .map(|row| {
                let mut v = serde_json::to_value(row).map_err(S::Error::custom)?;
                if let Some(o) = v.as_object_mut() {
                    o.retain(|k, _| self.columns.contains(k));
                }
                Ok(v)
            })
            .collect::<Result<Vec<_>, S::Error>>()?;
        let mut out = s.serialize_struct("StatsResult", 2)?;
        out.serialize_field("columns", &self.columns)?;
        out.serialize_field("rows", &rows)?;
        out.end()
    }
}
