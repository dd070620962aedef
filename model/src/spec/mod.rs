//! Job specs as clients send them, parsed with errors that name the offending field.

pub mod data;
pub mod experiment;
pub mod limits;
pub mod overfitting;
pub mod seasonality;
mod seasonality_space;
pub mod stats;

pub use data::{DataSpec, MySqlSpec};

use serde::de::DeserializeOwned;

/// A spec that does not parse: the dotted path of the field (`data.start`, `events[0].params.k`) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() || self.field == "." {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for SpecError {}

impl SpecError {
    /// An error about `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Deserialises `value` into `T`, reporting the path of the first field that does not fit.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, SpecError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        SpecError {
            field,
            message: strip_position(&e.into_inner().to_string()),
        }
    })
}

/// serde_json appends "at line L column C", meaningless for an already-parsed value.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Outer {
        #[allow(dead_code)]
        data: Inner,
    }
    #[derive(Debug, serde::Deserialize)]
    struct Inner {
        #[allow(dead_code)]
        start: String,
    }

    #[test]
    fn errors_name_the_dotted_field_path() {
        let err = from_value::<Outer>(serde_json::json!({"data": {"start": 5}})).unwrap_err();
        assert_eq!(err.field, "data.start");
        assert!(err.message.contains("expected a string"), "{}", err.message);
        assert!(!err.to_string().contains("line"), "{err}");
    }
}
