//! Job specs as clients send them, parsed with errors that name the offending field.

pub mod data;
pub mod experiment;
pub mod levels;
pub mod limits;
pub mod overfitting;
pub mod seasonality;
mod seasonality_space;
pub mod stats;

pub use data::{DataSpec, MySqlSpec, SpecTime};

use crate::LocPart;
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

/// A spec that does not parse: the path of the field (`["events", 0, "params", "k"]`, empty for the whole spec)
/// and why.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecError {
    pub path: Vec<LocPart>,
    pub message: String,
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.field(), self.message)
        }
    }
}

impl std::error::Error for SpecError {}

impl SpecError {
    /// An error about the field at `path`, one key or list index a step (`["data", "start"]`).
    pub fn new<P: Into<LocPart>>(path: impl IntoIterator<Item = P>, message: impl Into<String>) -> Self {
        Self {
            path: path.into_iter().map(Into::into).collect(),
            message: message.into(),
        }
    }

    /// An error about the spec as a whole, naming no field.
    pub fn root(message: impl Into<String>) -> Self {
        Self::new(Vec::<LocPart>::new(), message)
    }

    /// The same error seen from the value that holds this one: `prefix` goes in front of the path.
    pub fn under<P: Into<LocPart>>(mut self, prefix: impl IntoIterator<Item = P>) -> Self {
        self.path.splice(0..0, prefix.into_iter().map(Into::into));
        self
    }

    /// The dotted path (`events[0].params.k`), empty for the whole spec.
    pub fn field(&self) -> String {
        dotted(&self.path)
    }
}

/// A path as dotted text: keys joined by `.`, indexes as `[i]` (`events[0].params.k`).
pub fn dotted(path: &[LocPart]) -> String {
    let mut text = String::new();
    for part in path {
        match part {
            LocPart::Index(i) => text.push_str(&format!("[{i}]")),
            LocPart::Name(key) if text.is_empty() => text.push_str(key),
            LocPart::Name(key) => {
                text.push('.');
                text.push_str(key);
            }
        }
    }
    text
}

/// Deserialises `value` into `T`, reporting the path of the first field that does not fit.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, SpecError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().iter().filter_map(loc_part).collect();
        SpecError {
            path,
            message: strip_position(&e.into_inner().to_string()),
        }
    })
}

/// A step of serde's error path as a `loc` part; a map key that is not a string names nothing.
fn loc_part(segment: &Segment) -> Option<LocPart> {
    match segment {
        Segment::Seq { index } => Some(LocPart::from(*index)),
        Segment::Map { key } | Segment::Enum { variant: key } => Some(LocPart::from(key.as_str())),
        Segment::Unknown => None,
    }
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
    fn errors_name_the_field_path() {
        let err = from_value::<Outer>(serde_json::json!({"data": {"start": 5}})).unwrap_err();
        assert_eq!(err.path, [LocPart::from("data"), LocPart::from("start")]);
        assert_eq!(err.field(), "data.start");
        assert!(err.message.contains("expected a string"), "{}", err.message);
        assert!(!err.to_string().contains("line"), "{err}");
    }

    #[derive(Debug, serde::Deserialize)]
    struct Listed {
        #[allow(dead_code)]
        items: Vec<u32>,
    }

    #[test]
    fn list_indexes_are_path_steps_printed_in_brackets() {
        let err = from_value::<Listed>(serde_json::json!({"items": [1, "x"]})).unwrap_err();
        assert_eq!(err.path, [LocPart::from("items"), LocPart::Index(1)]);
        assert_eq!(err.field(), "items[1]");
        let err = SpecError::new(["k"], "bad").under([LocPart::from("events"), 0.into(), "params".into()]);
        assert_eq!(err.to_string(), "events[0].params.k: bad");
        assert_eq!(SpecError::root("bad").to_string(), "bad");
    }
}
