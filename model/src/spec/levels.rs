//! The original's levels build spec (reference §1.7), as clients of its `/levels/build` and `/levels/fill` send it.
//! This engine has no levels module (those endpoints answer 500 as the original without a levels database), so the
//! type only describes the body in `/openapi.json`; nothing parses it.

use super::DataSpec;
use serde::{Deserialize, Serialize};

/// A levels build (or fill, with `FILL_FVG`/`FILL_GAP` targets) over `symbols` between `range_start` and
/// `range_end`, written to `output_schema.output_table`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelsBuildSpec {
    pub data: DataSpec,
    pub symbols: Vec<String>,
    pub range_start: Option<String>,
    pub range_end: Option<String>,
    pub targets: Vec<LevelTarget>,
    /// Default `marketdata`.
    pub output_schema: Option<String>,
    /// Default `levels`.
    pub output_table: Option<String>,
    /// Default true.
    pub upsert: Option<bool>,
    /// Trading session windows by name, as the original's levels module reads them.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub session_windows: Option<serde_json::Value>,
    /// Opening-range settings, as the original's levels module reads them.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub orib: Option<serde_json::Value>,
}

/// One kind of level to build (`PDH`, `FVG`, `FILL_GAP`, …) and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelTarget {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: serde_json::Map<String, serde_json::Value>,
}
