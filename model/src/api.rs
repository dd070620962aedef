//! Bodies that every endpoint may answer with.

use serde::{Deserialize, Serialize};

/// The original engine's error body: `{"detail": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub detail: String,
}

impl ApiError {
    /// Builds an error body from any message.
    pub fn new(detail: impl Into<String>) -> Self {
        Self { detail: detail.into() }
    }
}

/// Answer of `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
    pub database: String,
}

/// FastAPI's 422 answer: `{"detail": [item, …]}`, one item per invalid parameter or field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidationError {
    pub detail: Vec<ValidationItem>,
}

/// One invalid parameter or field of a 422 answer, as pydantic describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidationItem {
    /// The kind of error: `missing`, `int_parsing`, `less_than_equal`, `value_error`, `json_invalid`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Where: `["query", "page"]` or `["body", "events", 0, "params", "k"]`.
    pub loc: Vec<LocPart>,
    pub msg: String,
    /// The value refused (null when not kept).
    pub input: serde_json::Value,
    /// The bound or pattern broken, for bound and pattern errors (`{"le": 500}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctx: Option<serde_json::Value>,
    /// pydantic's page about the kind of error.
    pub url: String,
}

impl ValidationItem {
    /// An item of `kind` at `loc`, with pydantic's documentation link.
    pub fn new(kind: &str, loc: Vec<LocPart>, msg: impl Into<String>, input: serde_json::Value) -> Self {
        ValidationItem {
            kind: kind.to_string(),
            loc,
            msg: msg.into(),
            input,
            ctx: None,
            url: format!("https://errors.pydantic.dev/2.11/v/{kind}"),
        }
    }
}

/// One step of a `loc`: a name or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum LocPart {
    Index(u64),
    Name(String),
}

impl From<&str> for LocPart {
    fn from(name: &str) -> Self {
        LocPart::Name(name.to_string())
    }
}

impl From<usize> for LocPart {
    fn from(index: usize) -> Self {
        LocPart::Index(index as u64)
    }
}

impl std::fmt::Display for LocPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LocPart::Index(i) => write!(f, "{i}"),
            LocPart::Name(n) => f.write_str(n),
        }
    }
}

/// The 422 of a job endpoint: a validation list for an invalid body or spec field, `{"detail": "…"}` for data
/// that cannot be loaded or fails validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Unprocessable {
    Fields(ValidationError),
    Message(ApiError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_items_keep_fastapis_shape() {
        let mut item = ValidationItem::new(
            "less_than_equal",
            vec!["query".into(), "page".into()],
            "too big",
            7.into(),
        );
        item.ctx = Some(serde_json::json!({"le": 5}));
        let v = serde_json::to_value(ValidationError {
            detail: vec![item.clone()],
        })
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"detail": [{"type": "less_than_equal", "loc": ["query", "page"], "msg": "too big",
                "input": 7, "ctx": {"le": 5}, "url": "https://errors.pydantic.dev/2.11/v/less_than_equal"}]})
        );
        let back: ValidationError = serde_json::from_value(v).unwrap();
        assert_eq!(back.detail[0], item);
        let loc: Vec<LocPart> = serde_json::from_str(r#"["body","events",0]"#).unwrap();
        assert_eq!(loc[2], LocPart::Index(0));
    }
}
